package server

import (
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crmFiles reads the hand-made organisation of the data-quality rule tests
// (internal/quality/testdata/crm), which has for every rule a record that
// breaks it.
func crmFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join("..", "quality", "testdata", "crm")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

type qualityScore struct {
	Group    *string  `json:"group"`
	Period   string   `json:"period"`
	Records  int64    `json:"records"`
	Passed   int64    `json:"passed"`
	Failing  int64    `json:"failing"`
	Accuracy *float64 `json:"accuracy"`
}

func TestQualityAPI(t *testing.T) {
	ts := newTestServer(t, 0) // today is 2026-06-30
	if resp := ts.upload(t, crmFiles(t)); resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("import: %d %s", resp.StatusCode, b)
	}

	var sc struct {
		From, To string
		By       string
		Overall  qualityScore
		Groups   []qualityScore
		Trend    []qualityScore
		Rules    []struct {
			Rule    string
			Failing int64
		}
	}
	ts.getJSON(t, "/api/v1/quality?by=record_type", http.StatusOK, &sc)
	// The rule tests' 34 failing records (today 2026-06-15), plus O15, whose
	// expected close date 2026-06-15 has passed by 2026-06-30: 35 of 75 fail.
	if sc.From != "2026-01-01" || sc.To != "2026-04-20" || sc.By != "record_type" ||
		sc.Overall.Records != 75 || sc.Overall.Passed != 40 || sc.Overall.Failing != 35 || !nearPtr(sc.Overall.Accuracy, 40.0/75) {
		t.Errorf("overall %+v (%s..%s)", sc.Overall, sc.From, sc.To)
	}
	// Deals: 12 + O15 = 13 of 39 fail.
	if len(sc.Groups) != 5 || *sc.Groups[0].Group != "opportunity" || sc.Groups[0].Records != 39 || sc.Groups[0].Failing != 13 {
		t.Errorf("groups %+v", sc.Groups)
	}
	// February: 13 of 33 passed by 2026-06-15; O15 (created 02-15) no longer does.
	if len(sc.Trend) != 4 || sc.Trend[1].Period != "2026-02" || sc.Trend[1].Records != 33 || sc.Trend[1].Passed != 12 || !nearPtr(sc.Trend[1].Accuracy, 12.0/33) {
		t.Errorf("trend %+v", sc.Trend)
	}
	if len(sc.Rules) != 22 {
		t.Errorf("%d rules", len(sc.Rules))
	}

	// The list agrees with the score: 35 failing records in the range.
	var list struct {
		Total, Records int64
		Truncated      bool
		Failures       []struct {
			RecordType string `json:"record_type"`
			RecordID   string `json:"record_id"`
			Rule       string
			Value      string
		}
	}
	ts.getJSON(t, "/api/v1/quality/failures?from=2026-01-01&to=2026-04-20&limit=0", http.StatusOK, &list)
	if list.Records != sc.Overall.Failing || list.Total != 35 || len(list.Failures) != 35 || list.Truncated {
		t.Errorf("failures: %d records, %d total, %d listed, truncated %v", list.Records, list.Total, len(list.Failures), list.Truncated)
	}
	ts.getJSON(t, "/api/v1/quality/failures?rule=opp.close_date_past&team=T1&limit=1", http.StatusOK, &list)
	if list.Total != 2 || len(list.Failures) != 1 || !list.Truncated || list.Failures[0].RecordID != "O14" || list.Failures[0].Value != "status=open; close_date=2026-05-01" {
		t.Errorf("close_date_past: %+v", list)
	}

	// The clean-up export.
	resp, err := http.Get(ts.URL + "/api/v1/quality/failures?format=csv&record_type=lead&rep=R2,R3")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "crm-failures.csv") {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	wantCSV := "record_type,record_id,rule,severity,description,rep,rep_name,team,account,account_name,value,recorded_at\n" +
		"lead,L11,lead.source_missing,warning,\"Lead without a source, so it counts towards no channel.\",R2,Bob,T2,,,source=(blank),2026-02-11T00:00:00Z\n" +
		"lead,L4,lead.owner_left,warning,Lead assigned to a rep who had already left (created on or after their left_on).,R3,Cy,T2,,,owner_rep_id=R3; left_on=2026-03-01; created_at=2026-03-02 00:00:00,2026-03-02T00:00:00Z\n" +
		"lead,L8,lead.duplicate_email,warning,Another lead has the same e-mail address (case and surrounding spaces ignored).,R2,Bob,T2,,,\"email=pat@example.com; 2 leads share it, the first L8\",2026-02-08T00:00:00Z\n" +
		"lead,L9,lead.duplicate_email,warning,Another lead has the same e-mail address (case and surrounding spaces ignored).,R2,Bob,T2,,,\"email=PAT@Example.com; 2 leads share it, the first L8\",2026-02-09T00:00:00Z\n"
	if string(body) != wantCSV {
		t.Errorf("csv:\n%s\nwant:\n%s", body, wantCSV)
	}

	// Bad parameters are refused, naming the parameter.
	for _, c := range []struct{ path, param string }{
		{"/api/v1/quality?by=segment", "by"},
		{"/api/v1/quality?rule=opp.nope", "rule"},
		{"/api/v1/quality/failures?record_type=deal", "record_type"},
		{"/api/v1/quality/failures?team=T9", "team"},
		{"/api/v1/quality?team=T9", "team"},
		{"/api/v1/quality?from=2026-13-01", "from"},
		{"/api/v1/quality/failures?from=2026-03-01&to=2026-02-01", "from"},
		{"/api/v1/quality/failures?limit=-1", "limit"},
		{"/api/v1/quality/failures?format=xml", "format"},
		{"/api/v1/quality?colour=red", "colour"},
		{"/api/v1/quality?segment=smb", "segment"},
		{"/api/v1/quality?limit=5", "limit"},
		{"/api/v1/quality?team=T1&team=T2", "team"},
	} {
		var e struct {
			Error struct{ Code, Param, Message string }
		}
		ts.getJSON(t, c.path, http.StatusBadRequest, &e)
		if e.Error.Code != "bad_request" || e.Error.Param != c.param || !strings.HasPrefix(e.Error.Message, c.param+": ") {
			t.Errorf("%s: %+v, want param %s", c.path, e.Error, c.param)
		}
	}
	// Odd values never crash either endpoint.
	for _, ep := range []string{"quality", "quality/failures"} {
		for _, p := range []string{"rule", "record_type", "rep", "team", "from", "to", "by", "limit", "format"} {
			for _, v := range []string{"", "'; DROP TABLE reps; --", "%00", ",,,", strings.Repeat("a", 3000)} {
				resp, err := http.Get(ts.URL + "/api/v1/" + ep + "?" + p + "=" + urlEscape(v))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s=%q: %d", ep, p, v, resp.StatusCode)
				}
			}
		}
	}
}

// nearPtr compares a reported accuracy (six decimals) with a fraction; null
// is never near.
func nearPtr(v *float64, want float64) bool {
	return v != nil && math.Abs(*v-want) <= 5e-7
}
