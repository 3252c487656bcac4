package server

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/salesops/salesops/internal/demo"
)

// putGoals applies a goals file through the API.
func putGoals(t *testing.T, base, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, base+"/api/v1/goals", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Salesops-User", "browser-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("PUT /api/v1/goals: %d %s", resp.StatusCode, b)
	}
}

// evalJS evaluates a JavaScript expression in the page.
func evalJS[T any](ctx context.Context, t *testing.T, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func TestBrowserGoals(t *testing.T) {
	base := startServer(t, writeFiles(t, orgFiles))
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/goals")); err != nil {
		t.Fatal(err)
	}
	// No goals yet: the page says how to add them.
	textOf(ctx, t, `#goals-empty:not([hidden])`, func(s string) bool {
		return strings.Contains(s, "salesops goals apply goals.yaml") && strings.Contains(s, "PUT /api/v1/goals")
	})
	if hidden := evalJS[bool](ctx, t, `document.getElementById('goals-empty').hidden`); hidden {
		t.Error("empty state hidden without goals")
	}

	putGoals(t, base, `objectives:
  - id: grow
    name: Grow
    kpis: [revenue]
goals:
  - id: q2_rev
    kpi: revenue
    scope: team:T1
    period: 2026-Q2
    target: 10000
    objective: grow
`)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/goals?at=2026-05-15")); err != nil {
		t.Fatal(err)
	}
	// At the end of 2026-05-15, 45 of Q2's 91 days have passed: expected
	// 10,000 × 45/91 = 4,945.05; won so far O2 3,000 + O4 2,000 = 5,000 ≥ 0.95 ×
	// expected: on track, attainment 50.0%, projected 5,000 × 91/45 = 10,111.
	node := `#goal-tree li[data-objective="grow"] li[data-kpi="revenue"] [data-goal="q2_rev"]`
	textOf(ctx, t, node+` [data-role=state]`, is("On track"))
	if st := evalJS[string](ctx, t, `document.querySelector('[data-goal="q2_rev"] [data-role=state]').dataset.state`); st != "on_track" {
		t.Errorf("state %q, want on_track", st)
	}
	for role, want := range map[string]string{"attainment": "50.0%", "target": "10,000", "actual": "5,000", "projected": "10,111"} {
		textOf(ctx, t, node+` [data-role=`+role+`]`, is(want))
	}
	if scope := textOf(ctx, t, node+` [data-role=select]`, func(s string) bool { return s != "" }); !strings.Contains(scope, "Sales") {
		t.Errorf("goal node %q does not name team T1 (Sales)", scope)
	}

	// The only goal is selected: its projection shows Q2's weeks.
	textOf(ctx, t, `#projection-heading`, is("Projection: q2_rev"))
	textOf(ctx, t, `#projection-table tbody tr[data-period] [data-role=expected]`, func(s string) bool { return s != "" && s != "—" })

	// SMART: one row with five letters; alignment findings are a list.
	if n := evalJS[int](ctx, t, `document.querySelectorAll('#smart-table tbody tr[data-goal="q2_rev"] td[data-letter]').length`); n != 5 {
		t.Errorf("SMART letters: %d, want 5", n)
	}
	textOf(ctx, t, `#smart-table tr[data-goal="q2_rev"] td[data-letter="R"]`, func(s string) bool { return strings.Contains(s, "✓") })

	// Quota leaderboard: the latest quarter with data is 2026-Q2.
	textOf(ctx, t, `#quota-period`, func(s string) bool { return strings.Contains(s, "2026-Q2") })
	textOf(ctx, t, `#quota-table tbody tr[data-rep="R2"] [data-role=revenue]`, is("3,000"))

	// The "at" control drives the URL and the states: at 2026-04-10 nothing is won yet.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#at`), "2026-04-10")); err != nil {
		t.Fatal(err)
	}
	evalJS[bool](ctx, t, `document.getElementById('at').dispatchEvent(new Event('change', {bubbles: true}))`)
	textOf(ctx, t, `[data-goal="q2_rev"] [data-role=state]`, is("Off track"))
	if loc := evalJS[string](ctx, t, `location.search`); !strings.Contains(loc, "at=2026-04-10") {
		t.Errorf("URL %q does not carry at", loc)
	}

	// Live: a goal applied elsewhere shows up without a reload.
	putGoals(t, base, `objectives:
  - id: grow
    name: Grow
    kpis: [revenue]
goals:
  - id: q2_rev
    kpi: revenue
    scope: team:T1
    period: 2026-Q2
    target: 10000
    objective: grow
  - id: q2_calls
    kpi: revenue
    scope: rep:R1
    period: 2026-Q2
    target: 100
`)
	textOf(ctx, t, `#goal-tree li[data-objective=""] [data-goal="q2_calls"] [data-role=state]`, func(s string) bool { return s != "" })
}

// TestBrowserGoalsPhone checks the page fits a 375 px wide screen.
func TestBrowserGoalsPhone(t *testing.T) {
	base := startServer(t, writeFiles(t, orgFiles))
	putGoals(t, base, "objectives:\n  - id: grow\n    name: Grow\n    kpis: [revenue]\n"+
		"goals:\n  - id: q2_rev\n    kpi: revenue\n    scope: team:T1\n    period: 2026-Q2\n    target: 10000\n    objective: grow\n")
	ctx := browser(t, 375, 812)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(375, 812),
		chromedp.Navigate(base+"/goals?at=2026-05-15"),
	)
	if err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `[data-goal="q2_rev"] [data-role=state]`, is("On track"))
	textOf(ctx, t, `#quota-table tbody tr[data-rep]`, func(s string) bool { return s != "" })
	if w := evalJS[int](ctx, t, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("page is %d px wide at 375 px: %s", w, evalJS[string](ctx, t, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 375 && (!e.closest('.table-wrap') || getComputedStyle(e).position === 'absolute')).map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 15).join(' ')`))
	}
}

// TestScreenshotGoals saves docs/screenshots/goals.png: the demo organisation
// with a revenue goal for team T002 cascaded to its teams by quota share, and
// a relative win-rate goal.
func TestScreenshotGoals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "csv")
	if _, err := demo.Generate(context.Background(), dir, demo.Config{Seed: 1, Reps: 40, Months: 24}); err != nil {
		t.Fatal(err)
	}
	base := startServer(t, dir)
	putGoals(t, base, `objectives:
  - id: grow
    name: Grow revenue in the West
    kpis: [revenue, win_rate]
    description: More won business from the same pipeline.
goals:
  - id: q3_revenue
    kpi: revenue
    scope: team:T002
    period: 2026-Q3
    target: 2500000
    objective: grow
  - id: q3_win_rate
    kpi: win_rate
    scope: team:T002
    period: 2026-Q3
    change: 0.05
    objective: grow
`)
	resp, err := http.Post(base+"/api/v1/goals/q3_revenue/cascade?method=quota_share", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cascade: %d %s", resp.StatusCode, b)
	}
	out := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t, 1280, 900)
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(base+"/goals?at=2026-08-20"),
		chromedp.WaitVisible(chromedp.CSS(`[data-goal="q3_revenue"] [data-role=state]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `#projection-table tbody tr[data-period]`, func(s string) bool { return s != "" })
	textOf(ctx, t, `#quota-table tbody tr[data-rep]`, func(s string) bool { return s != "" })
	if err := chromedp.Do(ctx, chromedp.Sleep(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "goals.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
