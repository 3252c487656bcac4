package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/salesops/salesops/internal/demo"
)

// qualityClean is a small organisation whose records break no data-quality
// rule: two accounts with different names, two closed deals.
var qualityClean = map[string]string{
	"teams.csv":    "team_id,name,parent_team_id\nT1,Sales,\nT2,Field,T1\n",
	"reps.csv":     "rep_id,name,team_id\nR1,Ann,T1\nR2,Bob,T2\n",
	"accounts.csv": "account_id,name,owner_rep_id,created_at\nA1,Acme Corp,R1,2026-01-05\nA2,Globex,R2,2026-01-06\n",
	"opportunities.csv": "opportunity_id,account_id,owner_rep_id,stage,status,amount,created_at,close_date\n" +
		"O1,A1,R1,Closed Won,won,1000,2026-01-10,2026-02-10\n" +
		"O2,A2,R2,Closed Lost,lost,500,2026-01-12,2026-02-20\n",
}

// qualityBad are the records uploaded later, each with a known fault: an
// account whose name differs from A1's only in case and punctuation, a won
// deal of amount 0, and an open deal whose close date (31 March 2026) has
// passed.
var qualityBad = map[string]string{
	"accounts.csv": "account_id,name,owner_rep_id,created_at\nA3,ACME corp.,R2,2026-02-01\n",
	"opportunities.csv": "opportunity_id,account_id,owner_rep_id,stage,status,amount,created_at,close_date\n" +
		"O3,A2,R2,Closed Won,won,0,2026-02-01,2026-03-01\n" +
		"O4,A1,R1,Proposal,open,1200,2026-02-15,2026-03-31\n",
}

// qualityFailure is one row the failing-records table should show.
type qualityFailure struct{ recordType, record, rule, rep, team string }

// The failures after the upload: A1 and A3 are duplicates of each other (both
// fail), O3 has amount 0, O4 is open past its close date. Reps' teams: R1 is in
// T1 (Sales), R2 in T2 (Field).
var qualityWant = []qualityFailure{
	{"account", "A1", "account.duplicate_name", "Ann", "Sales"},
	{"account", "A3", "account.duplicate_name", "Bob", "Field"},
	{"opportunity", "O3", "opp.amount_nonpositive", "Bob", "Field"},
	{"opportunity", "O4", "opp.close_date_past", "Ann", "Sales"},
}

// uploadCSV posts CSV files to the import endpoint, as the Import page does.
func uploadCSV(t *testing.T, base string, files map[string]string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, content := range files {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/api/v1/import", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("import: %d %s", resp.StatusCode, b)
	}
}

// failureRows reads the failing-records table as "type/record/rule/rep/team".
func failureRows(ctx context.Context, t *testing.T) []string {
	t.Helper()
	return jsValue[[]string](ctx, t, `[...document.querySelectorAll('#failures-table tbody tr[data-record]')].map(tr =>
		[tr.dataset.recordType, tr.dataset.record, tr.querySelector('[data-role="rule-id"]').textContent,
		 tr.querySelector('[data-role="rep"]').textContent, tr.querySelector('[data-role="team"]').textContent].join('/'))`)
}

func wantRows(keep func(qualityFailure) bool) []string {
	var out []string
	for _, f := range qualityWant {
		if keep(f) {
			out = append(out, strings.Join([]string{f.recordType, f.record, f.rule, f.rep, f.team}, "/"))
		}
	}
	return out
}

