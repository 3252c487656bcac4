package ets

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// Published worked examples.
//
// Source: Rob J Hyndman and George Athanasopoulos, "Forecasting: Principles
// and Practice", 3rd edition (OTexts, Melbourne), chapter 8 "Exponential
// smoothing", the worked tables of the online edition:
//
//   - §8.1 Simple exponential smoothing, Table 8.1 (Algerian exports),
//     https://otexts.com/fpp3/ses.html
//   - §8.2 Methods with trend, Table 8.2 (Australian population, Holt),
//     https://otexts.com/fpp3/holt.html
//   - §8.3 Methods with seasonality, Tables 8.3 and 8.4 (Australian domestic
//     holiday trips, Holt-Winters additive and multiplicative),
//     https://otexts.com/fpp3/holt-winters.html
//
// Every number below (observations, smoothing parameters, initial states,
// levels, slopes, seasonal states, fitted values and forecasts) is copied as
// printed there, as a string, so that its printed precision is kept; none
// comes from this package. Two copies of the pages were read and agree digit
// for digit: a bookdown build of the book mirrored in the public GitHub
// repository AhmedThahir/fpp3 (ses.html, holt.html, holt-winters.html, commit
// a8f23049156fa600a677755a232dc083ba685887) and a text capture of
// https://otexts.com/fpp3/expsmooth.html and its section pages. The R code
// that generated the tables, OTexts/fpp3scripts 08-exponential-smoothing.R,
// was read to settle three points of reading:
//
//   - Every number is printed with sprintf("%.2f") (Tables 8.1, 8.2) or
//     "%.1f" (Tables 8.3, 8.4), so the unrounded value lies within half a unit
//     of the last printed digit. Parameters are printed to 4 decimals, except
//     Table 8.1's α, which the text gives as α̂ = 0.84.
//   - The "Forecast" column holds the one-step fitted value ŷ_{t|t-1} of the
//     row's own observation (fable's augment(.fitted)), although Tables 8.2–8.4
//     head it ŷ_{t+1|t}. The numbers agree: Table 8.2's first forecast, 10.28,
//     is ℓ_0 + b_0 = 10.05 + 0.22, not ℓ_1 + b_1.
//   - The β* printed is the method's β* (the code prints β/α from the fitted
//     state-space β), which is what this package's Beta is.
//
// Seasonal initial states: the tables print them one per season in the m rows
// before the first observation, oldest first (Table 8.3: 1997 Q1..Q4 = 1.5,
// -0.3, -0.7, -0.5, with the first observation in 1998 Q1), which is the
// order of Init.Seasonals. The first forecast confirms it: 11.3 = 9.8 + 0.0 +
// 1.5, the 1997 Q1 state.
//
// The tables elide the middle of each series. Where they print a complete
// state before a run of rows, the run is replayed from it: the state at t = 0
// for the first rows; for Table 8.1's last rows ℓ_54, which the table prints
// as the forecast of 2014 (SES forecasts are the previous level); for Table
// 8.2's last rows the 2014 level and slope; and for the forecasts of Tables
// 8.3 and 8.4, which depend only on the final state, the 2017 Q4 level and
// slope and the four 2017 seasonal states.
//
// Tolerance: each published number is compared with the replay within half a
// unit of its last printed digit plus the effect of the rounding of every
// published input the replay starts from. That effect is bounded to first
// order by rerunning the replay with each input moved by half a unit of its
// own last digit, one at a time in both directions, and summing the largest
// change each causes. The bound is therefore set by the printed precision
// alone: 0.01–0.13 for Tables 8.1 and 8.2 (the 0.13 where Table 8.1's
// two-decimal α multiplies a 25-point forecast error), 0.1–0.75 for the
// one-decimal Table 8.3 and 0.1–1.3 for Table 8.4, whose seasonal factors of
// 0.9–1.2 are only known to ±0.05, so Table 8.4 is a weak check.
//
// What the comparison catches and what it cannot: run against deliberately
// broken copies of the package it failed for reversed initial seasonal states,
// a seasonal index off by one in the forecasts, an additive forecast equation
// with multiplicative seasonality, level equations that do not deseasonalise
// the observation, fitted values without the slope, forecasts using (h-1)
// slopes and final seasonal states left unrotated. It still passed with β*
// replaced by the state-space β = αβ* (Table 8.2 has α = 0.9999, and the
// slopes of Tables 8.3 and 8.4 print as 0.0 or 0.1) and with a seasonal
// update that uses the new level (γ = 0.0001 in Tables 8.3 and 8.4): these
// tables cannot tell those apart. TestHandComputed in ets_test.go covers both.

