package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestGoalsAPI(t *testing.T) {
	ts := newTestServer(t, 0)
	ts.upload(t, orgFiles).Body.Close()
	put := func(body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPut, ts.URL+"/api/v1/goals", strings.NewReader(body))
		req.Header.Set("X-Salesops-User", "dana")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// A bad file: every problem with its line and goal, nothing applied.
	resp := put("goals:\n  - id: g1\n    kpi: revnue\n    period: 2026-Q2\n    target: 1\n")
	var bad struct {
		Error struct {
			Code     string
			Problems []struct {
				Line    int
				Goal    string
				Message string
			}
		}
	}
	decode(t, resp, &bad)
	if resp.StatusCode != 400 || bad.Error.Code != "invalid_data" || len(bad.Error.Problems) != 1 || bad.Error.Problems[0].Line != 2 || bad.Error.Problems[0].Goal != "g1" {
		t.Fatalf("bad goals: %d %+v", resp.StatusCode, bad)
	}

	resp = put(`objectives:
  - id: grow
    name: Grow
    kpis: [revenue]
goals:
  - id: q2_rev
    kpi: revenue
    scope: team:T1
    period: 2026-Q2
    target: 10000
    objective: grow
`)
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("apply: %d %s", resp.StatusCode, b)
	}
	resp.Body.Close()

	// At 2026-05-15 (end of day): 45 of Q2's 91 days have passed, so 10,000 ×
	// 45/91 = 4,945.05 expected; won so far O2 3,000 + O4 2,000 = 5,000 (both by
	// 05-15): 5,000 / 4,945.05 ≥ 0.95, on track; attainment 0.5.
	var st struct {
		Goals []struct {
			Goal       struct{ ID string }
			Actual     float64
			Expected   float64
			Attainment float64
			State      string
		}
	}
	ts.getJSON(t, "/api/v1/goals?at=2026-05-15", http.StatusOK, &st)
	if len(st.Goals) != 1 || st.Goals[0].Actual != 5000 || !near(st.Goals[0].Expected, 10000*45.0/91) || st.Goals[0].Attainment != 0.5 || st.Goals[0].State != "on_track" {
		t.Errorf("status %+v", st)
	}

	var check struct {
		Checks []struct {
			Verdicts []struct {
				Letter string
				Pass   bool
			}
		}
		Alignment []struct{ Kind, Subject string }
	}
	ts.getJSON(t, "/api/v1/goals/check", http.StatusOK, &check)
	if len(check.Checks) != 1 || len(check.Checks[0].Verdicts) != 5 {
		t.Errorf("check %+v", check)
	}
	// R1, R2 and R3 are sales reps (role ae by default) and none has a quota.
	quotaless := 0
	for _, f := range check.Alignment {
		if f.Kind == "rep_without_quota" {
			quotaless++
		}
	}
	if quotaless != 3 {
		t.Errorf("alignment %+v: want 3 reps without quota", check.Alignment)
	}

	var casc struct {
		Split  bool
		Shares []struct {
			Scope  string
			Target float64
		}
	}
	// T1's only sub-team is T2: it takes the whole target.
	ts.getJSON(t, "/api/v1/goals/q2_rev/cascade?method=equal", http.StatusOK, &casc)
	if !casc.Split || len(casc.Shares) != 1 || casc.Shares[0].Scope != "team:T2" || casc.Shares[0].Target != 10000 {
		t.Errorf("cascade %+v", casc)
	}
	var hist struct {
		History []struct {
			ChangedBy string `json:"changed_by"`
			Action    string
		} `json:"history"`
	}
	ts.getJSON(t, "/api/v1/goals/q2_rev/history", http.StatusOK, &hist)
	if len(hist.History) != 1 || hist.History[0].ChangedBy != "dana" || hist.History[0].Action != "created" {
		t.Errorf("history %+v", hist)
	}
	var proj struct {
		Cumulative bool
		Points     []struct {
			Period string
			Actual *float64
		}
	}
	ts.getJSON(t, "/api/v1/goals/q2_rev/projection", http.StatusOK, &proj)
	if !proj.Cumulative || len(proj.Points) < 13 {
		t.Errorf("projection %+v", proj)
	}
	var e struct{ Error struct{ Code string } }
	ts.getJSON(t, "/api/v1/goals/nope/history", http.StatusNotFound, &e)

	// A manager's call is recorded and becomes the current call of the forecast.
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/forecast/calls", strings.NewReader(`{"scope":"team:T1","period":"2026-06","amount":4000}`))
	req.Header.Set("X-Salesops-User", "dana")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("call: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	var fc struct {
		Months []string
		Calls  []*struct {
			Amount      float64
			SubmittedBy string `json:"submitted_by"`
		}
	}
	ts.getJSON(t, "/api/v1/forecast?scope=team:T1&at=2026-06-10&months=2&backtest=0", http.StatusOK, &fc)
	if len(fc.Calls) != 2 || fc.Calls[0] == nil || fc.Calls[0].Amount != 4000 || fc.Calls[0].SubmittedBy != "dana" || fc.Calls[1] != nil {
		t.Errorf("forecast calls %+v (months %v)", fc.Calls, fc.Months)
	}
	resp, _ = http.Post(ts.URL+"/api/v1/forecast/calls", "application/json", strings.NewReader(`{"scope":"org","period":"June","amount":1}`))
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("bad call: %d", resp.StatusCode)
	}
}
