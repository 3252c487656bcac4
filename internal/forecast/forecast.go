// Package forecast forecasts bookings (won revenue) for the coming months by
// several methods and backtests each against what actually happened, so a
// forecast is never shown without its record.
package forecast

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/forecast/ets"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// Methods.
const (
	WeightedPipeline = "weighted_pipeline"
	TimeSeries       = "time_series"
	Categories       = "forecast_categories"
)

// Coverage is how well a month's quota is covered: by the pipeline due in it,
// and what the pipeline would still have to bring beyond the forecast.
type Coverage struct {
	Period      string   `json:"period"`
	Quota       float64  `json:"quota"`        // rep quotas prorated to the month
	Pipeline    float64  `json:"pipeline"`     // open at the month's start and due in it
	Coverage    *float64 `json:"coverage"`     // pipeline ÷ quota
	Forecast    *float64 `json:"forecast"`     // the recommended method's (else the time series')
	Gap         *float64 `json:"gap"`          // quota − forecast
	GapCoverage *float64 `json:"gap_coverage"` // pipeline ÷ gap, when there is a gap
}

// CategoryRollup is the forecast-category view of a month: what reps commit
// to, and what best case and the whole pipeline would add.
type CategoryRollup struct {
	Period   string  `json:"period"`
	Commit   float64 `json:"commit"`
	BestCase float64 `json:"best_case"` // commit + best case
	Pipeline float64 `json:"pipeline"`  // commit + best case + pipeline
}

// Point is one month of a forecast.
type Point struct {
	Period string   `json:"period"`
	Value  *float64 `json:"value"`
	Lo80   *float64 `json:"lo80,omitempty"`
	Hi80   *float64 `json:"hi80,omitempty"`
	Lo95   *float64 `json:"lo95,omitempty"`
	Hi95   *float64 `json:"hi95,omitempty"`
}

// MethodForecast is one method's forecast.
type MethodForecast struct {
	Method string  `json:"method"`
	Detail string  `json:"detail"`
	Points []Point `json:"points"`
}

// BacktestPoint is one past month: what the method would have said at its
// start, and what happened.
type BacktestPoint struct {
	Period   string   `json:"period"`
	Forecast *float64 `json:"forecast"`
	Actual   float64  `json:"actual"`
	Error    *float64 `json:"error"` // forecast − actual
}

// Backtest is a method's record over past months.
type Backtest struct {
	Method string          `json:"method"`
	Note   string          `json:"note,omitempty"` // why there is no record, when there is none
	Points []BacktestPoint `json:"points"`
	MAPE   *float64        `json:"mape"` // mean of |error| ÷ actual, months with actual > 0
	Bias   *float64        `json:"bias"` // Σ error ÷ Σ actual: above 0 over-forecasts
}

// Report is the forecast of every method with its backtest.
type Report struct {
	Months      []string         `json:"months"`
	Forecasts   []MethodForecast `json:"forecasts"`
	Categories  []CategoryRollup `json:"categories"`
	Coverage    []Coverage       `json:"coverage"`
	Calls       []*Call          `json:"calls"` // the managers' current call per month (null where none)
	Backtests   []Backtest       `json:"backtests"`
	Recommended string           `json:"recommended"` // the method with the lowest MAPE
}

// Options choose what to forecast.
type Options struct {
	// Store, when set, lets the weighted pipeline be backtested from the deals'
	// recorded history (opportunity_history.csv), when there is one.
	Store    store.Store
	Now      time.Time           // the forecast is made as of this instant
	Months   int                 // months to forecast, starting with the current one
	Backtest int                 // past months to backtest
	Filters  map[string][]string // the scope: team or rep
	Methods  []string            // the methods to report (see Methods); all when empty
}

