package trend

import (
	"cmp"
	"math"
	"slices"
)

// Defaults of [AnomalyOptions].
const (
	// DefaultK is the cut-off in robust standard deviations. 3.5 is the
	// cut-off Iglewicz & Hoaglin (1993) recommend for the modified z-score,
	// and it keeps false alarms rare, which matters more on a dashboard of
	// dozens of KPIs than catching every borderline month. For normal noise
	// a point passes it by chance with probability 2·(1−Φ(3.5)) ≈ 0.05 %;
	// with expected values and scale estimated from three or four years,
	// the measured rate on seasonal noise is 0.15–0.3 % of points (about
	// one false alarm in 17 four-year monthly series), against 0.5–0.65 %
	// at K = 3.0. The price is sensitivity: a month is predicted from the
	// same month of the other two or three years, so its prediction error
	// is about 1.2 noise σ, and it must be about 7–8 σ off to be caught
	// nearly always (measured with 48 months: +6 σ 86 %, +7 σ 95 %,
	// +8 σ 99 %; 94 %, 99 %, 100 % at K = 3.0).
	DefaultK = 3.5
	// DefaultMinHistory is how many usable values must precede a point of a
	// series without season before it is judged: with fewer, neither a local
	// trend nor the noise level is known well enough.
	DefaultMinHistory = 8
)

// Window and robustness settings of the decomposition.
const (
	// madToSigma turns a median absolute deviation into a standard
	// deviation for normal data: 1/Φ⁻¹(3/4).
	madToSigma = 1.4826
	// seasonalHalfCycles: a seasonal level comes from the periods at the
	// same position up to this many seasons either side, so over a long
	// series the seasonal pattern may drift.
	seasonalHalfCycles = 2
	// plainHalfWidth: a local trend line goes through up to this many
	// periods either side (a 13-period window: a quarter of weeks, a year
	// of months); with a season, through season/2 either side if more.
	plainHalfWidth = 6
	// minResiduals: fewer residuals than this do not give a noise level
	// worth judging against, so nothing is judged.
	minResiduals = 8
	// relFloor: the noise level is never taken below this fraction of the
	// largest magnitude in the series, so rounding error in a perfectly
	// linear or constant series is not read as signal.
	relFloor = 1e-10
	// allPairsMax: local trend lines through more points use only the
	// pairs half the points apart (see fitter.line).
	allPairsMax = 25
	// maxPasses bounds the robustness iterations (see Anomalies); each
	// pass leaves out at most one more point per season position.
	maxPasses = 8
)

// Status says what Anomalies made of one period.
type Status string

// Statuses.
const (
	// Missing: the value is NaN or ±Inf; it is skipped and never reported.
	Missing Status = "missing"
	// Warmup: too little history before the point to judge it (the first
	// season of a seasonal series, the first MinHistory values otherwise, or
	// a series too short to estimate its noise).
	Warmup Status = "warmup"
	// Normal: judged and within K robust standard deviations of expected.
	Normal Status = "normal"
	// Anomaly: judged and more than K robust standard deviations away.
	Anomaly Status = "anomaly"
)

// Side is the direction of an anomaly.
type Side string

// Sides.
const (
	High Side = "high"
	Low  Side = "low"
)

// AnomalyOptions tunes [Anomalies]; the zero value gives the defaults.
type AnomalyOptions struct {
	// K is the cut-off in robust standard deviations; ≤ 0 means DefaultK.
	K float64
	// MinHistory is, for a series without season, how many usable values
	// must precede a point for it to be judged; ≤ 0 means
	// DefaultMinHistory. With a season a point is judged once a full season
	// precedes it and an earlier value at its season position exists.
	MinHistory int
}

// Point is the verdict on one period.
type Point struct {
	Index  int    `json:"index"`
	Status Status `json:"status"`
	// Expected is what the period's season position and the local trend
	// predict, from the other periods around it; nil for a missing value or
	// when no estimate is possible.
	Expected *float64 `json:"expected,omitempty"`
	// Residual is value − Expected.
	Residual *float64 `json:"residual,omitempty"`
	// Score is Residual in robust standard deviations (the report's Scale),
	// signed; set for judged points (Normal or Anomaly). Rank anomalies by
	// its magnitude.
	Score *float64 `json:"score,omitempty"`
	// Side is High or Low for an anomaly, empty otherwise.
	Side Side `json:"side,omitempty"`
}

