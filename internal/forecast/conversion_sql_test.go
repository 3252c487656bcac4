package forecast

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/demo/demotest"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// flowSQL is a second, set-based implementation of buildFlow, written from the
// method's definition: the amount open at each month start by stage (as they
// stood then), the final amount of those deals won 0, 1, … months on, and the
// same for each month's new pipeline. Parameters: first month start, end (the
// start of the month after the last), horizon.
const flowSQL = `
WITH months AS (
    SELECT range AS mstart FROM range(CAST($1 AS TIMESTAMP), CAST($2 AS TIMESTAMP), INTERVAL 1 MONTH)
),
deals AS (
    SELECT opportunity_id AS id, created_at, status = 'won' AS won, CAST(amount AS DOUBLE) AS amount,
           CASE WHEN status <> 'open' THEN CAST(close_date AS TIMESTAMP) END AS closed
    FROM opportunities
),
amounts AS (
    SELECT opportunity_id AS id, changed_at, CAST(amount AS DOUBLE) AS amount
    FROM opportunity_history WHERE amount IS NOT NULL
),
first_amount AS (
    SELECT id, arg_min(amount, changed_at) AS amount FROM amounts GROUP BY id
),
-- A deal at every month start it was open at: created before it, not closed before it.
snap AS (
    SELECT d.id, m.mstart, d.won, d.amount AS final, d.closed
    FROM deals d JOIN months m ON d.created_at < m.mstart AND (d.closed IS NULL OR d.closed >= m.mstart)
),
snap_amount AS (
    SELECT s.id, s.mstart, coalesce(arg_max(a.amount, a.changed_at) FILTER (WHERE a.changed_at < s.mstart), fa.amount, any_value(s.final)) AS amount
    FROM snap s LEFT JOIN amounts a ON a.id = s.id LEFT JOIN first_amount fa ON fa.id = s.id
    GROUP BY s.id, s.mstart, fa.amount
),
-- The stage entered last before mstart; among entries at the same instant,
-- the greatest stage name (the Go implementation's entry order).
snap_last AS (
    SELECT id, mstart, stage FROM (
        SELECT s.id, s.mstart, coalesce(lower(h.stage), '') AS stage,
               row_number() OVER (PARTITION BY s.id, s.mstart ORDER BY h.entered_at DESC NULLS LAST, lower(h.stage) DESC) AS rn
        FROM snap s LEFT JOIN opportunity_stages h ON h.opportunity_id = s.id AND h.entered_at < s.mstart
    ) WHERE rn = 1
),
created AS (
    SELECT d.id, date_trunc('month', d.created_at) AS cmonth, d.won, d.amount AS final, d.closed,
           coalesce(arg_max(a.amount, a.changed_at) FILTER (WHERE a.changed_at <= d.created_at), fa.amount, d.amount) AS amount
    FROM deals d LEFT JOIN amounts a ON a.id = d.id LEFT JOIN first_amount fa ON fa.id = d.id
    WHERE d.created_at >= CAST($1 AS TIMESTAMP) AND d.created_at < CAST($2 AS TIMESTAMP)
    GROUP BY d.id, d.created_at, d.won, d.amount, d.closed, fa.amount
)
SELECT 'open' AS kind, s.mstart AS month, l.stage, -1 AS lag, sum(a.amount) AS amount
FROM snap s JOIN snap_amount a USING (id, mstart) JOIN snap_last l USING (id, mstart)
GROUP BY s.mstart, l.stage
UNION ALL
SELECT 'open_won', s.mstart, l.stage, datediff('month', s.mstart, s.closed), sum(s.final)
FROM snap s JOIN snap_last l USING (id, mstart)
WHERE s.won AND s.closed < CAST($2 AS TIMESTAMP) AND datediff('month', s.mstart, s.closed) < $3
GROUP BY s.mstart, l.stage, datediff('month', s.mstart, s.closed)
UNION ALL
SELECT 'created', cmonth, '', -1, sum(amount) FROM created GROUP BY cmonth
UNION ALL
SELECT 'created_won', cmonth, '', datediff('month', cmonth, closed), sum(final)
FROM created
WHERE won AND closed < CAST($2 AS TIMESTAMP) AND datediff('month', cmonth, closed) < $3
GROUP BY cmonth, datediff('month', cmonth, closed)`

