package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFile(t *testing.T) {
	dir := tinyOrg(t)
	db := filepath.Join(t.TempDir(), "c.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, dir); code != 0 {
		t.Fatal(stderr)
	}
	defs := filepath.Join(t.TempDir(), "defs.yaml")
	writeFile(t, defs, "measures:\n"+
		"  - {id: big_win_count, entity: opportunities, time: close_date, agg: count, filter: \"status = 'won' and amount >= 2000\"}\n"+
		"kpis:\n"+
		"  - {id: big_wins, name: Big wins, category: revenue, unit: count, direction: higher, indicator: lagging, owner: manager, formula: big_win_count, description: x}\n")
	cfg := filepath.Join(t.TempDir(), "salesops.yaml")
	// A fiscal year from April: the deal won 2026-02-20 (O2, 2,000) is in fiscal
	// 2026-Q4 (Jan–Mar 2026); O1 (1,000.50) does not count as a big win.
	writeFile(t, cfg, "fiscal_year_start_month: 4\nkpis: ["+defs+"]\nstage_probabilities: {proposal: 0.5}\n")
	code, stdout, stderr := runCLI(t, "kpi", "--db", db, "--config", cfg, "--kpi", "big_wins", "--period", "quarter", "--format", "csv")
	if code != 0 || !strings.Contains(stdout, "big_wins,2026-Q4,1\n") {
		t.Errorf("config: %d\n%s%s", code, stdout, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	for _, body := range []string{"fiscal_year_start_month: 13\n", "colour: red\n", "kpis: !00\n000\n"} {
		writeFile(t, bad, body)
		if code, _, stderr := runCLI(t, "kpi", "--db", db, "--config", bad); code == 0 || stderr == "" {
			t.Errorf("config %q accepted", body)
		}
	}
}