// Run forecasts won revenue for the current and coming months.
//
// weighted_pipeline: the probability-weighted amount of deals open at each
// month's start and expected to close within it (deals open now for future
// months). It is backtested only from recorded history (opportunity_history):
// an honest backtest needs each deal's close date and probability as they
// stood at the time — today's close date of a deal since won is the day it was
// won, which would make the method look almost perfect.
//
// time_series: exponential smoothing (the best of simple, Holt and
// Holt-Winters by AICc) on monthly revenue up to the month before, with 80%
// and 95% prediction intervals. Backtested by fitting on the months before each
// past month only.
//
// historical_conversion: the pipeline open at the month's start, stage by
// stage, times the share of the amount that such pipeline (open at one of the
// last 12 month starts, in that stage) went on to win 0, 1, 2… months later —
// a stage-to-win rate and a time-to-close distribution in one number — plus
// the pipeline not yet created: the last 3 months' creation rate times the
// share of a month's new pipeline won 0, 1, 2… months later. Rates are
// amount-weighted, so large slow deals are not judged by small fast ones, and
// pooled only over outcomes already known at the forecast date, so the
// backtest never sees the future (amounts and stages as recorded then, from
// opportunity_history and opportunity_stages).
func Run(ctx context.Context, eng *kpi.Engine, o Options) (*Report, error) {
	if err := CheckMethods(o.Methods); err != nil {
		return nil, err
	}
	if o.Months <= 0 {
		o.Months = 3
	}
	cal := eng.Calendar()
	cur := cal.BucketStart(kpi.Month, o.Now)
	lo, _, err := eng.Extent(ctx)
	if err != nil {
		return nil, err
	}
	if lo.IsZero() {
		return nil, fmt.Errorf("forecast: there is no data")
	}
	// Revenue by month from the first month with data to the month before now.
	first := cal.BucketStart(kpi.Month, lo)
	var history []float64
	var histLabels []string
	if first.Before(cur) {
		res, err := eng.Evaluate(ctx, kpi.Query{KPIs: []string{"revenue"}, Grain: kpi.Month, From: first, To: cur.AddDate(0, 0, -1), Filters: o.Filters})
		if err != nil {
			return nil, err
		}
		for _, r := range res.Rows {
			v := 0.0
			if r.Value != nil {
				v = *r.Value
			}
			history = append(history, v)
			histLabels = append(histLabels, r.Period.Label)
		}
	}
	end := cur.AddDate(0, o.Months, 0)
	rep := &Report{}
	for m := cur; m.Before(end); m = m.AddDate(0, 1, 0) {
		rep.Months = append(rep.Months, cal.Label(kpi.Month, m))
	}

	// The pipeline due in each month, as it stood at the month's start: weighted,
	// and by forecast category, in one engine query.
	res, err := eng.Evaluate(ctx, kpi.Query{KPIs: []string{"measure:open_weighted_due_in_period", "measure:open_commit_due_in_period",
		"measure:open_best_case_due_in_period", "measure:open_pipeline_category_due_in_period",
		"measure:quota", "measure:open_amount_due_in_period"}, Grain: kpi.Month,
		From: cur, To: end.AddDate(0, 0, -1), Filters: o.Filters})
	if err != nil {
		return nil, err
	}
	fw := map[string]*float64{}
	cats := map[string]*CategoryRollup{}
	covs := map[string]*Coverage{}
	for _, label := range rep.Months {
		cats[label] = &CategoryRollup{Period: label}
		covs[label] = &Coverage{Period: label}
	}
	for _, r := range res.Rows {
		v := 0.0
		if r.Value != nil {
			v = *r.Value
		}
		c := cats[r.Period.Label]
		switch r.KPI {
		case "measure:open_weighted_due_in_period":
			fw[r.Period.Label] = r.Value
		case "measure:open_commit_due_in_period":
			c.Commit += v
			c.BestCase += v
			c.Pipeline += v
		case "measure:open_best_case_due_in_period":
			c.BestCase += v
			c.Pipeline += v
		case "measure:open_pipeline_category_due_in_period":
			c.Pipeline += v
		case "measure:quota":
			covs[r.Period.Label].Quota = v
		case "measure:open_amount_due_in_period":
			covs[r.Period.Label].Pipeline = v
		}
	}
	for _, label := range rep.Months {
		rep.Categories = append(rep.Categories, *cats[label])
	}
	wf := MethodForecast{Method: WeightedPipeline, Detail: "Σ amount × probability of deals open at the month's start and due in it"}
	for _, label := range rep.Months {
		wf.Points = append(wf.Points, Point{Period: label, Value: zeroIfNil(fw[label])})
	}
	rep.Forecasts = append(rep.Forecasts, wf)

	tf := MethodForecast{Method: TimeSeries}
	if model, err := ets.Auto(history, 12); err == nil {
		fc := model.Forecast(len(rep.Months))
		tf.Detail = describe(model, len(history))
		for i, label := range rep.Months {
			tf.Points = append(tf.Points, Point{Period: label, Value: ptr(fc.Mean[i]), Lo80: ptr(fc.Lo80[i]), Hi80: ptr(fc.Hi80[i]),
				Lo95: ptr(fc.Lo95[i]), Hi95: ptr(fc.Hi95[i])})
		}
	} else {
		tf.Detail = "no forecast: " + err.Error()
		for _, label := range rep.Months {
			tf.Points = append(tf.Points, Point{Period: label})
		}
	}
	rep.Forecasts = append(rep.Forecasts, tf)

	// The deals with their recorded history, for the methods that need the
	// pipeline as it stood at past dates.
	var deals []*pitDeal
	recorded := false
	if o.Store != nil {
		if deals, recorded, err = loadPointInTime(ctx, o.Store, o.Filters); err != nil {
			return nil, err
		}
	}
	var fl *flow
	if o.Store != nil {
		var months []time.Time
		for m := first; !m.After(end); m = m.AddDate(0, 1, 0) {
			months = append(months, m)
		}
		fl = buildFlow(deals, months, len(rep.Months))
		cf := MethodForecast{Method: HistoricalConversion, Detail: fmt.Sprintf("pipeline open at the month's start, stage by stage, at the rate such pipeline was won "+
			"0, 1, 2… months on over the last %d month starts; plus pipeline still to be created, at the last %d months' creation rate and the rate new pipeline was won by month",
			conversionLookback, creationLookback)}
		t := len(history)
		for j, label := range rep.Months {
			p := Point{Period: label}
			if v, ok := fl.conversionForecast(t, j); ok {
				p.Value = ptr(v)
			}
			cf.Points = append(cf.Points, p)
		}
		rep.Forecasts = append(rep.Forecasts, cf)
	}

	// Backtests over the last months before now that have history.
	n := min(o.Backtest, len(history))
	if n > 0 {
		wb := Backtest{Method: WeightedPipeline, Points: []BacktestPoint{},
			Note: "not backtested: no opportunity_history.csv, so close dates and probabilities as they stood are unknown"}
		if o.Store != nil {
			if recorded {
				wb.Note = ""
				m := cur.AddDate(0, -n, 0)
				for i := len(history) - n; i < len(history); i, m = i+1, m.AddDate(0, 1, 0) {
					f := weightedAsOf(deals, m, m.AddDate(0, 1, 0))
					wb.Points = append(wb.Points, backtestPoint(histLabels[i], &f, history[i]))
				}
				wb = score(wb)
			}
		}
		tb := Backtest{Method: TimeSeries}
		for i := len(history) - n; i < len(history); i++ {
			var f *float64
			if model, err := ets.Auto(history[:i], 12); err == nil {
				f = ptr(model.Forecast(1).Mean[0])
			}
			tb.Points = append(tb.Points, backtestPoint(histLabels[i], f, history[i]))
		}
		rep.Backtests = []Backtest{wb, score(tb)}
		if fl != nil {
			cb := Backtest{Method: HistoricalConversion}
			for i := len(history) - n; i < len(history); i++ {
				var f *float64
				if v, ok := fl.conversionForecast(i, 0); ok {
					f = ptr(v)
				}
				cb.Points = append(cb.Points, backtestPoint(histLabels[i], f, history[i]))
			}
			rep.Backtests = append(rep.Backtests, score(cb))
		}
		rep.Backtests = keepMethods(rep.Backtests, o.Methods, func(b Backtest) string { return b.Method })
		best := math.Inf(1)
		for _, b := range rep.Backtests {
			if b.MAPE != nil && *b.MAPE < best {
				best, rep.Recommended = *b.MAPE, b.Method
			}
		}
	}
	if o.Store != nil {
		scope := "org"
		for _, kind := range []string{"team", "rep"} {
			if v := o.Filters[kind]; len(v) == 1 {
				scope = kind + ":" + v[0]
			}
		}
		calls, err := Calls(ctx, o.Store, scope)
		if err != nil {
			return nil, err
		}
		current := latestCalls(calls, scope)
		for _, label := range rep.Months {
			var c *Call
			if v, ok := current[label]; ok {
				c = &v
			}
			rep.Calls = append(rep.Calls, c)
		}
	}
	method := rep.Recommended
	if method == "" {
		method = TimeSeries
	}
	for i, label := range rep.Months {
		c := covs[label]
		if c.Quota > 0 {
			c.Coverage = ptr(c.Pipeline / c.Quota)
		}
		for _, f := range rep.Forecasts {
			if f.Method == method && f.Points[i].Value != nil {
				c.Forecast = f.Points[i].Value
				if c.Quota > 0 { // no quota, no gap to speak of
					c.Gap = ptr(c.Quota - *c.Forecast)
					if *c.Gap > 0 {
						c.GapCoverage = ptr(c.Pipeline / *c.Gap)
					}
				}
			}
		}
		rep.Coverage = append(rep.Coverage, *c)
	}
	rep.Forecasts = keepMethods(rep.Forecasts, o.Methods, func(f MethodForecast) string { return f.Method })
	return rep, nil
}

