package trend

import "math"

// Delta is the change from a base period to the latest one.
type Delta struct {
	BaseIndex int     `json:"base_index"` // position of the base period in the series
	Base      float64 `json:"base"`       // the previous value (PoP) or the value one season back (YoY)
	Abs       float64 `json:"abs"`        // latest − base, in the KPI's unit
	// Rel is (latest − base) ÷ |base|: +0.25 is "up 25 %". Dividing by the
	// magnitude keeps the sign meaning "went up" when the base is negative
	// (a margin from −10 to −5 is +0.5). It is nil when the base is 0, where
	// no percentage exists; show the absolute change instead.
	Rel *float64 `json:"rel,omitempty"`
}

// ChangeReport compares the latest period with the one before it and with
// the same period one season back.
type ChangeReport struct {
	Index  int      `json:"index"`         // position of the latest usable value; −1 when there is none
	Latest *float64 `json:"latest"`        // nil when the series has no usable value
	PoP    *Delta   `json:"pop,omitempty"` // against Index−1; nil when that period is missing
	YoY    *Delta   `json:"yoy,omitempty"` // against Index−season; nil without a season or that period
}

// Change reports the period-over-period and year-over-year change of the
// latest usable value in values (oldest first). season is the number of
// periods in a year (12, 4, 52); 0 or 1 means no year-over-year comparison.
//
// The latest value is the last usable one, so a trailing missing period
// (a month not yet loaded) does not blank the report; Index says which
// period it is. Its comparisons are with exactly the period before it and
// exactly one season before it: when either is missing that comparison is
// absent rather than silently made with some other period, because "vs.
// two months ago" labelled as month-over-month would mislead.
func Change(values []float64, season int) ChangeReport {
	r := ChangeReport{Index: -1}
	for i := len(values) - 1; i >= 0; i-- {
		if usable(values[i]) {
			r.Index = i
			break
		}
	}
	if r.Index < 0 {
		return r
	}
	latest := values[r.Index]
	r.Latest = ptr(latest)
	r.PoP = delta(values, latest, r.Index-1)
	if season > 1 && r.Index >= season {
		r.YoY = delta(values, latest, r.Index-season)
	}
	return r
}

// delta compares latest with values[base], or returns nil when that period
// is outside the series or missing.
func delta(values []float64, latest float64, base int) *Delta {
	if base < 0 || !usable(values[base]) {
		return nil
	}
	b := values[base]
	// Saturating keeps the report finite (and JSON-encodable) even for
	// values near ±MaxFloat64 or a base near the smallest float.
	d := &Delta{BaseIndex: base, Base: b, Abs: saturate(latest - b)}
	if b != 0 {
		d.Rel = ptr(saturate((latest - b) / math.Abs(b)))
	}
	return d
}
