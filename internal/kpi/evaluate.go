package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// evaluation is the state of one Evaluate call.
type evaluation struct {
	e       *Engine
	q       Query
	periods []Period
	grains  map[string]*grainData
}

// group is one cell of a grain: a period and a value per dimension.
type group struct {
	period int
	dims   []*string
	vals   map[string]value
	memo   map[string]value
}

// grainData holds the measure values of every group at one set of dimensions.
type grainData struct {
	dims     []string
	measures map[string]*Measure
	groups   map[string]*group
	order    []string // measure ids, for deterministic query building
	// children maps an outer group key to its per-rep groups (inner grains only).
	children map[string][]*group
	repIdx   int
}

func (r *evaluation) grain(dims []string) *grainData {
	k := strings.Join(dims, ",")
	if g, ok := r.grains[k]; ok {
		return g
	}
	g := &grainData{dims: dims, measures: map[string]*Measure{}, groups: map[string]*group{}, repIdx: -1}
	for i, d := range dims {
		if d == "rep" {
			g.repIdx = i
		}
	}
	r.grains[k] = g
	return g
}

func (g *grainData) want(m *Measure) {
	if _, ok := g.measures[m.ID]; !ok {
		g.measures[m.ID] = m
		g.order = append(g.order, m.ID)
	}
}

func groupKey(period int, dims []*string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", period)
	for _, d := range dims {
		b.WriteByte(0x1f)
		if d == nil {
			b.WriteByte(0)
		} else {
			b.WriteByte(1)
			b.WriteString(*d)
		}
	}
	return b.String()
}

func (g *grainData) at(period int, dims []*string) *group {
	k := groupKey(period, dims)
	gr, ok := g.groups[k]
	if !ok {
		gr = &group{period: period, dims: dims, vals: map[string]value{}}
		g.groups[k] = gr
	}
	return gr
}

// indexBy links each group of an inner (per-rep) grain to its outer group.
func (g *grainData) indexBy(outer *grainData) {
	g.children = map[string][]*group{}
	for _, gr := range g.groups {
		var dims []*string
		for i, d := range gr.dims {
			if i != g.repIdx {
				dims = append(dims, d)
			}
		}
		k := groupKey(gr.period, dims)
		g.children[k] = append(g.children[k], gr)
	}
	for _, kids := range g.children {
		sort.Slice(kids, func(i, j int) bool { return strOrEmpty(kids[i].dims[g.repIdx]) < strOrEmpty(kids[j].dims[g.repIdx]) })
	}
}

func strOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// attribution says how rows are placed in periods; measures that share entity
// and attribution are computed by one query.
func attribution(m *Measure) string {
	switch {
	case m.At != "":
		return "at:" + m.At
	case m.Time != "":
		return "time:" + m.Time
	}
	return "periodic"
}

// batch is one query: the measures of one entity and attribution at a grain.
type batch struct {
	g            *grainData
	entity, attr string
	ms           []*Measure
	rows         []scanned
}

// scanned is one result row of a batch.
type scanned struct {
	period int
	dims   []*string
	vals   []value
}

// batches groups the grain's measures into one query per entity and attribution.
func (g *grainData) batches() []*batch {
	var out []*batch
	index := map[string]*batch{}
	for _, id := range g.order {
		m := g.measures[id]
		k := m.Entity + "|" + attribution(m)
		b, ok := index[k]
		if !ok {
			b = &batch{g: g, entity: m.Entity, attr: attribution(m)}
			index[k] = b
			out = append(out, b)
		}
		b.ms = append(b.ms, m)
	}
	return out
}

// maxConcurrentQueries bounds how many queries run at once. Most are small, so
// running a few side by side hides their fixed latency; more would only contend
// for the database's threads.
const maxConcurrentQueries = 4

