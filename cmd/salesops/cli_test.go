package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyOrg writes a two-team organisation with three closed deals.
func tinyOrg(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "teams.csv"), "team_id,name,parent_team_id,region\nT1,Sales,,EMEA\nT2,Enterprise,T1,\n")
	writeFile(t, filepath.Join(dir, "reps.csv"), "rep_id,name,team_id\nR1,Ann,T1\nR2,Bob,T2\n")
	writeFile(t, filepath.Join(dir, "opportunities.csv"),
		"opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\n"+
			"O1,R1,closed won,won,1000.50,2026-01-05,2026-02-10\n"+
			"O2,R2,closed won,won,2000,2026-01-20,2026-02-20\n"+
			"O3,R2,closed lost,lost,500,2026-01-10,2026-03-02\n")
	return dir
}

func TestKPICommand(t *testing.T) {
	dir := tinyOrg(t)
	db := filepath.Join(t.TempDir(), "t.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, dir); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "kpi", "--db", db, "--kpi", "revenue,win_rate", "--by", "team", "--period", "quarter", "--format", "json")
	if code != 0 {
		t.Fatalf("kpi: %d %s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	// T1 covers its sub-team T2: revenue 1000.50 + 2000 = 3000.50, win rate 2/3.
	// T2 alone: revenue 2000, win rate 1/2.
	want := map[string]float64{
		"revenue/T1": 3000.50, "win_rate/T1": 2.0 / 3,
		"revenue/T2": 2000, "win_rate/T2": 0.5,
	}
	got := map[string]float64{}
	for _, r := range rows {
		if len(r) != 4 {
			t.Errorf("row %v: want exactly kpi, period, team, value", r)
		}
		if r["period"] != "2026-Q1" {
			t.Errorf("period %v, want 2026-Q1", r["period"])
		}
		got[r["kpi"].(string)+"/"+r["team"].(string)] = r["value"].(float64)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || (g-w) > 1e-6 || (w-g) > 1e-6 {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d values, want %d: %v", len(got), len(want), got)
	}

	// CSV: header then a line per row, null as an empty cell.
	code, stdout, _ = runCLI(t, "kpi", "--db", db, "--kpi", "average_deal_size", "--period", "month", "--format", "csv")
	if code != 0 {
		t.Fatal(stdout)
	}
	// Jan: nothing won → null; Feb: (1000.50 + 2000) / 2 = 1500.25; Mar: only a loss → null.
	wantCSV := "kpi,period,value\naverage_deal_size,2026-01,\naverage_deal_size,2026-02,1500.25\naverage_deal_size,2026-03,\n"
	if stdout != wantCSV {
		t.Errorf("csv:\n%s\nwant:\n%s", stdout, wantCSV)
	}

	// The table puts periods side by side: one line per KPI and team.
	code, stdout, _ = runCLI(t, "kpi", "--db", db, "--kpi", "revenue", "--by", "team", "--period", "month")
	if code != 0 {
		t.Fatal(stdout)
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	// T1 (with T2 below it) won 1000.50 + 2000 in February; T2 won 2000. In
	// March only T2's loss closed (revenue 0, in both teams); in January no deal
	// closed, so no team has a January row and the column is absent.
	wantLines := [][]string{
		{"KPI", "TEAM", "2026-02", "2026-03"},
		{"revenue", "T1", "3000.50", "0.00"},
		{"revenue", "T2", "2000.00", "0.00"},
	}
	if len(lines) != len(wantLines) {
		t.Fatalf("table:\n%s", stdout)
	}
	for i, w := range wantLines {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d = %q, want %q", i, got, w)
		}
	}

	// A KPI that cannot be cut by rep is left out with a note.
	code, stdout, stderr = runCLI(t, "kpi", "--db", db, "--kpi", "cost_per_lead", "--by", "rep", "--format", "json")
	if code != 0 || strings.TrimSpace(stdout) != "[]" || !strings.Contains(stderr, "cost_per_lead: not available by rep") {
		t.Errorf("cost_per_lead by rep: code %d stdout %q stderr %q", code, stdout, stderr)
	}
}

func TestKPICommandErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"unknown kpi", []string{"kpi", "--db", db, "--kpi", "revenu"}, 1, `unknown KPI "revenu"`},
		{"bad period", []string{"kpi", "--db", db, "--period", "fortnight"}, 2, "unknown period"},
		{"bad dimension", []string{"kpi", "--db", db, "--by", "colour"}, 1, `unknown dimension "colour"`},
		{"bad date", []string{"kpi", "--db", db, "--from", "2026-13-01"}, 2, "--from"},
		{"bad format", []string{"kpi", "--db", db, "--format", "xml"}, 2, "--format"},
		{"kpi and all", []string{"kpi", "--db", db, "--kpi", "revenue", "--all"}, 2, "not both"},
		{"bad fiscal month", []string{"kpi", "--db", db, "--fiscal-year-start", "13"}, 1, "1-12"},
		{"from after to", []string{"kpi", "--db", db, "--from", "2026-03-01", "--to", "2026-01-01"}, 1, "after"},
		{"import nothing", []string{"import", "--db", db}, 2, "at least one"},
		{"import missing", []string{"import", "--db", db, "/nonexistent/x.csv"}, 1, "nonexistent"},
		{"demo without out", []string{"demo"}, 2, "--out"},
		{"unknown flag", []string{"kpi", "--colour"}, 2, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.contains) {
				t.Errorf("exit %d (want %d), stderr %q (want it to contain %q)", code, tt.code, stderr, tt.contains)
			}
		})
	}
}

func TestImportRefusedLeavesDatabaseUnchanged(t *testing.T) {
	dir := tinyOrg(t)
	db := filepath.Join(t.TempDir(), "t.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, dir); code != 0 {
		t.Fatal(stderr)
	}
	_, before, _ := runCLI(t, "kpi", "--db", db, "--all", "--period", "all", "--format", "csv")
	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "reps.csv"), "rep_id,name,team_id\nR3,Cy,T1\n")
	writeFile(t, filepath.Join(bad, "opportunities.csv"),
		"opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\nO9,R3,won,won,12x,2026-01-05,2026-02-10\n")
	code, _, stderr := runCLI(t, "import", "--db", db, bad)
	if code != 1 || !strings.Contains(stderr, "opportunities.csv:2: amount:") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	_, after, _ := runCLI(t, "kpi", "--db", db, "--all", "--period", "all", "--format", "csv")
	if before != after {
		t.Errorf("refused import changed the numbers:\nbefore\n%s\nafter\n%s", before, after)
	}
}

func TestKPIList(t *testing.T) {
	code, stdout, stderr := runCLI(t, "kpi", "list", "--format", "json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var ks []map[string]string
	if err := json.Unmarshal([]byte(stdout), &ks); err != nil {
		t.Fatal(err)
	}
	// The catalog of the design brief has 44 KPIs.
	if len(ks) != 44 {
		t.Errorf("%d KPIs, want 44", len(ks))
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "kpis.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		for _, f := range []string{"id", "name", "category", "unit", "direction", "indicator", "owner", "description", "formula"} {
			if k[f] == "" {
				t.Errorf("%s: %s is empty", k["id"], f)
			}
		}
		if !strings.Contains(string(doc), "`"+k["id"]+"`") {
			t.Errorf("docs/kpis.md does not document %s", k["id"])
		}
	}
	code, stdout, _ = runCLI(t, "kpi", "list")
	if code != 0 || !strings.Contains(stdout, "win_rate") || !strings.Contains(stdout, "lagging") {
		t.Errorf("table: %s", stdout)
	}
}
