package coach

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/salesops/salesops/internal/kpi"
)

func ptr[T any](v T) *T { return &v }

// round4 keeps statistics readable.
func round4(x float64) *float64 { return ptr(math.Round(x*1e4) / 1e4) }

// judge compares one rep on one KPI with the other peers.
type judge struct {
	sp      *spec
	rep     string
	peers   []string // the rep included
	others  []string // the peers without the rep
	vals    values
	rules   Rules
	partial bool // the rep was employed for only part of the period
}

// assess judges one KPI of one rep against the other peers.
func (j judge) assess() KPIResult {
	sp, rep, vals := j.sp, j.rep, j.vals
	k := sp.kpi
	res := KPIResult{ID: k.ID, Name: k.Name, Category: k.Category, Unit: k.Unit, Direction: k.Direction, Indicator: k.Indicator, Kind: sp.kind}
	v, ok := vals.get(0, rep, k.ID)
	var all, rest []float64
	for _, q := range j.peers {
		if x, ok := vals.get(0, q, k.ID); ok {
			all = append(all, x)
			if q != rep {
				rest = append(rest, x)
			}
		}
	}
	res.Peers = len(rest)
	if len(all) > 0 {
		res.TeamMedian = ptr(kpi.Round(k.Unit, median(all)))
	}
	res.Trend = j.trend()
	if !ok {
		res.Verdict, res.Reason = NoData, "no value for the rep in the period"
		return res
	}
	res.Value = ptr(kpi.Round(k.Unit, v))
	if len(rest) > 0 {
		res.Percentile = ptr(math.Round(percentile(k.Direction, v, rest)*10) / 10)
	}
	if sp.kind == KindRate && j.rate(&res) {
		return res
	}
	j.spread(&res, v)
	return res
}

// sumMeasures adds the given measures of one rep; ok is false when the rep
// has none of them.
func sumMeasures(vals values, period int, rep string, ids []string) (float64, bool) {
	var s float64
	found := false
	for _, id := range ids {
		if x, ok := vals.get(period, rep, "measure:"+id); ok {
			s += x
			found = true
		}
	}
	return s, found
}

// rate applies the two-proportion rule; it returns false when the counts do
// not make a proportion (more successes than trials), so that the
// prediction-interval rule judges instead.
func (j judge) rate(res *KPIResult) bool {
	sp, rep, vals, rules := j.sp, j.rep, j.vals, j.rules
	k := sp.kpi
	x, _ := sumMeasures(vals, 0, rep, sp.num)
	n, _ := sumMeasures(vals, 0, rep, sp.den)
	if x < 0 || x > n {
		return false
	}
	var X, N float64
	used := 0
	for _, q := range j.others {
		qn, ok := sumMeasures(vals, 0, q, sp.den)
		if !ok || qn <= 0 {
			continue
		}
		qx, _ := sumMeasures(vals, 0, q, sp.num)
		if qx < 0 || qx > qn {
			return false
		}
		X += qx
		N += qn
		used++
	}
	t := &Test{Method: "two_proportion", Successes: ptr(x), Trials: ptr(n), PeerSuccesses: ptr(X), PeerTrials: ptr(N), PeersUsed: used}
	res.Test = t
	den := strings.Join(sp.den, " + ")
	if n > 0 {
		lo, hi := wilson(x, n, normalQuantile(1-rules.Alpha/2))
		t.CILow, t.CIHigh = round4(lo), round4(hi)
	}
	if N > 0 {
		t.PeerRate = round4(X / N)
	}
	switch {
	case n < float64(rules.MinTrials):
		res.Verdict = NotEnoughData
		res.Reason = fmt.Sprintf("only %s in the denominator (%s); a rate verdict needs at least %d", num(n), den, rules.MinTrials)
		return true
	case used < rules.MinPeers:
		res.Verdict = NotEnoughData
		res.Reason = fmt.Sprintf("only %d other peer(s) with a %s; a verdict needs at least %d", used, den, rules.MinPeers)
		return true
	case N < float64(rules.MinTrials):
		res.Verdict = NotEnoughData
		res.Reason = fmt.Sprintf("the other peers have only %s in the denominator (%s); at least %d needed", num(N), den, rules.MinTrials)
		return true
	}
	z, p := proportionTest(x, n, X, N)
	t.Z, t.PValue = round4(z), round4(p)
	r1, r2 := x/n, X/N
	what := fmt.Sprintf("%s of %s (%s) against %s of %s (%s) for the other %d peers",
		num(x), num(n), pct(r1), num(X), num(N), pct(r2), used)
	effect := math.Abs(r1-r2) >= rules.MinEffect*r2
	switch {
	case p < rules.Alpha && effect && better(k.Direction, r1, r2):
		res.Verdict = Strength
		res.Reason = fmt.Sprintf("%s: better, p = %.3f", what, p)
	case p < rules.Alpha && effect:
		res.Verdict = Weakness
		res.Reason = fmt.Sprintf("%s: worse, p = %.3f", what, p)
	case p < rules.Alpha:
		res.Verdict = Typical
		res.Reason = fmt.Sprintf("%s: significant (p = %.3f) but less than %.0f%% apart", what, p, 100*rules.MinEffect)
	default:
		res.Verdict = Typical
		res.Reason = fmt.Sprintf("%s: within chance (p = %.2f)", what, p)
	}
	return true
}

