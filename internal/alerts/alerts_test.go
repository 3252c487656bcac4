package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/notify"
	"github.com/salesops/salesops/internal/store"
)

const secret = "a-webhook-secret-of-enough-length"

// receiver is a local webhook endpoint: it verifies every signature and
// answers the queued statuses first, 200 after.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []Payload
	requests int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.requests++
		if err := notify.Verify(secret, r.Header.Get("X-Salesops-Signature"), body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("signature: %v", err)
		}
		if len(rc.statuses) > 0 {
			s := rc.statuses[0]
			rc.statuses = rc.statuses[1:]
			w.WriteHeader(s)
			return
		}
		var p Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("payload: %v", err)
		}
		rc.got = append(rc.got, p)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) payloads() []Payload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Payload(nil), rc.got...)
}

// org: revenue 1,000 a month January–May 2026, 400 in June; an open deal of
// amount 0 created in June (a data-quality failure).
func org(t *testing.T) (*kpi.Engine, *store.DuckStore) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "a.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	deals := []string{}
	for m := 1; m <= 6; m++ {
		amount := 1000
		if m == 6 {
			amount = 400
		}
		// Closed on the 20th; June's on the 30th, so the data covers June to its end.
		day := 20
		if m == 6 {
			day = 30
		}
		deals = append(deals, fmt.Sprintf("('W%d', 'R1', 'closed_won', 'won', %d, '2026-%02d-01', '2026-%02d-%02d')", m, amount, m, m, day))
	}
	deals = append(deals, "('Z1', 'R1', 'proposal', 'open', 0, '2026-06-05', '2026-06-28')")
	for _, q := range []string{
		`INSERT INTO teams VALUES ('T1', 'Sales', NULL, 'EMEA')`,
		`INSERT INTO reps VALUES ('R1', 'Ann', NULL, 'T1', 'ae', NULL, NULL)`,
		`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES ` + strings.Join(deals, ", "),
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return eng, st
}

