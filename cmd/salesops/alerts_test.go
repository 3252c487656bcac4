package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestAlertsCommands(t *testing.T) {
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hits.Add(1)
	}))
	defer hook.Close()
	db := filepath.Join(t.TempDir(), "t.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, tinyOrg(t)); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	t.Setenv("CLI_TEST_HOOK_SECRET", "a-long-enough-shared-secret")
	rules := filepath.Join(t.TempDir(), "alerts.yaml")
	// tinyOrg: February 2026 revenue 1,000.50 + 2,000 = 3,000.50; the data
	// ends on March 2, so February is the last month it covers to its end.
	writeFile(t, rules, `channels:
  - {name: hook, type: webhook, url: "`+hook.URL+`", secret: "${CLI_TEST_HOOK_SECRET}"}
rules:
  - {id: q-big, kpi: revenue, period: month, condition: above, value: 3000, channels: [hook]}
  - {id: q-small, kpi: revenue, period: month, condition: below, value: 1000, channels: [hook]}
`)
	code, stdout, stderr := runCLI(t, "alerts", "check", "--db", db, "--rules", rules)
	if code != 0 || !strings.HasPrefix(stdout, "2 rule(s) checked, 1 alert(s) holding: 1 new") ||
		!strings.Contains(stdout, "Revenue 2026-02: 3,001, above the threshold 3,000") || !strings.Contains(stdout, "→ hook: delivered") {
		t.Fatalf("check: %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "alerts", "check", "--db", db, "--rules", rules)
	if code != 0 || !strings.Contains(stdout, "1 alert(s) holding: 0 new") || hits.Load() != 1 {
		t.Errorf("second check (%d hits): %s", hits.Load(), stdout)
	}
	code, stdout, _ = runCLI(t, "alerts", "history", "--db", db)
	if code != 0 || !strings.Contains(stdout, "q-big  [open]") {
		t.Errorf("history: %s", stdout)
	}
	code, stdout, _ = runCLI(t, "alerts", "rules", "--db", db, "--rules", rules)
	if code != 0 || !strings.Contains(stdout, "q-small") || strings.Contains(stdout, "a-long-enough-shared-secret") {
		t.Errorf("rules: %s", stdout)
	}
	if code, _, stderr := runCLI(t, "alerts", "check", "--db", db); code != 2 || !strings.Contains(stderr, "--rules") {
		t.Errorf("no rules file: %d %s", code, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	writeFile(t, bad, "channels: []\nrules:\n  - {id: x, kpi: revenue, condition: above, channels: [nowhere]}\n")
	if code, _, stderr := runCLI(t, "alerts", "check", "--db", db, "--rules", bad); code != 1 ||
		!strings.Contains(stderr, "bad.yaml:3: rule x: value is required") || !strings.Contains(stderr, `channel "nowhere" is not declared`) {
		t.Errorf("bad file: %d %s", code, stderr)
	}
}
