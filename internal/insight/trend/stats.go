package trend

import (
	"math"
	"slices"
)

// usable reports whether v is an observation; NaN and ±Inf stand for a
// missing period.
func usable(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// median of xs, which it reorders; NaN for an empty slice. It selects
// rather than sorts (expected linear time): the anomaly fits take medians of
// hundreds of slopes thousands of times.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	hi := selectKth(xs, n/2)
	if n%2 == 1 {
		return hi
	}
	// selectKth left the smaller half in xs[:n/2]. Halve before adding so
	// two values near ±MaxFloat64 cannot overflow.
	return slices.Max(xs[:n/2])/2 + hi/2
}

// selectKth reorders xs so that xs[k] is the value of rank k (0-based) in
// ascending order, everything before it no larger and everything after it
// no smaller, and returns it: quickselect with a three-way partition, so
// the many equal values of a flat series cost nothing extra. xs holds no
// NaN.
func selectKth(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		// Median of three as pivot guards against sorted input.
		mid := lo + (hi-lo)/2
		a, b, c := xs[lo], xs[mid], xs[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		// Partition into < pivot [lo, lt), == pivot [lt, gt], > pivot (gt, hi].
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch v := xs[i]; {
			case v < pivot:
				xs[lt], xs[i] = xs[i], xs[lt]
				lt++
				i++
			case v > pivot:
				xs[gt], xs[i] = xs[i], xs[gt]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// rescaled returns the usable values of ys multiplied by a power of two that
// brings the largest magnitude into [0.5, 1), and the exponent to undo it
// with math.Ldexp. Multiplying by a power of two is exact, so nothing is
// lost, and differences and slopes of the rescaled values cannot overflow
// even for inputs near ±MaxFloat64. Missing values stay NaN. The exponent is
// 0 when there is no non-zero value.
func rescaled(ys []float64) ([]float64, int) {
	var maxAbs float64
	for _, v := range ys {
		if usable(v) {
			maxAbs = max(maxAbs, math.Abs(v))
		}
	}
	exp := 0
	if maxAbs > 0 {
		_, exp = math.Frexp(maxAbs)
	}
	out := make([]float64, len(ys))
	for i, v := range ys {
		if usable(v) {
			out[i] = math.Ldexp(v, -exp)
		} else {
			out[i] = math.NaN()
		}
	}
	return out, exp
}

// unscale undoes rescaled, saturating at ±MaxFloat64 rather than returning
// an infinity (a fitted value may lie a little beyond the largest input).
func unscale(v float64, exp int) float64 {
	return saturate(math.Ldexp(v, exp))
}

// saturate clamps ±Inf to ±MaxFloat64.
func saturate(v float64) float64 {
	return math.Max(-math.MaxFloat64, math.Min(math.MaxFloat64, v))
}

// normalQuantile is the standard normal quantile Φ⁻¹(p) for 0 < p < 1.
func normalQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// twoSidedP is the two-sided p-value of a standard normal statistic,
// 2·(1 − Φ(|z|)) = erfc(|z|/√2); erfc keeps precision far in the tail where
// 1 − Φ would round to 0.
func twoSidedP(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

func ptr(v float64) *float64 { return &v }
