package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
	"github.com/salesops/salesops/internal/web"
)

// startServer imports the CSV files in dir and serves the dashboard and API on
// a loopback port.
func startServer(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "b.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := ingest.Import(ctx, st, []string{dir}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.Handler(web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(ctx, Config{Store: st, Engine: eng, Pages: pages, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// browser starts Debian's headless chromium. Without it the test skips on a
// developer's machine and fails in CI, where .ci/run installs it.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI: %v", err)
		}
		t.Skipf("chromium not installed (apt-get install chromium): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// textOf waits until the element's text satisfies ok and returns it.
func textOf(ctx context.Context, t *testing.T, sel string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var text string
	for time.Now().Before(deadline) {
		nodes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
		if err != nil {
			t.Fatal(err)
		}
		if nodes > 0 {
			text, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(sel)+`).textContent`))
			if err != nil {
				t.Fatal(err)
			}
			if ok(text) {
				return text
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: text %q never matched", sel, text)
	return ""
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func is(want string) func(string) bool {
	return func(s string) bool { return strings.TrimSpace(s) == want }
}

func TestBrowserOverviewTilesAndLiveUpdate(t *testing.T) {
	base := startServer(t, writeFiles(t, orgFiles))
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?scope=org&period=quarter")); err != nil {
		t.Fatal(err)
	}
	// The last quarter with data is 2026-Q2: O2 3000 + O4 2000 won = 5,000;
	// 2 won of 3 closed (O3 lost) = 66.7%.
	textOf(ctx, t, `[data-kpi="revenue"] [data-role="value"]`, is("5,000"))
	textOf(ctx, t, `[data-kpi="win_rate"] [data-role="value"]`, is("66.7%"))

	// O5 is won in May for 800: without a reload the tile shows 5,800 and the
	// win rate 3 of 4 = 75.0%.
	body := `{"entity":"opportunities","records":[{"opportunity_id":"O5","owner_rep_id":"R3","stage":"closed won","status":"won","amount":800,"created_at":"2026-04-01","close_date":"2026-05-20"}]}`
	resp, err := http.Post(base+"/api/v1/events", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("event: %d", resp.StatusCode)
	}
	textOf(ctx, t, `[data-kpi="revenue"] [data-role="value"]`, is("5,800"))
	textOf(ctx, t, `[data-kpi="win_rate"] [data-role="value"]`, is("75.0%"))
}

func TestBrowserExplorerDrillDown(t *testing.T) {
	base := startServer(t, writeFiles(t, orgFiles))
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/explore?kpi=revenue&period=quarter")); err != nil {
		t.Fatal(err)
	}
	textOf(ctx, t, `#values-table tbody tr[data-period="2026-Q2"] [data-role="value"]`, is("5,000"))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#values-table tbody tr[data-period="2026-Q2"]`))); err != nil {
		t.Fatal(err)
	}
	// Revenue in 2026-Q2 is made of the two deals won then: O2 and O4.
	textOf(ctx, t, `#drill .measure[data-measure="won_amount"] [data-role="count"]`, func(s string) bool { return strings.Contains(s, "2") })
	records := textOf(ctx, t, `#drill .measure[data-measure="won_amount"] table`, func(s string) bool { return strings.Contains(s, "O4") })
	if !strings.Contains(records, "O2") || strings.Contains(records, "O1") {
		t.Errorf("drill-down records: %s", records)
	}
}

func TestBrowserImportShowsEveryProblem(t *testing.T) {
	base := startServer(t, writeFiles(t, orgFiles))
	ctx := browser(t, 1280, 900)
	bad := filepath.Join(t.TempDir(), "opportunities.csv")
	os.WriteFile(bad, []byte("opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\n"+
		"O9,R1,won,won,12x,2026-01-05,2026-02-10\n"+
		"O10,R1,won,maybe,5,2026-01-05,2026-02-10\n"), 0o644)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/import"),
		chromedp.WaitVisible(chromedp.CSS(`#file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{bad}),
		chromedp.Click(chromedp.CSS(`#upload`)),
		chromedp.WaitVisible(chromedp.CSS(`#problems li[data-role="problem"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#problems li[data-role="problem"]')].map(li => li.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"opportunities.csv:2: amount:", "opportunities.csv:3: status:"}
	if len(problems) != len(want) {
		t.Fatalf("problems %q, want %d", problems, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i], w) {
			t.Errorf("problem %d = %q, want it to start with %q", i, problems[i], w)
		}
	}
}

// TestScreenshots saves a picture of every page, on a demo organisation, into
// docs/screenshots for the README.
func TestScreenshots(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "csv")
	if _, err := demo.Generate(context.Background(), dir, demo.Config{Seed: 1, Reps: 40, Months: 24}); err != nil {
		t.Fatal(err)
	}
	base := startServer(t, dir)
	out := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	shots := []struct {
		name, path, ready string
		width, height     int
	}{
		{"overview", "/?scope=org&period=quarter", `[data-kpi="revenue"] [data-role="value"]`, 1280, 900},
		{"explore", "/explore?kpi=revenue&period=month&by=segment", `#values-table tbody tr`, 1280, 900},
		{"team", "/team?team=T002", `table tbody tr`, 1280, 900},
		{"pipeline", "/pipeline", `main`, 1280, 900},
		{"import", "/import", `#file`, 1280, 700},
		{"overview-phone", "/?scope=org&period=quarter", `[data-kpi="revenue"] [data-role="value"]`, 390, 844},
	}
	for _, s := range shots {
		t.Run(s.name, func(t *testing.T) {
			ctx := browser(t, s.width, s.height)
			err := chromedp.Do(ctx,
				chromedp.EmulateViewport(int64(s.width), int64(s.height)),
				chromedp.Navigate(base+s.path),
				chromedp.WaitVisible(chromedp.CSS(s.ready)),
				chromedp.Sleep(1500*time.Millisecond), // charts animate in
			)
			if err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, s.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// screenshotPage opens base+path at a desktop width and at a 375 px phone
// width, waits for ready (which may also arrange the page), lets charts
// settle for settle, checks that neither width scrolls sideways, and saves the
// desktop view as docs/screenshots/NAME.png.
func screenshotPage(t *testing.T, base, path, name string, settle time.Duration, ready func(ctx context.Context, t *testing.T)) {
	t.Helper()
	out := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name          string
		width, height int
	}{{name, 1280, 900}, {"", 375, 812}} {
		ctx := browser(t, s.width, s.height)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(s.width), int64(s.height)), chromedp.Navigate(base+path)); err != nil {
			t.Fatal(err)
		}
		ready(ctx, t)
		if err := chromedp.Do(ctx, chromedp.Sleep(settle)); err != nil {
			t.Fatal(err)
		}
		if w := jsValue[int](ctx, t, `document.documentElement.scrollWidth`); w > s.width {
			t.Errorf("%s at %d px wide: the page scrolls sideways (%d px)", path, s.width, w)
		}
		if s.name == "" {
			continue
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, s.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
