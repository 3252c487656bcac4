package kpi

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// builtinKPIs is the catalog of DESIGN.md, in its order.
var builtinKPIs = []string{
	"calls_made", "emails_sent", "meetings_scheduled", "meetings_held", "activities_per_rep",
	"lead_response_minutes", "follow_up_days", "email_open_rate", "email_click_rate",
	"meeting_attendance_rate", "new_leads", "lead_to_opportunity_rate", "lead_conversion_rate",
	"cost_per_lead", "win_rate", "opportunity_to_win_ratio", "sales_cycle_days",
	"sales_cycle_days_median", "average_deal_size", "revenue", "revenue_growth",
	"upsell_cross_sell_revenue", "gross_margin", "new_customers", "customer_acquisition_cost",
	"sales_roi", "mrr", "arr", "net_revenue_retention", "customer_retention_rate", "churn_rate",
	"customer_lifetime_value", "nps", "pipeline_value", "weighted_pipeline", "pipeline_created",
	"pipeline_coverage", "sales_velocity", "quota_attainment", "reps_at_quota",
	"workload_balance", "selling_time_share", "admin_time_share", "crm_data_accuracy",
}

func TestBuiltinCatalog(t *testing.T) {
	t.Parallel()
	cat, err := LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	ks := cat.KPIs()
	if len(ks) != len(builtinKPIs) {
		t.Fatalf("%d KPIs, want %d", len(ks), len(builtinKPIs))
	}
	for i, k := range ks {
		if k.ID != builtinKPIs[i] {
			t.Errorf("KPI %d = %s, want %s", i, k.ID, builtinKPIs[i])
		}
		if k.Name == "" || k.Description == "" || k.Category == "" || k.Owner == "" {
			t.Errorf("%s: name, description, category and owner are required: %+v", k.ID, k)
		}
		if !oneOf(k.Direction, []string{"higher", "lower"}) || !oneOf(k.Indicator, []string{"leading", "lagging"}) {
			t.Errorf("%s: direction %q, indicator %q", k.ID, k.Direction, k.Indicator)
		}
		if !strings.HasPrefix(k.Source(), "built-in") {
			t.Errorf("%s: source %q", k.ID, k.Source())
		}
	}
	// Units DESIGN.md implies: rates are fractions, durations days unless named.
	for id, unit := range map[string]string{
		"calls_made": "count", "new_leads": "count", "new_customers": "count",
		"email_open_rate": "fraction", "win_rate": "fraction", "churn_rate": "fraction",
		"gross_margin": "fraction", "lead_to_opportunity_rate": "fraction", "selling_time_share": "fraction",
		"lead_response_minutes": "minutes", "follow_up_days": "days", "sales_cycle_days": "days",
		"revenue": "currency", "mrr": "currency", "cost_per_lead": "currency", "nps": "score",
	} {
		if k, ok := cat.KPI(id); !ok || k.Unit != unit {
			t.Errorf("%s: unit %q, want %q", id, k.Unit, unit)
		}
	}
	// Direction: lower is better for costs, durations and churn.
	for _, id := range []string{"cost_per_lead", "customer_acquisition_cost", "churn_rate", "sales_cycle_days", "lead_response_minutes", "admin_time_share"} {
		if k, _ := cat.KPI(id); k.Direction != "lower" {
			t.Errorf("%s: direction %q, want lower", id, k.Direction)
		}
	}
}

// writeFile writes a definitions file in dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const customDefs = `
measures:
  - id: renewal_revenue
    entity: opportunities
    time: close_date
    agg: sum
    expr: amount
    filter: "status = 'won' and type = 'renewal'"
    description: won renewal amount
  - {id: demos, entity: activities, time: occurred_at, agg: count, filter: "type = 'demo'"}
kpis:
  - id: renewal_share
    name: Renewal share
    category: revenue
    unit: fraction
    direction: higher
    indicator: lagging
    owner: leader
    formula: "renewal_revenue / revenue"
  - id: demo_to_win_rate
    name: Demo-to-win rate
    category: conversion
    unit: fraction
    direction: higher
    indicator: lagging
    owner: ae
    formula: "won_count ÷ demos"
