package explain

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// DefaultDimensions are the dimensions scanned for the segments behind a change.
var DefaultDimensions = []string{"team", "rep", "region", "segment", "source", "product", "type"}

// Options say what to explain.
type Options struct {
	KPI        string
	From, To   string              // period labels: the base period and the one compared with it
	Filters    map[string][]string // the scope, e.g. region=EMEA
	Dimensions []string            // dimensions to look for segments in; DefaultDimensions when empty
	Top        int                 // segments listed per dimension (default 5)
}

// Driver is one factor of a driver tree with its share of the change.
type Driver struct {
	Name         string   `json:"name"`
	KPI          string   `json:"kpi,omitempty"` // the catalog KPI the factor is, when it is one
	Unit         string   `json:"unit"`
	Old          *float64 `json:"old"`
	New          *float64 `json:"new"`
	Contribution float64  `json:"contribution"` // in the explained KPI's unit; drivers sum to the change
}

// Segment is one value of a dimension in both periods.
type Segment struct {
	Value        string    `json:"value"`
	Name         string    `json:"name,omitempty"` // the team's or rep's name
	Old          *float64  `json:"old"`            // the KPI in the segment
	New          *float64  `json:"new"`
	Contribution *float64  `json:"contribution"`   // its part of the overall change; segments sum to it
	Mix          *float64  `json:"mix,omitempty"`  // ratio KPIs: from its share of the denominator moving
	Rate         *float64  `json:"rate,omitempty"` // ratio KPIs: from its own ratio moving
	ShareOld     *float64  `json:"share_old,omitempty"`
	ShareNew     *float64  `json:"share_new,omitempty"`
	Drivers      []float64 `json:"drivers,omitempty"` // additive KPIs with a driver tree: its contribution split by driver
}

// Breakdown is the change seen through one dimension.
type Breakdown struct {
	Dimension string    `json:"dimension"`
	Method    string    `json:"method"` // additive, mix_rate, or values (the segments do not add up to the whole)
	Segments  []Segment `json:"segments"`
}

// Finding is one line of the explanation.
type Finding struct {
	Kind      string            `json:"kind"` // change, driver, segment, stage
	Text      string            `json:"text"`
	Impact    *float64          `json:"impact"`          // part of the change, in the KPI's unit
	Share     *float64          `json:"share,omitempty"` // impact ÷ change
	KPI       string            `json:"kpi"`             // the KPI whose numbers back it
	Filters   map[string]string `json:"filters,omitempty"`
	Dimension string            `json:"dimension,omitempty"`
}

// Report is the explanation of one KPI's change.
type Report struct {
	KPI        kpi.Info            `json:"kpi"`
	From       string              `json:"from"`
	To         string              `json:"to"`
	Scope      map[string][]string `json:"scope,omitempty"`
	Old        *float64            `json:"old"`
	New        *float64            `json:"new"`
	Change     *float64            `json:"change"`
	Relative   *float64            `json:"relative"` // change ÷ |old|
	Drivers    []Driver            `json:"drivers"`
	Breakdowns []Breakdown         `json:"breakdowns"`
	Stages     []StageChange       `json:"stages"`
	Findings   []Finding           `json:"findings"`
	Notes      []string            `json:"notes"`
}

// ParamError is a problem with one of the options, named as the command
// line and the API name it.
type ParamError struct{ Param, Msg string }

func (e *ParamError) Error() string { return e.Param + ": " + e.Msg }

