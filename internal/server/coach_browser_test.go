package server

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/salesops/salesops/internal/demo"
)

// coachRep is one rep of the coaching fixture: closed deals in 2026-Q1 and
// how many of them were won.
type coachRep struct {
	id, name, team, role string
	won, closed          int
}

// coachReps: team T2 (North) has five AEs and a manager, its sister team T3
// three AEs. R1 wins far more than the other AEs of T2, R5 fewer.
var coachReps = []coachRep{
	{"R1", "Ann Archer", "T2", "ae", 24, 30},
	{"R2", "Ben Brook", "T2", "ae", 9, 30},
	{"R3", "Cy Chen", "T2", "ae", 8, 30},
	{"R4", "Dee Dahl", "T2", "ae", 7, 30},
	{"R5", "Eve Eng", "T2", "ae", 6, 30},
	{"R9", "Max Mann", "T2", "manager", 0, 0},
	{"R6", "Fay Fox", "T3", "ae", 5, 10},
	{"R7", "Gus Gray", "T3", "ae", 5, 10},
	{"R8", "Hal Hart", "T3", "ae", 5, 10},
}

// coachFixture writes the organisation of coachReps: every deal created on
// 5 January 2026 and closed in February or March, the last on 31 March, so
// that the last full quarter of the data is 2026-Q1.
func coachFixture(t *testing.T) string {
	t.Helper()
	var reps, opps strings.Builder
	reps.WriteString("rep_id,name,team_id,role\n")
	opps.WriteString("opportunity_id,account_id,owner_rep_id,stage,status,amount,created_at,close_date\n")
	n := 0
	for _, r := range coachReps {
		fmt.Fprintf(&reps, "%s,%s,%s,%s\n", r.id, r.name, r.team, r.role)
		for k := range r.closed {
			n++
			stage, status := "closed lost", "lost"
			if k < r.won {
				stage, status = "closed won", "won"
			}
			month := 2 + k%2
			fmt.Fprintf(&opps, "O%04d,A1,%s,%s,%s,1000,2026-01-05,2026-%02d-%02d\n", n, r.id, stage, status, month, 1+k%28)
		}
	}
	fmt.Fprintf(&opps, "O%04d,A1,R9,closed lost,lost,1000,2026-01-05,2026-03-31\n", n+1) // the data's last day
	return writeFiles(t, map[string]string{
		"teams.csv":         "team_id,name,parent_team_id,region\nT1,Sales,,\nT2,North,T1,\nT3,South,T1,\n",
		"reps.csv":          reps.String(),
		"accounts.csv":      "account_id,name,owner_rep_id,created_at\nA1,Initech,R9,2026-01-02\n",
		"opportunities.csv": opps.String(),
	})
}

// winRateTest is the two-proportion z-test of docs/coaching.md, worked out
// here independently of internal/insight/coach: the rep's x of n won against
// the other peers' pooled X of N. It returns the verdict the page should show.
func winRateTest(x, n, peerX, peerN int) (verdict string, p float64) {
	r, pr := float64(x)/float64(n), float64(peerX)/float64(peerN)
	pool := float64(x+peerX) / float64(n+peerN)
	z := (r - pr) / math.Sqrt(pool*(1-pool)*(1/float64(n)+1/float64(peerN)))
	p = math.Erfc(math.Abs(z) / math.Sqrt2) // two-sided
	switch {
	case n < 20 || peerN < 20:
		return "Not enough data", p
	case p < 0.05 && math.Abs(r-pr) >= 0.1*pr && r > pr:
		return "Strength", p
	case p < 0.05 && math.Abs(r-pr) >= 0.1*pr:
		return "Weakness", p
	}
	return "Typical", p
}

// pct formats a fraction as the page does: one decimal and a percent sign.
func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// chooseOption picks a value in a select and fires its change event, as a
// person choosing from the list.
func chooseOption(ctx context.Context, t *testing.T, sel, value string) {
	t.Helper()
	js := `(() => { const s = document.querySelector(` + jsString(sel) + `); s.value = ` + jsString(value) +
		`; s.dispatchEvent(new Event('change', { bubbles: true })); return s.value; })()`
	if got := jsValue[string](ctx, t, js); got != value {
		t.Fatalf("%s: cannot choose %q (value %q)", sel, value, got)
	}
}

