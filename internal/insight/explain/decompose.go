// Package explain answers "why did this number move?": it splits a KPI's
// change between two periods into the drivers it is the product of, the
// segments (teams, reps, segments, sources, products, …) that account for it
// with their mix and rate effects, and the funnel stage whose conversion
// moved most, and reads the result back as a short ranked list of findings.
package explain

import "math"

// Shapley splits the change of a product of factors, Π new − Π old, into one
// contribution per factor that add up to it exactly.
//
// A factor's contribution is its Shapley value: its marginal effect (switching
// it from old to new) averaged over every order in which the factors could be
// switched, i.e. over every subset S of the other factors already switched,
// weighted |S|!(n−|S|−1)!/n!. Unlike a log (LMDI) split it needs no positive
// values, so a factor that falls to zero still gets its share; unlike a
// sequential split it does not depend on which factor is named first. For two
// factors it is the familiar midpoint rule: Δa·(b₀+b₁)/2 + Δb·(a₀+a₁)/2.
func Shapley(old, new []float64) []float64 {
	n := len(old)
	out := make([]float64, n)
	if n == 0 || n != len(new) || n > 16 {
		return out
	}
	fact := make([]float64, n+1)
	fact[0] = 1
	for i := 1; i <= n; i++ {
		fact[i] = fact[i-1] * float64(i)
	}
	value := func(switched uint32) float64 {
		v := 1.0
		for j := range n {
			if switched&(1<<j) != 0 {
				v *= new[j]
			} else {
				v *= old[j]
			}
		}
		return v
	}
	for i := range n {
		bit := uint32(1) << i
		for s := uint32(0); s < 1<<n; s++ {
			if s&bit != 0 {
				continue
			}
			k := popcount(s)
			w := fact[k] * fact[n-k-1] / fact[n]
			out[i] += w * (value(s|bit) - value(s))
		}
	}
	return out
}

func popcount(x uint32) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// Part is one segment of a ratio KPI in two periods: the numerator and the
// denominator it contributes (e.g. deals won and deals closed of a team for
// the win rate).
type Part struct {
	Num0, Den0 float64 // base period
	Num1, Den1 float64 // compared period
}

// MixRate splits the change of a ratio KPI R = ΣNum ÷ ΣDen between two periods
// into, for each segment g, a mix effect (its share of the denominator moved)
// and a rate effect (its own ratio moved):
//
//	ΔR = Σ_g (s₁−s₀)·(r̄_g − R̄)  +  Σ_g s̄_g·(r₁−r₀)
//	        mix                     rate
//
// with s the segment's share of the denominator, r its ratio, and bars the
// midpoint of the two periods (R̄ the overall ratio's). The identity is exact
// because Δ(s·r) = Δs·r̄ + s̄·Δr for midpoints and the shares' changes sum to
// zero, so subtracting R̄ moves nothing in total while making each segment's
// mix effect read right: growing a segment that converts above average lifts
// the ratio, growing one below average lowers it. A segment present in one
// period only takes that period's ratio in both (its rate effect is zero, its
// whole effect is mix). ok is false when either period's denominator is zero,
// or when a segment has a numerator without a denominator (spend in a source
// with no leads): its ratio is unbounded and the change cannot be split.
func MixRate(parts []Part) (mix, rate []float64, ok bool) {
	var n0, d0, n1, d1 float64
	for _, p := range parts {
		if (p.Den0 == 0 && p.Num0 != 0) || (p.Den1 == 0 && p.Num1 != 0) {
			return make([]float64, len(parts)), make([]float64, len(parts)), false
		}
		n0 += p.Num0
		d0 += p.Den0
		n1 += p.Num1
		d1 += p.Den1
	}
	mix = make([]float64, len(parts))
	rate = make([]float64, len(parts))
	if d0 == 0 || d1 == 0 {
		return mix, rate, false
	}
	rbar := (n0/d0 + n1/d1) / 2
	for i, p := range parts {
		s0, s1 := p.Den0/d0, p.Den1/d1
		var r0, r1 float64
		switch {
		case p.Den0 != 0 && p.Den1 != 0:
			r0, r1 = p.Num0/p.Den0, p.Num1/p.Den1
		case p.Den0 != 0:
			r0 = p.Num0 / p.Den0
			r1 = r0
		case p.Den1 != 0:
			r1 = p.Num1 / p.Den1
			r0 = r1
		default:
			continue // nothing in either period
		}
		mix[i] = (s1 - s0) * ((r0+r1)/2 - rbar)
		rate[i] = (s0 + s1) / 2 * (r1 - r0)
	}
	return mix, rate, true
}

// near reports whether a and b agree to within a relative 1e-9 (absolute for
// values near zero): what "sums exactly" means in floating point.
func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
