package goals

import (
	"context"
	"fmt"
	"time"

	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// QuotaStatus treats every rep quota in force at the instant at as a revenue
// goal for that rep over the quota's period, and evaluates them all. Quotas
// sharing a period are measured with one engine query by rep, so a whole sales
// floor costs a handful of queries.
func (t *Tracker) QuotaStatus(ctx context.Context, st store.Store, at time.Time) ([]GoalStatus, error) {
	rows, err := st.Query(ctx, `SELECT rep_id, period_start, period_end, CAST(amount AS DOUBLE) FROM quotas
		WHERE rep_id IS NOT NULL AND period_start <= ? AND period_end + INTERVAL '1 day' > ?
		ORDER BY period_start, period_end, rep_id`, at, at)
	if err != nil {
		return nil, fmt.Errorf("read quotas: %w", err)
	}
	type quota struct {
		rep        string
		start, end time.Time
		amount     float64
	}
	var qs []quota
	for rows.Next() {
		var q quota
		if err := rows.Scan(&q.rep, &q.start, &q.end, &q.amount); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read quotas: %w", err)
		}
		q.end = q.end.AddDate(0, 0, 1) // period_end is the last day
		qs = append(qs, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read quotas: %w", err)
	}
	cal := t.Eng.Calendar()
	out := []GoalStatus{}
	actuals := map[[2]time.Time]map[string]float64{}
	for _, q := range qs {
		key := [2]time.Time{q.start, q.end}
		if _, ok := actuals[key]; !ok {
			byRep := map[string]float64{}
			if to := minTime(dayCeil(at), q.end); to.After(q.start) {
				res, err := t.Eng.Evaluate(ctx, kpi.Query{KPIs: []string{"revenue"}, By: []string{"rep"}, Grain: kpi.All, From: q.start, To: to.AddDate(0, 0, -1)})
				if err != nil {
					return nil, err
				}
				for _, r := range res.Rows {
					if r.Dims[0] != nil && r.Value != nil {
						byRep[*r.Dims[0]] = *r.Value
					}
				}
			}
			actuals[key] = byRep
		}
		label := q.start.Format("2006-01-02") + ".." + q.end.AddDate(0, 0, -1).Format("2006-01-02")
		grain := kpi.All
		for _, g := range []kpi.Grain{kpi.Month, kpi.Quarter, kpi.Year} {
			if cal.BucketStart(g, q.start).Equal(q.start) && cal.Periods(g, q.start, q.end)[0].End.Equal(q.end) {
				grain, label = g, cal.Label(g, q.start)
			}
		}
		target := q.amount
		g := &Goal{ID: "quota:" + q.rep + ":" + label, KPI: "revenue", Scope: "rep:" + q.rep, Period: label,
			Target: &target, Grain: grain, Start: q.start, End: q.end}
		elapsed := min(1, max(0, float64(at.Sub(q.start))/float64(q.end.Sub(q.start))))
		out = append(out, GoalStatus{Goal: g, Unit: "currency", Direction: "higher", Cumulative: true, Elapsed: elapsed, Pacing: "linear",
			Progress: calc.Status(target, actuals[key][q.rep], elapsed, true, calc.HigherIsBetter, calc.Pacing{}, t.Thresholds)})
	}
	return out, nil
}