// Methods lists the forecast methods in the order reports show them.
var Methods = []string{WeightedPipeline, TimeSeries, HistoricalConversion}

// CheckMethods reports the first name that is not a forecast method.
func CheckMethods(names []string) error {
	for _, n := range names {
		if !slices.Contains(Methods, n) {
			return fmt.Errorf("unknown forecast method %q: want one of %s", n, strings.Join(Methods, ", "))
		}
	}
	return nil
}

// keepMethods keeps the items of the named methods, or all when none is named.
func keepMethods[T any](items []T, names []string, method func(T) string) []T {
	if len(names) == 0 {
		return items
	}
	var kept []T
	for _, it := range items {
		if slices.Contains(names, method(it)) {
			kept = append(kept, it)
		}
	}
	return kept
}

func backtestPoint(label string, f *float64, actual float64) BacktestPoint {
	p := BacktestPoint{Period: label, Forecast: f, Actual: actual}
	if f != nil {
		p.Error = ptr(*f - actual)
	}
	return p
}

// score computes a backtest's MAPE and bias over the months it has a
// forecast for.
func score(b Backtest) Backtest {
	var ape, errSum, actSum float64
	var nAPE, n int
	for _, p := range b.Points {
		if p.Error == nil {
			continue
		}
		n++
		errSum += *p.Error
		actSum += p.Actual
		if p.Actual > 0 {
			ape += math.Abs(*p.Error) / p.Actual
			nAPE++
		}
	}
	if nAPE > 0 {
		b.MAPE = ptr(ape / float64(nAPE))
	}
	if n > 0 && actSum != 0 {
		b.Bias = ptr(errSum / actSum)
	}
	return b
}

