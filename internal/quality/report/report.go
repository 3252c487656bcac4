// Package report answers the data-quality questions of a sales-ops analyst:
// how accurate the CRM is per record type, rep and team and month after
// month, which rules hurt most, and which records fail which rule, for
// clean-up.
//
// Scores come from the KPI engine (crm_data_accuracy and its measures
// dq_records and dq_passed); the failing records come from the rule
// catalog's SQL (package quality), from which the engine's data_quality
// entity is generated too, so the records failing in a period are exactly
// dq_records − dq_passed of it.
package report

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/pipeline"
	"github.com/salesops/salesops/internal/quality"
	"github.com/salesops/salesops/internal/store"
)

// Source is what the reports read: the store and the KPI engine over it (whose
// clock gives "today").
type Source struct {
	Store  store.Store
	Engine *kpi.Engine
}

// Filter selects records. Rules only narrows the failing records and the
// rule counts: a score always counts every rule.
type Filter struct {
	Rules       []string // rule ids
	RecordTypes []string // opportunity, lead, account, activity, stage_history
	Reps        []string // record owners (any id, known or not)
	Team        string   // a team and its sub-teams
	// From and To are inclusive dates of when records were recorded. Zero
	// means open for the failing records and the data's extent for scores.
	From, To time.Time
}

// Group-by choices of Scores.
var Groupings = []string{"record_type", "rep", "team"}

