package server

import (
	"context"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/salesops/salesops/internal/demo"
)

// forecastDemo serves a demo organisation of 20 reps over 24 months.
func forecastDemo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "csv")
	if _, err := demo.Generate(context.Background(), dir, demo.Config{Seed: 1, Reps: 20, Months: 24}); err != nil {
		t.Fatal(err)
	}
	return startServer(t, dir)
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(ctx context.Context, t *testing.T, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
	t.Fatalf("%s: never true (status %q)", what, status)
}

func jsValue[T any](ctx context.Context, t *testing.T, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitForecastPage waits until every panel of the forecast page has drawn.
func waitForecastPage(ctx context.Context, t *testing.T) {
	t.Helper()
	waitJS(ctx, t, "forecast table", `document.querySelectorAll('#forecast-table tbody tr[data-period]').length > 0`)
	waitJS(ctx, t, "backtest table", `document.querySelectorAll('#backtest-table tbody tr[data-method]').length > 0`)
	waitJS(ctx, t, "waterfall table", `document.querySelector('#waterfall-table [data-flow="end"][data-amount]') !== null`)
	waitJS(ctx, t, "stages table", `document.querySelectorAll('#stages-table tbody tr[data-stage]').length > 0`)
}

func TestBrowserForecast(t *testing.T) {
	base := forecastDemo(t)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/forecast")); err != nil {
		t.Fatal(err)
	}
	waitForecastPage(ctx, t)
	textOf(ctx, t, `#nav a[aria-current="page"]`, is("Forecast"))

	// Three months ahead by default, each with every method and the category rollup.
	months := jsValue[[]string](ctx, t, `[...document.querySelectorAll('#forecast-table tbody tr[data-period]')].map(tr => tr.dataset.period)`)
	if len(months) != 3 {
		t.Fatalf("forecast table months %q, want 3", months)
	}
	for _, sel := range []string{`td[data-role="value"][data-method="weighted_pipeline"]`, `td[data-role="value"][data-method="time_series"]`, `td[data-role="band80"]`, `td[data-role="band95"]`, `td[data-category="commit"]`, `td[data-category="pipeline"]`} {
		if n := jsValue[int](ctx, t, `document.querySelectorAll('#forecast-table tbody `+sel+`').length`); n != 3 {
			t.Errorf("forecast table: %d cells %s, want 3", n, sel)
		}
	}

	// Exactly one recommended method, the one with a MAPE. The demo records each
	// deal's history, so the weighted pipeline is backtested too.
	if n := jsValue[int](ctx, t, `document.querySelectorAll('#backtest-table [data-role="recommended"]').length`); n != 1 {
		t.Fatalf("backtest table marks %d recommended methods, want 1", n)
	}
	rec := jsValue[string](ctx, t, `document.querySelector('#backtest-table [data-role="recommended"]').closest('tr').dataset.method`)
	if mape := textOf(ctx, t, `#backtest-table tr[data-method="`+rec+`"] [data-role="mape"]`, func(string) bool { return true }); !strings.HasSuffix(strings.TrimSpace(mape), "%") {
		t.Errorf("recommended %s: MAPE %q is not a percentage", rec, mape)
	}
	for _, m := range []string{"weighted_pipeline", "time_series"} {
		if mape := textOf(ctx, t, `#backtest-table tr[data-method="`+m+`"] [data-role="mape"]`, func(string) bool { return true }); !strings.HasSuffix(strings.TrimSpace(mape), "%") {
			t.Errorf("%s: MAPE %q is not a percentage", m, mape)
		}
	}
	if n := jsValue[int](ctx, t, `document.querySelectorAll('#backtest-points-table tbody tr[data-period]').length`); n != 6 {
		t.Errorf("backtest points: %d months, want 6", n)
	}

	// The waterfall reconciles as displayed.
	amount := func(flow string) float64 {
		t.Helper()
		sel := `#waterfall-table [data-flow="` + flow + `"][data-amount]`
		raw := jsValue[string](ctx, t, `document.querySelector('`+sel+`').dataset.amount`)
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			t.Fatalf("%s: data-amount %q: %v", flow, raw, err)
		}
		// The text shows the same amount (rounded, with its sign for flows).
		text := jsValue[string](ctx, t, `document.querySelector('`+sel+`').textContent`)
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, text)
		if shown, err := strconv.ParseFloat(digits, 64); err != nil || shown != math.Round(math.Abs(v)) {
			t.Errorf("%s: shows %q for %v", flow, text, v)
		}
		return v
	}
	start, end := amount("start"), amount("end")
	sum := start + amount("created") + amount("pulled_in") - amount("won") - amount("lost") - amount("slipped_out") + amount("amount_change")
	if math.Abs(sum-end) > 0.01 {
		t.Errorf("waterfall: start + flows = %.2f, end = %.2f", sum, end)
	}
	if start <= 0 {
		t.Errorf("waterfall start %v: want the demo's open pipeline", start)
	}
	from := jsValue[string](ctx, t, `document.getElementById('from').value`)
	to := jsValue[string](ctx, t, `document.getElementById('to').value`)
	if from == "" || to == "" || from > to {
		t.Errorf("default window %q – %q", from, to)
	}

	// Stuck deals, largest first.
	amounts := jsValue[[]string](ctx, t, `[...document.querySelectorAll('#stuck-table tbody tr[data-opportunity] [data-role="amount"]')].map(td => td.textContent.replace(/[^0-9]/g, ''))`)
	for i := 1; i < len(amounts); i++ {
		a, _ := strconv.Atoi(amounts[i-1])
		b, _ := strconv.Atoi(amounts[i])
		if b > a {
			t.Errorf("stuck deals not largest first: %q", amounts)
			break
		}
	}

	// A manager's call for the first forecast month, submitted through the form,
	// shows in the forecast table (formatted as fmtValue formats currency).
	if got := jsValue[string](ctx, t, `document.getElementById('call-period').value`); got != months[0] {
		t.Errorf("call form month %q, want the first forecast month %q", got, months[0])
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#call-period`), months[0]),
		chromedp.SetValue(chromedp.CSS(`#call-amount`), "1234567"),
		chromedp.SetValue(chromedp.CSS(`#call-note`), "two renewals at risk"),
		chromedp.SetValue(chromedp.CSS(`#call-user`), "dana"),
		chromedp.Click(chromedp.CSS(`#call-submit`)),
	); err != nil {
		t.Fatal(err)
	}
	want := jsValue[string](ctx, t, `new Intl.NumberFormat(undefined, {maximumFractionDigits: 0}).format(1234567)`)
	waitJS(ctx, t, "call in the forecast table", `(() => {
		const td = document.querySelector('#forecast-table tbody tr[data-period] td[data-role="call"]');
		return td !== null && td.textContent.includes(`+strconv.Quote(want)+`);
	})()`)
	if p := jsValue[string](ctx, t, `document.querySelector('#forecast-table tbody td[data-role="call"]').closest('tr').dataset.period`); p != months[0] {
		t.Errorf("call shown for %q, want %q", p, months[0])
	}
	textOf(ctx, t, `#forecast-table tbody td[data-role="call"]`, func(s string) bool { return strings.Contains(s, "by dana") })
	if out := jsValue[string](ctx, t, `document.getElementById('call-result').dataset.outcome || ''`); out != "ok" {
		t.Errorf("call result outcome %q, want ok", out)
	}
	if n := jsValue[int](ctx, t, `[...document.querySelectorAll('#forecast-table tbody td[data-role="call"]')].filter(td => td.textContent.trim() === '—').length`); n != len(months)-1 {
		t.Errorf("%d months without a call show —, want %d", n, len(months)-1)
	}
	if got := jsValue[string](ctx, t, `localStorage.getItem('salesops.forecast.user') || ''`); got != "dana" {
		t.Errorf("remembered user %q, want dana", got)
	}

	// An invalid call is refused with the API's message.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#call-amount`), "-5"),
		chromedp.Click(chromedp.CSS(`#call-submit`)),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(ctx, t, "invalid call", `document.querySelector('#call-result[data-outcome="invalid"]') !== null`)

	// Backtests by team for the whole organisation: a recommended method per team.
	waitJS(ctx, t, "team backtests", `document.querySelectorAll('#team-backtests tbody tr[data-team] [data-role="recommended"]').length > 0`)
	if hidden := jsValue[bool](ctx, t, `document.getElementById('team-backtests-section').hidden`); hidden {
		t.Error("team backtests hidden for the whole organisation")
	}

	// Controls go to the URL and reload the forecast.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#months`), "5")); err != nil {
		t.Fatal(err)
	}
	jsValue[bool](ctx, t, `document.getElementById('months').dispatchEvent(new Event('change', {bubbles: true}))`)
	waitJS(ctx, t, "five months", `document.querySelectorAll('#forecast-table tbody tr[data-period]').length === 5`)
	if loc := jsValue[string](ctx, t, `location.search`); !strings.Contains(loc, "months=5") {
		t.Errorf("URL %q lacks months=5", loc)
	}
	if status := jsValue[string](ctx, t, `document.getElementById('status').dataset.kind || ''`); status == "error" {
		t.Errorf("status: %s", jsValue[string](ctx, t, `document.getElementById('status').textContent`))
	}
}

// TestScreenshotForecast saves docs/screenshots/forecast.png, and checks that
// the page fits a 375 px phone without sideways scrolling.
func TestScreenshotForecast(t *testing.T) {
	screenshotPage(t, forecastDemo(t), "/forecast", "forecast", 1500*time.Millisecond, waitForecastPage)
}