// fetch runs the batches concurrently, then files their rows into the grains in
// a fixed order so that results never depend on timing.
func (r *evaluation) fetch(ctx context.Context, batches []*batch) error {
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(maxConcurrentQueries)
	for _, b := range batches {
		eg.Go(func() error {
			query, args, err := r.buildSQL(r.e.ents[b.entity], b.attr, b.ms, b.g.dims)
			if err != nil {
				return fmt.Errorf("compile %s measures: %w", b.entity, err)
			}
			if b.rows, err = r.scan(ctx, len(b.g.dims), len(b.ms), query, args); err != nil {
				return fmt.Errorf("evaluate %s measures: %w", b.entity, err)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	for _, b := range batches {
		for _, row := range b.rows {
			gr := b.g.at(row.period, row.dims)
			for i, m := range b.ms {
				gr.vals[m.ID] = row.vals[i]
			}
		}
		b.rows = nil
	}
	return nil
}

func (r *evaluation) scan(ctx context.Context, nd, nm int, query string, args []any) ([]scanned, error) {
	rows, err := r.e.st.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	bucket := map[int64]int{}
	for i, p := range r.periods {
		bucket[p.Bucket.UnixMicro()] = i
	}
	dest := make([]any, 1+nd+nm)
	var pkey time.Time
	dest[0] = &pkey
	dimVals := make([]sql.NullString, nd)
	for i := range dimVals {
		dest[1+i] = &dimVals[i]
	}
	vals := make([]sql.NullFloat64, nm)
	for i := range vals {
		dest[1+nd+i] = &vals[i]
	}
	var out []scanned
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		pi, ok := bucket[pkey.UnixMicro()]
		if !ok {
			continue
		}
		row := scanned{period: pi, dims: make([]*string, nd), vals: make([]value, nm)}
		for i, v := range dimVals {
			if v.Valid {
				s := v.String
				row.dims[i] = &s
			}
		}
		for i, v := range vals {
			if v.Valid {
				row.vals[i] = num(v.Float64)
			} else {
				row.vals[i] = null
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// sqlOrder fixes the order of common tables: each only reads those before it.
var sqlOrder = []string{"params", "configured_stages", "team_tree", "team_region", "opp_source", "first_wins", "stage_defaults"}

// buildSQL renders the query for measures of one entity and attribution at a
// grain. Its text depends only on definitions and dimension names; every value
// (periods, literals, filter values, team ids) is a bound parameter.
func (r *evaluation) buildSQL(ent *entity, attr string, ms []*Measure, dims []string) (string, []any, error) {
	d := r.e.st.Dialect()
	var args []any
	b := &sqlBuilder{}
	// periods come first in the text, so their parameters come first.
	var pv []string
	for _, p := range r.periods {
		pv = append(pv, fmt.Sprintf("(%s, %s, %s)", d.Timestamp("?"), d.Timestamp("?"), d.Timestamp("?")))
		args = append(args, p.Bucket, p.Start, p.End)
	}
	ctes := map[string]bool{}
	for _, c := range ent.ctes {
		ctes[c] = true
	}
	var selects []string
	selects = append(selects, "p.pkey")
	var groupBy []string
	groupBy = append(groupBy, "p.pkey")
	var joins []string
	for _, dim := range dims {
		f := ent.dims[dim]
		selects = append(selects, "CAST("+f.sql+" AS VARCHAR)")
		groupBy = append(groupBy, f.sql)
		joins = append(joins, f.joins...)
	}
	// Measure expressions: their parameters follow the periods'.
	var aggs []string
	for _, m := range ms {
		s, err := r.aggregate(b, ent, m)
		if err != nil {
			return "", nil, fmt.Errorf("measure %s: %w", m.ID, err)
		}
		aggs = append(aggs, s)
	}
	joins = append(joins, b.joins...)
	selects = append(selects, aggs...)
	args = append(args, b.args...)

	var where []string
	var periodJoin string
	switch {
	case attr == "periodic":
		alias := ent.from[strings.LastIndex(ent.from, " ")+1:]
		periodJoin = "JOIN periods p ON p.pkey = " + alias + ".pkey"
	case strings.HasPrefix(attr, "at:"):
		at := "p.pend"
		if attr == "at:start" {
			at = "p.pstart"
		}
		cond := []string{}
		if ent.validFrom != "" {
			cond = append(cond, fmt.Sprintf("(%[1]s IS NULL OR %[1]s < %[2]s)", ent.validFrom, at))
		}
		if ent.validTo != "" {
			cond = append(cond, fmt.Sprintf("(%[1]s IS NULL OR %[1]s >= %[2]s)", ent.validTo, at))
		}
		periodJoin = "JOIN periods p ON " + strings.Join(cond, " AND ")
	default:
		t := ent.times[strings.TrimPrefix(attr, "time:")]
		if r.q.Grain == All {
			periodJoin = fmt.Sprintf("JOIN periods p ON %[1]s >= p.pstart AND %[1]s < p.pend", t)
		} else {
			shift := r.e.cal.ShiftMonths(r.q.Grain)
			// The bucket join is the fast path; the bounds keep clipped periods
			// clipped, and the overall range lets the scan skip what is outside.
			periodJoin = "JOIN periods p ON p.pkey = " + d.Truncate(string(r.q.Grain), t, shift) +
				fmt.Sprintf(" AND %[1]s >= p.pstart AND %[1]s < p.pend", t)
			where = append(where, fmt.Sprintf("%[1]s >= %[2]s AND %[1]s < %[3]s", t, d.Timestamp("?"), d.Timestamp("?")))
			args = append(args, r.periods[0].Start, r.periods[len(r.periods)-1].End)
		}
	}
	// Filters and scope.
	filterDims := make([]string, 0, len(r.q.Filters))
	for dim := range r.q.Filters {
		filterDims = append(filterDims, dim)
	}
	sort.Strings(filterDims)
	teamCond := func(teams []string) string {
		ctes["team_tree"] = true
		joins = append(joins, ent.team.joins...)
		ph := make([]string, len(teams))
		for i, t := range teams {
			ph[i] = "?"
			args = append(args, t)
		}
		return fmt.Sprintf("%s IN (SELECT descendant FROM team_tree WHERE ancestor IN (%s))", ent.team.sql, strings.Join(ph, ", "))
	}
	for _, dim := range filterDims {
		values := r.q.Filters[dim]
		if len(values) == 0 {
			continue
		}
		if dim == "team" {
			where = append(where, teamCond(values))
			continue
		}
		f := ent.dims[dim]
		joins = append(joins, f.joins...)
		ph := make([]string, len(values))
		for i, v := range values {
			ph[i] = "?"
			args = append(args, v)
		}
		where = append(where, fmt.Sprintf("CAST(%s AS VARCHAR) IN (%s)", f.sql, strings.Join(ph, ", ")))
	}
	if r.q.Teams != nil {
		if len(r.q.Teams) == 0 {
			where = append(where, "FALSE")
		} else {
			where = append(where, teamCond(r.q.Teams))
		}
	}

	orderedJoins := resolveJoins(ent, joins)
	for _, j := range orderedJoins {
		for _, c := range ctesOfJoin[j] {
			ctes[c] = true
		}
	}
	for c := range ctes {
		for _, dep := range cteDeps[c] {
			ctes[dep] = true
		}
	}
	var with []string
	with = append(with, "periods (pkey, pstart, pend) AS (VALUES "+strings.Join(pv, ", ")+")")
	var cteArgs []any
	for _, c := range sqlOrder {
		if !ctes[c] {
			continue
		}
		switch c {
		case "params":
			with = append(with, "params (today) AS (SELECT "+d.Timestamp("?")+")")
			cteArgs = append(cteArgs, dayStart(r.e.now()))
		case "configured_stages":
			with = append(with, r.configuredStages(&cteArgs))
		default:
			with = append(with, commonTables[c])
		}
	}
	// Common-table parameters sit between the periods' and the measures'.
	nPeriodArgs := 3 * len(r.periods)
	args = append(append(append([]any{}, args[:nPeriodArgs]...), cteArgs...), args[nPeriodArgs:]...)

	var sb strings.Builder
	sb.WriteString("WITH RECURSIVE ")
	sb.WriteString(strings.Join(with, ",\n"))
	sb.WriteString("\nSELECT ")
	sb.WriteString(strings.Join(selects, ",\n       "))
	sb.WriteString("\nFROM ")
	sb.WriteString(ent.from)
	sb.WriteString("\n")
	sb.WriteString(periodJoin)
	for _, j := range orderedJoins {
		sb.WriteString("\n")
		sb.WriteString(ent.joins[j].sql)
	}
	if len(where) > 0 {
		sb.WriteString("\nWHERE ")
		sb.WriteString(strings.Join(where, "\n  AND "))
	}
	sb.WriteString("\nGROUP BY ")
	sb.WriteString(strings.Join(groupBy, ", "))
	return sb.String(), args, nil
}

func (r *evaluation) configuredStages(args *[]any) string {
	if len(r.e.probs) == 0 {
		return "configured_stages (stage, probability) AS (SELECT CAST(NULL AS VARCHAR), CAST(NULL AS DOUBLE) WHERE 1 = 0)"
	}
	var names []string
	for s := range r.e.probs {
		names = append(names, s)
	}
	sort.Strings(names)
	var vals []string
	for _, s := range names {
		vals = append(vals, "(CAST(? AS VARCHAR), CAST(? AS DOUBLE))")
		*args = append(*args, strings.ToLower(s), r.e.probs[s])
	}
	return "configured_stages (stage, probability) AS (VALUES " + strings.Join(vals, ", ") + ")"
}

// resolveJoins orders the named joins so that each follows those it depends on.
func resolveJoins(ent *entity, names []string) []string {
	var out []string
	done := map[string]bool{}
	var add func(n string)
	add = func(n string) {
		if done[n] {
			return
		}
		done[n] = true
		for _, dep := range ent.joins[n].joins {
			add(dep)
		}
		out = append(out, n)
	}
	for _, n := range names {
		add(n)
	}
	return out
}

func (r *evaluation) aggregate(b *sqlBuilder, ent *entity, m *Measure) (string, error) {
	d := r.e.st.Dialect()
	x := "*"
	if m.expr != nil {
		s, err := b.compile(m.expr, ent)
		if err != nil {
			return "", err
		}
		x = s
	}
	var agg string
	switch m.Agg {
	case "count":
		agg = "count(" + x + ")"
	case "count_distinct":
		agg = "count(DISTINCT " + x + ")"
	case "sum", "avg", "min", "max":
		agg = m.Agg + "(" + x + ")"
	case "median":
		agg = d.Median(x)
	case "stddev":
		agg = d.StddevPop(x)
	default:
		return "", fmt.Errorf("unknown aggregation %q", m.Agg)
	}
	if m.filter != nil {
		f, err := b.compile(m.filter, ent)
		if err != nil {
			return "", err
		}
		agg += " FILTER (WHERE " + f + ")"
	}
	return d.Double(agg), nil
}

// zeroWhenEmpty reports whether a measure over no rows is 0 (counts and sums)
// rather than null (means, medians, extremes).
func zeroWhenEmpty(m *Measure) bool {
	return m.Agg == "count" || m.Agg == "sum" || m.Agg == "count_distinct"
}

// groupEnv evaluates formulas for one group.
type groupEnv struct {
	r     *evaluation
	g     *grainData
	inner *grainData
	gr    *group
}

func (en *groupEnv) lookup(name string) value {
	if m, ok := en.r.e.cat.measures[name]; ok {
		if v, ok := en.gr.vals[name]; ok {
			if v.null && zeroWhenEmpty(m) {
				return value{}
			}
			return v
		}
		if zeroWhenEmpty(m) {
			return value{}
		}
		return null
	}
	if k, ok := en.r.e.cat.kpis[name]; ok {
		if en.gr.memo == nil {
			en.gr.memo = map[string]value{}
		}
		if v, ok := en.gr.memo[name]; ok {
			return v
		}
		v := eval(k.formula, en)
		en.gr.memo[name] = v
		return v
	}
	p := en.r.periods[en.gr.period]
	switch name {
	case "period_days":
		return num(p.Days())
	case "period_months":
		return num(p.Months())
	}
	return null
}

func (en *groupEnv) prev(n Node) value {
	if en.gr.period == 0 {
		return null
	}
	k := groupKey(en.gr.period-1, en.gr.dims)
	gr, ok := en.g.groups[k]
	if !ok {
		gr = &group{period: en.gr.period - 1, dims: en.gr.dims, vals: map[string]value{}}
	}
	return eval(n, &groupEnv{r: en.r, g: en.g, inner: en.inner, gr: gr})
}

func (en *groupEnv) byRep(agg string, val, cond Node) value {
	var kids []*group
	if en.inner == en.g {
		kids = []*group{en.gr}
	} else {
		kids = en.inner.children[groupKey(en.gr.period, en.gr.dims)]
	}
	var xs []float64
	for _, kid := range kids {
		kenv := &groupEnv{r: en.r, g: en.inner, inner: en.inner, gr: kid}
		if cond != nil {
			c := eval(cond, kenv)
			if c.null || c.v == 0 {
				continue
			}
		}
		v := eval(val, kenv)
		if v.null {
			continue
		}
		xs = append(xs, v.v)
	}
	return aggregateReps(agg, xs)
}

// aggregateReps combines per-rep values; an empty set is null except for sums
// and counts.
func aggregateReps(agg string, xs []float64) value {
	n := float64(len(xs))
	switch agg {
	case "count":
		return num(n)
	case "sum":
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return num(s)
	}
	if len(xs) == 0 {
		return null
	}
	switch agg {
	case "share":
		k := 0.0
		for _, x := range xs {
			if x != 0 {
				k++
			}
		}
		return num(k / n)
	case "mean", "cv":
		s := 0.0
		for _, x := range xs {
			s += x
		}
		mean := s / n
		if agg == "mean" {
			return num(mean)
		}
		if mean == 0 {
			return null
		}
		ss := 0.0
		for _, x := range xs {
			ss += (x - mean) * (x - mean)
		}
		return num(math.Sqrt(ss/n) / mean)
	case "median":
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		if len(s)%2 == 1 {
			return num(s[len(s)/2])
		}
		return num((s[len(s)/2-1] + s[len(s)/2]) / 2)
	case "min", "max":
		best := xs[0]
		for _, x := range xs[1:] {
			if agg == "min" && x < best || agg == "max" && x > best {
				best = x
			}
		}
		return num(best)
	}
	return null
}

// evaluate computes one KPI for every group of the outer grain.
func (r *evaluation) evaluate(p *plan, outer, inner *grainData, first int, res *Result) {
	keys := map[string]*group{}
	if len(outer.dims) == 0 {
		for i := first; i < len(r.periods); i++ {
			gr := outer.at(i, nil)
			keys[groupKey(i, nil)] = gr
		}
	} else {
		has := func(gr *group, ms []*Measure) bool {
			for _, m := range ms {
				if _, ok := gr.vals[m.ID]; ok {
					return true
				}
			}
			return false
		}
		for k, gr := range outer.groups {
			// With rep among the dimensions, by_rep reads the outer groups themselves.
			if gr.period >= first && (has(gr, p.outer) || inner == outer && has(gr, p.inner)) {
				keys[k] = gr
			}
		}
		// A group that had data last period gets a row now, so that growth shows a
		// fall to nothing instead of leaving the period out.
		if p.usesPrev {
			var carried []*group
			for _, gr := range outer.groups {
				if gr.period+1 < len(r.periods) && gr.period+1 >= first && has(gr, p.outer) {
					carried = append(carried, gr)
				}
			}
			for _, gr := range carried {
				k := groupKey(gr.period+1, gr.dims)
				if _, ok := keys[k]; !ok {
					keys[k] = outer.at(gr.period+1, gr.dims)
				}
			}
		}
		if p.usesRep && inner != outer {
			for k, kids := range inner.children {
				if _, ok := keys[k]; ok || len(kids) == 0 || kids[0].period < first {
					continue
				}
				for _, kid := range kids {
					if has(kid, p.inner) {
						dims := make([]*string, 0, len(kid.dims)-1)
						for i, d := range kid.dims {
							if i != inner.repIdx {
								dims = append(dims, d)
							}
						}
						keys[k] = outer.at(kid.period, dims)
						break
					}
				}
			}
		}
	}
	for _, gr := range keys {
		en := &groupEnv{r: r, g: outer, inner: inner, gr: gr}
		v := en.lookup(p.kpi.ID)
		row := Row{KPI: p.kpi.ID, Period: r.periods[gr.period], Dims: gr.dims}
		if !v.null {
			x := v.v
			row.Value = &x
		}
		if row.Dims == nil {
			row.Dims = []*string{}
		}
		res.Rows = append(res.Rows, row)
	}
}