func describe(m *ets.Model, n int) string {
	kind := "simple exponential smoothing"
	switch {
	case m.Season == ets.Additive:
		kind = "Holt-Winters, additive season"
	case m.Season == ets.Multiplicative:
		kind = "Holt-Winters, multiplicative season"
	case m.Trend:
		kind = "Holt (trend)"
	}
	return fmt.Sprintf("%s fitted on %d months of revenue", kind, n)
}

func ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func zeroIfNil(v *float64) *float64 {
	if v == nil {
		return ptr(0)
	}
	return v
}

// TeamRecord is each method's backtest over one team.
type TeamRecord struct {
	Team        string     `json:"team"`
	Backtests   []Backtest `json:"backtests"`
	Recommended string     `json:"recommended"`
}

// ByTeam backtests every method for each team, as Run does for one scope.
func ByTeam(ctx context.Context, eng *kpi.Engine, o Options, teams []string) ([]TeamRecord, error) {
	var out []TeamRecord
	for _, team := range teams {
		to := o
		to.Months = 1
		to.Filters = map[string][]string{"team": {team}}
		rep, err := Run(ctx, eng, to)
		if err != nil {
			return nil, fmt.Errorf("team %s: %w", team, err)
		}
		out = append(out, TeamRecord{Team: team, Backtests: rep.Backtests, Recommended: rep.Recommended})
	}
	return out, nil
}
