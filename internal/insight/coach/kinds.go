package coach

import (
	"regexp"
	"slices"
	"strings"

	"github.com/salesops/salesops/internal/kpi"
)

// Kind says which comparison a KPI gets; it follows from the KPI's formula.
type Kind string

// The kinds of KPI, by how their noise behaves.
const (
	// KindRate is a share of counted records (won ÷ closed, opened ÷ sent):
	// a fraction whose formula is count ÷ count or count ÷ (count + count).
	// It is tested on its numerator and denominator.
	KindRate Kind = "rate"
	// KindVolume adds up over the period: one count or sum measure, perhaps
	// times a constant (calls, revenue, pipeline value, ARR).
	KindVolume Kind = "volume"
	// KindLevel is anything else: a mean, median or ratio (deal size, cycle
	// days, response minutes, quota attainment).
	KindLevel Kind = "level"
)

// spec is what the coach knows about one KPI of the catalog.
type spec struct {
	kpi  *kpi.KPI
	kind Kind
	// num and den are the count measures whose sums are a rate's successes
	// and trials.
	num, den []string
	// support are the count measures that count the records behind the value
	// (the smallest of them is the sample size); empty when none is known.
	support []string
	// supportExact is false when some support measure counts a wider set of
	// records than its measure aggregates (won deals for won deals with a
	// cost): the sample size is then an upper bound.
	supportExact bool
}

// skipped is a KPI the coach leaves out, and why.
type skipped struct {
	id, why string
}

