package trend

import (
	"math"
	"testing"
)

func TestChange(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	// Thirteen months: January 100, then +1 a month to December 111, and
	// January of the next year 120.
	months := make([]float64, 13)
	for i := range 12 {
		months[i] = 100 + float64(i)
	}
	months[12] = 120

	type delta struct {
		base    int
		baseVal float64
		abs     float64
		rel     float64 // NaN: want no relative change
	}
	tests := []struct {
		name   string
		values []float64
		season int
		index  int
		latest float64
		pop    *delta
		yoy    *delta
	}{
		{name: "empty", values: nil, season: 12, index: -1},
		{name: "all missing", values: []float64{nan, inf}, season: 12, index: -1},
		{name: "one value", values: []float64{5}, season: 12, index: 0, latest: 5},
		// 110 − 100 = 10; 10 ÷ 100 = 0.1.
		{name: "up ten percent", values: []float64{100, 110}, index: 1, latest: 110,
			pop: &delta{base: 0, baseVal: 100, abs: 10, rel: 0.1}},
		// 90 − 120 = −30; −30 ÷ 120 = −0.25.
		{name: "down a quarter", values: []float64{120, 90}, index: 1, latest: 90,
			pop: &delta{base: 0, baseVal: 120, abs: -30, rel: -0.25}},
		// From 0 there is no percentage, only the absolute change.
		{name: "zero base", values: []float64{0, 5}, index: 1, latest: 5,
			pop: &delta{base: 0, baseVal: 0, abs: 5, rel: nan}},
		// −5 − (−10) = 5; 5 ÷ |−10| = +0.5: a loss that halves is "up 50 %".
		{name: "negative base", values: []float64{-10, -5}, index: 1, latest: -5,
			pop: &delta{base: 0, baseVal: -10, abs: 5, rel: 0.5}},
		// −3 − 2 = −5; −5 ÷ 2 = −2.5.
		{name: "crossing zero", values: []float64{2, -3}, index: 1, latest: -3,
			pop: &delta{base: 0, baseVal: 2, abs: -5, rel: -2.5}},
		// The last usable value is the latest; it is compared with the one
		// before it: 2 − 1 = 1, 1 ÷ 1 = 1.
		{name: "trailing missing", values: []float64{1, 2, nan}, index: 1, latest: 2,
			pop: &delta{base: 0, baseVal: 1, abs: 1, rel: 1}},
		// The period before the latest is missing: no month-over-month,
		// and no silent comparison with two months back.
		{name: "previous missing", values: []float64{1, nan, 3}, index: 2, latest: 3},
		{name: "previous infinite", values: []float64{1, inf, 3}, index: 2, latest: 3},
		// January 120 against December 111: 9, 9 ÷ 111; against the
		// January before, 100: 20, 0.2.
		{name: "year over year", values: months, season: 12, index: 12, latest: 120,
			pop: &delta{base: 11, baseVal: 111, abs: 9, rel: 9.0 / 111},
			yoy: &delta{base: 0, baseVal: 100, abs: 20, rel: 0.2}},
		{name: "no season, no yoy", values: months, season: 0, index: 12, latest: 120,
			pop: &delta{base: 11, baseVal: 111, abs: 9, rel: 9.0 / 111}},
		{name: "season 1 is none", values: months, season: 1, index: 12, latest: 120,
			pop: &delta{base: 11, baseVal: 111, abs: 9, rel: 9.0 / 111}},
		// Quarters: Q1 50 a year later is 80: 30, 0.6; Q4 before it was 40:
		// 40, 1.
		{name: "quarters", values: []float64{50, 60, 70, 40, 80}, season: 4, index: 4, latest: 80,
			pop: &delta{base: 3, baseVal: 40, abs: 40, rel: 1},
			yoy: &delta{base: 0, baseVal: 50, abs: 30, rel: 0.6}},
		{name: "fewer points than a season", values: []float64{1, 2, 3}, season: 12, index: 2, latest: 3,
			pop: &delta{base: 1, baseVal: 2, abs: 1, rel: 0.5}},
		{name: "year-ago value missing", values: []float64{nan, 60, 70, 40, 80}, season: 4, index: 4, latest: 80,
			pop: &delta{base: 3, baseVal: 40, abs: 40, rel: 1}},
	}
	check := func(t *testing.T, what string, got *Delta, want *delta) {
		t.Helper()
		if want == nil {
			if got != nil {
				t.Errorf("%s = %+v, want none", what, *got)
			}
			return
		}
		if got == nil {
			t.Fatalf("%s missing, want %+v", what, *want)
		}
		if got.BaseIndex != want.base || got.Base != want.baseVal || !near(got.Abs, want.abs, 1e-12) {
			t.Errorf("%s = %+v, want base %d = %v, abs %v", what, *got, want.base, want.baseVal, want.abs)
		}
		switch {
		case math.IsNaN(want.rel) && got.Rel != nil:
			t.Errorf("%s rel = %v, want none", what, *got.Rel)
		case !math.IsNaN(want.rel) && (got.Rel == nil || !near(*got.Rel, want.rel, 1e-12)):
			t.Errorf("%s rel = %v, want %v", what, got.Rel, want.rel)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Change(tt.values, tt.season)
			if got.Index != tt.index {
				t.Fatalf("index = %d, want %d", got.Index, tt.index)
			}
			if tt.index < 0 {
				if got.Latest != nil || got.PoP != nil || got.YoY != nil {
					t.Errorf("got %+v, want an empty report", got)
				}
				return
			}
			if got.Latest == nil || *got.Latest != tt.latest {
				t.Errorf("latest = %v, want %v", got.Latest, tt.latest)
			}
			check(t, "pop", got.PoP, tt.pop)
			check(t, "yoy", got.YoY, tt.yoy)
		})
	}
}

func TestChangeHugeValuesStayFinite(t *testing.T) {
	got := Change([]float64{-math.MaxFloat64, math.MaxFloat64}, 0)
	if got.PoP == nil || math.IsInf(got.PoP.Abs, 0) || got.PoP.Rel == nil || math.IsInf(*got.PoP.Rel, 0) {
		t.Fatalf("pop = %+v, want finite changes", got.PoP)
	}
}

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }
