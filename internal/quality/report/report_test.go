package report_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/quality/report"
	"github.com/salesops/salesops/internal/store"
)

// source imports the CSV files in dir into a fresh database and returns a
// report source whose engine's today is the given day.
func source(t *testing.T, dir string, today time.Time) report.Source {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "report.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := ingest.Import(ctx, st, []string{dir}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}, Now: func() time.Time { return today.Add(12 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	return report.Source{Store: st, Engine: eng}
}

// crm is the hand-made organisation of the rule tests (internal/quality/testdata/crm),
// with its today.
func crm(t *testing.T) report.Source {
	return source(t, filepath.Join("..", "testdata", "crm"), time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC))
}

func date(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func wantScore(t *testing.T, what string, got report.Score, records, passed int64) {
	t.Helper()
	if got.Records != records || got.Passed != passed || got.Failing != records-passed {
		t.Errorf("%s: %d records, %d passed, %d failing; want %d, %d, %d", what, got.Records, got.Passed, got.Failing, records, passed, records-passed)
	}
	if got.Accuracy == nil || math.Abs(*got.Accuracy-float64(passed)/float64(records)) > 5e-7 { // six decimals
		t.Errorf("%s: accuracy %v, want %d/%d", what, got.Accuracy, passed, records)
	}
}

// TestScores checks the scorecard of testdata/crm against counts made by hand
// from the rule tests' cases (internal/quality/rules_test.go): every failing
// record there breaks exactly one rule.
func TestScores(t *testing.T) {
	src := crm(t)
	ctx := context.Background()
	s, err := src.Scores(ctx, report.Filter{}, "record_type")
	if err != nil {
		t.Fatal(err)
	}
	// The records run from O14's stage entry (2026-01-01) to OW20 (2026-04-20);
	// accounts (January) count although the KPI engine's data range starts later.
	if s.From != "2026-01-01" || s.To != "2026-04-20" {
		t.Errorf("range %s..%s", s.From, s.To)
	}
	// Deals: O2 O3 O4 O5 O7 O8 O10 O11 O14 O16 O17 O18 fail: 12 of 39 (19 + 20 Widget).
	// Leads: L2 L3 L4 L6 L8 L9 L11: 7 of 11. Accounts: A2 A3 A4 A6 A7 A8 A10: 7 of 11.
	// Activities: X2 X3 X5 X6: 4 of 7. Stage history: O999, O14, O6/Negotiation,
	// O7/Closed Lost: 4 of 7. All: 34 of 75 fail, 41 pass.
	wantScore(t, "overall", s.Overall, 75, 41)
	want := []struct {
		group           string
		records, passed int64
	}{{"opportunity", 39, 27}, {"lead", 11, 4}, {"account", 11, 4}, {"activity", 7, 3}, {"stage_history", 7, 3}}
	if len(s.Groups) != len(want) {
		t.Fatalf("groups %+v", s.Groups)
	}
	for i, w := range want {
		g := s.Groups[i]
		if g.Group == nil || *g.Group != w.group {
			t.Errorf("group %d = %v, want %s", i, g.Group, w.group)
			continue
		}
		wantScore(t, w.group, g.Score, w.records, w.passed)
	}
	// January: accounts A1..A12 (7 fail), O5 ✗ O6 ✓ O7 ✗, O14's entry ✗: 5 of 15 pass.
	// February: 13 deals (O2 O3 O4 O8 O10 O11 O14 O16 O17 ✗; O1 O12 O13 O15 ✓),
	// 10 leads (L2 L3 L6 L8 L9 L11 ✗), 6 activities (X2 X5 X6 ✗), 4 stage entries
	// (O999, O6 ✗; O1's two ✓): 4 + 4 + 3 + 2 = 13 of 33 pass.
	// March: O18 ✗ O19 ✓ O20 ✓, L4 ✗, X3 ✗, O7's entries (Closed Lost ✗, Closed Won ✓): 3 of 7.
	// April: OW01..OW20, all pass: 20 of 20.
	months := []struct {
		period          string
		records, passed int64
	}{{"2026-01", 15, 5}, {"2026-02", 33, 13}, {"2026-03", 7, 3}, {"2026-04", 20, 20}}
	if len(s.Trend) != len(months) {
		t.Fatalf("trend %+v", s.Trend)
	}
	for i, m := range months {
		if s.Trend[i].Period != m.period {
			t.Errorf("trend %d = %s, want %s", i, s.Trend[i].Period, m.period)
		}
		wantScore(t, m.period, s.Trend[i].Score, m.records, m.passed)
	}
	// Every rule is counted, most failing first: duplicate names (A6 A7 A8 A10),
	// then out-of-order entries (O14, O6, O7).
	if len(s.Rules) != 22 || s.Rules[0].Rule != "account.duplicate_name" || s.Rules[0].Failing != 4 ||
		s.Rules[1].Rule != "stage_history.out_of_order" || s.Rules[1].Failing != 3 {
		t.Errorf("rules %+v", s.Rules)
	}
	var sum int64
	for _, r := range s.Rules {
		sum += r.Failing
	}
	if sum != 34 { // one rule per failing record
		t.Errorf("rule counts add up to %d, want 34", sum)
	}

	// R3 (left on 03-01): A4 ✗, O5 ✗ O6 ✓ O7 ✗, L4 ✗ L5 ✓, X3 ✗ X4 ✓, and the stage
	// entries of O6 (✗) and O7 (Closed Lost ✗, Closed Won ✓): 4 of 11 pass.
	s, err = src.Scores(ctx, report.Filter{Reps: []string{"R3"}}, "rep")
	if err != nil {
		t.Fatal(err)
	}
	wantScore(t, "R3", s.Overall, 11, 4)
	if len(s.Groups) != 1 || *s.Groups[0].Group != "R3" || s.Groups[0].Name == nil || *s.Groups[0].Name != "Cy" {
		t.Errorf("groups %+v", s.Groups)
	}
	// Leads only, in February: 10 leads, 4 pass; the rule list keeps lead rules.
	s, err = src.Scores(ctx, report.Filter{RecordTypes: []string{"lead"}, From: date("2026-02-01"), To: date("2026-02-28")}, "")
	if err != nil {
		t.Fatal(err)
	}
	wantScore(t, "February leads", s.Overall, 10, 4)
	if len(s.Rules) != 5 || len(s.Groups) != 0 || len(s.Trend) != 1 {
		t.Errorf("rules %d, groups %d, trend %d", len(s.Rules), len(s.Groups), len(s.Trend))
	}
}

// TestFailuresAgreeWithScores is the contract between the list and the score:
// in any range and group, the records with at least one failure are exactly
// dq_records − dq_passed of the KPI engine.
func TestFailuresAgreeWithScores(t *testing.T) {
	dir := t.TempDir()
	if _, err := demo.Generate(context.Background(), dir, demo.Config{Seed: 42, Reps: 12, Months: 6}); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]report.Source{
		"crm":  crm(t),
		"demo": source(t, dir, time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)),
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			checked := 0
			agree := func(what string, f report.Filter, sc report.Score) {
				t.Helper()
				list, err := src.ListFailures(ctx, f, 0)
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for _, x := range list.Failures {
					seen[x.RecordType+"/"+x.RecordID] = true
				}
				if list.Records != sc.Failing || int64(len(seen)) != sc.Failing || list.Total != int64(len(list.Failures)) {
					t.Errorf("%s: %d failing records listed (%d counted), engine says %d − %d = %d",
						what, len(seen), list.Records, sc.Records, sc.Passed, sc.Failing)
				}
				checked++
			}
			all, err := src.Scores(ctx, report.Filter{}, "")
			if err != nil {
				t.Fatal(err)
			}
			if all.Overall.Failing == 0 {
				t.Fatal("nothing fails: the comparison would prove nothing")
			}
			agree("all", report.Filter{From: date(all.From), To: date(all.To)}, all.Overall)
			for _, m := range all.Trend {
				end := date(m.End).AddDate(0, 0, -1)
				agree(m.Period, report.Filter{From: date(m.Start), To: end}, m.Score)
			}
			for _, by := range report.Groupings {
				s, err := src.Scores(ctx, report.Filter{}, by)
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range s.Groups {
					if g.Group == nil {
						continue // no rep (or team) to filter by
					}
					f := report.Filter{From: date(s.From), To: date(s.To)}
					switch by {
					case "record_type":
						f.RecordTypes = []string{*g.Group}
					case "rep":
						f.Reps = []string{*g.Group}
					case "team":
						f.Team = *g.Group
					}
					agree(by+" "+*g.Group, f, g.Score)
				}
			}
			if checked < 10 {
				t.Errorf("only %d comparisons", checked)
			}
		})
	}
}

