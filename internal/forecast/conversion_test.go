package forecast

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/demo/demotest"
	"github.com/salesops/salesops/internal/kpi"
)

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

func monthStarts(first time.Time, n int) []time.Time {
	var ms []time.Time
	for i := 0; i <= n; i++ {
		ms = append(ms, first.AddDate(0, i, 0))
	}
	return ms
}

func TestConversionForecastByHand(t *testing.T) {
	amount := func(v float64) *float64 { return &v }
	deals := []*pitDeal{
		// A: prospecting from Jan 10, proposal from Feb 5, won Mar 12.
		{created: day(1, 10), closed: day(3, 12), won: true, amount: 1000,
			stages: []pitStage{{day(1, 10), "prospecting"}, {day(2, 5), "proposal"}}},
		// B: prospecting, lost Feb 15.
		{created: day(1, 20), closed: day(2, 15), amount: 500, stages: []pitStage{{day(1, 20), "prospecting"}}},
		// C: created at 1,500, revised to 2,000 on Mar 20, won Apr 2.
		{created: day(2, 3), closed: day(4, 2), won: true, amount: 2000,
			stages:  []pitStage{{day(2, 3), "prospecting"}},
			history: []pitChange{{at: day(2, 3), amount: amount(1500)}, {at: day(3, 20), amount: amount(2000)}}},
		// F: created and won within February, never open at a month's start.
		{created: day(2, 10), closed: day(2, 25), won: true, amount: 300},
		// D and E: still open.
		{created: day(3, 5), amount: 800, stages: []pitStage{{day(3, 5), "prospecting"}}},
		{created: day(4, 10), amount: 400, stages: []pitStage{{day(4, 10), "proposal"}}},
	}
	f := buildFlow(deals, monthStarts(day(1, 1), 6), 2) // Jan (0) … Jun (5)
	// Open at each month's start, by stage, as it stood then:
	//   Feb 1: prospecting A 1,000 + B 500 = 1,500; of it won in Feb 0, in Mar A 1,000.
	//   Mar 1: prospecting C 1,500 (won in Apr: 2,000, its final amount); proposal A 1,000 (won in Mar).
	//   Apr 1: prospecting C 2,000 (won in Apr) + D 800 = 2,800.
	//   May 1: prospecting D 800, proposal E 400.
	// Created: Jan 1,500 (A, B), Feb 1,800 (C at 1,500, F 300; F won in Feb), Mar 800, Apr 400.
	//
	// May (t=4), this month (j=0):
	//   prospecting rate = won the same month ÷ open, over Feb–Apr starts
	//                    = (0 + 0 + 2,000) ÷ (1,500 + 1,500 + 2,800) = 2,000/5,800
	//   proposal rate    = 1,000 ÷ 1,000 = 1
	//   open part        = 800 × 2,000/5,800 + 400 × 1 = 675.862…
	//   creation rate    = (1,800 + 800 + 400) / 3 = 1,000 a month (Feb–Apr)
	//   same-month rate of new pipeline = 300 ÷ (1,500 + 1,800 + 800 + 400) = 1/15
	//   May = 675.862… + 1,000/15 = 742.528…
	// June (j=1), from May 1st: the rates one month on, over Feb–Mar starts:
	//   prospecting (1,000 + 2,000) ÷ (1,500 + 1,500) = 1; proposal 0 ÷ 1,000 = 0
	//   open part = 800; new pipeline: May's won in June at 0 ÷ 4,100 = 0, June's
	//   own at 1/15: June = 800 + 1,000/15 = 866.666…
	for _, c := range []struct {
		t, j int
		want float64
	}{
		{4, 0, 800*2000.0/5800 + 400 + 1000.0/15},
		{4, 1, 800 + 1000.0/15},
	} {
		got, ok := f.conversionForecast(c.t, c.j)
		if !ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("forecast(t=%d, j=%d) = %v (ok %v), want %v", c.t, c.j, got, ok, c.want)
		}
	}
	// At Feb 1st nothing has converted yet: no forecast rather than a zero.
	if v, ok := f.conversionForecast(1, 0); ok {
		t.Errorf("forecast with no history = %v, want none", v)
	}
}

