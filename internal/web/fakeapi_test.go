package web

// A fake of the JSON API (docs/api.md) with deterministic synthetic numbers,
// for working on the pages without a database:
//
//	SALESOPS_WEB_FAKE=127.0.0.1:8090 go test ./internal/web -run TestFakeServer -timeout 0
//
// serves the pages (dev mode: edits to templates and static files show on
// reload) and the fake API until interrupted. The stream sends a data event
// every 10 s and every number moves with the data version, so live updates
// can be watched. Without the variable the test is skipped.

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFakeServer(t *testing.T) {
	addr := os.Getenv("SALESOPS_WEB_FAKE")
	if addr == "" {
		t.Skip("set SALESOPS_WEB_FAKE=host:port to serve the pages with a fake API")
	}
	pages, err := Handler(Options{Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", newFakeAPI(t, 10*time.Second))
	mux.Handle("/", pages)
	t.Logf("serving on http://%s", addr)
	t.Fatal(http.ListenAndServe(addr, mux))
}

type fakeTeam struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Parent *string `json:"parent"`
	Region *string `json:"region"`
}

type fakeRep struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Team string `json:"team"`
	Role string `json:"role"`
}

type fakeKPI struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Category  string `json:"category"`
	Unit      string `json:"unit"`
	Direction string `json:"direction"`
}

type fakeAPI struct {
	kpis    []fakeKPI
	raw     []byte
	teams   []fakeTeam
	reps    []fakeRep
	version atomic.Int64
	tick    time.Duration
}

func ptr(s string) *string { return &s }

func newFakeAPI(t testing.TB, tick time.Duration) *fakeAPI {
	raw, err := os.ReadFile("testdata/kpis.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeAPI{raw: raw, tick: tick}
	if err := json.Unmarshal(raw, &f.kpis); err != nil {
		t.Fatal(err)
	}
	f.teams = []fakeTeam{
		{"T001", "Acme Sales", nil, nil},
		{"T002", "EMEA", ptr("T001"), ptr("emea")},
		{"T003", "Americas", ptr("T001"), ptr("amer")},
		{"T004", "EMEA <Mid-market> & \"SMB\"", ptr("T002"), ptr("emea")},
	}
	names := []string{"Ann Lee", "Bo Chen", "Cara Diaz", "Dev Patel", "Eli Moss", "Fay Ortiz", "Gus Kim", "<script>alert(1)</script>", "Ida Noor", "Jon Park"}
	for i, n := range names {
		team := []string{"T002", "T003", "T004"}[i%3]
		f.reps = append(f.reps, fakeRep{fmt.Sprintf("R%04d", i+1), n, team, "ae"})
	}
	f.version.Store(1)
	return f
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch strings.TrimPrefix(r.URL.Path, "/api/v1") {
	case "/kpis":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(f.raw)
	case "/dimensions":
		writeJSON(w, 200, map[string]any{"dimensions": []string{"rep", "team", "region", "segment", "source"}, "teams": f.teams, "reps": f.reps})
	case "/values":
		f.values(w, q.Get("kpi"), q.Get("by"), q.Get("period"), q.Get("from"), q.Get("to"), q.Get("team"), q.Get("rep"))
	case "/scorecard":
		f.scorecard(w, q.Get("scope"), q.Get("period"), q.Get("at"))
	case "/drilldown":
		f.drilldown(w, q)
	case "/funnel":
		v := float64(f.version.Load())
		stages := []map[string]any{}
		n := 120.0 + v
		for _, s := range []string{"prospecting", "qualification", "proposal", "closed_lost", "negotiation", "closed_won"} {
			stages = append(stages, map[string]any{"stage": s, "entered": math.Round(n), "amount": math.Round(n * 23450.5)})
			n *= 0.62
		}
		writeJSON(w, 200, map[string]any{"stages": stages})
	case "/goals", "/goals/check":
		f.goals(w, strings.TrimPrefix(r.URL.Path, "/api/v1"), q.Get("at"))
	case "/import":
		f.importFiles(w, r)
	case "/stream":
		f.stream(w, r)
	default:
		if id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/goals/"), "/projection"); ok && strings.HasPrefix(r.URL.Path, "/api/v1/goals/") {
			f.projection(w, id)
			return
		}
		writeJSON(w, 404, apiError("not_found", "no such endpoint", ""))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(code, msg, param string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "message": msg, "param": param}}
}

// fakePeriod is one reporting period.
type fakePeriod struct {
	Label, Start, End string
	Index             int
}

