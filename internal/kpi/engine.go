// Package kpi is the semantic layer: measures and KPIs declared in YAML, a
// formula language over them, and an engine that evaluates any set of KPIs by
// period and dimension with one SQL query per entity and grain.
package kpi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/store"
)

// Config tunes the engine.
type Config struct {
	Calendar Calendar
	// Now is the clock used by rules that depend on today (open deals past their
	// close date); nil means time.Now.
	Now func() time.Time
	// StageProbabilities overrides the win probability of stages (lower-case
	// names) for deals that give none.
	StageProbabilities map[string]float64
	// Definitions are extra KPI definition files or directories.
	Definitions []string
	// OnQuery, when set, is told about every query the engine runs (for
	// metrics and --verbose output). It may be called from several goroutines.
	OnQuery func(QueryStat)
}

// QueryStat describes one query of an evaluation.
type QueryStat struct {
	Entity      string
	Attribution string // "time:close_date", "at:end", "periodic"
	Dims        []string
	Rows        int
	Took        time.Duration
}

// Engine evaluates KPIs against a store.
type Engine struct {
	st      store.Store
	cat     *Catalog
	cal     Calendar
	ents    map[string]*entity
	now     func() time.Time
	probs   map[string]float64
	onQuery func(QueryStat)
}

// New loads the catalog (built-in plus cfg.Definitions) and returns an engine.
func New(st store.Store, cfg Config) (*Engine, error) {
	ents := entities(st.Dialect())
	cat, err := LoadCatalog(ents, cfg.Definitions...)
	if err != nil {
		return nil, err
	}
	if m := cfg.Calendar.FiscalStartMonth; m != 0 && (m < 1 || m > 12) {
		return nil, fmt.Errorf("fiscal year start month %d: want 1-12", m)
	}
	for s, p := range cfg.StageProbabilities {
		if p < 0 || p > 1 || math.IsNaN(p) {
			return nil, fmt.Errorf("stage %q probability %v: want 0-1", s, p)
		}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Engine{st: st, cat: cat, cal: cfg.Calendar, ents: ents, now: now, probs: cfg.StageProbabilities, onQuery: cfg.OnQuery}, nil
}

// Catalog returns the measures and KPIs the engine knows.
func (e *Engine) Catalog() *Catalog { return e.cat }

// Query asks for KPI values.
type Query struct {
	KPIs  []string // ids; empty means every KPI of the catalog
	By    []string // dimensions, in output order
	Grain Grain
	// From and To are inclusive dates; zero means the extent of the data.
	From, To time.Time
	// Filters keep rows whose dimension value is one of the given values; a team
	// filter keeps the team's whole subtree.
	Filters map[string][]string
	// Teams, when not nil, restricts every number to reps in these teams' subtrees
	// (row-level scoping for managers and reps).
	Teams []string
}

// Row is one KPI value.
type Row struct {
	KPI    string
	Period *Period
	Dims   []*string // one per Query.By; nil is a blank dimension value
	Value  *float64  // nil is null
}

// Result is the answer to a Query.
type Result struct {
	By    []string
	Rows  []Row
	Notes []string // KPIs left out and why
}

// ErrUnknownKPI is returned for a KPI id the catalog does not have.
var ErrUnknownKPI = errors.New("unknown KPI")

// QueryError is a problem with the query itself (bad dimension, bad range).
type QueryError struct {
	Param string
	Msg   string
}

func (e *QueryError) Error() string { return e.Param + ": " + e.Msg }

// plan is what one KPI needs.
type plan struct {
	kpi      *KPI
	outer    []*Measure // measures read at the query's grain
	inner    []*Measure // measures read per rep inside by_rep
	usesRep  bool
	usesPrev bool
}

func (e *Engine) plan(k *KPI) *plan {
	p := &plan{kpi: k}
	seenOuter, seenInner := map[string]bool{}, map[string]bool{}
	var visit func(n Node, inner bool, stack map[string]bool)
	visit = func(n Node, inner bool, stack map[string]bool) {
		switch x := n.(type) {
		case *Ident:
			if m, ok := e.cat.measures[x.Name]; ok {
				if inner && !seenInner[m.ID] {
					seenInner[m.ID] = true
					p.inner = append(p.inner, m)
				}
				if !inner && !seenOuter[m.ID] {
					seenOuter[m.ID] = true
					p.outer = append(p.outer, m)
				}
			} else if sub, ok := e.cat.kpis[x.Name]; ok && !stack[sub.ID] {
				stack[sub.ID] = true
				visit(sub.formula, inner, stack)
				delete(stack, sub.ID)
			}
		case *Call:
			if x.Func == "by_rep" {
				p.usesRep = true
				for _, a := range x.Args[1:] {
					visit(a, true, stack)
				}
				return
			}
			if x.Func == "prev" {
				p.usesPrev = true
			}
			for _, a := range x.Args {
				visit(a, inner, stack)
			}
		case *Unary:
			visit(x.X, inner, stack)
		case *Binary:
			visit(x.L, inner, stack)
			visit(x.R, inner, stack)
		case *IsNull:
			visit(x.X, inner, stack)
		}
	}
	visit(k.formula, false, map[string]bool{k.ID: true})
	return p
}

// Evaluate computes the KPIs of q.
func (e *Engine) Evaluate(ctx context.Context, q Query) (*Result, error) {
	if q.Grain == "" {
		q.Grain = Month
	}
	grain, err := ParseGrain(string(q.Grain))
	if err != nil {
		return nil, &QueryError{"period", err.Error()}
	}
	q.Grain = grain
	seen := map[string]bool{}
	for _, d := range q.By {
		if !isDimension(d) {
			return nil, &QueryError{"by", fmt.Sprintf("unknown dimension %q (want %s)", d, strings.Join(Dimensions, ", "))}
		}
		if seen[d] {
			return nil, &QueryError{"by", fmt.Sprintf("dimension %q given twice", d)}
		}
		seen[d] = true
	}
	for d := range q.Filters {
		if !isDimension(d) {
			return nil, &QueryError{"filter", fmt.Sprintf("unknown dimension %q (want %s)", d, strings.Join(Dimensions, ", "))}
		}
	}
	ids := q.KPIs
	if len(ids) == 0 {
		ids = e.cat.order
	}
	var plans []*plan
	for _, id := range ids {
		k, ok := e.cat.kpis[id]
		if !ok {
			if m, isMeasure := e.cat.measures[strings.TrimPrefix(id, measurePrefix)]; isMeasure && strings.HasPrefix(id, measurePrefix) {
				k = measureKPI(m)
			} else {
				return nil, fmt.Errorf("%w %q (see salesops kpi list)", ErrUnknownKPI, id)
			}
		}
		plans = append(plans, e.plan(k))
	}
	from, to, err := e.dateRange(ctx, q)
	if err != nil {
		return nil, err
	}
	res := &Result{By: q.By}
	periods := e.cal.Periods(q.Grain, from, to)
	if len(periods) == 0 {
		res.Notes = append(res.Notes, "no data in the requested range")
		return res, nil
	}
	first := 0
	for _, p := range plans {
		if p.usesPrev {
			if prior, ok := e.cal.Before(q.Grain, periods[0]); ok {
				periods = append([]Period{prior}, periods...)
				first = 1
			}
			break
		}
	}

	outerDims := q.By
	innerDims := q.By
	if !seen["rep"] {
		innerDims = append(append([]string{}, q.By...), "rep")
	}
	// Keep the KPIs whose entities can be cut by every requested dimension.
	var ok []*plan
	for _, p := range plans {
		if why := e.unavailable(p, outerDims, innerDims, q); why != "" {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: %s; left out", p.kpi.ID, why))
			continue
		}
		ok = append(ok, p)
	}

	run := &evaluation{e: e, q: q, periods: periods, grains: map[string]*grainData{}}
	if run.reps, run.scoped, err = e.scopeReps(ctx, q.Filters["team"], q.Teams); err != nil {
		return nil, err
	}
	outerG := run.grain(outerDims)
	innerG := run.grain(innerDims)
	for _, p := range ok {
		for _, m := range p.outer {
			outerG.want(m)
		}
		for _, m := range p.inner {
			innerG.want(m)
		}
	}
	batches := outerG.batches()
	if innerG != outerG {
		batches = append(batches, innerG.batches()...)
	}
	if err := run.fetch(ctx, batches); err != nil {
		return nil, err
	}
	run.prepare(ok, outerG, innerG)
	run.evaluate(ok, outerG, innerG, first, res)
	return res, nil
}

// unavailable says why a KPI cannot be cut as asked, or "" when it can.
func (e *Engine) unavailable(p *plan, outer, inner []string, q Query) string {
	check := func(ms []*Measure, dims []string) string {
		for _, m := range ms {
			ent := e.ents[m.Entity]
			for _, d := range dims {
				if _, ok := ent.dims[d]; !ok {
					return fmt.Sprintf("not available by %s (%s has no %s)", d, m.Entity, d)
				}
			}
			for d := range q.Filters {
				if _, ok := ent.dims[d]; !ok {
					return fmt.Sprintf("cannot be filtered by %s (%s has no %s)", d, m.Entity, d)
				}
			}
			if (q.Teams != nil || len(q.Filters["team"]) > 0) && ent.team.sql == "" {
				return fmt.Sprintf("cannot be restricted to teams (%s belongs to no rep)", m.Entity)
			}
		}
		return ""
	}
	if why := check(p.outer, outer); why != "" {
		return why
	}
	return check(p.inner, inner)
}

// dateRange resolves the query's range to [from, to) instants.
func (e *Engine) dateRange(ctx context.Context, q Query) (time.Time, time.Time, error) {
	from, to := q.From, q.To
	if !to.IsZero() {
		to = dayStart(to).AddDate(0, 0, 1)
	}
	if !from.IsZero() {
		from = dayStart(from)
	}
	if from.IsZero() || to.IsZero() {
		lo, hi, err := e.extent(ctx)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		if lo.IsZero() {
			return time.Time{}, time.Time{}, nil
		}
		if from.IsZero() {
			from = lo
		}
		if to.IsZero() {
			to = hi
		}
	}
	if !from.Before(to) {
		return time.Time{}, time.Time{}, &QueryError{"from", fmt.Sprintf("from %s is after to %s", from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02"))}
	}
	return from, to, nil
}

func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// extentSQL finds the first and last day that has data.
const extentSQL = `SELECT min(lo), max(hi) FROM (
    SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM activities
    UNION ALL SELECT min(created_at), max(created_at) FROM leads
    UNION ALL SELECT min(created_at), max(created_at) FROM opportunities
    UNION ALL SELECT min(close_date), max(close_date) FROM opportunities WHERE status <> 'open'
    UNION ALL SELECT min(date), max(date) FROM time_entries
    UNION ALL SELECT min(date), max(date) FROM spend
    UNION ALL SELECT min(responded_at), max(responded_at) FROM nps_responses
    UNION ALL SELECT min(start_date), max(start_date) FROM subscriptions
) extent`

func (e *Engine) extent(ctx context.Context) (time.Time, time.Time, error) {
	rows, err := e.st.Query(ctx, extentSQL)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("find data range: %w", err)
	}
	defer rows.Close()
	var lo, hi *time.Time
	if rows.Next() {
		if err := rows.Scan(&lo, &hi); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("find data range: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("find data range: %w", err)
	}
	if lo == nil || hi == nil {
		return time.Time{}, time.Time{}, nil
	}
	return dayStart(*lo), dayStart(*hi).AddDate(0, 0, 1), nil
}

// Extent is the first day with data and the day after the last, or zero times
// for an empty database.
func (e *Engine) Extent(ctx context.Context) (time.Time, time.Time, error) {
	return e.extent(ctx)
}

// Today is the start (UTC) of the engine's current day: the "today" of the
// rules that depend on it, such as open deals past their close date.
func (e *Engine) Today() time.Time { return dayStart(e.now()) }

// Calendar is the engine's calendar.
func (e *Engine) Calendar() Calendar { return e.cal }

// scopeReps resolves a team filter and a team scope to the reps of their
// subtrees (both apply when both are given). scoped is false when neither is.
func (e *Engine) scopeReps(ctx context.Context, filter, scope []string) ([]string, bool, error) {
	if len(filter) == 0 && scope == nil {
		return nil, false, nil
	}
	children := map[string][]string{}
	known := map[string]bool{}
	rows, err := e.st.Query(ctx, `SELECT team_id, parent_team_id FROM teams`)
	if err != nil {
		return nil, false, fmt.Errorf("read teams: %w", err)
	}
	for rows.Next() {
		var id string
		var parent *string
		if err := rows.Scan(&id, &parent); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("read teams: %w", err)
		}
		known[id] = true
		if parent != nil {
			children[*parent] = append(children[*parent], id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read teams: %w", err)
	}
	for _, t := range filter {
		if !known[t] {
			// A typo would otherwise read as a team with nothing in it.
			return nil, false, &QueryError{Param: "team", Msg: fmt.Sprintf("no team %q", t)}
		}
	}
	subtree := func(roots []string) map[string]bool {
		in := map[string]bool{}
		stack := append([]string{}, roots...)
		for len(stack) > 0 {
			t := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if in[t] {
				continue // a cycle in the tree
			}
			in[t] = true
			stack = append(stack, children[t]...)
		}
		return in
	}
	var sets []map[string]bool
	if len(filter) > 0 {
		sets = append(sets, subtree(filter))
	}
	if scope != nil {
		sets = append(sets, subtree(scope))
	}
	rows, err = e.st.Query(ctx, `SELECT rep_id, team_id FROM reps WHERE team_id IS NOT NULL ORDER BY rep_id`)
	if err != nil {
		return nil, false, fmt.Errorf("read reps: %w", err)
	}
	defer rows.Close()
	reps := []string{}
	for rows.Next() {
		var rep, team string
		if err := rows.Scan(&rep, &team); err != nil {
			return nil, false, fmt.Errorf("read reps: %w", err)
		}
		keep := true
		for _, set := range sets {
			keep = keep && set[team]
		}
		if keep {
			reps = append(reps, rep)
		}
	}
	return reps, true, rows.Err()
}

// measurePrefix lets a query ask for a measure's value as if it were a KPI
// ("measure:quota"), for analyses that need a building block the catalog does
// not publish as a KPI (goals cascaded by quota share).
const measurePrefix = "measure:"

func measureKPI(m *Measure) *KPI {
	return &KPI{ID: measurePrefix + m.ID, Name: m.ID, Unit: "count", Direction: "higher", Indicator: "lagging",
		formula: &Ident{Name: m.ID, measure: m}, idx: -1}
}

// Cumulative reports whether a KPI adds up over a period — a count or sum of
// rows attributed by their instant, like revenue or calls — so that its goals
// are paced through the period. Rates and snapshots (win rate, MRR) are not.
func (c *Catalog) Cumulative(id string) bool {
	k, ok := c.kpis[id]
	if !ok {
		return false
	}
	cumulative := true
	var visit func(n Node)
	visit = func(n Node) {
		switch x := n.(type) {
		case *Ident:
			switch {
			case x.measure != nil:
				m := x.measure
				if m.Time == "" || (m.Agg != "count" && m.Agg != "sum") {
					cumulative = false
				}
			case x.kpi != nil:
				visit(x.kpi.formula)
			default:
				cumulative = false
			}
		case *Binary:
			if x.Op != "+" && x.Op != "-" && x.Op != "*" {
				cumulative = false
			}
			visit(x.L)
			visit(x.R)
		case *Number:
		default:
			cumulative = false
		}
	}
	visit(k.formula)
	return cumulative
}
