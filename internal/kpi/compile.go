package kpi

import (
	"fmt"
	"math"
	"strings"
)

// Functions allowed in measure expressions and filters, compiled to SQL.
var sqlFuncs = map[string]int{"coalesce": -1, "lower": 1, "abs": 1}

// checkColumns verifies that every identifier of n is a column of e.
func checkColumns(n Node, e *entity) error {
	var err error
	walk(n, func(x Node) {
		if err != nil {
			return
		}
		switch v := x.(type) {
		case *Ident:
			if _, ok := e.columns[v.Name]; !ok {
				err = fmt.Errorf("unknown column %q of %s (columns: %s)", v.Name, e.name, e.columnNames())
			}
		case *Call:
			arity, ok := sqlFuncs[v.Func]
			if !ok {
				err = fmt.Errorf("unknown function %s (allowed: coalesce, lower, abs)", v.Func)
			} else if arity >= 0 && len(v.Args) != arity || len(v.Args) == 0 {
				err = fmt.Errorf("%s takes %d argument(s)", v.Func, max(arity, 1))
			}
		}
	})
	return err
}

// sqlBuilder turns formula trees into SQL text with bound parameters.
type sqlBuilder struct {
	args  []any
	joins []string
}

func (b *sqlBuilder) param(v any) string {
	b.args = append(b.args, v)
	return "?"
}