// TestBrowserCoaching: the manager's view of T2 lists exactly its reps with
// their win rates against the team median, and the scorecards of the best and
// the worst closer show the verdicts a two-proportion test predicts.
func TestBrowserCoaching(t *testing.T) {
	base := startServer(t, coachFixture(t))

	// Expected numbers, from the fixture: the AEs of T2 are each other's peers.
	var aes []coachRep
	var want []string // every rep of T2, manager included
	for _, r := range coachReps {
		if r.team == "T2" {
			want = append(want, r.id)
			if r.role == "ae" {
				aes = append(aes, r)
			}
		}
	}
	rates := make([]float64, len(aes))
	for i, r := range aes {
		rates[i] = float64(r.won) / float64(r.closed)
	}
	sorted := slices.Sorted(slices.Values(rates))
	median := sorted[len(sorted)/2] // five AEs: the third, 8 of 30 = 26.7%
	verdicts := map[string]string{}
	pValues := map[string]float64{}
	for _, r := range aes {
		peerX, peerN := 0, 0
		for _, o := range aes {
			if o.id != r.id {
				peerX, peerN = peerX+o.won, peerN+o.closed
			}
		}
		verdicts[r.id], pValues[r.id] = winRateTest(r.won, r.closed, peerX, peerN)
	}
	// R1: 24 of 30 (80%) against 30 of 120 (25%): z = 5.61, a strength.
	// R5: 6 of 30 (20%) against 48 of 120 (40%): z = −2.04, p = 0.041, a weakness.
	if verdicts["R1"] != "Strength" || verdicts["R5"] != "Weakness" || verdicts["R2"] != "Typical" {
		t.Fatalf("fixture no longer gives a strength and a weakness: %v %v", verdicts, pValues)
	}

	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/coach")); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `#nav a[aria-current="page"]`, is("Coaching"))
	waitJS(ctx, t, "empty state", `!document.getElementById('coach-empty').hidden && document.getElementById('team-view').hidden && document.getElementById('scorecard').hidden`)

	// The manager's view of T2.
	chooseOption(ctx, t, "#team", "T2")
	waitJS(ctx, t, "team view", `document.getElementById('team-view').dataset.state === 'ready'`)
	got := jsValue[[]string](ctx, t, `[...document.querySelectorAll('#team-table tbody tr[data-rep]')].map(tr => tr.dataset.rep)`)
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("team view lists %v, want every rep of T2: %v", got, want)
	}
	for _, r := range aes {
		row := `#team-table tbody tr[data-rep="` + r.id + `"] `
		textOf(ctx, t, row+`[data-role="win-rate"]`, is(pct(float64(r.won)/float64(r.closed))))
		textOf(ctx, t, row+`[data-role="win-rate-median"]`, is(pct(median)))
		wantClass := map[string]string{"Strength": "change-good", "Weakness": "change-bad", "Typical": "change-none"}[verdicts[r.id]]
		if cls := jsValue[string](ctx, t, `document.querySelector('`+row+`[data-role="win-rate"]').className`); !strings.Contains(cls, wantClass) {
			t.Errorf("%s win rate class %q, want %s (%s)", r.id, cls, wantClass, verdicts[r.id])
		}
	}
	textOf(ctx, t, `#team-table tbody tr[data-rep="R5"] [data-role="focus-title"]`, is("Proposal and negotiation"))
	textOf(ctx, t, `#team-table tbody tr[data-rep="R9"] [data-role="role"]`, is("Manager"))
	textOf(ctx, t, `#coach-period`, func(s string) bool { return strings.HasPrefix(s, "2026-Q1 ") })

	// Selecting R1 opens the scorecard: a strength on win rate, at the top of the team.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#team-table tbody tr[data-rep="R1"] [data-role="select-rep"]`))); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "R1 scorecard", `document.getElementById('scorecard').dataset.state === 'ready' && document.getElementById('scorecard').dataset.rep === 'R1'`)
	win := `#kpi-table tbody tr[data-kpi="win_rate"] `
	textOf(ctx, t, win+`[data-role="value"]`, is("80.0%"))
	textOf(ctx, t, win+`[data-role="median"]`, is(pct(median)))
	textOf(ctx, t, win+`.verdict-badge`, is(verdicts["R1"]))
	if v := jsValue[string](ctx, t, `document.querySelector('`+win+`[data-role="percentile"]').dataset.value`); v != "100" {
		t.Errorf("R1 win-rate percentile %q, want 100 (beats all four others)", v)
	}
	textOf(ctx, t, win+`[data-role="reason"]`, func(s string) bool { return strings.HasPrefix(s, "24 of 30 (80.0%) against 30 of 120 (25.0%)") })
	textOf(ctx, t, win+`[data-role="p-value"]`, is("p < 0.001")) // p = 2e-8
	if title := jsValue[string](ctx, t, `document.querySelector('`+win+`summary').title`); !strings.Contains(title, "24 of 30") || !strings.Contains(title, "p < 0.001") {
		t.Errorf("verdict hover %q lacks the reason and p-value", title)
	}
	href := jsValue[string](ctx, t, `document.querySelector('`+win+`a[data-role="explore"]').getAttribute('href')`)
	for _, w := range []string{"/explore?", "kpi=win_rate", "rep=R1", "period=month", "to=2026-03-31"} {
		if !strings.Contains(href, w) {
			t.Errorf("explore link %q lacks %s", href, w)
		}
	}
	if n := jsValue[int](ctx, t, `document.getElementById('focus').children.length`); n != 0 {
		t.Errorf("R1 has %d focus areas, want none (no weakness)", n)
	}
	if sel := jsValue[string](ctx, t, `document.querySelector('#team-table tr[aria-selected="true"]')?.dataset.rep || ''`); sel != "R1" {
		t.Errorf("selected row %q, want R1", sel)
	}
	search := jsValue[string](ctx, t, `location.search`)
	if !strings.Contains(search, "team=T2") || !strings.Contains(search, "rep=R1") {
		t.Errorf("URL %q does not hold the view", search)
	}

	// The four quarters ending with the last full one: 2025-Q2 to 2026-Q1, the
	// same deals, so the same verdict.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#range-year`))); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `#coach-period`, func(s string) bool { return strings.HasPrefix(s, "2025-04-01..2026-03-31 ") })
	waitJS(ctx, t, "year scorecard", `document.getElementById('scorecard').dataset.state === 'ready' && document.getElementById('team-view').dataset.state === 'ready'`)
	textOf(ctx, t, win+`.verdict-badge`, is(verdicts["R1"]))
	if search := jsValue[string](ctx, t, `location.search`); !strings.Contains(search, "from=2025-04-01") || !strings.Contains(search, "to=2026-03-31") {
		t.Errorf("URL %q lacks the range", search)
	}
	if from := jsValue[string](ctx, t, `document.getElementById('from').value`); from != "2025-04-01" {
		t.Errorf("from control %q", from)
	}

	// A link with the state reproduces the view: R5 against team peers, a weakness
	// on win rate and the closing focus area citing it.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/coach?team=T2&rep=R5")); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "R5 scorecard", `document.getElementById('scorecard').dataset.state === 'ready' && document.getElementById('scorecard').dataset.rep === 'R5'`)
	textOf(ctx, t, win+`.verdict-badge`, is(verdicts["R5"]))
	textOf(ctx, t, win+`[data-role="p-value"]`, is(fmt.Sprintf("p = %.2g", pValues["R5"]))) // 0.041
	textOf(ctx, t, `#focus li[data-area="closing"] [data-role="title"]`, is("Proposal and negotiation"))
	textOf(ctx, t, `#focus li[data-area="closing"] tr[data-kpi="win_rate"] [data-role="value"]`, is("20.0%"))
	textOf(ctx, t, `#verdict-summary li[data-verdict="weakness"] [data-role="count"]`, is("1"))
	if v := jsValue[string](ctx, t, `document.getElementById('rep').value`); v != "R5" {
		t.Errorf("rep control %q, want R5", v)
	}

	// Only strengths and weaknesses.
	chooseOption(ctx, t, "#show", "judged")
	waitJS(ctx, t, "judged only", `[...document.querySelectorAll('#kpi-table tbody tr[data-kpi]')].map(tr => tr.dataset.kpi).join() === 'win_rate'`)

	// Against the whole organisation: R5's peers are the seven other AEs, T3's
	// included, 63 of 150 won between them (42%): z = −2.26, p = 0.024.
	peerX, peerN := 0, 0
	for _, r := range coachReps {
		if r.role == "ae" && r.id != "R5" {
			peerX, peerN = peerX+r.won, peerN+r.closed
		}
	}
	orgVerdict, orgP := winRateTest(6, 30, peerX, peerN)
	chooseOption(ctx, t, "#peers", "org")
	waitJS(ctx, t, "org peers", `document.getElementById('scorecard').dataset.state === 'ready' && document.getElementById('scorecard-about').textContent.includes('7 other AEs of the whole organisation')`)
	chooseOption(ctx, t, "#show", "")
	textOf(ctx, t, win+`[data-role="p-value"]`, is(fmt.Sprintf("p = %.2g", orgP)))
	textOf(ctx, t, win+`.verdict-badge`, is(orgVerdict))
	if search := jsValue[string](ctx, t, `location.search`); !strings.Contains(search, "peers=org") {
		t.Errorf("URL %q lacks peers=org", search)
	}
	if kind := jsValue[string](ctx, t, `document.getElementById('status').dataset.kind || ''`); kind == "error" {
		t.Errorf("status: %s", jsValue[string](ctx, t, `document.getElementById('status').textContent`))
	}

	// An unknown rep is the API's 404, shown in the scorecard panel.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/coach?rep=R404")); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "unknown rep", `document.getElementById('scorecard').dataset.state === 'error'`)
	textOf(ctx, t, `#scorecard [data-role="error"]`, func(s string) bool { return strings.Contains(s, `unknown rep "R404"`) })
}

// TestScreenshotCoach saves docs/screenshots/coach.png from the demo
// organisation of the other screenshots, and checks that the page fits a
// 375 px phone without sideways scrolling.
func TestScreenshotCoach(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "csv")
	if _, err := demo.Generate(context.Background(), dir, demo.Config{Seed: 1, Reps: 40, Months: 24}); err != nil {
		t.Fatal(err)
	}
	screenshotPage(t, startServer(t, dir), "/coach?team=T006&rep=R0006", "coach", 500*time.Millisecond, func(ctx context.Context, t *testing.T) {
		waitJS(ctx, t, "coaching page", `document.getElementById('team-view').dataset.state === 'ready' && document.getElementById('scorecard').dataset.state === 'ready'`)
		// Open the verdict of the focus area's KPI, as a manager reading why.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const d = document.querySelector('#kpi-table tr[data-verdict="weakness"] details'); if (d) d.open = true; return true; })()`)); err != nil {
			t.Fatal(err)
		}
	})
}