// supportOfRep is the sample size behind a rep's value: the smallest of the
// KPI's record counts; ok is false when the catalog has no count for them.
func supportOfRep(sp *spec, vals values, rep string) (float64, bool) {
	if len(sp.support) == 0 {
		return 0, false
	}
	s := math.Inf(1)
	for _, id := range sp.support {
		x, _ := vals.get(0, rep, "measure:"+id)
		s = math.Min(s, x)
	}
	return s, true
}

// spread applies the prediction-interval rule to volumes and levels: is the
// rep's value v one the peers' distribution would produce?
func (j judge) spread(res *KPIResult, v float64) {
	sp, rep, vals, rules := j.sp, j.rep, j.vals, j.rules
	k := sp.kpi
	t := &Test{Method: "prediction_interval"}
	res.Test = t
	support, known := supportOfRep(sp, vals, rep)
	if known {
		t.Support = ptr(support)
	}
	minRec := float64(rules.MinRecords)
	var ref, refSupport []float64
	for _, q := range j.others {
		x, ok := vals.get(0, q, k.ID)
		if !ok {
			continue
		}
		qs, _ := supportOfRep(sp, vals, q)
		if known && sp.kind == KindLevel && qs < minRec {
			continue // a peer's mean of three deals is no yardstick either
		}
		ref = append(ref, x)
		refSupport = append(refSupport, qs)
	}
	t.PeersUsed = len(ref)
	switch {
	case sp.kind == KindVolume && j.partial:
		res.Verdict = NotEnoughData
		res.Reason = "employed for only part of the period: a volume is not comparable with full-period peers"
		return
	case known && sp.kind == KindVolume && !sp.supportExact:
		res.Verdict = NotEnoughData
		res.Reason = fmt.Sprintf("the catalog has no count of the records behind this volume (%s counts a wider set), so a difference cannot be told from chance", strings.Join(sp.support, ", "))
		return
	case known && sp.kind == KindLevel && support < minRec:
		res.Verdict = NotEnoughData
		res.Reason = fmt.Sprintf("only %s record(s) behind the value (%s); a verdict needs at least %d", num(support), strings.Join(sp.support, ", "), rules.MinRecords)
		return
	case len(ref) < rules.MinPeers:
		res.Verdict = NotEnoughData
		res.Reason = fmt.Sprintf("only %d other peer(s) with enough data; a verdict needs at least %d", len(ref), rules.MinPeers)
		return
	case known && sp.kind == KindVolume && math.Max(support, median(refSupport)) < minRec:
		res.Verdict = NotEnoughData
		res.Reason = fmt.Sprintf("counts this small (%s record(s) for the rep, %s for the median peer) are within chance; at least %d needed", num(support), num(median(refSupport)), rules.MinRecords)
		return
	}
	mean, sd := stat.MeanStdDev(ref, nil)
	sd = math.Max(sd, rules.MinSpread*math.Abs(mean))
	lo, hi, p := predictionTest(v, mean, sd, len(ref), rules.Alpha)
	if v >= 0 && slices.Min(ref) >= 0 {
		lo = math.Max(lo, 0) // a count or a duration is never below zero
	}
	t.PeerMean, t.PeerSD = ptr(kpi.Round(k.Unit, mean)), ptr(kpi.Round(k.Unit, sd))
	t.Low, t.High = ptr(kpi.Round(k.Unit, lo)), ptr(kpi.Round(k.Unit, hi))
	t.PValue = round4(p)
	pi := fmt.Sprintf("the %.0f%% prediction interval %s to %s from the other %d peers (mean %s, sd %s)",
		100*(1-rules.Alpha), fmtValue(k.Unit, lo), fmtValue(k.Unit, hi), len(ref), fmtValue(k.Unit, mean), fmtValue(k.Unit, sd))
	switch {
	case p < rules.Alpha && better(k.Direction, v, mean):
		res.Verdict = Strength
		res.Reason = fmt.Sprintf("%s, better than %s; p = %.3f", fmtValue(k.Unit, v), pi, p)
	case p < rules.Alpha:
		res.Verdict = Weakness
		res.Reason = fmt.Sprintf("%s, worse than %s; p = %.3f", fmtValue(k.Unit, v), pi, p)
	default:
		res.Verdict = Typical
		res.Reason = fmt.Sprintf("%s, within %s", fmtValue(k.Unit, v), pi)
	}
}

