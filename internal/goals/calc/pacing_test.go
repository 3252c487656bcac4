package calc

import (
	"math"
	"slices"
	"testing"
)

const eps = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= eps*math.Max(1, math.Abs(b)) }

func TestExpectedShare(t *testing.T) {
	seasonal := Pacing{Curve: []float64{0.1, 0.25, 0.5, 1}} // 4 slices ending at .25, .5, .75, 1
	tests := []struct {
		name    string
		pace    Pacing
		elapsed float64
		want    float64
	}{
		{"linear start", Pacing{}, 0, 0},
		{"linear quarter", Pacing{}, 0.25, 0.25},
		{"linear end", Pacing{}, 1, 1},
		{"linear clamp below", Pacing{}, -0.5, 0},
		{"linear clamp above", Pacing{}, 1.5, 1},
		{"linear NaN", Pacing{}, math.NaN(), 0},
		{"curve start", seasonal, 0, 0},
		// pos = .125×4 = .5 in slice 1: 0 + (.1−0)×.5 = .05
		{"curve mid first slice", seasonal, 0.125, 0.05},
		// pos = 1: end of slice 1 → .1
		{"curve end first slice", seasonal, 0.25, 0.1},
		// pos = 1.5: .1 + (.25−.1)×.5 = .175
		{"curve mid second slice", seasonal, 0.375, 0.175},
		// pos = 2 → .25
		{"curve half", seasonal, 0.5, 0.25},
		// pos = 3.5: .5 + (1−.5)×.5 = .75
		{"curve mid last slice", seasonal, 0.875, 0.75},
		{"curve end", seasonal, 1, 1},
		{"curve clamp above", seasonal, 2, 1},
		{"curve clamp below", seasonal, -1, 0},
		// one slice is linear: pos = .3 → 0 + 1×.3
		{"one-slice curve", Pacing{Curve: []float64{1}}, 0.3, 0.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pace.ExpectedShare(tt.elapsed); !near(got, tt.want) {
				t.Errorf("ExpectedShare(%v) = %v, want %v", tt.elapsed, got, tt.want)
			}
		})
	}
}

func TestCurveFromHistory(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   []float64
	}{
		// total 100; cumulative 10, 40, 100 → .1, .4, 1
		{"three months", []float64{10, 30, 60}, []float64{0.1, 0.4, 1}},
		// total 4; 1/4, 2/4, 3/4, 4/4
		{"flat", []float64{1, 1, 1, 1}, []float64{0.25, 0.5, 0.75, 1}},
		// total 5; 0, 0, 5/5
		{"back-loaded", []float64{0, 0, 5}, []float64{0, 0, 1}},
		// total 7; 7/7 then nothing more
		{"front-loaded", []float64{7, 0}, []float64{1, 1}},
		{"single", []float64{3}, []float64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CurveFromHistory(tt.values)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, near) {
				t.Errorf("CurveFromHistory(%v) = %v, want %v", tt.values, got, tt.want)
			}
			if got[len(got)-1] != 1 {
				t.Errorf("last value %v, want exactly 1", got[len(got)-1])
			}
		})
	}

	// Awkward floats still end exactly at 1 and never decrease.
	got, err := CurveFromHistory([]float64{0.1, 0.2, 0.3, 1e-17, 0.7})
	if err != nil {
		t.Fatal(err)
	}
	if got[len(got)-1] != 1 || !slices.IsSorted(got) {
		t.Errorf("curve %v: want non-decreasing ending at exactly 1", got)
	}

	for _, bad := range [][]float64{nil, {}, {0, 0}, {-1, 5}, {1, math.NaN()}, {1, math.Inf(1)}, {math.MaxFloat64, math.MaxFloat64}} {
		if c, err := CurveFromHistory(bad); err == nil {
			t.Errorf("CurveFromHistory(%v) = %v, want an error", bad, c)
		}
	}
}
