package forecast

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

func TestRun(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "f.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// 14 months of history, 1,000 won each month (Jan 2025 – Feb 2026).
	var deals []string
	for i := range 14 {
		m := time.Date(2025, time.Month(1+i), 15, 0, 0, 0, 0, time.UTC)
		deals = append(deals, fmt.Sprintf("('H%02d', 'R1', 'won', 'won', 1000, 1, NULL, '%s', '%s')", i, m.AddDate(0, 0, -10).Format("2006-01-02"), m.Format("2006-01-02")))
	}
	deals = append(deals,
		// Open at March 1st and due in March, 1,000 at 50%.
		"('D1', 'R1', 'proposal', 'open', 1000, 0.5, 'commit', '2026-02-10', '2026-03-20')",
		// Created after March 1st, due in April: 2,000 at 40%.
		"('D2', 'R1', 'proposal', 'open', 2000, 0.4, 'best_case', '2026-03-05', '2026-04-10')",
		// Open at March 1st, due and won in March: 700 at probability 1.
		"('D3', 'R1', 'won', 'won', 700, 1, 'pipeline', '2026-01-01', '2026-03-10')")
	q := "INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, probability, forecast_category, created_at, close_date) VALUES " + strings.Join(deals, ", ")
	if _, err := st.DB().Exec(q); err != nil {
		t.Fatal(err)
	}
	// R1's quota for March–May: 9,200 over 92 days.
	if _, err := st.DB().Exec(`INSERT INTO quotas VALUES ('q', 'R1', NULL, '2026-03-01', '2026-05-31', 9200)`); err != nil {
		t.Fatal(err)
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, eng, Options{Now: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), Months: 3, Backtest: 6})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Months, ",") != "2026-03,2026-04,2026-05" {
		t.Fatalf("months %v", rep.Months)
	}
	// Weighted pipeline: March, from the pipeline at March 1st: D1 1,000 × 0.5 + D3
	// 700 × 1 = 1,200; April, deals open at April 1st due then: D2 2,000 × 0.4 = 800;
	// May: nothing due, 0.
	w := rep.Forecasts[0]
	for i, want := range []float64{1200, 800, 0} {
		if w.Method != WeightedPipeline || w.Points[i].Value == nil || math.Abs(*w.Points[i].Value-want) > 1e-6 {
			t.Errorf("weighted %s = %v, want %v", rep.Months[i], w.Points[i].Value, want)
		}
	}
	// Forecast categories, cumulative: March commit D1 1,000; best case adds
	// nothing; pipeline adds D3 700 = 1,700. April: D2 2,000 is best case: commit
	// 0, best case 2,000, pipeline 2,000. May: nothing.
	wantCats := []CategoryRollup{{"2026-03", 1000, 1000, 1700}, {"2026-04", 0, 2000, 2000}, {"2026-05", 0, 0, 0}}
	for i, w := range wantCats {
		if rep.Categories[i] != w {
			t.Errorf("categories %d = %+v, want %+v", i, rep.Categories[i], w)
		}
	}
	// Coverage: March's quota is 31/92 × 9,200 = 3,100 and 1,700 is due in it (D1
	// 1,000 + D3 700): 1,700 / 3,100; the gap to the time series' 1,000 is 2,100,
	// covered 1,700 / 2,100. April: 30/92 × 9,200 = 3,000, 2,000 due (D2).
	c := rep.Coverage
	if len(c) != 3 || c[0].Quota != 3100 || c[0].Pipeline != 1700 || !closeTo(c[0].Coverage, 1700.0/3100) || !closeTo(c[0].GapCoverage, 1700.0/2100) ||
		c[1].Quota != 3000 || c[1].Pipeline != 2000 {
		t.Errorf("coverage %+v", c)
	}
	// Time series on a flat 1,000 a month: every forecast 1,000, inside its intervals.
	ts := rep.Forecasts[1]
	for _, p := range ts.Points {
		if p.Value == nil || math.Abs(*p.Value-1000) > 10 || *p.Lo80 > *p.Value || *p.Hi80 < *p.Value || *p.Lo95 > *p.Lo80 || *p.Hi95 < *p.Hi80 {
			t.Errorf("time series point %+v", p)
		}
	}
	// Backtests: the time series over the 6 months before March (Sep 2025 – Feb
	// 2026), each fitted on the months before it: 1,000 against 1,000 actual.
	if len(rep.Backtests) != 2 || rep.Backtests[0].Note == "" || len(rep.Backtests[1].Points) != 6 || rep.Backtests[1].Points[0].Period != "2025-09" {
		t.Fatalf("backtests %+v", rep.Backtests)
	}
	if m := rep.Backtests[1].MAPE; m == nil || *m > 0.01 || rep.Recommended != TimeSeries {
		t.Errorf("time series MAPE %v, recommended %q", m, rep.Recommended)
	}
}