type flowKey struct {
	kind  string
	month time.Time
	stage string
	lag   int
}

func flowBySQL(ctx context.Context, st store.Store, first, end time.Time, horizon int) (map[flowKey]float64, error) {
	rows, err := st.Query(ctx, flowSQL, first, end, horizon)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[flowKey]float64{}
	for rows.Next() {
		var k flowKey
		var v float64
		if err := rows.Scan(&k.kind, &k.month, &k.stage, &k.lag, &v); err != nil {
			return nil, err
		}
		k.month = k.month.UTC()
		out[k] = v
	}
	return out, rows.Err()
}

// flowCells flattens buildFlow's arrays into the SQL's shape, leaving out zeros.
func flowCells(f *flow) map[flowKey]float64 {
	out := map[flowKey]float64{}
	put := func(k flowKey, v float64) {
		if v != 0 {
			out[k] = v
		}
	}
	for i := range f.open {
		m := f.months[i].UTC()
		for s, v := range f.open[i] {
			put(flowKey{"open", m, f.stages[s], -1}, v)
			for j, w := range f.openWon[i][s] {
				put(flowKey{"open_won", m, f.stages[s], j}, w)
			}
		}
		put(flowKey{"created", m, "", -1}, f.created[i])
		for l, w := range f.createdWon[i] {
			put(flowKey{"created_won", m, "", l}, w)
		}
	}
	return out
}

func demoForecastStore(tb testing.TB, reps int) *store.DuckStore {
	if path := os.Getenv("SALESOPS_BENCH_DB"); path != "" {
		return demotest.Open(tb, path)
	}
	return demotest.Store(tb, demo.Config{Seed: 5, Reps: reps, Months: 24})
}

// TestFlowMatchesSQL checks buildFlow cell by cell against flowSQL on a
// generated organisation with stage and amount history.
func TestFlowMatchesSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo organisation")
	}
	ctx := context.Background()
	st := demoForecastStore(t, 15)
	first := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	const horizon = 3
	deals, recorded, err := loadPointInTime(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !recorded {
		t.Fatal("the demo should write opportunity_history.csv")
	}
	var ms []time.Time
	for m := first; !m.After(end); m = m.AddDate(0, 1, 0) {
		ms = append(ms, m)
	}
	got := flowCells(buildFlow(deals, ms, horizon))
	want, err := flowBySQL(ctx, st, first, end, horizon)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for k, w := range want {
		kinds[k.kind]++
		if g, ok := got[k]; !ok || math.Abs(g-w) > 0.005 {
			t.Errorf("%s %s %q lag %d: go %v, sql %v", k.kind, k.month.Format("2006-01"), k.stage, k.lag, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && math.Abs(g) > 0.005 {
			t.Errorf("%s %s %q lag %d: go %v, sql has none", k.kind, k.month.Format("2006-01"), k.stage, k.lag, g)
		}
	}
	if kinds["open"] < 50 || kinds["open_won"] < 50 || kinds["created_won"] < 20 {
		t.Errorf("too few cells compared: %v", kinds)
	}
}

// BenchmarkForecast times the whole forecast with 12-month backtests, and the
// historical-conversion flow in Go beside the SQL version (SALESOPS_BENCH_DB,
// else a 50-rep demo).
func BenchmarkForecast(b *testing.B) {
	ctx := context.Background()
	st := demoForecastStore(b, 50)
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		b.Fatal(err)
	}
	lo, hi, err := eng.Extent(ctx)
	if err != nil {
		b.Fatal(err)
	}
	first := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(hi.Year(), hi.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 3, 0)
	b.Run("run_backtest12", func(b *testing.B) {
		for range b.N {
			if _, err := Run(ctx, eng, Options{Store: st, Now: hi, Months: 3, Backtest: 12}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("flow_go", func(b *testing.B) {
		for range b.N {
			deals, _, err := loadPointInTime(ctx, st, nil)
			if err != nil {
				b.Fatal(err)
			}
			var ms []time.Time
			for m := first; !m.After(end); m = m.AddDate(0, 1, 0) {
				ms = append(ms, m)
			}
			buildFlow(deals, ms, 3)
		}
	})
	b.Run("flow_sql", func(b *testing.B) {
		for range b.N {
			if _, err := flowBySQL(ctx, st, first, end, 3); err != nil {
				b.Fatal(err)
			}
		}
	})
}
