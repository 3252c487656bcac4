package server

import (
	"net/http"
	"strings"
	"testing"
)

func TestExplainAPI(t *testing.T) {
	ts := newTestServer(t, 0)
	if resp := ts.upload(t, orgFiles); resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d", resp.StatusCode)
	}
	// Revenue Q1 → Q2: O1 1,000 (R1) → O2 3,000 + O4 2,000 (R2, R3), O3 lost.
	// Deals closed 1 → 3, win rate 1 → 2/3, size 1,000 → 2,500: change +4,000.
	var rep struct {
		Old, New, Change float64
		Drivers          []struct {
			Name         string
			Contribution float64
		}
		Breakdowns []struct {
			Dimension, Method string
			Segments          []struct {
				Value        string
				Contribution float64
			}
		}
		Findings []struct{ Kind, Text string }
	}
	ts.getJSON(t, "/api/v1/explain?kpi=revenue&from=2026-Q1&to=2026-Q2&by=rep", http.StatusOK, &rep)
	if rep.Old != 1000 || rep.New != 5000 || rep.Change != 4000 {
		t.Fatalf("old %v new %v change %v", rep.Old, rep.New, rep.Change)
	}
	sum := 0.0
	for _, d := range rep.Drivers {
		sum += d.Contribution
	}
	if len(rep.Drivers) != 3 || sum < 4000-1e-6 || sum > 4000+1e-6 {
		t.Errorf("drivers %+v sum to %v, want 4,000", rep.Drivers, sum)
	}
	// By rep: R1 −1,000, R2 +3,000, R3 +2,000.
	want := map[string]float64{"R1": -1000, "R2": 3000, "R3": 2000}
	if len(rep.Breakdowns) != 1 || rep.Breakdowns[0].Method != "additive" || len(rep.Breakdowns[0].Segments) != 3 {
		t.Fatalf("breakdowns %+v", rep.Breakdowns)
	}
	for _, s := range rep.Breakdowns[0].Segments {
		if want[s.Value] != s.Contribution {
			t.Errorf("%s: %v, want %v", s.Value, s.Contribution, want[s.Value])
		}
	}
	if len(rep.Findings) == 0 || !strings.HasPrefix(rep.Findings[0].Text, "Revenue rose by 4,000") {
		t.Errorf("findings %+v", rep.Findings)
	}

	for _, c := range []struct{ query, param string }{
		{"kpi=revenue&from=2026-Q1", "to"},
		{"kpi=revenue&from=2026-Q1&to=2026-05", "to"},
		{"kpi=revenue&from=Q1&to=2026-Q2", "from"},
		{"kpi=revenue&from=2026-Q1&to=2026-Q2&by=planet", "by"},
		{"kpi=revenue&from=2026-Q1&to=2026-Q2&top=0", "top"},
		{"kpi=revenue&from=2026-Q1&to=2026-Q2&colour=red", "colour"},
		{"kpi=revenue&from=2026-Q1&to=2026-Q2&team=T999", "team"},
		{"kpi=revenue&from=2026-Q1&to=2026-Q2&rep=R999", "rep"},
	} {
		var e struct{ Error struct{ Param string } }
		ts.getJSON(t, "/api/v1/explain?"+c.query, http.StatusBadRequest, &e)
		if e.Error.Param != c.param {
			t.Errorf("%s: param %q, want %q", c.query, e.Error.Param, c.param)
		}
	}
	var e struct{ Error struct{ Param string } }
	ts.getJSON(t, "/api/v1/explain?kpi=nope&from=2026-Q1&to=2026-Q2", http.StatusNotFound, &e)
}
