package coach

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// median of xs, averaging the middle two of an even count; NaN when empty.
func median(xs []float64) float64 { return quantile(xs, 0.5) }

// quantile is the q-quantile of xs, interpolated linearly between the two
// nearest order statistics (Hyndman & Fan type 7, as the engine's SQL
// quantiles are); NaN when xs is empty.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}

// better reports whether a is better than b for a KPI of the given
// direction.
func better(direction string, a, b float64) bool {
	if direction == "lower" {
		return a < b
	}
	return a > b
}

// percentile is the share of others the value beats, direction-aware, in
// percent: 100 × (others worse + ½ × others equal) ÷ others. The best of a
// group is 100, the worst 0; a tie counts half (mid-rank), so reps with the
// same value share the same percentile.
func percentile(direction string, v float64, others []float64) float64 {
	var worse, equal float64
	for _, o := range others {
		switch {
		case o == v:
			equal++
		case better(direction, v, o):
			worse++
		}
	}
	return 100 * (worse + equal/2) / float64(len(others))
}

// proportionTest is the two-sided two-proportion z-test of x1/n1 against
// x2/n2 with the pooled standard error; it returns z (positive when the first
// rate is higher) and the p-value. With a pooled rate of 0 or 1 there is no
// difference to test: z = 0, p = 1.
func proportionTest(x1, n1, x2, n2 float64) (z, p float64) {
	pool := (x1 + x2) / (n1 + n2)
	se := math.Sqrt(pool * (1 - pool) * (1/n1 + 1/n2))
	if se == 0 || math.IsNaN(se) {
		return 0, 1
	}
	z = (x1/n1 - x2/n2) / se
	return z, math.Erfc(math.Abs(z) / math.Sqrt2)
}

// wilson is the Wilson score interval of x successes in n trials at the
// normal quantile zq (1.96 for 95%).
func wilson(x, n, zq float64) (lo, hi float64) {
	if n <= 0 {
		return math.NaN(), math.NaN()
	}
	p := x / n
	z2 := zq * zq
	centre := (p + z2/(2*n)) / (1 + z2/n)
	half := zq / (1 + z2/n) * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// normalQuantile is the standard normal quantile of p (0 < p < 1).
func normalQuantile(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// predictionTest asks whether v could be one more draw from the population
// the n peers (mean, sd) come from: the two-sided (1 − alpha) prediction
// interval mean ± t(1 − alpha/2, n − 1) × sd × √(1 + 1/n), and the p-value
// of v under it (exact for normal, exchangeable peers).
func predictionTest(v, mean, sd float64, n int, alpha float64) (lo, hi, p float64) {
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}
	scale := sd * math.Sqrt(1+1/float64(n))
	half := t.Quantile(1-alpha/2) * scale
	lo, hi = mean-half, mean+half
	switch {
	case scale > 0:
		p = 2 * t.Survival(math.Abs(v-mean)/scale)
	case v == mean:
		p = 1
	}
	return lo, hi, p
}
