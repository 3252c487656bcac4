// Package ets forecasts short business time series (monthly bookings and the
// like) with exponential smoothing: simple exponential smoothing, Holt's linear
// trend method and Holt-Winters with additive or multiplicative seasonality.
//
// The recurrences are the component form of Hyndman & Athanasopoulos,
// "Forecasting: Principles and Practice" (FPP, 2nd ed. §7.1–7.3, 3rd ed.
// §8.1–8.3), with Beta playing the role of their β* (the trend smoothing
// parameter of the method form, not the state-space β = αβ*). FitFrom runs
// them from given initial states; the tests replay FPP 3rd ed. Tables
// 8.1–8.4 through it.
//
// Errors are treated as additive throughout: parameters minimise the sum of
// squared one-step errors, which is the Gaussian likelihood of the ETS(A,·,·)
// state-space models, so SSE-based AICc values of different candidates are
// comparable.
package ets

import (
	"errors"
	"fmt"
	"math"
)

// Seasonality selects how the seasonal component combines with level and trend.
type Seasonality int

const (
	// NoSeason fits simple exponential smoothing or Holt's method.
	NoSeason Seasonality = iota
	// Additive seasonality adds a fixed-size seasonal effect to the level.
	Additive
	// Multiplicative seasonality scales the level by a seasonal factor; it
	// suits series whose seasonal swing grows with the level.
	Multiplicative
)

// String names the seasonality for logs and reports.
func (s Seasonality) String() string {
	switch s {
	case NoSeason:
		return "none"
	case Additive:
		return "additive"
	case Multiplicative:
		return "multiplicative"
	}
	return fmt.Sprintf("Seasonality(%d)", int(s))
}

// Model is a fitted exponential smoothing model: its smoothing parameters, the
// states after the last observation and the in-sample diagnostics.
type Model struct {
	Alpha, Beta, Gamma float64 // smoothing parameters (Beta 0 and unused when Trend is false)
	Trend              bool
	Season             Seasonality
	Period             int       // season length, e.g. 12 for monthly data
	Level, Slope       float64   // final states
	Seasonals          []float64 // final seasonal states, oldest first (len Period)
	Fitted             []float64 // one-step-ahead fitted values, same length as the input
	SSE                float64
	Sigma2             float64 // residual variance

	n int // observations the model was fitted to; AICc needs it
}

// Sentinel errors let callers distinguish "not enough history" (fall back to
// a naive forecast) from bad data (report to the user).
var (
	// ErrTooShort: fewer than 2·period observations with a season, or fewer than 3 without.
	ErrTooShort = errors.New("ets: series too short for the requested model")
	// ErrNonFinite: the series holds NaN or ±Inf.
	ErrNonFinite = errors.New("ets: series contains NaN or Inf")
	// ErrNonPositive: a zero or negative value with Multiplicative seasonality.
	ErrNonPositive = errors.New("ets: multiplicative seasonality needs strictly positive values")
	// ErrBadArgument: a period, seasonality or smoothing parameter out of range.
	ErrBadArgument = errors.New("ets: invalid argument")
)

// minNoSeason is the shortest history accepted without a season: with fewer
// points there are no residual degrees of freedom to estimate σ².
const minNoSeason = 3

// initWindow caps how many leading observations the non-seasonal start-up
// regression uses, so a long history's later behaviour does not leak into the
// initial state.
const initWindow = 10

// checkForm rejects an unknown seasonality and a seasonal period below 2.
func checkForm(season Seasonality, period int) error {
	switch season {
	case NoSeason:
	case Additive, Multiplicative:
		if period < 2 {
			return fmt.Errorf("%w: seasonal period %d, need at least 2", ErrBadArgument, period)
		}
	default:
		return fmt.Errorf("%w: unknown seasonality %d", ErrBadArgument, int(season))
	}
	return nil
}

// checkValues rejects NaN/Inf observations, and non-positive ones with
// multiplicative seasonality.
func checkValues(y []float64, season Seasonality) error {
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: index %d", ErrNonFinite, i)
		}
		if season == Multiplicative && v <= 0 {
			return fmt.Errorf("%w: y[%d] = %g", ErrNonPositive, i, v)
		}
	}
	return nil
}