// AnomalyReport is the outcome of [Anomalies].
type AnomalyReport struct {
	// Season is the season length used, 0 for none.
	Season int     `json:"season"`
	K      float64 `json:"k"`
	// Scale is the robust standard deviation of the residuals, in the KPI's
	// unit: 1.4826 × their median absolute deviation, or a fallback
	// (ScaleMethod) when that is 0.
	Scale float64 `json:"scale"`
	// ScaleMethod is "mad" normally; "rms" when the root mean square
	// residual is used instead because the MAD is 0 (more than half the
	// residuals exactly equal, e.g. a count that is mostly 0) or would flag
	// more than 2/K² of the points; "floor" when even the RMS is negligible
	// (a constant or exactly linear series); "" when nothing could be
	// judged.
	ScaleMethod string  `json:"scale_method"`
	Judged      int     `json:"judged"`    // points with status Normal or Anomaly
	Anomalies   int     `json:"anomalies"` // points with status Anomaly
	Points      []Point `json:"points"`    // one per input value, in order
	// Note says why nothing, or less than usual, could be judged.
	Note string `json:"note,omitempty"`
}

// Ranked returns the anomalies, the largest |Score| first.
func (r AnomalyReport) Ranked() []Point {
	var out []Point
	for _, p := range r.Points {
		if p.Status == Anomaly {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b Point) int {
		return cmp.Compare(math.Abs(*b.Score), math.Abs(*a.Score))
	})
	return out
}

