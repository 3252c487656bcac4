package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
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
	// scoped restricts rows to reps: the team filter's and the scope's subtrees.
	scoped bool
	reps   []string
}

// repCondition keeps an entity's rows whose rep is in scope. Team subtrees are
// resolved to reps in Go beforehand: a plain list lets the database skip the
// joins to reps and teams that a subtree test would need on every row.
func (r *evaluation) repCondition(ent *entity, joins *[]string, args *[]any) string {
	if len(r.reps) == 0 {
		return "FALSE"
	}
	f := ent.dims["rep"]
	*joins = append(*joins, f.joins...)
	ph := make([]string, len(r.reps))
	for i, rep := range r.reps {
		ph[i] = "?"
		*args = append(*args, rep)
	}
	return fmt.Sprintf("%s IN (%s)", f.sql, strings.Join(ph, ", "))
}

// group is one cell of a grain: a period and a value per dimension.
type group struct {
	period int
	dims   []*string
	dimKey string
	vals   []value // by the grain's measure slot
	has    []bool  // whether the query returned the slot's measure
	memo   []value // KPI values by catalog position, once computed
	done   []bool
	prev   *group   // the same dimensions one period earlier, if that group exists
	kids   []*group // per-rep groups below this one (by_rep)
}

// grainData holds the measure values of every group at one set of dimensions.
type grainData struct {
	dims     []string
	measures map[string]*Measure
	order    []string // measure ids in slot order, for deterministic query building
	slot     []int    // catalog measure position → slot, -1 when not wanted here
	groups   map[string]*group
	sorted   []*group // by period, then dimension values
	repIdx   int
	nkpis    int
}

func (r *evaluation) grain(dims []string) *grainData {
	k := strings.Join(dims, ",")
	if g, ok := r.grains[k]; ok {
		return g
	}
	g := &grainData{dims: dims, measures: map[string]*Measure{}, groups: map[string]*group{}, repIdx: -1,
		slot: make([]int, len(r.e.cat.measures)), nkpis: len(r.e.cat.order)}
	for i := range g.slot {
		g.slot[i] = -1
	}
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
		g.slot[m.idx] = len(g.order)
		g.order = append(g.order, m.ID)
	}
}

