package server

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/salesops/salesops/internal/demo"
)

// press sends a key to the element n times, as a person nudging a slider.
func press(ctx context.Context, t *testing.T, sel, key string, n int) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Focus(chromedp.CSS(sel))}
	for range n {
		steps = append(steps, chromedp.KeyEvent(key))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserTimeValueModel moves the value model's sliders and a category
// checkbox on the time page and checks the projected gain against values
// worked out by hand from the two-rep fixture (timeFixture):
//
//	R1: 10 h non-selling (travel 2 h of it), 800 per selling hour
//	R2: 10 h non-selling (no travel),        300 per selling hour
func TestBrowserTimeValueModel(t *testing.T) {
	base := startServer(t, timeFixture)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/time")); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `#nav a[aria-current="page"]`, is("Time"))

	// Defaults, 20% of all non-selling time: 10 × 0.2 × 800 + 10 × 0.2 × 300 = 1,600 + 600.
	textOf(ctx, t, `[data-role="projected-gain"]`, is("2,200"))
	textOf(ctx, t, `#model-table tbody tr[data-group="R1"] [data-role="rate"]`, is("800"))
	textOf(ctx, t, `#model-table tbody tr[data-group="R2"] [data-role="gain"]`, is("600"))
	// The allocation: R1 logged 30 h, 20 of them selling (66.7%); the scope 30 of 50 h (60.0%).
	textOf(ctx, t, `#category-table tbody tr[data-group="R1"] [data-category="selling"]`, is("66.7%"))
	textOf(ctx, t, `#time-tiles [data-kpi="selling_time_share"] [data-role="value"]`, is("60.0%"))
	// R1 in January: 600 selling of 960 minutes.
	textOf(ctx, t, `#trend-table tbody tr[data-group="R1"] [data-period="2026-01"]`, is("62.5%"))

	// Six steps of 5 to the right: 50%. 10 × 0.5 × 800 + 10 × 0.5 × 300 = 4,000 + 1,500.
	press(ctx, t, "#reduce", kb.ArrowRight, 6)
	textOf(ctx, t, `[data-role="reduce-value"]`, is("50%"))
	textOf(ctx, t, `[data-role="projected-gain"]`, is("5,500"))
	textOf(ctx, t, `#assumptions`, func(s string) bool { return strings.Contains(s, "falls by 50%") })

	// Travel no longer reduced: R1 (10 − 2) × 0.5 × 800 = 3,200; R2 1,500; together 4,700.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#category-choices input[data-category="travel"]`))); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `[data-role="projected-gain"]`, is("4,700"))
	textOf(ctx, t, `#assumptions`, func(s string) bool { return strings.Contains(s, "other non-selling time is unchanged") })

	// Productivity four steps of 0.05 down: 0.80. 4,700 × 0.8 = 3,760.
	press(ctx, t, "#productivity", kb.ArrowLeft, 4)
	textOf(ctx, t, `[data-role="productivity-value"]`, is("0.80×"))
	textOf(ctx, t, `[data-role="projected-gain"]`, is("3,760"))

	// Half of the freed time reclaimed (ten steps of 5 down): 3,760 × 0.5 = 1,880.
	press(ctx, t, "#reclaim", kb.ArrowLeft, 10)
	textOf(ctx, t, `[data-role="reclaim-value"]`, is("50%"))
	textOf(ctx, t, `[data-role="projected-gain"]`, is("1,880"))
	textOf(ctx, t, `#assumptions`, func(s string) bool { return strings.Contains(s, "the other 50% goes to other work or rest") })

	// The assumptions are in the URL, so the view can be shared.
	search := jsValue[string](ctx, t, `location.search`)
	for _, w := range []string{"reduce=50", "reclaim=50", "productivity=0.8", "categories="} {
		if !strings.Contains(search, w) {
			t.Errorf("URL %q lacks %s", search, w)
		}
	}
	if status := jsValue[string](ctx, t, `document.getElementById('status').dataset.kind || ''`); status == "error" {
		t.Errorf("status: %s", jsValue[string](ctx, t, `document.getElementById('status').textContent`))
	}

	// Reset: back to 2,200.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#model-reset`))); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `[data-role="projected-gain"]`, is("2,200"))
}

// TestScreenshotTime saves docs/screenshots/time.png from a demo organisation,
// and checks that the page fits a 375 px phone without sideways scrolling.
func TestScreenshotTime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "csv")
	if _, err := demo.Generate(context.Background(), dir, demo.Config{Seed: 1, Reps: 20, Months: 12}); err != nil {
		t.Fatal(err)
	}
	screenshotPage(t, startServer(t, dir), "/time?by=team&period=quarter", "time", 1500*time.Millisecond, func(ctx context.Context, t *testing.T) {
		waitJS(ctx, t, "value model", `document.getElementById('value').dataset.state === 'ready' && document.querySelectorAll('#category-table tbody tr[data-group]').length > 0`)
	})
}
