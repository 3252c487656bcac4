package server

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// files of a small organisation: T1 with sub-team T2, three reps, five deals.
var orgFiles = map[string]string{
	"teams.csv": "team_id,name,parent_team_id,region\nT1,Sales,,EMEA\nT2,Enterprise,T1,\n",
	"reps.csv":  "rep_id,name,team_id\nR1,Ann,T1\nR2,Bob,T2\nR3,Cy,T2\n",
	"opportunities.csv": "opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\n" +
		"O1,R1,closed won,won,1000,2026-01-05,2026-02-10\n" +
		"O2,R2,closed won,won,3000,2026-01-20,2026-04-20\n" +
		"O3,R2,closed lost,lost,500,2026-01-10,2026-05-02\n" +
		"O4,R3,closed won,won,2000,2026-03-01,2026-05-15\n" +
		"O5,R3,proposal,open,800,2026-04-01,2026-07-30\n",
}

type testServer struct {
	*httptest.Server
	srv *Server
	st  *store.DuckStore
}

func newTestServer(t *testing.T, maxUpload int64) *testServer {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "api.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1},
		Now: func() time.Time { return time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(ctx, Config{Store: st, Engine: eng, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxUpload: maxUpload})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, srv: srv, st: st}
}

func (ts *testServer) upload(t *testing.T, files map[string]string) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, content := range files {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	mw.Close()
	resp, err := http.Post(ts.URL+"/api/v1/import", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode: %v", err)
	}
}

func (ts *testServer) getJSON(t *testing.T, path string, wantStatus int, v any) {
	t.Helper()
	resp, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != wantStatus {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, b, wantStatus)
	}
	decode(t, resp, v)
}

type valuesResp struct {
	By   []string         `json:"by"`
	Rows []map[string]any `json:"rows"`
}

func (v valuesResp) value(t *testing.T, kpiID, period, dim, dimValue string) any {
	t.Helper()
	for _, r := range v.Rows {
		if r["kpi"] == kpiID && r["period"] == period && (dim == "" || r[dim] == dimValue) {
			return r["value"]
		}
	}
	t.Fatalf("no row %s %s %s=%s in %v", kpiID, period, dim, dimValue, v.Rows)
	return nil
}

func near(a any, want float64) bool {
	f, ok := a.(float64)
	return ok && math.Abs(f-want) <= 5e-7*math.Max(1, math.Abs(want)) // the API reports six decimals
}

func TestImportValuesScorecard(t *testing.T) {
	ts := newTestServer(t, 0)
	resp := ts.upload(t, orgFiles)
	var imp struct {
		Merged map[string]struct{ Rows int64 } `json:"merged"`
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("import: %d %s", resp.StatusCode, b)
	}
	decode(t, resp, &imp)
	if imp.Merged["opportunities"].Rows != 5 || imp.Merged["reps"].Rows != 3 || imp.Merged["teams"].Rows != 2 {
		t.Errorf("merged %+v", imp.Merged)
	}

	var v valuesResp
	ts.getJSON(t, "/api/v1/values?kpi=revenue,win_rate&by=team&period=quarter", http.StatusOK, &v)
	// Q1: only O1 (R1, T1) won 1000. Q2: O2 3000 + O4 2000 won, O3 lost, all in T2 (⊂ T1).
	checks := []struct {
		kpi, period, team string
		want              float64
	}{
		{"revenue", "2026-Q1", "T1", 1000},
		{"revenue", "2026-Q2", "T1", 5000},
		{"revenue", "2026-Q2", "T2", 5000},
		{"win_rate", "2026-Q2", "T2", 2.0 / 3}, // 2 won of 3 closed
		{"win_rate", "2026-Q1", "T1", 1},
	}
	for _, c := range checks {
		if got := v.value(t, c.kpi, c.period, "team", c.team); !near(got, c.want) {
			t.Errorf("%s %s %s = %v, want %v", c.kpi, c.period, c.team, got, c.want)
		}
	}

	var sc struct {
		Period   struct{ Label string } `json:"period"`
		Previous struct{ Label string } `json:"previous"`
		KPIs     []struct {
			ID                      string
			Value, Previous, Change *float64
			Better                  *bool
			Spark                   []struct{ Period string }
		} `json:"kpis"`
	}
	ts.getJSON(t, "/api/v1/scorecard?scope=team:T2&period=quarter&at=2026-05-15", http.StatusOK, &sc)
	if sc.Period.Label != "2026-Q2" || sc.Previous.Label != "2026-Q1" {
		t.Errorf("periods %q / %q", sc.Period.Label, sc.Previous.Label)
	}
	found := false
	for _, k := range sc.KPIs {
		if k.ID != "revenue" {
			continue
		}
		found = true
		// T2 won nothing in Q1 and 3000 + 2000 in Q2: change +5000, better (higher is better).
		if k.Value == nil || *k.Value != 5000 || k.Previous == nil || *k.Previous != 0 || k.Change == nil || *k.Change != 5000 ||
			k.Better == nil || !*k.Better || len(k.Spark) != 8 {
			t.Errorf("revenue card %+v", k)
		}
	}
	if !found {
		t.Error("no revenue card")
	}

	var dd struct {
		Measures []struct {
			ID      string
			Count   int64
			Columns []string
			Rows    [][]*string
		}
	}
	ts.getJSON(t, "/api/v1/drilldown?kpi=revenue&period=quarter&at=2026-Q2&team=T2", http.StatusOK, &dd)
	if len(dd.Measures) != 1 || dd.Measures[0].Count != 2 {
		t.Fatalf("drilldown %+v", dd)
	}
}