// TestConversionRatesConverge generates deals whose conversion is known
// exactly and checks that the method's forecast approaches the one made with
// the true rates as the history it learns from grows.
//
// Each month 60 deals of 1,000 are created; each is won with probability 0.3
// and closes in its creation month, the next or the one after with
// probabilities 0.2, 0.5, 0.3. So of the pipeline open at a month's start
// (created the month before and not closed in it: 0.5 + 0.3 of a cohort; or
// two months before and closing in the third: 0.3 of a cohort), the share won
// that month is 0.3 × (0.5 + 0.3) / 1.1, the next month 0.3 × 0.3 / 1.1; of a
// month's new pipeline, 0.3 × 0.2 is won within the month and 0.3 × 0.5 the next.
func TestConversionRatesConverge(t *testing.T) {
	const perMonth, win, months = 60, 0.3, 40
	lag := []float64{0.2, 0.5, 0.3}
	trueOpen := []float64{win * 0.8 / 1.1, win * 0.3 / 1.1}
	trueNew := []float64{win * 0.2, win * 0.5}
	first := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := monthStarts(first, months)
	errAt := map[int]float64{}
	lookbacks := []int{1, 3, 12}
	const seeds = 30
	for seed := range seeds {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		var deals []*pitDeal
		for c := range months {
			for range perMonth {
				created := ms[c].Add(time.Duration(r.IntN(20*24)) * time.Hour) // by the 21st
				l := 0
				for u := r.Float64(); u > lag[l]; l++ {
					u -= lag[l]
				}
				var closed time.Time // still open at the end
				if c+l < months-2 {
					closed = ms[c+l].AddDate(0, 0, 21+r.IntN(7)) // after the 21st
				}
				deals = append(deals, &pitDeal{created: created, closed: closed, won: r.Float64() < win, amount: 1000})
			}
		}
		const t0 = 36 // forecast as of month 36, history 0–35
		for _, lb := range lookbacks {
			f := buildFlow(deals, ms, 2)
			f.lookback = lb
			for j := range 2 {
				got, ok := f.conversionForecast(t0, j)
				if !ok {
					t.Fatalf("no forecast at lookback %d", lb)
				}
				// The same pipeline at the true rates.
				open := 0.0
				for _, a := range f.open[t0] {
					open += a
				}
				want := open * trueOpen[j]
				for l := 0; l <= j; l++ {
					want += perMonth * 1000 * trueNew[l]
				}
				errAt[lb] += math.Abs(got-want) / want / (2 * seeds)
			}
		}
	}
	t.Logf("mean relative error against the true-rate forecast by lookback: %v", errAt)
	for i := 1; i < len(lookbacks); i++ {
		if errAt[lookbacks[i]] >= errAt[lookbacks[i-1]] {
			t.Errorf("error with %d months of history (%.3f) not below %d months (%.3f)",
				lookbacks[i], errAt[lookbacks[i]], lookbacks[i-1], errAt[lookbacks[i-1]])
		}
	}
	if errAt[12] > 0.05 {
		t.Errorf("with a year of history the forecast is %.1f%% off the true-rate one, want under 5%%", 100*errAt[12])
	}
}

// TestConversionBacktestOnDemo backtests the method on demo organisations
// (fixed seeds, so the result is reproducible) with more and more history
// behind the rates: the error against what was actually won shrinks.
func TestConversionBacktestOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports three demo organisations")
	}
	ctx := context.Background()
	lookbacks := []int{1, 3, 12}
	mape := map[int]float64{}
	const seeds = 3
	for seed := range seeds {
		st := demotest.Store(t, demo.Config{Seed: uint64(seed + 1), Reps: 40, Months: 30})
		eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, err := eng.Extent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cal := eng.Calendar()
		first, cur := cal.BucketStart(kpi.Month, lo), cal.BucketStart(kpi.Month, hi)
		res, err := eng.Evaluate(ctx, kpi.Query{KPIs: []string{"revenue"}, Grain: kpi.Month, From: first, To: cur.AddDate(0, 0, -1)})
		if err != nil {
			t.Fatal(err)
		}
		deals, _, err := loadPointInTime(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ms []time.Time
		for m := first; !m.After(cur); m = m.AddDate(0, 1, 0) {
			ms = append(ms, m)
		}
		// The last 10 months, each forecast at its start.
		for _, lb := range lookbacks {
			f := buildFlow(deals, ms, 1)
			f.lookback = lb
			for i := len(res.Rows) - 10; i < len(res.Rows); i++ {
				actual := *res.Rows[i].Value
				got, ok := f.conversionForecast(i, 0)
				if !ok || actual <= 0 {
					t.Fatalf("month %s: forecast %v (ok %v), actual %v", res.Rows[i].Period.Label, got, ok, actual)
				}
				mape[lb] += math.Abs(got-actual) / actual / (10 * seeds)
			}
		}
	}
	t.Logf("backtest MAPE over 10 months × %d organisations by months of history: %v", seeds, mape)
	for i := 1; i < len(lookbacks); i++ {
		if mape[lookbacks[i]] >= mape[lookbacks[i-1]] {
			t.Errorf("MAPE with %d months of history (%.3f) not below %d months (%.3f)",
				lookbacks[i], mape[lookbacks[i]], lookbacks[i-1], mape[lookbacks[i-1]])
		}
	}
}
