// Package insight turns KPI series into findings: for one KPI, its change on
// the previous period and the year before, its trend and its anomalies; across
// the catalog, a feed of what moved unusually, what is trending the wrong way,
// which goals are at risk and which alerts are open. Every number is read
// from the KPI engine.
package insight

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/salesops/salesops/internal/insight/trend"
	"github.com/salesops/salesops/internal/kpi"
)

// DefaultPeriods is how many periods of history an analysis reads: three
// years of months, so every month has two earlier ones to be judged against.
const DefaultPeriods = 36

// Query chooses a series.
type Query struct {
	KPIs    []string // one or more; empty means the whole catalog (Feed)
	Grain   kpi.Grain
	Filters map[string][]string
	Periods int       // how many periods up to the last one; 0 means DefaultPeriods
	AsOf    time.Time // the series ends with the last period complete both before AsOf (zero: today) and within the data
}

// Analysis is what one KPI's series says.
type Analysis struct {
	KPI       kpi.Info            `json:"kpi"`
	Scope     map[string][]string `json:"scope,omitempty"`
	Grain     kpi.Grain           `json:"grain"`
	Periods   []string            `json:"periods"`
	Values    []*float64          `json:"values"`
	Change    trend.ChangeReport  `json:"change"`
	Trend     trend.TrendReport   `json:"trend"`
	Anomalies trend.AnomalyReport `json:"anomalies"`
}

// window is the range of periods a query covers (kpi.Calendar.CompletePeriods
// over the data's extent; asOf zero means today).
func window(ctx context.Context, eng *kpi.Engine, g kpi.Grain, n int, asOf time.Time) (from, to time.Time, err error) {
	lo, hi, err := eng.Extent(ctx)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if lo.IsZero() {
		return time.Time{}, time.Time{}, fmt.Errorf("there is no data")
	}
	if asOf.IsZero() {
		asOf = eng.Today()
	}
	from, to, ok := eng.Calendar().CompletePeriods(g, n, asOf, lo, hi)
	if !ok {
		return time.Time{}, time.Time{}, fmt.Errorf("no complete %s before %s", g, asOf.Format("2006-01-02"))
	}
	return from, to, nil
}

// Analyse reads each KPI's series for the scope and reports its change,
// trend and anomalies.
func Analyse(ctx context.Context, eng *kpi.Engine, q Query) ([]Analysis, error) {
	if q.Grain == "" {
		q.Grain = kpi.Month
	}
	if q.Grain == kpi.All {
		return nil, fmt.Errorf("period: a trend needs periods (week, month, quarter or year)")
	}
	if q.Periods <= 0 {
		q.Periods = DefaultPeriods
	}
	from, to, err := window(ctx, eng, q.Grain, q.Periods, q.AsOf)
	if err != nil {
		return nil, err
	}
	res, err := eng.Evaluate(ctx, kpi.Query{KPIs: q.KPIs, Grain: q.Grain, From: from, To: to, Filters: q.Filters})
	if err != nil {
		return nil, err
	}
	byKPI := map[string]*Analysis{}
	var order []string
	for _, r := range res.Rows {
		a := byKPI[r.KPI]
		if a == nil {
			k, ok := eng.Catalog().KPI(r.KPI)
			if !ok {
				continue
			}
			a = &Analysis{KPI: k.Info(), Scope: q.Filters, Grain: q.Grain}
			byKPI[r.KPI] = a
			order = append(order, r.KPI)
		}
		a.Periods = append(a.Periods, r.Period.Label)
		a.Values = append(a.Values, r.Value)
	}
	s := q.Grain.Season()
	out := make([]Analysis, 0, len(order))
	for _, id := range order {
		a := byKPI[id]
		vals := make([]float64, len(a.Values))
		for i, v := range a.Values {
			vals[i] = math.NaN()
			if v != nil {
				vals[i] = *v
			}
		}
		a.Change = trend.Change(vals, s)
		a.Trend = trend.Trend(vals, s, trend.TrendOptions{})
		a.Anomalies = trend.Anomalies(vals, s, trend.AnomalyOptions{})
		out = append(out, *a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].KPI.ID < out[j].KPI.ID })
	return out, nil
}