// Run explains how a KPI moved from one period to another. The numbers come
// from the KPI engine; st, when set, names teams and reps and reads the stage
// history for the funnel.
func Run(ctx context.Context, eng *kpi.Engine, st store.Store, o Options) (*Report, error) {
	k, ok := eng.Catalog().KPI(o.KPI)
	if !ok {
		return nil, fmt.Errorf("%w: %q", kpi.ErrUnknownKPI, o.KPI)
	}
	cal := eng.Calendar()
	g0, p0, err := cal.ParseLabel(o.From)
	if err != nil {
		return nil, &ParamError{"from", err.Error()}
	}
	g1, p1, err := cal.ParseLabel(o.To)
	if err != nil {
		return nil, &ParamError{"to", err.Error()}
	}
	if g0 != g1 {
		return nil, &ParamError{"to", fmt.Sprintf("%s and %s are periods of different kinds: compare months with months, quarters with quarters", o.From, o.To)}
	}
	if o.From == o.To {
		return nil, &ParamError{"to", fmt.Sprintf("the same period as from (%s): nothing moved", o.From)}
	}
	dims := o.Dimensions
	if len(dims) == 0 {
		dims = DefaultDimensions
	}
	for _, d := range dims {
		if !slices.Contains(kpi.Dimensions, d) {
			return nil, &ParamError{"by", fmt.Sprintf("dimension %q: want one of %s", d, strings.Join(kpi.Dimensions, ", "))}
		}
	}
	top := o.Top
	if top <= 0 {
		top = 5
	}
	rep := &Report{KPI: k.Info(), From: o.From, To: o.To, Scope: o.Filters, Drivers: []Driver{}, Breakdowns: []Breakdown{},
		Stages: []StageChange{}, Findings: []Finding{}, Notes: []string{}}
	var org *orgInfo
	if st != nil {
		if org, err = loadOrg(ctx, st); err != nil {
			return nil, err
		}
		for _, dim := range []string{"team", "rep"} {
			for _, v := range o.Filters[dim] {
				if _, ok := org.names[dim][v]; !ok {
					return nil, &ParamError{dim, fmt.Sprintf("no %s %q", dim, v)}
				}
			}
		}
	}
	shape := analyse(eng.Catalog(), k.Formula)
	tree, hasTree := trees[k.ID]
	ids := []string{k.ID}
	for _, m := range shape.measures() {
		ids = append(ids, "measure:"+m)
	}
	if hasTree {
		for _, m := range tree.measures() {
			if !slices.Contains(ids, "measure:"+m) {
				ids = append(ids, "measure:"+m)
			}
		}
	}
	first, last := p0, p1
	if last.Start.Before(first.Start) {
		first, last = last, first
	}
	query := func(by []string) (map[string]map[string]map[string]float64, error) {
		res, err := eng.Evaluate(ctx, kpi.Query{KPIs: ids, By: by, Grain: g0, From: first.Start, To: last.End.AddDate(0, 0, -1), Filters: o.Filters})
		if err != nil {
			return nil, err
		}
		// segment → period → id → value
		out := map[string]map[string]map[string]float64{}
		for _, r := range res.Rows {
			if r.Period.Label != o.From && r.Period.Label != o.To || r.Value == nil {
				continue
			}
			seg := ""
			if len(r.Dims) > 0 {
				seg = "(blank)"
				if r.Dims[0] != nil {
					seg = *r.Dims[0]
				}
			}
			if out[seg] == nil {
				out[seg] = map[string]map[string]float64{}
			}
			if out[seg][r.Period.Label] == nil {
				out[seg][r.Period.Label] = map[string]float64{}
			}
			out[seg][r.Period.Label][r.KPI] = *r.Value
		}
		return out, nil
	}
	whole, err := query(nil)
	if err != nil {
		return nil, err
	}
	rep.Old, rep.New = value(whole[""], o.From, k.ID), value(whole[""], o.To, k.ID)
	if rep.Old == nil || rep.New == nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s has no value in %s", k.Name, map[bool]string{true: o.From, false: o.To}[rep.Old == nil]))
		rep.Findings = append(rep.Findings, headline(rep))
		return rep, nil
	}
	change := *rep.New - *rep.Old
	rep.Change = &change
	if *rep.Old != 0 {
		rep.Relative = ptr(change / math.Abs(*rep.Old))
	}
	rep.Findings = append(rep.Findings, headline(rep))

	// Driver tree.
	if hasTree {
		old, new, ok := tree.factors(whole[""][o.From]), tree.factors(whole[""][o.To]), true
		undefined0, undefined1 := nanMask(old), nanMask(new)
		fill(old, new)
		product0, product1 := prod(old), prod(new)
		if !near(product0, *rep.Old) || !near(product1, *rep.New) {
			ok = false
			rep.Notes = append(rep.Notes, fmt.Sprintf("the driver tree (%s) does not reproduce %s here, so it is left out", tree.describe(), k.Name))
		}
		if ok {
			contrib := Shapley(old, new)
			for i, f := range tree.Factors {
				d := Driver{Name: f.Name, KPI: f.KPI, Unit: f.Unit, Old: finite(old[i]), New: finite(new[i]), Contribution: contrib[i]}
				if undefined0[i] {
					d.Old = nil // a rate over nothing: shown as no value, not as 0
				}
				if undefined1[i] {
					d.New = nil
				}
				rep.Drivers = append(rep.Drivers, d)
				rep.Findings = append(rep.Findings, Finding{Kind: "driver", KPI: firstNonEmpty(f.KPI, k.ID), Filters: flat(o.Filters),
					Impact: ptr(contrib[i]), Share: shareOf(contrib[i], change),
					Text: fmt.Sprintf("%s %s → %s (%s): %s of the change", f.Name, human(f.Unit, d.Old), human(f.Unit, d.New),
						humanDelta(f.Unit, diff(d.Old, d.New)), humanDelta(k.Unit, &contrib[i]))})
			}
		}
	}

	// Segments, dimension by dimension.
	for _, d := range dims {
		if len(o.Filters[d]) == 1 && d != "team" {
			continue // the scope is one value of it
		}
		bySeg, err := query([]string{d})
		if err != nil {
			return nil, err
		}
		if d == "team" && org != nil {
			bySeg = teamLevel(bySeg, org.parent, o.Filters["team"])
		}
		if len(bySeg) < 2 {
			continue
		}
		b := Breakdown{Dimension: d, Method: "values"}
		segs := sortedKeys(bySeg)
		for _, s := range segs {
			var name string
			if org != nil {
				name = org.names[d][s]
			}
			b.Segments = append(b.Segments, Segment{Value: s, Name: name, Old: shape.value(bySeg[s], o.From, k.ID), New: shape.value(bySeg[s], o.To, k.ID)})
		}
		switch shape.kind {
		case additive:
			b.Method = "additive"
			sum := 0.0
			for i, s := range segs {
				c := shape.num.eval(bySeg[s][o.To]) - shape.num.eval(bySeg[s][o.From])
				sum += c
				b.Segments[i].Contribution = ptr(c)
				if hasTree {
					// Only where the tree reproduces the segment: leads have no
					// product or deal type, so by those the leads factor is empty.
					old, new := tree.factors(bySeg[s][o.From]), tree.factors(bySeg[s][o.To])
					fill(old, new)
					v0, v1 := shape.num.eval(bySeg[s][o.From]), shape.num.eval(bySeg[s][o.To])
					if near(prod(old), v0) && near(prod(new), v1) {
						b.Segments[i].Drivers = Shapley(old, new)
					}
				}
			}
			if !near(sum, change) {
				b.Method = "values"
				rep.Notes = append(rep.Notes, fmt.Sprintf("by %s the segments add up to %s, not the change %s (records without a %s?): shown as values only",
					d, human(k.Unit, &sum), human(k.Unit, &change), d))
				for i := range b.Segments {
					b.Segments[i].Contribution, b.Segments[i].Drivers = nil, nil
				}
			}
		case ratio:
			parts := make([]Part, len(segs))
			for i, s := range segs {
				parts[i] = Part{Num0: shape.num.eval(bySeg[s][o.From]), Den0: shape.den.eval(bySeg[s][o.From]),
					Num1: shape.num.eval(bySeg[s][o.To]), Den1: shape.den.eval(bySeg[s][o.To])}
			}
			mix, rate, ok := MixRate(parts)
			sum := 0.0
			for i := range segs {
				sum += mix[i] + rate[i]
			}
			if ok && near(sum, change) {
				b.Method = "mix_rate"
				var d0, d1 float64
				for _, p := range parts {
					d0 += p.Den0
					d1 += p.Den1
				}
				for i := range segs {
					b.Segments[i].Contribution = ptr(mix[i] + rate[i])
					b.Segments[i].Mix, b.Segments[i].Rate = ptr(mix[i]), ptr(rate[i])
					b.Segments[i].ShareOld, b.Segments[i].ShareNew = ptr(parts[i].Den0/d0), ptr(parts[i].Den1/d1)
				}
			} else if ok {
				rep.Notes = append(rep.Notes, fmt.Sprintf("by %s the segments' ratios do not recombine into the whole (records without a %s?): shown as values only", d, d))
			}
		}
		sort.SliceStable(b.Segments, func(i, j int) bool { return magnitude(b.Segments[i]) > magnitude(b.Segments[j]) })
		if len(b.Segments) > top {
			b.Segments = b.Segments[:top]
		}
		rep.Breakdowns = append(rep.Breakdowns, b)
		rep.Findings = append(rep.Findings, segmentFindings(k, tree, hasTree, b, change, o.Filters)...)
	}

	scoped := true
	for d := range o.Filters {
		scoped = scoped && (d == "team" || d == "rep" || d == "region")
	}
	if st != nil && !scoped {
		rep.Notes = append(rep.Notes, "the funnel can be scoped by team, region or rep only, so it is left out for this scope")
	}
	if st != nil && scoped {
		stages, err := stageChanges(ctx, st, org, o.Filters, p0, p1)
		if err != nil {
			return nil, err
		}
		rep.Stages = stages
		if f, ok := stageFinding(stages, o.From, o.To, o.Filters); ok {
			rep.Findings = append(rep.Findings, f)
		}
	}
	// The headline first, then by size of impact; a stage finding, which has no
	// impact in the KPI's unit, after the drivers and segments that do.
	sort.SliceStable(rep.Findings[1:], func(i, j int) bool {
		a, b := rep.Findings[1+i], rep.Findings[1+j]
		if (a.Impact == nil) != (b.Impact == nil) {
			return a.Impact != nil
		}
		return a.Impact != nil && math.Abs(*a.Impact) > math.Abs(*b.Impact)
	})
	return rep, nil
}

