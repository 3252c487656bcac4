package calc

import (
	"math"
	"strings"
	"testing"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		xs   []float64
		p    float64
		want float64
	}{
		// h = 3×.9 = 2.7 → 3 + .7×(4−3) = 3.7 (numpy.percentile([1,2,3,4], 90))
		{[]float64{4, 1, 3, 2}, 0.9, 3.7},
		// h = 4×.4 = 1.6 → 20 + .6×(35−20) = 29
		{[]float64{15, 20, 35, 40, 50}, 0.4, 29},
		// h = 3×.1 = .3 → 1 + .3×1 = 1.3
		{[]float64{1, 2, 3, 4}, 0.1, 1.3},
		{[]float64{7}, 0.9, 7},
		{[]float64{3, 1, 2}, 0, 1},
		{[]float64{3, 1, 2}, 1, 3},
		// h = 2×.5 = 1 → the middle value
		{[]float64{3, 1, 2}, 0.5, 2},
	}
	for _, tt := range tests {
		if got := percentile(tt.xs, tt.p); !near(got, tt.want) {
			t.Errorf("percentile(%v, %v) = %v, want %v", tt.xs, tt.p, got, tt.want)
		}
	}
}

func TestSignedPercent(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{0.42, "+42%"},                // 42.0 → trailing .0 dropped
		{-0.125, "-12.5%"},            // −125/10
		{0.1234, "+12.3%"},            // 123.4 → 123 → 12.3
		{1.5, "+150%"},                // 1500/10
		{0, "+0%"},                    //
		{-0.0004, "+0%"},              // −0.4 rounds to −0 → shown as 0
		{-1, "-100%"},                 //
		{0.30000000000000004, "+30%"}, // float noise of 1.3/1 − 1 disappears
	}
	for _, tt := range tests {
		if got := signedPercent(tt.x); got != tt.want {
			t.Errorf("signedPercent(%v) = %q, want %q", tt.x, got, tt.want)
		}
	}
}

func TestAchievable(t *testing.T) {
	// Changes: 120/100−1 = +.2; 96/120−1 = −.2; 0/96−1 = −1; 0→50 skipped (previous 0);
	// 60/50−1 = +.2; 66/60−1 = +.1; 99/66−1 = +.5 → 6 changes.
	// Sorted: −1, −.2, .1, .2, .2, .5.
	// 90th: h = 5×.9 = 4.5 → .2 + .5×(.5−.2) = .35.
	// 10th: h = 5×.1 = .5 → −1 + .5×(−.2−(−1)) = −.6.
	history := []float64{100, 120, 96, 0, 50, 60, 66, 99}
	// 100, 200, 100, 200, 100: changes +1, −.5, +1, −.5 → exactly 4.
	// Sorted −.5, −.5, 1, 1; 90th: h = 3×.9 = 2.7 → 1 + .7×0 = 1.
	four := []float64{100, 200, 100, 200, 100}

	tests := []struct {
		name            string
		history         []float64
		current, target float64
		dir             Direction
		want            Plausibility
	}{
		// 130/100−1 = .3 <= .35 → plausible
		{"modest growth", history, 100, 130, HigherIsBetter, Plausibility{
			Implied: 0.3, Percentile: 0.35, Periods: 6, Plausible: true,
			Reason: "target implies +30% vs a 90th percentile of +35% over 6 periods"}},
		// 142/100−1 = .42 > .35 → flagged
		{"stretch growth", history, 100, 142, HigherIsBetter, Plausibility{
			Implied: 0.42, Percentile: 0.35, Periods: 6, Plausible: false,
			Reason: "target implies +42% vs a 90th percentile of +35% over 6 periods: above what history makes plausible"}},
		// 135/100−1 = .35: equal to the percentile is not above it → plausible
		{"at the percentile", history, 100, 135, HigherIsBetter, Plausibility{
			Implied: 0.35, Percentile: 0.35, Periods: 6, Plausible: true,
			Reason: "target implies +35% vs a 90th percentile of +35% over 6 periods"}},
		// a cut is always plausible for higher-is-better: 80/100−1 = −.2 <= .35
		{"lower target", history, 100, 80, HigherIsBetter, Plausibility{
			Implied: -0.2, Percentile: 0.35, Periods: 6, Plausible: true,
			Reason: "target implies -20% vs a 90th percentile of +35% over 6 periods"}},
		// lower is better: 50/100−1 = −.5 >= −.6 → plausible
		{"modest cut", history, 100, 50, LowerIsBetter, Plausibility{
			Implied: -0.5, Percentile: -0.6, Periods: 6, Plausible: true,
			Reason: "target implies -50% vs a 10th percentile of -60% over 6 periods"}},
		// 30/100−1 = −.7 < −.6 → flagged
		{"deep cut", history, 100, 30, LowerIsBetter, Plausibility{
			Implied: -0.7, Percentile: -0.6, Periods: 6, Plausible: false,
			Reason: "target implies -70% vs a 10th percentile of -60% over 6 periods: below what history makes plausible"}},
		// exactly 4 changes is enough: 250/100−1 = 1.5 > 1 → flagged
		{"four changes", four, 100, 250, HigherIsBetter, Plausibility{
			Implied: 1.5, Percentile: 1, Periods: 4, Plausible: false,
			Reason: "target implies +150% vs a 90th percentile of +100% over 4 periods: above what history makes plausible"}},
		// 100, 0, 50, 60: 0/100−1 = −1; 0→50 skipped; 60/50−1 = +.2 → 2 changes;
		// implied 200/100−1 = 1 still reported
		{"not enough history", []float64{100, 0, 50, 60}, 100, 200, HigherIsBetter, Plausibility{
			Implied: 1, Periods: 2, Plausible: true, Reason: "not enough history (2 changes)"}},
		{"no history", nil, 100, 200, HigherIsBetter, Plausibility{
			Implied: 1, Periods: 0, Plausible: true, Reason: "not enough history (0 changes)"}},
		// NaN and Inf pairs are skipped: 1→2 (+1), 2→NaN, NaN→4, 4→8 (+1), 8→Inf, Inf→16 → 2 changes
		{"non-finite history skipped", []float64{1, 2, math.NaN(), 4, 8, math.Inf(1), 16}, 16, 20, HigherIsBetter, Plausibility{
			Implied: 0.25, Periods: 2, Plausible: true, Reason: "not enough history (2 changes)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Achievable(tt.history, tt.current, tt.target, tt.dir)
			w := tt.want
			if got.Periods != w.Periods || got.Plausible != w.Plausible || got.Reason != w.Reason ||
				!near(got.Implied, w.Implied) || !near(got.Percentile, w.Percentile) {
				t.Errorf("Achievable(…, %v, %v, %v) =\n  %+v\nwant\n  %+v", tt.current, tt.target, tt.dir, got, w)
			}
		})
	}

	// current 0: the relative change is undefined; say so, keep the percentile.
	got := Achievable(history, 0, 100, HigherIsBetter)
	if !got.Plausible || got.Implied != 0 || got.Periods != 6 || !near(got.Percentile, 0.35) ||
		!strings.Contains(got.Reason, "undefined") {
		t.Errorf("Achievable with current 0 = %+v", got)
	}
}