func TestWeightedAsOf(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	f := func(x float64) *float64 { return &x }
	tp := func(s string) *time.Time { v := d(s); return &v }
	deals := []*pitDeal{
		// X: due 03-20 at 50%, raised to 80% on 02-15; won on 03-10.
		{created: d("2026-01-01"), closed: d("2026-03-10"), won: true, amount: 1000, history: []pitChange{
			{d("2026-01-01"), f(1000), tp("2026-03-20"), f(0.5)}, {d("2026-02-15"), nil, nil, f(0.8)}}},
		// Y: open, due 04-10 at 30%.
		{created: d("2026-01-05"), amount: 2000, history: []pitChange{{d("2026-01-05"), f(2000), tp("2026-04-10"), f(0.3)}}},
		// Z: lost on 02-20.
		{created: d("2026-02-01"), closed: d("2026-02-20"), amount: 700, history: []pitChange{{d("2026-02-01"), f(700), tp("2026-02-28"), f(0.2)}}},
		// W: open, due 03-05, no probability on record.
		{created: d("2026-02-10"), amount: 500, history: []pitChange{{d("2026-02-10"), f(500), tp("2026-03-05"), nil}}},
	}
	// At March 1st: X 1,000 × 0.8 (its probability as recorded on 02-15) = 800; Y is
	// due in April; Z is closed; W counts at the win rate of deals closed before
	// March, Z lost: 0/1 = 0. Total 800.
	if got := weightedAsOf(deals, d("2026-03-01"), d("2026-04-01")); got != 800 {
		t.Errorf("March %v, want 800", got)
	}
	// At April 1st: Y 2,000 × 0.3 = 600; W is overdue (due 03-05), not due in April.
	if got := weightedAsOf(deals, d("2026-04-01"), d("2026-05-01")); got != 600 {
		t.Errorf("April %v, want 600", got)
	}
}

func closeTo(v *float64, want float64) bool { return v != nil && math.Abs(*v-want) < 1e-3 }

func TestCalls(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "c.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []Call{
		{Scope: "team:T1", Period: "2026-10", Amount: 1000, SubmittedAt: at, SubmittedBy: "dana"},
		{Scope: "team:T1", Period: "2026-10", Amount: 1200, Note: "renewal moved in", SubmittedAt: at.Add(time.Hour), SubmittedBy: "lee"},
		{Scope: "org", Period: "2026-10", Amount: 5000, SubmittedAt: at, SubmittedBy: "vp"},
	} {
		if err := SubmitCall(ctx, st, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []Call{
		{Scope: "galaxy:1", Period: "2026-10", Amount: 1, SubmittedBy: "x"},
		{Scope: "org", Period: "2026-Q4", Amount: 1, SubmittedBy: "x"},
		{Scope: "org", Period: "2026-10", Amount: -1, SubmittedBy: "x"},
		{Scope: "org", Period: "2026-10", Amount: 1},
	} {
		if err := SubmitCall(ctx, st, bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	all, err := Calls(ctx, st, "team:T1")
	if err != nil || len(all) != 2 || all[0].SubmittedBy != "dana" || all[1].Amount != 1200 {
		t.Fatalf("history %+v %v", all, err)
	}
	// The latest call wins: lee's 1,200, submitted an hour after dana's 1,000.
	if cur := latestCalls(all, "team:T1")["2026-10"]; cur.Amount != 1200 || cur.Note != "renewal moved in" {
		t.Errorf("current call %+v", cur)
	}
}

func TestByTeam(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var deals []string
	// T1 wins 1,000 a month, T2 3,000, over 12 months of 2025.
	for i := range 12 {
		m := time.Date(2025, time.Month(1+i), 15, 0, 0, 0, 0, time.UTC)
		for rep, amount := range map[string]int{"R1": 1000, "R2": 3000} {
			deals = append(deals, fmt.Sprintf("('%s%02d', '%s', 'won', 'won', %d, '%s', '%s')", rep, i, rep, amount, m.AddDate(0, 0, -5).Format("2006-01-02"), m.Format("2006-01-02")))
		}
	}
	if _, err := st.DB().Exec(`INSERT INTO teams VALUES ('T1', 'One', NULL, NULL), ('T2', 'Two', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`INSERT INTO reps VALUES ('R1', 'a', NULL, 'T1', 'ae', NULL, NULL), ('R2', 'b', NULL, 'T2', 'ae', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec("INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES " + strings.Join(deals, ", ")); err != nil {
		t.Fatal(err)
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ByTeam(ctx, eng, Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Backtest: 4}, []string{"T1", "T2"})
	if err != nil {
		t.Fatal(err)
	}
	// Each team's time series is flat, so its backtest forecasts are its own
	// level: 1,000 for T1, 3,000 for T2, with no error.
	for i, want := range []float64{1000, 3000} {
		ts := recs[i].Backtests[1]
		if ts.Method != TimeSeries || len(ts.Points) != 4 || ts.Points[0].Actual != want || !closeTo(ts.MAPE, 0) {
			t.Errorf("team %s: %+v", recs[i].Team, ts)
		}
	}
}