// Anomalies judges each period of values (oldest first, NaN for a missing
// period) against what the rest of the series leads one to expect there.
//
// The expected value of period t is "trend at t + seasonal level of t's
// season position", estimated without y_t by a small robust version of STL
// (Cleveland et al. 1990):
//
//  1. a first trend: the median of the full season of periods centred on
//     each period (a full season holds each position once, so the seasonal
//     pattern hardly moves it);
//  2. twice: the seasonal level of each period, the median of the detrended
//     values at its position within two seasons either side; then the
//     trend, a local Theil–Sen line through the deseasonalised values
//     within max(season/2, 6) periods either side, fitted without the
//     period itself;
//  3. expected_t = trend_t + the median of y_s − trend_s over the other
//     periods s at t's position within two seasons either side.
//
// Without a season, expected_t is the local Theil–Sen line through the
// values within six periods either side, fitted without y_t. Windows slide
// inwards at the ends of the series, so the latest period is judged
// against the periods before it.
//
// So a December peak that recurs every year is expected in December, while
// a December twice as high as the Decembers around it is not; a growing or
// shrinking series is followed by its local trend, and a curving one too,
// since the trend is local and the seasonal levels are measured from it.
// Leaving t out makes the residual an honest prediction error: a spike
// cannot pull its own expected value towards itself.
//
// The noise level (Scale) is 1.4826 × the median absolute deviation of all
// residuals: a standard deviation for normal noise that the anomalies
// themselves barely move (Rousseeuw & Croux 1993). A point is an anomaly
// when |residual| > K·Scale — a modified z-score beyond K (Iglewicz &
// Hoaglin 1993). When the MAD is 0 because most residuals are exactly 0,
// or so small that more than 2/K² of the points would be flagged (a series
// whose residuals cluster, such as a count with few distinct values), the
// root mean square residual is used instead: by Chebyshev's inequality at
// most 1/K² of the points (8 % at K = 3.5) can lie beyond K of it, so a
// mostly-constant series cannot flood the report. A floor of 1e−10 × the
// largest magnitude keeps rounding noise in a constant or exactly linear
// series from scoring.
//
// The fit is then repeated, as in STL's robustness iterations (Cleveland
// et al. 1990), with the points flagged so far left out of the other
// points' windows and the level taken as the mean of the remaining
// same-position values: a "skipped mean", the mean after a median-based
// rejection rule (Hampel 1985, Technometrics 27, 95–107), which keeps the
// median's protection from wild values and gains the mean's precision. With
// three or four seasons of data that precision matters: the level of a
// month comes from only two or three other years. Leaving flagged points
// out also stops one wild December from shifting the expectation of the
// Decembers around it and making them look wrong the other way; as only
// the farthest newly flagged point of each season position is left out per
// pass, the wild month goes first and the months it distorted are judged
// again without it. Points once left out stay out; passes stop when none
// is added (at most eight).
//
// Only points with enough history are judged (Warmup otherwise): with a
// season, those with a full season before them and an earlier value at the
// same position; without, those with MinHistory usable values before them;
// and none when fewer than 8 residuals exist to estimate the noise. With a
// season but fewer than season+1 periods nothing is judged: the series
// cannot show its seasonal pattern, and judging it as unseasonal would flag
// the ordinary peaks.
func Anomalies(values []float64, season int, opts AnomalyOptions) AnomalyReport {
	k := opts.K
	if !(k > 0) || math.IsInf(k, 0) {
		k = DefaultK
	}
	minHist := opts.MinHistory
	if minHist <= 0 {
		minHist = DefaultMinHistory
	}
	if season <= 1 {
		season = 0
	}
	n := len(values)
	r := AnomalyReport{Season: season, K: k, Points: make([]Point, n)}
	ys, exp := rescaled(values)

	// Which points may be judged, by their history alone.
	eligible := make([]bool, n)
	before := 0 // usable values before i
	for i, y := range ys {
		r.Points[i].Index = i
		if !usable(y) {
			r.Points[i].Status = Missing
			continue
		}
		r.Points[i].Status = Warmup
		if season > 0 {
			if i >= season {
				for j := i - season; j >= 0; j -= season {
					if usable(ys[j]) {
						eligible[i] = true
						break
					}
				}
			}
		} else {
			eligible[i] = before >= minHist
		}
		before++
	}

	var maxAbs float64
	for _, y := range ys {
		if usable(y) {
			maxAbs = max(maxAbs, math.Abs(y))
		}
	}
	floor := relFloor * maxAbs

	f := fitter{ys: ys, season: season}
	excluded := make([]bool, n)
	expected := make([]float64, n)
	var scale float64
	method := ""
	for pass := range maxPasses {
		f.fit(excluded, pass > 0, expected)
		var resid []float64
		for i, y := range ys {
			if !usable(y) {
				expected[i] = math.NaN()
			}
			if !math.IsNaN(expected[i]) {
				resid = append(resid, y-expected[i])
			}
		}
		if len(resid) < minResiduals {
			scale, method = 0, ""
			break
		}
		scale, method = robustScale(resid, floor, k)
		if !updateExcluded(excluded, ys, expected, k*scale, season) && pass > 0 {
			break
		}
	}

	for i, y := range ys {
		p := &r.Points[i]
		if !usable(y) || math.IsNaN(expected[i]) {
			continue
		}
		p.Expected = ptr(unscale(expected[i], exp))
		p.Residual = ptr(unscale(y-expected[i], exp))
		if method == "" || !eligible[i] {
			continue
		}
		score := (y - expected[i]) / scale
		p.Score = ptr(score)
		r.Judged++
		p.Status = Normal
		if math.Abs(score) > k {
			p.Status = Anomaly
			r.Anomalies++
			p.Side = High
			if score < 0 {
				p.Side = Low
			}
		}
	}
	if method != "" {
		r.Scale = unscale(scale, exp)
		r.ScaleMethod = method
	}
	switch {
	case season > 0 && n <= season:
		r.Note = "fewer periods than a season and one more: the seasonal pattern cannot be known yet, so nothing is judged"
	case method == "":
		r.Note = "too few values to estimate the noise level, so nothing is judged"
	case r.Judged == 0:
		r.Note = "no period has enough history before it to be judged"
	}
	return r
}

// updateExcluded adds to the points the next pass leaves out of the other
// points' estimates: of the points newly beyond limit, only the farthest
// at each season position (each point, without season). A wild month
// distorts the expectation of the same month in other years, which can
// push them past the limit too; leaving out only the farthest lets the
// next pass show that they were normal. Points once left out stay out, so
// the passes cannot cycle (a point near the limit could otherwise go in
// and out for ever). It reports whether any point was added.
func updateExcluded(excluded []bool, ys, expected []float64, limit float64, season int) bool {
	farthest := map[int]int{} // season position → newly flagged index
	for i, y := range ys {
		if excluded[i] || math.IsNaN(expected[i]) || math.Abs(y-expected[i]) <= limit {
			continue
		}
		pos := i
		if season > 0 {
			pos = i % season
		}
		if j, ok := farthest[pos]; !ok || math.Abs(y-expected[i]) > math.Abs(ys[j]-expected[j]) {
			farthest[pos] = i
		}
	}
	for _, i := range farthest {
		excluded[i] = true
	}
	return len(farthest) > 0
}

