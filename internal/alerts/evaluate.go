package alerts

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/insight/trend"
	"github.com/salesops/salesops/internal/kpi"
)

// Alert is a condition that holds now.
type Alert struct {
	Rule      string
	Subject   string // org, a scope like region=EMEA, or goal:ID
	Period    string
	KPI       string
	Value     *float64
	Threshold *float64
	Message   string
}

// key is what deduplicates an alert: while it stays open, the same rule,
// subject and period do not notify again.
func (a Alert) key() string { return a.Rule + "|" + a.Subject + "|" + a.Period }

// anomalyHistory is how many periods of a KPI's history anomalies are judged
// against: three years of months, so each month has two earlier ones.
const anomalyHistory = 36

// evaluate returns what holds for one rule at asOf. KPI rules judge the last
// period complete both before asOf and within the data: a month half gone, or
// two stray days of the next, would trip every threshold on a sum.
func evaluate(ctx context.Context, eng *kpi.Engine, tr *goals.Tracker, stored func(context.Context) ([]*goals.Goal, error), r *Rule, asOf, dataStart, dataEnd time.Time) ([]Alert, error) {
	if r.Condition == GoalAtRisk {
		return goalAlerts(ctx, tr, stored, r, asOf) // as of now, like 'salesops goals status'
	}
	k, ok := eng.Catalog().KPI(r.KPI)
	if !ok {
		return nil, fmt.Errorf("rule %s: unknown KPI %q", r.ID, r.KPI)
	}
	n := 2
	if r.Condition == Anomalous {
		n = anomalyHistory
	}
	from, to, ok := eng.Calendar().CompletePeriods(r.grain, n, asOf, dataStart, dataEnd)
	if !ok {
		return nil, nil
	}
	filters := map[string][]string{}
	for d, v := range r.Scope {
		filters[d] = []string{v}
	}
	res, err := eng.Evaluate(ctx, kpi.Query{KPIs: []string{k.ID}, Grain: r.grain, From: from, To: to, Filters: filters})
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.ID, err)
	}
	var values []float64
	var labels []string
	for _, row := range res.Rows {
		v := math.NaN()
		if row.Value != nil {
			v = *row.Value
		}
		values = append(values, v)
		labels = append(labels, row.Period.Label)
	}
	if len(values) == 0 || math.IsNaN(values[len(values)-1]) {
		return nil, nil // no value for the period: nothing to judge
	}
	last := values[len(values)-1]
	a := Alert{Rule: r.ID, Subject: scopeString(r.Scope), Period: labels[len(labels)-1], KPI: k.ID, Value: &last, Threshold: r.Value}
	where := ""
	if len(r.Scope) > 0 {
		where = " (" + scopeString(r.Scope) + ")"
	}
	head := fmt.Sprintf("%s%s %s: %s", k.Name, where, a.Period, kpi.Readable(k.Unit, &last))
	switch r.Condition {
	case Above, Below, QualityBelow:
		t := *r.Value
		if (r.Condition == Above && last > t) || (r.Condition != Above && last < t) {
			side := "below"
			if r.Condition == Above {
				side = "above"
			}
			a.Message = fmt.Sprintf("%s, %s the threshold %s", head, side, kpi.Readable(k.Unit, &t))
			return []Alert{a}, nil
		}
	case ChangeAbove, ChangeBelow:
		if len(values) < 2 || math.IsNaN(values[len(values)-2]) || values[len(values)-2] == 0 {
			return nil, nil
		}
		prev := values[len(values)-2]
		change := (last - prev) / math.Abs(prev)
		t := *r.Value
		if (r.Condition == ChangeAbove && change > t) || (r.Condition == ChangeBelow && change < t) {
			a.Value = &change
			a.Message = fmt.Sprintf("%s, %+.1f%% on %s (%s); threshold %+.1f%%", head, 100*change, labels[len(labels)-2], kpi.Readable(k.Unit, &prev), 100*t)
			return []Alert{a}, nil
		}
	case Anomalous:
		rep := trend.Anomalies(values, r.grain.Season(), trend.AnomalyOptions{})
		p := rep.Points[len(rep.Points)-1]
		side := r.Side
		if side == "" {
			side = "low" // what hurts: a fall of a higher-is-better KPI
			if k.Direction == "lower" {
				side = "high"
			}
		}
		if p.Status == trend.Anomaly && (side == "any" || string(p.Side) == side) {
			a.Threshold = p.Expected
			a.Message = fmt.Sprintf("%s, unusually %s: about %s expected from its history (%.1f robust standard deviations off)",
				head, p.Side, kpi.Readable(k.Unit, p.Expected), math.Abs(*p.Score))
			return []Alert{a}, nil
		}
	}
	return nil, nil
}

// goalAlerts are the goals in progress at asOf that are at risk or off track.
func goalAlerts(ctx context.Context, tr *goals.Tracker, stored func(context.Context) ([]*goals.Goal, error), r *Rule, asOf time.Time) ([]Alert, error) {
	list, err := stored(ctx)
	if err != nil {
		return nil, err
	}
	var out []Alert
	found := r.Goal == ""
	for _, g := range list {
		found = found || g.ID == r.Goal
		if (r.Goal != "" && g.ID != r.Goal) || asOf.Before(g.Start) || !asOf.Before(g.End) {
			continue
		}
		s, err := tr.Status(ctx, g, asOf)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		if s.State != calc.AtRisk && s.State != calc.OffTrack {
			continue
		}
		period := g.Period
		if period == "" {
			period = g.From + ".." + g.To
		}
		target, actual, projected := s.Target, s.Actual, s.Projected
		msg := fmt.Sprintf("Goal %s (%s, %s, %s) is %s: %s so far against a target of %s, on pace for %s",
			g.ID, g.KPI, g.Scope, period, strings.ReplaceAll(string(s.State), "_", " "), kpi.Readable(s.Unit, &actual),
			kpi.Readable(s.Unit, &target), kpi.Readable(s.Unit, &projected))
		out = append(out, Alert{Rule: r.ID, Subject: "goal:" + g.ID, Period: period, KPI: g.KPI, Value: &actual, Threshold: &target, Message: msg})
	}
	if !found {
		return nil, fmt.Errorf("rule %s: no goal %q (see 'salesops goals status')", r.ID, r.Goal)
	}
	return out, nil
}
