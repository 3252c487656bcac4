// Package smtptest runs a small SMTP server on 127.0.0.1 for tests, as
// net/http/httptest does for HTTP. The server records the commands, envelopes
// and data it receives, and can be told to refuse a step, to say nothing, to
// offer STARTTLS or implicit TLS with a certificate of its own, and to offer
// AUTH PLAIN, so that a client's handling of each can be tested without a
// mail server.
package smtptest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Step is a point of an SMTP transaction whose reply a test may set with
// Reply.
type Step string

// Steps of a transaction.
const (
	Greeting  Step = "greeting"    // the greeting on connecting (normally 220)
	Mail      Step = "MAIL"        // the reply to MAIL FROM (250)
	Rcpt      Step = "RCPT"        // the reply to each RCPT TO (250)
	Data      Step = "DATA"        // the reply to DATA (354)
	EndOfData Step = "end of DATA" // the reply after the data's final dot (250)
)

// Always, as Reply's times, applies the reply every time.
const Always = 0

// connDeadline bounds a connection, so a client that hangs cannot hold up a
// test for long.
const connDeadline = 10 * time.Second

// Message is one message the server accepted.
type Message struct {
	From string   // the MAIL FROM address, without angle brackets
	To   []string // the accepted RCPT TO addresses, in order, without angle brackets
	Data []byte   // as sent: CRLF line endings kept, dot-stuffing undone, final dot removed
	TLS  bool     // the transaction ran over TLS (after STARTTLS, or implicit)
	Auth string   // the decoded AUTH PLAIN response, "\x00user\x00password"; "" without AUTH
}

// Option configures a Server.
type Option func(*options)

type rule struct {
	step  Step
	reply string
	times int
}

type options struct {
	rules    []rule
	silent   bool
	startTLS bool
	implicit bool
	auth     bool
}

// Reply makes the server answer reply, a full reply line such as
// "451 4.7.1 greylisted", instead of the normal one at step, the first times
// times the step is reached, counted across connections; Always (0) means
// every time. A reply that is not 2xx or 3xx refuses the step: a refused
// greeting closes the connection, a refused RCPT leaves the recipient out,
// a refused end of DATA drops the message. With several Reply options for a
// step, the first that applies wins.
func Reply(step Step, reply string, times int) Option {
	return func(o *options) { o.rules = append(o.rules, rule{step, reply, times}) }
}

// Silent makes the server accept connections and never greet: it reads and
// discards whatever comes until the client hangs up, as a server that has
// stopped responding.
func Silent() Option { return func(o *options) { o.silent = true } }

// StartTLS makes the server offer STARTTLS in its EHLO reply, with a
// certificate for 127.0.0.1 made for it; ClientTLSConfig trusts it.
func StartTLS() Option { return func(o *options) { o.startTLS = true } }

// ImplicitTLS makes the server speak TLS from the first byte, as on port 465,
// with a certificate for 127.0.0.1 made for it; ClientTLSConfig trusts it.
func ImplicitTLS() Option { return func(o *options) { o.implicit = true } }

// AuthPlain makes the server offer AUTH PLAIN and accept any credentials,
// which Message.Auth records.
func AuthPlain() Option { return func(o *options) { o.auth = true } }

// Server is an SMTP server listening on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	t    testing.TB
	opts options
	ln   net.Listener
	tls  *tls.Config       // nil without TLS
	cert *x509.Certificate // nil without TLS
	wg   sync.WaitGroup

	mu     sync.Mutex
	closed bool
	open   map[net.Conn]struct{}
	conns  int
	counts map[Step]int
	cmds   []string
	msgs   []Message
}

// NewServer starts a Server on 127.0.0.1 at a free port. t.Cleanup closes
// it: the listener and any connection still open, waiting for their
// handlers to finish.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, open: map[net.Conn]struct{}{}, counts: map[Step]int{}}
	for _, o := range opts {
		o(&s.opts)
	}
	for _, r := range s.opts.rules {
		if !validReply(r.reply) {
			t.Fatalf("smtptest: reply %q for %s: want a three-digit code, then a space and text", r.reply, r.step)
		}
	}
	if s.opts.startTLS || s.opts.implicit {
		cert, err := newCertificate()
		if err != nil {
			t.Fatalf("smtptest: %v", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.cert = cert.Leaf
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Messages are the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		m.To = append([]string(nil), m.To...)
		m.Data = append([]byte(nil), m.Data...)
		out[i] = m
	}
	return out
}

// Commands are the verbs of the commands received so far, upper-cased, in
// order across connections: "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT" …
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// Conns is how many connections the server has accepted.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Certificate is the server's TLS certificate, or nil without StartTLS or
// ImplicitTLS.
func (s *Server) Certificate() *x509.Certificate { return s.cert }

// ClientTLSConfig returns a new client configuration that trusts the
// server's certificate (for 127.0.0.1, ::1 and localhost), or nil without
// StartTLS or ImplicitTLS. Its ServerName is left for the client to set.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.cert == nil {
		return nil
	}
	roots := x509.NewCertPool()
	roots.AddCert(s.cert)
	return &tls.Config{RootCAs: roots}
}