`

const customDefs2 = `
kpis:
  - {id: revenue_per_day, name: Revenue per day, category: revenue, unit: currency, direction: higher,
     indicator: lagging, owner: leader, formula: "revenue / period_days"}
  - {id: reps_winning, name: Reps winning, category: team, unit: count, direction: higher,
     indicator: lagging, owner: manager, formula: "by_rep(count, revenue, revenue > 0)"}
`

func seedCustom(f *fixture) {
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil}, []any{"R2", "Bob", nil, nil, nil})
	f.insert("opportunities", oppCols,
		[]any{"N1", nil, "R1", "renewal", nil, "won", "won", 500.0, nil, nil, "2026-02-01", "2026-03-03"},
		[]any{"N2", nil, "R1", "renewal", nil, "won", "won", 700.0, nil, nil, "2026-02-01", "2026-03-04"},
		[]any{"N3", nil, "R2", "new_business", nil, "won", "won", 1000.0, nil, nil, "2026-02-01", "2026-03-05"},
		[]any{"N4", nil, "R2", "renewal", nil, "lost", "lost", 300.0, nil, nil, "2026-02-01", "2026-03-06"},
		[]any{"N5", nil, "R2", "renewal", nil, "lost", "lost", 300.0, nil, nil, "2026-02-01", "2026-04-06"},
	)
	f.insert("activities", "activity_id, rep_id, type, occurred_at",
		[]any{"D1", "R1", "demo", "2026-03-01"},
		[]any{"D2", "R1", "demo", "2026-03-02"},
		[]any{"D3", "R2", "demo", "2026-03-03"},
		[]any{"D4", "R2", "demo", "2026-03-04"},
		[]any{"D5", "R2", "meeting", "2026-03-05"},
		[]any{"D6", "R2", "meeting", "2026-04-05"},
	)
}

func TestCustomKPIs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, dir, "custom.yaml", customDefs)
	f := newFixture(t)
	seedCustom(f)

	e := f.engine(Config{Definitions: []string{file}})
	k, ok := e.Catalog().KPI("renewal_share")
	if !ok || k.Source() != file {
		t.Fatalf("renewal_share: %v, source %q", ok, k.Source())
	}
	if ks := e.Catalog().KPIs(); len(ks) != len(builtinKPIs)+2 || ks[len(ks)-2].ID != "renewal_share" {
		t.Errorf("custom KPIs should follow the built-in ones")
	}
	res := f.eval(e, monthQuery("2026-03-01", "2026-04-30", "renewal_share", "demo_to_win_rate", "revenue"))
	check(t, res, []kc{
		at("renewal_share", "2026-03", f64(1200.0/2200)), // renewals N1 500 + N2 700 of won 500 + 700 + 1000 (N4 lost)
		at("renewal_share", "2026-04", nullV),            // 0 / 0
		at("demo_to_win_rate", "2026-03", f64(0.75)),     // won 3 / demos D1..D4
		at("demo_to_win_rate", "2026-04", nullV),         // 0 wins / 0 demos
	})
	q := monthQuery("2026-03-01", "2026-03-31", "renewal_share", "demo_to_win_rate")
	q.By = []string{"rep"}
	check(t, f.eval(e, q), []kc{
		by("renewal_share", "2026-03", []string{"R1"}, f64(1)),    // 1200 / 1200
		by("renewal_share", "2026-03", []string{"R2"}, f64(0)),    // 0 / 1000
		by("demo_to_win_rate", "2026-03", []string{"R1"}, f64(1)), // 2 / 2
		by("demo_to_win_rate", "2026-03", []string{"R2"}, f64(0.5)),
	})

	// A directory of files; KPIs may use built-in KPIs, period_days and by_rep.
	dir2 := t.TempDir()
	writeFile(t, dir2, "a.yaml", customDefs)
	writeFile(t, dir2, "b.yml", customDefs2)
	writeFile(t, dir2, "notes.txt", "not a definitions file")
	e = f.engine(Config{Definitions: []string{dir2}})
	res = f.eval(e, monthQuery("2026-03-01", "2026-04-30", "revenue_per_day", "reps_winning", "renewal_share"))
	check(t, res, []kc{
		at("revenue_per_day", "2026-03", f64(2200.0/31)), // revenue 2200 over 31 days
		at("revenue_per_day", "2026-04", f64(0)),         // 0 / 30
		at("reps_winning", "2026-03", f64(2)),            // R1 1200, R2 1000
		at("reps_winning", "2026-04", f64(0)),            // R2 only lost N5
		at("renewal_share", "2026-03", f64(1200.0/2200)),
	})
}

func TestDefinitionErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	kpi := func(id, formula string) string {
		return `
