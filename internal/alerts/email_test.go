package alerts

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/notify/smtptest"
)

// julyTenth is the checks' clock: June 2026 is the last complete month.
func julyTenth() time.Time { return time.Date(2026, 7, 10, 9, 0, 0, 0, time.UTC) }

func TestCheckSendsEmail(t *testing.T) {
	eng, st := org(t)
	s := smtptest.NewServer(t)
	f := rulesFile(t, eng, `
channels:
  - name: mail
    type: email
    smtp: `+s.Addr()+`
    tls: none
    from: Salesops Alerts <alerts@example.com>
    to: [ops@example.com]
rules:
  - id: revenue-drop
    description: revenue down more than 20% on the month before
    kpi: revenue
    condition: change_below
    value: -0.2
    channels: [mail]
`)
	c := &Checker{Eng: eng, Store: st, File: f, Now: julyTenth}
	ctx := context.Background()
	res, err := c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// June against May: (400 − 1,000) / 1,000 = −60% < −20%: fires.
	if len(res.Fired) != 1 || len(res.Errors) != 0 {
		t.Fatalf("fired %+v errors %v", res.Fired, res.Errors)
	}
	ev := res.Fired[0]
	const wantMsg = "Revenue 2026-06: 400, -60.0% on 2026-05 (1,000); threshold -20.0%"
	if ev.Message != wantMsg {
		t.Errorf("message %q, want %q", ev.Message, wantMsg)
	}
	if len(ev.Deliveries) != 1 || !ev.Deliveries[0].Delivered || ev.Deliveries[0].Channel != "mail" {
		t.Errorf("deliveries %+v", ev.Deliveries)
	}

	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("sink received %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "alerts@example.com" || !reflect.DeepEqual(got.To, []string{"ops@example.com"}) {
		t.Errorf("envelope %s -> %v, want alerts@example.com -> [ops@example.com]", got.From, got.To)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, got.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.Contains(subject, ev.Message) {
		t.Errorf("Subject %q (%v) does not contain %q", subject, err, ev.Message)
	}
	if id := msg.Header.Get("Message-ID"); !strings.Contains(id, ev.ID) {
		t.Errorf("Message-ID %q does not contain the event id %s", id, ev.ID)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body is not quoted-printable: %v", err)
	}
	for _, want := range []string{"Rule: revenue-drop — revenue down more than 20% on the month before", "Alert id: " + ev.ID} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body %q does not contain %q", body, want)
		}
	}

	// Still holding: nothing is sent again.
	res, err = c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fired) != 0 || len(res.Retried) != 0 || res.Holding != 1 {
		t.Errorf("second check fired %+v retried %+v (holding %d)", res.Fired, res.Retried, res.Holding)
	}
	if n, conns := len(s.Messages()), s.Conns(); n != 1 || conns != 1 {
		t.Errorf("after the second check the sink has %d messages over %d connections, want 1 and 1", n, conns)
	}
}

func TestRefusedEmailIsNotRetried(t *testing.T) {
	eng, st := org(t)
	s := smtptest.NewServer(t, smtptest.Reply(smtptest.Rcpt, "550 5.1.1 no such user", smtptest.Always))
	f := rulesFile(t, eng, `
channels:
  - {name: bounce, type: email, smtp: "`+s.Addr()+`", tls: none, from: alerts@example.com, to: [nobody@example.com]}
rules:
  - {id: low, kpi: revenue, condition: below, value: 500, channels: [bounce]}
`)
	c := &Checker{Eng: eng, Store: st, File: f, Now: julyTenth}
	ctx := context.Background()
	// June's 400 is below 500: fires; the server refuses the recipient.
	res, err := c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fired) != 1 {
		t.Fatalf("fired %+v errors %v", res.Fired, res.Errors)
	}
	if ds := res.Fired[0].Deliveries; len(ds) != 1 || ds[0].Delivered || !ds[0].Permanent || ds[0].Attempts != 1 ||
		!strings.Contains(ds[0].Error, "550") {
		t.Errorf("first deliveries %+v, want one permanent failure after 1 attempt with 550", ds)
	}

	res, err = c.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fired) != 0 || len(res.Retried) != 0 || res.Holding != 1 {
		t.Errorf("second check fired %+v retried %+v (holding %d)", res.Fired, res.Retried, res.Holding)
	}
	if conns, n := s.Conns(), len(s.Messages()); conns != 1 || n != 0 {
		t.Errorf("sink saw %d connections and %d messages, want 1 and 0", conns, n)
	}
	hist, err := History(ctx, st, HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].Rule != "low" {
		t.Fatalf("history %+v", hist)
	}
	if ds := hist[0].Deliveries; len(ds) != 1 || ds[0].Channel != "bounce" || ds[0].Delivered || !ds[0].Permanent ||
		!strings.Contains(ds[0].Error, `RCPT TO <nobody@example.com>: 550 "5.1.1 no such user"`) {
		t.Errorf("recorded deliveries %+v, want the one permanent failure", ds)
	}
}
