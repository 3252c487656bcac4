package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestCoachPage: the coaching page is served, sits in the nav between Time
// and Data quality on every page, and has the controls and hooks its script
// and the browser test rely on, each control with a label.
func TestCoachPage(t *testing.T) {
	h := newHandler(t, Options{})
	r := get(t, h, "GET", "/coach")
	if r.status != http.StatusOK {
		t.Fatalf("GET /coach: %d\n%s", r.status, r.body)
	}
	checkPage(t, r, "/coach")
	if !strings.Contains(r.body, `<a href="/coach" aria-current="page">Coaching</a>`) || !strings.Contains(r.body, "<h1>Coaching scorecards</h1>") {
		t.Error("/coach: nav or heading missing")
	}
	for _, p := range pages {
		body := get(t, h, "GET", p.Path).body
		tm, coach, dq := strings.Index(body, `<a href="/time"`), strings.Index(body, `<a href="/coach"`), strings.Index(body, `<a href="/quality"`)
		if !(tm >= 0 && tm < coach && coach < dq) {
			t.Errorf("%s: nav order time %d, coach %d, quality %d; want Coaching between Time and Data quality", p.Path, tm, coach, dq)
		}
	}
	for _, w := range []string{
		`id="team" name="team"`, `<label for="team">`, `id="rep" name="rep"`, `<label for="rep">`,
		`id="peers" name="peers"`, `<label for="peers">`, `<option value="team" selected>`, `<option value="org">`,
		`id="from" name="from" type="date"`, `<label for="from">`, `id="to" name="to" type="date"`, `<label for="to">`,
		`id="range-quarter"`, `id="range-year"`, `id="coach-period"`, `id="coach-empty"`,
		`id="team-view"`, `id="team-table"`, `id="team-notes"`,
		`id="scorecard"`, `id="scorecard-heading" tabindex="-1"`, `id="verdict-summary"`, `id="focus"`, `id="focus-empty"`,
		`id="show" name="show"`, `<label for="show">`, `id="kpi-table"`, `id="scorecard-notes"`,
		`data-role="loading"`, `data-role="error"`, `data-role="empty"`,
	} {
		if !strings.Contains(r.body, w) {
			t.Errorf("/coach lacks %s", w)
		}
	}
	// Coaching draws no charts: the chart library is not loaded.
	if strings.Contains(r.body, "echarts") {
		t.Error("/coach loads the chart library")
	}
	if regexp.MustCompile(`<script>|<style|\sstyle="|\son[a-z]+="`).MatchString(r.body) {
		t.Error("/coach has an inline script, style or handler (the CSP forbids them)")
	}
	if r := get(t, h, "GET", "/static/js/coach.js"); r.status != http.StatusOK || !strings.Contains(r.body, "DOM hooks:") {
		t.Errorf("coach.js: %d", r.status)
	}
}