// fakePeriods lists the periods of a grain from 2024-10-01 to 2026-10-01,
// clipped to from/to.
func fakePeriods(grain, from, to string) []fakePeriod {
	first := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	var out []fakePeriod
	for s, i := first, 0; s.Before(last); i++ {
		var e time.Time
		var label string
		switch grain {
		case "week":
			if i == 0 {
				s = s.AddDate(0, 0, -int((s.Weekday()+6)%7))
			}
			e = s.AddDate(0, 0, 7)
			y, wk := s.ISOWeek()
			label = fmt.Sprintf("%d-W%02d", y, wk)
		case "quarter":
			e = s.AddDate(0, 3, 0)
			label = fmt.Sprintf("%d-Q%d", s.Year(), (int(s.Month())+2)/3)
		case "year":
			s = time.Date(s.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
			e = s.AddDate(1, 0, 0)
			label = fmt.Sprint(s.Year())
		default:
			e = s.AddDate(0, 1, 0)
			label = s.Format("2006-01")
		}
		p := fakePeriod{label, s.Format(time.DateOnly), e.Format(time.DateOnly), i}
		if (from == "" || p.End > from) && (to == "" || p.Start <= to) {
			out = append(out, p)
		}
		s = e
	}
	return out
}

func hash01(parts ...string) float64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return float64(h.Sum64()%10000) / 10000
}

// value is a deterministic plausible value of a KPI for a group and period.
func (f *fakeAPI) value(k fakeKPI, group string, p fakePeriod, grain string) any {
	base := hash01(k.ID, group)
	noise := hash01(k.ID, group, p.Label, fmt.Sprint(f.version.Load())) - 0.5
	trend := 1 + 0.02*float64(p.Index)
	scale := map[string]float64{"month": 1, "week": 0.25, "quarter": 3, "year": 12}[grain]
	if scale == 0 {
		scale = 1
	}
	if hash01(k.ID, group, p.Label) < 0.03 {
		return nil
	}
	var v float64
	switch k.Unit {
	case "currency":
		v = (200000 + 800000*base) * trend * scale * (1 + 0.3*noise)
	case "count":
		v = math.Round((50 + 450*base) * trend * scale * (1 + 0.3*noise))
	case "fraction":
		v = math.Min(1, (0.15+0.5*base)*(1+0.2*noise))
	case "days":
		v = (20 + 70*base) * (1 + 0.2*noise)
	case "minutes":
		v = (30 + 240*base) * (1 + 0.2*noise)
	case "score":
		v = -20 + 80*base + 10*noise
	default:
		v = (0.5 + 4*base) * (1 + 0.2*noise)
	}
	return v
}