// pub is a number as printed in the source.
type pub string

func (p pub) val() float64 {
	v, err := strconv.ParseFloat(string(p), 64)
	if err != nil {
		panic(fmt.Sprintf("bad published number %q: %v", p, err))
	}
	return v
}

// half is half a unit of the last printed digit: the rounding error bound.
func (p pub) half() float64 {
	_, frac, _ := strings.Cut(string(p), ".")
	return 0.5 * math.Pow(10, -float64(len(frac)))
}

// fppRow is one row of a table: the observation and what the table prints
// for that time. An empty string is a cell the table leaves blank or that is
// not compared (see the case).
type fppRow struct {
	label                           string
	y, level, slope, season, fitted pub
}

// fppCase is a run of published rows replayed from the state printed just
// before them. Without rows, the state is the final one and only the
// forecasts are compared.
type fppCase struct {
	name               string
	alpha, beta, gamma pub
	trend              bool
	season             Seasonality
	period             int
	level, slope       pub
	seasonals          []pub // oldest first, as Init.Seasonals
	rows               []fppRow
	ahead              []pub // ŷ_{T+h|T}, h = 1, 2, … after the last row
}

var fppCases = []fppCase{
	{
		// Table 8.1, rows 1959–1967. ℓ_0 = 39.54 (the table's t = 0 row).
		name:  "Table 8.1 SES, 1960-1967",
		alpha: "0.84", level: "39.54",
		rows: []fppRow{
			{label: "1960", y: "39.04", level: "39.12", fitted: "39.54"},
			{label: "1961", y: "46.24", level: "45.10", fitted: "39.12"},
			{label: "1962", y: "19.79", level: "23.84", fitted: "45.10"},
			{label: "1963", y: "24.68", level: "24.55", fitted: "23.84"},
			{label: "1964", y: "25.08", level: "25.00", fitted: "24.55"},
			{label: "1965", y: "22.60", level: "22.99", fitted: "25.00"},
			{label: "1966", y: "25.99", level: "25.51", fitted: "22.99"},
			{label: "1967", y: "23.43", level: "23.77", fitted: "25.51"},
		},
	},
	{
		// Table 8.1, rows 2014–2017 and the forecasts for 2018–2022, from
		// ℓ_54 = 33.85, the table's forecast for 2014 (so that cell is not
		// compared again).
		name:  "Table 8.1 SES, 2014-2022",
		alpha: "0.84", level: "33.85",
		rows: []fppRow{
			{label: "2014", y: "30.22", level: "30.80"},
			{label: "2015", y: "23.17", level: "24.39", fitted: "30.80"},
			{label: "2016", y: "20.86", level: "21.43", fitted: "24.39"},
			{label: "2017", y: "22.64", level: "22.44", fitted: "21.43"},
		},
		ahead: []pub{"22.44", "22.44", "22.44", "22.44", "22.44"},
	},
	{
		// Table 8.2, rows 1959–1966; α̂ = 0.9999 and β̂* = 0.3267 from the
		// text, ℓ_0 = 10.05 and b_0 = 0.22 from the t = 0 row.
		name:  "Table 8.2 Holt, 1960-1966",
		alpha: "0.9999", beta: "0.3267", trend: true, level: "10.05", slope: "0.22",
		rows: []fppRow{
			{label: "1960", y: "10.28", level: "10.28", slope: "0.22", fitted: "10.28"},
			{label: "1961", y: "10.48", level: "10.48", slope: "0.22", fitted: "10.50"},
			{label: "1962", y: "10.74", level: "10.74", slope: "0.23", fitted: "10.70"},
			{label: "1963", y: "10.95", level: "10.95", slope: "0.22", fitted: "10.97"},
			{label: "1964", y: "11.17", level: "11.17", slope: "0.22", fitted: "11.17"},
			{label: "1965", y: "11.39", level: "11.39", slope: "0.22", fitted: "11.39"},
			{label: "1966", y: "11.65", level: "11.65", slope: "0.23", fitted: "11.61"},
		},
	},
	{
		// Table 8.2, rows 2015–2017 and the forecasts for 2018–2027, from the
		// 2014 row's level 23.50 and slope 0.37.
		name:  "Table 8.2 Holt, 2015-2027",
		alpha: "0.9999", beta: "0.3267", trend: true, level: "23.50", slope: "0.37",
		rows: []fppRow{
			{label: "2015", y: "23.85", level: "23.85", slope: "0.36", fitted: "23.87"},
			{label: "2016", y: "24.21", level: "24.21", slope: "0.36", fitted: "24.21"},
			{label: "2017", y: "24.60", level: "24.60", slope: "0.37", fitted: "24.57"},
		},
		ahead: []pub{"24.97", "25.34", "25.71", "26.07", "26.44", "26.81", "27.18", "27.55", "27.92", "28.29"},
	},
	{
		// Table 8.3, rows 1997 Q1–1998 Q4: seasonal states of 1997 Q1..Q4,
		// level 9.8 and slope 0.0 at 1997 Q4 (t = 3), observations from 1998 Q1.
		name:  "Table 8.3 Holt-Winters additive, 1998",
		alpha: "0.2620", beta: "0.1646", gamma: "0.0001", trend: true, season: Additive, period: 4,
		level: "9.8", slope: "0.0", seasonals: []pub{"1.5", "-0.3", "-0.7", "-0.5"},
		rows: []fppRow{
			{label: "1998 Q1", y: "11.8", level: "9.9", slope: "0.0", season: "1.5", fitted: "11.3"},
			{label: "1998 Q2", y: "9.3", level: "9.9", slope: "0.0", season: "-0.3", fitted: "9.7"},
			{label: "1998 Q3", y: "8.6", level: "9.7", slope: "-0.0", season: "-0.7", fitted: "9.2"},
			{label: "1998 Q4", y: "9.3", level: "9.8", slope: "0.0", season: "-0.5", fitted: "9.2"},
		},
	},
	{
		// Table 8.3, forecasts for 2018–2020 from the 2017 Q4 level and slope
		// and the seasonal states of 2017 Q1..Q4.
		name:  "Table 8.3 Holt-Winters additive, 2018-2020",
		alpha: "0.2620", beta: "0.1646", gamma: "0.0001", trend: true, season: Additive, period: 4,
		level: "11.3", slope: "0.1", seasonals: []pub{"1.5", "-0.3", "-0.7", "-0.5"},
		ahead: []pub{"12.9", "11.2", "11.0", "11.2", "13.4", "11.7", "11.5", "11.7", "13.9", "12.2", "11.9", "12.2"},
	},
	{
		// Table 8.4, as Table 8.3. The book fits ETS(M,A,M) (footnote 17);
		// its point recurrences are those of the multiplicative method (§8.5).
		name:  "Table 8.4 Holt-Winters multiplicative, 1998",
		alpha: "0.2237", beta: "0.1360", gamma: "0.0001", trend: true, season: Multiplicative, period: 4,
		level: "10.0", slope: "-0.0", seasonals: []pub{"1.2", "1.0", "0.9", "0.9"},
		rows: []fppRow{
			{label: "1998 Q1", y: "11.8", level: "10.0", slope: "-0.0", season: "1.2", fitted: "11.6"},
			{label: "1998 Q2", y: "9.3", level: "9.9", slope: "-0.0", season: "1.0", fitted: "9.7"},
			{label: "1998 Q3", y: "8.6", level: "9.8", slope: "-0.0", season: "0.9", fitted: "9.2"},
			{label: "1998 Q4", y: "9.3", level: "9.8", slope: "-0.0", season: "0.9", fitted: "9.2"},
		},
	},
	{
		name:  "Table 8.4 Holt-Winters multiplicative, 2018-2020",
		alpha: "0.2237", beta: "0.1360", gamma: "0.0001", trend: true, season: Multiplicative, period: 4,
		level: "11.3", slope: "0.1", seasonals: []pub{"1.2", "1.0", "0.9", "0.9"},
		ahead: []pub{"13.3", "11.2", "10.8", "11.1", "13.8", "11.7", "11.3", "11.6", "14.4", "12.2", "11.7", "12.1"},
	},
}

