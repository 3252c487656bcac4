package calc

import (
	"errors"
	"fmt"
	"math"
)

// Pacing is how a period's target is expected to accrue over time.
type Pacing struct {
	// Curve, if not empty, is last year's cumulative share of the period's total at
	// the end of each of N equal slices of the period (non-decreasing, last = 1).
	// Empty means linear.
	Curve []float64
}

// ExpectedShare is the share of the period's target expected by elapsed (0..1 of
// the period's length): elapsed itself when linear; with a curve, interpolate
// linearly between slice ends (0 at start). Clamp elapsed to [0,1].
//
// With a curve of N values, slice k (1-based) ends at elapsed k/N where the
// share is Curve[k-1]; the share at elapsed 0 is 0. A NaN elapsed counts as 0.
// The curve is used as given (CurveFromHistory builds valid ones); it is not
// checked here.
func (p Pacing) ExpectedShare(elapsed float64) float64 {
	e := clamp01(elapsed)
	n := len(p.Curve)
	if n == 0 {
		return e
	}
	pos := e * float64(n)
	k := int(math.Floor(pos))
	if k >= n {
		return p.Curve[n-1]
	}
	lo := 0.0
	if k > 0 {
		lo = p.Curve[k-1]
	}
	hi := p.Curve[k]
	return lo + (hi-lo)*(pos-float64(k))
}

// CurveFromHistory builds a seasonal curve from last year's per-slice values (e.g. the
// 13 weekly or 3 monthly amounts of the same quarter last year): cumulative sums divided
// by the total. A zero or negative total, or any negative value, gives an error (caller falls back to linear).
//
// An empty slice or a NaN or infinite value is an error too. The curve is
// non-decreasing and its last value is exactly 1.
func CurveFromHistory(values []float64) ([]float64, error) {
	if len(values) == 0 {
		return nil, errors.New("calc: curve: no values")
	}
	total := 0.0
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("calc: curve: value %d is %v, not a finite number", i, v)
		}
		if v < 0 {
			return nil, fmt.Errorf("calc: curve: value %d is negative (%v)", i, v)
		}
		total += v
	}
	if total <= 0 || math.IsInf(total, 0) {
		return nil, fmt.Errorf("calc: curve: total %v is not positive and finite", total)
	}
	curve := make([]float64, len(values))
	run := 0.0
	for i, v := range values {
		run += v // the same additions in the same order as total: the last run == total
		curve[i] = run / total
	}
	curve[len(curve)-1] = 1
	return curve, nil
}

// clamp01 limits x to [0,1]; NaN becomes 0.
func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x) || x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	return x
}
