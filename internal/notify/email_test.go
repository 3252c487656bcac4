package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// sinkMessage is one message an smtpSink accepted.
type sinkMessage struct {
	from string
	to   []string
	data []byte // as sent, CRLF line endings, dot-stuffing undone
	tls  bool   // the transaction ran over TLS
	auth string // the AUTH PLAIN response, decoded: "\x00user\x00password"
}

// stall, returned by a sink's respond hook, makes it say nothing more and
// wait for the client to hang up.
const stall = "STALL"

// smtpSink is a minimal SMTP server on loopback that records what it
// accepts. Set its options, then call start.
type smtpSink struct {
	tlsConfig *tls.Config // offer STARTTLS with it, or speak TLS from the start when implicit
	implicit  bool
	auth      bool // offer AUTH PLAIN
	// respond may override the reply to "CONNECT" (the greeting), "MAIL",
	// "RCPT", "DATA" and "END" (end of data) the n-th time (from 1) it is
	// due across connections; "" keeps the normal reply.
	respond func(step string, n int) string

	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  int
	counts map[string]int
	cmds   []string
	msgs   []sinkMessage
}

func (s *smtpSink) start(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.implicit {
		ln = tls.NewListener(ln, s.tlsConfig)
	}
	s.ln = ln
	s.counts = map[string]int{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(t, conn)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpSink) addr() string { return s.ln.Addr().String() }

func (s *smtpSink) stats() (conns int, cmds []string, msgs []sinkMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns, append([]string(nil), s.cmds...), append([]sinkMessage(nil), s.msgs...)
}

// reply is the normal reply def unless the respond hook overrides it.
func (s *smtpSink) reply(step, def string) string {
	if s.respond == nil {
		return def
	}
	s.mu.Lock()
	s.counts[step]++
	n := s.counts[step]
	s.mu.Unlock()
	if r := s.respond(step, n); r != "" {
		return r
	}
	return def
}

func positive(reply string) bool { return reply[0] == '2' || reply[0] == '3' }

func (s *smtpSink) serve(t *testing.T, conn net.Conn) {
	defer func() { conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	isTLS := s.implicit
	send := func(line string) bool {
		if line == stall {
			_, _ = io.Copy(io.Discard, conn)
			return false
		}
		return tp.PrintfLine("%s", line) == nil
	}
	if r := s.reply("CONNECT", "220 sink ESMTP ready"); !send(r) || !positive(r) {
		return
	}
	var cur sinkMessage
	var auth string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.mu.Lock()
		s.cmds = append(s.cmds, verb)
		s.mu.Unlock()
		switch verb {
		case "EHLO":
			ext := []string{"sink greets " + arg, "8BITMIME"}
			if s.tlsConfig != nil && !isTLS {
				ext = append(ext, "STARTTLS")
			}
			if s.auth {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				if tp.PrintfLine("250%s%s", sep, e) != nil {
					return
				}
			}
		case "HELO", "NOOP", "RSET":
			send("250 2.0.0 ok")
		case "STARTTLS":
			if s.tlsConfig == nil || isTLS {
				send("502 5.5.1 not offered")
				continue
			}
			send("220 2.0.0 go ahead")
			tc := tls.Server(conn, s.tlsConfig)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp, isTLS = tc, textproto.NewConn(tc), true
			cur, auth = sinkMessage{}, ""
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			dec, err := base64.StdEncoding.DecodeString(resp)
			if !s.auth || mech != "PLAIN" || err != nil {
				send("504 5.5.4 unrecognised authentication")
				continue
			}
			auth = string(dec)
			send("235 2.7.0 authenticated")
		case "MAIL":
			if r := s.reply("MAIL", "250 2.1.0 ok"); send(r) && positive(r) {
				cur = sinkMessage{from: between(arg, "<", ">"), tls: isTLS, auth: auth}
			}
		case "RCPT":
			if r := s.reply("RCPT", "250 2.1.5 ok"); send(r) && positive(r) {
				cur.to = append(cur.to, between(arg, "<", ">"))
			}
		case "DATA":
			if r := s.reply("DATA", "354 end with <CRLF>.<CRLF>"); !send(r) || !positive(r) {
				continue
			}
			data, err := readData(tp.R)
			if err != nil {
				t.Errorf("sink: reading DATA: %v", err)
				return
			}
			if r := s.reply("END", "250 2.0.0 queued"); send(r) && positive(r) {
				cur.data = data
				s.mu.Lock()
				s.msgs = append(s.msgs, cur)
				s.mu.Unlock()
			}
			cur = sinkMessage{}
		case "QUIT":
			send("221 2.0.0 bye")
			return
		default:
			send("502 5.5.2 unknown command")
		}
	}
}

// readData reads DATA up to the lone dot, keeping CRLF and undoing
// dot-stuffing.
func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" {
			return b.Bytes(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}

func between(s, open, close string) string {
	_, s, _ = strings.Cut(s, open)
	s, _, _ = strings.Cut(s, close)
	return s
}

// sinkEmail is an Email channel to s over plain text with the tests' clock.
func sinkEmail(s *smtpSink, sl *sleeps) *Email {
	return &Email{Addr: s.addr(), From: "Salesops Alerts <alerts@example.com>", To: []string{"ops@example.com"},
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
			s := (&smtpSink{}).start(t)
			var sl sleeps
			e := sinkEmail(s, &sl)
			e.To = []string{"ops@example.com", "Jürgen Müller <juergen@example.de>"}
			m := Message{ID: "alert-2026-0042", Subject: tt.subject, Text: text}
			if err := e.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			conns, cmds, msgs := s.stats()
			if conns != 1 || len(msgs) != 1 {
				t.Fatalf("sink saw %d connections and %d messages, want 1 and 1", conns, len(msgs))
			}
			for _, c := range cmds {
				if c == "AUTH" || c == "STARTTLS" {
					t.Errorf("client sent %s with no username and TLS none", c)
				}
			}
			got := msgs[0]
			if got.from != "alerts@example.com" || !reflect.DeepEqual(got.to, []string{"ops@example.com", "juergen@example.de"}) {
				t.Errorf("envelope = %s -> %v, want alerts@example.com -> [ops@example.com juergen@example.de]", got.from, got.to)
			}
			for i, line := range strings.SplitAfter(string(got.data), "\r\n") {
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

			msg, err := mail.ReadMessage(bytes.NewReader(got.data))
			if err != nil {
				t.Fatalf("net/mail cannot read the message: %v\n%s", err, got.data)
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
			s := (&smtpSink{}).start(t)
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
			if conns, _, _ := s.stats(); conns != 0 {
				t.Errorf("sink saw %d connections, want none", conns)
			}
		})
	}
}

func TestEmailRetry(t *testing.T) {
	// on answers reply at step the first `times` times, or always when times is 0.
	on := func(step, reply string, times int) func(string, int) string {
		return func(s string, n int) string {
			if s == step && (times == 0 || n <= times) {
				return reply
			}
			return ""
		}
	}
	tests := []struct {
		name          string
		respond       func(string, int) string
		maxAttempts   int
		wantConns     int
		wantMsgs      int
		wantErr       []string // nil: success
		wantPermanent bool
	}{
		{"451 at RCPT once, then accepted", on("RCPT", "451 4.7.1 greylisted, try again later", 1), 0, 2, 1, nil, false},
		{"451 at the end of DATA once, then accepted", on("END", "451 4.3.0 queue full", 1), 0, 2, 1, nil, false},
		{"421 greeting once, then accepted", on("CONNECT", "421 4.3.2 too busy", 1), 0, 2, 1, nil, false},
		{"550 at RCPT is permanent", on("RCPT", "550 5.1.1 no such user", 0), 0, 1, 0,
			[]string{"permanent failure after 1 attempt: RCPT TO <ops@example.com>: 550 \"5.1.1 no such user\""}, true},
		{"554 at the end of DATA is permanent", on("END", "554 5.7.1 rejected as spam", 0), 0, 1, 0,
			[]string{"permanent failure after 1 attempt: end of DATA: 554 \"5.7.1 rejected as spam\""}, true},
		{"always 451", on("MAIL", "451 4.3.0 try later", 0), 3, 3, 0,
			[]string{"giving up after 3 attempts: MAIL FROM: 451 \"4.3.0 try later\""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := (&smtpSink{respond: tt.respond}).start(t)
			var sl sleeps
			e := sinkEmail(s, &sl)
			e.MaxAttempts = tt.maxAttempts
			err := e.Send(context.Background(), Message{ID: "alert-1", Subject: "KPI alert", Text: "body"})
			conns, _, msgs := s.stats()
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
			if !strings.HasPrefix(msg, "notify: email via "+s.addr()+": ") {
				t.Errorf("error %q does not name the server %s", msg, s.addr())
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
		s := (&smtpSink{respond: func(step string, _ int) string {
			if step == "CONNECT" {
				return stall
			}
			return ""
		}}).start(t)
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
		if conns, _, _ := s.stats(); conns != 2 {
			t.Errorf("sink saw %d connections, want 2", conns)
		}
	})
	t.Run("cancelled during the backoff", func(t *testing.T) {
		s := (&smtpSink{respond: func(step string, _ int) string {
			if step == "RCPT" {
				return "451 4.7.1 greylisted"
			}
			return ""
		}}).start(t)
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
		if conns, _, _ := s.stats(); conns != 1 {
			t.Errorf("sink saw %d connections, want 1", conns)
		}
	})
}

// testCert borrows httptest's certificate, valid for 127.0.0.1, and returns
// the sink's TLS configuration and a client one that trusts it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(hs.Close)
	roots := x509.NewCertPool()
	roots.AddCert(hs.Certificate())
	return &tls.Config{Certificates: hs.TLS.Certificates}, &tls.Config{RootCAs: roots}
}

// sinkOptions are the TLS and AUTH settings of an smtpSink.
type sinkOptions struct {
	tlsConfig *tls.Config
	implicit  bool
	auth      bool
}

func TestEmailTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	tests := []struct {
		name          string
		sink          sinkOptions
		mode          TLSMode
		clientTLS     *tls.Config
		username      string
		wantTLS       bool
		wantAuth      string
		wantErr       string // "": success
		wantPermanent bool
	}{
		{name: "STARTTLS then AUTH PLAIN", sink: sinkOptions{tlsConfig: serverTLS, auth: true}, mode: StartTLS,
			clientTLS: clientTLS, username: "alerts", wantTLS: true, wantAuth: "\x00alerts\x00s3cret"},
		{name: "implicit TLS then AUTH PLAIN", sink: sinkOptions{tlsConfig: serverTLS, implicit: true, auth: true}, mode: ImplicitTLS,
			clientTLS: clientTLS, username: "alerts", wantTLS: true, wantAuth: "\x00alerts\x00s3cret"},
		{name: "STARTTLS is the default mode", sink: sinkOptions{tlsConfig: serverTLS}, mode: "", clientTLS: clientTLS, wantTLS: true},
		{name: "AUTH PLAIN in clear text to 127.0.0.1", sink: sinkOptions{auth: true}, mode: NoTLS,
			username: "alerts", wantAuth: "\x00alerts\x00s3cret"},
		{name: "STARTTLS required but not offered", sink: sinkOptions{auth: true}, mode: StartTLS, username: "alerts",
			wantErr: "permanent failure after 1 attempt: server does not offer STARTTLS", wantPermanent: true},
		{name: "untrusted certificate", sink: sinkOptions{tlsConfig: serverTLS}, mode: StartTLS, clientTLS: nil,
			wantErr: "permanent failure after 1 attempt: STARTTLS: tls: failed to verify certificate", wantPermanent: true},
		{name: "username but no AUTH offered", sink: sinkOptions{}, mode: NoTLS, username: "alerts",
			wantErr: "a username is set but the server offers no AUTH", wantPermanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := (&smtpSink{tlsConfig: tt.sink.tlsConfig, implicit: tt.sink.implicit, auth: tt.sink.auth}).start(t)
			var sl sleeps
			e := sinkEmail(s, &sl)
			e.TLS, e.TLSConfig = tt.mode, tt.clientTLS
			if tt.username != "" {
				e.Username, e.Password = tt.username, "s3cret"
			}
			err := e.Send(context.Background(), Message{ID: "alert-1", Subject: "s", Text: "t"})
			conns, cmds, msgs := s.stats()
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
			if msgs[0].tls != tt.wantTLS || msgs[0].auth != tt.wantAuth {
				t.Errorf("tls, auth = %v, %q, want %v, %q", msgs[0].tls, msgs[0].auth, tt.wantTLS, tt.wantAuth)
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