func rulesFile(t *testing.T, eng *kpi.Engine, text string) *File {
	t.Helper()
	f, err := Parse("alerts.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(eng.Catalog()); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCheckFiresDeduplicatesAndResolves(t *testing.T) {
	eng, st := org(t)
	rc := newReceiver(t)
	t.Setenv("TEST_ALERT_SECRET", secret)
	f := rulesFile(t, eng, `
channels:
  - name: hook
    type: webhook
    url: `+rc.URL+`
    secret: ${TEST_ALERT_SECRET}
rules:
  - id: revenue-drop
    description: revenue down more than 20% on the month before
    kpi: revenue
    condition: change_below
    value: -0.2
    channels: [hook]
  - id: revenue-high
    kpi: revenue
    condition: above
    value: 5000
    channels: [hook]
  - id: hygiene
    condition: quality_below
    value: 0.99
    channels: [hook]
`)
	now := time.Date(2026, 7, 10, 9, 0, 0, 0, time.UTC)
	c := &Checker{Eng: eng, Store: st, File: f, Now: func() time.Time { return now }}
	ctx := context.Background()
	res, err := c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// June against May: (400 − 1,000) / 1,000 = −60% < −20%: fires. 400 is not
	// above 5,000. June's deals (W6 and Z1, amount 0) are not all clean: fires.
	if len(res.Fired) != 2 || len(res.Errors) != 0 {
		t.Fatalf("fired %+v errors %v", res.Fired, res.Errors)
	}
	drop := res.Fired[0]
	if drop.Rule != "revenue-drop" || drop.Period != "2026-06" || drop.Value == nil || *drop.Value != -0.6 ||
		!strings.Contains(drop.Message, "Revenue 2026-06: 400, -60.0% on 2026-05 (1,000)") {
		t.Errorf("drop %+v", drop)
	}
	if len(drop.Deliveries) != 1 || !drop.Deliveries[0].Delivered {
		t.Errorf("deliveries %+v", drop.Deliveries)
	}
	got := rc.payloads()
	if len(got) != 2 || got[0].ID != drop.ID || got[0].Rule != "revenue-drop" || got[0].Condition != ChangeBelow || *got[0].Threshold != -0.2 {
		t.Errorf("received %+v", got)
	}

	// Nothing new: nothing sent again.
	res, err = c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fired) != 0 || res.Holding != 2 || len(rc.payloads()) != 2 {
		t.Errorf("second check fired %+v (holding %d), receiver has %d", res.Fired, res.Holding, len(rc.payloads()))
	}

	// A late June win of 800: June is 1,200, +20% on May: the drop clears.
	if _, err := st.DB().Exec(`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date)
		VALUES ('W7', 'R1', 'closed_won', 'won', 800, '2026-06-02', '2026-06-25')`); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	res, err = c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Resolved) != 1 || res.Resolved[0].Rule != "revenue-drop" || len(res.Fired) != 0 {
		t.Errorf("third check resolved %+v fired %+v", res.Resolved, res.Fired)
	}
	hist, err := History(ctx, st, HistoryQuery{Resolved: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 {
		t.Fatalf("history %+v", hist)
	}
	for _, ev := range hist {
		resolved := ev.ResolvedAt != nil
		if resolved != (ev.Rule == "revenue-drop") || len(ev.Deliveries) != 1 || !ev.Deliveries[0].Delivered {
			t.Errorf("history event %+v", ev)
		}
	}
	open, err := History(ctx, st, HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].Rule != "hygiene" {
		t.Errorf("open events %+v", open)
	}
}

func TestFailedDeliveryIsRetriedOnTheNextCheck(t *testing.T) {
	eng, st := org(t)
	// Down for the first check's two attempts, up after.
	rc := newReceiver(t, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	f := rulesFile(t, eng, `
channels:
  - {name: hook, type: webhook, url: "`+rc.URL+`", secret: "`+secret+`"}
rules:
  - {id: low, kpi: revenue, condition: below, value: 500, channels: [hook]}
`)
	fast := &notify.Webhook{URL: rc.URL, Secret: secret, MaxAttempts: 2, Sleep: func(context.Context, time.Duration) error { return nil }}
	c := &Checker{Eng: eng, Store: st, File: f, Notifiers: map[string]notify.Notifier{"hook": fast},
		Now: func() time.Time { return time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC) }}
	res, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fired) != 1 {
		t.Fatalf("fired %+v", res.Fired)
	}
	d := res.Fired[0].Deliveries[0]
	if d.Delivered || d.Permanent || d.Attempts != 2 || !strings.Contains(d.Error, "503") {
		t.Errorf("first delivery %+v", d)
	}
	res, err = c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fired) != 0 || len(res.Retried) != 1 {
		t.Fatalf("second check fired %+v retried %+v", res.Fired, res.Retried)
	}
	if ds := res.Retried[0].Deliveries; len(ds) != 2 || !ds[1].Delivered {
		t.Errorf("after retry %+v", ds)
	}
	if got := rc.payloads(); len(got) != 1 || got[0].ID != res.Retried[0].ID {
		t.Errorf("received %+v", got)
	}
	// Delivered: a third check sends nothing.
	if res, err = c.Check(context.Background()); err != nil || len(res.Retried) != 0 {
		t.Errorf("third check retried %+v (%v)", res.Retried, err)
	}
	if rc.requests != 3 {
		t.Errorf("receiver saw %d requests, want 3", rc.requests)
	}
}

