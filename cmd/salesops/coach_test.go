package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestCoachCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, tinyOrg(t)); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}

	code, stdout, stderr := runCLI(t, "coach", "--db", db, "R2", "--from", "2026-01-01", "--to", "2026-03-31")
	if code != 0 {
		t.Fatalf("coach: %d %s", code, stderr)
	}
	for _, want := range []string{"R2 Bob — ae, team T2", "period 2026-Q1", "win_rate", "not enough data", "focus areas:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, stderr = runCLI(t, "coach", "--db", db, "R2", "--peers", "org", "--format", "json", "--from", "2026-01-01", "--to", "2026-03-31")
	if code != 0 {
		t.Fatalf("coach json: %d %s", code, stderr)
	}
	var rep struct {
		Rep   struct{ ID string } `json:"rep"`
		Peers struct {
			Group string   `json:"group"`
			Reps  []string `json:"reps"`
		} `json:"peers"`
		KPIs []map[string]any `json:"kpis"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	if rep.Rep.ID != "R2" || rep.Peers.Group != "org" || len(rep.Peers.Reps) != 2 || len(rep.KPIs) == 0 {
		t.Errorf("json scorecard %+v", rep)
	}

	code, stdout, stderr = runCLI(t, "coach", "--db", db, "--team", "T1", "--from", "2026-01-01", "--to", "2026-03-31")
	if code != 0 || !strings.Contains(stdout, "team T1 Sales") || !strings.Contains(stdout, "R1") || !strings.Contains(stdout, "R2") {
		t.Errorf("team view: %d %s\n%s", code, stderr, stdout)
	}

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown rep", []string{"R9"}, 1, `unknown rep "R9"`},
		{"unknown team", []string{"--team", "T9"}, 1, `unknown team "T9"`},
		{"neither", nil, 2, "give a rep id or --team TEAM"},
		{"both", []string{"R1", "--team", "T1"}, 2, "give a rep id or --team TEAM"},
		{"bad peers", []string{"R1", "--peers", "region"}, 2, `--peers "region"`},
		{"bad format", []string{"R1", "--format", "xml"}, 2, `--format "xml"`},
		{"bad date", []string{"R1", "--from", "01/02/2026"}, 2, "--from"},
		{"backwards", []string{"R1", "--from", "2026-03-01", "--to", "2026-02-01"}, 1, "after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"coach", "--db", db}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.msg)
			}
		})
	}
}
