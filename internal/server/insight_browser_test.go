package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// insightFirst is the first month of insightFiles; insightMonths months follow
// it, the last of them the collapse.
var insightFirst = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const insightMonths = 31

// insightFiles is a small organisation whose revenue grows steadily for 30
// months and then collapses: every month Ann (R1, team T2) wins one deal and
// loses one and Bob (R2, team T3) wins one; in the 31st month the two wins
// are worth 500 and 300. The data ends with that month, before today, so the
// insights feed judges it.
func insightFiles() map[string]string {
	var opps strings.Builder
	opps.WriteString("opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\n")
	for i := range insightMonths {
		m := insightFirst.AddDate(0, i, 0)
		day := func(d int) string { return m.AddDate(0, 0, d-1).Format("2006-01-02") }
		a := 6000 + 100*i + 50*(i*7%3) // a small wobble on a steady rise
		b := 4000 + 50*i + 40*(i*5%3)
		if i == insightMonths-1 {
			a, b = 500, 300
		}
		fmt.Fprintf(&opps, "O%02da,R1,closed won,won,%d,%s,%s\n", i, a, day(1), day(10))
		fmt.Fprintf(&opps, "O%02db,R2,closed won,won,%d,%s,%s\n", i, b, day(2), day(15))
		// The lost deal closes on the month's last day, so the data covers
		// every month, the last one included, to its end.
		fmt.Fprintf(&opps, "O%02dc,R1,closed lost,lost,2000,%s,%s\n", i, day(3), m.AddDate(0, 1, -1).Format("2006-01-02"))
	}
	return map[string]string{
		"teams.csv":         "team_id,name,parent_team_id,region\nT1,Sales,,\nT2,East,T1,EMEA\nT3,West,T1,Americas\n",
		"reps.csv":          "rep_id,name,team_id\nR1,Ann,T2\nR2,Bob,T3\n",
		"opportunities.csv": opps.String(),
	}
}