func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	s.ln.Close()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns++
		s.open[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serve(conn)
			conn.Close()
			s.mu.Lock()
			delete(s.open, conn)
			s.mu.Unlock()
		}()
	}
}

// reply is the normal reply def unless a Reply option overrides it.
func (s *Server) reply(step Step, def string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[step]++
	n := s.counts[step]
	for _, r := range s.opts.rules {
		if r.step == step && (r.times == Always || n <= r.times) {
			return r.reply
		}
	}
	return def
}

func (s *Server) command(verb string) {
	s.mu.Lock()
	s.cmds = append(s.cmds, verb)
	s.mu.Unlock()
}

func (s *Server) record(m Message) {
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
}

func positive(reply string) bool { return reply[0] == '2' || reply[0] == '3' }

// serve runs one connection. raw is the TCP connection, which close shuts
// to end a handler; conn may become a TLS connection over it.
func (s *Server) serve(raw net.Conn) {
	_ = raw.SetDeadline(time.Now().Add(connDeadline))
	if s.opts.silent {
		_, _ = io.Copy(io.Discard, raw)
		return
	}
	conn := raw
	isTLS := s.opts.implicit
	if isTLS {
		conn = tls.Server(raw, s.tls)
	}
	tp := textproto.NewConn(conn)
	// What a reply reports (an accepted recipient or message) is recorded
	// before the reply is sent: a client holding the answer finds it in the
	// server's state.
	send := func(line string) bool { return tp.PrintfLine("%s", line) == nil }
	if r := s.reply(Greeting, "220 smtptest ESMTP ready"); !send(r) || !positive(r) {
		return
	}
	var cur Message
	var auth string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.command(verb)
		switch verb {
		case "EHLO":
			ext := []string{"smtptest greets " + arg, "8BITMIME"}
			if s.opts.startTLS && !isTLS {
				ext = append(ext, "STARTTLS")
			}
			if s.opts.auth {
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
			if verb == "RSET" {
				cur = Message{}
			}
		case "STARTTLS":
			if !s.opts.startTLS || isTLS {
				send("502 5.5.1 not offered")
				continue
			}
			if !send("220 2.0.0 go ahead") {
				return
			}
			tc := tls.Server(conn, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			// RFC 3207: the client starts over after the handshake.
			conn, tp, isTLS = tc, textproto.NewConn(tc), true
			cur, auth = Message{}, ""
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			dec, err := base64.StdEncoding.DecodeString(resp)
			if !s.opts.auth || strings.ToUpper(mech) != "PLAIN" || err != nil {
				send("504 5.5.4 unrecognised authentication")
				continue
			}
			auth = string(dec)
			send("235 2.7.0 authenticated")
		case "MAIL":
			r := s.reply(Mail, "250 2.1.0 ok")
			if positive(r) {
				cur = Message{From: between(arg, "<", ">"), TLS: isTLS, Auth: auth}
			}
			send(r)
		case "RCPT":
			r := s.reply(Rcpt, "250 2.1.5 ok")
			if positive(r) {
				cur.To = append(cur.To, between(arg, "<", ">"))
			}
			send(r)
		case "DATA":
			if r := s.reply(Data, "354 end with <CRLF>.<CRLF>"); !send(r) || !positive(r) {
				continue
			}
			data, err := readData(tp.R)
			if err != nil {
				s.mu.Lock()
				closed := s.closed
				s.mu.Unlock()
				if !closed {
					s.t.Errorf("smtptest: reading DATA: %v", err)
				}
				return
			}
			r := s.reply(EndOfData, "250 2.0.0 queued")
			if positive(r) {
				cur.Data = data
				s.record(cur)
			}
			cur = Message{}
			send(r)
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

// between is the part of s between the first open and the next close.
func between(s, open, close string) string {
	_, s, _ = strings.Cut(s, open)
	s, _, _ = strings.Cut(s, close)
	return s
}

// validReply reports a one-line reply of a three-digit code (2xx to 5xx),
// optionally followed by a space and text.
func validReply(r string) bool {
	if len(r) < 3 || r[0] < '2' || r[0] > '5' || strings.ContainsAny(r, "\r\n") {
		return false
	}
	for _, c := range []byte(r[1:3]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(r) == 3 || r[3] == ' '
}

// newCertificate makes a self-signed certificate for 127.0.0.1, ::1 and
// localhost, valid from an hour ago for a day.
func newCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"smtptest"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // it signs itself; a client trusts it as its own root
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
