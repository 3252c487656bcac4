package kpi

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// DrillQuery asks for the records behind one KPI value.
type DrillQuery struct {
	KPI    string
	Grain  Grain
	Period string            // the period's label, e.g. 2026-03
	Dims   map[string]string // dimension values of the group; "" matches a blank value
	Teams  []string          // row-level scope, as in Query
	Limit  int               // rows per measure, default 500
}

// DrillMeasure is the rows one measure counted.
type DrillMeasure struct {
	ID          string      `json:"id"`
	Entity      string      `json:"entity"`
	Description string      `json:"description"`
	Count       int64       `json:"count"`
	Truncated   bool        `json:"truncated"`
	Columns     []string    `json:"columns"`
	Rows        [][]*string `json:"rows"`
}

// DrillResult is the answer to a DrillQuery.
type DrillResult struct {
	KPI      string         `json:"kpi"`
	Period   PeriodJSON     `json:"period"`
	Measures []DrillMeasure `json:"measures"`
}

// PeriodJSON is a period as the API shows it; End is exclusive.
type PeriodJSON struct {
	Label string `json:"label"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// JSON returns the period for the API.
func (p Period) JSON() PeriodJSON {
	return PeriodJSON{Label: p.Label, Start: p.Start.Format("2006-01-02"), End: p.End.Format("2006-01-02")}
}

// Drill lists, for each measure of the KPI, the rows of its entity that the
// measure aggregated for the given period and group.
func (e *Engine) Drill(ctx context.Context, q DrillQuery) (*DrillResult, error) {
	k, ok := e.cat.kpis[q.KPI]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKPI, q.KPI)
	}
	grain, err := ParseGrain(string(q.Grain))
	if err != nil {
		return nil, &QueryError{"period", err.Error()}
	}
	for d := range q.Dims {
		if !isDimension(d) {
			return nil, &QueryError{d, fmt.Sprintf("unknown dimension %q", d)}
		}
	}
	if q.Limit <= 0 {
		q.Limit = 500
	}
	period, err := e.periodByLabel(ctx, grain, q.Period)
	if err != nil {
		return nil, err
	}
	p := e.plan(k)
	res := &DrillResult{KPI: k.ID, Period: period.JSON()}
	run := &evaluation{e: e, q: Query{Grain: grain, Teams: q.Teams}, periods: []Period{period}}
	var teamFilter []string
	if t, ok := q.Dims["team"]; ok && t != "" {
		teamFilter = []string{t}
	}
	if run.reps, run.scoped, err = e.scopeReps(ctx, teamFilter, q.Teams); err != nil {
		return nil, err
	}
	for _, m := range append(append([]*Measure{}, p.outer...), p.inner...) {
		dm, err := run.drillMeasure(ctx, m, q)
		if err != nil {
			return nil, fmt.Errorf("drill %s: %w", m.ID, err)
		}
		if dm != nil {
			res.Measures = append(res.Measures, *dm)
		}
	}
	return res, nil
}

// periodByLabel finds the period of a grain with the given label within the
// data's extent (or the year around it).
func (e *Engine) periodByLabel(ctx context.Context, g Grain, label string) (Period, error) {
	lo, hi, err := e.extent(ctx)
	if err != nil {
		return Period{}, err
	}
	if lo.IsZero() {
		return Period{}, &QueryError{"at", "there is no data"}
	}
	if g == All {
		return Period{Label: "all", Bucket: lo, Start: lo, End: hi}, nil
	}
	for _, p := range e.cal.Periods(g, lo.AddDate(-1, 0, 0), hi.AddDate(1, 0, 0)) {
		if p.Label == label {
			return Period{Label: p.Label, Bucket: p.Bucket, Start: p.Bucket, End: next(g, p.Bucket)}, nil
		}
	}
	return Period{}, &QueryError{"at", fmt.Sprintf("no %s period %q near the data", g, label)}
}

// drillMeasure selects the rows behind one measure; measures of entities that
// cannot take a requested dimension are skipped.
func (r *evaluation) drillMeasure(ctx context.Context, m *Measure, q DrillQuery) (*DrillMeasure, error) {
	ent := r.e.ents[m.Entity]
	for d := range q.Dims {
		if _, ok := ent.dims[d]; !ok {
			return nil, nil
		}
	}
	var names []string
	for n := range ent.columns {
		if n != "period_start" && n != "period_end" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	dims := make([]string, 0, len(q.Dims))
	for d := range q.Dims {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	query, args, err := r.buildDrillSQL(ent, m, names, dims, q)
	if err != nil {
		return nil, err
	}
	rows, err := r.e.st.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	dm := &DrillMeasure{ID: m.ID, Entity: m.Entity, Description: m.Description, Columns: names, Rows: [][]*string{}}
	vals := make([]*string, len(names))
	dest := make([]any, len(names)+1)
	for i := range vals {
		dest[i] = &vals[i]
	}
	dest[len(names)] = &dm.Count
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		row := make([]*string, len(vals))
		copy(row, vals)
		dm.Rows = append(dm.Rows, row)
	}
	dm.Truncated = dm.Count > int64(len(dm.Rows))
	return dm, rows.Err()
}

// buildDrillSQL is the aggregate query of one measure for one period, with the
// grouping replaced by the group's values and the aggregate by the rows.
func (r *evaluation) buildDrillSQL(ent *entity, m *Measure, names, dims []string, q DrillQuery) (string, []any, error) {
	b := &sqlBuilder{}
	var sel []string
	for _, n := range names {
		c := ent.columns[n]
		b.joins = append(b.joins, c.joins...)
		sel = append(sel, "CAST("+c.sql+" AS VARCHAR)")
	}
	var where []string
	if m.filter != nil {
		f, err := b.compile(m.filter, ent)
		if err != nil {
			return "", nil, err
		}
		where = append(where, f)
	}
	args := b.args
	joins := append([]string{}, b.joins...)
	periodJoin, periodWhere, periodArgs := r.periodJoin(ent, attribution(m))
	where = append(where, periodWhere...)
	args = append(args, periodArgs...)
	for _, dim := range dims {
		f := ent.dims[dim]
		if dim == "team" {
			// A team's value covers its subtree: its reps, resolved below.
			if q.Dims[dim] == "" {
				joins = append(joins, ent.team.joins...)
				where = append(where, "("+ent.team.sql+") IS NULL")
			}
			continue
		}
		joins = append(joins, f.joins...)
		if q.Dims[dim] == "" {
			where = append(where, "("+f.sql+") IS NULL")
			continue
		}
		where = append(where, "CAST("+f.sql+" AS VARCHAR) = ?")
		args = append(args, q.Dims[dim])
	}
	if r.scoped {
		where = append(where, r.repCondition(ent, &joins, &args))
	}
	ordered := resolveJoins(ent, joins)
	with, withArgs := r.with(ent, ordered)
	var sb strings.Builder
	sb.WriteString(with)
	sb.WriteString("\nSELECT " + strings.Join(sel, ", ") + ", count(*) OVER () AS total")
	sb.WriteString("\nFROM " + ent.from + "\n" + periodJoin)
	for _, j := range ordered {
		sb.WriteString("\n" + ent.joins[j].sql)
	}
	if len(where) > 0 {
		sb.WriteString("\nWHERE " + strings.Join(where, "\n  AND "))
	}
	order := make([]string, len(sel))
	for i := range order {
		order[i] = fmt.Sprint(i + 1)
	}
	sb.WriteString(fmt.Sprintf("\nORDER BY %s\nLIMIT %d", strings.Join(order, ", "), q.Limit))
	return sb.String(), append(withArgs, args...), nil
}
