package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestQualityPage: the data-quality page is served, sits in the nav between
// Coaching and Import on every page, loads the chart library, and has the
// controls and hooks its script and the browser test rely on.
func TestQualityPage(t *testing.T) {
	h := newHandler(t, Options{})
	r := get(t, h, "GET", "/quality")
	if r.status != http.StatusOK {
		t.Fatalf("GET /quality: %d\n%s", r.status, r.body)
	}
	checkPage(t, r, "/quality")
	if !strings.Contains(r.body, `<a href="/quality" aria-current="page">Data quality</a>`) || !strings.Contains(r.body, "<h1>CRM data quality</h1>") {
		t.Error("/quality: nav or heading missing")
	}
	for _, p := range pages {
		body := get(t, h, "GET", p.Path).body
		coach, dq, imp := strings.Index(body, `<a href="/coach"`), strings.Index(body, `<a href="/quality"`), strings.Index(body, `<a href="/import"`)
		if !(coach >= 0 && coach < dq && dq < imp) {
			t.Errorf("%s: nav order coach %d, quality %d, import %d; want Data quality between Coaching and Import", p.Path, coach, dq, imp)
		}
	}
	for _, w := range []string{
		`id="record_type" name="record_type"`, `<label for="record_type">`,
		`<option value="opportunity">`, `<option value="lead">`, `<option value="account">`, `<option value="activity">`, `<option value="stage_history">`,
		`id="rule" name="rule"`, `<label for="rule">`, `id="team" name="team"`, `<label for="team">`, `id="rep" name="rep"`, `<label for="rep">`,
		`id="from" name="from" type="date"`, `<label for="from">`, `id="to" name="to" type="date"`, `<label for="to">`,
		`id="by" name="by"`, `<label for="by">`, `<option value="record_type" selected>`, `<option value="rep">`, `<option value="team">`,
		`id="scores"`, `id="quality-tiles"`, `id="group-chart"`, `id="group-table"`, `id="trend-chart"`, `id="trend-table"`, `id="rules-table"`,
		`id="failures"`, `id="failures-table"`, `id="failures-count"`, `id="failures-more"`, `id="limit" name="limit"`, `<label for="limit">`,
		`id="csv-link"`, `Download CSV for clean-up`, `href="/api/v1/quality/failures?format=csv"`,
		`data-role="loading"`, `data-role="error"`, `data-role="empty"`,
	} {
		if !strings.Contains(r.body, w) {
			t.Errorf("/quality lacks %s", w)
		}
	}
	if !regexp.MustCompile(`<script src="/static/v[0-9a-f]+/vendor/echarts\.min\.js" defer></script>`).MatchString(r.body) && strings.Contains(r.body, `data-charts="on"`) {
		t.Error("/quality: charts on but the chart library is not loaded")
	}
	if regexp.MustCompile(`<script>|<style|\sstyle="|\son[a-z]+="`).MatchString(r.body) {
		t.Error("/quality has an inline script, style or handler (the CSP forbids them)")
	}
	if r := get(t, h, "GET", "/static/js/quality.js"); r.status != http.StatusOK || !strings.Contains(r.body, "DOM hooks:") {
		t.Errorf("quality.js: %d", r.status)
	}
}