func TestAPIErrors(t *testing.T) {
	ts := newTestServer(t, 1024)
	tests := []struct {
		path   string
		status int
		param  string
	}{
		{"/api/v1/values?by=colour", 400, "by"},
		{"/api/v1/values?period=fortnight", 400, "period"},
		{"/api/v1/values?from=2026-13-01", 400, "from"},
		{"/api/v1/values?format=xml", 400, "format"},
		{"/api/v1/values?kpi=nope", 404, "kpi"},
		{"/api/v1/values?kpii=revenue", 400, "kpii"},
		{"/api/v1/scorecard?scope=galaxy:1", 400, "scope"},
		{"/api/v1/scorecard?period=all", 400, "period"},
		{"/api/v1/drilldown?kpi=revenue", 400, "at"},
		{"/api/v1/nothing", 404, ""},
	}
	for _, tt := range tests {
		var e struct {
			Error struct{ Code, Message, Param string }
		}
		ts.getJSON(t, tt.path, tt.status, &e)
		if e.Error.Param != tt.param || e.Error.Message == "" {
			t.Errorf("%s: %+v", tt.path, e.Error)
		}
	}
	// A bad file is refused with every problem under the uploaded name.
	resp := ts.upload(t, map[string]string{"opportunities.csv": "opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\nO1,R1,x,won,12x,2026-01-05,2026-02-10\n"})
	var bad struct {
		Error struct {
			Code     string
			Problems []struct {
				File, Column string
				Line         int
			}
		}
	}
	if resp.StatusCode != 400 {
		t.Fatalf("bad upload: %d", resp.StatusCode)
	}
	decode(t, resp, &bad)
	if bad.Error.Code != "invalid_data" || len(bad.Error.Problems) != 1 || bad.Error.Problems[0].File != "opportunities.csv" ||
		bad.Error.Problems[0].Line != 2 || bad.Error.Problems[0].Column != "amount" {
		t.Errorf("bad upload: %+v", bad)
	}
	// Over the limit (1 KiB here): 413.
	resp = ts.upload(t, map[string]string{"teams.csv": "team_id,name\n" + strings.Repeat("T,x\n", 1000)})
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d, want 413", resp.StatusCode)
	}
	resp = ts.upload(t, map[string]string{"notes.txt": "hello"})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unknown file: %d, want 400", resp.StatusCode)
	}
}

