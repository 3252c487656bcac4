package insight

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/demo/demotest"
	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/insight/trend"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// TestDemoFalseAlarmsAndInjectedAnomaly: on a demo organisation (36 months,
// fixed seed) few periods of few KPIs are called anomalies; when one month's
// new pipeline is halved, the anomaly is found in that month and the feed
// lists it among the bad news.
func TestDemoFalseAlarmsAndInjectedAnomaly(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports a demo organisation")
	}
	ctx := context.Background()
	st := demotest.Store(t, demo.Config{Seed: 11, Reps: 40, Months: 36})
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	as, err := Analyse(ctx, eng, Query{Grain: kpi.Month})
	if err != nil {
		t.Fatal(err)
	}
	judged, flagged := 0, 0
	for _, a := range as {
		judged += a.Anomalies.Judged
		flagged += a.Anomalies.Anomalies
	}
	t.Logf("%d KPIs, %d periods judged, %d called anomalies (%.2f%%)", len(as), judged, flagged, 100*float64(flagged)/float64(judged))
	if len(as) < 40 || judged < 500 {
		t.Fatalf("too little judged: %d KPIs, %d periods", len(as), judged)
	}
	// The demo has no planted anomalies; its seasonality and growth are
	// ordinary. A detector calling more than 2% of periods anomalous would
	// bury leaders in alarms.
	if float64(flagged) > 0.02*float64(judged) {
		t.Errorf("%d of %d periods called anomalies, want at most 2%%", flagged, judged)
	}

	// Inject: the deals created in the last month come in at half their
	// amount — new pipeline halves. (Revenue itself is too lumpy on a 40-rep
	// demo for a month at a third of normal to stand out: its robust
	// standard deviation is about 40% of its level.)
	pc := find(t, as, "pipeline_created")
	last := pc.Periods[len(pc.Periods)-1]
	if _, err := st.DB().Exec(`UPDATE opportunities SET amount = amount / 2 WHERE strftime(created_at, '%Y-%m') = ?`, last); err != nil {
		t.Fatal(err)
	}
	items, err := Feed(ctx, eng, nil, Query{Grain: kpi.Month})
	if err != nil {
		t.Fatal(err)
	}
	var found *Item
	for i, it := range items {
		if it.Kind == "anomaly" && it.KPI == "pipeline_created" {
			found = &items[i]
		}
	}
	if found == nil || found.Severity != "bad" || found.Period != last || !strings.Contains(found.Text, "unusually low in "+last) {
		t.Fatalf("injected fall of new pipeline in %s not found; feed: %+v", last, items)
	}
	if items[0].Severity != "bad" {
		t.Errorf("bad news first: %+v", items[0])
	}
	// The same through the series: the last point is a low anomaly.
	as, err = Analyse(ctx, eng, Query{KPIs: []string{"pipeline_created"}, Grain: kpi.Month})
	if err != nil {
		t.Fatal(err)
	}
	p := as[0].Anomalies.Points[len(as[0].Anomalies.Points)-1]
	if p.Status != trend.Anomaly || p.Side != trend.Low {
		t.Errorf("last point %+v", p)
	}
}

func find(t *testing.T, as []Analysis, id string) Analysis {
	t.Helper()
	for _, a := range as {
		if a.KPI.ID == id {
			return a
		}
	}
	t.Fatalf("no analysis of %s", id)
	return Analysis{}
}

func TestAnalyseByHand(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "h.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Won revenue: 2025-01 1,000; 2025-02 … 2025-12 nothing but 2025-06 500;
	// 2026-01 1,500; 2026-02 1,200 (on the 28th, so the data covers February).
	if _, err := st.DB().Exec(`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES
		('A', 'R1', 'won', 'won', 1000, '2025-01-02', '2025-01-10'), ('B', 'R1', 'won', 'won', 500, '2025-06-02', '2025-06-10'),
		('C', 'R1', 'won', 'won', 1500, '2026-01-02', '2026-01-10'), ('D', 'R1', 'won', 'won', 1200, '2026-02-02', '2026-02-28')`); err != nil {
		t.Fatal(err)
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	as, err := Analyse(ctx, eng, Query{KPIs: []string{"revenue"}, Grain: kpi.Month})
	if err != nil {
		t.Fatal(err)
	}
	a := as[0]
	// 14 months, 2025-01 … 2026-02 (the data starts in January 2025).
	if len(a.Periods) != 14 || a.Periods[0] != "2025-01" || a.Periods[13] != "2026-02" {
		t.Fatalf("periods %v", a.Periods)
	}
	// Latest 1,200; on January 1,500: −300, −20%; on 2025-02 (0): −… no
	// percentage of a zero base, +1,200.
	c := a.Change
	if *c.Latest != 1200 || c.PoP.Abs != -300 || *c.PoP.Rel != -0.2 || c.YoY.Abs != 1200 || c.YoY.Rel != nil {
		t.Errorf("change %+v pop %+v yoy %+v", c, c.PoP, c.YoY)
	}
	// By quarter: 2026-Q1 is not over in the data (it ends in February), so
	// the series stops at 2025-Q4: 1,000, 500, 0, 0.
	as, err = Analyse(ctx, eng, Query{KPIs: []string{"revenue"}, Grain: kpi.Quarter})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1000, 500, 0, 0}
	if p := as[0].Periods; len(p) != 4 || p[0] != "2025-Q1" || p[3] != "2025-Q4" {
		t.Fatalf("quarters %v", p)
	}
	for i, w := range want {
		if v := as[0].Values[i]; v == nil || *v != w {
			t.Errorf("%s = %v, want %v", as[0].Periods[i], v, w)
		}
	}
}

func TestFeedKeepsToItsScope(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, q := range []string{
		`INSERT INTO teams VALUES ('T1', 'Sales', NULL, NULL), ('T2', 'East', 'T1', NULL)`,
		`INSERT INTO reps VALUES ('R1', 'Ann', NULL, 'T2', 'ae', NULL, NULL)`,
		`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES
		 ('A', 'R1', 'won', 'won', 100, '2026-01-02', '2026-01-31')`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	// Two goals for February, both far behind on the 10th: one of the
	// organisation, one of team T2.
	gf, err := goals.Parse("g.yaml", []byte(`
goals:
  - {id: org-feb, kpi: revenue, scope: org, period: 2026-02, target: 100000}
  - {id: east-feb, kpi: revenue, scope: "team:T2", period: 2026-02, target: 100000}
`))
	if err != nil {
		t.Fatal(err)
	}
	org, err := goals.LoadOrg(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := gf.Validate(eng.Catalog(), eng.Calendar(), org); err != nil {
		t.Fatal(err)
	}
	if _, err := goals.Apply(ctx, st, gf, "test", now); err != nil {
		t.Fatal(err)
	}
	goalsIn := func(filters map[string][]string) []string {
		items, err := Feed(ctx, eng, st, Query{Grain: kpi.Month, Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range items {
			if it.Kind == "goal" {
				ids = append(ids, strings.Fields(it.Text)[1])
			}
		}
		return ids
	}
	if got := goalsIn(nil); len(got) != 1 || got[0] != "org-feb" {
		t.Errorf("organisation feed lists goals %v, want [org-feb]", got)
	}
	if got := goalsIn(map[string][]string{"team": {"T2"}}); len(got) != 1 || got[0] != "east-feb" {
		t.Errorf("T2 feed lists goals %v, want [east-feb]", got)
	}
	if got := goalsIn(map[string][]string{"region": {"Mars"}}); len(got) != 0 {
		t.Errorf("a region's feed lists goals %v", got)
	}
}