kpis:
  - {id: ` + id + `, name: X, category: c, unit: count, direction: higher, indicator: leading, owner: ae, formula: "` + formula + `"}
`
	}
	for _, c := range []struct {
		name string
		text string
		want []string // besides the file's path
	}{
		{"unknown entity", `
measures:
  - {id: bad_entity, entity: deals, time: close_date, agg: count}
`, []string{"measure bad_entity", `entity "deals"`}},
		{"unknown column in filter", `
measures:
  - {id: bad_column, entity: opportunities, time: close_date, agg: count, filter: "colour = 'red'"}
`, []string{"measure bad_column", `unknown column "colour"`}},
		{"unknown column in expr", `
measures:
  - {id: bad_expr, entity: opportunities, time: close_date, agg: sum, expr: "amount * discount"}
`, []string{"measure bad_expr", `unknown column "discount"`}},
		{"unknown time column", `
measures:
  - {id: bad_time, entity: opportunities, time: closed_at, agg: count}
`, []string{"measure bad_time", `time "closed_at"`}},
		{"sum without expr", `
measures:
  - {id: no_expr, entity: opportunities, time: close_date, agg: sum}
`, []string{"measure no_expr", "needs expr"}},
		{"unknown aggregation", `
measures:
  - {id: bad_agg, entity: opportunities, time: close_date, agg: mode, expr: amount}
`, []string{"measure bad_agg", `agg "mode"`}},
		{"unknown measure in formula", kpi("bad_formula", "no_such_measure / won_count"),
			[]string{"kpi bad_formula", "no_such_measure"}},
		// "won_count / (lost_count": the text ends at byte 23 where ")" is expected → column 24
		{"syntax error", kpi("bad_syntax", "won_count / (lost_count"),
			[]string{"kpi bad_syntax", "at column 24", "expected )"}},
		{"unknown function", kpi("bad_func", "sqrt(revenue)"), []string{"kpi bad_func", "sqrt"}},
		{"duplicate of a built-in KPI", kpi("revenue", "won_amount"), []string{"kpi revenue", "already declared"}},
		{"duplicate within the file", kpi("twice", "won_amount") + `
  - {id: twice, name: X, category: c, unit: count, direction: higher, indicator: leading, owner: ae, formula: "won_count"}
`, []string{"kpi twice", "already declared"}},
		{"duplicate measure", `
measures:
  - {id: won_count, entity: opportunities, time: close_date, agg: count}
`, []string{"measure won_count", "already declared"}},
		{"KPI refers to itself", kpi("self_ref", "self_ref + 1"), []string{"kpi self_ref", "refers to itself"}},
		{"KPIs refer to each other", kpi("loop_a", "loop_b + 1") + `
  - {id: loop_b, name: X, category: c, unit: count, direction: higher, indicator: leading, owner: ae, formula: "loop_a * 2"}
`, []string{"kpi loop_a", "refers to itself", "loop_b"}},
		{"missing unit", `
kpis:
  - {id: no_unit, name: X, category: c, direction: higher, indicator: leading, owner: ae, formula: "revenue"}
`, []string{"kpi no_unit", "unit"}},
		{"unknown unit", `
kpis:
  - {id: bad_unit, name: X, category: c, unit: percent, direction: higher, indicator: leading, owner: ae, formula: "revenue"}
`, []string{"kpi bad_unit", `unit "percent"`}},
		{"missing formula", `
kpis:
  - {id: no_formula, name: X, category: c, unit: count, direction: higher, indicator: leading, owner: ae}
`, []string{"kpi no_formula", "formula"}},
		{"bad id", kpi("Bad-Id", "revenue"), []string{"Bad-Id", "lower-case"}},
		{"misspelt field", `
kpis:
  - {id: typo, name: X, category: c, unit: count, direction: higher, indicator: leading, owner: ae, formla: "revenue"}
