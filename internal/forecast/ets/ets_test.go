package ets

import (
	"bufio"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Published figures are compared in fpp_test.go (FPP 3rd ed. Tables 8.1–8.4,
// replayed through FitFrom). Here the recurrences are checked against
// arithmetic done by hand (in the comments) and against an independent
// implementation written in a different algebraic form (the error-correction
// form of FPP §7.5 / §8.5) below.

const tol = 1e-9

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

// refRun is an independent implementation in error-correction form, with
// states indexed by time instead of a rotating buffer:
//
//	additive:       ℓ_t = ℓ_{t-1}+b_{t-1}+αe_t, b_t = b_{t-1}+αβ*e_t, s_t = s_{t-m}+γe_t
//	multiplicative: ℓ_t = ℓ_{t-1}+b_{t-1}+αe_t/s_{t-m}, b_t = b_{t-1}+αβ*e_t/s_{t-m},
//	                s_t = s_{t-m}+γe_t/(ℓ_{t-1}+b_{t-1})
//
// These are algebraically equal to the component form the package uses, so
// agreement checks the package's bookkeeping rather than repeating it.
// s0 holds s_{1-m}..s_0.
func refRun(y []float64, a, bs, g float64, trend bool, season Seasonality, l0, b0 float64, s0 []float64) (fitted []float64, l, b float64, last []float64) {
	m := len(s0)
	n := len(y)
	L := make([]float64, n+1)
	B := make([]float64, n+1)
	S := make([]float64, n+m) // S[k] is s_{k-m+1}
	L[0], B[0] = l0, b0
	copy(S, s0)
	fitted = make([]float64, n)
	for t := 1; t <= n; t++ {
		base := L[t-1]
		if trend {
			base += B[t-1]
		}
		var sPrev float64
		if m > 0 {
			sPrev = S[t-1] // s_{t-m}
		}
		var e float64
		switch season {
		case NoSeason:
			fitted[t-1] = base
			e = y[t-1] - base
			L[t] = base + a*e
			B[t] = B[t-1] + a*bs*e
		case Additive:
			fitted[t-1] = base + sPrev
			e = y[t-1] - fitted[t-1]
			L[t] = base + a*e
			B[t] = B[t-1] + a*bs*e
			S[t-1+m] = sPrev + g*e
		case Multiplicative:
			fitted[t-1] = base * sPrev
			e = y[t-1] - fitted[t-1]
			L[t] = base + a*e/sPrev
			B[t] = B[t-1] + a*bs*e/sPrev
			S[t-1+m] = sPrev + g*e/base
		}
		if !trend {
			B[t] = 0
		}
	}
	return fitted, L[n], B[n], S[n : n+m]
}

func TestHandComputed(t *testing.T) {
	tests := []struct {
		name          string
		y             []float64
		a, b, g       float64
		trend         bool
		season        Seasonality
		period        int
		l0, b0        float64   // initial states worked out by hand below
		s0            []float64 // s_{1-m}..s_0
		wantFirst     []float64 // fitted values worked out by hand
		wantFirstFrom int
	}{
		{
			// 3 seasons of 4; the first two are an exact line (slope 1 per
			// quarter) plus pattern (-8.5, 0.5, 9.5, -1.5), y[8] is bumped
			// from 18 to 20.
			// 2×4 MA at i=2..5: (5+20+30+20+7)/4=20.5, (10+30+20+14+12)/4=21.5,
			//   (15+20+14+24+17)/4=22.5, (10+14+24+34+12)/4=23.5.
			// Detrended: pos2 30-20.5=9.5, pos3 20-21.5=-1.5, pos0 14-22.5=-8.5,
			//   pos1 24-23.5=0.5; mean 0, so no normalisation shift.
			// Line through (2,20.5)..(5,23.5): slope 1, intercept 18.5, so
			//   b0=1 and l0 = 18.5-1 = 17.5 (one step before y[0]).
			// t=0..7 reproduce y exactly (e=0), so the states stay on the line:
			//   after y[7], level 25.5, slope 1, seasonals unchanged.
			// α=β*=γ=0.5:
			// y[8]: ŷ=25.5+1-8.5=18, e=2; ℓ=26.5+0.5·2=27.5; b=1+0.25·2=1.5; s=-8.5+0.5·2=-7.5
			// y[9]: ŷ=27.5+1.5+0.5=29.5, e=28-29.5=-1.5; ℓ=29-0.75=28.25;
			//       b=1.5-0.375=1.125; s=0.5-0.75=-0.25
			// y[10]: ŷ=28.25+1.125+9.5=38.875
			name: "additive HW", y: []float64{10, 20, 30, 20, 14, 24, 34, 24, 20, 28, 38, 28},
			a: 0.5, b: 0.5, g: 0.5, trend: true, season: Additive, period: 4,
			l0: 17.5, b0: 1, s0: []float64{-8.5, 0.5, 9.5, -1.5},
			wantFirst:     []float64{10, 20, 30, 20, 14, 24, 34, 24, 18, 29.5, 38.875},
			wantFirstFrom: 0,
		},
		{
			// Flat level 10 with factors (0.9, 1.1, 1.3, 0.7); y[8] bumped 9→10.
			// Every 2×4 MA is 10 (e.g. i=2: (4.5+11+13+7+4.5)/4=10), ratios
			//   0.9, 1.1, 1.3, 0.7 with mean 1; line: slope 0, so l0=10, b0=0.
			// y[8]: ŷ=10·0.9=9, e=1; ℓ=0.5·10/0.9+0.5·10=95/9; b=0.5·(95/9-10)=5/18;
			//   s=0.5·10/10+0.5·0.9=0.95
			// y[9]: ŷ=(95/9+5/18)·1.1=(195/18)·1.1=11.91666…
			name: "multiplicative HW", y: []float64{9, 11, 13, 7, 9, 11, 13, 7, 10, 11, 13, 7},
			a: 0.5, b: 0.5, g: 0.5, trend: true, season: Multiplicative, period: 4,
			l0: 10, b0: 0, s0: []float64{0.9, 1.1, 1.3, 0.7},
			wantFirst:     []float64{9, 195.0 / 18 * 1.1},
			wantFirstFrom: 8,
		},
		{
			// Holt on 5 points: line through (0..4, 3,5,7,10,11): mean t 2,
			//   mean y 7.2, Sxy=8.4+2.2+0+2.8+7.6=21, Sxx=10 → slope 2.1,
			//   intercept 3.0, l0=3.0-2.1=0.9, b0=2.1.
			// y[0]: ŷ=3.0, e=0; ℓ=3.0, b=2.1
			// y[1]: ŷ=5.1, e=-0.1; ℓ=5.1-0.05=5.05; b=2.1-0.025=2.075
			// y[2]: ŷ=7.125
			name: "Holt", y: []float64{3, 5, 7, 10, 11},
			a: 0.5, b: 0.5, trend: true, season: NoSeason,
			l0: 0.9, b0: 2.1,
			wantFirst: []float64{3.0, 5.1, 7.125},
		},
		{
			// SES: l0 = mean(4,6,5) = 5.
			// y[0]: ŷ=5, e=-1, ℓ=4.5; y[1]: ŷ=4.5, e=1.5, ℓ=5.25; y[2]: ŷ=5.25
			name: "SES", y: []float64{4, 6, 5},
			a: 0.5, season: NoSeason,
			l0: 5, wantFirst: []float64{5, 4.5, 5.25},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := FitWith(tc.y, tc.a, tc.b, tc.g, tc.trend, tc.season, tc.period)
			if err != nil {
				t.Fatal(err)
			}
			st := initialStates(tc.y, newSpec(tc.trend, tc.season, tc.period))
			if !near(st.level, tc.l0, tol) || !near(st.slope, tc.b0, tol) {
				t.Errorf("initial level/slope = %v/%v, hand-computed %v/%v", st.level, st.slope, tc.l0, tc.b0)
			}
			for j := range tc.s0 {
				if !near(st.seasonals[j], tc.s0[j], tol) {
					t.Errorf("initial seasonal[%d] = %v, hand-computed %v", j, st.seasonals[j], tc.s0[j])
				}
			}
			for j, w := range tc.wantFirst {
				if got := m.Fitted[tc.wantFirstFrom+j]; !near(got, w, 1e-9) {
					t.Errorf("Fitted[%d] = %v, hand-computed %v", tc.wantFirstFrom+j, got, w)
				}
			}
			fit, l, b, last := refRun(tc.y, tc.a, tc.b, tc.g, tc.trend, tc.season, tc.l0, tc.b0, tc.s0)
			var sse float64
			for j := range fit {
				if !near(m.Fitted[j], fit[j], 1e-9) {
					t.Errorf("Fitted[%d] = %v, reference %v", j, m.Fitted[j], fit[j])
				}
				sse += (tc.y[j] - fit[j]) * (tc.y[j] - fit[j])
			}
			if !near(m.SSE, sse, 1e-9) || !near(m.Level, l, 1e-9) || !near(m.Slope, b, 1e-9) {
				t.Errorf("SSE/Level/Slope = %v/%v/%v, reference %v/%v/%v", m.SSE, m.Level, m.Slope, sse, l, b)
			}
			for j := range last {
				if !near(m.Seasonals[j], last[j], 1e-9) {
					t.Errorf("Seasonals[%d] = %v, reference %v", j, m.Seasonals[j], last[j])
				}
			}
		})
	}
}

// TestAgainstReferenceLong runs both implementations over a longer noisy
// series (odd period too, which uses the plain m-term moving average) so the
// rotating-buffer bookkeeping is exercised across many seasons.
func TestAgainstReferenceLong(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct {
		season Seasonality
		period int
		trend  bool
	}{{Additive, 12, true}, {Multiplicative, 12, true}, {Additive, 5, true}, {Multiplicative, 7, false}, {NoSeason, 0, true}, {NoSeason, 0, false}} {
		y := make([]float64, 61)
		for i := range y {
			s := 0.0
			if tc.period > 0 {
				s = 10 * math.Sin(2*math.Pi*float64(i)/float64(tc.period))
			}
			y[i] = 100 + 0.5*float64(i) + s + r.NormFloat64()*3
		}
		a, b, g := 0.35, 0.12, 0.27
		m, err := FitWith(y, a, b, g, tc.trend, tc.season, tc.period)
		if err != nil {
			t.Fatal(err)
		}
		st := initialStates(y, newSpec(tc.trend, tc.season, tc.period))
		if !tc.trend {
			b = 0
		}
		fit, l, sl, last := refRun(y, a, b, g, tc.trend, tc.season, st.level, st.slope, st.seasonals)
		for j := range fit {
			if !near(m.Fitted[j], fit[j], 1e-8) {
				t.Fatalf("%v/%d: Fitted[%d] = %v, reference %v", tc.season, tc.period, j, m.Fitted[j], fit[j])
			}
		}
		if !near(m.Level, l, 1e-8) || !near(m.Slope, sl, 1e-8) {
			t.Errorf("%v/%d: final level/slope %v/%v, reference %v/%v", tc.season, tc.period, m.Level, m.Slope, l, sl)
		}
		for j := range last {
			if !near(m.Seasonals[j], last[j], 1e-8) {
				t.Errorf("%v/%d: Seasonals[%d] = %v, reference %v", tc.season, tc.period, j, m.Seasonals[j], last[j])
			}
		}
		if len(m.Fitted) != len(y) {
			t.Errorf("len(Fitted) = %d, want %d", len(m.Fitted), len(y))
		}
	}
}

// TestIntervalClosedForm checks the interval width against the closed-form
// ETS(A,A,A) variance of FPP 3rd ed. Table 8.8 (2nd ed. Table 7.8):
//
//	σ_h² = σ²[1 + (h−1){α² + αβh + β²h(2h−1)/6} + γk{2α + γ + βm(k+1)}]
//
// with state-space β = αβ* and k = ⌊(h−1)/m⌋.
func TestIntervalClosedForm(t *testing.T) {
	m := &Model{Alpha: 0.4, Beta: 0.25, Gamma: 0.3, Trend: true, Season: Additive, Period: 4,
		Level: 50, Slope: 1, Seasonals: []float64{-3, 1, 4, -2}, Sigma2: 2.5}
	f := m.Forecast(13)
	a, bb, g, mm := m.Alpha, m.Alpha*m.Beta, m.Gamma, 4.0
	for i := range f.Mean {
		h := float64(i + 1)
		k := math.Floor((h - 1) / mm)
		v := m.Sigma2 * (1 + (h-1)*(a*a+a*bb*h+bb*bb*h*(2*h-1)/6) + g*k*(2*a+g+bb*mm*(k+1)))
		want95 := z95 * math.Sqrt(v)
		if got := f.Hi95[i] - f.Mean[i]; !near(got, want95, 1e-9) {
			t.Errorf("h=%v: 95%% half-width %v, closed form %v", h, got, want95)
		}
		if got := f.Mean[i] - f.Lo80[i]; !near(got, z80*math.Sqrt(v), 1e-9) {
			t.Errorf("h=%v: 80%% half-width %v, closed form %v", h, got, z80*math.Sqrt(v))
		}
		wantMean := 50 + h + m.Seasonals[i%4]
		if !near(f.Mean[i], wantMean, 1e-12) {
			t.Errorf("h=%v: mean %v, want %v", h, f.Mean[i], wantMean)
		}
	}
	if got := m.Forecast(0); got.Mean != nil {
		t.Errorf("Forecast(0) = %v, want empty", got)
	}
}

// synth returns n+h points of level0 + slope·t + season(t) (+/× noise); the
// last h are the hold-out truth.
func synth(r *rand.Rand, n, h int, mult bool, noise float64) (hist, future, trueSeason []float64) {
	pattern := []float64{-20, -14, -5, 3, 9, 14, 18, 12, 4, -3, -9, -9}
	all := make([]float64, n+h)
	for i := range all {
		trend := 200 + 1.5*float64(i)
		if mult {
			all[i] = trend*(1+pattern[i%12]/100) + noise*r.NormFloat64()
		} else {
			all[i] = trend + pattern[i%12] + noise*r.NormFloat64()
		}
	}
	return all[:n], all[n:], pattern
}

func TestSyntheticRecovery(t *testing.T) {
	for _, mult := range []bool{false, true} {
		season := Additive
		if mult {
			season = Multiplicative
		}
		r := rand.New(rand.NewPCG(42, 1))
		n := 72
		hist, future, pattern := synth(r, n, 12, mult, 2)
		m, err := Fit(hist, true, season, 12)
		if err != nil {
			t.Fatal(err)
		}
		for j, s := range m.Seasonals {
			// Seasonals[j] is the season of time n+j.
			want := pattern[(n+j)%12]
			got := s
			if mult {
				got = (s - 1) * 100 // percent, like the pattern
			}
			if math.Abs(got-want) > 3 {
				t.Errorf("%v: seasonal[%d] = %.2f, true %.2f", season, j, got, want)
			}
		}
		f := m.Forecast(12)
		var fm, tm float64
		for i := range future {
			fm += f.Mean[i] / 12
			// Noise-free continuation, so the check is on the model, not the draw.
			tt := 200 + 1.5*float64(n+i)
			if mult {
				tm += tt * (1 + pattern[(n+i)%12]/100) / 12
			} else {
				tm += (tt + pattern[(n+i)%12]) / 12
			}
		}
		if math.Abs(fm-tm)/tm > 0.03 {
			t.Errorf("%v: mean forecast over next season %.2f, truth %.2f", season, fm, tm)
		}
	}
}

// TestCoverage: over 200 simulated histories the 95% interval should contain
// the realised future value most of the time. The bound is loose (≥ 85%)
// because the intervals ignore parameter and initial-state uncertainty.
func TestCoverage(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 40
	}
	for _, mult := range []bool{false, true} {
		season := Additive
		if mult {
			season = Multiplicative
		}
		r := rand.New(rand.NewPCG(2024, 3))
		var in95, in80, total int
		for k := 0; k < runs; k++ {
			hist, future, _ := synth(r, 48, 12, mult, 4)
			m, err := Fit(hist, true, season, 12)
			if err != nil {
				t.Fatal(err)
			}
			f := m.Forecast(12)
			for i, v := range future {
				if v >= f.Lo95[i] && v <= f.Hi95[i] {
					in95++
				}
				if v >= f.Lo80[i] && v <= f.Hi80[i] {
					in80++
				}
				total++
			}
		}
		c95 := float64(in95) / float64(total)
		c80 := float64(in80) / float64(total)
		t.Logf("%v: coverage 95%%: %.3f, 80%%: %.3f over %d runs", season, c95, c80, runs)
		if c95 < 0.85 {
			t.Errorf("%v: 95%% coverage %.3f < 0.85", season, c95)
		}
		if c80 < 0.65 {
			t.Errorf("%v: 80%% coverage %.3f < 0.65", season, c80)
		}
	}
}

