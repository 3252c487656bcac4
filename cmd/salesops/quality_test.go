package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesops/salesops/internal/quality"
)

// crmDB imports the hand-made organisation of the data-quality rule tests
// (internal/quality/testdata/crm: for every rule a record that breaks it).
func crmDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "q.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, filepath.Join("..", "..", "internal", "quality", "testdata", "crm")); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	return db
}

func TestQualityCommand(t *testing.T) {
	db := crmDB(t)

	// Scores by team as CSV. Records per owner (each failing record breaks one
	// rule; see internal/quality/rules_test.go):
	//   R1 (T1): A1 A6✗ A8✗ A11 A12; O1 O2✗ O3✗ O8✗ O10✗ O11✗ O12 O13 O14✗ O15 O16✗ O17✗ O18✗ O19;
	//            L1 L6✗ L7; X1 X5✗ X6✗ X7; stage entries of O1 (2) and O14✗ → 29, 15 failing
	//   R2 (T2): A7✗ A10✗; OW01..OW20; L8✗ L9✗ L10 L11✗ → 26, 5 failing
	//   R3 (T2): A4✗; O5✗ O6 O7✗; L4✗ L5; X3✗ X4; O6's entry✗, O7's Closed Lost✗ and Closed Won → 11, 7 failing
	//   R4 (T2): A5, O20 → 2, 0 failing
	//   no team: GHOST's A2 O4 L3 X2 and the ownerless A3 L2 and O999's entry → 7, all failing
	// T2 = 26 + 11 + 2 = 39 records, 12 failing, 27 pass (27/39 = 0.692308);
	// T1 covers T2: 29 + 39 = 68, 27 failing, 41 pass (41/68 = 0.602941);
	// overall 75, 34 failing, 41 pass (41/75 = 0.546667). Worst first.
	code, stdout, stderr := runCLI(t, "quality", "--db", db, "--at", "2026-06-15", "--by", "team", "--format", "csv")
	if code != 0 {
		t.Fatalf("quality: %d %s", code, stderr)
	}
	want := "kind,key,records,passed,failing,accuracy\n" +
		"overall,2026-01-01..2026-04-20,75,41,34,0.546667\n" +
		"team,,7,0,7,0\n" +
		"team,T1,68,41,27,0.602941\n" +
		"team,T2,39,27,12,0.692308\n" +
		"month,2026-01,"
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("csv:\n%s\nwant it to start with:\n%s", stdout, want)
	}

	// The table names the range, the score and every rule.
	code, stdout, _ = runCLI(t, "quality", "--db", db, "--at", "2026-06-15", "--by", "record_type")
	if code != 0 || !strings.Contains(stdout, "CRM data accuracy 2026-01-01 to 2026-04-20: 0.5467 (41 of 75 records pass every rule)") {
		t.Errorf("table:\n%s", stdout)
	}
	for _, r := range quality.Rules() {
		if !strings.Contains(stdout, r.ID) {
			t.Errorf("table lacks rule %s", r.ID)
		}
	}

	// The clean-up export: the records breaking two rules, as on 2026-06-15.
	code, stdout, stderr = runCLI(t, "quality", "--db", db, "--at", "2026-06-15", "--failures", "--rule", "opp.close_date_past,opp.owner_missing", "--format", "csv")
	if code != 0 {
		t.Fatalf("failures: %d %s", code, stderr)
	}
	wantCSV := "record_type,record_id,rule,severity,description,rep,rep_name,team,account,account_name,value,recorded_at\n" +
		"opportunity,O14,opp.close_date_past,warning,Open deal whose expected close date has passed.,R1,Ann,T1,A1,Globex,status=open; close_date=2026-05-01,2026-02-01T00:00:00Z\n" +
		"opportunity,O4,opp.owner_missing,error,Deal whose owner is not in reps.csv.,GHOST,,,A1,Globex,owner_rep_id=GHOST,2026-02-04T00:00:00Z\n"
	if stdout != wantCSV {
		t.Errorf("csv:\n%s\nwant:\n%s", stdout, wantCSV)
	}
	// On 2026-06-30, O15 (due 2026-06-15) is late too.
	code, stdout, _ = runCLI(t, "quality", "--db", db, "--at", "2026-06-30", "--failures", "--rule", "opp.close_date_past")
	if code != 0 || !strings.Contains(stdout, "O15") || !strings.HasSuffix(stdout, "2 failures on 2 records\n") {
		t.Errorf("table:\n%s", stdout)
	}

	// JSON of the list, limited, with a note on stderr.
	code, stdout, stderr = runCLI(t, "quality", "--db", db, "--at", "2026-06-15", "--failures", "--team", "T2", "--type", "lead", "--format", "json", "--limit", "2")
	var list struct {
		Total     int64
		Truncated bool
		Failures  []struct {
			RecordID string `json:"record_id"`
		}
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || code != 0 {
		t.Fatalf("json: %v %d\n%s", err, code, stdout)
	}
	// T2's leads: L11 (R2, no source), L4 (R3 had left), L8 and L9 (same e-mail).
	if list.Total != 4 || !list.Truncated || len(list.Failures) != 2 || list.Failures[0].RecordID != "L11" || !strings.Contains(stderr, "2 of 4 failures shown") {
		t.Errorf("json %+v, stderr %q", list, stderr)
	}

	// The rules, and the help text that lists them.
	code, stdout, _ = runCLI(t, "quality", "rules")
	_, help, _ := runCLI(t, "quality", "--help")
	for _, r := range quality.Rules() {
		if !strings.Contains(stdout, r.ID) || !strings.Contains(stdout, r.Description) || !strings.Contains(help, r.ID) {
			t.Errorf("rules or help lack %s", r.ID)
		}
	}
	if code != 0 {
		t.Errorf("rules: exit %d", code)
	}
}

func TestQualityCommandErrors(t *testing.T) {
	db := crmDB(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"unknown rule", []string{"--rule", "opp.nope"}, 2, `--rule: unknown rule "opp.nope"`},
		{"unknown type", []string{"--type", "deal"}, 2, `--type: unknown record type "deal"`},
		{"unknown team", []string{"--team", "T9"}, 2, `--team: no team "T9"`},
		{"bad by", []string{"--by", "segment"}, 2, "--by"},
		{"by with failures", []string{"--failures", "--by", "rep"}, 2, "--by"},
		{"bad format", []string{"--format", "xml"}, 2, "--format"},
		{"bad date", []string{"--from", "2026-02-30"}, 2, "--from"},
		{"bad at", []string{"--at", "today"}, 2, "--at"},
		{"to before from", []string{"--from", "2026-03-01", "--to", "2026-02-01"}, 2, "--from"},
		{"bad limit", []string{"--failures", "--limit", "-5"}, 2, "--limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"quality", "--db", db}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.contains) {
				t.Errorf("exit %d (want %d), stderr %q (want it to contain %q)", code, tt.code, stderr, tt.contains)
			}
		})
	}
}
