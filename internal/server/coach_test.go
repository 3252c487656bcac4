package server

import (
	"net/http"
	"strings"
	"testing"
)

func TestCoachAPI(t *testing.T) {
	ts := newTestServer(t, 0)
	if resp := ts.upload(t, orgFiles); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d", resp.StatusCode)
	}

	var rep struct {
		Rep struct {
			ID   string  `json:"id"`
			Team *string `json:"team"`
		} `json:"rep"`
		Period struct {
			Label string `json:"label"`
		} `json:"period"`
		Peers struct {
			Group string   `json:"group"`
			Reps  []string `json:"reps"`
		} `json:"peers"`
		KPIs []struct {
			ID      string `json:"id"`
			Verdict string `json:"verdict"`
			Reason  string `json:"reason"`
		} `json:"kpis"`
		Focus []any `json:"focus"`
	}
	ts.getJSON(t, "/api/v1/coach/R2?peers=org", http.StatusOK, &rep)
	// The data's last day is 2026-05-15, so the last full quarter is 2026-Q1.
	if rep.Rep.ID != "R2" || rep.Period.Label != "2026-Q1" || rep.Peers.Group != "org" || len(rep.KPIs) == 0 || rep.Focus == nil {
		t.Fatalf("scorecard %+v", rep)
	}
	for _, k := range rep.KPIs {
		if k.ID == "win_rate" && k.Verdict != "no_data" && k.Verdict != "not_enough_data" {
			t.Errorf("win_rate from a handful of deals: %s (%s)", k.Verdict, k.Reason)
		}
	}

	var team struct {
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		Reps []struct {
			Rep struct {
				ID string `json:"id"`
			} `json:"rep"`
		} `json:"reps"`
	}
	ts.getJSON(t, "/api/v1/coach?team=T1&from=2026-01-01&to=2026-06-30", http.StatusOK, &team)
	if team.Team.ID != "T1" || len(team.Reps) != 3 {
		t.Errorf("team view %+v: want T1 with its sub-team's reps, 3 in all", team)
	}

	tests := []struct {
		name, path string
		status     int
		param, msg string
	}{
		{"unknown rep", "/api/v1/coach/R99", 404, "rep", `unknown rep "R99"`},
		{"unknown team", "/api/v1/coach?team=T99", 404, "team", `unknown team "T99"`},
		{"team required", "/api/v1/coach", 400, "team", "required"},
		{"bad peers", "/api/v1/coach/R2?peers=region", 400, "peers", `"region": want team or org`},
		{"bad date", "/api/v1/coach/R2?from=2026-13-01", 400, "from", "not a date"},
		{"range backwards", "/api/v1/coach/R2?from=2026-06-01&to=2026-05-01", 400, "from", "after"},
		{"unknown parameter", "/api/v1/coach/R2?colour=red", 400, "colour", "unknown parameter"},
		{"dimension on a rep", "/api/v1/coach/R2?team=T1", 400, "team", "unknown parameter"},
		{"repeated", "/api/v1/coach/R2?peers=org&peers=team", 400, "peers", "more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Param   string `json:"param"`
				} `json:"error"`
			}
			ts.getJSON(t, tt.path, tt.status, &e)
			if e.Error.Param != tt.param || !strings.Contains(e.Error.Message, tt.msg) {
				t.Errorf("error %+v: want param %q and a message with %q", e.Error, tt.param, tt.msg)
			}
		})
	}
}
