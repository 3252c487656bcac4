package calc

import (
	"math"
	"testing"
)

func TestDefaultThresholds(t *testing.T) {
	if got := DefaultThresholds(); got != (Thresholds{OnTrack: 0.95, AtRisk: 0.85}) {
		t.Errorf("DefaultThresholds() = %+v", got)
	}
}

func TestStatus(t *testing.T) {
	linear := Pacing{}
	seasonal := Pacing{Curve: []float64{0.1, 0.25, 0.5, 1}}
	late := Pacing{Curve: []float64{0, 0.5, 1}} // nothing expected in the first third
	def := Thresholds{}
	tests := []struct {
		name                   string
		target, actual, elapsd float64
		cumulative             bool
		dir                    Direction
		pace                   Pacing
		th                     Thresholds
		want                   Progress
	}{
		// expected 1000×.5 = 500; ratio 450/500 = .90 → at risk (.85 <= .90 < .95);
		// attainment 450/1000 = .45; projected 450/.5 = 900
		{"revenue behind", 1000, 450, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 450, Expected: 500, Attainment: 0.45, Projected: 900, State: AtRisk}},
		// ratio 480/500 = .96 → on track; projected 480/.5 = 960
		{"revenue on pace", 1000, 480, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 480, Expected: 500, Attainment: 0.48, Projected: 960, State: OnTrack}},
		// ratio 400/500 = .80 → off track; projected 800
		{"revenue far behind", 1000, 400, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 400, Expected: 500, Attainment: 0.4, Projected: 800, State: OffTrack}},
		// ratio 475/500 = .95 exactly → on track (>=)
		{"on-track boundary", 1000, 475, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 475, Expected: 500, Attainment: 0.475, Projected: 950, State: OnTrack}},
		// ratio 425/500 = .85 exactly → at risk (>=)
		{"at-risk boundary", 1000, 425, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 425, Expected: 500, Attainment: 0.425, Projected: 850, State: AtRisk}},
		// ahead: ratio 300/250 = 1.2; expected 1000×.25 = 250; projected 300/.25 = 1200
		{"ahead", 1000, 300, 0.25, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 300, Expected: 250, Attainment: 0.3, Projected: 1200, State: OnTrack}},
		// actual 0 with 500 expected: ratio 0 → off track; projected 0/.5 = 0
		{"nothing yet", 1000, 0, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 0, Expected: 500, Attainment: 0, Projected: 0, State: OffTrack}},
		// custom thresholds .9/.7: ratio .80 → at risk
		{"custom thresholds", 1000, 400, 0.5, true, HigherIsBetter, linear, Thresholds{OnTrack: 0.9, AtRisk: 0.7},
			Progress{Target: 1000, Actual: 400, Expected: 500, Attainment: 0.4, Projected: 800, State: AtRisk}},
		// seasonal: share at .25 = .1 → expected 100; ratio 90/100 = .9 → at risk;
		// projected 90/.1 = 900 (linear pacing would say 250 expected, off track)
		{"seasonal pacing", 1000, 90, 0.25, true, HigherIsBetter, seasonal, def,
			Progress{Target: 1000, Actual: 90, Expected: 100, Attainment: 0.09, Projected: 900, State: AtRisk}},
		// curve expects 0 at 1/6 (pos .5 in a slice ending at 0): expected 0 → on
		// track when actual >= 0; share 0 → projected = actual
		{"seasonal share zero", 1000, 10, 1.0 / 6, true, HigherIsBetter, late, def,
			Progress{Target: 1000, Actual: 10, Expected: 0, Attainment: 0.01, Projected: 10, State: OnTrack}},
		// elapsed 0: not started; expected 1000×0 = 0; projected = actual
		{"not started", 1000, 0, 0, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 0, Expected: 0, Attainment: 0, Projected: 0, State: NotStarted}},
		// bookings before the start still say not started; projected = actual = 50
		{"not started with actual", 1000, 50, -0.1, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 50, Expected: 0, Attainment: 0.05, Projected: 50, State: NotStarted}},
		{"NaN elapsed is not started", 1000, 50, math.NaN(), true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 50, Expected: 0, Attainment: 0.05, Projected: 50, State: NotStarted}},
		// end: 1000 >= 1000 → achieved; share 1 → expected 1000, projected 1000
		{"achieved exactly", 1000, 1000, 1, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 1000, Expected: 1000, Attainment: 1, Projected: 1000, State: Achieved}},
		// 999 < 1000 → missed; elapsed 1.2 clamps to 1
		{"missed", 1000, 999, 1.2, true, HigherIsBetter, linear, def,
			Progress{Target: 1000, Actual: 999, Expected: 1000, Attainment: 0.999, Projected: 999, State: Missed}},
		// target 0: attainment 0 (no division); expected 0; actual 0 >= 0 → on track
		{"target zero", 0, 0, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: 0, Actual: 0, Expected: 0, Attainment: 0, Projected: 0, State: OnTrack}},
		// target 0, actual −5 < 0 → off track; projected −5/.5 = −10
		{"target zero negative actual", 0, -5, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: 0, Actual: -5, Expected: 0, Attainment: 0, Projected: -10, State: OffTrack}},
		// negative target: expected −100×.5 = −50; −40 >= −50 → on track;
		// attainment −40/−100 = .4; projected −40/.5 = −80
		{"negative target", -100, -40, 0.5, true, HigherIsBetter, linear, def,
			Progress{Target: -100, Actual: -40, Expected: -50, Attainment: 0.4, Projected: -80, State: OnTrack}},

		// lower is better, cumulative (a cost ceiling of 100): expected 50;
		// ratio 50/60 = .833 → off track; attainment .6; projected 60/.5 = 120
		{"cost over pace", 100, 60, 0.5, true, LowerIsBetter, linear, def,
			Progress{Target: 100, Actual: 60, Expected: 50, Attainment: 0.6, Projected: 120, State: OffTrack}},
		// ratio 50/55 = .909 → at risk; projected 110
		{"cost slightly over", 100, 55, 0.5, true, LowerIsBetter, linear, def,
			Progress{Target: 100, Actual: 55, Expected: 50, Attainment: 0.55, Projected: 110, State: AtRisk}},
		// ratio 50/52 = .9615 → on track; projected 104
		{"cost near pace", 100, 52, 0.5, true, LowerIsBetter, linear, def,
			Progress{Target: 100, Actual: 52, Expected: 50, Attainment: 0.52, Projected: 104, State: OnTrack}},
		// ratio 50/40 = 1.25 → on track; projected 80
		{"cost under pace", 100, 40, 0.5, true, LowerIsBetter, linear, def,
			Progress{Target: 100, Actual: 40, Expected: 50, Attainment: 0.4, Projected: 80, State: OnTrack}},
		// nothing spent: actual 0 → on track (no division by zero)
		{"cost nothing spent", 100, 0, 0.5, true, LowerIsBetter, linear, def,
			Progress{Target: 100, Actual: 0, Expected: 50, Attainment: 0, Projected: 0, State: OnTrack}},
		// end: 100 <= 100 → achieved
		{"cost achieved", 100, 100, 1, true, LowerIsBetter, linear, def,
			Progress{Target: 100, Actual: 100, Expected: 100, Attainment: 1, Projected: 100, State: Achieved}},
		// end: 101 > 100 → missed
		{"cost missed", 100, 101, 1, true, LowerIsBetter, linear, def,
			Progress{Target: 100, Actual: 101, Expected: 100, Attainment: 1.01, Projected: 101, State: Missed}},

		// lower is better, level (cycle days ≤ 30): expected = target = 30;
		// ratio 30/33 = .909 → at risk; attainment 33/30 = 1.1; projected = actual
		{"cycle days over", 30, 33, 0.4, false, LowerIsBetter, linear, def,
			Progress{Target: 30, Actual: 33, Expected: 30, Attainment: 1.1, Projected: 33, State: AtRisk}},
		// 30/28 = 1.07 → on track
		{"cycle days under", 30, 28, 0.4, false, LowerIsBetter, linear, def,
			Progress{Target: 30, Actual: 28, Expected: 30, Attainment: 28.0 / 30, Projected: 28, State: OnTrack}},
		// 30/40 = .75 → off track
		{"cycle days far over", 30, 40, 0.4, false, LowerIsBetter, linear, def,
			Progress{Target: 30, Actual: 40, Expected: 30, Attainment: 40.0 / 30, Projected: 40, State: OffTrack}},
		// end: 29 <= 30 → achieved
		{"cycle days achieved", 30, 29, 1, false, LowerIsBetter, linear, def,
			Progress{Target: 30, Actual: 29, Expected: 30, Attainment: 29.0 / 30, Projected: 29, State: Achieved}},
		// a ceiling of 0 (zero incidents): 0 <= 0 → on track
		{"zero ceiling kept", 0, 0, 0.5, false, LowerIsBetter, linear, def,
			Progress{Target: 0, Actual: 0, Expected: 0, Attainment: 0, Projected: 0, State: OnTrack}},
		// 2 > 0 → off track
		{"zero ceiling broken", 0, 2, 0.5, false, LowerIsBetter, linear, def,
			Progress{Target: 0, Actual: 2, Expected: 0, Attainment: 0, Projected: 2, State: OffTrack}},
		// end: 0 <= 0 → achieved
		{"zero ceiling achieved", 0, 0, 1, false, LowerIsBetter, linear, def,
			Progress{Target: 0, Actual: 0, Expected: 0, Attainment: 0, Projected: 0, State: Achieved}},

		// higher is better, level (win rate ≥ .30): expected .30, not paced;
		// ratio .25/.30 = .833 → off track; attainment .833; projected = actual
		{"win rate below", 0.3, 0.25, 0.5, false, HigherIsBetter, linear, def,
			Progress{Target: 0.3, Actual: 0.25, Expected: 0.3, Attainment: 0.25 / 0.3, Projected: 0.25, State: OffTrack}},
		// .29/.30 = .967 → on track (pacing is ignored for levels)
		{"win rate close", 0.3, 0.29, 0.1, false, HigherIsBetter, seasonal, def,
			Progress{Target: 0.3, Actual: 0.29, Expected: 0.3, Attainment: 0.29 / 0.3, Projected: 0.29, State: OnTrack}},
		// not started applies to levels too
		{"win rate not started", 0.3, 0.25, 0, false, HigherIsBetter, linear, def,
			Progress{Target: 0.3, Actual: 0.25, Expected: 0.3, Attainment: 0.25 / 0.3, Projected: 0.25, State: NotStarted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Status(tt.target, tt.actual, tt.elapsd, tt.cumulative, tt.dir, tt.pace, tt.th)
			w := tt.want
			if got.State != w.State || got.Target != w.Target || got.Actual != w.Actual ||
				!near(got.Expected, w.Expected) || !near(got.Attainment, w.Attainment) || !near(got.Projected, w.Projected) {
				t.Errorf("Status(%v, %v, %v, %v, %v) =\n  %+v\nwant\n  %+v", tt.target, tt.actual, tt.elapsd, tt.cumulative, tt.dir, got, w)
			}
		})
	}
}