// TestListFailures checks the filters, the limit, the columns and the CSV
// export of the failing records.
func TestListFailures(t *testing.T) {
	src := crm(t)
	ctx := context.Background()
	list := func(f report.Filter, limit int) *report.Failures {
		t.Helper()
		l, err := src.ListFailures(ctx, f, limit)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ids := func(l *report.Failures) string {
		var out []string
		for _, f := range l.Failures {
			out = append(out, f.RecordID)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name   string
		filter report.Filter
		want   string // record ids, by type then id
	}{
		{"rule", report.Filter{Rules: []string{"opp.owner_left", "lead.owner_left"}}, "L4 O5 O7"},
		{"record type", report.Filter{RecordTypes: []string{"activity"}}, "X2 X3 X5 X6"},
		// R2 owns A7 A10 (duplicates) and L8 L9 (same e-mail), L11 (no source).
		{"rep", report.Filter{Reps: []string{"R2"}}, "A10 A7 L11 L8 L9"},
		// GHOST is no rep, but its records are still found by it.
		{"unknown rep", report.Filter{Reps: []string{"GHOST"}}, "A2 X2 L3 O4"},
		// T2 holds R2, R3 and R4: R2's above, and R3's A4 O5 O7 L4 X3 and two stage entries.
		{"team", report.Filter{Team: "T2"}, "A10 A4 A7 X3 L11 L4 L8 L9 O5 O7 O6/Negotiation/2026-02-20 00:00:00 O7/Closed Lost/2026-03-01 00:00:00"},
		// Recorded in March: O18, L4, X3, O7's lost entry.
		{"dates", report.Filter{From: date("2026-03-01"), To: date("2026-03-31")}, "X3 L4 O18 O7/Closed Lost/2026-03-01 00:00:00"},
		{"nothing", report.Filter{Rules: []string{"opp.owner_missing"}, Reps: []string{"R1"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(list(tt.filter, 0)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	l := list(report.Filter{RecordTypes: []string{"opportunity"}}, 3)
	if len(l.Failures) != 3 || !l.Truncated || l.Total != 12 || l.Records != 12 {
		t.Errorf("limited: %d listed, truncated %v, total %d, records %d", len(l.Failures), l.Truncated, l.Total, l.Records)
	}
	l = list(report.Filter{Rules: []string{"opp.close_date_past"}}, 0)
	if len(l.Failures) != 1 {
		t.Fatalf("close_date_past: %+v", l.Failures)
	}
	f := l.Failures[0]
	if f.RecordType != "opportunity" || f.RecordID != "O14" || f.Severity != "warning" || f.Description == "" ||
		*f.Rep != "R1" || *f.RepName != "Ann" || *f.Team != "T1" || *f.Account != "A1" || *f.AccountName != "Globex" ||
		f.Value != "status=open; close_date=2026-05-01" || !f.RecordedAt.Equal(date("2026-02-01")) {
		t.Errorf("failure %+v", f)
	}

	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, list(report.Filter{Rules: []string{"lead.duplicate_email", "opp.owner_missing"}}, 0).Failures); err != nil {
		t.Fatal(err)
	}
	wantCSV := "record_type,record_id,rule,severity,description,rep,rep_name,team,account,account_name,value,recorded_at\n" +
		"lead,L8,lead.duplicate_email,warning,Another lead has the same e-mail address (case and surrounding spaces ignored).,R2,Bob,T2,,,\"email=pat@example.com; 2 leads share it, the first L8\",2026-02-08T00:00:00Z\n" +
		"lead,L9,lead.duplicate_email,warning,Another lead has the same e-mail address (case and surrounding spaces ignored).,R2,Bob,T2,,,\"email=PAT@Example.com; 2 leads share it, the first L8\",2026-02-09T00:00:00Z\n" +
		"opportunity,O4,opp.owner_missing,error,Deal whose owner is not in reps.csv.,GHOST,,,A1,Globex,owner_rep_id=GHOST,2026-02-04T00:00:00Z\n"
	if buf.String() != wantCSV {
		t.Errorf("csv:\n%s\nwant:\n%s", buf.String(), wantCSV)
	}
}

// TestBadFilters checks that a bad filter names its parameter.
func TestBadFilters(t *testing.T) {
	src := crm(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		filter report.Filter
		by     string
		param  string
	}{
		{"unknown rule", report.Filter{Rules: []string{"opp.nope"}}, "", "rule"},
		{"unknown type", report.Filter{RecordTypes: []string{"deal"}}, "", "record_type"},
		{"unknown team", report.Filter{Team: "T9"}, "", "team"},
		{"to before from", report.Filter{From: date("2026-03-01"), To: date("2026-02-01")}, "", "from"},
		{"bad grouping", report.Filter{}, "segment", "by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := src.Scores(ctx, tt.filter, tt.by)
			var qe *kpi.QueryError
			if !errors.As(err, &qe) || qe.Param != tt.param {
				t.Errorf("Scores: %v, want a QueryError on %s", err, tt.param)
			}
			if tt.by != "" {
				return
			}
			_, err = src.ListFailures(ctx, tt.filter, 0)
			if !errors.As(err, &qe) || qe.Param != tt.param {
				t.Errorf("ListFailures: %v, want a QueryError on %s", err, tt.param)
			}
		})
	}
}
