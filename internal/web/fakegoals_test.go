package web

import (
	"fmt"
	"math"
	"net/http"
	"time"
)

// fakeGoal is a goal of the fake API: a quarter's revenue for the first
// team, split between two sub-teams, and a win-rate goal without objective.
type fakeGoal struct {
	ID, KPI, Scope, Objective, Parent, Unit string
	Target                                  float64
	Cumulative                              bool
	Pace                                    float64 // actual ÷ expected
}

var fakeGoals = []fakeGoal{
	{"q3_revenue", "revenue", "team:T001", "grow", "", "currency", 2_500_000, true, 0.97},
	{"q3_revenue.T002", "revenue", "team:T002", "grow", "q3_revenue", "currency", 1_400_000, true, 1.08},
	{"q3_revenue.T003", "revenue", "team:T003", "grow", "q3_revenue", "currency", 1_100_000, true, 0.83},
	{"q3_win_rate", "win_rate", "org", "", "", "fraction", 0.3, false, 0.9},
}

var fakeQ3Start, fakeQ3End = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func (f *fakeAPI) goals(w http.ResponseWriter, path, at string) {
	now := time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)
	if t, err := time.Parse(time.DateOnly, at); err == nil {
		now = t.AddDate(0, 0, 1)
	}
	elapsed := math.Max(0, math.Min(1, now.Sub(fakeQ3Start).Hours()/fakeQ3End.Sub(fakeQ3Start).Hours()))
	var statuses, checks []map[string]any
	for _, g := range fakeGoals {
		goal := map[string]any{"id": g.ID, "kpi": g.KPI, "scope": g.Scope, "period": "2026-Q3", "target": g.Target,
			"objective": g.Objective, "parent": g.Parent, "grain": "quarter", "start": fakeQ3Start, "end": fakeQ3End}
		share := 1.0
		if g.Cumulative {
			share = elapsed
		}
		pace := g.Pace + 0.01*float64(f.version.Load()%5)
		expected := g.Target * share
		actual := expected * pace
		projected := actual
		if g.Cumulative && elapsed > 0 {
			projected = actual / elapsed
		}
		state := "on_track"
		switch {
		case elapsed == 0:
			state = "not_started"
		case elapsed >= 1 && actual >= g.Target:
			state = "achieved"
		case elapsed >= 1:
			state = "missed"
		case pace < 0.85:
			state = "off_track"
		case pace < 0.95:
			state = "at_risk"
		}
		statuses = append(statuses, map[string]any{"goal": goal, "unit": g.Unit, "direction": "higher", "cumulative": g.Cumulative,
			"elapsed": elapsed, "pacing": "linear", "target": g.Target, "actual": actual, "expected": expected,
			"attainment": actual / g.Target, "projected": projected, "state": state})
		checks = append(checks, map[string]any{"goal": goal, "verdicts": []map[string]any{
			{"letter": "S", "pass": true, "reason": g.KPI + " for " + g.Scope},
			{"letter": "M", "pass": true, "reason": fmt.Sprintf("target %g %s", g.Target, g.Unit)},
			{"letter": "A", "pass": g.Pace > 0.85, "reason": "target against the KPI's history"},
			{"letter": "R", "pass": g.Objective != "", "reason": "objective " + g.Objective},
			{"letter": "T", "pass": true, "reason": "2026-07-01 to 2026-09-30"},
		}})
	}
	if path == "/goals/check" {
		writeJSON(w, 200, map[string]any{"checks": checks, "alignment": []map[string]any{
			{"kind": "kpi_without_objective", "subject": "win_rate", "message": "KPI win_rate has goals but serves no objective"}}})
		return
	}
	writeJSON(w, 200, map[string]any{"at": now.Format(time.RFC3339), "goals": statuses, "notes": []string{},
		"objectives": []map[string]any{{"id": "grow", "name": "Grow revenue", "kpis": []string{"revenue"}}}})
}

func (f *fakeAPI) projection(w http.ResponseWriter, id string) {
	for _, g := range fakeGoals {
		if g.ID != id {
			continue
		}
		var points []map[string]any
		sum := 0.0
		for i, d := 0, fakeQ3Start; d.Before(fakeQ3End); i, d = i+1, d.AddDate(0, 0, 7) {
			end := d.AddDate(0, 0, 7)
			share := end.Sub(fakeQ3Start).Hours() / fakeQ3End.Sub(fakeQ3Start).Hours()
			p := map[string]any{"period": fmt.Sprintf("2026-W%02d", 27+i), "end": end.Format(time.DateOnly), "expected": g.Target}
			if g.Cumulative {
				p["expected"] = g.Target * math.Min(1, share)
			}
			v := g.Target * g.Pace * (0.8 + 0.4*hash01(id, fmt.Sprint(i)))
			if g.Cumulative {
				sum += v / 13
				v = sum
			}
			p["actual"] = v
			if i > 9 {
				p["actual"] = nil
			}
			points = append(points, p)
		}
		writeJSON(w, 200, map[string]any{"target": g.Target, "cumulative": g.Cumulative, "points": points})
		return
	}
	writeJSON(w, 404, apiError("not_found", "no goal "+id, "id"))
}
