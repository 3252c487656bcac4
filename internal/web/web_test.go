package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func newHandler(t *testing.T, opts Options) http.Handler {
	t.Helper()
	h, err := Handler(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type response struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, h http.Handler, method, target string, header ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Result().Header, rec.Body.String()}
}

// checkPage checks the landmarks every page shares.
func checkPage(t *testing.T, r response, path string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	for _, want := range []string{
		`<!doctype html>`,
		`<html lang="en">`,
		`<meta name="viewport"`,
		`<a class="skip-link" href="#main">`,
		`<nav aria-label="Main"`,
		`<main id="main"`,
		`</main>`,
		`<a href="/explore"`,
		`<a href="/team"`,
		`<a href="/pipeline"`,
		`<a href="/forecast"`,
		`<a href="/goals"`,
		`<a href="/import"`,
		`id="status"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("%s: page lacks %q", path, want)
		}
	}
	if strings.Count(r.body, "<main") != 1 {
		t.Errorf("%s: want exactly one <main>", path)
	}
	if r.header.Get("Content-Security-Policy") == "" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: security headers missing: %v", path, r.header)
	}
}

func TestPages(t *testing.T) {
	h := newHandler(t, Options{})
	for _, p := range pages {
		r := get(t, h, "GET", p.Path)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", p.Path, r.status, r.body)
		}
		checkPage(t, r, p.Path)
		if want := `<a href="` + p.Path + `" aria-current="page">`; !strings.Contains(r.body, want) {
			t.Errorf("%s: nav does not mark the current page (%s)", p.Path, want)
		}
		if strings.Count(r.body, `aria-current="page"`) != 1 {
			t.Errorf("%s: want one current nav link", p.Path)
		}
		if !regexp.MustCompile(`<script type="module" src="/static/v[0-9a-f]+/js/` + p.ID + `\.js"></script>`).MatchString(r.body) {
			t.Errorf("%s: no module script for %s", p.Path, p.ID)
		}
		if !strings.Contains(r.body, "<title>"+p.Heading+" · salesops</title>") {
			t.Errorf("%s: title missing", p.Path)
		}
		if r.header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: Cache-Control %q", p.Path, r.header.Get("Cache-Control"))
		}

		head := get(t, h, "HEAD", p.Path)
		if head.status != http.StatusOK || head.body != "" {
			t.Errorf("HEAD %s: %d, %d bytes", p.Path, head.status, len(head.body))
		}
		post := get(t, h, "POST", p.Path)
		if post.status != http.StatusMethodNotAllowed || post.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %d Allow=%q", p.Path, post.status, post.header.Get("Allow"))
		}
	}
}

// TestPageControls checks the ids and data attributes that the page scripts
// and the browser tests rely on.
func TestPageControls(t *testing.T) {
	h := newHandler(t, Options{})
	want := map[string][]string{
		"/":         {`id="scope"`, `id="period"`, `id="tiles"`, `<label for="scope">`, `<label for="period">`},
		"/explore":  {`id="kpi"`, `id="by"`, `id="from"`, `id="to"`, `id="chart-box"`, `id="values-table"`, `id="drill"`, `<label for="kpi">`, `<label for="from">`},
		"/team":     {`id="team"`, `id="leaderboard"`, `id="scorecard"`, `id="column-choices"`, `<label for="team">`},
		"/pipeline": {`id="trend-chart"`, `id="funnel-chart"`, `id="funnel-table"`, `id="pipeline-tiles"`, `<label for="team">`},
		"/forecast": {`id="scope"`, `<label for="scope">`, `id="months"`, `<label for="months">`, `min="1" max="12"`, `id="backtest"`, `<label for="backtest">`, `min="0" max="24"`, `id="team"`, `<label for="team">`, `<label for="from">`, `<label for="to">`, `id="forecast-chart"`, `id="forecast-table"`, `id="backtest-table"`, `id="backtest-chart"`, `id="backtest-points-table"`, `id="waterfall-chart"`, `id="waterfall-table"`, `id="stages-chart"`, `id="stages-table"`, `id="stuck-table"`},
		"/goals":    {`id="at"`, `<label for="at">`, `id="goal-tree"`, `id="goals-empty"`, `salesops goals apply goals.yaml`, `PUT /api/v1/goals`, `id="projection-chart"`, `id="projection-table"`, `id="smart-table"`, `id="findings"`, `id="quota-table"`},
		"/import":   {`id="file"`, `name="file"`, `multiple`, `accept=".csv,text/csv"`, `id="problems"`, `id="merged"`, `<label for="file">`, `enctype="multipart/form-data"`},
	}
	for path, ws := range want {
		body := get(t, h, "GET", path).body
		for _, w := range ws {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %s", path, w)
			}
		}
	}
}

// TestGoalsPage: the goals page is served, sits in the nav right after
// Pipeline, loads the chart library and links nowhere outside the app.
func TestGoalsPage(t *testing.T) {
	h := newHandler(t, Options{})
	r := get(t, h, "GET", "/goals")
	if r.status != http.StatusOK {
		t.Fatalf("GET /goals: %d\n%s", r.status, r.body)
	}
	checkPage(t, r, "/goals")
	if !strings.Contains(r.body, `<a href="/goals" aria-current="page">Goals</a>`) {
		t.Error("/goals: nav does not mark Goals current")
	}
	pipeline, goals, imp := strings.Index(r.body, `<a href="/pipeline"`), strings.Index(r.body, `<a href="/goals"`), strings.Index(r.body, `<a href="/import"`)
	if !(pipeline < goals && goals < imp) {
		t.Errorf("nav order: pipeline %d, goals %d, import %d; want Goals after Pipeline", pipeline, goals, imp)
	}
	for _, p := range pages {
		if p.Path == "/goals" {
			continue
		}
		if body := get(t, h, "GET", p.Path).body; !strings.Contains(body, `<a href="/goals">Goals</a>`) {
			t.Errorf("%s: nav lacks the Goals link", p.Path)
		}
	}
	if regexp.MustCompile(`href="(https?:)?//`).MatchString(r.body) {
		t.Error("/goals links outside the app")
	}
	if r := get(t, h, "GET", "/static/js/goals.js"); r.status != http.StatusOK || !strings.Contains(r.body, "DOM hooks:") {
		t.Errorf("goals.js: %d", r.status)
	}
}