// A segment becomes a finding when it carries at least this share of the
// change, and each dimension gives at most this many: the breakdowns keep the
// rest, the findings stay a short list a leader reads.
const (
	segmentFindingShare         = 0.15
	segmentFindingsPerDimension = 2
)

// segmentFindings reads the segments of one dimension that carry a real part
// of the change (segments come sorted by the size of their part).
func segmentFindings(k *kpi.KPI, tree driverTree, hasTree bool, b Breakdown, change float64, scope map[string][]string) []Finding {
	var out []Finding
	for _, s := range b.Segments {
		if len(out) == segmentFindingsPerDimension {
			break
		}
		if s.Contribution == nil || change == 0 || math.Abs(*s.Contribution) < segmentFindingShare*math.Abs(change) {
			continue
		}
		label := b.Dimension + " " + s.Value
		if s.Name != "" && s.Name != s.Value {
			label += " (" + s.Name + ")"
		}
		text := fmt.Sprintf("%s: %s of the change, %s %s → %s", label, humanDelta(k.Unit, s.Contribution), k.Name, human(k.Unit, s.Old), human(k.Unit, s.New))
		if s.Mix != nil && s.Rate != nil {
			text += fmt.Sprintf("; its own rate %s, its share (%s → %s) %s", humanDelta(k.Unit, s.Rate), human("fraction", s.ShareOld), human("fraction", s.ShareNew), humanDelta(k.Unit, s.Mix))
		}
		if hasTree && len(s.Drivers) == len(tree.Factors) {
			best := 0
			for i := range s.Drivers {
				if math.Abs(s.Drivers[i]) > math.Abs(s.Drivers[best]) {
					best = i
				}
			}
			text += fmt.Sprintf("; mostly %s (%s)", strings.ToLower(tree.Factors[best].Name), humanDelta(k.Unit, &s.Drivers[best]))
		}
		filters := flat(scope)
		filters[b.Dimension] = s.Value
		out = append(out, Finding{Kind: "segment", Dimension: b.Dimension, KPI: k.ID, Filters: filters,
			Impact: s.Contribution, Share: shareOf(*s.Contribution, change), Text: text})
	}
	return out
}