func (f *fakeAPI) pickKPIs(ids string) ([]fakeKPI, error) {
	if ids == "" {
		return f.kpis, nil
	}
	var out []fakeKPI
	for id := range strings.SplitSeq(ids, ",") {
		i := slices.IndexFunc(f.kpis, func(k fakeKPI) bool { return k.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("unknown KPI %q", id)
		}
		out = append(out, f.kpis[i])
	}
	return out, nil
}

// inTeam reports whether team t is root or below it.
func (f *fakeAPI) inTeam(t, root string) bool {
	for t != "" {
		if t == root {
			return true
		}
		i := slices.IndexFunc(f.teams, func(x fakeTeam) bool { return x.ID == t })
		if i < 0 || f.teams[i].Parent == nil {
			return false
		}
		t = *f.teams[i].Parent
	}
	return false
}

func (f *fakeAPI) groups(by, team, rep string) []any {
	switch by {
	case "":
		return []any{nil}
	case "rep":
		var out []any
		for _, r := range f.reps {
			if (team == "" || f.inTeam(r.Team, team)) && (rep == "" || r.ID == rep) {
				out = append(out, r.ID)
			}
		}
		return out
	case "team":
		var out []any
		for _, t := range f.teams {
			if team == "" || f.inTeam(t.ID, team) {
				out = append(out, t.ID)
			}
		}
		return out
	case "region":
		return []any{"emea", "amer", nil}
	case "segment":
		return []any{"enterprise", "mid_market", "smb"}
	default:
		return []any{"web", "referral", "event", "outbound", "partner", "paid_search", "social", "webinar", "content", "trade_show", "cold_call", "other", nil}
	}
}

func (f *fakeAPI) values(w http.ResponseWriter, kpis, by, grain, from, to, team, rep string) {
	ks, err := f.pickKPIs(kpis)
	if err != nil {
		writeJSON(w, 400, apiError("bad_request", err.Error(), "kpi"))
		return
	}
	if grain == "" {
		grain = "month"
	}
	rows := []map[string]any{}
	for _, k := range ks {
		for _, g := range f.groups(by, team, rep) {
			for _, p := range fakePeriods(grain, from, to) {
				row := map[string]any{"kpi": k.ID, "period": p.Label, "start": p.Start, "end": p.End}
				key := team + rep
				if by != "" {
					row[by] = g
					key = fmt.Sprint(g)
				}
				row["value"] = f.value(k, key, p, grain)
				rows = append(rows, row)
			}
		}
	}
	byList := []string{}
	if by != "" {
		byList = []string{by}
	}
	writeJSON(w, 200, map[string]any{"by": byList, "data_version": f.version.Load(), "rows": rows, "notes": []string{}})
}

func (f *fakeAPI) scorecard(w http.ResponseWriter, scope, grain, at string) {
	if grain == "" {
		grain = "quarter"
	}
	ps := fakePeriods(grain, "", "")
	cur := len(ps) - 1
	if at != "" {
		cur = slices.IndexFunc(ps, func(p fakePeriod) bool { return p.Start <= at && at < p.End })
		if cur < 0 {
			writeJSON(w, 400, apiError("bad_request", "at: no period contains "+at, "at"))
			return
		}
	}
	key := ""
	if _, id, ok := strings.Cut(scope, ":"); ok {
		key = id
	}
	var kpis []map[string]any
	for _, k := range f.kpis {
		v := f.value(k, key, ps[cur], grain)
		var prev any
		if cur > 0 {
			prev = f.value(k, key, ps[cur-1], grain)
		}
		var change, ratio, better any
		if a, ok := v.(float64); ok {
			if b, ok := prev.(float64); ok {
				change = a - b
				if b != 0 {
					ratio = a/b - 1
				}
				if a != b {
					better = (a > b) == (k.Direction == "higher")
				}
			}
		}
		var spark []map[string]any
		for i := max(0, cur-7); i <= cur; i++ {
			spark = append(spark, map[string]any{"period": ps[i].Label, "value": f.value(k, key, ps[i], grain)})
		}
		kpis = append(kpis, map[string]any{"id": k.ID, "name": k.Name, "category": k.Category, "unit": k.Unit, "direction": k.Direction,
			"value": v, "previous": prev, "change": change, "change_ratio": ratio, "better": better, "spark": spark})
	}
	period := func(p fakePeriod) map[string]any {
		return map[string]any{"label": p.Label, "start": p.Start, "end": p.End}
	}
	var previous any
	if cur > 0 {
		previous = period(ps[cur-1])
	}
	writeJSON(w, 200, map[string]any{"scope": scope, "period": period(ps[cur]), "previous": previous, "kpis": kpis})
}

func (f *fakeAPI) drilldown(w http.ResponseWriter, q map[string][]string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	rows := [][]any{}
	for i := range 7 {
		rows = append(rows, []any{fmt.Sprintf("O%06d", 100+i), fmt.Sprintf("Deal <b>%d</b> & co", i), "A0001", get("rep"), 42000.5 + float64(i), nil})
	}
	writeJSON(w, 200, map[string]any{
		"kpi":    get("kpi"),
		"period": map[string]any{"label": get("at")},
		"measures": []map[string]any{
			{"id": "won_count", "entity": "opportunities", "description": "Won opportunities", "count": 734, "truncated": true,
				"columns": []string{"opportunity_id", "name", "account_id", "owner_rep_id", "amount", "lost_reason"}, "rows": rows},
			{"id": "lost_count", "entity": "opportunities", "description": "Lost opportunities", "count": 0, "truncated": false,
				"columns": []string{"opportunity_id"}, "rows": [][]any{}},
		},
	})
}

func (f *fakeAPI) importFiles(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, 405, apiError("bad_request", "POST only", ""))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		writeJSON(w, 413, map[string]any{"error": map[string]any{"code": "too_large", "message": "upload larger than 1 MiB"}})
		return
	}
	merged := map[string]any{}
	var problems []map[string]any
	for _, fh := range r.MultipartForm.File["file"] {
		name := strings.TrimSuffix(fh.Filename, ".csv")
		if strings.Contains(name, "bad") {
			problems = append(problems,
				map[string]any{"file": fh.Filename, "line": 14, "column": "amount", "message": `"12,5" is not a number`},
				map[string]any{"file": fh.Filename, "line": 20, "column": "close_date", "message": "<bad> date \"2026-13-01\""})
			continue
		}
		merged[name] = map[string]any{"rows": int(fh.Size / 40), "replaced": 3}
	}
	if problems != nil {
		writeJSON(w, 400, map[string]any{"error": map[string]any{"code": "invalid_data", "message": fmt.Sprintf("%d problem(s); nothing was changed", len(problems)), "problems": problems}})
		return
	}
	f.version.Add(1)
	writeJSON(w, 200, map[string]any{"merged": merged, "warnings": []string{"opportunities.csv:7: duplicate opportunity_id O000123; the last row wins"}})
}

func (f *fakeAPI) stream(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "no flusher", 500)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = fmt.Fprint(w, ": hello\n\n")
	fl.Flush()
	tick := time.NewTicker(f.tick)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			v := f.version.Add(1)
			_, _ = fmt.Fprintf(w, "event: data\ndata: {\"data_version\": %d}\n\n", v)
			fl.Flush()
		}
	}
}
