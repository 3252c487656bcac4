package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/alerts"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/notify"
	"github.com/salesops/salesops/internal/store"
)

// TestAlertsAfterDataChange: an upload that makes a rule hold reaches the
// webhook without anyone asking, once; the history and a manual check agree.
func TestAlertsAfterDataChange(t *testing.T) {
	const secret = "server-test-webhook-secret-123"
	var mu sync.Mutex
	var got []alerts.Payload
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.Verify(secret, r.Header.Get("X-Salesops-Signature"), body, time.Now(), time.Minute); err != nil {
			t.Errorf("signature: %v", err)
		}
		var p alerts.Payload
		json.Unmarshal(body, &p)
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	}))
	defer hook.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "al.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := alerts.Parse("alerts.yaml", []byte(`
channels:
  - {name: hook, type: webhook, url: "`+hook.URL+`?token=abc", secret: "`+secret+`"}
rules:
  - {id: big-month, kpi: revenue, period: month, condition: above, value: 2500, channels: [hook]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(eng.Catalog()); err != nil {
		t.Fatal(err)
	}
	checker := &alerts.Checker{Eng: eng, Store: st, File: f}
	srv, err := New(ctx, Config{Store: st, Engine: eng, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Alerts: checker, AlertsEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tsw := &testServer{Server: ts, srv: srv, st: st}
	// orgFiles: the data ends on 2026-05-15, so April is the last month it
	// covers to its end: O2 3,000 won > 2,500.
	if resp := tsw.upload(t, orgFiles); resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	if len(got) != 1 || got[0].Rule != "big-month" || got[0].Period != "2026-04" || *got[0].Value != 3000 {
		t.Errorf("webhook received %+v", got)
	}
	mu.Unlock()

	resp, err := http.Post(ts.URL+"/api/v1/alerts/check", "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	var res alerts.Result
	decode(t, resp, &res)
	if res.Holding != 1 || len(res.Fired) != 0 {
		t.Errorf("manual check %+v", res)
	}
	var hist struct{ Alerts []alerts.Event }
	tsw.getJSON(t, "/api/v1/alerts", http.StatusOK, &hist)
	if len(hist.Alerts) != 1 || len(hist.Alerts[0].Deliveries) != 1 || !hist.Alerts[0].Deliveries[0].Delivered {
		t.Errorf("history %+v", hist)
	}
	var rules map[string]json.RawMessage
	tsw.getJSON(t, "/api/v1/alerts/rules", http.StatusOK, &rules)
	if s := string(rules["channels"]); strings.Contains(s, secret) || strings.Contains(s, "abc") || !strings.Contains(s, "********") {
		t.Errorf("channels not redacted: %s", s)
	}
	var e struct{ Error struct{ Param string } }
	tsw.getJSON(t, "/api/v1/alerts?limit=0", http.StatusBadRequest, &e)
	if e.Error.Param != "limit" {
		t.Errorf("param %q", e.Error.Param)
	}
	mu.Lock()
	if len(got) != 1 {
		t.Errorf("the alert was sent %d times", len(got))
	}
	mu.Unlock()
}