// compile renders n over entity e's columns. Every literal becomes a parameter and
// every identifier is looked up in the entity's column table, so no user text is
// copied into the SQL.
func (b *sqlBuilder) compile(n Node, e *entity) (string, error) {
	switch x := n.(type) {
	case *Number:
		return b.param(x.Value), nil
	case *String:
		return b.param(x.Value), nil
	case *Literal:
		switch x.Value {
		case "true":
			return "TRUE", nil
		case "false":
			return "FALSE", nil
		}
		return "NULL", nil
	case *Ident:
		c, ok := e.columns[x.Name]
		if !ok {
			return "", fmt.Errorf("unknown column %q", x.Name)
		}
		b.joins = append(b.joins, c.joins...)
		return c.sql, nil
	case *Call:
		var parts []string
		for _, a := range x.Args {
			s, err := b.compile(a, e)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		if _, ok := sqlFuncs[x.Func]; !ok {
			return "", fmt.Errorf("unknown function %s", x.Func)
		}
		return x.Func + "(" + strings.Join(parts, ", ") + ")", nil
	case *Unary:
		s, err := b.compile(x.X, e)
		if err != nil {
			return "", err
		}
		if x.Op == "not" {
			return "(NOT " + s + ")", nil
		}
		return "(-" + s + ")", nil
	case *Binary:
		l, err := b.compile(x.L, e)
		if err != nil {
			return "", err
		}
		r, err := b.compile(x.R, e)
		if err != nil {
			return "", err
		}
		op := strings.ToUpper(x.Op)
		if x.Op == "/" {
			// Division by zero is null, as in KPI formulas.
			return "(" + l + " / NULLIF(" + r + ", 0))", nil
		}
		return "(" + l + " " + op + " " + r + ")", nil
	case *IsNull:
		s, err := b.compile(x.X, e)
		if err != nil {
			return "", err
		}
		if x.Not {
			return "(" + s + " IS NOT NULL)", nil
		}
		return "(" + s + " IS NULL)", nil
	case *In:
		s, err := b.compile(x.X, e)
		if err != nil {
			return "", err
		}
		var parts []string
		for _, a := range x.List {
			p, err := b.compile(a, e)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		not := ""
		if x.Not {
			not = "NOT "
		}
		return "(" + s + " " + not + "IN (" + strings.Join(parts, ", ") + "))", nil
	}
	return "", fmt.Errorf("unsupported expression")
}

// Variables a KPI formula may use besides measures and KPIs.
var formulaVars = map[string]bool{"period_days": true, "period_months": true}

// Aggregations of by_rep: the first argument of by_rep(agg, value[, condition]).
var repAggs = []string{"share", "mean", "median", "cv", "sum", "count", "min", "max"}

// checkFormula verifies the names and functions of a KPI formula.
func (c *Catalog) checkFormula(n Node) error {
	return c.checkFormulaIn(n, false)
}

func (c *Catalog) checkFormulaIn(n Node, inRep bool) error {
	switch x := n.(type) {
	case *Ident:
		if _, ok := c.measures[x.Name]; ok {
			return nil
		}
		if _, ok := c.kpis[x.Name]; ok {
			return nil
		}
		if formulaVars[x.Name] {
			return nil
		}
		return fmt.Errorf("unknown name %q (not a measure, KPI, period_days or period_months)", x.Name)
	case *String:
		return fmt.Errorf("text %q has no meaning in a KPI formula", x.Value)
	case *Call:
		switch x.Func {
		case "prev":
			if len(x.Args) != 1 {
				return fmt.Errorf("prev takes one argument")
			}
		case "by_rep":
			if inRep {
				return fmt.Errorf("by_rep cannot be nested")
			}
			if len(x.Args) < 2 || len(x.Args) > 3 {
				return fmt.Errorf("by_rep takes (aggregation, value[, condition])")
			}
			agg, ok := x.Args[0].(*Ident)
			if !ok || !oneOf(agg.Name, repAggs) {
				return fmt.Errorf("by_rep's first argument must be one of %s", strings.Join(repAggs, ", "))
			}
			for _, a := range x.Args[1:] {
				if err := c.checkFormulaIn(a, true); err != nil {
					return err
				}
			}
			return nil
		case "abs", "coalesce", "min", "max":
			if len(x.Args) == 0 || x.Func == "abs" && len(x.Args) != 1 {
				return fmt.Errorf("%s: wrong number of arguments", x.Func)
			}
		default:
			return fmt.Errorf("unknown function %s (allowed: prev, by_rep, abs, coalesce, min, max)", x.Func)
		}
		for _, a := range x.Args {
			if err := c.checkFormulaIn(a, inRep); err != nil {
				return err
			}
		}
		return nil
	case *In:
		return fmt.Errorf("in (...) is for measure filters, not KPI formulas")
	}
	var err error
	switch x := n.(type) {
	case *Unary:
		err = c.checkFormulaIn(x.X, inRep)
	case *Binary:
		if err = c.checkFormulaIn(x.L, inRep); err == nil {
			err = c.checkFormulaIn(x.R, inRep)
		}
	case *IsNull:
		err = c.checkFormulaIn(x.X, inRep)
	}
	return err
}

// value is a formula result: a number, or null.
type value struct {
	v    float64
	null bool
}

var null = value{null: true}

func num(v float64) value {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return null
	}
	return value{v: v}
}

func boolValue(b bool) value {
	if b {
		return value{v: 1}
	}
	return value{v: 0}
}

// env supplies the values of names while a formula is evaluated for one group.
type env interface {
	lookup(id *Ident) value
	prev(n Node) value
	byRep(agg string, val Node, cond Node) value
}

// eval computes a KPI formula. A null operand makes the result null, and so does a
// division by zero.
func eval(n Node, en env) value {
	switch x := n.(type) {
	case *Number:
		return num(x.Value)
	case *Literal:
		switch x.Value {
		case "true":
			return value{v: 1}
		case "false":
			return value{v: 0}
		}
		return null
	case *Ident:
		return en.lookup(x)
	case *Unary:
		v := eval(x.X, en)
		if v.null {
			return null
		}
		if x.Op == "not" {
			return boolValue(v.v == 0)
		}
		return num(-v.v)
	case *IsNull:
		v := eval(x.X, en)
		return boolValue(v.null != x.Not)
	case *Call:
		switch x.Func {
		case "prev":
			return en.prev(x.Args[0])
		case "by_rep":
			var cond Node
			if len(x.Args) == 3 {
				cond = x.Args[2]
			}
			return en.byRep(x.Args[0].(*Ident).Name, x.Args[1], cond)
		case "abs":
			v := eval(x.Args[0], en)
			if v.null {
				return null
			}
			return num(math.Abs(v.v))
		case "coalesce":
			for _, a := range x.Args {
				if v := eval(a, en); !v.null {
					return v
				}
			}
			return null
		case "min", "max":
			var best value = null
			for _, a := range x.Args {
				v := eval(a, en)
				if v.null {
					return null
				}
				if best.null || x.Func == "min" && v.v < best.v || x.Func == "max" && v.v > best.v {
					best = v
				}
			}
			return best
		}
		return null
	case *Binary:
		l := eval(x.L, en)
		r := eval(x.R, en)
		if l.null || r.null {
			return null
		}
		switch x.Op {
		case "+":
			return num(l.v + r.v)
		case "-":
			return num(l.v - r.v)
		case "*":
			return num(l.v * r.v)
		case "/":
			if r.v == 0 {
				return null
			}
			return num(l.v / r.v)
		case "=":
			return boolValue(l.v == r.v)
		case "!=":
			return boolValue(l.v != r.v)
		case "<":
			return boolValue(l.v < r.v)
		case "<=":
			return boolValue(l.v <= r.v)
		case ">":
			return boolValue(l.v > r.v)
		case ">=":
			return boolValue(l.v >= r.v)
		case "and":
			return boolValue(l.v != 0 && r.v != 0)
		case "or":
			return boolValue(l.v != 0 || r.v != 0)
		}
	}
	return null
}
