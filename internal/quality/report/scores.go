package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/quality"
)

// Score is the data accuracy of a set of records.
type Score struct {
	Records  int64    `json:"records"`  // dq_records
	Passed   int64    `json:"passed"`   // dq_passed
	Failing  int64    `json:"failing"`  // records breaking at least one rule
	Accuracy *float64 `json:"accuracy"` // crm_data_accuracy: passed ÷ records, to six decimals; null without records
}

// GroupScore is the score of one record type, rep or team (a team's covers
// its sub-teams).
type GroupScore struct {
	Group *string `json:"group"`          // null for records without a rep (or team)
	Name  *string `json:"name,omitempty"` // the rep's or team's name
	Score
}

// PeriodScore is the score of the records recorded in one month.
type PeriodScore struct {
	Period string `json:"period"` // e.g. 2026-03
	Start  string `json:"start"`
	End    string `json:"end"` // exclusive
	Score
}

// RuleCount is how many records break one rule.
type RuleCount struct {
	Rule        string `json:"rule"`
	RecordType  string `json:"record_type"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	Failing     int64  `json:"failing"`
}

// Scores is the data-quality scorecard of a range.
type Scores struct {
	From    string        `json:"from"` // inclusive dates; "" when there is no data
	To      string        `json:"to"`
	By      string        `json:"by,omitempty"`
	Overall Score         `json:"overall"`
	Groups  []GroupScore  `json:"groups"` // by By: record types in catalog order; reps and teams worst first
	Trend   []PeriodScore `json:"trend"`  // month by month
	Rules   []RuleCount   `json:"rules"`  // every rule of the filter, most failing first
}

// Scores computes the scorecard of the records matching f, grouped by by
// ("" for none, or one of Groupings), from the KPI engine.
func (s Source) Scores(ctx context.Context, f Filter, by string) (*Scores, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	if by != "" && !slices.Contains(Groupings, by) {
		return nil, &kpi.QueryError{Param: "by", Msg: fmt.Sprintf("%q: want %s", by, strings.Join(Groupings, ", "))}
	}
	if f.Team != "" {
		if err := s.checkTeam(ctx, f.Team); err != nil {
			return nil, err
		}
	}
	out := &Scores{By: by, Groups: []GroupScore{}, Trend: []PeriodScore{}, Rules: []RuleCount{}}
	// Without dates, every dated record: the range is given to the engine
	// explicitly, so that its scores and the rule counts cover the same records.
	if f.From.IsZero() || f.To.IsZero() {
		lo, hi, err := s.extent(ctx)
		if err != nil {
			return nil, err
		}
		if lo.IsZero() {
			return out, nil
		}
		if f.From.IsZero() {
			f.From = lo
		}
		if f.To.IsZero() {
			f.To = hi.AddDate(0, 0, -1)
		}
		if f.To.Before(f.From) {
			return nil, &kpi.QueryError{Param: "from", Msg: fmt.Sprintf("from %s is after to %s", f.From.Format(day), f.To.Format(day))}
		}
	}
	out.From, out.To = f.From.Format(day), f.To.Format(day)

	q := kpi.Query{KPIs: []string{"crm_data_accuracy", "measure:dq_records", "measure:dq_passed"},
		Grain: kpi.All, From: f.From, To: f.To, Filters: map[string][]string{}}
	if len(f.RecordTypes) > 0 {
		q.Filters["record_type"] = f.RecordTypes
	}
	if len(f.Reps) > 0 {
		q.Filters["rep"] = f.Reps
	}
	if f.Team != "" {
		q.Filters["team"] = []string{f.Team}
	}
	overall, err := s.evaluate(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, g := range overall {
		out.Overall = g.score
	}
	if by != "" {
		q.By = []string{by}
		groups, err := s.evaluate(ctx, q)
		if err != nil {
			return nil, err
		}
		names, err := s.names(ctx, by)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			gs := GroupScore{Group: g.dims[0], Score: g.score}
			if g.dims[0] != nil {
				if n, ok := names[*g.dims[0]]; ok {
					gs.Name = &n
				}
			}
			out.Groups = append(out.Groups, gs)
		}
		sortGroups(out.Groups, by)
		q.By = nil
	}
	q.Grain = kpi.Month
	months, err := s.evaluate(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, m := range months {
		out.Trend = append(out.Trend, PeriodScore{Period: m.period.Label, Start: m.period.Start.Format(day), End: m.period.End.Format(day), Score: m.score})
	}
	slices.SortFunc(out.Trend, func(a, b PeriodScore) int { return cmp.Compare(a.Start, b.Start) })

	rf := f
	rf.Rules = nil
	w, err := s.where(ctx, rf)
	if err != nil {
		return nil, err
	}
	per, _, _, err := s.counts(ctx, w)
	if err != nil {
		return nil, err
	}
	for _, r := range quality.Rules() {
		if (len(f.RecordTypes) > 0 && !slices.Contains(f.RecordTypes, r.RecordType)) || (len(f.Rules) > 0 && !slices.Contains(f.Rules, r.ID)) {
			continue
		}
		out.Rules = append(out.Rules, RuleCount{Rule: r.ID, RecordType: r.RecordType, Severity: string(r.Severity), Description: r.Description, Failing: per[r.ID]})
	}
	slices.SortStableFunc(out.Rules, func(a, b RuleCount) int { return cmp.Compare(b.Failing, a.Failing) })
	return out, nil
}

// extent is the first day with a record and the day after the last one, or
// zero times when there are none.
func (s Source) extent(ctx context.Context) (time.Time, time.Time, error) {
	rows, err := s.Store.Query(ctx, quality.ExtentSQL)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("find the records' range: %w", err)
	}
	defer rows.Close()
	var lo, hi *time.Time
	if rows.Next() {
		if err := rows.Scan(&lo, &hi); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("find the records' range: %w", err)
		}
	}
	if err := rows.Err(); err != nil || lo == nil || hi == nil {
		return time.Time{}, time.Time{}, err
	}
	return dayStart(*lo), dayStart(*hi).AddDate(0, 0, 1), nil
}

// cell is the score of one period and group.
type cell struct {
	period *kpi.Period
	dims   []*string
	score  Score
}

// evaluate runs q and gathers its three values per period and group.
func (s Source) evaluate(ctx context.Context, q kpi.Query) ([]*cell, error) {
	res, err := s.Engine.Evaluate(ctx, q)
	if err != nil {
		return nil, err
	}
	var order []*cell
	cells := map[string]*cell{}
	for _, r := range res.Rows {
		k := r.Period.Label
		for _, d := range r.Dims {
			k += "\x1f"
			if d != nil {
				k += "=" + *d
			}
		}
		c, ok := cells[k]
		if !ok {
			c = &cell{period: r.Period, dims: r.Dims}
			cells[k] = c
			order = append(order, c)
		}
		switch r.KPI {
		case "crm_data_accuracy":
			if r.Value != nil {
				v := kpi.Round("fraction", *r.Value) // six decimals, as every KPI is reported
				c.score.Accuracy = &v
			}
		case "measure:dq_records":
			c.score.Records = count(r.Value)
		case "measure:dq_passed":
			c.score.Passed = count(r.Value)
		}
	}
	for _, c := range order {
		c.score.Failing = c.score.Records - c.score.Passed
	}
	return order, nil
}

func count(v *float64) int64 {
	if v == nil {
		return 0
	}
	return int64(*v + 0.5)
}

// names maps rep or team ids to their names.
func (s Source) names(ctx context.Context, by string) (map[string]string, error) {
	var q string
	switch by {
	case "rep":
		q = `SELECT rep_id, name FROM reps`
	case "team":
		q = `SELECT team_id, name FROM teams`
	default:
		return nil, nil
	}
	rows, err := s.Store.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read %s names: %w", by, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("read %s names: %w", by, err)
		}
		out[id] = name
	}
	return out, rows.Err()
}

// sortGroups puts record types in catalog order, and reps and teams worst
// first (lowest accuracy, then most failing, then id), those without records
// last.
func sortGroups(gs []GroupScore, by string) {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	if by == "record_type" {
		types := quality.RecordTypeNames()
		slices.SortFunc(gs, func(a, b GroupScore) int {
			return cmp.Compare(slices.Index(types, str(a.Group)), slices.Index(types, str(b.Group)))
		})
		return
	}
	acc := func(g GroupScore) float64 {
		if g.Accuracy == nil {
			return 2
		}
		return *g.Accuracy
	}
	slices.SortFunc(gs, func(a, b GroupScore) int {
		return cmp.Or(cmp.Compare(acc(a), acc(b)), cmp.Compare(b.Failing, a.Failing), cmp.Compare(str(a.Group), str(b.Group)))
	})
}