// TestForecastPage: the forecast page is served, sits in the nav right after
// Pipeline on every page, loads the chart library and its script.
func TestForecastPage(t *testing.T) {
	h := newHandler(t, Options{})
	r := get(t, h, "GET", "/forecast")
	if r.status != http.StatusOK {
		t.Fatalf("GET /forecast: %d\n%s", r.status, r.body)
	}
	checkPage(t, r, "/forecast")
	if !strings.Contains(r.body, `<a href="/forecast" aria-current="page">Forecast</a>`) {
		t.Error("/forecast: nav does not mark Forecast current")
	}
	if !strings.Contains(r.body, "<title>Forecast · salesops</title>") || !strings.Contains(r.body, "<h1>Forecast</h1>") {
		t.Error("/forecast: title or heading missing")
	}
	if !regexp.MustCompile(`<script type="module" src="/static/v[0-9a-f]+/js/forecast\.js"></script>`).MatchString(r.body) {
		t.Error("/forecast: no module script")
	}
	if _, err := fs.Stat(embedded, "static/"+echartsFile); err == nil && !strings.Contains(r.body, "vendor/echarts.min.js") {
		t.Error("/forecast: does not load the chart library")
	}
	for _, p := range pages {
		body := get(t, h, "GET", p.Path).body
		if p.Path != "/forecast" && !strings.Contains(body, `<a href="/forecast">Forecast</a>`) {
			t.Errorf("%s: nav lacks the Forecast link", p.Path)
		}
		pipeline, forecast, goals := strings.Index(body, `<a href="/pipeline"`), strings.Index(body, `<a href="/forecast"`), strings.Index(body, `<a href="/goals"`)
		if !(pipeline >= 0 && pipeline < forecast && forecast < goals) {
			t.Errorf("%s: nav order pipeline %d, forecast %d, goals %d; want Forecast right after Pipeline", p.Path, pipeline, forecast, goals)
		}
		if between := body[pipeline:max(pipeline, forecast)]; strings.Count(between, "<li>") != 1 {
			t.Errorf("%s: something sits between Pipeline and Forecast in the nav", p.Path)
		}
	}
	if regexp.MustCompile(`href="(https?:)?//`).MatchString(r.body) {
		t.Error("/forecast links outside the app")
	}
	if r := get(t, h, "GET", "/static/js/forecast.js"); r.status != http.StatusOK || !strings.Contains(r.body, "DOM hooks:") {
		t.Errorf("forecast.js: %d", r.status)
	}
	if r := get(t, h, "HEAD", "/forecast"); r.status != http.StatusOK {
		t.Errorf("HEAD /forecast: %d", r.status)
	}
}

