package server

import (
	"net/http"
	"testing"
)

func TestTrendAndInsightsAPI(t *testing.T) {
	ts := newTestServer(t, 0)
	if resp := ts.upload(t, orgFiles); resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d", resp.StatusCode)
	}
	var tr struct {
		Analyses []struct {
			Periods []string
			Values  []*float64
			Change  struct {
				Latest *float64
				PoP    *struct {
					Abs float64
					Rel *float64
				}
			}
		}
	}
	// The data ends on 2026-05-15 (O4's close), so April is the last month it
	// covers to its end. Revenue by month from January (the data's first
	// month): 0, O1 1,000, 0, O2 3,000. April on March: +3,000, and no
	// percentage of a zero base.
	ts.getJSON(t, "/api/v1/trend?kpi=revenue&period=month", http.StatusOK, &tr)
	if len(tr.Analyses) != 1 {
		t.Fatalf("analyses %+v", tr.Analyses)
	}
	a := tr.Analyses[0]
	want := []float64{0, 1000, 0, 3000}
	if len(a.Periods) != 4 || a.Periods[0] != "2026-01" || a.Periods[3] != "2026-04" {
		t.Fatalf("periods %v", a.Periods)
	}
	for i, w := range want {
		if a.Values[i] == nil || *a.Values[i] != w {
			t.Errorf("%s = %v, want %v", a.Periods[i], a.Values[i], w)
		}
	}
	if a.Change.PoP == nil || a.Change.PoP.Abs != 3000 || a.Change.PoP.Rel != nil {
		t.Errorf("change %+v", a.Change)
	}
	var feed struct{ Items []map[string]any }
	ts.getJSON(t, "/api/v1/insights?period=quarter", http.StatusOK, &feed)
	if feed.Items == nil {
		t.Error("items missing")
	}
	for _, c := range []struct{ query, param string }{
		{"/api/v1/trend?period=quarter", "kpi"},
		{"/api/v1/trend?kpi=revenue&period=fortnight", "period"},
		{"/api/v1/trend?kpi=revenue&periods=2", "periods"},
		{"/api/v1/insights?period=all", "period"},
	} {
		var e struct{ Error struct{ Param string } }
		ts.getJSON(t, c.query, http.StatusBadRequest, &e)
		if e.Error.Param != c.param {
			t.Errorf("%s: param %q, want %q", c.query, e.Error.Param, c.param)
		}
	}
	var e struct{ Error struct{ Param string } }
	ts.getJSON(t, "/api/v1/trend?kpi=nope", http.StatusNotFound, &e)
}