// checkParams rejects smoothing parameters outside [0,1]; beta is only
// checked with a trend and gamma only with a season.
func checkParams(alpha, beta, gamma float64, trend bool, season Seasonality) error {
	in01 := func(v float64) bool { return v >= 0 && v <= 1 }
	if !in01(alpha) || (trend && !in01(beta)) || (season != NoSeason && !in01(gamma)) {
		return fmt.Errorf("%w: smoothing parameters must lie in [0,1] (alpha=%g beta=%g gamma=%g)", ErrBadArgument, alpha, beta, gamma)
	}
	return nil
}

// validate checks the arguments of Fit and FitWith, including the history
// length that deriving the initial states needs.
func validate(y []float64, alpha, beta, gamma float64, trend bool, season Seasonality, period int, wantParams bool) error {
	if err := checkForm(season, period); err != nil {
		return err
	}
	if season == NoSeason && len(y) < minNoSeason {
		return fmt.Errorf("%w: %d observations, need at least %d", ErrTooShort, len(y), minNoSeason)
	}
	if season != NoSeason && len(y) < 2*period {
		return fmt.Errorf("%w: %d observations, need two full seasons (%d)", ErrTooShort, len(y), 2*period)
	}
	if err := checkValues(y, season); err != nil {
		return err
	}
	if wantParams {
		return checkParams(alpha, beta, gamma, trend, season)
	}
	return nil
}

// spec is the model form without parameters; it is what the optimiser varies
// the parameters of.
type spec struct {
	trend  bool
	season Seasonality
	period int
}

// nParams counts smoothing parameters plus initial states. The initial states
// are not optimised here, but they are computed from the data, so they still
// cost degrees of freedom in σ² and AICc.
func (s spec) nParams() int {
	k := 2 // alpha, l0
	if s.trend {
		k += 2 // beta, b0
	}
	if s.season != NoSeason {
		k += 1 + s.period - 1 // gamma, seasonal states (constrained to sum to 0 / m)
	}
	return k
}

// initState is the state before the first observation (time 0 in FPP's
// notation); seasonals are s_{1-m..0}, i.e. the season of y[0] first.
type initState struct {
	level, slope float64
	seasonals    []float64
}

// initialStates derives the starting states heuristically rather than
// optimising them: it keeps the optimisation to at most three bounded
// parameters, which Nelder–Mead handles reliably on short histories.
//
// Seasonal models use a classical decomposition of the first two seasons
// (2·m observations): a centred moving average of order m (2×m when m is even)
// gives the trend; the seasonal index of each position is the mean of the
// detrended values (y−trend, or y/trend when multiplicative) at that position,
// normalised to sum to 0 (mean 1 when multiplicative). A least-squares line
// through the moving-average values gives the slope, and the level is that line
// evaluated one step before y[0], so that the first forecast ℓ0+b0 lands on the
// line at y[0]. Without a trend the level is the mean of the moving averages.
//
// Non-seasonal models fit the same kind of line (trend) or mean (no trend) to
// the first min(n, 10) observations.
func initialStates(y []float64, s spec) initState {
	var ts, vs []float64 // points (t, value) the level/slope regression uses
	var seas []float64
	if s.season == NoSeason {
		k := min(len(y), initWindow)
		for i := 0; i < k; i++ {
			ts = append(ts, float64(i))
			vs = append(vs, y[i])
		}
	} else {
		m := s.period
		w := y[:2*m]
		half := m / 2
		sum := make([]float64, m)
		cnt := make([]float64, m)
		for i := half; i < 2*m-half; i++ {
			var ma float64
			if m%2 == 0 {
				// 2×m MA: the two end points get half weight so the window is centred on i.
				ma = 0.5*w[i-half] + 0.5*w[i+half]
				for j := i - half + 1; j < i+half; j++ {
					ma += w[j]
				}
				ma /= float64(m)
			} else {
				for j := i - half; j <= i+half; j++ {
					ma += w[j]
				}
				ma /= float64(m)
			}
			ts = append(ts, float64(i))
			vs = append(vs, ma)
			d := w[i] - ma
			if s.season == Multiplicative {
				d = w[i] / ma
			}
			sum[i%m] += d
			cnt[i%m]++
		}
		seas = make([]float64, m)
		var mean float64
		for j := range seas {
			seas[j] = sum[j] / cnt[j]
			mean += seas[j] / float64(m)
		}
		for j := range seas {
			if s.season == Multiplicative {
				seas[j] /= mean
			} else {
				seas[j] -= mean
			}
		}
	}
	st := initState{seasonals: seas}
	if s.trend {
		a, b := lineFit(ts, vs)
		st.level = a - b
		st.slope = b
	} else {
		for _, v := range vs {
			st.level += v
		}
		st.level /= float64(len(vs))
	}
	return st
}

