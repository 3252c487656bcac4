package demo

import (
	"math"
	"math/rand/v2"
)

// Random streams are keyed by (kind, index) so that each rep, team and global
// concern draws from its own PCG stream: output stays byte-identical no matter
// how generation is scheduled across goroutines, and adding draws to one
// concern does not reshuffle every other.
type streamKind uint64

const (
	streamRep streamKind = iota + 1
	streamLeads
	streamDeals
	streamCustomers
	streamActivities
	streamEffort
	streamSpend
	streamHistory
	streamLeadEmails
)

// splitmix64 spreads nearby stream ids over the whole 64-bit space; PCG
// streams seeded with consecutive small integers would otherwise start from
// closely related states.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newRand(seed uint64, kind streamKind, idx int) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix64(seed), splitmix64(uint64(kind)<<40|uint64(idx))))
}

// lognormal draws a positive value whose median is median.
func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// poisson uses Knuth's method for small means and a rounded normal beyond,
// which is plenty for counts of leads or activities.
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 40 {
		n := math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64())
		if n < 0 {
			return 0
		}
		return int(n)
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// int64In draws from [lo, hi); an empty range yields lo.
func int64In(r *rand.Rand, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + r.Int64N(hi-lo)
}

// weighted picks an index with probability proportional to w.
func weighted(r *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	u := r.Float64() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
