package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/notify/smtptest"
)

// sinkEmail is an Email channel to s over plain text with the tests' clock.
func sinkEmail(s *smtptest.Server, sl *sleeps) *Email {
	return &Email{Addr: s.Addr(), From: "Salesops Alerts <alerts@example.com>", To: []string{"ops@example.com"},
		TLS: NoTLS, Now: fixedClock, Sleep: sl.sleep}
}

func TestEmailDelivers(t *testing.T) {
	text := "Revenue is 82% of target (=0.82).\n" +
		"Zeile mit Umlauten: äöü ß €\n" +
		".a line starting with a dot\n" +
		strings.Repeat("a long line of words ", 10) + "\n" +
		"trailing spaces   \n"
	tests := []struct {
		name       string
		subject    string
		wantQEncod bool // Subject header sent as encoded words
	}{
		{"ASCII subject", "Win rate below 20% for team EMEA", false},
		{"non-ASCII subject", "Umsatz unter Ziel: Q3 – 82 % erreicht ✓", true},
		{"long ASCII subject folded", strings.TrimSpace(strings.Repeat("Pipeline coverage fell below 3x ", 5)), false},
		{"long non-ASCII subject folded", strings.TrimSpace(strings.Repeat("Prévision trimestrielle dépassée ", 6)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := smtptest.NewServer(t)
			var sl sleeps
			e := sinkEmail(s, &sl)
			e.To = []string{"ops@example.com", "Jürgen Müller <juergen@example.de>"}
			m := Message{ID: "alert-2026-0042", Subject: tt.subject, Text: text}
			if err := e.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			conns, cmds, msgs := s.Conns(), s.Commands(), s.Messages()
			if conns != 1 || len(msgs) != 1 {
				t.Fatalf("sink saw %d connections and %d messages, want 1 and 1", conns, len(msgs))
			}
			for _, c := range cmds {
				if c == "AUTH" || c == "STARTTLS" {
					t.Errorf("client sent %s with no username and TLS none", c)
				}
			}
			got := msgs[0]
			if got.From != "alerts@example.com" || !reflect.DeepEqual(got.To, []string{"ops@example.com", "juergen@example.de"}) {
				t.Errorf("envelope = %s -> %v, want alerts@example.com -> [ops@example.com juergen@example.de]", got.From, got.To)
			}
			for i, line := range strings.SplitAfter(string(got.Data), "\r\n") {
				if line == "" {
					continue
				}
				if !strings.HasSuffix(line, "\r\n") || strings.Contains(strings.TrimSuffix(line, "\r\n"), "\n") {
					t.Errorf("line %d %q does not end in a lone CRLF", i+1, line)
				}
				if len(line) > 78+2 {
					t.Errorf("line %d is %d characters long: %q", i+1, len(line)-2, line)
				}
				for _, c := range []byte(line) {
					if c >= 0x80 {
						t.Errorf("line %d has a non-ASCII byte: %q", i+1, line)
						break
					}
				}
			}

			msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
			if err != nil {
				t.Fatalf("net/mail cannot read the message: %v\n%s", err, got.Data)
			}
			h := msg.Header
			rawSubject := h.Get("Subject")
			if q := strings.HasPrefix(rawSubject, "=?utf-8?q?"); q != tt.wantQEncod {
				t.Errorf("raw Subject %q: Q-encoded = %v, want %v", rawSubject, q, tt.wantQEncod)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(rawSubject)
			if err != nil || subject != tt.subject {
				t.Errorf("decoded Subject = %q (%v), want %q", subject, err, tt.subject)
			}
			from, err := h.AddressList("From")
			if err != nil || len(from) != 1 || *from[0] != (mail.Address{Name: "Salesops Alerts", Address: "alerts@example.com"}) {
				t.Errorf("From = %v (%v), want Salesops Alerts <alerts@example.com>", from, err)
			}
			to, err := h.AddressList("To")
			wantTo := []*mail.Address{{Address: "ops@example.com"}, {Name: "Jürgen Müller", Address: "juergen@example.de"}}
			if err != nil || !reflect.DeepEqual(to, wantTo) {
				t.Errorf("To = %v (%v), want %v", to, err, wantTo)
			}
			if date, err := h.Date(); err != nil || !date.Equal(t0) {
				t.Errorf("Date = %v (%v), want %v", date, err, t0)
			}
			for _, c := range []struct{ name, want string }{
				{"Message-ID", "<alert-2026-0042@example.com>"},
				{"MIME-Version", "1.0"},
				{"Content-Type", "text/plain; charset=utf-8"},
				{"Content-Transfer-Encoding", "quoted-printable"},
				{"Auto-Submitted", "auto-generated"},
				{"Bcc", ""},
			} {
				if got := h.Get(c.name); got != c.want {
					t.Errorf("%s = %q, want %q", c.name, got, c.want)
				}
			}
			body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				t.Fatalf("body is not quoted-printable: %v", err)
			}
			if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != text {
				t.Errorf("body = %q, want %q", got, text)
			}
			if len(sl.got()) != 0 {
				t.Errorf("slept %v on a first-time success", sl.got())
			}
		})
	}
}