// lineFit returns the least-squares intercept (at t=0) and slope.
func lineFit(t, v []float64) (a, b float64) {
	n := float64(len(t))
	var mt, mv float64
	for i := range t {
		mt += t[i]
		mv += v[i]
	}
	mt /= n
	mv /= n
	var sxy, sxx float64
	for i := range t {
		sxy += (t[i] - mt) * (v[i] - mv)
		sxx += (t[i] - mt) * (t[i] - mt)
	}
	if sxx > 0 {
		b = sxy / sxx
	}
	return mv - b*mt, b
}

// run applies the smoothing recurrences from the initial state through y.
// fitted may be nil when only the SSE is wanted (the optimiser's inner loop).
// ok is false when a multiplicative model's level+trend hits zero or below,
// where the recurrences divide by it and stop meaning anything.
func run(y []float64, alpha, beta, gamma float64, s spec, st initState, fitted []float64) (level, slope float64, seas []float64, sse float64, ok bool) {
	level, slope = st.level, st.slope
	m := len(st.seasonals)
	seas = make([]float64, m)
	copy(seas, st.seasonals)
	for t, yt := range y {
		base := level
		if s.trend {
			base += slope
		}
		var yhat, sOld float64
		switch s.season {
		case NoSeason:
			yhat = base
		case Additive:
			sOld = seas[t%m]
			yhat = base + sOld
		case Multiplicative:
			sOld = seas[t%m]
			if base <= 0 {
				return level, slope, seas, math.Inf(1), false
			}
			yhat = base * sOld
		}
		if fitted != nil {
			fitted[t] = yhat
		}
		e := yt - yhat
		sse += e * e

		var newLevel float64
		switch s.season {
		case NoSeason:
			newLevel = alpha*yt + (1-alpha)*base
		case Additive:
			newLevel = alpha*(yt-sOld) + (1-alpha)*base
			seas[t%m] = gamma*(yt-base) + (1-gamma)*sOld
		case Multiplicative:
			newLevel = alpha*yt/sOld + (1-alpha)*base
			seas[t%m] = gamma*yt/base + (1-gamma)*sOld
		}
		if s.trend {
			slope = beta*(newLevel-level) + (1-beta)*slope
		}
		level = newLevel
	}
	if math.IsNaN(sse) || math.IsInf(sse, 0) {
		return level, slope, seas, math.Inf(1), false
	}
	// Rotate so that Seasonals[0] is the season of the next period, which is
	// what "oldest first" means for the final m seasonal states.
	if m > 0 {
		off := len(y) % m
		rot := make([]float64, m)
		for j := range rot {
			rot[j] = seas[(off+j)%m]
		}
		seas = rot
	}
	return level, slope, seas, sse, true
}

// FitWith runs the model with the given smoothing parameters and no
// optimisation, so results can be compared with worked examples that publish
// their parameters. Initial states are derived as described on Fit; FitFrom
// takes them as arguments instead. Beta is ignored without a trend and Gamma
// without a season.
func FitWith(y []float64, alpha, beta, gamma float64, trend bool, season Seasonality, period int) (*Model, error) {
	if err := validate(y, alpha, beta, gamma, trend, season, period, true); err != nil {
		return nil, err
	}
	s := newSpec(trend, season, period)
	return build(y, alpha, beta, gamma, s, initialStates(y, s))
}

