package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestExplainCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, tinyOrg(t)); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "explain", "revenue", "--db", db, "--from", "2026-02", "--to", "2026-03", "--by", "team", "--format", "json")
	if code != 0 {
		t.Fatalf("explain: %d %s", code, stderr)
	}
	var r struct {
		Change  float64
		Drivers []struct {
			Name         string
			Contribution float64
		}
		Breakdowns []struct {
			Segments []struct {
				Value        string
				Contribution float64
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	// February: O1 1,000.50 (R1) and O2 2,000 (R2) won; March: O3 lost. Change
	// −3,000.50. Deals closed 2 → 1, win rate 1 → 0, deal size 1,500.25 (none
	// won in March, so it keeps February's and takes no part):
	//   closed (−1) × (1 + 0)/2 × 1,500.25 = −750.125
	//   rate   (−1) × (2 + 1)/2 × 1,500.25 = −2,250.375
	want := []float64{-750.125, -2250.375, 0}
	if r.Change != -3000.5 || len(r.Drivers) != 3 {
		t.Fatalf("change %v drivers %+v", r.Change, r.Drivers)
	}
	for i, w := range want {
		if math.Abs(r.Drivers[i].Contribution-w) > 1e-9 {
			t.Errorf("%s = %v, want %v", r.Drivers[i].Name, r.Drivers[i].Contribution, w)
		}
	}
	// By team below the root T1: T2 (Bob) −2,000 and Ann, placed directly in T1, −1,000.50.
	got := map[string]float64{}
	for _, s := range r.Breakdowns[0].Segments {
		got[s.Value] = s.Contribution
	}
	if len(got) != 2 || got["T2"] != -2000 || got["(directly in T1)"] != -1000.5 {
		t.Errorf("by team %v", got)
	}

	code, stdout, _ = runCLI(t, "explain", "revenue", "--db", db, "--from", "2026-02", "--to", "2026-03")
	if code != 0 || !strings.HasPrefix(stdout, "1. Revenue fell by ") || !strings.Contains(stdout, "drivers:") {
		t.Errorf("table output:\n%s", stdout)
	}
	for _, args := range [][]string{
		{"explain", "revenue", "--db", db, "--from", "2026-02"},
		{"explain", "revenue", "--db", db, "--from", "2026-02", "--to", "2026-03", "--scope", "EMEA"},
		{"explain", "revenue", "--db", db, "--from", "2026-02", "--to", "2026-03", "--format", "xml"},
	} {
		if code, _, stderr := runCLI(t, args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "explain", "revenue", "--db", db, "--from", "2026-02", "--to", "2026-Q1"); code == 0 || !strings.Contains(stderr, "to:") {
		t.Errorf("mixed periods: exit %d, %q", code, stderr)
	}
}