// teamLevel keeps, of the team rows (every team rolls up its subtree), the
// teams one level below the scope: the scope team's children, or the root's
// when the scope is the organisation. What the parent holds beyond its
// children (reps placed directly in it) becomes one more segment, so the
// segments still add up to the whole.
func teamLevel(bySeg map[string]map[string]map[string]float64, parents map[string]string, scope []string) map[string]map[string]map[string]float64 {
	parent := ""
	if len(scope) == 1 {
		parent = scope[0]
	} else {
		var roots []string
		for t, p := range parents {
			if p == "" {
				roots = append(roots, t)
			}
		}
		if len(roots) == 1 {
			parent = roots[0]
		}
	}
	out := map[string]map[string]map[string]float64{}
	for seg, v := range bySeg {
		if p, ok := parents[seg]; ok && p == parent {
			out[seg] = v
		}
	}
	if whole, ok := bySeg[parent]; ok && parent != "" {
		rest := map[string]map[string]float64{}
		any := false
		for period, ids := range whole {
			rest[period] = map[string]float64{}
			for id, x := range ids {
				if !strings.HasPrefix(id, "measure:") {
					continue // a KPI does not subtract; the shape recomputes it
				}
				for _, child := range out {
					x -= child[period][id]
				}
				if math.Abs(x) > 1e-9*math.Max(1, math.Abs(ids[id])) {
					any = true
				}
				rest[period][id] = x
			}
		}
		if any {
			out["(directly in "+parent+")"] = rest
		}
	}
	return out
}