func TestErrors(t *testing.T) {
	twoSeasons := make([]float64, 24)
	for i := range twoSeasons {
		twoSeasons[i] = float64(10 + i%12)
	}
	withZero := append([]float64(nil), twoSeasons...)
	withZero[5] = 0
	withNaN := append([]float64(nil), twoSeasons...)
	withNaN[3] = math.NaN()
	withInf := append([]float64(nil), twoSeasons...)
	withInf[7] = math.Inf(-1)
	tests := []struct {
		name   string
		y      []float64
		trend  bool
		season Seasonality
		period int
		want   error
	}{
		{"empty", nil, false, NoSeason, 0, ErrTooShort},
		{"two points", []float64{1, 2}, true, NoSeason, 0, ErrTooShort},
		{"under two seasons", twoSeasons[:23], true, Additive, 12, ErrTooShort},
		{"period 1", twoSeasons, true, Additive, 1, ErrBadArgument},
		{"unknown seasonality", twoSeasons, true, Seasonality(7), 12, ErrBadArgument},
		{"NaN", withNaN, true, Additive, 12, ErrNonFinite},
		{"Inf", withInf, false, NoSeason, 0, ErrNonFinite},
		{"zero with multiplicative", withZero, true, Multiplicative, 12, ErrNonPositive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Fit(tc.y, tc.trend, tc.season, tc.period); !errors.Is(err, tc.want) {
				t.Errorf("Fit: err = %v, want %v", err, tc.want)
			}
			if _, err := FitWith(tc.y, 0.5, 0.1, 0.1, tc.trend, tc.season, tc.period); !errors.Is(err, tc.want) {
				t.Errorf("FitWith: err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := FitWith(twoSeasons, 1.5, 0.1, 0.1, true, Additive, 12); !errors.Is(err, ErrBadArgument) {
		t.Errorf("alpha 1.5: err = %v, want ErrBadArgument", err)
	}
	// Zero is fine without multiplicative seasonality.
	if _, err := Fit(withZero, true, Additive, 12); err != nil {
		t.Errorf("zero with additive: %v", err)
	}
	if _, err := Auto([]float64{1, 2}, 12); !errors.Is(err, ErrTooShort) {
		t.Errorf("Auto on 2 points: err = %v, want ErrTooShort", err)
	}
}

func TestAuto(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 5))
	flat := make([]float64, 48)
	for i := range flat {
		flat[i] = 100 + 5*r.NormFloat64()
	}
	seasonal, _, _ := synth(r, 48, 0, false, 2)
	short := []float64{5, 7, 6, 8} // too short for anything but SES to have a defined AICc
	tests := []struct {
		name       string
		y          []float64
		wantTrend  bool
		wantSeason func(Seasonality) bool
	}{
		{"flat noisy → SES", flat, false, func(s Seasonality) bool { return s == NoSeason }},
		{"strongly seasonal → HW", seasonal, true, func(s Seasonality) bool { return s != NoSeason }},
		{"short → SES", short, false, func(s Seasonality) bool { return s == NoSeason }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Auto(tc.y, 12)
			if err != nil {
				t.Fatal(err)
			}
			if m.Trend != tc.wantTrend || !tc.wantSeason(m.Season) {
				t.Errorf("picked trend=%v season=%v (AICc %.2f)", m.Trend, m.Season, m.AICc())
			}
			f := m.Forecast(3)
			for i := range f.Mean {
				if !(f.Lo95[i] <= f.Lo80[i] && f.Lo80[i] <= f.Mean[i] && f.Mean[i] <= f.Hi80[i] && f.Hi80[i] <= f.Hi95[i]) {
					t.Errorf("h=%d: intervals not nested: %v %v %v %v %v", i+1, f.Lo95[i], f.Lo80[i], f.Mean[i], f.Hi80[i], f.Hi95[i])
				}
			}
		})
	}
}

