package goals

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

const goodFile = `objectives:
  - id: grow
    name: Increase market share
    kpis: [revenue, new_customers]
goals:
  - id: q4_revenue
    kpi: revenue
    scope: team:T1
    period: 2026-Q4
    target: 900000
    owner: dana
    objective: grow
  - id: win_more
    kpi: win_rate
    scope: org
    from: 2026-10-01
    to: 2026-12-31
    change: 0.05
`

func catalog(t *testing.T) *kpi.Catalog {
	t.Helper()
	c, err := kpi.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var org = Org{Teams: map[string]bool{"T1": true}, Reps: map[string]bool{"R1": true}}

func TestValidateGoodFile(t *testing.T) {
	f, err := Parse("goals.yaml", []byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(catalog(t), kpi.Calendar{FiscalStartMonth: 1}, org); err != nil {
		t.Fatal(err)
	}
	q4 := f.Goals[0]
	// 2026-Q4 is [2026-10-01, 2027-01-01); the goal starts on line 6 of the file.
	if q4.Line != 6 || q4.Grain != kpi.Quarter || q4.Start.Format("2006-01-02") != "2026-10-01" || q4.End.Format("2006-01-02") != "2027-01-01" {
		t.Errorf("q4 goal resolved to %+v", q4)
	}
	// from/to are inclusive: the end is the day after the 31st.
	w := f.Goals[1]
	if w.Grain != kpi.All || w.End.Format("2006-01-02") != "2027-01-01" || w.Baseline != "previous_period" || w.Line != 13 {
		t.Errorf("win_more resolved to %+v", w)
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // substrings of the error, in order
	}{
		{"unknown KPI", "goals:\n  - id: g1\n    kpi: revnue\n    period: 2026-Q4\n    target: 1\n", []string{`goals.yaml:2: g1: unknown KPI "revnue"`}},
		{"end before start", "goals:\n  - id: g1\n    kpi: revenue\n    from: 2026-12-31\n    to: 2026-10-01\n    target: 1\n", []string{"goals.yaml:2: g1: period ends (2026-10-01) before it starts (2026-12-31)"}},
		{"unknown team", "goals:\n  - id: g1\n    kpi: revenue\n    scope: team:T9\n    period: 2026-Q4\n    target: 1\n", []string{`goals.yaml:2: g1: scope "team:T9": no team "T9"`}},
		{"malformed YAML", "goals:\n  - id: g1\n    kpi: [revenue\n", []string{"goals.yaml:"}},
		{"unknown field", "goals:\n  - id: g1\n    kpi: revenue\n    taget: 5\n", []string{"goals.yaml:4:", "taget"}},
		{"two targets", "goals:\n  - id: g1\n    kpi: revenue\n    period: 2026-Q4\n    target: 1\n    change: 0.1\n", []string{"g1: give either target or change"}},
		{"no target", "goals:\n  - id: g1\n    kpi: revenue\n    period: 2026-Q4\n", []string{"g1: give a target"}},
		{"bad period", "goals:\n  - id: g1\n    kpi: revenue\n    period: Q4\n    target: 1\n", []string{`g1: period "Q4"`}},
		{"duplicate id", "goals:\n  - id: g1\n    kpi: revenue\n    period: 2026-Q4\n    target: 1\n  - id: g1\n    kpi: revenue\n    period: 2026-Q3\n    target: 1\n", []string{"goals.yaml:6: g1: goal id already used on line 2"}},
		{"unknown objective", "goals:\n  - id: g1\n    kpi: revenue\n    period: 2026-Q4\n    target: 1\n    objective: nope\n", []string{`g1: objective "nope" is not declared`}},
		{"every problem listed", "goals:\n  - id: a\n    kpi: x\n    period: 2026-Q4\n    target: 1\n  - id: b\n    kpi: revenue\n    scope: rep:R9\n    period: 2026-Q4\n    target: 1\n",
			[]string{`goals.yaml:2: a: unknown KPI "x"`, `goals.yaml:6: b: scope "rep:R9": no rep "R9"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("goals.yaml", []byte(tt.text))
			if err == nil {
				err = f.Validate(catalog(t), kpi.Calendar{FiscalStartMonth: 1}, org)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FileError", err)
			}
			msg := err.Error()
			at := 0
			for _, w := range tt.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("error\n%s\ndoes not contain %q (in order)", msg, w)
				}
				at += i + len(w)
			}
		})
	}
}

func TestApplyKeepsHistory(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "g.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.DB().Exec(`INSERT INTO teams VALUES ('T1', 'Sales', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	load := func(text string) *File {
		f, err := Parse("goals.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		o, err := LoadOrg(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Validate(catalog(t), kpi.Calendar{FiscalStartMonth: 1}, o); err != nil {
			t.Fatal(err)
		}
		return f
	}
	t1 := time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC)
	res, err := Apply(ctx, st, load(goodFile), "dana", t1)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) != 2 || res.Objectives != 1 {
		t.Errorf("first apply: %+v", res)
	}
	// The same file again changes nothing.
	res, err = Apply(ctx, st, load(goodFile), "dana", t1.Add(time.Hour))
	if err != nil || len(res.Unchanged) != 2 || len(res.Created)+len(res.Updated) != 0 {
		t.Errorf("second apply: %+v, %v", res, err)
	}
	// A new target is an update, recorded with who and when.
	t3 := t1.Add(48 * time.Hour)
	res, err = Apply(ctx, st, load(strings.Replace(goodFile, "target: 900000", "target: 950000", 1)), "lee", t3)
	if err != nil || len(res.Updated) != 1 || res.Updated[0] != "q4_revenue" {
		t.Fatalf("third apply: %+v, %v", res, err)
	}
	h, err := GoalHistory(ctx, st, "q4_revenue")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Action != "created" || h[0].ChangedBy != "dana" || h[1].Action != "updated" || h[1].ChangedBy != "lee" ||
		!h[1].ChangedAt.Equal(t3) || !strings.Contains(h[1].After, "950000") {
		t.Errorf("history %+v", h)
	}
	goals, err := Stored(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(goals) != 2 || *goals[0].Target != 950000 && *goals[1].Target != 950000 {
		t.Errorf("stored %+v", goals)
	}
}