func dimKey(dims []*string) string {
	var b strings.Builder
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

func groupKey(period int, dk string) string { return strconv.Itoa(period) + dk }

func (g *grainData) newGroup(period int, dims []*string, dk string) *group {
	return &group{period: period, dims: dims, dimKey: dk,
		vals: make([]value, len(g.order)), has: make([]bool, len(g.order))}
}

func (g *grainData) at(period int, dims []*string) *group {
	dk := dimKey(dims)
	k := groupKey(period, dk)
	gr, ok := g.groups[k]
	if !ok {
		gr = g.newGroup(period, dims, dk)
		g.groups[k] = gr
	}
	return gr
}

// finish links groups to the previous period's and sorts them for output.
func (g *grainData) finish() {
	g.sorted = g.sorted[:0]
	for _, gr := range g.groups {
		if gr.period > 0 {
			gr.prev = g.groups[groupKey(gr.period-1, gr.dimKey)]
		}
		g.sorted = append(g.sorted, gr)
	}
	slices.SortFunc(g.sorted, func(a, b *group) int {
		if a.period != b.period {
			return a.period - b.period
		}
		for i := range a.dims {
			x, y := a.dims[i], b.dims[i]
			switch {
			case x == nil && y == nil:
				continue
			case x == nil:
				return -1
			case y == nil:
				return 1
			}
			if c := strings.Compare(*x, *y); c != 0 {
				return c
			}
		}
		return 0
	})
}

// indexBy hangs each group of an inner (per-rep) grain under its outer group,
// creating outer groups that only per-rep data reaches.
func (g *grainData) indexBy(outer *grainData) {
	for _, gr := range g.groups {
		dims := make([]*string, 0, len(gr.dims)-1)
		for i, d := range gr.dims {
			if i != g.repIdx {
				dims = append(dims, d)
			}
		}
		o := outer.at(gr.period, dims)
		o.kids = append(o.kids, gr)
	}
	for _, o := range outer.groups {
		slices.SortFunc(o.kids, func(a, b *group) int {
			return strings.Compare(strOrEmpty(a.dims[g.repIdx]), strOrEmpty(b.dims[g.repIdx]))
		})
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
			t0 := time.Now()
			if b.rows, err = r.scan(ctx, len(b.g.dims), len(b.ms), query, args); err != nil {
				return fmt.Errorf("evaluate %s measures: %w", b.entity, err)
			}
			if r.e.onQuery != nil {
				r.e.onQuery(QueryStat{Entity: b.entity, Attribution: b.attr, Dims: b.g.dims, Rows: len(b.rows), Took: time.Since(t0)})
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
				slot := b.g.slot[m.idx]
				gr.vals[slot] = row.vals[i]
				gr.has[slot] = true
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
// (periods, literals, filter values, reps in scope) is a bound parameter.
func (r *evaluation) buildSQL(ent *entity, attr string, ms []*Measure, dims []string) (string, []any, error) {
	b := &sqlBuilder{}
	selects := []string{"p.pkey"}
	groupBy := []string{"p.pkey"}
	var joins []string
	for _, dim := range dims {
		f := ent.dims[dim]
		selects = append(selects, "CAST("+f.sql+" AS VARCHAR)")
		groupBy = append(groupBy, f.sql)
		joins = append(joins, f.joins...)
	}
	for _, m := range ms {
		s, err := r.aggregate(b, ent, m, groupBy)
		if err != nil {
			return "", nil, fmt.Errorf("measure %s: %w", m.ID, err)
		}
		selects = append(selects, s)
	}
	joins = append(joins, b.joins...)
	args := b.args // the SELECT's parameters, then the WHERE's

	periodJoin, where, whereArgs := r.periodJoin(ent, attr)
	args = append(args, whereArgs...)
	filterDims := make([]string, 0, len(r.q.Filters))
	for dim := range r.q.Filters {
		filterDims = append(filterDims, dim)
	}
	sort.Strings(filterDims)
	for _, dim := range filterDims {
		values := r.q.Filters[dim]
		if len(values) == 0 || dim == "team" {
			continue // a team filter arrives as the reps of its subtree
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
	if r.scoped {
		where = append(where, r.repCondition(ent, &joins, &args))
	}
	orderedJoins := resolveJoins(ent, joins)
	with, withArgs := r.with(ent, orderedJoins)

	var sb strings.Builder
	sb.WriteString(with)
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
	return sb.String(), append(withArgs, args...), nil
}

// periodJoin attributes an entity's rows to the periods: a periodic entity by
// its period key, a snapshot by its validity at the period's start or end, a
// flow by the period holding its instant. It returns the JOIN and the WHERE
// conditions (with their parameters) that go with it.
func (r *evaluation) periodJoin(ent *entity, attr string) (string, []string, []any) {
	switch {
	case attr == "periodic":
		alias := ent.from[strings.LastIndex(ent.from, " ")+1:]
		return "JOIN periods p ON p.pkey = " + alias + ".pkey", nil, nil
	case strings.HasPrefix(attr, "at:"):
		at := "p.pend"
		if attr == "at:start" {
			at = "p.pstart"
		}
		var cond []string
		if ent.validFrom != "" {
			cond = append(cond, fmt.Sprintf("(%[1]s IS NULL OR %[1]s < %[2]s)", ent.validFrom, at))
		}
		if ent.validTo != "" {
			cond = append(cond, fmt.Sprintf("(%[1]s IS NULL OR %[1]s >= %[2]s)", ent.validTo, at))
		}
		return "JOIN periods p ON " + strings.Join(cond, " AND "), nil, nil
	}
	t := ent.times[strings.TrimPrefix(attr, "time:")]
	if r.q.Grain == All {
		return fmt.Sprintf("JOIN periods p ON %[1]s >= p.pstart AND %[1]s < p.pend", t), nil, nil
	}
	// The bucket join is the fast path; the bounds keep clipped periods
	// clipped, and the overall range lets the scan skip what is outside.
	d := r.e.st.Dialect()
	join := "JOIN periods p ON p.pkey = " + d.Truncate(string(r.q.Grain), t, r.e.cal.ShiftMonths(r.q.Grain)) +
		fmt.Sprintf(" AND %[1]s >= p.pstart AND %[1]s < p.pend", t)
	where := fmt.Sprintf("%[1]s >= %[2]s AND %[1]s < %[3]s", t, d.Timestamp("?"), d.Timestamp("?"))
	return join, []string{where}, []any{r.periods[0].Start, r.periods[len(r.periods)-1].End}
}

// with renders the WITH clause: the periods as bound parameters, then the
// common tables the entity and its joins read, each after those it reads. Its
// parameters come first in the query.
func (r *evaluation) with(ent *entity, joins []string) (string, []any) {
	d := r.e.st.Dialect()
	ctes := map[string]bool{}
	for _, c := range ent.ctes {
		ctes[c] = true
	}
	for _, j := range joins {
		for _, c := range ctesOfJoin[j] {
			ctes[c] = true
		}
	}
	for c := range ctes {
		for _, dep := range cteDeps[c] {
			ctes[dep] = true
		}
	}
	var args []any
	pv := make([]string, len(r.periods))
	for i, p := range r.periods {
		pv[i] = fmt.Sprintf("(%s, %s, %s)", d.Timestamp("?"), d.Timestamp("?"), d.Timestamp("?"))
		args = append(args, p.Bucket, p.Start, p.End)
	}
	parts := []string{"periods (pkey, pstart, pend) AS (VALUES " + strings.Join(pv, ", ") + ")"}
	for _, c := range sqlOrder {
		if !ctes[c] {
			continue
		}
		switch c {
		case "params":
			parts = append(parts, "params (today) AS (SELECT "+d.Timestamp("?")+")")
			args = append(args, dayStart(r.e.now()))
		case "configured_stages":
			parts = append(parts, r.configuredStages(&args))
		default:
			parts = append(parts, commonTables[c])
		}
	}
	return "WITH RECURSIVE " + strings.Join(parts, ",\n"), args
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

func (r *evaluation) aggregate(b *sqlBuilder, ent *entity, m *Measure, groupBy []string) (string, error) {
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
		if slices.Contains(groupBy, x) {
			// Grouped by the very expression: one distinct value per group when
			// any row has it, and no per-group hash set to build.
			agg = "CASE WHEN count(" + x + ") > 0 THEN 1 ELSE 0 END"
			if m.filter != nil {
				f, err := b.compile(m.filter, ent)
				if err != nil {
					return "", err
				}
				agg = "CASE WHEN count(" + x + ") FILTER (WHERE " + f + ") > 0 THEN 1 ELSE 0 END"
			}
			return d.Double(agg), nil
		}
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

func (en *groupEnv) lookup(id *Ident) value {
	if m := id.measure; m != nil {
		if slot := en.g.slot[m.idx]; slot >= 0 && en.gr.has[slot] && !en.gr.vals[slot].null {
			return en.gr.vals[slot]
		}
		if zeroWhenEmpty(m) {
			return value{}
		}
		return null
	}
	if k := id.kpi; k != nil {
		if en.gr.memo == nil {
			en.gr.memo = make([]value, en.g.nkpis)
			en.gr.done = make([]bool, en.g.nkpis)
		}
		if en.gr.done[k.idx] {
			return en.gr.memo[k.idx]
		}
		v := eval(k.formula, en)
		en.gr.memo[k.idx], en.gr.done[k.idx] = v, true
		return v
	}
	p := en.r.periods[en.gr.period]
	switch id.Name {
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
	gr := en.gr.prev
	if gr == nil {
		// Nothing happened for these dimensions last period.
		gr = en.g.newGroup(en.gr.period-1, en.gr.dims, en.gr.dimKey)
	}
	return eval(n, &groupEnv{r: en.r, g: en.g, inner: en.inner, gr: gr})
}

func (en *groupEnv) byRep(agg string, val, cond Node) value {
	kids := en.gr.kids
	if en.inner == en.g {
		kids = []*group{en.gr}
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

// prepare creates every group any KPI may report and orders them: all periods
// when there are no dimensions, the period after each group for growth
// formulas, and outer groups reached only through per-rep data.
func (r *evaluation) prepare(plans []*plan, outer, inner *grainData) {
	if len(outer.dims) == 0 {
		for i := range r.periods {
			outer.at(i, nil)
		}
	}
	for _, p := range plans {
		if p.usesPrev {
			var last []*group
			for _, gr := range outer.groups {
				if gr.period+1 < len(r.periods) {
					last = append(last, gr)
				}
			}
			for _, gr := range last {
				outer.at(gr.period+1, gr.dims)
			}
			break
		}
	}
	if inner != outer {
		inner.indexBy(outer)
	}
	outer.finish()
}

func slotsOf(g *grainData, ms []*Measure) []int {
	var out []int
	for _, m := range ms {
		if s := g.slot[m.idx]; s >= 0 {
			out = append(out, s)
		}
	}
	return out
}

func hasAny(gr *group, slots []int) bool {
	if gr == nil {
		return false
	}
	for _, s := range slots {
		if gr.has[s] {
			return true
		}
	}
	return false
}

// selectGroups lists the groups of the outer grain that have data for a KPI, in
// the grain's order.
func (r *evaluation) selectGroups(p *plan, outer, inner *grainData, first int) []*group {
	outerSlots := slotsOf(outer, p.outer)
	innerSlots := slotsOf(inner, p.inner)
	var kept []*group
	for _, gr := range outer.sorted {
		if gr.period < first {
			continue
		}
		keep := len(outer.dims) == 0 || hasAny(gr, outerSlots) ||
			inner == outer && hasAny(gr, innerSlots) ||
			p.usesPrev && hasAny(gr.prev, outerSlots)
		if !keep && p.usesRep && inner != outer {
			for _, kid := range gr.kids {
				if hasAny(kid, innerSlots) {
					keep = true
					break
				}
			}
		}
		if keep {
			kept = append(kept, gr)
		}
	}
	return kept
}

// evaluate computes every KPI for its groups. Rows and their values are
// allocated once: at a million rows the cost is in growing slices, not in the
// arithmetic.
func (r *evaluation) evaluate(plans []*plan, outer, inner *grainData, first int, res *Result) {
	groups := make([][]*group, len(plans))
	total := 0
	for i, p := range plans {
		groups[i] = r.selectGroups(p, outer, inner, first)
		total += len(groups[i])
	}
	res.Rows = make([]Row, 0, total)
	values := make([]float64, total)
	empty := []*string{}
	for i, p := range plans {
		for _, gr := range groups[i] {
			en := groupEnv{r: r, g: outer, inner: inner, gr: gr}
			v := eval(p.kpi.formula, &en)
			row := Row{KPI: p.kpi.ID, Period: &r.periods[gr.period], Dims: gr.dims}
			if !v.null {
				values[len(res.Rows)] = v.v
				row.Value = &values[len(res.Rows)]
			}
			if row.Dims == nil {
				row.Dims = empty
			}
			res.Rows = append(res.Rows, row)
		}
	}
}
