package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestTimePage: the time page is served, sits in the nav between Goals and
// Import on every page, and has the controls its script and the browser test
// rely on, each with a label.
func TestTimePage(t *testing.T) {
	h := newHandler(t, Options{})
	r := get(t, h, "GET", "/time")
	if r.status != http.StatusOK {
		t.Fatalf("GET /time: %d\n%s", r.status, r.body)
	}
	checkPage(t, r, "/time")
	if !strings.Contains(r.body, `<a href="/time" aria-current="page">Time</a>`) || !strings.Contains(r.body, "<h1>Time allocation</h1>") {
		t.Error("/time: nav or heading missing")
	}
	for _, p := range pages {
		body := get(t, h, "GET", p.Path).body
		goals, tm, imp := strings.Index(body, `<a href="/goals"`), strings.Index(body, `<a href="/time"`), strings.Index(body, `<a href="/import"`)
		if !(goals >= 0 && goals < tm && tm < imp) {
			t.Errorf("%s: nav order goals %d, time %d, import %d; want Time between Goals and Import", p.Path, goals, tm, imp)
		}
	}
	for _, w := range []string{
		`id="team"`, `<label for="team">`, `id="by"`, `<label for="by">`, `id="period"`, `<label for="period">`,
		`<label for="from">`, `<label for="to">`,
		`<label for="reduce">`, `id="reduce" name="reduce" type="range" min="0" max="100" step="5" value="20"`,
		`<label for="reclaim">`, `id="reclaim" name="reclaim" type="range" min="0" max="100" step="5" value="100"`,
		`<label for="productivity">`, `id="productivity" name="productivity" type="range" min="0" max="2" step="0.05" value="1"`,
		`data-role="reduce-value"`, `data-role="reclaim-value"`, `data-role="productivity-value"`,
		`id="category-choices"`, `<legend>`, `id="model-reset"`,
		`data-role="projected-gain"`, `id="assumptions"`, `id="model-table"`,
		`id="period-chart"`, `id="group-chart"`, `id="trend-chart"`, `id="category-table"`, `id="trend-table"`, `id="time-tiles"`,
	} {
		if !strings.Contains(r.body, w) {
			t.Errorf("/time lacks %s", w)
		}
	}
	if regexp.MustCompile(`<script>|\son[a-z]+="`).MatchString(r.body) {
		t.Error("/time has an inline script or handler (the CSP forbids them)")
	}
	if r := get(t, h, "GET", "/static/js/time.js"); r.status != http.StatusOK || !strings.Contains(r.body, "DOM hooks:") {
		t.Errorf("time.js: %d", r.status)
	}
}
