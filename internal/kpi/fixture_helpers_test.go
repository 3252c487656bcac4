package kpi

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/store"
)

// testNow is the fixed clock of every engine in these tests.
var testNow = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// fixture is a fresh DuckDB database in a temporary directory.
type fixture struct {
	t  *testing.T
	st *store.DuckStore
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.OpenDuckDB(context.Background(), filepath.Join(t.TempDir(), "kpi.duckdb"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return &fixture{t: t, st: st}
}

// insert writes rows into table. cols is a comma-separated column list; each row
// holds one value per column: nil (NULL), string (timestamps too, as
// 'YYYY-MM-DD[ HH:MM:SS]', taken as UTC), int, float64 or bool.
func (f *fixture) insert(table, cols string, rows ...[]any) {
	f.t.Helper()
	n := len(strings.Split(cols, ","))
	var vals []string
	for i, r := range rows {
		if len(r) != n {
			f.t.Fatalf("insert %s row %d: %d values for %d columns", table, i, len(r), n)
		}
		lits := make([]string, len(r))
		for j, v := range r {
			lits[j] = sqlLiteral(f.t, v)
		}
		vals = append(vals, "("+strings.Join(lits, ", ")+")")
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES\n%s", table, cols, strings.Join(vals, ",\n"))
	if _, err := f.st.DB().Exec(q); err != nil {
		f.t.Fatalf("%s\n%v", q, err)
	}
}

func sqlLiteral(t *testing.T, v any) string {
	t.Helper()
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	t.Fatalf("unsupported literal %T", v)
	return ""
}

// engine returns an engine on the fixture's store with the fixed clock.
func (f *fixture) engine(cfg Config) *Engine {
	f.t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	e, err := New(f.st, cfg)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return e
}

// eval evaluates q and fails the test on error.
func (f *fixture) eval(e *Engine, q Query) *Result {
	f.t.Helper()
	res, err := e.Evaluate(context.Background(), q)
	if err != nil {
		f.t.Fatalf("Evaluate(%+v): %v", q, err)
	}
	return res
}

// day parses YYYY-MM-DD as midnight UTC.
func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// f64 is a pointer to x: an expected non-null value.
func f64(x float64) *float64 { return &x }

// nullV is an expected null value.
var nullV *float64

// blank marks an expected blank (nil) dimension value in a case's dims.
const blank = "\x00blank"

// kc is one expected KPI value: the KPI, the period label, the dimension values
// (in Query.By order; blank for nil) and the value (nullV for null).
type kc struct {
	kpi    string
	period string
	dims   []string
	want   *float64
}

// at is a shorthand for a case without dimensions.
func at(kpi, period string, want *float64) kc { return kc{kpi: kpi, period: period, want: want} }

// by is a shorthand for a case with dimension values.
func by(kpi, period string, dims []string, want *float64) kc {
	return kc{kpi: kpi, period: period, dims: dims, want: want}
}

func dimsString(ds []*string) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		if d == nil {
			parts[i] = "<nil>"
		} else {
			parts[i] = strconv.Quote(*d)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func dimsMatch(got []*string, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if w == blank {
			if got[i] != nil {
				return false
			}
			continue
		}
		if got[i] == nil || *got[i] != w {
			return false
		}
	}
	return true
}

func wantString(w []string) string {
	parts := make([]string, len(w))
	for i, d := range w {
		if d == blank {
			parts[i] = "<nil>"
		} else {
			parts[i] = strconv.Quote(d)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func valueString(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// findRow returns the single row of res matching kpi, period and dims.
func findRow(t *testing.T, res *Result, kpi, period string, dims []string) (Row, bool) {
	t.Helper()
	var found []Row
	for _, r := range res.Rows {
		if r.KPI == kpi && r.Period.Label == period && dimsMatch(r.Dims, dims) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		var have []string
		for _, r := range res.Rows {
			if r.KPI == kpi {
				have = append(have, r.Period.Label+dimsString(r.Dims)+"="+valueString(r.Value))
			}
		}
		t.Errorf("%s %s %s: no row (rows of %s: %s; notes: %v)", kpi, period, wantString(dims), kpi, strings.Join(have, ", "), res.Notes)
		return Row{}, false
	case 1:
		return found[0], true
	}
	t.Errorf("%s %s %s: %d rows, want 1", kpi, period, wantString(dims), len(found))
	return Row{}, false
}

// sameValue compares a value with its expectation: null exactly, numbers with a
// relative tolerance of 1e-9.
func sameValue(got, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	g, w := *got, *want
	if g == w {
		return true
	}
	return math.Abs(g-w) <= 1e-9*math.Max(math.Abs(g), math.Abs(w))
}

// check asserts every case against res.
func check(t *testing.T, res *Result, cases []kc) {
	t.Helper()
	for _, c := range cases {
		r, ok := findRow(t, res, c.kpi, c.period, c.dims)
		record(c)
		if !ok {
			continue
		}
		if !sameValue(r.Value, c.want) {
			t.Errorf("%s %s %s = %s, want %s", c.kpi, c.period, wantString(c.dims), valueString(r.Value), valueString(c.want))
		}
	}
}

// noRow asserts that res has no row for kpi (in any period).
func noRow(t *testing.T, res *Result, kpi string) {
	t.Helper()
	for _, r := range res.Rows {
		if r.KPI == kpi {
			t.Errorf("%s: unexpected row %s %s = %s", kpi, r.Period.Label, dimsString(r.Dims), valueString(r.Value))
		}
	}
}

// Coverage: every built-in KPI must be asserted with a real (non-null, non-zero)
// value and with its empty-input rule (null or 0). Checked by TestMain after a
// full, unfiltered run.
var coverage = struct {
	sync.Mutex
	value map[string]bool
	empty map[string]bool
}{value: map[string]bool{}, empty: map[string]bool{}}

func record(c kc) {
	coverage.Lock()
	defer coverage.Unlock()
	if c.want == nil || *c.want == 0 {
		coverage.empty[c.kpi] = true
	} else {
		coverage.value[c.kpi] = true
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && !testing.Short() && flagValue("test.run") == "" && flagValue("test.skip") == "" && flagValue("test.fuzz") == "" {
		if missing := uncovered(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "KPIs without hand-computed assertions: %s\n", strings.Join(missing, "; "))
			code = 1
		}
	}
	os.Exit(code)
}

func flagValue(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

func uncovered() []string {
	cat, err := LoadBuiltin()
	if err != nil {
		return []string{err.Error()}
	}
	coverage.Lock()
	defer coverage.Unlock()
	var missing []string
	for _, k := range cat.KPIs() {
		if !coverage.value[k.ID] {
			missing = append(missing, k.ID+" (no non-empty value)")
		}
		if !coverage.empty[k.ID] {
			missing = append(missing, k.ID+" (no null/zero case)")
		}
	}
	sort.Strings(missing)
	return missing
}
