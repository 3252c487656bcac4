package insight

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/demo/demotest"
	"github.com/salesops/salesops/internal/insight/trend"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// TestDemoFalseAlarmsAndInjectedAnomaly: on a demo organisation (36 months,
// fixed seed) few periods of few KPIs are called anomalies; when one month's
// won revenue is cut to a third, revenue's anomaly is found in that month and
// the feed puts it first among the bad news.
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

	// Inject: keep a third of the won amount of the last month.
	rev := find(t, as, "revenue")
	last := rev.Periods[len(rev.Periods)-1]
	if _, err := st.DB().Exec(`UPDATE opportunities SET amount = amount / 3 WHERE status = 'won' AND strftime(close_date, '%Y-%m') = ?`, last); err != nil {
		t.Fatal(err)
	}
	items, err := Feed(ctx, eng, nil, Query{Grain: kpi.Month})
	if err != nil {
		t.Fatal(err)
	}
	var found *Item
	for i, it := range items {
		if it.Kind == "anomaly" && it.KPI == "revenue" {
			found = &items[i]
		}
	}
	if found == nil || found.Severity != "bad" || found.Period != last || !strings.Contains(found.Text, "unusually low in "+last) {
		t.Fatalf("injected fall of revenue in %s not found; feed: %+v", last, items)
	}
	if items[0].Severity != "bad" {
		t.Errorf("bad news first: %+v", items[0])
	}
	// The same through the series: the last point is a low anomaly.
	as, err = Analyse(ctx, eng, Query{KPIs: []string{"revenue"}, Grain: kpi.Month})
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
	// 2026-01 1,500; 2026-02 1,200.
	if _, err := st.DB().Exec(`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES
		('A', 'R1', 'won', 'won', 1000, '2025-01-02', '2025-01-10'), ('B', 'R1', 'won', 'won', 500, '2025-06-02', '2025-06-10'),
		('C', 'R1', 'won', 'won', 1500, '2026-01-02', '2026-01-10'), ('D', 'R1', 'won', 'won', 1200, '2026-02-02', '2026-02-10')`); err != nil {
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
	// A quarter view of the same: 2025-Q1 1,000, Q2 500, Q3 0, Q4 0, 2026-Q1 2,700.
	as, err = Analyse(ctx, eng, Query{KPIs: []string{"revenue"}, Grain: kpi.Quarter})
	if err != nil {
		t.Fatal(err)
	}
	c = as[0].Change
	if *c.Latest != 2700 || c.PoP.Abs != 2700 || c.YoY.Abs != 1700 || *c.YoY.Rel != 1.7 {
		t.Errorf("quarters %v %v: change %+v yoy %+v", as[0].Periods, as[0].Values, c, c.YoY)
	}
}
