package goals

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

const goodFile = `objectives:
  - id: grow
    name: Increase market share
    kpis: [revenue, new_customers]
goals:
  - id: q4_revenue
    kpi: revenue
    scope: team:T1
    period: 2026-Q4
    target: 900000
    owner: dana
    objective: grow
  - id: win_more
    kpi: win_rate
    scope: org
    from: 2026-10-01
    to: 2026-12-31
    change: 0.05
`

func catalog(t *testing.T) *kpi.Catalog {
	t.Helper()
	c, err := kpi.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var org = Org{Teams: map[string]bool{"T1": true}, Reps: map[string]bool{"R1": true}}

func TestValidateGoodFile(t *testing.T) {
	f, err := Parse("goals.yaml", []byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(catalog(t), kpi.Calendar{FiscalStartMonth: 1}, org); err != nil {
		t.Fatal(err)
	}
	q4 := f.Goals[0]
	// 2026-Q4 is [2026-10-01, 2027-01-01); the goal starts on line 6 of the file.
	if q4.Line != 6 || q4.Grain != kpi.Quarter || q4.Start.Format("2006-01-02") != "2026-10-01" || q4.End.Format("2006-01-02") != "2027-01-01" {
		t.Errorf("q4 goal resolved to %+v", q4)
	}
	// from/to are inclusive: the end is the day after the 31st.
	w := f.Goals[1]
	if w.Grain != kpi.All || w.End.Format("2006-01-02") != "2027-01-01" || w.Baseline != "previous_period" || w.Line != 13 {
		t.Errorf("win_more resolved to %+v", w)
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // substrings of the error, in order
	}{
		{"unknown KPI", "goals:\n  - id: g1\n    kpi: revnue\n    period: 2026-Q4\n    target: 1\n", []string{`goals.yaml:2: g1: unknown KPI "revnue"`}},
		{"end before start", "goals:\n  - id: g1\n    kpi: revenue\n    from: 2026-12-31\n    to: 2026-10-01\n    target: 1\n", []string{"goals.yaml:2: g1: period ends (2026-10-01) before it starts (2026-12-31)"}},
		{"unknown team", "goals:\n  - id: g1\n    kpi: revenue\n    scope: team:T9\n    period: 2026-Q4\n    target: 1\n", []string{`goals.yaml:2: g1: scope "team:T9": no team "T9"`}},
		{"malformed YAML", "goals:\n  - id: g1\n    kpi: [revenue\n", []string{"goals.yaml:"}},
		{"unknown field", "goals:\n  - id: g1\n    kpi: revenue\n    taget: 5\n", []string{"goals.yaml:4:", "taget"}},
		{"two targets", "goals:\n  - id: g1\n    kpi: revenue\n    period: 2026-Q4\n    target: 1\n    change: 0.1\n", []string{"g1: give either target or change"}},
		{"no target", "goals:\n  - id: g1\n    kpi: revenue\n    period: 2026-Q4\n", []string{"g1: give a target"}},
		{"bad period", "goals:\n  - id: g1\n    kpi: revenue\n    period: Q4\n    target: 1\n", []string{`g1: period "Q4"`}},
		{"duplicate id", "goals:\n  - id: g1\n    kpi: revenue\n    period: 2026-Q4\n    target: 1\n  - id: g1\n    kpi: revenue\n    period: 2026-Q3\n    target: 1\n", []string{"goals.yaml:6: g1: goal id already used on line 2"}},
		{"unknown objective", "goals:\n  - id: g1\n    kpi: revenue\n    period: 2026-Q4\n    target: 1\n    objective: nope\n", []string{`g1: objective "nope" is not declared`}},
		{"every problem listed", "goals:\n  - id: a\n    kpi: x\n    period: 2026-Q4\n    target: 1\n  - id: b\n    kpi: revenue\n    scope: rep:R9\n    period: 2026-Q4\n    target: 1\n",
			[]string{`goals.yaml:2: a: unknown KPI "x"`, `goals.yaml:6: b: scope "rep:R9": no rep "R9"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("goals.yaml", []byte(tt.text))
			if err == nil {
				err = f.Validate(catalog(t), kpi.Calendar{FiscalStartMonth: 1}, org)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FileError", err)
			}
			msg := err.Error()
			at := 0
			for _, w := range tt.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("error\n%s\ndoes not contain %q (in order)", msg, w)
				}
				at += i + len(w)
			}
		})
	}
}

func TestApplyKeepsHistory(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "g.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.DB().Exec(`INSERT INTO teams VALUES ('T1', 'Sales', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	load := func(text string) *File {
		f, err := Parse("goals.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		o, err := LoadOrg(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Validate(catalog(t), kpi.Calendar{FiscalStartMonth: 1}, o); err != nil {
			t.Fatal(err)
		}
		return f
	}
	t1 := time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC)
	res, err := Apply(ctx, st, load(goodFile), "dana", t1)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) != 2 || res.Objectives != 1 {
		t.Errorf("first apply: %+v", res)
	}
	// The same file again changes nothing.
	res, err = Apply(ctx, st, load(goodFile), "dana", t1.Add(time.Hour))
	if err != nil || len(res.Unchanged) != 2 || len(res.Created)+len(res.Updated) != 0 {
		t.Errorf("second apply: %+v, %v", res, err)
	}
	// A new target is an update, recorded with who and when.
	t3 := t1.Add(48 * time.Hour)
	res, err = Apply(ctx, st, load(strings.Replace(goodFile, "target: 900000", "target: 950000", 1)), "lee", t3)
	if err != nil || len(res.Updated) != 1 || res.Updated[0] != "q4_revenue" {
		t.Fatalf("third apply: %+v, %v", res, err)
	}
	h, err := GoalHistory(ctx, st, "q4_revenue")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Action != "created" || h[0].ChangedBy != "dana" || h[1].Action != "updated" || h[1].ChangedBy != "lee" ||
		!h[1].ChangedAt.Equal(t3) || !strings.Contains(h[1].After, "950000") {
		t.Errorf("history %+v", h)
	}
	goals, err := Stored(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(goals) != 2 || *goals[0].Target != 950000 && *goals[1].Target != 950000 {
		t.Errorf("stored %+v", goals)
	}
}

func TestStatus(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, q := range []string{
		`INSERT INTO teams VALUES ('T1', 'Sales', NULL, NULL)`,
		`INSERT INTO reps VALUES ('R1', 'Ann', NULL, 'T1', 'ae', NULL, NULL)`,
		`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES
			('Q3a', 'R1', 'won', 'won', 1000, '2026-07-01', '2026-08-10'),
			('Q3b', 'R1', 'lost', 'lost', 1000, '2026-07-01', '2026-08-20'),
			('O1', 'R1', 'won', 'won', 2000, '2026-09-01', '2026-10-10'),
			('O2', 'R1', 'won', 'won', 3000, '2026-09-01', '2026-11-05'),
			('O3', 'R1', 'lost', 'lost', 500, '2026-09-01', '2026-11-06'),
			('O4', 'R1', 'won', 'won', 9000, '2026-09-01', '2026-12-20')`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	text := `goals:
  - id: rev
    kpi: revenue
    scope: team:T1
    period: 2026-Q4
    target: 10000
  - id: wins
    kpi: win_rate
    scope: org
    period: 2026-Q4
    change: 0.1
`
	f, err := Parse("g.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := LoadOrg(ctx, st)
	if err := f.Validate(eng.Catalog(), eng.Calendar(), o); err != nil {
		t.Fatal(err)
	}
	tr := &Tracker{Eng: eng}
	at := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

	// Revenue: 46 of Q4's 92 days have passed (Oct 1 → Nov 16), so elapsed 0.5 and
	// 10,000 × 0.5 = 5,000 expected; won so far O1 2,000 + O2 3,000 = 5,000 (O4
	// closes in December): attainment 0.5, on pace (5,000 / 5,000 = 1 ≥ 0.95),
	// projected 5,000 / 0.5 = 10,000.
	s, err := tr.Status(ctx, f.Goals[0], at)
	if err != nil {
		t.Fatal(err)
	}
	if s.Elapsed != 0.5 || s.Expected != 5000 || s.Actual != 5000 || s.Attainment != 0.5 || s.Projected != 10000 || s.State != calc.OnTrack || !s.Cumulative {
		t.Errorf("revenue status %+v", s)
	}

	// Win rate: Q3 won 1 of 2 closed = 0.5, so the target is 0.5 × 1.1 = 0.55.
	// Q4 to date: O1, O2 won, O3 lost = 2/3. A rate is not paced: expected is the
	// target, projected is the value so far; 0.667 / 0.55 ≥ 0.95: on track.
	s, err = tr.Status(ctx, f.Goals[1], at)
	if err != nil {
		t.Fatal(err)
	}
	if s.Baseline == nil || *s.Baseline != 0.5 || !near(s.Target, 0.55) || !near(s.Actual, 2.0/3) || !near(s.Projected, 2.0/3) || s.State != calc.OnTrack || s.Cumulative {
		t.Errorf("win rate status %+v", s)
	}

	// At the end of the quarter revenue is 2,000 + 3,000 + 9,000 = 14,000 ≥ 10,000: achieved.
	s, err = tr.Status(ctx, f.Goals[0], time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if s.Actual != 14000 || s.State != calc.Achieved {
		t.Errorf("end of quarter %+v", s)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestCascade(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "c.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, q := range []string{
		`INSERT INTO teams VALUES ('T1', 'Sales', NULL, NULL), ('T2', 'East', 'T1', NULL), ('T3', 'West', 'T1', NULL), ('T4', 'North', 'T1', NULL)`,
		`INSERT INTO reps VALUES ('R2', 'Bo', NULL, 'T2', 'ae', NULL, NULL), ('R3', 'Cy', NULL, 'T3', 'ae', NULL, NULL), ('R4', 'Di', NULL, 'T4', 'ae', NULL, NULL)`,
		// Q4 quotas: R2 60,000, R3 30,000, R4 10,000.
		`INSERT INTO quotas VALUES ('a', 'R2', NULL, '2026-10-01', '2026-12-31', 60000), ('b', 'R3', NULL, '2026-10-01', '2026-12-31', 30000),
			('c', 'R4', NULL, '2026-10-01', '2026-12-31', 10000)`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	tr := &Tracker{Eng: eng}
	target := 100000.01
	g := &Goal{ID: "rev", KPI: "revenue", Scope: "team:T1", Period: "2026-Q4", Target: &target, Grain: kpi.Quarter,
		Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		method  string
		weights map[string]float64
		want    []float64 // T2, T3, T4
	}{
		// Quota 60:30:10 of 100,000.01 = 60,000.006, 30,000.003, 10,000.001 → in cents
		// 6,000,000.6 / 3,000,000.3 / 1,000,000.1: floors 60,000.00 + 30,000.00 + 10,000.00
		// leave 1 cent, which goes to the largest remainder (0.6, T2).
		{"quota_share", nil, []float64{60000.01, 30000, 10000}},
		// 10,000,001 cents / 3 = 3,333,333.67 each: floors sum to 9,999,999, the two
		// cents left go to the first two (equal remainders, lower index first).
		{"equal", nil, []float64{33333.34, 33333.34, 33333.33}},
		// 1:1:2 → 25,000.0025, 25,000.0025, 50,000.005 → 2,500,000.25 / .25 / 5,000,000.5
		// cents: floors leave 1 cent for the largest remainder (0.5, T4).
		{"weights", map[string]float64{"T2": 1, "T3": 1, "T4": 2}, []float64{25000, 25000, 50000.01}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			c, err := tr.Cascade(ctx, st, g, tt.method, tt.weights, false)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0.0
			for i, s := range c.Shares {
				if s.Scope != []string{"team:T2", "team:T3", "team:T4"}[i] || !near(s.Target, tt.want[i]) {
					t.Errorf("share %d = %+v, want %v", i, s, tt.want[i])
				}
				sum += s.Target
			}
			if !near(sum, target) && (sum-target > 1e-6 || target-sum > 1e-6) {
				t.Errorf("shares sum to %v, want %v", sum, target)
			}
		})
	}
	// A rate is not split: each team keeps the parent's target.
	rate := 0.3
	wr := *g
	wr.KPI, wr.Target = "win_rate", &rate
	c, err := tr.Cascade(ctx, st, &wr, "equal", nil, false)
	if err != nil || c.Split || c.Shares[0].Target != 0.3 || c.Shares[2].Target != 0.3 {
		t.Errorf("rate cascade %+v %v", c, err)
	}
	if _, err := tr.Cascade(ctx, st, g, "weights", map[string]float64{"T2": 1}, false); err == nil || !strings.Contains(err.Error(), "no weight for T3") {
		t.Errorf("missing weight: %v", err)
	}
	// To reps: T1's subtree holds R2, R3 and R4.
	c, err = tr.Cascade(ctx, st, g, "equal", nil, true)
	if err != nil || len(c.Shares) != 3 || c.Shares[0].Scope != "rep:R2" {
		t.Errorf("to reps %+v %v", c, err)
	}
}

func TestBenchmarks(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "b.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cat := catalog(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.csv", "kpi,segment,p25,p50,p75,source\nwin_rate,,0.2,0.3,0.4,x\nwinrate,,0.2,0.3,0.4,x\nwin_rate,smb,0.3,0.2,0.4,x\nwin_rate,,a,0.3,0.4,\n")
	_, err = ImportBenchmarks(ctx, st, cat, bad)
	for _, want := range []string{
		bad + `:3: kpi: "winrate" is not a KPI`,
		bad + `:4: p50: quartiles out of order`,
		bad + `:5: source: required`,
		bad + `:5: p25: "a" is not a number`,
		bad + `:5: kpi: win_rate for segment "" already given on line 2`,
		"nothing was stored",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nwant it to contain %q", err, want)
		}
	}
	if got, _ := StoredBenchmarks(ctx, st); len(got) != 0 {
		t.Errorf("a refused file stored %v", got)
	}
	good := write("good.csv", "kpi,segment,p25,p50,p75,source\nwin_rate,,0.2,0.3,0.4,survey\nwin_rate,smb,0.1,0.2,0.3,survey\n")
	if n, err := ImportBenchmarks(ctx, st, cat, good); err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	got, _ := StoredBenchmarks(ctx, st)
	b := got["win_rate\x1f"]
	tests := []struct{ v, want float64 }{
		{0.3, 50},    // the median
		{0.35, 62.5}, // halfway from p50 0.3 to p75 0.4: 50 + 0.5 × 25
		{0.25, 37.5}, // halfway from p25 to p50: 25 + 0.5 × 25
		{0.1, 0},     // 0.1 below p25 by one quartile step (0.1 per 25): 25 − 25 = 0
		{0.6, 100},   // 75 + 2 × 25 = 125, clamped
	}
	for _, tt := range tests {
		if p := b.Percentile(tt.v); !near(p, tt.want) {
			t.Errorf("Percentile(%v) = %v, want %v", tt.v, p, tt.want)
		}
	}
}

func TestObjectiveProblemsNameTheirLine(t *testing.T) {
	f, err := Parse("g.yaml", []byte("objectives:\n  - id: grow\n    name: Grow\n    kpis: [revenue]\n  - id: bad\n    name: Bad\n    kpis: [nope]\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = f.Validate(catalog(t), kpi.Calendar{FiscalStartMonth: 1}, org)
	if err == nil || !strings.Contains(err.Error(), `g.yaml:5: bad: unknown KPI "nope"`) {
		t.Errorf("error %v", err)
	}
}

func TestQuotaStatus(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "q.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, q := range []string{
		`INSERT INTO reps VALUES ('R1', 'Ann', NULL, NULL, 'ae', NULL, NULL), ('R2', 'Bo', NULL, NULL, 'ae', NULL, NULL)`,
		`INSERT INTO quotas VALUES ('a', 'R1', NULL, '2026-10-01', '2026-12-31', 9200), ('b', 'R2', NULL, '2026-10-01', '2026-12-31', 4000),
			('c', 'R1', NULL, '2026-07-01', '2026-09-30', 1000)`,
		`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES
			('O1', 'R1', 'won', 'won', 4600, '2026-09-01', '2026-10-20'), ('O2', 'R2', 'won', 'won', 1000, '2026-09-01', '2026-11-02'),
			('O3', 'R1', 'won', 'won', 800, '2026-09-01', '2026-11-20')`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	tr := &Tracker{Eng: eng}
	// At 2026-11-16 00:00, 46 of Q4's 92 days have passed (elapsed 0.5); only the Q4
	// quotas are in force. R1: won O1 4,600 by then (O3 closes 11-20), expected
	// 9,200 × 0.5 = 4,600: on track. R2: 1,000 of an expected 2,000: ratio 0.5, off track.
	got, err := tr.QuotaStatus(ctx, st, time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d quota goals, want 2: %+v", len(got), got)
	}
	r1, r2 := got[0], got[1]
	if r1.Goal.ID != "quota:R1:2026-Q4" || r1.Actual != 4600 || r1.Expected != 4600 || r1.State != calc.OnTrack {
		t.Errorf("R1 %+v %+v", r1.Goal, r1.Progress)
	}
	if r2.Goal.Scope != "rep:R2" || r2.Actual != 1000 || r2.Expected != 2000 || r2.State != calc.OffTrack {
		t.Errorf("R2 %+v %+v", r2.Goal, r2.Progress)
	}
}