`, []string{"formla"}},
		{"not YAML", "kpis: [ {id: x", nil},
		{"empty file", "# nothing\n", []string{"no measures or kpis"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "defs.yaml", c.text)
			_, err := New(f.st, Config{Definitions: []string{path}})
			if err == nil {
				t.Fatalf("no error for\n%s", c.text)
			}
			msg := err.Error()
			for _, w := range append([]string{path}, c.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			var de *DefinitionError
			if !errors.As(err, &de) || de.File != path {
				t.Errorf("error %v: want a *DefinitionError for %s", err, path)
			}
		})
	}

	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.yaml")
		_, err := New(f.st, Config{Definitions: []string{path}})
		if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
			t.Errorf("err = %v, want one naming nope.yaml", err)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		if _, err := New(f.st, Config{Calendar: Calendar{FiscalStartMonth: 13}}); err == nil {
			t.Error("fiscal start month 13 accepted")
		}
		if _, err := New(f.st, Config{StageProbabilities: map[string]float64{"proposal": 1.5}}); err == nil {
			t.Error("probability 1.5 accepted")
		}
	})
}

// sexpr renders a tree without positions, fully bracketed, for comparison.
func sexpr(n Node) string {
	switch x := n.(type) {
	case *Number:
		return strconv.FormatFloat(x.Value, 'g', -1, 64)
	case *String:
		return "'" + strings.ReplaceAll(x.Value, "'", "''") + "'"
	case *Literal:
		return x.Value
	case *Ident:
		return x.Name
	case *Call:
		parts := []string{"call " + x.Func}
		for _, a := range x.Args {
			parts = append(parts, sexpr(a))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Unary:
		return "(" + x.Op + " " + sexpr(x.X) + ")"
	case *Binary:
		return "(" + x.Op + " " + sexpr(x.L) + " " + sexpr(x.R) + ")"
	case *IsNull:
		if x.Not {
			return "(notnull " + sexpr(x.X) + ")"
		}
		return "(isnull " + sexpr(x.X) + ")"
	case *In:
		op := "in"
		if x.Not {
			op = "notin"
		}
		parts := []string{op, sexpr(x.X)}
		for _, a := range x.List {
			parts = append(parts, sexpr(a))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case nil:
		return "<nil>"
	}
	return "<?>"
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ src, want string }{
		{"a + b * c", "(+ a (* b c))"},
		{"(a + b) * c", "(* (+ a b) c)"},
		{"a - b - c", "(- (- a b) c)"},
		{"a / b / c", "(/ (/ a b) c)"},
		{"a / b * c", "(* (/ a b) c)"},
		{"-a * b", "(* (- a) b)"},
		{"- -a", "(- (- a))"},
		{"a - -b", "(- a (- b))"},
		{"a × b ÷ c − d", "(- (/ (* a b) c) d)"},
		{"a−b", "(- a b)"},
		{"−a×b", "(* (- a) b)"},
		{"100 * (nps_promoters - nps_detractors) / nps_answers", "(/ (* 100 (- nps_promoters nps_detractors)) nps_answers)"},
		{"revenue / prev(revenue) - 1", "(- (/ revenue (call prev revenue)) 1)"},
		{"open_count * win_rate * average_deal_size / sales_cycle_days", "(/ (* (* open_count win_rate) average_deal_size) sales_cycle_days)"},
		{"a or b and c", "(or a (and b c))"},
		{"a and b or c", "(or (and a b) c)"},
		{"not a and b", "(and (not a) b)"},
		{"not a = b", "(not (= a b))"},
		{"NOT not a", "(not (not a))"},
		{"a + 1 >= b * 2", "(>= (+ a 1) (* b 2))"},
		{"a <> b", "(!= a b)"},
		{"a != b", "(!= a b)"},
		{"a <= b", "(<= a b)"},
		{"x is null", "(isnull x)"},
		{"X IS NOT NULL", "(notnull X)"},
		{"x + 1 is null", "(isnull (+ x 1))"},
		{"type in ('meeting', 'demo')", "(in type 'meeting' 'demo')"},
		{"type not in ('a')", "(notin type 'a')"},
		{"type = 'email' and (direction = 'outbound' or direction is null)", "(and (= type 'email') (or (= direction 'outbound') (isnull direction)))"},
		{"'it''s'", "'it''s'"},
		{"''", "''"},
		{"by_rep(share, quota_attainment >= 1)", "(call by_rep share (>= quota_attainment 1))"},
		{"PREV(revenue)", "(call prev revenue)"},
		{"f()", "(call f)"},
		{"coalesce(a, b, 0)", "(call coalesce a b 0)"},
		{"1.5e3 + .5 + 2E-1", "(+ (+ 1500 0.5) 0.2)"},
		{"TRUE and null or False", "(or (and true null) false)"},
		{"12 * mrr", "(* 12 mrr)"},
		{"  a\t+\nb  ", "(+ a b)"},
		{"größe + _x1", "(+ größe _x1)"},
	} {
		n, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		if got := sexpr(n); got != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.src, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src    string
		offset int
		msg    string
	}{
		{"", 0, "empty"},
		{"   ", 0, "empty"},
		{"a +", 3, "unexpected end"},
		{"a + * b", 4, `unexpected "*"`},
		{"(a + b", 6, "expected )"},
		{"a b", 2, `unexpected "b"`},
		{"a ) ", 2, `unexpected ")"`},
		{"a $ b", 2, "unexpected character"},
		{"a × $", 5, "unexpected character"}, // offsets are in bytes: × takes two
		{"'abc", 0, "unterminated string"},
		{"x = 'a''", 4, "unterminated string"},
		{"f(a b)", 4, "expected , or )"},
		{"x in a", 5, "expected ( after in"},
		{"x in (a,", 8, "unexpected end"},
		{"x in (a b)", 8, "expected , or ) in list"},
		{"x is 3", 5, "expected null"},
		{"1..2", 0, "bad number"},
		{"and", 0, `unexpected "and"`},
		{"a = b = c", 6, `unexpected "="`},
		{"a\xffb", 1, "invalid UTF-8"},
		{strings.Repeat("(", 300) + "a" + strings.Repeat(")", 300), -1, "nested too deeply"},
		{strings.Repeat("-", 300) + "a", -1, "nested too deeply"},
		{strings.Repeat("not ", 300) + "a", -1, "nested too deeply"},
		{strings.Repeat("a+", 2100) + "a", 0, "longer than"},
	} {
		_, err := Parse(c.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.40q): err = %v, want *SyntaxError", c.src, err)
			continue
		}
		if c.offset >= 0 && se.Offset != c.offset {
			t.Errorf("Parse(%.40q): offset %d, want %d (%v)", c.src, se.Offset, c.offset, err)
		}
		if !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Parse(%.40q): %q, want it to mention %q", c.src, se.Msg, c.msg)
		}
		if want := "at column " + strconv.Itoa(se.Offset+1) + ":"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%.40q): %q, want prefix %q", c.src, err.Error(), want)
		}
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"a + b * c", "(a + b) * c", "-a * b", "a × b ÷ c − d", "a or b and not c",
		"x is not null", "type not in ('a', 'b''c')", "by_rep(cv, pipeline_value, headcount > 0)",
		"prev(revenue)", "f()", "1.5e3 + .5", "1e999", "TRUE and null", "a <> b", "a <= b >= c",
		"", " ", "(", ")", "'", "''", "a $", "\xff", "((((a))))", "1..2", "1e", "1e+", "x in (", "is",
		"größe", "a\x00b", "a,b", "not", "- - - 1",
	}
	cat, err := LoadBuiltin()
	if err != nil {
		f.Fatal(err)
	}
	for _, k := range cat.KPIs() {
		seeds = append(seeds, k.Formula)
	}
	for _, m := range cat.measures {
		seeds = append(seeds, m.Expr, m.Filter)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): %T %v, want *SyntaxError", src, err, err)
			}
			if se.Offset < 0 || se.Offset > len(src) {
				t.Fatalf("Parse(%q): offset %d outside the text", src, se.Offset)
			}
			if n != nil {
				t.Fatalf("Parse(%q): a tree and an error", src)
			}
			return
		}
		if n == nil {
			t.Fatalf("Parse(%q): no tree and no error", src)
		}
		walk(n, func(x Node) {
			if p := x.pos(); p < 0 || p >= len(src) {
				t.Fatalf("Parse(%q): node %s at %d outside the text", src, sexpr(x), p)
			}
		})
		n2, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q) succeeded, then failed: %v", src, err)
		}
		if a, b := sexpr(n), sexpr(n2); a != b {
			t.Fatalf("Parse(%q) not deterministic: %s vs %s", src, a, b)
		}
	})
}