// wonByPeriod reads opportunities.csv as uploaded and adds up the won amounts
// by period label (month "2006-01" or calendar quarter "2006-Q1") of the close
// date, for the given owners (all when none are given): the test's own
// reading of the data, independent of the KPI engine.
func wonByPeriod(t *testing.T, files map[string]string, quarter bool, reps ...string) map[string]int64 {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(files["opportunities.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	out := map[string]int64{}
	for _, r := range rows[1:] {
		if r[col["status"]] != "won" {
			continue
		}
		if len(reps) > 0 && !strings.Contains(","+strings.Join(reps, ",")+",", ","+r[col["owner_rep_id"]]+",") {
			continue
		}
		d, err := time.Parse("2006-01-02", r[col["close_date"]])
		if err != nil {
			t.Fatal(err)
		}
		label := d.Format("2006-01")
		if quarter {
			label = fmt.Sprintf("%d-Q%d", d.Year(), (int(d.Month())+2)/3)
		}
		amount, err := strconv.ParseInt(r[col["amount"]], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[label] += amount
	}
	return out
}

// commas writes n with a comma between thousands, as the API's texts and the
// pages (en-US) do.
func commas(n int64) string {
	s := strconv.FormatInt(max(n, -n), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n < 0 {
		return "-" + s
	}
	return s
}

func navigate(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
}

func click(ctx context.Context, t *testing.T, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// TestBrowserInsightsFeed: the overview's Insights panel names the month
// revenue collapsed, links to the explorer on it, explains it, follows the
// scope, and updates live when the data changes.
func TestBrowserInsightsFeed(t *testing.T) {
	files := insightFiles()
	base := startServer(t, writeFiles(t, files))
	ctx := browser(t, 1280, 900)

	// The 31st month, 2024-01 + 30 months: Ann's 500 + Bob's 300 = 800.
	collapse := insightFirst.AddDate(0, insightMonths-1, 0).Format("2006-01")
	monthly := wonByPeriod(t, files, false)
	wantText := fmt.Sprintf("Revenue was unusually low in %s: %s against about ", collapse, commas(monthly[collapse]))

	navigate(ctx, t, base+"/?scope=org&period=quarter")
	waitJS(ctx, t, "insights listed", `document.getElementById('insights')?.dataset.state === 'ready'`)
	item := `#insights-list li.insight[data-kind="anomaly"][data-kpi="revenue"]`
	textOf(ctx, t, item+` [data-role="text"]`, func(s string) bool { return strings.HasPrefix(s, wantText) })
	if got := jsValue[string](ctx, t, `document.querySelector('`+item+`').dataset.period`); got != collapse {
		t.Errorf("item period %q, want %q", got, collapse)
	}
	textOf(ctx, t, item+` [data-role="severity"]`, is("Bad"))
	// Bad news first, as the API orders it.
	sev := jsValue[[]string](ctx, t, `[...document.querySelectorAll('#insights-list li.insight')].map(li => li.dataset.severity)`)
	for i := 1; i < len(sev); i++ {
		if sev[i-1] != "bad" && sev[i] == "bad" {
			t.Errorf("severities %q: bad news after other news", sev)
			break
		}
	}
	if hidden := jsValue[bool](ctx, t, `document.querySelector('`+item+`').hidden`); hidden {
		t.Fatalf("the revenue anomaly is not among the items shown first: %q", sev)
	}

	// Its link opens the explorer on revenue by month, with the month's records.
	href := jsValue[string](ctx, t, `document.querySelector('`+item+` a[data-role="open"]').getAttribute('href')`)
	for _, w := range []string{"/explore?", "kpi=revenue", "period=month", "at=" + collapse} {
		if !strings.Contains(href, w) {
			t.Errorf("link %q lacks %s", href, w)
		}
	}
	click(ctx, t, item+` a[data-role="open"]`)
	waitJS(ctx, t, "explorer opened", `location.pathname === '/explore'`)
	textOf(ctx, t, `#nav a[aria-current="page"]`, is("Explore"))
	waitJS(ctx, t, "revenue selected", `document.getElementById('kpi')?.value === 'revenue' && document.getElementById('period').value === 'month'`)
	textOf(ctx, t, `#values-table tbody tr[data-period="`+collapse+`"] [data-role="value"]`, is(commas(monthly[collapse])))
	waitJS(ctx, t, "records of the month", `document.getElementById('drill')?.hidden === false && document.getElementById('drill').dataset.period === '`+collapse+`'`)

	// Team East (T2) is Ann alone: the feed is asked for team=T2, its links
	// keep the filter, and "Explain" opens the explorer on the fall from the
	// month before.
	before := insightFirst.AddDate(0, insightMonths-2, 0).Format("2006-01")
	ann := wonByPeriod(t, files, false, "R1")
	navigate(ctx, t, base+"/?scope=team:T2")
	waitJS(ctx, t, "team insights", `document.getElementById('insights')?.dataset.state === 'ready'`)
	textOf(ctx, t, `#insights-scope`, func(s string) bool { return strings.Contains(s, "Team: East") })
	textOf(ctx, t, item+` [data-role="text"]`, func(s string) bool {
		return strings.HasPrefix(s, fmt.Sprintf("Revenue was unusually low in %s: %s against", collapse, commas(ann[collapse])))
	})
	explainHref := jsValue[string](ctx, t, `document.querySelector('`+item+` a[data-role="explain"]').getAttribute('href')`)
	for _, w := range []string{"kpi=revenue", "team=T2", "explain=" + before + ".." + collapse} {
		if !strings.Contains(explainHref, w) {
			t.Errorf("explain link %q lacks %s", explainHref, w)
		}
	}
	click(ctx, t, item+` a[data-role="explain"]`)
	waitJS(ctx, t, "explanation", `document.getElementById('explain')?.dataset.state === 'ready'`)
	if team := jsValue[string](ctx, t, `document.getElementById('team').value`); team != "T2" {
		t.Errorf("explorer team %q, want T2", team)
	}
	// Ann's wins: 6,000 + 100·29 + 50·(203 mod 3 = 2) = 9,000 in the month before, 500 in the collapse.
	fall := ann[before] - ann[collapse]
	textOf(ctx, t, `#explain [data-role="headline"]`, func(s string) bool {
		return strings.HasPrefix(s, fmt.Sprintf("Revenue fell by %s from %s (%s) to %s (%s)", commas(fall), before, commas(ann[before]), collapse, commas(ann[collapse])))
	})

	// Live: a deal won in the collapsed month brings revenue back in line
	// (800 + 13,700 = 14,500, where the rise leads: 6,000 + 3,000 + 4,000 +
	// 1,500), and the anomaly leaves the feed without a reload.
	navigate(ctx, t, base+"/?scope=org")
	waitJS(ctx, t, "insights listed", `document.getElementById('insights')?.dataset.state === 'ready'`)
	textOf(ctx, t, item+` [data-role="text"]`, func(s string) bool { return strings.HasPrefix(s, wantText) })
	waitJS(ctx, t, "stream open", `document.getElementById('live-status').dataset.state === 'live'`)
	body := fmt.Sprintf(`{"entity":"opportunities","records":[{"opportunity_id":"O99","owner_rep_id":"R2","stage":"closed won","status":"won","amount":13700,"created_at":"%s-03","close_date":"%s-25"}]}`, collapse, collapse)
	resp, err := http.Post(base+"/api/v1/events", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("event: %d", resp.StatusCode)
	}
	waitJS(ctx, t, "anomaly gone", `document.querySelector('`+item+`') === null && document.getElementById('insights')?.dataset.state !== 'loading'`)
	if status := jsValue[string](ctx, t, `document.getElementById('status').dataset.kind || ''`); status == "error" {
		t.Errorf("status: %s", jsValue[string](ctx, t, `document.getElementById('status').textContent`))
	}
}

// TestBrowserInsightsEmpty: five months of data hold nothing the feed would
// report, and the panel says so.
func TestBrowserInsightsEmpty(t *testing.T) {
	base := startServer(t, writeFiles(t, orgFiles))
	ctx := browser(t, 1280, 900)
	navigate(ctx, t, base+"/")
	waitJS(ctx, t, "empty feed", `document.getElementById('insights')?.dataset.state === 'empty'`)
	textOf(ctx, t, `#insights [data-role="empty"]`, func(s string) bool { return strings.HasPrefix(s, "Nothing unusual") })
	if n := jsValue[int](ctx, t, `document.querySelectorAll('#insights-list li').length`); n != 0 {
		t.Errorf("%d items listed in an empty feed", n)
	}
}

// TestBrowserExplainChange: on the explorer, revenue from 2025-Q1 to 2025-Q2
// is explained with the change worked out from the CSV, its drivers and
// segments; a segment's link explains the same change for it; the periods
// can be picked on the chart; a bad period is reported.
func TestBrowserExplainChange(t *testing.T) {
	files := insightFiles()
	base := startServer(t, writeFiles(t, files))
	ctx := browser(t, 1280, 900)
	navigate(ctx, t, base+"/explore?kpi=revenue&period=quarter")
	textOf(ctx, t, `#values-table tbody tr[data-period="2025-Q2"] [data-role="value"]`, func(s string) bool { return s != "" })

	// By default the last two quarters shown: the data ends in 2026-07.
	if from, to := jsValue[string](ctx, t, `document.getElementById('explain-from').value`), jsValue[string](ctx, t, `document.getElementById('explain-to').value`); from != "2026-Q2" || to != "2026-Q3" {
		t.Errorf("default periods %s → %s, want 2026-Q2 → 2026-Q3", from, to)
	}

	jsValue[bool](ctx, t, `(() => {
		document.getElementById('explain-from').value = '2025-Q1';
		document.getElementById('explain-to').value = '2025-Q2';
		return document.getElementById('explain-from').dispatchEvent(new Event('change', {bubbles: true}));
	})()`)
	click(ctx, t, `#explain-run`)
	waitJS(ctx, t, "explanation", `document.getElementById('explain')?.dataset.state === 'ready'`)

	// The test reads the change from the CSV as uploaded. By hand, months
	// i = 12…14 (2025-Q1) and 15…17 (2025-Q2):
	//   Ann 6,000 + 100·i + 50·(7i mod 3): 7,200 + 7,350 + 7,500 = 22,050 → 7,500 + 7,650 + 7,800 = 22,950 (+900)
	//   Bob 4,000 + 50·i + 40·(5i mod 3):  4,600 + 4,730 + 4,740 = 14,070 → 4,750 + 4,880 + 4,890 = 14,520 (+450)
	//   revenue 36,120 → 37,470: +1,350.
	q := wonByPeriod(t, files, true)
	rise := q["2025-Q2"] - q["2025-Q1"]
	if rise != 1350 {
		t.Fatalf("fixture: revenue %d → %d, want a rise of 1,350", q["2025-Q1"], q["2025-Q2"])
	}
	textOf(ctx, t, `#explain [data-role="headline"]`, func(s string) bool {
		return strings.HasPrefix(s, fmt.Sprintf("Revenue rose by %s from 2025-Q1 (%s) to 2025-Q2 (%s)", commas(rise), commas(q["2025-Q1"]), commas(q["2025-Q2"])))
	})
	if loc := jsValue[string](ctx, t, `location.search`); !strings.Contains(loc, "explain=2025-Q1..2025-Q2") {
		t.Errorf("URL %q does not carry the explained periods", loc)
	}
	// Three deals closed and two won every month: deals closed and win rate
	// do not move, so the average deal size carries the whole change.
	driver := func(name, role string) string {
		return `#explain-drivers tbody tr[data-driver="` + name + `"] [data-role="` + role + `"]`
	}
	textOf(ctx, t, driver("Average deal size", "contribution"), is("+"+commas(rise)))
	textOf(ctx, t, driver("Average deal size", "share"), is("100.0%"))
	textOf(ctx, t, driver("Deals closed", "old"), is("9"))
	textOf(ctx, t, driver("Deals closed", "contribution"), is("±0"))
	textOf(ctx, t, driver("Win rate", "new"), is("66.7%"))
	textOf(ctx, t, `#explain-drivers tfoot tr[data-kind="total"] [data-role="contribution"]`, is("+"+commas(rise)))
	// Segments by rep: each rep's own change.
	ann, bob := wonByPeriod(t, files, true, "R1"), wonByPeriod(t, files, true, "R2")
	textOf(ctx, t, `#explain-segments section[data-dimension="rep"] tr[data-segment="R1"] [data-role="contribution"]`, is("+"+commas(ann["2025-Q2"]-ann["2025-Q1"])))
	textOf(ctx, t, `#explain-segments section[data-dimension="rep"] tr[data-segment="R2"] [data-role="contribution"]`, is("+"+commas(bob["2025-Q2"]-bob["2025-Q1"])))

	// Ann's segment finding links to the explorer for her, explaining the same change.
	link := `#explain-findings li[data-kind="segment"][data-dimension="rep"] a[data-role="explore"]`
	waitJS(ctx, t, "rep finding", `[...document.querySelectorAll('`+link+`')].some(a => a.getAttribute('href').includes('rep=R1'))`)
	jsValue[bool](ctx, t, `(() => { [...document.querySelectorAll('`+link+`')].find(a => a.getAttribute('href').includes('rep=R1')).click(); return true; })()`)
	waitJS(ctx, t, "Ann's explanation", `document.getElementById('rep')?.value === 'R1' && document.getElementById('explain')?.dataset.state === 'ready'`)
	textOf(ctx, t, `#explain [data-role="headline"]`, func(s string) bool {
		return strings.HasPrefix(s, fmt.Sprintf("Revenue rose by %s from 2025-Q1 (%s) to 2025-Q2", commas(ann["2025-Q2"]-ann["2025-Q1"]), commas(ann["2025-Q1"])))
	})

	// Two clicks on the chart's bars pick the periods; the button explains them.
	navigate(ctx, t, base+"/explore?kpi=revenue&period=quarter&chart=bar")
	textOf(ctx, t, `#values-table tbody tr[data-period="2024-Q3"] [data-role="value"]`, func(s string) bool { return s != "" })
	if jsValue[string](ctx, t, `document.body.dataset.charts`) != "on" {
		t.Fatal("charts are off: run make assets")
	}
	for _, p := range []string{"2024-Q4", "2024-Q3"} {
		xy := jsValue[[]float64](ctx, t, `(() => {
			const box = document.getElementById('chart-box');
			const c = echarts.getInstanceByDom(box);
			const i = c.getOption().xAxis[0].data.indexOf('`+p+`');
			const v = c.getOption().series[0].data[i];
			const [x, y] = c.convertToPixel({seriesIndex: 0}, [i, v / 2]);
			const r = box.getBoundingClientRect();
			return [r.left + x, r.top + y];
		})()`)
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
			t.Fatal(err)
		}
	}
	waitJS(ctx, t, "picked", `document.getElementById('explain-from').value === '2024-Q3' && document.getElementById('explain-to').value === '2024-Q4'`)
	textOf(ctx, t, `#explain-hint`, func(s string) bool { return strings.Contains(s, "2024-Q3 and 2024-Q4 picked") })
	click(ctx, t, `#explain-run`)
	waitJS(ctx, t, "picked explanation", `document.getElementById('explain')?.dataset.state === 'ready' && document.getElementById('explain')?.dataset.from === '2024-Q3'`)
	textOf(ctx, t, `#explain [data-role="headline"]`, func(s string) bool {
		return strings.HasPrefix(s, fmt.Sprintf("Revenue rose by %s from 2024-Q3", commas(q["2024-Q4"]-q["2024-Q3"])))
	})

	// A quarter and a month cannot be compared: the API's 400 is shown, naming "to".
	navigate(ctx, t, base+"/explore?kpi=revenue&period=quarter&explain=2025-Q1..2025-05")
	waitJS(ctx, t, "refused", `document.getElementById('explain')?.dataset.state === 'error'`)
	errSel := `#explain [data-role="error"]`
	textOf(ctx, t, errSel, func(s string) bool { return strings.Contains(s, "to: ") && strings.Contains(s, "different kinds") })
	if p := jsValue[string](ctx, t, `document.querySelector('`+errSel+`').dataset.param`); p != "to" {
		t.Errorf("error param %q, want to", p)
	}
	if inv := jsValue[string](ctx, t, `document.getElementById('explain-to').getAttribute('aria-invalid') || ''`); inv != "true" {
		t.Errorf("#explain-to aria-invalid %q", inv)
	}
}

// TestBrowserInsightsPhone: the overview with its feed and the explorer with
// an explanation fit a 375 px phone without sideways scrolling.
func TestBrowserInsightsPhone(t *testing.T) {
	base := startServer(t, writeFiles(t, insightFiles()))
	ctx := browser(t, 375, 812)
	for _, c := range []struct{ path, ready string }{
		{"/?scope=team:T2", `document.getElementById('insights')?.dataset.state === 'ready'`},
		{"/explore?kpi=revenue&period=quarter&explain=2025-Q1..2025-Q2", `document.getElementById('explain')?.dataset.state === 'ready'`},
		{"/explore?kpi=win_rate&period=month&region=EMEA&explain=2026-06..2026-07", `document.getElementById('explain')?.dataset.state === 'ready'`},
	} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(base+c.path)); err != nil {
			t.Fatal(err)
		}
		waitJS(ctx, t, c.path, c.ready)
		if err := chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if w := jsValue[int](ctx, t, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("%s at 375 px: the page scrolls sideways (%d px)", c.path, w)
		}
	}
}