// trend compares the rep's value with the previous period's.
func (j judge) trend() Trend {
	sp, rep, vals, rules := j.sp, j.rep, j.vals, j.rules
	var t Trend
	cur, ok1 := vals.get(0, rep, sp.kpi.ID)
	prev, ok2 := vals.get(1, rep, sp.kpi.ID)
	if ok2 {
		t.Previous = ptr(kpi.Round(sp.kpi.Unit, prev))
	}
	if !ok1 || !ok2 {
		return t
	}
	ch := kpi.Round(sp.kpi.Unit, cur-prev)
	t.Change = &ch
	if prev != 0 {
		t.ChangeRatio = round4((cur - prev) / math.Abs(prev))
	}
	dir := "unchanged"
	switch {
	case cur == prev:
	case better(sp.kpi.Direction, cur, prev):
		dir = "better"
	default:
		dir = "worse"
	}
	t.Direction = &dir
	if sp.kind == KindRate {
		x1, _ := sumMeasures(vals, 0, rep, sp.num)
		n1, _ := sumMeasures(vals, 0, rep, sp.den)
		x0, _ := sumMeasures(vals, 1, rep, sp.num)
		n0, _ := sumMeasures(vals, 1, rep, sp.den)
		if n1 >= float64(rules.MinTrials) && n0 >= float64(rules.MinTrials) && x1 <= n1 && x0 <= n0 {
			_, p := proportionTest(x1, n1, x0, n0)
			t.Significant = ptr(p < rules.Alpha)
			t.PValue = round4(p)
		}
	}
	return t
}

// num prints a count.
func num(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// fmtValue prints a KPI value for people.
func fmtValue(unit string, x float64) string {
	switch unit {
	case "fraction":
		return pct(x)
	case "currency":
		return fmt.Sprintf("%.0f", x)
	case "days":
		return fmt.Sprintf("%.1f days", x)
	case "minutes":
		return fmt.Sprintf("%.0f min", x)
	case "count":
		return num(math.Round(x*10) / 10)
	}
	return fmt.Sprintf("%.3g", x)
}