// robustScale is the robust standard deviation of the residuals and the
// method that gave it (see AnomalyReport.ScaleMethod). resid is reordered.
func robustScale(resid []float64, floor, k float64) (float64, string) {
	var ss float64
	for _, v := range resid {
		ss += v * v
	}
	rms := math.Sqrt(ss / float64(len(resid)))
	c := median(resid)
	dev := make([]float64, len(resid))
	for i, v := range resid {
		dev[i] = math.Abs(v - c)
	}
	if s := madToSigma * median(dev); s > floor {
		// The flood guard: anomalies are rare by definition. If this scale
		// would flag more than twice the 1/K² share that Chebyshev allows
		// beyond K·RMS, the residuals are not "a normal bulk and a few
		// exceptions" but clustered (a count with few distinct values, a
		// series most of whose periods repeat exactly), the MAD has
		// collapsed onto the cluster, and the RMS is the honest scale.
		// (Twice, so that three or four genuine anomalies in four years of
		// months are not masked.)
		beyond := 0
		for _, v := range resid {
			if math.Abs(v) > k*s {
				beyond++
			}
		}
		if float64(beyond) <= 2*float64(len(resid))/(k*k) || rms <= s {
			return s, "mad"
		}
	}
	if rms > floor {
		return rms, "rms"
	}
	if floor > 0 {
		return floor, "floor"
	}
	// Every value is 0: any positive scale scores every residual 0.
	return 1, "floor"
}

// fitter computes leave-one-out expected values on the rescaled series.
type fitter struct {
	ys     []float64 // rescaled, missing = NaN
	season int       // 0 for none

	// excluded marks the points left out so far (see updateExcluded); they
	// are left out of every estimate unless that leaves nothing to
	// estimate from.
	excluded []bool
	// skipped: the flagged points are already left out, so seasonal levels
	// are the mean of the rest rather than their median.
	skipped bool

	trend, seasonal, deseason []float64 // per period; NaN where unknown
	buf, slopes, xs           []float64 // scratch
	at                        []int     // scratch
}

// fit fills expected (one per period, NaN where no estimate is possible).
func (f *fitter) fit(excluded []bool, skipped bool, expected []float64) {
	f.excluded, f.skipped = excluded, skipped
	n := len(f.ys)
	if f.trend == nil {
		f.trend = make([]float64, n)
		f.seasonal = make([]float64, n)
		f.deseason = make([]float64, n)
	}
	if f.season == 0 {
		for t := range n {
			expected[t] = f.line(f.ys, t, plainHalfWidth)
		}
		return
	}
	m := f.season
	if m >= n {
		// No period has another at its season position.
		for t := range expected {
			expected[t] = math.NaN()
		}
		return
	}
	// Trend half-width: half a season either side. STL's default trend
	// window spans about 1.5 seasons of tricube-weighted loess, which
	// weighs much like a plain window one season wide; a wider one bends
	// less with a curving trend (measured: it biased the last month of an
	// accelerating series twice as much), a narrower one extrapolates more
	// noisily to the last period. At least plainHalfWidth, so a quarterly
	// trend rests on more than a handful of points.
	h := max(m/2, plainHalfWidth)

	// First guess at the trend: the median of a full season centred on
	// each period. A full season holds each season position once, so the
	// seasonal pattern barely moves it.
	for t := range n {
		f.trend[t] = f.location(f.ys, t, m/2, 1, false, false)
	}
	// Two rounds of: seasonal levels from the detrended series, then a
	// local Theil–Sen trend of the deseasonalised series (STL's inner loop).
	for range 2 {
		for t := range n {
			f.seasonal[t] = f.level(t, false)
		}
		for t := range n {
			f.deseason[t] = f.ys[t] - f.seasonal[t]
		}
		for t := range n {
			f.trend[t] = f.line(f.deseason, t, h)
		}
	}
	// Expected: the trend at t, which the local line found without y_t,
	// plus t's seasonal level from the other years.
	for t := range n {
		expected[t] = f.trend[t] + f.level(t, true)
	}
}