func headline(r *Report) Finding {
	f := Finding{Kind: "change", KPI: r.KPI.ID, Filters: flat(r.Scope)}
	if r.Change == nil {
		f.Text = fmt.Sprintf("%s: %s in %s, %s in %s — no change to explain", r.KPI.Name, human(r.KPI.Unit, r.Old), r.From, human(r.KPI.Unit, r.New), r.To)
		return f
	}
	verb := "rose"
	switch {
	case *r.Change < 0:
		verb = "fell"
	case *r.Change == 0:
		verb = "held"
	}
	f.Impact = r.Change
	f.Text = fmt.Sprintf("%s %s by %s from %s (%s) to %s (%s)", r.KPI.Name, verb, strings.TrimLeft(humanDelta(r.KPI.Unit, ptr(math.Abs(*r.Change))), "+"),
		r.From, human(r.KPI.Unit, r.Old), r.To, human(r.KPI.Unit, r.New))
	if r.Relative != nil {
		f.Text += ", " + strings.Replace(fmt.Sprintf("%+.1f%%", 100**r.Relative), "-", "−", 1)
	}
	return f
}

func magnitude(s Segment) float64 {
	if s.Contribution != nil {
		return math.Abs(*s.Contribution)
	}
	if s.Old != nil && s.New != nil {
		return math.Abs(*s.New - *s.Old)
	}
	return -1
}

func value(byPeriod map[string]map[string]float64, period, id string) *float64 {
	if v, ok := byPeriod[period][id]; ok {
		return ptr(v)
	}
	return nil
}

func shareOf(part, whole float64) *float64 {
	if whole == 0 {
		return nil
	}
	return ptr(part / whole)
}

func ptr(x float64) *float64 { return &x }

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func flat(f map[string][]string) map[string]string {
	out := map[string]string{}
	for k, v := range f {
		out[k] = strings.Join(v, ",")
	}
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func nanMask(xs []float64) []bool {
	out := make([]bool, len(xs))
	for i, x := range xs {
		out[i] = math.IsNaN(x)
	}
	return out
}

func prod(xs []float64) float64 {
	p := 1.0
	for _, x := range xs {
		p *= x
	}
	return p
}

// fill gives a factor that is undefined in one period (a rate over nothing)
// the other period's value, and 0 when undefined in both: a factor can only be
// undefined when a factor before it is 0, so the product is unchanged and the
// undefined factor gets no part of the change.
func fill(old, new []float64) {
	for i := range old {
		bad0, bad1 := math.IsNaN(old[i]), math.IsNaN(new[i])
		switch {
		case bad0 && bad1:
			old[i], new[i] = 0, 0
		case bad0:
			old[i] = new[i]
		case bad1:
			new[i] = old[i]
		}
	}
}