// Init is a model's state before its first observation: time 0 in FPP's
// notation, where the observations are y_1..y_T.
//
// Seasonals holds s_{1-m}..s_0 oldest first, so Seasonals[j] is the seasonal
// state of the season of y[j] (j < m): Seasonals[0] is the one the first
// observation uses. This is the order in which FPP's worked tables list them,
// one row per season before the first observation. R's forecast::ets and
// hw print their initial seasonal states the other way round, most recent
// (s_0) first, so their "s =" line must be reversed to be used here.
// Seasonal states are offsets with Additive and factors with Multiplicative.
type Init struct {
	Level, Slope float64
	Seasonals    []float64
}

// FitFrom runs the recurrences from the given initial states with the given
// smoothing parameters, without estimating anything, so that a published
// worked example can be replayed from its published parameters and states, or
// a model continued from states it ended with.
//
// The parameters are as for FitWith, Beta being FPP's β* (the slope smoothing
// parameter of the component form, not the state-space β = αβ*). Init.Slope
// must be 0 without a trend; Init.Seasonals must be empty without a season and
// hold exactly period values with one, all positive with Multiplicative. The
// first observation is y[0]; unlike Fit and FitWith, FitFrom needs no minimum
// history beyond one observation, because it derives no initial states.
//
// The returned model is built as Fit's is: its Level, Slope and Seasonals are
// the states after y[len(y)-1], and Sigma2 divides the SSE by the same degrees
// of freedom, as if the given parameters and states had been estimated.
func FitFrom(y []float64, alpha, beta, gamma float64, init Init, trend bool, season Seasonality, period int) (*Model, error) {
	if err := checkForm(season, period); err != nil {
		return nil, err
	}
	if len(y) == 0 {
		return nil, fmt.Errorf("%w: no observations", ErrTooShort)
	}
	if err := checkValues(y, season); err != nil {
		return nil, err
	}
	if err := checkParams(alpha, beta, gamma, trend, season); err != nil {
		return nil, err
	}
	if math.IsNaN(init.Level) || math.IsInf(init.Level, 0) || math.IsNaN(init.Slope) || math.IsInf(init.Slope, 0) {
		return nil, fmt.Errorf("%w: initial level %g, slope %g", ErrNonFinite, init.Level, init.Slope)
	}
	if !trend && init.Slope != 0 {
		return nil, fmt.Errorf("%w: initial slope %g given for a model without trend", ErrBadArgument, init.Slope)
	}
	if season == NoSeason {
		if len(init.Seasonals) != 0 {
			return nil, fmt.Errorf("%w: %d initial seasonal states given for a model without season", ErrBadArgument, len(init.Seasonals))
		}
	} else if len(init.Seasonals) != period {
		return nil, fmt.Errorf("%w: %d initial seasonal states for period %d, need exactly %d (oldest first)", ErrBadArgument, len(init.Seasonals), period, period)
	}
	for j, v := range init.Seasonals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: initial seasonal state %d", ErrNonFinite, j)
		}
		if season == Multiplicative && v <= 0 {
			return nil, fmt.Errorf("%w: initial seasonal factor %d = %g", ErrNonPositive, j, v)
		}
	}
	// run copies the seasonal states, so the caller's slice is not modified.
	st := initState{level: init.Level, slope: init.Slope, seasonals: init.Seasonals}
	return build(y, alpha, beta, gamma, newSpec(trend, season, period), st)
}

func newSpec(trend bool, season Seasonality, period int) spec {
	if season == NoSeason {
		period = 0
	}
	return spec{trend: trend, season: season, period: period}
}

