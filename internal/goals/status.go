package goals

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/kpi"
)

// Tracker reads goals' numbers from the KPI engine: the only place KPI values
// come from.
type Tracker struct {
	Eng        *kpi.Engine
	Thresholds calc.Thresholds // zero: calc.DefaultThresholds
	Seasonal   bool            // pace by last year's curve over the same period
}

// GoalStatus is where a goal stands at a moment.
type GoalStatus struct {
	Goal       *Goal    `json:"goal"`
	Unit       string   `json:"unit"`
	Direction  string   `json:"direction"`
	Cumulative bool     `json:"cumulative"`
	Baseline   *float64 `json:"baseline,omitempty"` // for relative goals
	Elapsed    float64  `json:"elapsed"`            // share of the period passed
	Pacing     string   `json:"pacing"`             // linear or seasonal
	calc.Progress
}

// scopeFilters turns a goal's scope into engine filters.
func scopeFilters(scope string) map[string][]string {
	kind, id, _ := strings.Cut(scope, ":")
	if kind == "team" || kind == "rep" {
		return map[string][]string{kind: {id}}
	}
	return map[string][]string{}
}

// Value is a KPI's value for a scope over [from, to); nil when it is null.
func (t *Tracker) Value(ctx context.Context, kpiID, scope string, from, to time.Time) (*float64, error) {
	if !from.Before(to) {
		return nil, nil
	}
	res, err := t.Eng.Evaluate(ctx, kpi.Query{KPIs: []string{kpiID}, Grain: kpi.All, From: from, To: to.AddDate(0, 0, -1), Filters: scopeFilters(scope)})
	if err != nil {
		return nil, err
	}
	if len(res.Rows) == 0 {
		return nil, nil
	}
	return res.Rows[0].Value, nil
}

// periodsBefore lists n periods of the goal's grain ending where the goal's
// starts, oldest first; a custom range steps back by its own length.
func periodsBefore(g *Goal, cal kpi.Calendar, n int) [][2]time.Time {
	var out [][2]time.Time
	end := g.Start
	for range n {
		var start time.Time
		if g.Grain == kpi.All {
			start = end.Add(-g.End.Sub(g.Start))
		} else {
			start = cal.BucketStart(g.Grain, end.AddDate(0, 0, -1))
		}
		out = append([][2]time.Time{{start, end}}, out...)
		end = start
	}
	return out
}

// Target resolves a goal's target: the absolute one, or the baseline moved by
// the relative change.
func (t *Tracker) Target(ctx context.Context, g *Goal) (float64, *float64, error) {
	if g.Target != nil {
		return *g.Target, nil, nil
	}
	cal := t.Eng.Calendar()
	var base float64
	switch g.Baseline {
	case "same_period_last_year":
		v, err := t.Value(ctx, g.KPI, g.Scope, g.Start.AddDate(-1, 0, 0), g.End.AddDate(-1, 0, 0))
		if err != nil {
			return 0, nil, err
		}
		if v == nil {
			return 0, nil, fmt.Errorf("goal %s: no %s value for the same period last year to set the target from", g.ID, g.KPI)
		}
		base = *v
	case "trailing_mean_4", "trailing_median_4":
		var hist []float64
		for _, p := range periodsBefore(g, cal, 4) {
			v, err := t.Value(ctx, g.KPI, g.Scope, p[0], p[1])
			if err != nil {
				return 0, nil, err
			}
			if v != nil {
				hist = append(hist, *v)
			}
		}
		var err error
		if g.Baseline == "trailing_mean_4" {
			base, err = calc.TrailingMean(hist, 4)
		} else {
			base, err = calc.TrailingMedian(hist, 4)
		}
		if err != nil {
			return 0, nil, fmt.Errorf("goal %s: baseline %s: %w", g.ID, g.Baseline, err)
		}
	default: // previous_period
		p := periodsBefore(g, cal, 1)[0]
		v, err := t.Value(ctx, g.KPI, g.Scope, p[0], p[1])
		if err != nil {
			return 0, nil, err
		}
		if v == nil {
			return 0, nil, fmt.Errorf("goal %s: no %s value for the previous period to set the target from", g.ID, g.KPI)
		}
		base = *v
	}
	return base * (1 + *g.Change), &base, nil
}

// Status evaluates a goal at the instant at.
func (t *Tracker) Status(ctx context.Context, g *Goal, at time.Time) (GoalStatus, error) {
	k, ok := t.Eng.Catalog().KPI(g.KPI)
	if !ok {
		return GoalStatus{}, fmt.Errorf("goal %s: unknown KPI %q", g.ID, g.KPI)
	}
	s := GoalStatus{Goal: g, Unit: k.Unit, Direction: k.Direction, Cumulative: t.Eng.Catalog().Cumulative(g.KPI), Pacing: "linear"}
	target, base, err := t.Target(ctx, g)
	if err != nil {
		return s, err
	}
	s.Baseline = base
	length := g.End.Sub(g.Start)
	s.Elapsed = min(1, max(0, float64(at.Sub(g.Start))/float64(length)))
	actual := 0.0
	if to := minTime(at, g.End); to.After(g.Start) {
		// The engine works in whole days: to date means up to the end of at's day.
		to = dayCeil(to)
		v, err := t.Value(ctx, g.KPI, g.Scope, g.Start, minTime(to, g.End))
		if err != nil {
			return s, err
		}
		if v != nil {
			actual = *v
		}
	}
	pace := calc.Pacing{}
	if t.Seasonal && s.Cumulative {
		if curve, ok := t.lastYearCurve(ctx, g); ok {
			pace.Curve, s.Pacing = curve, "seasonal"
		}
	}
	dir := calc.HigherIsBetter
	if k.Direction == "lower" {
		dir = calc.LowerIsBetter
	}
	s.Progress = calc.Status(target, actual, s.Elapsed, s.Cumulative, dir, pace, t.Thresholds)
	return s, nil
}

// lastYearCurve is the cumulative share of last year's same period by month
// (by week for periods shorter than two months).
func (t *Tracker) lastYearCurve(ctx context.Context, g *Goal) ([]float64, bool) {
	grain := kpi.Month
	if g.End.Sub(g.Start) < 59*24*time.Hour {
		grain = kpi.Week
	}
	from, to := g.Start.AddDate(-1, 0, 0), g.End.AddDate(-1, 0, 0)
	res, err := t.Eng.Evaluate(ctx, kpi.Query{KPIs: []string{g.KPI}, Grain: grain, From: from, To: to.AddDate(0, 0, -1), Filters: scopeFilters(g.Scope)})
	if err != nil || len(res.Rows) < 2 {
		return nil, false
	}
	var values []float64
	for _, r := range res.Rows {
		v := 0.0
		if r.Value != nil {
			v = *r.Value
		}
		values = append(values, v)
	}
	curve, err := calc.CurveFromHistory(values)
	return curve, err == nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// dayCeil is the start of the day after t, or t itself at midnight.
func dayCeil(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if d.Equal(t) {
		return d
	}
	return d.AddDate(0, 0, 1)
}