// Check reports the first unknown rule id or record type as a
// *kpi.QueryError naming the parameter.
func (f Filter) Check() error {
	for _, id := range f.Rules {
		if _, ok := quality.RuleByID(id); !ok {
			return &kpi.QueryError{Param: "rule", Msg: fmt.Sprintf("unknown rule %q (see salesops quality rules)", id)}
		}
	}
	types := quality.RecordTypeNames()
	for _, t := range f.RecordTypes {
		if !slices.Contains(types, t) {
			return &kpi.QueryError{Param: "record_type", Msg: fmt.Sprintf("unknown record type %q (want %s)", t, strings.Join(types, ", "))}
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return &kpi.QueryError{Param: "from", Msg: fmt.Sprintf("from %s is after to %s", f.From.Format(day), f.To.Format(day))}
	}
	return nil
}

const day = "2006-01-02"

// Failure is one rule that one record breaks.
type Failure struct {
	RecordType  string     `json:"record_type"`
	RecordID    string     `json:"record_id"`
	Rule        string     `json:"rule"`
	Severity    string     `json:"severity"`
	Description string     `json:"description"`
	Rep         *string    `json:"rep"`
	RepName     *string    `json:"rep_name"`
	Team        *string    `json:"team"` // the rep's own team
	Account     *string    `json:"account"`
	AccountName *string    `json:"account_name"`
	Value       string     `json:"value"`       // the offending values, e.g. "status=open; close_date=2026-03-20"
	RecordedAt  *time.Time `json:"recorded_at"` // when the record was recorded; null for an account without created_at
}

// Failures is the list of failing records.
type Failures struct {
	From      string    `json:"from"` // the filter's dates, "" when open
	To        string    `json:"to"`
	Total     int64     `json:"total"`   // failures (record and rule) matching the filter
	Records   int64     `json:"records"` // distinct records among them
	Truncated bool      `json:"truncated"`
	Failures  []Failure `json:"failures"`
}

// ListFailures lists the failures matching f, a record's failures together,
// records by type and id; limit > 0 caps the list (the totals still count
// everything).
func (s Source) ListFailures(ctx context.Context, f Filter, limit int) (*Failures, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	w, err := s.where(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &Failures{Failures: []Failure{}}
	if !f.From.IsZero() {
		out.From = f.From.Format(day)
	}
	if !f.To.IsZero() {
		out.To = f.To.Format(day)
	}
	if _, out.Records, out.Total, err = s.counts(ctx, w); err != nil {
		return nil, err
	}
	q := w.with + `
SELECT f.record_type, f.record_id, f.rule_id, f.rep_id, r.name, r.team_id, f.account_id, ac.name, f.value, f.recorded_at
FROM (` + quality.FailuresSQL(s.Store.Dialect()) + `
) f
LEFT JOIN reps r ON r.rep_id = f.rep_id
LEFT JOIN accounts ac ON ac.account_id = f.account_id` + w.where + `
ORDER BY f.record_type, f.record_id, f.rule_id`
	args := w.args
	if limit > 0 {
		q += "\nLIMIT ?"
		args = append(args, limit)
	}
	rows, err := s.Store.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list failing records: %w", err)
	}
	defer rows.Close()
	rules := map[string]quality.Rule{}
	for _, r := range quality.Rules() {
		rules[r.ID] = r
	}
	for rows.Next() {
		var x Failure
		var value *string
		if err := rows.Scan(&x.RecordType, &x.RecordID, &x.Rule, &x.Rep, &x.RepName, &x.Team, &x.Account, &x.AccountName, &value, &x.RecordedAt); err != nil {
			return nil, fmt.Errorf("list failing records: %w", err)
		}
		if value != nil {
			x.Value = *value
		}
		if x.RecordedAt != nil {
			t := x.RecordedAt.UTC()
			x.RecordedAt = &t
		}
		r := rules[x.Rule]
		x.Severity, x.Description = string(r.Severity), r.Description
		out.Failures = append(out.Failures, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list failing records: %w", err)
	}
	out.Truncated = int64(len(out.Failures)) < out.Total
	return out, nil
}

// condition is the WITH clause and WHERE of a filter over the failures
// relation (alias f, with reps as r), and their parameters in order.
type condition struct {
	with  string
	where string
	args  []any
}

func (s Source) where(ctx context.Context, f Filter) (condition, error) {
	d := s.Store.Dialect()
	c := condition{with: "WITH params (today) AS (SELECT " + d.Timestamp("?") + ")", args: []any{s.Engine.Today()}}
	var conds []string
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		ph := make([]string, len(vals))
		for i, v := range vals {
			ph[i] = "?"
			c.args = append(c.args, v)
		}
		conds = append(conds, col+" IN ("+strings.Join(ph, ", ")+")")
	}
	in("f.rule_id", f.Rules)
	in("f.record_type", f.RecordTypes)
	in("f.rep_id", f.Reps)
	if f.Team != "" {
		if err := s.checkTeam(ctx, f.Team); err != nil {
			return c, err
		}
		teams, err := pipeline.Subtree(ctx, s.Store, f.Team)
		if err != nil {
			return c, err
		}
		var ids []string
		for t := range teams {
			ids = append(ids, t)
		}
		slices.Sort(ids)
		in("r.team_id", ids)
	}
	if !f.From.IsZero() {
		conds = append(conds, "f.recorded_at >= "+d.Timestamp("?"))
		c.args = append(c.args, dayStart(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "f.recorded_at < "+d.Timestamp("?"))
		c.args = append(c.args, dayStart(f.To).AddDate(0, 0, 1))
	}
	if len(conds) > 0 {
		c.where = "\nWHERE " + strings.Join(conds, "\n  AND ")
	}
	return c, nil
}

// counts returns the failures per rule, the distinct failing records and all
// failures matching a condition, in one pass.
func (s Source) counts(ctx context.Context, c condition) (map[string]int64, int64, int64, error) {
	q := c.with + `
SELECT f.rule_id, count(*), count(DISTINCT f.record_type || '/' || f.record_id)
FROM (` + quality.FailuresSQL(s.Store.Dialect()) + `
) f
LEFT JOIN reps r ON r.rep_id = f.rep_id` + c.where + `
GROUP BY GROUPING SETS ((f.rule_id), ())`
	rows, err := s.Store.Query(ctx, q, c.args...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("count failing records: %w", err)
	}
	defer rows.Close()
	per := map[string]int64{}
	var records, total int64
	for rows.Next() {
		var rule *string
		var n, distinct int64
		if err := rows.Scan(&rule, &n, &distinct); err != nil {
			return nil, 0, 0, fmt.Errorf("count failing records: %w", err)
		}
		if rule == nil {
			records, total = distinct, n
		} else {
			per[*rule] = n
		}
	}
	return per, records, total, rows.Err()
}

// checkTeam refuses a team that does not exist, which would otherwise
// quietly select nothing.
func (s Source) checkTeam(ctx context.Context, team string) error {
	rows, err := s.Store.Query(ctx, `SELECT count(*) FROM teams WHERE team_id = ?`, team)
	if err != nil {
		return fmt.Errorf("read teams: %w", err)
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("read teams: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read teams: %w", err)
	}
	if n == 0 {
		return &kpi.QueryError{Param: "team", Msg: fmt.Sprintf("no team %q", team)}
	}
	return nil
}

func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