func build(y []float64, alpha, beta, gamma float64, s spec, st initState) (*Model, error) {
	if !s.trend {
		beta = 0
	}
	if s.season == NoSeason {
		gamma = 0
	}
	fitted := make([]float64, len(y))
	level, slope, seas, sse, ok := run(y, alpha, beta, gamma, s, st, fitted)
	if !ok {
		return nil, fmt.Errorf("%w: multiplicative recurrences broke down (level+trend <= 0) at these parameters", ErrBadArgument)
	}
	// σ² divides by the residual degrees of freedom, as forecast::ets does,
	// because on 2–3 seasons of history the ML estimate SSE/n understates the
	// error variance badly and the intervals come out too narrow.
	df := len(y) - s.nParams()
	if df < 1 {
		df = 1
	}
	m := &Model{
		Alpha: alpha, Beta: beta, Gamma: gamma,
		Trend: s.trend, Season: s.season, Period: s.period,
		Level: level, Slope: slope, Seasonals: seas,
		Fitted: fitted, SSE: sse, Sigma2: sse / float64(df),
		n: len(y),
	}
	if !s.trend {
		m.Slope = 0
	}
	return m, nil
}

// Fit estimates the smoothing parameters by minimising the sum of squared
// one-step errors and returns the fitted model.
//
// Initial states come from a classical decomposition of the first two seasons
// when there is a season, or from a line (or mean) fitted to the first
// min(n, 10) observations otherwise; see initialStates in the source for the
// exact recipe. A season needs at least 2·period observations and period ≥ 2;
// without a season at least 3 observations are needed. NaN/Inf values, and
// non-positive values with Multiplicative, are rejected.
func Fit(y []float64, trend bool, season Seasonality, period int) (*Model, error) {
	if err := validate(y, 0, 0, 0, trend, season, period, false); err != nil {
		return nil, err
	}
	s := newSpec(trend, season, period)
	st := initialStates(y, s)
	alpha, beta, gamma := optimise(y, s, st)
	return build(y, alpha, beta, gamma, s, st)
}

// AICc is the small-sample corrected Akaike criterion of the fit, using the
// Gaussian likelihood with the ML variance SSE/n:
//
//	AICc = n·ln(SSE/n) + 2k + 2k(k+1)/(n−k−1)
//
// where k counts the smoothing parameters, the initial states (1 level, 1
// slope with a trend, period−1 free seasonal states) and σ itself. It returns
// +Inf when n ≤ k+1, where the correction is undefined. The additive constant
// n·(1+ln 2π) is omitted; it is the same for every model on the same data.
func (m *Model) AICc() float64 {
	n := float64(m.n)
	k := float64(newSpec(m.Trend, m.Season, m.Period).nParams() + 1)
	if n-k-1 <= 0 {
		return math.Inf(1)
	}
	sse := m.SSE
	// A perfect fit would give ln 0; a floor keeps the comparison defined and
	// still ranks a perfect fit first.
	if sse < 1e-300 {
		sse = 1e-300
	}
	return n*math.Log(sse/n) + 2*k + 2*k*(k+1)/(n-k-1)
}

// Auto fits every candidate the history allows — simple exponential
// smoothing, Holt's linear trend, Holt-Winters additive and (when every value
// is > 0) Holt-Winters multiplicative — and returns the one with the lowest
// AICc (see Model.AICc for the formula). Seasonal candidates need period ≥ 2
// and at least 2·period observations; a candidate whose AICc is undefined
// because it has too many parameters for the data is skipped, except that SES
// is returned if nothing else qualifies.
func Auto(y []float64, period int) (*Model, error) {
	type cand struct {
		trend  bool
		season Seasonality
	}
	cands := []cand{{false, NoSeason}, {true, NoSeason}}
	if period >= 2 && len(y) >= 2*period {
		cands = append(cands, cand{true, Additive})
		allPos := true
		for _, v := range y {
			if !(v > 0) {
				allPos = false
				break
			}
		}
		if allPos {
			cands = append(cands, cand{true, Multiplicative})
		}
	}
	var best *Model
	bestAIC := math.Inf(1)
	var firstErr error
	for _, c := range cands {
		m, err := Fit(y, c.trend, c.season, period)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if best == nil {
			best = m // SES: the fallback when no AICc is defined
		}
		if a := m.AICc(); a < bestAIC {
			best, bestAIC = m, a
		}
	}
	if best == nil {
		return nil, firstErr
	}
	return best, nil
}