// waitRows waits until the failing-records table has settled on want.
func waitRows(ctx context.Context, t *testing.T, want []string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		ready := jsValue[bool](ctx, t, `document.getElementById('failures').dataset.state === 'ready' && document.getElementById('failures').getAttribute('aria-busy') === 'false'`)
		if got = failureRows(ctx, t); ready && slices.Equal(got, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("failing records %q, want %q", got, want)
}

// csvHref is the export link's href, with its query parsed.
func csvHref(ctx context.Context, t *testing.T) (string, map[string]string) {
	t.Helper()
	href := jsValue[string](ctx, t, `document.getElementById('csv-link').getAttribute('href')`)
	path, q, _ := strings.Cut(href, "?")
	if path != "/api/v1/quality/failures" {
		t.Errorf("CSV link %q: wrong path", href)
	}
	params := map[string]string{}
	for kv := range strings.SplitSeq(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		params[k] = v
	}
	return href, params
}

// TestBrowserDataQuality: a clean organisation scores 100%; after uploading
// records with known faults the page, without a reload, lists exactly those
// records with the rules they break and scores the rest; the filters narrow
// the list, the CSV link carries them, and its export has the same records.
func TestBrowserDataQuality(t *testing.T) {
	base := startServer(t, writeFiles(t, qualityClean))
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/quality")); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `#nav a[aria-current="page"]`, is("Data quality"))
	waitJS(ctx, t, "clean data", `document.getElementById('failures').dataset.state === 'empty' && document.getElementById('scores').dataset.state === 'ready'`)
	// Two accounts and two deals, none failing.
	textOf(ctx, t, `#quality-tiles [data-role="accuracy"] [data-role="value"]`, is("100.0%"))
	textOf(ctx, t, `#quality-tiles [data-role="records"] [data-role="value"]`, is("4"))

	// The faulty records arrive; the page refreshes on the live stream.
	uploadCSV(t, base, qualityBad)
	waitRows(ctx, t, wantRows(func(qualityFailure) bool { return true }))

	// Scores: 3 accounts and 4 deals recorded, 4 of them failing.
	records, failing := 3+4, len(qualityWant)
	textOf(ctx, t, `#quality-tiles [data-role="accuracy"] [data-role="value"]`, is(fmt.Sprintf("%.2f%%", 100*float64(records-failing)/float64(records)))) // 42.86%
	textOf(ctx, t, `#quality-tiles [data-role="records"] [data-role="value"]`, is(fmt.Sprint(records)))
	textOf(ctx, t, `#quality-tiles [data-role="failing"] [data-role="value"]`, is(fmt.Sprint(failing)))
	textOf(ctx, t, `#quality-tiles [data-role="rules-broken"] [data-role="value"]`, is("3 of 22"))
	// By record type: accounts A1, A3 of 3 fail (1 of 3 pass); deals O3, O4 of 4 (2 of 4 pass).
	textOf(ctx, t, `#group-table tbody tr[data-group="account"] [data-role="accuracy"]`, is(fmt.Sprintf("%.2f%%", 100.0/3)))
	textOf(ctx, t, `#group-table tbody tr[data-group="opportunity"] [data-role="accuracy"]`, is("50.0%"))
	textOf(ctx, t, `#rules-table tbody tr[data-rule="account.duplicate_name"] [data-role="failing"]`, is("2"))
	textOf(ctx, t, `#failures-table tbody tr[data-record="O4"] [data-role="value"]`, is("status=open; close_date=2026-03-31"))
	if href, params := csvHref(ctx, t); len(params) != 1 || params["format"] != "csv" {
		t.Errorf("CSV link without filters: %q", href)
	}

	// One rule.
	chooseOption(ctx, t, "#rule", "opp.close_date_past")
	waitRows(ctx, t, wantRows(func(f qualityFailure) bool { return f.rule == "opp.close_date_past" }))
	if href, params := csvHref(ctx, t); params["rule"] != "opp.close_date_past" || params["format"] != "csv" {
		t.Errorf("CSV link %q lacks the rule", href)
	}
	if sel := jsValue[string](ctx, t, `document.querySelector('#rules-table tr[aria-selected="true"]')?.dataset.rule || ''`); sel != "opp.close_date_past" {
		t.Errorf("rules table selects %q", sel)
	}

	// Every rule, team Field (T2: Bob's records), then accounts only.
	chooseOption(ctx, t, "#rule", "")
	chooseOption(ctx, t, "#team", "T2")
	waitRows(ctx, t, wantRows(func(f qualityFailure) bool { return f.team == "Field" }))
	chooseOption(ctx, t, "#record_type", "account")
	waitRows(ctx, t, wantRows(func(f qualityFailure) bool { return f.team == "Field" && f.recordType == "account" }))
	textOf(ctx, t, `#quality-tiles [data-role="records"] [data-role="value"]`, is("2")) // Bob's accounts A2 and A3; A3 fails
	href, params := csvHref(ctx, t)
	if params["team"] != "T2" || params["record_type"] != "account" || params["format"] != "csv" || params["rule"] != "" || params["limit"] != "" {
		t.Errorf("CSV link %q does not carry the filters", href)
	}
	// The export behind the link lists the same records.
	resp, err := http.Get(base + href)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if resp.StatusCode != http.StatusOK || len(lines) != 2 || !strings.HasPrefix(lines[1], "account,A3,account.duplicate_name,") {
		t.Errorf("export %s: %d\n%s", href, resp.StatusCode, body)
	}
	search := jsValue[string](ctx, t, `location.search`)
	if !strings.Contains(search, "team=T2") || !strings.Contains(search, "record_type=account") {
		t.Errorf("URL %q does not hold the filters", search)
	}

	// A rule's button in the rules table lists its records; paging shows them a few at a time.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/quality?limit=2")); err != nil {
		t.Fatal(err)
	}
	waitRows(ctx, t, wantRows(func(f qualityFailure) bool { return f.record == "A1" || f.record == "A3" }))
	textOf(ctx, t, `#failures-count`, is("Showing 2 of 4 failures (4 records)."))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#failures-more`))); err != nil {
		t.Fatal(err)
	}
	waitRows(ctx, t, wantRows(func(qualityFailure) bool { return true }))
	waitJS(ctx, t, "no more", `document.getElementById('failures-more').hidden`)
	// The rules table may be redrawn by a refresh between finding the button
	// and clicking it; click again on the redrawn one.
	var clickErr error
	for range 5 {
		if clickErr = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#rules-table tr[data-rule="opp.amount_nonpositive"] [data-role="filter-rule"]`))); clickErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if clickErr != nil {
		t.Fatal(clickErr)
	}
	waitRows(ctx, t, wantRows(func(f qualityFailure) bool { return f.rule == "opp.amount_nonpositive" }))
	if v := jsValue[string](ctx, t, `document.getElementById('rule').value`); v != "opp.amount_nonpositive" {
		t.Errorf("rule control %q", v)
	}
	if kind := jsValue[string](ctx, t, `document.getElementById('status').dataset.kind || ''`); kind == "error" {
		t.Errorf("status: %s", jsValue[string](ctx, t, `document.getElementById('status').textContent`))
	}

	// A bad range is the API's 400, shown in both panels.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/quality?from=2026-03-01&to=2026-02-01")); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "bad range", `document.getElementById('scores').dataset.state === 'error' && document.getElementById('failures').dataset.state === 'error'`)
	textOf(ctx, t, `#failures [data-role="error"]`, func(s string) bool { return strings.Contains(s, "from 2026-03-01 is after to 2026-02-01") })
}

// TestScreenshotQuality saves docs/screenshots/quality.png from the demo
// organisation of the other screenshots, and checks that the page fits a
// 375 px phone without sideways scrolling.
func TestScreenshotQuality(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "csv")
	if _, err := demo.Generate(context.Background(), dir, demo.Config{Seed: 1, Reps: 40, Months: 24}); err != nil {
		t.Fatal(err)
	}
	screenshotPage(t, startServer(t, dir), "/quality?by=team&limit=50", "quality", 1500*time.Millisecond, func(ctx context.Context, t *testing.T) {
		waitJS(ctx, t, "quality page", `document.getElementById('scores').dataset.state === 'ready' && document.getElementById('failures').dataset.state === 'ready'`)
	})
}