func TestTitle(t *testing.T) {
	h := newHandler(t, Options{Title: `Acme <Ops>`})
	r := get(t, h, "GET", "/team")
	if !strings.Contains(r.body, `<a class="brand" href="/">Acme &lt;Ops&gt;</a>`) || !strings.Contains(r.body, "<title>Team leaderboard · Acme &lt;Ops&gt;</title>") {
		t.Errorf("title not shown escaped:\n%s", r.body)
	}
}

func TestNotFound(t *testing.T) {
	h := newHandler(t, Options{})
	for _, path := range []string{"/nope", "/explore/x", "/goals/", "/goals/q3_revenue", "/team/", "/index.html", "/static/", "/static/nope.js", "/static/js/", "/static/js/nope.js", "/static/../web.go", "/static/v0123abcd/nope.css", "/static/.hidden", "/api"} {
		r := get(t, h, "GET", path)
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
			continue
		}
		checkPage(t, r, path)
		if !strings.Contains(r.body, "Page not found") {
			t.Errorf("GET %s: not the not-found page", path)
		}
		if strings.Contains(r.body, `aria-current="page"`) {
			t.Errorf("GET %s: a nav link is marked current", path)
		}
	}
}

var assetRE = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

func TestStaticAssets(t *testing.T) {
	h := newHandler(t, Options{})
	seen := map[string]bool{}
	for _, p := range pages {
		for _, m := range assetRE.FindAllStringSubmatch(get(t, h, "GET", p.Path).body, -1) {
			seen[m[1]] = true
		}
	}
	if len(seen) < len(pages)+2 {
		t.Fatalf("pages reference only %v", seen)
	}
	for url := range seen {
		r := get(t, h, "GET", url)
		if r.status != http.StatusOK {
			t.Errorf("GET %s: %d", url, r.status)
			continue
		}
		if cc := r.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", url, cc)
		}
		etag := r.header.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]+"$`).MatchString(etag) {
			t.Errorf("GET %s: ETag %q", url, etag)
		}
		want := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}[filepath.Ext(url)]
		if ct := r.header.Get("Content-Type"); ct != want {
			t.Errorf("GET %s: Content-Type %q, want %q", url, ct, want)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", url)
		}
		if nm := get(t, h, "GET", url, "If-None-Match", etag); nm.status != http.StatusNotModified {
			t.Errorf("GET %s If-None-Match: %d", url, nm.status)
		}
	}

	// Unversioned and stale-version URLs revalidate.
	for _, url := range []string{"/static/css/app.css", "/static/v000000000000/css/app.css"} {
		r := get(t, h, "GET", url)
		if r.status != 200 || r.header.Get("Cache-Control") != "no-cache" || r.header.Get("ETag") == "" {
			t.Errorf("GET %s: %d %v", url, r.status, r.header)
		}
		if !strings.Contains(r.body, "--accent") {
			t.Errorf("GET %s: not the stylesheet", url)
		}
	}
	if r := get(t, h, "POST", "/static/css/app.css"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST static: %d", r.status)
	}
	if r := get(t, h, "GET", "/static/vendor/README.md"); r.status != 200 || r.header.Get("Content-Type") != "text/markdown; charset=utf-8" {
		t.Errorf("vendor README: %d %q", r.status, r.header.Get("Content-Type"))
	}
}