// tokenRE splits a formula into identifiers, numbers and single symbols.
var tokenRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?|\S`)

func tokens(formula string) []string { return tokenRE.FindAllString(formula, -1) }

func isIdent(t string) bool {
	return t != "" && (t[0] == '_' || (t[0] >= 'A' && t[0] <= 'Z') || (t[0] >= 'a' && t[0] <= 'z'))
}

func isNumber(t string) bool { return t != "" && t[0] >= '0' && t[0] <= '9' }

// classify reads the catalog: which KPIs are rates, volumes or levels, their
// numerators, denominators and sample sizes, and which KPIs say nothing
// about one rep (team KPIs that aggregate over reps).
func classify(cat *kpi.Catalog) ([]*spec, []skipped) {
	known := knownMeasures(cat)
	var specs []*spec
	var skips []skipped
	for _, k := range cat.KPIs() {
		if usesFunc(cat, k.Formula, "by_rep", map[string]bool{k.ID: true}) {
			skips = append(skips, skipped{k.ID, "a team KPI (it aggregates over reps), not a rep's"})
			continue
		}
		sp := &spec{kpi: k, kind: KindLevel}
		if num, den, ok := rateParts(cat, k); ok {
			sp.kind, sp.num, sp.den = KindRate, num, den
		} else if isVolume(cat, k.Formula, 0) {
			sp.kind = KindVolume
		}
		seen := map[string]bool{}
		sp.supportExact = true
		for _, m := range formulaMeasures(cat, k.Formula, map[string]bool{k.ID: true}) {
			s, exact := supportOf(m, known)
			if s == "" {
				continue
			}
			sp.supportExact = sp.supportExact && exact
			if !seen[s] {
				seen[s] = true
				sp.support = append(sp.support, s)
			}
		}
		specs = append(specs, sp)
	}
	return specs, skips
}

// rateParts recognises a share of counted records: a fraction whose formula is
// a ÷ b or a ÷ (b + c + …) over count measures.
func rateParts(cat *kpi.Catalog, k *kpi.KPI) (num, den []string, ok bool) {
	if k.Unit != "fraction" {
		return nil, nil, false
	}
	t := tokens(k.Formula)
	isDiv := func(s string) bool { return s == "/" || s == "÷" }
	counted := func(id string) bool {
		m, ok := cat.Measure(id)
		return ok && m.Agg == "count"
	}
	switch {
	case len(t) == 3 && isDiv(t[1]) && counted(t[0]) && counted(t[2]):
		return []string{t[0]}, []string{t[2]}, true
	case len(t) >= 5 && isDiv(t[1]) && counted(t[0]) && t[2] == "(" && t[len(t)-1] == ")":
		inner := t[3 : len(t)-1]
		if len(inner)%2 == 0 {
			return nil, nil, false
		}
		for i, s := range inner {
			if (i%2 == 0 && !counted(s)) || (i%2 == 1 && s != "+") {
				return nil, nil, false
			}
			if i%2 == 0 {
				den = append(den, s)
			}
		}
		return []string{t[0]}, den, true
	}
	return nil, nil, false
}

// isVolume reports whether a formula is one count or sum measure (or a KPI
// that is), perhaps times a constant.
func isVolume(cat *kpi.Catalog, formula string, depth int) bool {
	if depth > 8 {
		return false
	}
	t := tokens(formula)
	var id string
	switch {
	case len(t) == 1:
		id = t[0]
	case len(t) == 3 && (t[1] == "*" || t[1] == "×") && isNumber(t[0]):
		id = t[2]
	case len(t) == 3 && (t[1] == "*" || t[1] == "×") && isNumber(t[2]):
		id = t[0]
	default:
		return false
	}
	if m, ok := cat.Measure(id); ok {
		return m.Agg == "count" || m.Agg == "sum"
	}
	if k, ok := cat.KPI(id); ok {
		return isVolume(cat, k.Formula, depth+1)
	}
	return false
}

// usesFunc reports whether a formula, or a KPI it refers to, calls fn.
func usesFunc(cat *kpi.Catalog, formula, fn string, stack map[string]bool) bool {
	t := tokens(formula)
	for i, s := range t {
		if s == fn && i+1 < len(t) && t[i+1] == "(" {
			return true
		}
		if k, ok := cat.KPI(s); ok && !stack[k.ID] {
			stack[k.ID] = true
			found := usesFunc(cat, k.Formula, fn, stack)
			delete(stack, k.ID)
			if found {
				return true
			}
		}
	}
	return false
}

// formulaMeasures lists the measures a formula reads, through the KPIs it
// refers to.
func formulaMeasures(cat *kpi.Catalog, formula string, stack map[string]bool) []*kpi.Measure {
	var out []*kpi.Measure
	for _, s := range tokens(formula) {
		if !isIdent(s) {
			continue
		}
		if m, ok := cat.Measure(s); ok {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		} else if k, ok := cat.KPI(s); ok && !stack[k.ID] {
			stack[k.ID] = true
			for _, m := range formulaMeasures(cat, k.Formula, stack) {
				if !slices.Contains(out, m) {
					out = append(out, m)
				}
			}
			delete(stack, k.ID)
		}
	}
	return out
}

// knownMeasures are the measures some KPI of the catalog reads: the
// candidates for counting the records behind another measure.
func knownMeasures(cat *kpi.Catalog) []*kpi.Measure {
	var out []*kpi.Measure
	for _, k := range cat.KPIs() {
		for _, m := range formulaMeasures(cat, k.Formula, map[string]bool{k.ID: true}) {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// supportOf names the count measure that counts the records a measure
// aggregates: the measure itself when it is a count; for a sum, mean or
// median, the count measure over the same entity and attribution whose
// filter keeps the most of the measure's own conditions (exact when it keeps
// them all, else a broader one such as won deals for won deals with a cost).
// It is "" when there is none (distinct counts, time entries,
// subscriptions).
func supportOf(m *kpi.Measure, known []*kpi.Measure) (id string, exact bool) {
	switch m.Agg {
	case "count":
		return m.ID, true
	case "count_distinct":
		return "", false
	}
	want := conjuncts(m.Filter)
	best, bestN := "", -1
	for _, c := range known {
		if c.Agg != "count" || c.Entity != m.Entity || c.Time != m.Time || c.At != m.At {
			continue
		}
		have := conjuncts(c.Filter)
		subset := true
		for _, h := range have {
			if !slices.Contains(want, h) {
				subset = false
				break
			}
		}
		if subset && len(have) > bestN {
			best, bestN = c.ID, len(have)
		}
	}
	return best, best != "" && bestN == len(want)
}

// conjuncts splits a filter on its top-level "and"s, normalised for
// comparison.
func conjuncts(filter string) []string {
	f := strings.Join(strings.Fields(strings.ToLower(filter)), " ")
	if f == "" {
		return nil
	}
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth == 0 && strings.HasPrefix(f[i:], " and ") {
				out = append(out, strings.TrimSpace(f[start:i]))
				start = i + len(" and ")
				i = start - 1
			}
		}
	}
	return append(out, strings.TrimSpace(f[start:]))
}