// inputs lists the published numbers a replay starts from, in the order
// replay reads them.
func (c fppCase) inputs() []pub {
	in := []pub{c.alpha}
	if c.trend {
		in = append(in, c.beta)
	}
	if c.season != NoSeason {
		in = append(in, c.gamma)
	}
	in = append(in, c.level)
	if c.trend {
		in = append(in, c.slope)
	}
	in = append(in, c.seasonals...)
	for _, r := range c.rows {
		in = append(in, r.y)
	}
	return in
}

// published lists the numbers a replay is compared with, in the order replay
// returns them, with labels for failure messages.
func (c fppCase) published() (want []pub, labels []string) {
	add := func(p pub, label string) {
		if p != "" {
			want = append(want, p)
			labels = append(labels, label)
		}
	}
	for _, r := range c.rows {
		add(r.level, r.label+" level")
		add(r.slope, r.label+" slope")
		add(r.season, r.label+" season")
		add(r.fitted, r.label+" forecast ŷ_{t|t-1}")
	}
	for h, p := range c.ahead {
		add(p, fmt.Sprintf("forecast h=%d", h+1))
	}
	return want, labels
}

// replay runs the case from the input values x (ordered as inputs) and
// returns the values to compare (ordered as published). Rows are replayed
// through FitFrom, once per prefix, to read each row's states off the
// model's final states; forecasts come from Model.Forecast.
func (c fppCase) replay(x []float64) ([]float64, error) {
	next := func() float64 { v := x[0]; x = x[1:]; return v }
	alpha := next()
	var beta, gamma float64
	if c.trend {
		beta = next()
	}
	if c.season != NoSeason {
		gamma = next()
	}
	init := Init{Level: next()}
	if c.trend {
		init.Slope = next()
	}
	for range c.seasonals {
		init.Seasonals = append(init.Seasonals, next())
	}
	y := x[:len(c.rows)]

	var out []float64
	var final *Model
	for k := 1; k <= len(c.rows); k++ {
		m, err := FitFrom(y[:k], alpha, beta, gamma, init, c.trend, c.season, c.period)
		if err != nil {
			return nil, err
		}
		r := c.rows[k-1]
		if r.level != "" {
			out = append(out, m.Level)
		}
		if r.slope != "" {
			out = append(out, m.Slope)
		}
		if r.season != "" {
			out = append(out, m.Seasonals[c.period-1]) // the state just updated is the newest
		}
		if r.fitted != "" {
			out = append(out, m.Fitted[k-1])
		}
		final = m
	}
	if final == nil {
		// Final state given: Seasonals[0] is the season of the next period,
		// as on a fitted model.
		final = &Model{Alpha: alpha, Beta: beta, Gamma: gamma, Trend: c.trend, Season: c.season,
			Period: c.period, Level: init.Level, Slope: init.Slope, Seasonals: init.Seasonals}
	}
	out = append(out, final.Forecast(len(c.ahead)).Mean...)
	return out, nil
}

