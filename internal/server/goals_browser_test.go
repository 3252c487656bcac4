package server

import (
	"context"
	"encoding/json"
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

// setEditor replaces the text of the goals editor as typing would.
func setEditor(ctx context.Context, t *testing.T, text string) {
	t.Helper()
	lit, err := json.Marshal(text) // a JSON string is a JavaScript string literal
	if err != nil {
		t.Fatal(err)
	}
	evalJS[bool](ctx, t, `(() => { const e = document.getElementById('goals-yaml'); e.value = `+string(lit)+
		`; e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
}

// storedGoals returns the ids of the goals GET /api/v1/goals lists.
func storedGoals(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/goals")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Goals []struct {
			Goal struct {
				ID string `json:"id"`
			} `json:"goal"`
		} `json:"goals"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, g := range body.Goals {
		ids = append(ids, g.Goal.ID)
	}
	return ids
}

// TestBrowserGoalsEdit edits the goals from the page: a file with a problem
// is refused whole, with the problem and its line listed; a valid one is
// applied and shows up in the tree.
func TestBrowserGoalsEdit(t *testing.T) {
	base := startServer(t, writeFiles(t, orgFiles))
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/goals")); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `#goals-empty:not([hidden])`, func(s string) bool { return s != "" })
	// Nothing stored: the editor holds an empty goals file.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(evalJS[string](ctx, t, `document.getElementById('goals-yaml').value`), "goals: []") {
		if time.Now().After(deadline) {
			t.Fatalf("editor never prefilled: %q", evalJS[string](ctx, t, `document.getElementById('goals-yaml').value`))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A goal with an unknown KPI on line 3 (problems name the line where the
	// goal starts): refused, nothing applied.
	setEditor(ctx, t, "objectives: []\n"+
		"goals:\n"+
		"  - id: bad\n"+
		"    kpi: revnue\n"+
		"    scope: team:T1\n"+
		"    period: 2026-Q2\n"+
		"    target: 10000\n")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#goals-user`), "dana")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#goals-apply`))); err != nil {
		t.Fatal(err)
	}
	msg := textOf(ctx, t, `#goals-result[data-outcome="invalid"] #goals-result-message`, func(s string) bool { return s != "" })
	if !strings.Contains(msg, "nothing was applied") {
		t.Errorf("invalid outcome %q does not say nothing was applied", msg)
	}
	problems := evalJS[[]string](ctx, t, `[...document.querySelectorAll('#goals-problems li[data-role=problem]')].map(li => li.textContent.trim())`)
	if len(problems) != 1 || !strings.Contains(problems[0], "unknown KPI") || !strings.HasPrefix(problems[0], "line 3: bad: ") {
		t.Errorf("problems %q, want one `line 3: bad: unknown KPI …`", problems)
	}
	if ids := storedGoals(t, base); len(ids) != 0 {
		t.Errorf("goals stored after a refused file: %q", ids)
	}
	if user := evalJS[string](ctx, t, `localStorage.getItem('salesops.goals.user')`); user != "dana" {
		t.Errorf("remembered user %q, want dana", user)
	}

	// A valid file: applied, and the tree shows the goal.
	setEditor(ctx, t, "objectives:\n"+
		"  - id: grow\n"+
		"    name: Grow\n"+
		"    kpis: [revenue]\n"+
		"goals:\n"+
		"  - id: q2_rev\n"+
		"    kpi: revenue\n"+
		"    scope: team:T1\n"+
		"    period: 2026-Q2\n"+
		"    target: 10000\n"+
		"    objective: grow\n")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#goals-apply`))); err != nil {
		t.Fatal(err)
	}
	msg = textOf(ctx, t, `#goals-result[data-outcome="ok"] #goals-result-message`, func(s string) bool { return s != "" })
	if !strings.Contains(msg, "1 created") {
		t.Errorf("outcome %q does not say 1 created", msg)
	}
	if n := evalJS[int](ctx, t, `document.querySelectorAll('#goals-problems li').length`); n != 0 {
		t.Errorf("%d problems listed after a valid apply", n)
	}
	textOf(ctx, t, `#goal-tree li[data-objective="grow"] [data-goal="q2_rev"] [data-role=state]`, func(s string) bool { return s != "" })
	if ids := storedGoals(t, base); len(ids) != 1 || ids[0] != "q2_rev" {
		t.Errorf("stored goals %q, want [q2_rev]", ids)
	}

	// The editor now shows what is stored, and applying it again changes nothing.
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(evalJS[string](ctx, t, `document.getElementById('goals-yaml').value`), "id: q2_rev") {
		if time.Now().After(deadline) {
			t.Fatalf("editor not refilled: %q", evalJS[string](ctx, t, `document.getElementById('goals-yaml').value`))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#goals-apply`))); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `#goals-result[data-outcome="ok"] #goals-result-message`, func(s string) bool { return strings.Contains(s, "1 unchanged") })
}

// TestBrowserGoalsEditRoundTrip checks the editor's YAML reads back as what is
// stored: applying it unchanged changes nothing, whatever the strings hold.
func TestBrowserGoalsEditRoundTrip(t *testing.T) {
	base := startServer(t, writeFiles(t, orgFiles))
	putGoals(t, base, `objectives:
  - id: grow
    name: 'Grow: "more" #1'
    kpis: [revenue, win_rate]
    description: "Ünïcode — yes\nsecond line \\ back"
goals:
  - id: rev_year
    kpi: revenue
    period: "2026"
    target: 12345.5
    owner: dana@example.com
    objective: grow
  - id: win_push
    kpi: win_rate
    scope: rep:R1
    from: 2026-04-01
    to: 2026-05-31
    change: 0.05
    baseline: same_period_last_year
    owner: "true"
    objective: grow
  - id: calls
    kpi: revenue
    scope: team:T2
    period: 2026-Q2
    change: -0.1
`)
	resp, err := http.Post(base+"/api/v1/goals/calls/cascade?method=equal&to_reps=true", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/goals")); err != nil {
		t.Fatal(err)
	}
	// win_push has no status (no win rate a year before to set its target
	// from): the page lists it among the notes, and the editor still has it.
	textOf(ctx, t, `#goal-notes`, func(s string) bool { return strings.Contains(s, "win_push") })
	textOf(ctx, t, `[data-goal="rev_year"] [data-role=state]`, func(s string) bool { return s != "" })
	var text string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if text = evalJS[string](ctx, t, `document.getElementById('goals-yaml').value`); strings.Contains(text, "id: win_push") {
			break
		}
	}
	for _, want := range []string{"id: win_push", `from: "2026-04-01"`, "baseline: same_period_last_year", `owner: "true"`, `period: "2026"`, "scope: team:T2"} {
		if !strings.Contains(text, want) {
			t.Errorf("editor lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "calls.") {
		t.Errorf("editor lists cascaded goals:\n%s", text)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#goals-apply`))); err != nil {
		t.Fatal(err)
	}
	msg := textOf(ctx, t, `#goals-result[data-outcome]:not([data-outcome="pending"]) #goals-result-message`, func(s string) bool { return s != "" })
	if !strings.Contains(msg, "0 created, 0 updated, 3 unchanged") {
		t.Errorf("re-applying the editor's text: %q\n%s", msg, text)
	}
}