func TestGoalAtRiskAndAnomaly(t *testing.T) {
	eng, st := org(t)
	ctx := context.Background()
	gf, err := goals.Parse("goals.yaml", []byte(`
goals:
  - {id: q3-revenue, kpi: revenue, scope: org, period: 2026-Q3, target: 30000}
  - {id: h1-revenue, kpi: revenue, scope: org, period: 2026-Q1, target: 100}
`))
	if err != nil {
		t.Fatal(err)
	}
	org, err := goals.LoadOrg(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := gf.Validate(eng.Catalog(), eng.Calendar(), org); err != nil {
		t.Fatal(err)
	}
	if _, err := goals.Apply(ctx, st, gf, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	f := rulesFile(t, eng, `
channels:
  - {name: log, type: webhook, url: "http://127.0.0.1:1/unused"}
rules:
  - {id: goals, condition: goal_at_risk, channels: [log]}
  - {id: odd, kpi: revenue, condition: anomaly, side: any, channels: [log]}
`)
	c := &Checker{Eng: eng, Store: st, File: f, Notifiers: map[string]notify.Notifier{"log": rec},
		Now: func() time.Time { return time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC) }}
	res, err := c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Goals stand as of now, July 10, like 'goals status': Q3 has nothing of
	// 30,000 with 9 of 92 days gone — off track. The Q1 goal is over.
	// Six months of revenue are too few to judge an anomaly (no error either).
	if len(res.Errors) != 0 || len(res.Fired) != 1 || res.Fired[0].Subject != "goal:q3-revenue" ||
		!strings.Contains(res.Fired[0].Message, "is off track: 0 so far against a target of 30,000") {
		t.Fatalf("fired %+v errors %v", res.Fired, res.Errors)
	}
	if len(rec.got) != 1 || rec.got[0].ID != res.Fired[0].ID {
		t.Errorf("delivered %+v", rec.got)
	}
}

type recorder struct{ got []notify.Message }

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Send(_ context.Context, m notify.Message) error {
	r.got = append(r.got, m)
	return nil
}

func TestValidateReportsEveryProblem(t *testing.T) {
	eng, _ := org(t)
	f, err := Parse("bad.yaml", []byte(`
channels:
  - {name: hook, type: webhook, url: "ftp://example.com"}
  - {name: hook, type: email, smtp: "x:25", from: a@example.com, to: [b@example.com], password: "${NOT_SET_ANYWHERE_42}"}
rules:
  - {id: a, kpi: nope, condition: above, value: 1, channels: [hook]}
  - {id: a, kpi: revenue, condition: sideways, channels: [nowhere]}
  - {id: b, kpi: revenue, condition: above, channels: [hook]}
  - {id: c, kpi: revenue, condition: below, value: 1, period: day, scope: {planet: mars}, channels: []}
`))
	if err != nil {
		t.Fatal(err)
	}
	err = f.Validate(eng.Catalog())
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`bad.yaml:3: channel hook: url`,
		`bad.yaml:4: channel hook: a second channel with this name`,
		`environment variable NOT_SET_ANYWHERE_42 is not set`,
		`bad.yaml:6: rule a: unknown KPI "nope"`,
		`bad.yaml:7: rule a: a second rule with this id`,
		`condition "sideways"`,
		`channel "nowhere" is not declared`,
		`bad.yaml:8: rule b: value is required for above`,
		`period "day"`,
		`scope "planet"`,
		`bad.yaml:9: rule c: channels: name at least one channel`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if _, err := Parse("x.yaml", []byte("rules: [{id: a, colour: red}]")); err == nil {
		t.Error("an unknown field must be refused")
	}
}

func TestAnomalyRule(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "an.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// 30 months of revenue near 1,000 (a small repeating wobble), then a month
	// of 3,000.
	var deals []string
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for m := 0; m <= 30; m++ {
		amount := 1000 + 10*(m%3)
		if m == 30 {
			amount = 3000
		}
		d := start.AddDate(0, m, 0)
		deals = append(deals, fmt.Sprintf("('W%d', 'R1', 'closed_won', 'won', %d, '%s', '%s')", m, amount, d.Format("2006-01-02"), d.AddDate(0, 1, -1).Format("2006-01-02")))
	}
	if _, err := st.DB().Exec(`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES ` + strings.Join(deals, ", ")); err != nil {
		t.Fatal(err)
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		side  string
		fires bool
	}{{"", false}, {"high", true}, {"any", true}, {"low", false}} {
		rule := "{id: odd, kpi: revenue, condition: anomaly, channels: [log]}"
		if c.side != "" {
			rule = "{id: odd, kpi: revenue, condition: anomaly, side: " + c.side + ", channels: [log]}"
		}
		f := rulesFile(t, eng, "channels:\n  - {name: log, type: webhook, url: \"http://127.0.0.1:1/x\"}\nrules:\n  - "+rule+"\n")
		alerts, err := evaluate(ctx, eng, nil, nil, f.Rules[0], time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), start, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		// Revenue is higher-is-better, so by default only a fall alerts.
		if (len(alerts) == 1) != c.fires {
			t.Errorf("side %q: alerts %+v, want firing %v", c.side, alerts, c.fires)
		}
		if c.fires && len(alerts) == 1 && (alerts[0].Period != "2026-07" || !strings.Contains(alerts[0].Message, "unusually high")) {
			t.Errorf("side %q: %+v", c.side, alerts[0])
		}
	}
}

func TestRulesThatCouldNeverBeRight(t *testing.T) {
	eng, st := org(t)
	f, err := Parse("odd.yaml", []byte(`
channels:
  - {name: log, type: webhook, url: "http://127.0.0.1:1/x"}
rules:
  - {id: pct, condition: quality_below, value: 95, channels: [log]}
  - {id: ctl, kpi: revenue, condition: below, value: 1, scope: {team: "T1\r\nBcc: x"}, channels: [log]}
`))
	if err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprint(f.Validate(eng.Catalog()))
	for _, want := range []string{"odd.yaml:5: rule pct: value 95: crm_data_accuracy is a fraction; write 0.95 for 95%", "rule ctl: scope team", "control characters"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in %s", want, msg)
		}
	}
	// Teams and reps the organisation does not have, and a goal nobody set.
	f = rulesFile(t, eng, `
channels:
  - {name: log, type: webhook, url: "http://127.0.0.1:1/x"}
rules:
  - {id: ghost-team, kpi: revenue, condition: below, value: 1, scope: {team: T999}, channels: [log]}
  - {id: ghost-goal, condition: goal_at_risk, goal: nosuchgoal, channels: [log]}
`)
	orgSets, err := goals.LoadOrg(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.CheckScopes(orgSets); err == nil || !strings.Contains(err.Error(), `alerts.yaml:5: rule ghost-team: scope team "T999": no such team`) {
		t.Errorf("CheckScopes = %v", err)
	}
	c := &Checker{Eng: eng, Store: st, File: f, Notifiers: map[string]notify.Notifier{"log": &recorder{}},
		Now: func() time.Time { return time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC) }}
	res, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fired) != 0 || len(res.Errors) != 2 || !strings.Contains(strings.Join(res.Errors, "\n"), `no goal "nosuchgoal"`) {
		t.Errorf("fired %+v errors %q", res.Fired, res.Errors)
	}
}