func TestFPP3WorkedTables(t *testing.T) {
	total := 0
	for _, c := range fppCases {
		t.Run(c.name, func(t *testing.T) {
			in := c.inputs()
			x := make([]float64, len(in))
			for i, p := range in {
				x[i] = p.val()
			}
			got, err := c.replay(x)
			if err != nil {
				t.Fatal(err)
			}
			want, labels := c.published()
			if len(got) != len(want) {
				t.Fatalf("replay returned %d values, table has %d", len(got), len(want))
			}
			// Rounding of the inputs, propagated to first order.
			prop := make([]float64, len(got))
			for i, p := range in {
				worst := make([]float64, len(got))
				for _, sign := range []float64{-1, 1} {
					xp := append([]float64(nil), x...)
					xp[i] += sign * p.half()
					gp, err := c.replay(xp)
					if err != nil {
						t.Fatalf("input %d (%s) moved by %g: %v", i, p, sign*p.half(), err)
					}
					for j := range gp {
						worst[j] = math.Max(worst[j], math.Abs(gp[j]-got[j]))
					}
				}
				for j := range prop {
					prop[j] += worst[j]
				}
			}
			maxTol := 0.0
			for j, w := range want {
				tol := w.half() + prop[j]
				maxTol = math.Max(maxTol, tol)
				if d := math.Abs(got[j] - w.val()); d > tol {
					t.Errorf("%s: replay %.4f, published %s (|diff| %.4f > tolerance %.4f)", labels[j], got[j], w, d, tol)
				}
			}
			total += len(want)
			t.Logf("%d published values compared, largest tolerance %.3f", len(want), maxTol)
		})
	}
	t.Logf("%d published values compared in all", total)
}

