package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/store"
)

func openStore(t *testing.T) *store.DuckStore {
	t.Helper()
	st, err := store.OpenDuckDB(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func exec(t *testing.T, st *store.DuckStore, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
}

func TestWaterfall(t *testing.T) {
	st := openStore(t)
	exec(t, st,
		`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES
			('A', 'R1', 'won', 'won', 100, '2026-03-01', '2026-05-20'),
			('B', 'R1', 'proposal', 'open', 250, '2026-03-01', '2026-08-31'),
			('C', 'R1', 'proposal', 'open', 300, '2026-03-10', '2026-06-15'),
			('D', 'R1', 'proposal', 'open', 400, '2026-04-15', '2026-06-01'),
			('E', 'R1', 'lost', 'lost', 50, '2026-04-20', '2026-05-10'),
			('F', 'R1', 'proposal', 'open', 60, '2026-03-01', '2026-05-01')`,
		`INSERT INTO opportunity_history VALUES
			('1', 'B', '2026-03-01', 200, '2026-06-30', NULL, NULL, NULL),
			('2', 'B', '2026-05-01', 250, '2026-08-31', NULL, NULL, NULL),
			('3', 'C', '2026-03-10', 300, '2026-09-30', NULL, NULL, NULL),
			('4', 'C', '2026-05-05', NULL, '2026-06-15', NULL, NULL, NULL)`)
	from, to := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	w, err := ComputeWaterfall(context.Background(), st, from, to, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	// Start (open at 04-01, due before 07-01 as of then): A 100, B 200 (its close date
	// was 06-30 then), F 60 (overdue, still open) = 3 deals, 360. C was due 09-30.
	// Created in the window and due in it: D 400, E 50. Pulled in: C (now due 06-15),
	// 300. Won: A 100. Lost: E 50. Slipped out: B, now due 08-31, at its end amount
	// 250; its amount grew 200 → 250: change +50. End: C 300, D 400, F 60 = 3, 760.
	// 360 + 450 + 300 − 100 − 50 − 250 + 50 = 760.
	want := Waterfall{Start: Flow{3, 360}, Created: Flow{2, 450}, PulledIn: Flow{1, 300}, Won: Flow{1, 100}, Lost: Flow{1, 50},
		SlippedOut: Flow{1, 250}, AmountChange: 50, End: Flow{3, 760}}
	w.From, w.To = time.Time{}, time.Time{}
	if *w != want {
		t.Errorf("waterfall\n%+v\nwant\n%+v", *w, want)
	}
	if _, err := ComputeWaterfall(context.Background(), st, to, from, Scope{}); err == nil {
		t.Error("a window that ends before it starts was accepted")
	}
}

// TestWaterfallReconciles checks on random deals and histories that start +
// created + pulled in − won − lost − slipped out (+ amount change) = end,
// exactly, in deals and amount.
func TestWaterfallReconciles(t *testing.T) {
	st := openStore(t)
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) string { return base.AddDate(0, 0, n).Format("2006-01-02") }
	var deals, hist []string
	for i := range 400 {
		created := rng.IntN(200)
		closeDay := created + 1 + rng.IntN(150)
		status := []string{"open", "won", "lost"}[rng.IntN(3)]
		amount := 100 * (1 + rng.IntN(50))
		deals = append(deals, fmt.Sprintf("('D%03d', 'R%d', 's', '%s', %d, '%s', '%s')", i, rng.IntN(3), status, amount, day(created), day(closeDay)))
		used := map[int]bool{} // (deal, changed_at) is the file's key: one row per instant
		for j := range rng.IntN(4) {
			at := created + rng.IntN(closeDay-created+1)
			if used[at] {
				continue
			}
			used[at] = true
			amt, cd := "NULL", "NULL"
			if rng.IntN(2) == 0 {
				amt = fmt.Sprint(100 * (1 + rng.IntN(50)))
			}
			if rng.IntN(2) == 0 {
				cd = "'" + day(created+rng.IntN(250)) + "'"
			}
			hist = append(hist, fmt.Sprintf("('%d-%d', 'D%03d', '%s', %s, %s, NULL, NULL, NULL)", i, j, i, day(at), amt, cd))
		}
	}
	exec(t, st, "INSERT INTO reps VALUES ('R0','a',NULL,'T1','ae',NULL,NULL), ('R1','b',NULL,'T2','ae',NULL,NULL), ('R2','c',NULL,'T1','ae',NULL,NULL)",
		"INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES "+strings.Join(deals, ", "))
	if len(hist) > 0 {
		exec(t, st, "INSERT INTO opportunity_history VALUES "+strings.Join(hist, ", "))
	}
	for k := range 40 {
		a := rng.IntN(300)
		from := base.AddDate(0, 0, a)
		to := from.AddDate(0, 0, 1+rng.IntN(120))
		var teams map[string]bool
		if k%3 == 0 {
			teams = map[string]bool{"T1": true}
		}
		w, err := ComputeWaterfall(context.Background(), st, from, to, Scope{Teams: teams})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := referenceWaterfall(context.Background(), st, from, to, teams)
		if err != nil {
			t.Fatal(err)
		}
		ref.From, ref.To = w.From, w.To
		if *ref != *w {
			t.Fatalf("window %s–%s: sql %+v, go reference %+v", from.Format("2006-01-02"), to.Format("2006-01-02"), *w, *ref)
		}
		deals := w.Start.Deals + w.Created.Deals + w.PulledIn.Deals - w.Won.Deals - w.Lost.Deals - w.SlippedOut.Deals
		amount := w.Start.Amount + w.Created.Amount + w.PulledIn.Amount - w.Won.Amount - w.Lost.Amount - w.SlippedOut.Amount + w.AmountChange
		// Amounts are whole hundreds, so float sums are exact.
		if deals != w.End.Deals || amount != w.End.Amount {
			t.Fatalf("window %s–%s: flows give %d deals / %v, end is %d / %v\n%+v", from.Format("2006-01-02"), to.Format("2006-01-02"), deals, amount, w.End.Deals, w.End.Amount, w)
		}
		// Rep by rep, the waterfalls add up to the scope's, line by line.
		var sum Waterfall
		for _, rep := range []string{"R0", "R1", "R2"} {
			r, err := ComputeWaterfall(context.Background(), st, from, to, Scope{Teams: teams, Rep: rep})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range [][2]*Flow{{&sum.Start, &r.Start}, {&sum.Created, &r.Created}, {&sum.PulledIn, &r.PulledIn}, {&sum.Won, &r.Won},
				{&sum.Lost, &r.Lost}, {&sum.SlippedOut, &r.SlippedOut}, {&sum.End, &r.End}} {
				l[0].Deals += l[1].Deals
				l[0].Amount += l[1].Amount
			}
			sum.AmountChange += r.AmountChange
		}
		sum.From, sum.To = w.From, w.To
		if sum != *w {
			t.Fatalf("window %s–%s: reps add up to %+v, scope is %+v", from.Format("2006-01-02"), to.Format("2006-01-02"), sum, *w)
		}
	}
}