func readSeries(t *testing.T, path string) []float64 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var y []float64
	sc := bufio.NewScanner(fh)
	header := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		_, v, ok := strings.Cut(line, ",")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatal(err)
		}
		y = append(y, f)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return y
}

// TestAustourists is a sanity check on real data (FPP 2nd ed. §7.3 uses the
// 2005–2015 window of this series), not a comparison with published numbers:
// the series has a strong, growing seasonal pattern, so Auto must choose a
// seasonal model, and forecasts must keep the Q1 peak.
func TestAustourists(t *testing.T) {
	y := readSeries(t, "testdata/austourists.csv")
	if len(y) != 68 {
		t.Fatalf("read %d values, want 68", len(y))
	}
	aust := y[24:] // 2005 Q1 onwards, as in the book
	m, err := Auto(aust, 4)
	if err != nil {
		t.Fatal(err)
	}
	if m.Season == NoSeason {
		t.Fatalf("Auto picked a non-seasonal model on austourists")
	}
	f := m.Forecast(8)
	// Next period is 2016 Q1, the annual peak.
	for i := 1; i < 4; i++ {
		if f.Mean[0] <= f.Mean[i] {
			t.Errorf("Q1 forecast %.2f not above Q%d %.2f", f.Mean[0], i+1, f.Mean[i])
		}
	}
	t.Logf("austourists: picked %v alpha=%.3f beta=%.4f gamma=%.3f, forecasts %.2f", m.Season, m.Alpha, m.Beta, m.Gamma, f.Mean[:4])
}

// TestFitBeatsGrid checks that the optimiser does its job: no point on a
// coarse parameter grid may have a clearly lower SSE than Fit's optimum.
func TestFitBeatsGrid(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	y, _, _ := synth(r, 48, 0, false, 3)
	m, err := Fit(y, true, Additive, 12)
	if err != nil {
		t.Fatal(err)
	}
	grid := []float64{0.05, 0.2, 0.4, 0.6, 0.8, 0.95}
	for _, a := range grid {
		for _, b := range grid {
			for _, g := range grid {
				w, err := FitWith(y, a, b, g, true, Additive, 12)
				if err != nil {
					t.Fatal(err)
				}
				if w.SSE < m.SSE*(1-1e-6) {
					t.Errorf("grid point (%v,%v,%v) SSE %.4f beats Fit's %.4f", a, b, g, w.SSE, m.SSE)
				}
			}
		}
	}
}