func TestEventsUpdateValuesAndStream(t *testing.T) {
	ts := newTestServer(t, 0)
	ts.upload(t, orgFiles).Body.Close()

	stream, err := http.Get(ts.URL + "/api/v1/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	events := bufio.NewReader(stream.Body)
	readVersion := func() string {
		for {
			line, err := events.ReadString('\n')
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			if strings.HasPrefix(line, "data: ") {
				return strings.TrimSpace(strings.TrimPrefix(line, "data: "))
			}
		}
	}
	if v := readVersion(); v != `{"data_version": 1}` {
		t.Errorf("first event %s", v)
	}

	var before valuesResp
	ts.getJSON(t, "/api/v1/values?kpi=revenue&period=quarter&from=2026-07-01&to=2026-09-30", http.StatusOK, &before)
	if got := before.value(t, "revenue", "2026-Q3", "", ""); !near(got, 0) {
		t.Fatalf("Q3 revenue before %v", got)
	}
	// O5 is won in August for 800.
	body := `{"entity":"opportunities","records":[{"opportunity_id":"O5","owner_rep_id":"R3","stage":"closed won","status":"won",
		"amount":800,"created_at":"2026-04-01","close_date":"2026-08-03"}]}`
	resp, err := http.Post(ts.URL+"/api/v1/events", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("event: %d %s", resp.StatusCode, b)
	}
	resp.Body.Close()
	if v := readVersion(); v != `{"data_version": 2}` {
		t.Errorf("event after the update %s", v)
	}
	var after valuesResp
	ts.getJSON(t, "/api/v1/values?kpi=revenue&period=quarter&from=2026-07-01&to=2026-09-30", http.StatusOK, &after)
	if got := after.value(t, "revenue", "2026-Q3", "", ""); !near(got, 800) {
		t.Errorf("Q3 revenue after the event %v, want 800 (the cache must not serve the old value)", got)
	}

	// A bad record is named by its position in the request.
	bad := `{"entity":"opportunities","records":[{"opportunity_id":"O6","owner_rep_id":"R3","stage":"x","status":"won","amount":1,"created_at":"2026-04-01","close_date":"2026-08-03"},
		{"opportunity_id":"O7","owner_rep_id":"R3","stage":"x","status":"maybe","amount":1,"created_at":"2026-04-01","close_date":"2026-08-03"}]}`
	resp, _ = http.Post(ts.URL+"/api/v1/events", "application/json", strings.NewReader(bad))
	var e struct {
		Error struct {
			Problems []struct {
				File   string
				Line   int
				Column string
			}
		}
	}
	decode(t, resp, &e)
	if resp.StatusCode != 400 || len(e.Error.Problems) != 1 || e.Error.Problems[0].File != "records" ||
		e.Error.Problems[0].Line != 2 || e.Error.Problems[0].Column != "status" {
		t.Errorf("bad event: %d %+v", resp.StatusCode, e)
	}
	resp, _ = http.Post(ts.URL+"/api/v1/events", "application/json", strings.NewReader(`{"entity":"opportunities","records":[{"colour":"red"}]}`))
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unknown column: %d", resp.StatusCode)
	}
}

func TestExports(t *testing.T) {
	ts := newTestServer(t, 0)
	ts.upload(t, orgFiles).Body.Close()
	resp, err := http.Get(ts.URL + "/api/v1/values?kpi=revenue&by=rep&period=quarter&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	csvBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Q1: R1 1000. Q2: R2 3000 (and a loss), R3 2000.
	want := "kpi,period,rep,value\nrevenue,2026-Q1,R1,1000\nrevenue,2026-Q2,R2,3000\nrevenue,2026-Q2,R3,2000\n"
	if string(csvBody) != want {
		t.Errorf("csv:\n%s\nwant\n%s", csvBody, want)
	}

	resp, err = http.Get(ts.URL + "/api/v1/values?kpi=revenue&by=rep&period=quarter&format=parquet")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.parquet")
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	os.WriteFile(path, data, 0o600)
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	var n int
	var total float64
	if err := db.QueryRow("SELECT count(*), sum(value) FROM read_parquet(?)", path).Scan(&n, &total); err != nil {
		t.Fatal(err)
	}
	if n != 3 || total != 6000 {
		t.Errorf("parquet: %d rows summing %v, want 3 and 1000+3000+2000 = 6000", n, total)
	}
}

// TestNoInputCrashes throws odd parameters at every GET endpoint: the answer is
// always a JSON 2xx or 4xx.
func TestNoInputCrashes(t *testing.T) {
	ts := newTestServer(t, 0)
	ts.upload(t, orgFiles).Body.Close()
	odd := []string{"", "x", "'; DROP TABLE reps; --", "%00", "2026-02-30", "team:", ",,,", strings.Repeat("a", 5000), "rep,rep", "all", "-1"}
	for _, ep := range []string{"values", "scorecard", "drilldown", "funnel", "pipeline/stages", "pipeline/waterfall", "forecast", "forecast/teams", "forecast/calls"} {
		for _, p := range []string{"kpi", "by", "period", "from", "to", "at", "scope", "team", "rep", "format", "months", "backtest", "teams"} {
			for _, v := range odd {
				u := ts.URL + "/api/v1/" + ep + "?" + p + "=" + urlEscape(v)
				if ep == "drilldown" {
					u += "&kpi=revenue&at=2026-Q2&period=quarter"
				}
				resp, err := http.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("%s: %d", u, resp.StatusCode)
				}
			}
		}
	}
	var ok struct{ Dimensions []string }
	ts.getJSON(t, "/api/v1/dimensions", http.StatusOK, &ok)
	var stages struct {
		Stages []any
		Stuck  []any
	}
	// The small organisation has no stage history: empty lists, not nulls.
	ts.getJSON(t, "/api/v1/pipeline/stages", http.StatusOK, &stages)
	if stages.Stages == nil || stages.Stuck == nil || len(stages.Stages) != 0 {
		t.Errorf("stages %+v", stages)
	}
	var e struct{ Error struct{ Param string } }
	ts.getJSON(t, "/api/v1/pipeline/stages?team=nope", http.StatusBadRequest, &e)
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == ':' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}