// An alert whose rule has been taken out of the file is resolved: nobody is
// watching it any more, and it must not stay open in the feed for ever.
func TestRemovedRuleResolves(t *testing.T) {
	eng, st := org(t)
	now := func() time.Time { return time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC) }
	log := map[string]notify.Notifier{"log": &recorder{}}
	both := rulesFile(t, eng, `
channels:
  - {name: log, type: webhook, url: "http://127.0.0.1:1/x"}
rules:
  - {id: low, kpi: revenue, condition: below, value: 500, channels: [log]}
  - {id: high, kpi: revenue, condition: above, value: 100, channels: [log]}
`)
	res, err := (&Checker{Eng: eng, Store: st, File: both, Now: now, Notifiers: log}).Check(context.Background())
	if err != nil || len(res.Fired) != 2 {
		t.Fatalf("fired %+v (%v)", res, err)
	}
	one := rulesFile(t, eng, `
channels:
  - {name: log, type: webhook, url: "http://127.0.0.1:1/x"}
rules:
  - {id: high, kpi: revenue, condition: above, value: 100, channels: [log]}
`)
	res, err = (&Checker{Eng: eng, Store: st, File: one, Now: now, Notifiers: log}).Check(context.Background())
	if err != nil || len(res.Resolved) != 1 || res.Resolved[0].Rule != "low" || res.Holding != 1 {
		t.Fatalf("after removing a rule: %+v (%v)", res, err)
	}
}

// A delivery that needed a second try within the channel records both.
func TestDeliveryRecordsTheTriesItTook(t *testing.T) {
	eng, st := org(t)
	rc := newReceiver(t, http.StatusServiceUnavailable)
	f := rulesFile(t, eng, `
channels:
  - {name: hook, type: webhook, url: "`+rc.URL+`", secret: "`+secret+`"}
rules:
  - {id: low, kpi: revenue, condition: below, value: 500, channels: [hook]}
`)
	fast := &notify.Webhook{URL: rc.URL, Secret: secret, MaxAttempts: 3, Sleep: func(context.Context, time.Duration) error { return nil }}
	c := &Checker{Eng: eng, Store: st, File: f, Notifiers: map[string]notify.Notifier{"hook": fast},
		Now: func() time.Time { return time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC) }}
	res, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fired) != 1 || len(res.Fired[0].Deliveries) != 1 {
		t.Fatalf("fired %+v", res.Fired)
	}
	if d := res.Fired[0].Deliveries[0]; !d.Delivered || d.Attempts != 2 {
		t.Errorf("delivery %+v, want delivered after 2 attempts", d)
	}
	hist, err := History(context.Background(), st, HistoryQuery{})
	if err != nil || len(hist) != 1 || hist[0].Deliveries[0].Attempts != 2 {
		t.Errorf("history %+v (%v)", hist, err)
	}
}

// Malformed YAML is placed on its line, as in goals files.
func TestMalformedAlertsFileNamesTheLine(t *testing.T) {
	_, err := Parse("bad.yaml", []byte("channels: []\nrules:\n  - id: a\n    kpi: [revenue\n"))
	var fe *FileError
	if !errors.As(err, &fe) || len(fe.Problems) != 1 || fe.Problems[0].Line < 2 {
		t.Errorf("Parse = %v, want one problem past line 1", err)
	}
}
