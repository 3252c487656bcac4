package pipeline

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/demo/demotest"
	"github.com/salesops/salesops/internal/store"
)

func demoWaterfallStore(tb testing.TB, reps int) *store.DuckStore {
	if path := os.Getenv("SALESOPS_BENCH_DB"); path != "" {
		return demotest.Open(tb, path)
	}
	return demotest.Store(tb, demo.Config{Seed: 3, Reps: reps, Months: 24})
}

// TestWaterfallMatchesSQL checks the SQL waterfall on a generated organisation
// with deal history against the Go reference, deal by deal.
func TestWaterfallMatchesSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo organisation")
	}
	st := demoWaterfallStore(t, 12)
	ctx := context.Background()
	for _, w := range [][2]string{{"2026-07-01", "2026-10-01"}, {"2025-04-01", "2025-07-01"}, {"2026-01-15", "2026-02-20"}} {
		from, _ := time.Parse("2006-01-02", w[0])
		to, _ := time.Parse("2006-01-02", w[1])
		got, err := ComputeWaterfall(ctx, st, from, to, Scope{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := referenceWaterfall(ctx, st, from, to, nil)
		if err != nil {
			t.Fatal(err)
		}
		near := func(a, b float64) bool { return math.Abs(a-b) < 0.005 }
		if got.Start.Deals != want.Start.Deals || got.Created.Deals != want.Created.Deals || got.PulledIn.Deals != want.PulledIn.Deals ||
			got.Won.Deals != want.Won.Deals || got.Lost.Deals != want.Lost.Deals || got.SlippedOut.Deals != want.SlippedOut.Deals ||
			got.End.Deals != want.End.Deals || !near(got.Start.Amount, want.Start.Amount) || !near(got.End.Amount, want.End.Amount) ||
			!near(got.PulledIn.Amount, want.PulledIn.Amount) || !near(got.SlippedOut.Amount, want.SlippedOut.Amount) || !near(got.AmountChange, want.AmountChange) {
			t.Errorf("%s–%s:\n sql %+v\n go  %+v", w[0], w[1], *got, *want)
		}
		if got.PulledIn.Deals+got.SlippedOut.Deals == 0 && w[0] == "2026-07-01" {
			t.Errorf("the demo's history should move some deals in or out of %s–%s", w[0], w[1])
		}
	}
}

// BenchmarkWaterfall times the SQL waterfall beside the deal-by-deal Go
// reference on the same data (SALESOPS_BENCH_DB, else a 50-rep demo).
func BenchmarkWaterfall(b *testing.B) {
	st := demoWaterfallStore(b, 50)
	ctx := context.Background()
	from, to := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	b.Run("sql", func(b *testing.B) {
		for range b.N {
			if _, err := ComputeWaterfall(ctx, st, from, to, Scope{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go_reference", func(b *testing.B) {
		for range b.N {
			if _, err := referenceWaterfall(ctx, st, from, to, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