// TestFitFromMatchesFitWith: FitWith is FitFrom started from the states
// initialStates derives, so the two entry points share one set of recurrences
// and one seasonal order.
func TestFitFromMatchesFitWith(t *testing.T) {
	y := readSeries(t, "testdata/austourists.csv")[24:]
	for _, tc := range []struct {
		trend  bool
		season Seasonality
		period int
	}{{false, NoSeason, 0}, {true, NoSeason, 0}, {true, Additive, 4}, {true, Multiplicative, 4}, {false, Multiplicative, 4}} {
		a, b, g := 0.3, 0.1, 0.2
		w, err := FitWith(y, a, b, g, tc.trend, tc.season, tc.period)
		if err != nil {
			t.Fatal(err)
		}
		st := initialStates(y, newSpec(tc.trend, tc.season, tc.period))
		init := Init{Level: st.level, Slope: st.slope, Seasonals: st.seasonals}
		f, err := FitFrom(y, a, b, g, init, tc.trend, tc.season, tc.period)
		if err != nil {
			t.Fatal(err)
		}
		if f.SSE != w.SSE || f.Level != w.Level || f.Slope != w.Slope || f.Sigma2 != w.Sigma2 {
			t.Errorf("%v trend=%v: FitFrom SSE/level/slope/σ² %v/%v/%v/%v, FitWith %v/%v/%v/%v",
				tc.season, tc.trend, f.SSE, f.Level, f.Slope, f.Sigma2, w.SSE, w.Level, w.Slope, w.Sigma2)
		}
		for j := range w.Fitted {
			if f.Fitted[j] != w.Fitted[j] {
				t.Fatalf("%v trend=%v: Fitted[%d] %v, FitWith %v", tc.season, tc.trend, j, f.Fitted[j], w.Fitted[j])
			}
		}
		for j := range w.Seasonals {
			if f.Seasonals[j] != w.Seasonals[j] {
				t.Errorf("%v trend=%v: Seasonals[%d] %v, FitWith %v", tc.season, tc.trend, j, f.Seasonals[j], w.Seasonals[j])
			}
		}
	}
}

func TestFitFromErrors(t *testing.T) {
	y := []float64{10, 12, 9, 11, 10, 13}
	seas := []float64{1, -1, 0.5, -0.5}
	tests := []struct {
		name   string
		y      []float64
		a      float64
		init   Init
		trend  bool
		season Seasonality
		period int
		want   error
	}{
		{"no observations", nil, 0.5, Init{Level: 10}, false, NoSeason, 0, ErrTooShort},
		{"NaN observation", []float64{1, math.NaN()}, 0.5, Init{Level: 10}, false, NoSeason, 0, ErrNonFinite},
		{"alpha above 1", y, 1.2, Init{Level: 10}, false, NoSeason, 0, ErrBadArgument},
		{"period 1", y, 0.5, Init{Level: 10, Seasonals: []float64{0}}, true, Additive, 1, ErrBadArgument},
		{"unknown seasonality", y, 0.5, Init{Level: 10}, true, Seasonality(9), 4, ErrBadArgument},
		{"too few seasonals", y, 0.5, Init{Level: 10, Seasonals: seas[:3]}, true, Additive, 4, ErrBadArgument},
		{"too many seasonals", y, 0.5, Init{Level: 10, Seasonals: append(append([]float64(nil), seas...), 0)}, true, Additive, 4, ErrBadArgument},
		{"seasonals without season", y, 0.5, Init{Level: 10, Seasonals: seas}, true, NoSeason, 0, ErrBadArgument},
		{"slope without trend", y, 0.5, Init{Level: 10, Slope: 1}, false, NoSeason, 0, ErrBadArgument},
		{"infinite level", y, 0.5, Init{Level: math.Inf(1)}, false, NoSeason, 0, ErrNonFinite},
		{"NaN seasonal", y, 0.5, Init{Level: 10, Seasonals: []float64{1, math.NaN(), 1, 1}}, true, Additive, 4, ErrNonFinite},
		{"zero seasonal factor", y, 0.5, Init{Level: 10, Seasonals: []float64{1.1, 0, 0.9, 1}}, true, Multiplicative, 4, ErrNonPositive},
		{"non-positive observation, multiplicative", []float64{3, 0}, 0.5, Init{Level: 10, Seasonals: []float64{1.1, 1, 0.9, 1}}, true, Multiplicative, 4, ErrNonPositive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FitFrom(tc.y, tc.a, 0.1, 0.1, tc.init, tc.trend, tc.season, tc.period)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Shorter than Fit's minimum is fine: the states are given.
	if _, err := FitFrom(y[:1], 0.5, 0.1, 0.1, Init{Level: 10, Slope: 1, Seasonals: seas}, true, Additive, 4); err != nil {
		t.Errorf("one observation: %v", err)
	}
	// The caller's seasonal states are left alone.
	in := append([]float64(nil), seas...)
	if _, err := FitFrom(y, 0.5, 0.1, 0.9, Init{Level: 10, Seasonals: in}, false, Additive, 4); err != nil {
		t.Fatal(err)
	}
	for j := range in {
		if in[j] != seas[j] {
			t.Errorf("Init.Seasonals[%d] changed to %v", j, in[j])
		}
	}
}
