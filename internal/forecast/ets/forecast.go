package ets

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Forecast holds point forecasts and prediction interval bounds for horizons
// 1..h (index 0 is one step ahead).
type Forecast struct{ Mean, Lo80, Hi80, Lo95, Hi95 []float64 }

// Standard normal quantiles for two-sided 80% and 95% intervals.
const (
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
)

// nSim is the number of simulated sample paths for multiplicative intervals;
// 5000 puts the Monte-Carlo error of a 2.5% quantile well below the
// parameter uncertainty the intervals ignore anyway.
const nSim = 5000

// Forecast returns h-step-ahead point forecasts with 80% and 95% prediction
// intervals. It returns empty slices when h ≤ 0.
//
// Without a season, or with additive seasonality, the intervals are analytic:
// these are the linear ETS(A,N,N), ETS(A,A,N), ETS(A,N,A) and ETS(A,A,A)
// models, for which FPP (2nd ed. §7.7, 3rd ed. §8.7, Table 8.8) gives
//
//	σ²_h = σ²·[1 + Σ_{j=1}^{h−1} c_j²],  c_j = α + jαβ* + γ·[j mod m = 0]
//
// (the closed form in the book's table is this sum evaluated), with a normal
// quantile times σ_h either side of the mean.
//
// Multiplicative seasonality has no such closed form, so its intervals are the
// empirical quantiles of 5000 sample paths simulated from the fitted
// ETS(A,A,M) model with Gaussian errors of variance Sigma2 (a fixed seed keeps
// repeated calls identical). The point forecast is the method's forecast, not
// the simulated mean.
//
// Both kinds of interval treat the parameters and initial states as known, so
// they are somewhat too narrow on short histories.
func (m *Model) Forecast(h int) Forecast {
	if h <= 0 {
		return Forecast{}
	}
	f := Forecast{
		Mean: make([]float64, h), Lo80: make([]float64, h), Hi80: make([]float64, h),
		Lo95: make([]float64, h), Hi95: make([]float64, h),
	}
	for i := 1; i <= h; i++ {
		base := m.Level + float64(i)*m.Slope
		switch m.Season {
		case NoSeason:
			f.Mean[i-1] = base
		case Additive:
			f.Mean[i-1] = base + m.Seasonals[(i-1)%m.Period]
		case Multiplicative:
			f.Mean[i-1] = base * m.Seasonals[(i-1)%m.Period]
		}
	}
	if m.Season == Multiplicative {
		m.simulatedIntervals(f)
		return f
	}
	sigma := math.Sqrt(m.Sigma2)
	var sumC2 float64
	for i := 1; i <= h; i++ {
		if i > 1 {
			j := i - 1
			c := m.Alpha + float64(j)*m.Alpha*m.Beta
			if m.Season != NoSeason && j%m.Period == 0 {
				c += m.Gamma
			}
			sumC2 += c * c
		}
		sd := sigma * math.Sqrt(1+sumC2)
		f.Lo80[i-1], f.Hi80[i-1] = f.Mean[i-1]-z80*sd, f.Mean[i-1]+z80*sd
		f.Lo95[i-1], f.Hi95[i-1] = f.Mean[i-1]-z95*sd, f.Mean[i-1]+z95*sd
	}
	return f
}

// simulatedIntervals fills the interval bounds of f from simulated paths of
// the fitted multiplicative model.
func (m *Model) simulatedIntervals(f Forecast) {
	h := len(f.Mean)
	sigma := math.Sqrt(m.Sigma2)
	rng := rand.New(rand.NewPCG(0x5eed, 0xe75))
	paths := make([][]float64, h) // paths[i][k]: step i+1 of path k
	for i := range paths {
		paths[i] = make([]float64, nSim)
	}
	p := m.Period
	seas := make([]float64, p)
	for k := 0; k < nSim; k++ {
		level, slope := m.Level, m.Slope
		copy(seas, m.Seasonals)
		for i := 0; i < h; i++ {
			base := level + slope
			sOld := seas[i%p]
			y := base*sOld + sigma*rng.NormFloat64()
			paths[i][k] = y
			// The recurrences divide by level+trend; a path that drives it to
			// zero or below has left the region where the model means
			// anything, so its states are frozen and only noise is added.
			if base <= 0 || sOld == 0 {
				continue
			}
			newLevel := m.Alpha*y/sOld + (1-m.Alpha)*base
			seas[i%p] = m.Gamma*y/base + (1-m.Gamma)*sOld
			slope = m.Beta*(newLevel-level) + (1-m.Beta)*slope
			level = newLevel
		}
	}
	for i := 0; i < h; i++ {
		sort.Float64s(paths[i])
		f.Lo80[i], f.Hi80[i] = quantile(paths[i], 0.10), quantile(paths[i], 0.90)
		f.Lo95[i], f.Hi95[i] = quantile(paths[i], 0.025), quantile(paths[i], 0.975)
	}
}

// quantile returns the p-quantile of sorted xs by linear interpolation
// (R's type 7), used to read interval bounds off simulated paths.
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	h := p * float64(len(xs)-1)
	lo := int(math.Floor(h))
	if lo >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo])
}
