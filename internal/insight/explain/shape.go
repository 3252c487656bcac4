package explain

import (
	"fmt"
	"math"
	"strings"

	"github.com/salesops/salesops/internal/kpi"
)

// expr is an additive expression over measures (measures, sums and
// differences of them, constant multiples): what can be summed segment by
// segment.
type expr struct {
	node kpi.Node
}

func (e expr) eval(vals map[string]float64) float64 {
	var ev func(n kpi.Node) float64
	ev = func(n kpi.Node) float64 {
		switch n := n.(type) {
		case *kpi.Number:
			return n.Value
		case *kpi.Ident:
			return vals["measure:"+n.Name] // a measure with no rows is 0
		case *kpi.Unary:
			return -ev(n.X)
		case *kpi.Binary:
			l, r := ev(n.L), ev(n.R)
			switch n.Op {
			case "+":
				return l + r
			case "-":
				return l - r
			case "*":
				return l * r
			case "/":
				if r == 0 {
					return math.NaN()
				}
				return l / r
			}
		}
		return math.NaN()
	}
	return ev(e.node)
}

func (e expr) measures(into []string) []string {
	var walk func(n kpi.Node)
	walk = func(n kpi.Node) {
		switch n := n.(type) {
		case *kpi.Ident:
			for _, m := range into {
				if m == n.Name {
					return
				}
			}
			into = append(into, n.Name)
		case *kpi.Unary:
			walk(n.X)
		case *kpi.Binary:
			walk(n.L)
			walk(n.R)
		}
	}
	if e.node != nil {
		walk(e.node)
	}
	return into
}

type shapeKind int

const (
	opaque   shapeKind = iota // neither: segments shown as values only
	additive                  // a sum over records: segments add up
	ratio                     // a sum over a sum: segments recombine by mix and rate
)

// shape is what a KPI's formula allows: KPI = num (additive) or num ÷ den (ratio).
type shape struct {
	kind     shapeKind
	num, den expr
}

// value is the KPI in one segment and period: the engine's number, else (for
// a segment salesops derived itself, such as the reps placed directly in a
// parent team) the formula's shape applied to its measures.
func (s shape) value(byPeriod map[string]map[string]float64, period, id string) *float64 {
	vals, ok := byPeriod[period]
	if !ok {
		return nil
	}
	if v, ok := vals[id]; ok {
		return ptr(v)
	}
	switch s.kind {
	case additive:
		return finite(s.num.eval(vals))
	case ratio:
		return finite(s.num.eval(vals) / s.den.eval(vals))
	}
	return nil
}

func (s shape) measures() []string {
	return s.den.measures(s.num.measures(nil))
}

// analyse reads a KPI formula for an additive or ratio shape. Measures that
// add up across segments are counts and sums; averages, medians and distinct
// counts do not.
func analyse(cat *kpi.Catalog, formula string) shape {
	n, err := kpi.Parse(formula)
	if err != nil {
		return shape{}
	}
	var isAdditive func(n kpi.Node) bool
	isAdditive = func(n kpi.Node) bool {
		switch n := n.(type) {
		case *kpi.Ident:
			m, ok := cat.Measure(n.Name)
			return ok && (m.Agg == "count" || m.Agg == "sum")
		case *kpi.Unary:
			return n.Op == "-" && isAdditive(n.X)
		case *kpi.Binary:
			switch n.Op {
			case "+", "-":
				return isAdditive(n.L) && isAdditive(n.R)
			case "*":
				_, lnum := n.L.(*kpi.Number)
				_, rnum := n.R.(*kpi.Number)
				return (lnum && isAdditive(n.R)) || (rnum && isAdditive(n.L))
			}
		}
		return false
	}
	if isAdditive(n) {
		return shape{kind: additive, num: expr{n}}
	}
	if b, ok := n.(*kpi.Binary); ok && b.Op == "/" && isAdditive(b.L) && isAdditive(b.R) {
		return shape{kind: ratio, num: expr{b.L}, den: expr{b.R}}
	}
	return shape{}
}

// factor is one driver of a tree: num ÷ den over measures (den empty: num).
type factor struct {
	Name, KPI, Unit string
	Num, Den        string
}

// driverTree writes a KPI as a product of factors.
type driverTree struct {
	Factors []factor
}

// trees are the driver trees salesops knows: each product telescopes to the
// KPI exactly (closed × won/closed × amount/won = amount won).
var trees = map[string]driverTree{
	"revenue": {Factors: []factor{
		{Name: "Deals closed", Unit: "count", Num: "won_count + lost_count"},
		{Name: "Win rate", KPI: "win_rate", Unit: "fraction", Num: "won_count", Den: "won_count + lost_count"},
		{Name: "Average deal size", KPI: "average_deal_size", Unit: "currency", Num: "won_amount", Den: "won_count"},
	}},
	"pipeline_created": {Factors: []factor{
		{Name: "Leads", Unit: "count", Num: "leads_created"},
		{Name: "Opportunities per lead", Unit: "ratio", Num: "opportunities_created", Den: "leads_created"},
		{Name: "Average opportunity size", Unit: "currency", Num: "amount_created", Den: "opportunities_created"},
	}},
}

func mustParse(src string) expr {
	if src == "" {
		return expr{}
	}
	n, err := kpi.Parse(src)
	if err != nil {
		panic(fmt.Sprintf("driver tree formula %q: %v", src, err))
	}
	return expr{n}
}

func (t driverTree) measures() []string {
	var ms []string
	for _, f := range t.Factors {
		ms = mustParse(f.Den).measures(mustParse(f.Num).measures(ms))
	}
	return ms
}

// factors evaluates each factor on one period's measure values; a factor over
// a zero denominator is NaN.
func (t driverTree) factors(vals map[string]float64) []float64 {
	out := make([]float64, len(t.Factors))
	for i, f := range t.Factors {
		out[i] = mustParse(f.Num).eval(vals)
		if f.Den != "" {
			d := mustParse(f.Den).eval(vals)
			if d == 0 {
				out[i] = math.NaN()
			} else {
				out[i] /= d
			}
		}
	}
	return out
}

func (t driverTree) describe() string {
	var names []string
	for _, f := range t.Factors {
		names = append(names, strings.ToLower(f.Name))
	}
	return strings.Join(names, " × ")
}