// window is the span of up to half periods either side of t, slid inwards
// at the ends of the series so it keeps its width.
func window(t, half, n int) (lo, hi int) {
	lo, hi = t-half, t+half
	if lo < 0 {
		hi -= lo
		lo = 0
	}
	if hi > n-1 {
		lo -= hi - (n - 1)
		hi = n - 1
	}
	return max(lo, 0), hi
}

// gather collects into f.at the periods of [lo, hi] congruent to t modulo
// step whose value in ys is known, leaving out t itself when leaveOut, and
// the excluded periods unless that would leave none.
func (f *fitter) gather(ys []float64, t, lo, hi, step int, leaveOut bool) {
	first := lo + (t-lo)%step
	for _, skipExcluded := range []bool{true, false} {
		f.at = f.at[:0]
		for i := first; i <= hi; i += step {
			if (leaveOut && i == t) || math.IsNaN(ys[i]) || (skipExcluded && f.excluded[i]) {
				continue
			}
			f.at = append(f.at, i)
		}
		if len(f.at) > 0 {
			return
		}
	}
}

// location is the median (or, when mean is set, the mean) of ys over the
// periods congruent to t modulo step within half periods either side of
// t; NaN when there is none.
func (f *fitter) location(ys []float64, t, half, step int, leaveOut, mean bool) float64 {
	lo, hi := window(t, half, len(ys))
	f.gather(ys, t, lo, hi, step, leaveOut)
	if len(f.at) == 0 {
		return math.NaN()
	}
	f.buf = f.buf[:0]
	for _, i := range f.at {
		f.buf = append(f.buf, ys[i])
	}
	if mean {
		var sum float64
		for _, v := range f.buf {
			sum += v
		}
		return sum / float64(len(f.buf))
	}
	return median(f.buf)
}

// level is t's seasonal level: the location of the detrended values at t's
// season position within seasonalHalfCycles seasons either side, leaving t
// out when leaveOut.
func (f *fitter) level(t int, leaveOut bool) float64 {
	n := len(f.ys)
	if cap(f.xs) < n {
		f.xs = make([]float64, n)
	}
	detrended := f.xs[:n]
	m := f.season
	lo, hi := window(t, seasonalHalfCycles*m, n)
	for i := lo + (t-lo)%m; i <= hi; i += m {
		detrended[i] = f.ys[i] - f.trend[i] // NaN when either is unknown
	}
	return f.location(detrended, t, seasonalHalfCycles*m, m, leaveOut, f.skipped && leaveOut)
}

// line is the value at t of the Theil–Sen line through ys over half
// periods either side of t, leaving t itself out; NaN when there is no
// other known value. With one value the line is flat.
func (f *fitter) line(ys []float64, t, half int) float64 {
	lo, hi := window(t, half, len(ys))
	f.gather(ys, t, lo, hi, 1, true)
	if len(f.at) == 0 {
		return math.NaN()
	}
	// Sen's slope. In windows of more than allPairsMax points (weekly
	// series) only from the pairs half the points apart, point a with
	// point a + len/2: the long pairs carry most of the information about
	// the slope (a short-lag slope is mostly noise), and the work per
	// window drops from quadratic to linear in its width.
	f.slopes = f.slopes[:0]
	if k := len(f.at); k > allPairsMax {
		for a := range k / 2 {
			i, j := f.at[a], f.at[a+k/2]
			f.slopes = append(f.slopes, (ys[j]-ys[i])/float64(j-i))
		}
	} else {
		for a, i := range f.at {
			for _, j := range f.at[a+1:] {
				f.slopes = append(f.slopes, (ys[j]-ys[i])/float64(j-i))
			}
		}
	}
	slope := 0.0
	if len(f.slopes) > 0 {
		slope = median(f.slopes)
	}
	f.buf = f.buf[:0]
	for _, i := range f.at {
		f.buf = append(f.buf, ys[i]-slope*float64(i-t))
	}
	return median(f.buf)
}