func TestStaticGzip(t *testing.T) {
	h := newHandler(t, Options{})
	plain := get(t, h, "GET", "/static/js/common.js")
	gz := get(t, h, "GET", "/static/js/common.js", "Accept-Encoding", "br;q=1, gzip;q=0.8")
	if gz.header.Get("Content-Encoding") != "gzip" || !strings.Contains(gz.header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("no gzip: %v", gz.header)
	}
	if gz.header.Get("ETag") == plain.header.Get("ETag") {
		t.Error("gzip and identity share an ETag")
	}
	zr, err := gzip.NewReader(strings.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || string(got) != plain.body {
		t.Errorf("gzip body differs from the plain one (%v)", err)
	}
	if r := get(t, h, "GET", "/static/js/common.js", "Accept-Encoding", "gzip;q=0"); r.header.Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused")
	}
	if r := get(t, h, "GET", "/static/img/favicon.svg", "Accept-Encoding", "gzip"); r.header.Get("Content-Encoding") != "" {
		t.Error("tiny file gzipped")
	}
}

func TestTemplatesParse(t *testing.T) {
	tmpl, err := parseTemplates(embedded, (&handler{}).funcs("abc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(pages, notFound) {
		if tmpl[p.ID] == nil || tmpl[p.ID].Lookup("layout") == nil || tmpl[p.ID].Lookup("content") == nil {
			t.Errorf("template %s incomplete", p.ID)
		}
	}
}

// TestScripts checks the page scripts: every relative import exists, each
// page script documents its DOM hooks, and nothing puts data into innerHTML.
func TestScripts(t *testing.T) {
	importRE := regexp.MustCompile(`from '(\./[^']+)'`)
	for _, p := range pages {
		name := "static/js/" + p.ID + ".js"
		src, err := fs.ReadFile(embedded, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasPrefix(string(src), "//") || !strings.Contains(string(src), "DOM hooks:") {
			t.Errorf("%s: no DOM hooks comment at the top", name)
		}
		for _, m := range importRE.FindAllStringSubmatch(string(src), -1) {
			if _, err := fs.Stat(embedded, "static/js/"+strings.TrimPrefix(m[1], "./")); err != nil {
				t.Errorf("%s imports %s: %v", name, m[1], err)
			}
		}
	}
	err := fs.WalkDir(embedded, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(name, "static/vendor/") {
			return err
		}
		src, err := fs.ReadFile(embedded, name)
		if err != nil {
			return err
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "http://", "https://", "@import", "url("} {
			if bytes.Contains(bytes.ReplaceAll(src, []byte(`"http://www.w3.org/`), nil), []byte(bad)) {
				t.Errorf("%s contains %q (no HTML from strings, no external requests)", name, bad)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the package's templates and static files to a temporary
// directory and returns it.
func copyTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(embedded, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, name), 0o755)
		}
		data, err := fs.ReadFile(embedded, name)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDevMode(t *testing.T) {
	dir := copyTree(t)
	h := newHandler(t, Options{Dev: true, Dir: dir})

	r := get(t, h, "GET", "/explore")
	if r.status != 200 || !strings.Contains(r.body, `src="/static/js/explore.js"`) || !strings.Contains(r.body, "dev mode") {
		t.Fatalf("dev page: %d\n%s", r.status, r.body)
	}
	checkPage(t, r, "/explore")

	// Edits on disk show without a restart.
	tmpl := filepath.Join(dir, "templates", "explore.html")
	src, _ := os.ReadFile(tmpl)
	if err := os.WriteFile(tmpl, bytes.Replace(src, []byte(`<section aria-labelledby="result-heading">`), []byte(`<p>edited on disk</p><section aria-labelledby="result-heading">`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := get(t, h, "GET", "/explore"); !strings.Contains(r.body, "edited on disk") {
		t.Error("dev mode did not re-read the template")
	}
	css := filepath.Join(dir, "static", "css", "app.css")
	if err := os.WriteFile(css, []byte("/* from disk */"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = get(t, h, "GET", "/static/css/app.css")
	if r.status != 200 || r.body != "/* from disk */" || r.header.Get("Cache-Control") != "no-cache" || r.header.Get("ETag") == "" {
		t.Errorf("dev static: %d %q %v", r.status, r.body, r.header)
	}

	// A broken template is a 500 in dev mode, not a crash.
	if err := os.WriteFile(tmpl, []byte(`{{define "content"}}{{.Nope`), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := get(t, h, "GET", "/explore"); r.status != http.StatusInternalServerError {
		t.Errorf("broken template: %d", r.status)
	}

	if _, err := Handler(Options{Dev: true, Dir: t.TempDir()}); err == nil {
		t.Error("dev mode accepted a directory without templates")
	}
}

func TestDevModeDefaultDir(t *testing.T) {
	h := newHandler(t, Options{Dev: true})
	if r := get(t, h, "GET", "/static/js/common.js"); r.status != 200 {
		t.Errorf("dev mode with the default directory: %d", r.status)
	}
}

// TestChartsNote: without the vendored ECharts file the pages say how to get
// charts and do not load it; with it they load it and say nothing.
func TestChartsNote(t *testing.T) {
	dir := copyTree(t)
	vendor := filepath.Join(dir, "static", "vendor", "echarts.min.js")
	_ = os.Remove(vendor)
	h := newHandler(t, Options{Dev: true, Dir: dir})
	for _, p := range pages {
		r := get(t, h, "GET", p.Path)
		if !p.Charts {
			if strings.Contains(r.body, `id="charts-note"`) || strings.Contains(r.body, "echarts.min.js") {
				t.Errorf("%s draws no chart but mentions them", p.Path)
			}
			continue
		}
		if !strings.Contains(r.body, `id="charts-note"`) || !strings.Contains(r.body, "make assets") || strings.Contains(r.body, "echarts.min.js") {
			t.Errorf("%s without echarts: note missing or script loaded", p.Path)
		}
		if !strings.Contains(r.body, `data-charts="off"`) {
			t.Errorf("%s: data-charts not off", p.Path)
		}
	}
	if err := os.WriteFile(vendor, []byte("window.echarts={};"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := get(t, h, "GET", "/")
	if strings.Contains(r.body, `id="charts-note"`) || !strings.Contains(r.body, `<script src="/static/vendor/echarts.min.js" defer></script>`) || !strings.Contains(r.body, `data-charts="on"`) {
		t.Errorf("with echarts: %s", r.body)
	}

	// The embedded build says the same as its files.
	_, err := fs.Stat(embedded, "static/"+echartsFile)
	has := err == nil
	body := get(t, newHandler(t, Options{}), "GET", "/").body
	if has != strings.Contains(body, "vendor/echarts.min.js") || has == strings.Contains(body, `id="charts-note"`) {
		t.Errorf("embedded build: echarts present=%v, page disagrees", has)
	}
	if _, err := fs.Stat(embedded, "static/vendor/README.md"); err != nil {
		t.Errorf("the vendor placeholder is not embedded: %v", err)
	}
}

func TestAssetVersionChanges(t *testing.T) {
	a, err := loadAssets(os.DirFS(filepath.Join(copyTree(t), "static")))
	if err != nil {
		t.Fatal(err)
	}
	dir := copyTree(t)
	if err := os.WriteFile(filepath.Join(dir, "static", "css", "app.css"), []byte("body{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := loadAssets(os.DirFS(filepath.Join(dir, "static")))
	if err != nil {
		t.Fatal(err)
	}
	if a.version == b.version {
		t.Error("asset version did not change with an asset")
	}
}
