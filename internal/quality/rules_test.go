package quality_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/quality"
	"github.com/salesops/salesops/internal/store"
)

// today of every check here: the records in testdata/crm are dated around it.
var today = time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)

// crmStore imports testdata/crm (a small organisation with, for every rule,
// a record that breaks it and one that does not) into a fresh database.
func crmStore(t *testing.T) *store.DuckStore {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "quality.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := ingest.Import(ctx, st, []string{filepath.Join("testdata", "crm")}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	return st
}

type failure struct{ recordType, id, rule, value string }

// failures runs the catalog's failure SQL.
func failures(t *testing.T, st store.Store) []failure {
	t.Helper()
	q := "WITH params (today) AS (SELECT CAST(? AS TIMESTAMP))\nSELECT record_type, record_id, rule_id, value FROM (" +
		quality.FailuresSQL(st.Dialect()) + "\n) f ORDER BY ALL"
	rows, err := st.Query(context.Background(), q, today)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var out []failure
	for rows.Next() {
		var f failure
		if err := rows.Scan(&f.recordType, &f.id, &f.rule, &f.value); err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// passed runs the catalog's records SQL: whether each record passes.
func passed(t *testing.T, st store.Store) map[string]bool {
	t.Helper()
	q := "WITH params (today) AS (SELECT CAST(? AS TIMESTAMP))\nSELECT record_type, record_id, passed FROM (" +
		quality.RecordsSQL(st.Dialect()) + "\n) r"
	rows, err := st.Query(context.Background(), q, today)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var typ, id string
		var ok bool
		if err := rows.Scan(&typ, &id, &ok); err != nil {
			t.Fatal(err)
		}
		out[typ+" "+id] = ok
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ruleCases names, for every rule, a record of testdata/crm that breaks it
// (and no other rule) and one that does not break it. today is 2026-06-15.
var ruleCases = []struct {
	rule          string
	failing, pass string
	value         string // the failing record's offending values
}{
	// O2 has no account, O3's account A99 does not exist; O1's A1 does.
	{"opp.account_missing", "O2", "O1", "account_id=(blank)"},
	{"opp.account_missing", "O3", "O1", "account_id=A99"},
	{"opp.owner_missing", "O4", "O1", "owner_rep_id=GHOST"},
	// R3 left on 03-01: O5 is still open, O7 was won on 03-05; O6 was won on
	// 02-15, before R3 left. R4 leaves on 09-01, after today: O20 is fine.
	{"opp.owner_left", "O7", "O6", "owner_rep_id=R3; left_on=2026-03-01; status=won; close_date=2026-03-05"},
	{"opp.owner_left", "O5", "O20", "owner_rep_id=R3; left_on=2026-03-01; status=open; close_date=2026-07-31"},
	{"opp.amount_nonpositive", "O8", "O1", "amount=0.00"},
	// Widget deals of segment smb: OW01..OW20 at 800..1180, O10 1,000,000, O11
	// 5, O12 5,000 — 23 positive amounts. Sorted logs: q1 = ln 880 + (ln 900 −
	// ln 880)/2 ≈ 6.7900 (position 5.5), median = ln 1000 ≈ 6.9078 (position
	// 11), q3 = (ln 1100 + ln 1120)/2 ≈ 7.0121 (position 16.5): IQR ≈ 0.2221.
	// High fence = max(q3 + 3·IQR ≈ 7.679 (e^ ≈ 2160), ln 1000 + ln 10 (e^ =
	// 10,000)) → 10,000; low fence = min(q1 − 3·IQR ≈ 6.124 (e^ ≈ 457),
	// ln 100) → 100. O10 (1,000,000) and O11 (5) are outside; O12 (5,000) is
	// beyond Tukey's fence but within ten times the median, so it stands.
	{"opp.amount_outlier", "O10", "O12", "amount=1000000.00; plausible 100.00..10000.00 among 23 deals of product Widget, segment smb"},
	{"opp.amount_outlier", "O11", "OW01", ""},
	// O13 (1,000,000) is the only Rare deal: too few peers to judge.
	{"opp.amount_outlier", "O10", "O13", ""},
	// O15's close date is today itself: not yet past.
	{"opp.close_date_past", "O14", "O15", "status=open; close_date=2026-05-01"},
	{"opp.stage_status_mismatch", "O16", "O1", "stage=Closed Won; status=lost"},
	{"opp.stage_status_mismatch", "O17", "O2", "stage=Closed Lost; status=open"},
	// O19 was created at 15:00 on the day it closed.
	{"opp.closed_before_created", "O18", "O19", "created_at=2026-03-10 00:00:00; close_date=2026-03-09"},

	{"lead.owner_missing", "L2", "L1", "owner_rep_id=(blank)"},
	{"lead.owner_missing", "L3", "L1", "owner_rep_id=GHOST"},
	// R3 left on 03-01: L4 arrived on 03-02, L5 on 02-27.
	{"lead.owner_left", "L4", "L5", "owner_rep_id=R3; left_on=2026-03-01; created_at=2026-03-02 00:00:00"},
	// L7 was answered the instant it arrived.
	{"lead.response_before_created", "L6", "L7", "created_at=2026-02-06 10:00:00; first_response_at=2026-02-06 09:00:00"},
	// L9's " PAT@Example.com " is L8's pat@example.com; L10's pat2@ is not.
	{"lead.duplicate_email", "L9", "L10", "email=PAT@Example.com; 2 leads share it, the first L8"},
	{"lead.duplicate_email", "L8", "L1", ""},
	{"lead.source_missing", "L11", "L10", "source=(blank)"},

	{"account.owner_missing", "A2", "A1", "owner_rep_id=GHOST"},
	{"account.owner_missing", "A3", "A1", "owner_rep_id=(blank)"},
	// R3 has left; R4 leaves after today.
	{"account.owner_left", "A4", "A5", "owner_rep_id=R3; left_on=2026-03-01"},
	// "ACME corp." is "Acme Corp"; "MÜLLER, GmbH" is "Müller GmbH"; names in
	// other scripts keep their letters (株式会社 and 東京商事 differ).
	{"account.duplicate_name", "A7", "A1", "name=ACME corp.; 2 accounts share it, the first A6"},
	{"account.duplicate_name", "A6", "A5", "name=Acme Corp; 2 accounts share it, the first A6"},
	{"account.duplicate_name", "A10", "A11", "name=MÜLLER, GmbH; 2 accounts share it, the first A8"},
	{"account.duplicate_name", "A8", "A12", ""},

	{"activity.rep_missing", "X2", "X1", "rep_id=GHOST"},
	// R3 left on 03-01: X3 on 03-02, X4 on 02-28.
	{"activity.rep_left", "X3", "X4", "rep_id=R3; left_on=2026-03-01; occurred_at=2026-03-02 00:00:00"},
	{"activity.opportunity_missing", "X5", "X1", "opportunity_id=O999"},
	// O1 was won on 02-20: X6 on 02-21, X7 at 18:00 on 02-20.
	{"activity.after_close", "X6", "X7", "occurred_at=2026-02-21 00:00:00; opportunity_id=O1; deal_status=won; close_date=2026-02-20"},

	{"stage_history.opportunity_missing", "O999/Proposal/2026-02-01 00:00:00", "O1/Proposal/2026-02-05 00:00:00", "opportunity_id=O999"},
	// O14 was created on 02-01; O6 was won on 02-15; O7 was lost (03-01) and
	// then won (03-05, the last entry and its close date).
	{"stage_history.out_of_order", "O14/Proposal/2026-01-01 00:00:00", "O1/Closed Won/2026-02-20 00:00:00",
		"stage=Proposal; entered_at=2026-01-01 00:00:00; before created_at=2026-02-01 00:00:00"},
	{"stage_history.out_of_order", "O6/Negotiation/2026-02-20 00:00:00", "O7/Closed Won/2026-03-05 00:00:00",
		"stage=Negotiation; entered_at=2026-02-20 00:00:00; after close_date=2026-02-15"},
	{"stage_history.out_of_order", "O7/Closed Lost/2026-03-01 00:00:00", "O1/Proposal/2026-02-05 00:00:00",
		"stage=Closed Lost; entered_at=2026-03-01 00:00:00; followed by an entry at=2026-03-05 00:00:00"},
}

// TestRules checks every rule of the catalog on a record that breaks it and
// one that does not, and that the records' pass/fail agrees with the
// failures.
func TestRules(t *testing.T) {
	st := crmStore(t)
	fs := failures(t, st)
	byRecord := map[string][]failure{}
	for _, f := range fs {
		byRecord[f.recordType+" "+f.id] = append(byRecord[f.recordType+" "+f.id], f)
	}
	typeOf := map[string]string{}
	for _, r := range quality.Rules() {
		typeOf[r.ID] = r.RecordType
	}
	covered := map[string]bool{}
	for _, tc := range ruleCases {
		covered[tc.rule] = true
		t.Run(tc.rule+"/"+tc.failing, func(t *testing.T) {
			typ, ok := typeOf[tc.rule]
			if !ok {
				t.Fatalf("no rule %s in the catalog", tc.rule)
			}
			got := byRecord[typ+" "+tc.failing]
			if len(got) != 1 || got[0].rule != tc.rule {
				t.Errorf("%s %s fails %v, want exactly %s", typ, tc.failing, got, tc.rule)
			} else if tc.value != "" && got[0].value != tc.value {
				t.Errorf("%s %s: value %q, want %q", typ, tc.failing, got[0].value, tc.value)
			}
			for _, f := range byRecord[typ+" "+tc.pass] {
				if f.rule == tc.rule {
					t.Errorf("%s %s breaks %s: %q", typ, tc.pass, tc.rule, f.value)
				}
			}
		})
	}
	for _, r := range quality.Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no test case", r.ID)
		}
	}

	// Every failure is one of the cases above: the records that should pass
	// every rule do.
	want := map[string]bool{}
	for _, tc := range ruleCases {
		want[typeOf[tc.rule]+" "+tc.failing+" "+tc.rule] = true
	}
	var unexpected []string
	for _, f := range fs {
		if k := f.recordType + " " + f.id + " " + f.rule; !want[k] {
			unexpected = append(unexpected, k+" ("+f.value+")")
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("unexpected failures:\n%s", strings.Join(unexpected, "\n"))
	}

	// A record passes (RecordsSQL) exactly when it has no failure (FailuresSQL).
	pass := passed(t, st)
	// 11 accounts, 11 leads, 39 deals (19 + 20 Widget), 7 activities, 7 stage entries.
	if len(pass) != 11+11+39+7+7 {
		t.Errorf("%d records, want 75", len(pass))
	}
	for k, ok := range pass {
		if ok == (len(byRecord[k]) > 0) {
			t.Errorf("%s: passed = %v, failures %v", k, ok, byRecord[k])
		}
	}
	for k := range byRecord {
		if _, ok := pass[k]; !ok {
			t.Errorf("%s fails a rule but is not a record", k)
		}
	}
}

// TestCatalog checks the catalog's shape: unique ids prefixed by their record
// type, known record types and severities, one-line descriptions, and ids
// safe to write into SQL as literals.
func TestCatalog(t *testing.T) {
	prefix := map[string]string{"opportunity": "opp.", "lead": "lead.", "account": "account.", "activity": "activity.", "stage_history": "stage_history."}
	if names := quality.RecordTypeNames(); !slices.Equal(names, []string{"opportunity", "lead", "account", "activity", "stage_history"}) {
		t.Errorf("record types %v", names)
	}
	idRE := regexp.MustCompile(`^[a-z_]+\.[a-z_]+$`)
	seen := map[string]bool{}
	var ids []string
	for _, r := range quality.Rules() {
		ids = append(ids, r.ID)
		if seen[r.ID] {
			t.Errorf("%s: duplicate id", r.ID)
		}
		seen[r.ID] = true
		if !idRE.MatchString(r.ID) || !strings.HasPrefix(r.ID, prefix[r.RecordType]) {
			t.Errorf("%s: id must be %s<name> in lower case", r.ID, prefix[r.RecordType])
		}
		if r.Severity != quality.Error && r.Severity != quality.Warning {
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		if r.Description == "" || strings.Contains(r.Description, "\n") || !strings.HasSuffix(r.Description, ".") {
			t.Errorf("%s: description %q: want one sentence", r.ID, r.Description)
		}
		if r.Condition == "" || r.Value == "" {
			t.Errorf("%s: condition and value are required", r.ID)
		}
		if got, ok := quality.RuleByID(r.ID); !ok || got.ID != r.ID {
			t.Errorf("RuleByID(%s) = %v, %v", r.ID, got, ok)
		}
	}
	if _, ok := quality.RuleByID("opp.nope"); ok {
		t.Error("RuleByID found an unknown rule")
	}
	// Rules come record type by record type.
	sorted := slices.Clone(ids)
	sort.SliceStable(sorted, func(i, j int) bool {
		return slices.Index(quality.RecordTypeNames(), recordTypeOf(sorted[i])) < slices.Index(quality.RecordTypeNames(), recordTypeOf(sorted[j]))
	})
	if !slices.Equal(ids, sorted) {
		t.Errorf("rules not grouped by record type: %v", ids)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func recordTypeOf(id string) string {
	r, _ := quality.RuleByID(id)
	return r.RecordType
}

// TestOldLeadFiles imports a leads file written before the email column
// existed; its leads have no e-mail and break no duplicate rule.
func TestOldLeadFiles(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "old.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "reps.csv"), "rep_id,name\nR1,Ann\n")
	writeFile(t, filepath.Join(dir, "leads.csv"), "lead_id,created_at,source,owner_rep_id\nL1,2026-01-01,web,R1\nL2,2026-01-02,web,R1\n")
	if _, err := ingest.Import(ctx, st, []string{dir}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	if fs := failures(t, st); len(fs) != 0 {
		t.Errorf("failures %v", fs)
	}
	pass := passed(t, st)
	if !pass["lead L1"] || !pass["lead L2"] {
		t.Errorf("passed %v", pass)
	}
}

// TestRulesDocumented keeps the rule table of docs/kpis.md in step with the
// catalog.
func TestRulesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "kpis.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range quality.Rules() {
		row := "| `" + r.ID + "` | " + r.RecordType + " | " + string(r.Severity) + " | " + r.Description + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/kpis.md lacks the row %s", row)
		}
	}
}
