package kpi

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/demo/demotest"
	"github.com/salesops/salesops/internal/store"
)

//go:embed testdata/handwritten_by_rep_month.sql
var handwrittenSQL string

// demoStore generates a demo organisation and imports it into a fresh database.
func demoStore(tb testing.TB, reps, months int) *store.DuckStore {
	return demotest.Store(tb, demo.Config{Seed: 42, Reps: reps, Months: months})
}

// demoRange is the demo generator's default history: the months before 2026-10.
func demoRange(months int) (time.Time, time.Time) {
	to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	return to.AddDate(0, -months, 0), to
}

type cell struct{ kpi, month, rep string }

// runHandwritten runs every statement of the hand-written baseline and returns
// its values keyed by KPI, month and rep.
func runHandwritten(ctx context.Context, db *sql.DB, from, to, today time.Time) (map[cell]*float64, error) {
	lit := func(t time.Time) string { return "TIMESTAMP '" + t.Format("2006-01-02 15:04:05") + "'" }
	text := strings.NewReplacer("$from", lit(from), "$today", lit(today), "$to", lit(to)).Replace(handwrittenSQL)
	out := map[cell]*float64{}
	for _, stmt := range strings.Split(text, ";") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		rows, err := db.QueryContext(ctx, stmt)
		if err != nil {
			return nil, fmt.Errorf("%w\n%s", err, stmt)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				rows.Close()
				return nil, err
			}
			month := (*vals[0].(*any)).(time.Time).Format("2006-01")
			rep := ""
			if r := *vals[1].(*any); r != nil {
				rep = r.(string)
			}
			for i := 2; i < len(cols); i++ {
				out[cell{cols[i], month, rep}] = toFloat(*vals[i].(*any))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func toFloat(v any) *float64 {
	var f float64
	switch x := v.(type) {
	case nil:
		return nil
	case float64:
		f = x
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case bool:
		if x {
			f = 1
		}
	default:
		s := fmt.Sprint(x)
		p, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil
		}
		f = p
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// TestEngineMatchesHandwrittenSQL evaluates the whole catalog by rep by month on
// a generated organisation and checks every number against the hand-written SQL
// baseline, an independent implementation of the same definitions. Where one
// side has a row the other lacks, the value must be one that "nothing" gives
// (0 or null).
func TestEngineMatchesHandwrittenSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports a demo organisation")
	}
	ctx := context.Background()
	st := demoStore(t, 12, 6)
	// The demo's own flaws are duplicate accounts and lead e-mails and open
	// deals past their date; break a few more rules so that both sides of the
	// data-quality comparison have something to find.
	for _, q := range []string{
		`UPDATE leads SET source = NULL WHERE lead_id IN (SELECT lead_id FROM leads ORDER BY lead_id LIMIT 3)`,
		`UPDATE opportunities SET amount = amount * 1000 WHERE opportunity_id = (
		     SELECT min(o.opportunity_id) FROM opportunities o JOIN accounts a ON a.account_id = o.account_id
		     WHERE o.product = 'Core Platform' AND a.segment = 'smb' AND o.status = 'won')`,
		`INSERT INTO opportunity_stages (row_key, opportunity_id, stage, entered_at)
		     SELECT 'late', opportunity_id, 'proposal', close_date + INTERVAL 3 DAY FROM opportunities
		     WHERE status = 'won' ORDER BY opportunity_id LIMIT 1`,
		`UPDATE activities SET rep_id = 'GHOST' WHERE activity_id IN (SELECT activity_id FROM activities ORDER BY activity_id LIMIT 2)`,
		`UPDATE accounts SET owner_rep_id = (SELECT min(rep_id) FROM reps WHERE left_on IS NOT NULL)
		     WHERE account_id = (SELECT min(account_id) FROM accounts)`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	from, to := demoRange(6)
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	eng, err := New(st, Config{Calendar: Calendar{FiscalStartMonth: 1}, Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Evaluate(ctx, Query{By: []string{"rep"}, Grain: Month, From: from, To: to.AddDate(0, 0, -1)})
	if err != nil {
		t.Fatal(err)
	}
	want, err := runHandwritten(ctx, st.DB(), from, to, today)
	if err != nil {
		t.Fatal(err)
	}
	got := map[cell]*float64{}
	for _, r := range res.Rows {
		got[cell{r.KPI, r.Period.Label, strOrEmpty(r.Dims[0])}] = r.Value
	}
	nothing := func(v *float64) bool { return v == nil || *v == 0 }
	compared := map[string]int{}
	for c, w := range want {
		g, ok := got[c]
		if !ok {
			if !nothing(w) {
				t.Errorf("%s %s rep %q: engine has no row, hand-written SQL gives %v", c.kpi, c.month, c.rep, *w)
			}
			continue
		}
		compared[c.kpi]++
		switch {
		case g == nil && w == nil:
		case g == nil || w == nil:
			t.Errorf("%s %s rep %q: engine %v, hand-written %v", c.kpi, c.month, c.rep, fmtPtr(g), fmtPtr(w))
		case math.Abs(*g-*w) > 1e-9*math.Max(1, math.Abs(*w)):
			t.Errorf("%s %s rep %q: engine %v, hand-written %v", c.kpi, c.month, c.rep, *g, *w)
		}
	}
	for c, g := range got {
		if _, ok := want[c]; !ok && !nothing(g) {
			t.Errorf("%s %s rep %q: engine gives %v, hand-written SQL has no row", c.kpi, c.month, c.rep, *g)
		}
	}
	// Every KPI that can be cut by rep must have been compared on real rows.
	for _, k := range eng.Catalog().KPIs() {
		switch k.ID {
		case "cost_per_lead", "customer_acquisition_cost", "sales_roi":
			continue // spend has no rep
		}
		if compared[k.ID] == 0 {
			t.Errorf("%s: no value compared", k.ID)
		}
	}
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func benchReps() int {
	if s := os.Getenv("SALESOPS_BENCH_REPS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	return 50
}

// BenchmarkCatalogByRepMonth times the whole catalog by rep by month over 24
// months against the hand-written SQL for the same numbers, on the same data in
// the same run. SALESOPS_BENCH_REPS sets the organisation's size (default 50).
func BenchmarkCatalogByRepMonth(b *testing.B) {
	ctx := context.Background()
	reps := benchReps()
	var st *store.DuckStore
	if path := os.Getenv("SALESOPS_BENCH_DB"); path != "" {
		// A database imported beforehand from `salesops demo --months 24`.
		var err error
		if st, err = store.OpenDuckDB(ctx, path); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
	} else {
		st = demoStore(b, reps, 24)
	}
	from, to := demoRange(24)
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	eng, err := New(st, Config{Now: func() time.Time { return today }})
	if err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("reps=%d/engine", reps), func(b *testing.B) {
		for range b.N {
			res, err := eng.Evaluate(ctx, Query{By: []string{"rep"}, Grain: Month, From: from, To: to.AddDate(0, 0, -1)})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(res.Rows)), "rows")
		}
	})
	b.Run(fmt.Sprintf("reps=%d/handwritten", reps), func(b *testing.B) {
		for range b.N {
			v, err := runHandwritten(ctx, st.DB(), from, to, today)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(v)), "rows")
		}
	})
}
