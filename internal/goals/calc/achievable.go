package calc

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// minChanges is the least number of past changes Achievable judges from.
const minChanges = 4

// changeTolerance is how far (in relative change) an implied change may pass
// the percentile and still count as equal to it, so that floating-point noise
// (135/100−1 = 0.35000000000000009) never flags a target that sits exactly on it.
const changeTolerance = 1e-9

// Plausibility judges whether a target is achievable from history: changes are the
// period-over-period relative changes of the KPI's history (x[i]/x[i-1]-1, skipping
// pairs with x[i-1] == 0); the target's implied change is target/current - 1. The
// target is flagged when its implied change is above the 90th percentile of past
// changes (or, for lower-is-better, below the 10th percentile). Return the figures so
// the caller can print "target implies +42% vs a 90th percentile of +18% over 11 periods".
type Plausibility struct {
	Implied    float64 // implied relative change
	Percentile float64 // the 90th (or 10th) percentile of past changes
	Periods    int     // number of changes considered
	Plausible  bool
	Reason     string // human-readable sentence with the figures
}

// Achievable judges target against history (oldest first) and the current
// value; see Plausibility.
// Percentile uses linear interpolation between closest ranks (the same as numpy's default, "type 7").
// Fewer than 4 changes → Plausible true with Reason "not enough history (N changes)".
//
// A target whose implied change equals the percentile (within 1e-9) is
// plausible. Pairs where either value is NaN or infinite are skipped like those with a zero
// previous value. When current is 0 (or the implied change is not a finite
// number) the target cannot be judged: Plausible is true, Implied 0, and Reason
// says so. Relative changes are meaningful for positive series; the caller
// should not judge KPIs that can be negative this way.
func Achievable(history []float64, current, target float64, dir Direction) Plausibility {
	var changes []float64
	for i := 1; i < len(history); i++ {
		prev, cur := history[i-1], history[i]
		if prev == 0 || !finite(prev) || !finite(cur) {
			continue
		}
		changes = append(changes, cur/prev-1)
	}
	res := Plausibility{Periods: len(changes), Plausible: true}
	implied := target/current - 1
	if finite(implied) {
		res.Implied = implied
	}
	if len(changes) < minChanges {
		res.Reason = fmt.Sprintf("not enough history (%d changes)", len(changes))
		return res
	}
	p, rank, word := 0.9, "90th", "above"
	if dir == LowerIsBetter {
		p, rank, word = 0.1, "10th", "below"
	}
	res.Percentile = percentile(changes, p)
	if current == 0 || !finite(implied) {
		res.Reason = fmt.Sprintf("cannot judge the target: the current value is %v, so its relative change is undefined", current)
		return res
	}
	if dir == LowerIsBetter {
		res.Plausible = implied >= res.Percentile-changeTolerance
	} else {
		res.Plausible = implied <= res.Percentile+changeTolerance
	}
	res.Reason = fmt.Sprintf("target implies %s vs a %s percentile of %s over %d periods",
		signedPercent(implied), rank, signedPercent(res.Percentile), len(changes))
	if !res.Plausible {
		res.Reason += ": " + word + " what history makes plausible"
	}
	return res
}

// percentile is the p-quantile (0..1) of xs by linear interpolation between
// closest ranks (Hyndman & Fan type 7, numpy's default). xs is not modified and
// must not be empty.
func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	h := float64(len(s)-1) * p
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// signedPercent formats a relative change as a signed percentage with at most
// one decimal: 0.42 → "+42%", -0.125 → "-12.5%", 0 → "+0%".
func signedPercent(x float64) string {
	v := math.Round(x*1000) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	s := strconv.FormatFloat(v, 'f', -1, 64) + "%"
	if v >= 0 {
		s = "+" + s
	}
	return s
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
