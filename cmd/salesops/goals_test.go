package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestGoalsCommands(t *testing.T) {
	dir := tinyOrg(t)
	db := filepath.Join(t.TempDir(), "g.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, dir); code != 0 {
		t.Fatal(stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	writeFile(t, bad, "goals:\n  - id: good\n    kpi: revenue\n    period: 2026-Q1\n    target: 5000\n  - id: typo\n    kpi: revnue\n    scope: team:T9\n    period: 2026-Q1\n    target: 1\n")
	code, _, stderr := runCLI(t, "goals", "apply", "--db", db, bad)
	// Both problems of the second goal are named with the file, its line and the
	// goal; the good goal is not applied either.
	if code != 1 || !strings.Contains(stderr, bad+`:6: typo: unknown KPI "revnue"`) || !strings.Contains(stderr, bad+`:6: typo: scope "team:T9": no team "T9"`) ||
		!strings.Contains(stderr, "nothing was applied") {
		t.Fatalf("bad file: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "goals", "history", "--db", db, "good"); code == 0 {
		t.Fatalf("the good goal of a refused file was applied: %s", stderr)
	}

	good := filepath.Join(t.TempDir(), "goals.yaml")
	writeFile(t, good, "objectives:\n  - id: grow\n    name: Grow\n    kpis: [revenue]\ngoals:\n  - id: q1_rev\n    kpi: revenue\n    scope: team:T1\n    period: 2026-Q1\n    target: 6000\n    objective: grow\n")
	code, stdout, stderr := runCLI(t, "goals", "apply", "--db", db, "--as", "dana", good)
	if code != 0 || !strings.Contains(stdout, "1 created") {
		t.Fatalf("apply: %d %s %s", code, stdout, stderr)
	}
	// At the end of March: T1 (with T2) won O1 1000.50 + O2 2000 = 3000.50 of 6000;
	// the quarter is over, so the goal is missed; attainment 3000.50 / 6000 = 50.0%.
	code, stdout, stderr = runCLI(t, "goals", "status", "--db", db, "--at", "2026-03-31")
	if code != 0 {
		t.Fatal(stderr)
	}
	fields := strings.Fields(strings.Split(strings.TrimSpace(stdout), "\n")[1])
	want := []string{"q1_rev", "revenue", "team:T1", "2026-Q1", "100%", "6000.00", "3000.50", "6000.00", "50.0%", "3000.50", "missed"}
	if strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Errorf("status line %q, want %q", fields, want)
	}
	code, stdout, _ = runCLI(t, "goals", "history", "--db", db, "q1_rev")
	if code != 0 || !strings.Contains(stdout, "created by dana") {
		t.Errorf("history: %s", stdout)
	}
	// Cascading to the sub-team: T1's only child is T2, which takes it all.
	code, stdout, stderr = runCLI(t, "goals", "cascade", "--db", db, "q1_rev", "--method", "equal")
	if code != 0 || !strings.Contains(stdout, "team:T2") || !strings.Contains(stdout, "6000.00") {
		t.Errorf("cascade: %d %s %s", code, stdout, stderr)
	}
}