func TestEmailRefusesHeaderInjection(t *testing.T) {
	tests := []struct {
		name  string
		setup func(e *Email, m *Message)
		want  string
	}{
		{"CRLF in subject", func(_ *Email, m *Message) { m.Subject = "KPI alert\r\nBcc: victim@example.net" },
			`subject "KPI alert\r\nBcc: victim@example.net" contains CR or LF (header injection refused)`},
		{"LF in subject", func(_ *Email, m *Message) { m.Subject = "KPI alert\nX-Priority: 1" }, "contains CR or LF"},
		{"NUL in subject", func(_ *Email, m *Message) { m.Subject = "KPI\x00alert" }, "control character U+0000"},
		{"CRLF in a recipient", func(e *Email, _ *Message) {
			e.To = []string{"ops@example.com", "x@example.com\r\nBcc: victim@example.net"}
		},
			`to[1] "x@example.com\r\nBcc: victim@example.net" contains CR or LF`},
		{"LF in the sender", func(e *Email, _ *Message) { e.From = "alerts@example.com\nBcc: victim@example.net" },
			`from "alerts@example.com\nBcc: victim@example.net" contains CR or LF`},
		{"CRLF in the ID", func(_ *Email, m *Message) { m.ID = "alert-1\r\nBcc: victim@example.net" }, "control character U+000D"},
		{"not an address", func(e *Email, _ *Message) { e.To = []string{"ops at example.com"} },
			`to[0] "ops at example.com" is not an e-mail address`},
		{"no recipients", func(e *Email, _ *Message) { e.To = nil }, "no recipients"},
		{"bad TLS mode", func(e *Email, _ *Message) { e.TLS = "ssl" }, `TLS mode "ssl" is not starttls, tls or none`},
		{"no port", func(e *Email, _ *Message) { e.Addr = "127.0.0.1" }, `SMTP server "127.0.0.1" is not host:port`},
		{"PLAIN in clear text to another host", func(e *Email, _ *Message) { e.Addr, e.Username = "smtp.example.com:25", "alerts" },
			`username set with TLS mode "none" to smtp.example.com`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := smtptest.NewServer(t)
			var sl sleeps
			e := sinkEmail(s, &sl)
			m := Message{ID: "alert-1", Subject: "KPI alert", Text: "body"}
			tt.setup(e, &m)
			err := e.Send(context.Background(), m)
			var ne *Error
			if !errors.As(err, &ne) || ne.Attempts != 0 || !ne.Permanent {
				t.Fatalf("Send = %v, want a permanent *Error with 0 attempts", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if conns := s.Conns(); conns != 0 {
				t.Errorf("sink saw %d connections, want none", conns)
			}
		})
	}
}

func TestEmailRetry(t *testing.T) {
	tests := []struct {
		name          string
		sink          []smtptest.Option
		maxAttempts   int
		wantConns     int
		wantMsgs      int
		wantErr       []string // nil: success
		wantPermanent bool
	}{
		{"451 at RCPT once, then accepted", opts(smtptest.Reply(smtptest.Rcpt, "451 4.7.1 greylisted, try again later", 1)), 0, 2, 1, nil, false},
		{"451 at the end of DATA once, then accepted", opts(smtptest.Reply(smtptest.EndOfData, "451 4.3.0 queue full", 1)), 0, 2, 1, nil, false},
		{"421 greeting once, then accepted", opts(smtptest.Reply(smtptest.Greeting, "421 4.3.2 too busy", 1)), 0, 2, 1, nil, false},
		{"550 at RCPT is permanent", opts(smtptest.Reply(smtptest.Rcpt, "550 5.1.1 no such user", smtptest.Always)), 0, 1, 0,
			[]string{"permanent failure after 1 attempt: RCPT TO <ops@example.com>: 550 \"5.1.1 no such user\""}, true},
		{"554 at the end of DATA is permanent", opts(smtptest.Reply(smtptest.EndOfData, "554 5.7.1 rejected as spam", smtptest.Always)), 0, 1, 0,
			[]string{"permanent failure after 1 attempt: end of DATA: 554 \"5.7.1 rejected as spam\""}, true},
		{"always 451", opts(smtptest.Reply(smtptest.Mail, "451 4.3.0 try later", smtptest.Always)), 3, 3, 0,
			[]string{"giving up after 3 attempts: MAIL FROM: 451 \"4.3.0 try later\""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := smtptest.NewServer(t, tt.sink...)
			var sl sleeps
			e := sinkEmail(s, &sl)
			e.MaxAttempts = tt.maxAttempts
			err := e.Send(context.Background(), Message{ID: "alert-1", Subject: "KPI alert", Text: "body"})
			conns, msgs := s.Conns(), s.Messages()
			if conns != tt.wantConns || len(msgs) != tt.wantMsgs {
				t.Errorf("sink saw %d connections and %d messages, want %d and %d", conns, len(msgs), tt.wantConns, tt.wantMsgs)
			}
			if got := len(sl.got()); got != tt.wantConns-1 {
				t.Errorf("slept %d times, want %d (one between attempts)", got, tt.wantConns-1)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Send = %v, want success", err)
				}
				return
			}
			var ne *Error
			if !errors.As(err, &ne) || ne.Attempts != tt.wantConns || ne.Permanent != tt.wantPermanent {
				t.Fatalf("Send = %#v, want *Error with %d attempts, permanent %v", err, tt.wantConns, tt.wantPermanent)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "notify: email via "+s.Addr()+": ") {
				t.Errorf("error %q does not name the server %s", msg, s.Addr())
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			var reply *textproto.Error
			if !errors.As(err, &reply) {
				t.Errorf("error does not wrap the server's *textproto.Error")
			}
		})
	}
}

func TestEmailContextEnds(t *testing.T) {
	t.Run("attempt timeout on a silent server", func(t *testing.T) {
		s := smtptest.NewServer(t, smtptest.Silent())
		var sl sleeps
		e := sinkEmail(s, &sl)
		e.Timeout, e.MaxAttempts = 100*time.Millisecond, 2
		err := e.Send(context.Background(), Message{ID: "alert-1", Subject: "s"})
		var ne *Error
		if !errors.As(err, &ne) || ne.Permanent || ne.Attempts != 2 {
			t.Fatalf("Send = %v, want a transient *Error after 2 attempts", err)
		}
		if !strings.Contains(err.Error(), "attempt timed out after 100ms") {
			t.Errorf("error %q does not say the attempt timed out", err)
		}
		if conns := s.Conns(); conns != 2 {
			t.Errorf("sink saw %d connections, want 2", conns)
		}
	})
	t.Run("cancelled during the backoff", func(t *testing.T) {
		s := smtptest.NewServer(t, smtptest.Reply(smtptest.Rcpt, "451 4.7.1 greylisted", smtptest.Always))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e := sinkEmail(s, nil)
		e.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return Sleep(ctx, d)
		}
		err := e.Send(ctx, Message{ID: "alert-1", Subject: "s"})
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped after 1 attempt") {
			t.Fatalf("Send = %v, want context.Canceled after 1 attempt", err)
		}
		if conns := s.Conns(); conns != 1 {
			t.Errorf("sink saw %d connections, want 1", conns)
		}
	})
}

