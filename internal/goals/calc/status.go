package calc

// Direction of a KPI.
type Direction int

const (
	// HigherIsBetter is a KPI whose target is a floor to reach (revenue, calls).
	HigherIsBetter Direction = iota
	// LowerIsBetter is a KPI whose target is a ceiling to stay under (cycle days, cost).
	LowerIsBetter
)

// Thresholds for status: with higher-is-better, ratio = actual-to-date / expected-to-date;
// on track when ratio >= OnTrack (default 0.95), at risk when >= AtRisk (default 0.85), else off track.
// With lower-is-better the ratio is expected / actual (so being under the ceiling is good).
//
// The zero value means DefaultThresholds.
type Thresholds struct{ OnTrack, AtRisk float64 }

// DefaultThresholds returns on track at 95% of the expected pace and at risk at 85%.
func DefaultThresholds() Thresholds { return Thresholds{OnTrack: 0.95, AtRisk: 0.85} }

// State is the verdict on a goal.
type State string

const (
	// OnTrack means the goal is keeping (or beating) the expected pace.
	OnTrack State = "on_track"
	// AtRisk means the goal is somewhat behind the expected pace.
	AtRisk State = "at_risk"
	// OffTrack means the goal is well behind the expected pace.
	OffTrack State = "off_track"
	// NotStarted means none of the period has elapsed yet.
	NotStarted State = "not_started"
	// Achieved means the period is over and the target was met.
	Achieved State = "achieved"
	// Missed means the period is over and the target was not met.
	Missed State = "missed"
)

// Progress is the status of one goal at a moment.
type Progress struct {
	Target     float64 `json:"target"`
	Actual     float64 `json:"actual"`     // to date
	Expected   float64 `json:"expected"`   // target × expected share
	Attainment float64 `json:"attainment"` // actual / target (0 when target is 0)
	// Projected is the end-of-period value if the pace so far continues:
	// actual / share elapsed per the pacing (actual when nothing has elapsed).
	Projected float64 `json:"projected"`
	State     State   `json:"state"`
}

// Status evaluates a goal. elapsed is the share of the period passed (0..1). For
// cumulative KPIs expected = target × pacing share and projected = actual ÷ share;
// for non-cumulative KPIs expected = target and projected = actual. At elapsed >= 1
// the state is Achieved or Missed (direction-aware: lower-is-better achieved when
// actual <= target). At elapsed == 0 NotStarted.
//
// Cumulative says whether the KPI accumulates over the period (revenue, calls: a sum)
// or is a rate/level (win rate, cycle days) that is compared directly with the
// target rather than paced.
//
// elapsed is clamped to [0,1] (NaN counts as 0), and the zero Thresholds mean
// DefaultThresholds. Edge cases, in the order they are decided:
//   - elapsed >= 1: Achieved when actual >= target (higher-is-better) or
//     actual <= target (lower-is-better), else Missed; target 0 is achieved by
//     any actual >= 0 (higher) or by actual <= 0 (lower).
//   - elapsed <= 0: NotStarted; for cumulative KPIs Expected is 0 and Projected
//     equals Actual.
//   - Projected: when the pacing share is 0 although some of the period has
//     passed (a seasonal curve that expects nothing yet) Projected is Actual,
//     since nothing can be extrapolated.
//   - Attainment is 0 when target is 0 (never a division by zero).
//   - higher-is-better, Expected > 0: ratio = Actual / Expected (actual 0 gives
//     ratio 0: off track). Expected <= 0 (target 0, a share of 0, or a negative
//     target): no ratio; on track when Actual >= Expected, else off track.
//   - lower-is-better, Expected > 0: on track when Actual <= 0 (nothing used of
//     the ceiling), else ratio = Expected / Actual. Expected <= 0: on track when
//     Actual <= Expected, else off track (a ceiling of 0 already exceeded).
func Status(target, actual, elapsed float64, cumulative bool, dir Direction, pace Pacing, th Thresholds) Progress {
	if th == (Thresholds{}) {
		th = DefaultThresholds()
	}
	e := clamp01(elapsed)
	p := Progress{Target: target, Actual: actual, Expected: target, Projected: actual}
	if target != 0 {
		p.Attainment = actual / target
	}
	if cumulative {
		share := pace.ExpectedShare(e)
		p.Expected = target * share
		if share > 0 {
			p.Projected = actual / share
		}
	}
	switch {
	case e >= 1:
		met := actual >= target
		if dir == LowerIsBetter {
			met = actual <= target
		}
		p.State = Missed
		if met {
			p.State = Achieved
		}
	case e <= 0:
		p.State = NotStarted
	default:
		p.State = paceState(p.Expected, actual, dir, th)
	}
	return p
}

// paceState judges actual against expected mid-period; see Status.
func paceState(expected, actual float64, dir Direction, th Thresholds) State {
	if expected <= 0 {
		ok := actual >= expected
		if dir == LowerIsBetter {
			ok = actual <= expected
		}
		if ok {
			return OnTrack
		}
		return OffTrack
	}
	var ratio float64
	if dir == LowerIsBetter {
		if actual <= 0 {
			return OnTrack
		}
		ratio = expected / actual
	} else {
		ratio = actual / expected
	}
	switch {
	case ratio >= th.OnTrack:
		return OnTrack
	case ratio >= th.AtRisk:
		return AtRisk
	}
	return OffTrack
}