// opts is a list of sink options, to keep table rows short.
func opts(o ...smtptest.Option) []smtptest.Option { return o }

func TestEmailTLSAndAuth(t *testing.T) {
	tests := []struct {
		name          string
		sink          []smtptest.Option
		mode          TLSMode
		trust         bool // the client trusts the sink's certificate
		username      string
		wantTLS       bool
		wantAuth      string
		wantErr       string // "": success
		wantPermanent bool
	}{
		{name: "STARTTLS then AUTH PLAIN", sink: opts(smtptest.StartTLS(), smtptest.AuthPlain()), mode: StartTLS,
			trust: true, username: "alerts", wantTLS: true, wantAuth: "\x00alerts\x00s3cret"},
		{name: "implicit TLS then AUTH PLAIN", sink: opts(smtptest.ImplicitTLS(), smtptest.AuthPlain()), mode: ImplicitTLS,
			trust: true, username: "alerts", wantTLS: true, wantAuth: "\x00alerts\x00s3cret"},
		{name: "STARTTLS is the default mode", sink: opts(smtptest.StartTLS()), mode: "", trust: true, wantTLS: true},
		{name: "AUTH PLAIN in clear text to 127.0.0.1", sink: opts(smtptest.AuthPlain()), mode: NoTLS,
			username: "alerts", wantAuth: "\x00alerts\x00s3cret"},
		{name: "STARTTLS required but not offered", sink: opts(smtptest.AuthPlain()), mode: StartTLS, username: "alerts",
			wantErr: "permanent failure after 1 attempt: server does not offer STARTTLS", wantPermanent: true},
		{name: "untrusted certificate", sink: opts(smtptest.StartTLS()), mode: StartTLS, trust: false,
			wantErr: "permanent failure after 1 attempt: STARTTLS: tls: failed to verify certificate", wantPermanent: true},
		{name: "username but no AUTH offered", sink: nil, mode: NoTLS, username: "alerts",
			wantErr: "a username is set but the server offers no AUTH", wantPermanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := smtptest.NewServer(t, tt.sink...)
			var sl sleeps
			e := sinkEmail(s, &sl)
			e.TLS = tt.mode
			if tt.trust {
				e.TLSConfig = s.ClientTLSConfig()
			}
			if tt.username != "" {
				e.Username, e.Password = tt.username, "s3cret"
			}
			err := e.Send(context.Background(), Message{ID: "alert-1", Subject: "s", Text: "t"})
			conns, cmds, msgs := s.Conns(), s.Commands(), s.Messages()
			if tt.wantErr != "" {
				var ne *Error
				if !errors.As(err, &ne) || ne.Permanent != tt.wantPermanent {
					t.Fatalf("Send = %v, want *Error, permanent %v", err, tt.wantPermanent)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if conns != 1 || len(msgs) != 0 {
					t.Errorf("sink saw %d connections and %d messages, want 1 and 0", conns, len(msgs))
				}
				for _, c := range cmds {
					if c == "AUTH" {
						t.Errorf("credentials sent although the transaction failed before AUTH")
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if len(msgs) != 1 {
				t.Fatalf("sink recorded %d messages, want 1", len(msgs))
			}
			if msgs[0].TLS != tt.wantTLS || msgs[0].Auth != tt.wantAuth {
				t.Errorf("tls, auth = %v, %q, want %v, %q", msgs[0].TLS, msgs[0].Auth, tt.wantTLS, tt.wantAuth)
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct{ id, from, want string }{
		{"alert-2026-0042", "alerts@example.com", "<alert-2026-0042@example.com>"},
		{"kpi.win_rate.team-7", "a@mail.example.com", "<kpi.win_rate.team-7@mail.example.com>"},
		// ':' is 0x3A, ' ' 0x20, '@' 0x40, '.' 0x2E where a dot-atom forbids it.
		{"kpi:revenue 2026@Q3", "a@example.com", "<kpi%3Arevenue%202026%40Q3@example.com>"},
		{".x..y.", "a@example.com", "<%2Ex.%2Ey%2E@example.com>"},
		{"ä", "a@example.com", "<%C3%A4@example.com>"},
		{"a1", "a@[192.0.2.1]", "<a1@salesops.invalid>"},
	}
	for _, tt := range tests {
		if got := messageID(tt.id, tt.from); got != tt.want {
			t.Errorf("messageID(%q, %q) = %s, want %s", tt.id, tt.from, got, tt.want)
		}
	}
}
