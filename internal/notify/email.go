package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// TLSMode says how an Email channel protects its SMTP connection.
type TLSMode string

// TLS modes of an Email channel.
const (
	// StartTLS connects in plain text and upgrades with STARTTLS, refusing a
	// server that does not offer it (no silent downgrade). The default.
	StartTLS TLSMode = "starttls"
	// ImplicitTLS speaks TLS from the first byte, as on port 465.
	ImplicitTLS TLSMode = "tls"
	// NoTLS sends everything in clear text: only for a relay on the same host
	// or a trusted network.
	NoTLS TLSMode = "none"
)

const defaultEmailTimeout = 30 * time.Second

// Email sends a message as a plain-text e-mail through an SMTP server. It is
// safe for concurrent use once set up.
//
// With a Username it authenticates with AUTH PLAIN. net/smtp sends PLAIN
// credentials only over TLS, or in clear text when the server's host is
// localhost, 127.0.0.1 or ::1; so a username with TLS "none" is refused for
// any other host.
type Email struct {
	// Label names the channel in logs; empty means "email via <Addr>".
	Label string
	// Addr is the SMTP server's host:port.
	Addr string
	// From is the sender, "Salesops Alerts <alerts@example.com>" or a bare address.
	From string
	// To are the recipients; every one must be accepted or the send fails.
	To []string
	// Username and Password authenticate with AUTH PLAIN when Username is set.
	Username string
	Password string
	// TLS is the connection's protection; "" means StartTLS.
	TLS TLSMode
	// TLSConfig verifies the server; nil means the system's roots and the
	// host of Addr. Its ServerName, when empty, is set to that host.
	TLSConfig *tls.Config
	// Hello is the name given in EHLO; "" means "localhost".
	Hello string
	// MaxAttempts bounds the tries, the first included; 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Backoff spaces the retries after network errors and 4xx replies.
	Backoff Backoff
	// Timeout bounds each attempt, from dialling to the end of DATA; 0 means 30s.
	Timeout time.Duration
	// Sleep waits between attempts; nil means the package's Sleep.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for the Date header; nil means time.Now.
	Now func() time.Time
}

var _ Notifier = (*Email)(nil)

// Name returns the label, or "email via <Addr>".
func (e *Email) Name() string {
	if e.Label != "" {
		return e.Label
	}
	return e.channel()
}

func (e *Email) channel() string { return "email via " + e.Addr }

// Send builds the e-mail for m and delivers it, retrying network errors and
// 4xx SMTP replies with backoff until MaxAttempts or ctx ends. A 5xx reply
// fails at once with a permanent *Error. The message and the settings are
// checked before any connection: a subject or address with CR or LF is
// refused, so a message cannot smuggle in headers or recipients.
func (e *Email) Send(ctx context.Context, m Message) error {
	channel := e.channel()
	host, err := checkSMTPAddr(e.Addr)
	if err != nil {
		return refuse(channel, err)
	}
	from, to, err := e.addresses()
	if err != nil {
		return refuse(channel, err)
	}
	mode, err := checkTLSMode(e.TLS)
	if err != nil {
		return refuse(channel, err)
	}
	if err := checkAuth(e.Username, e.Password, mode, host); err != nil {
		return refuse(channel, err)
	}
	if err := m.validate(); err != nil {
		return refuse(channel, err)
	}
	if err := checkSubject(m.Subject); err != nil {
		return refuse(channel, err)
	}
	now := e.Now
	if now == nil {
		now = time.Now
	}
	msg := buildEmail(m, from, to, now())
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = defaultEmailTimeout
	}
	r := retrier{channel: channel, maxAttempts: e.MaxAttempts, backoff: e.Backoff, timeout: timeout, sleep: e.Sleep, receipt: m.Receipt}
	return r.do(ctx, func(ctx context.Context) result {
		return e.attempt(ctx, host, mode, from, to, msg)
	})
}

// addresses parses From and To.
func (e *Email) addresses() (*mail.Address, []*mail.Address, error) {
	from, err := parseAddress("from", e.From)
	if err != nil {
		return nil, nil, err
	}
	if len(e.To) == 0 {
		return nil, nil, errors.New("no recipients (to)")
	}
	to := make([]*mail.Address, len(e.To))
	for i, s := range e.To {
		if to[i], err = parseAddress(fmt.Sprintf("to[%d]", i), s); err != nil {
			return nil, nil, err
		}
	}
	return from, to, nil
}

// attempt runs one SMTP transaction on a new connection.
func (e *Email) attempt(ctx context.Context, host string, mode TLSMode, from *mail.Address, to []*mail.Address, msg []byte) result {
	conn, err := e.dial(ctx, host, mode)
	if err != nil {
		return classifySMTP("connect", err)
	}
	// net/smtp knows no context: the deadline bounds each read and write,
	// and closing the connection ends a transaction when ctx is cancelled.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return classifySMTP("greeting", err)
	}
	defer c.Close()
	hello := e.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return classifySMTP("EHLO", err)
	}
	if mode == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return result{permanent: true, err: errors.New(
				"server does not offer STARTTLS; use tls: tls for implicit TLS, or tls: none only for a relay on a trusted network")}
		}
		if err := c.StartTLS(e.tlsConfig(host)); err != nil {
			return classifySMTP("STARTTLS", err)
		}
	}
	if e.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return result{permanent: true, err: errors.New("a username is set but the server offers no AUTH")}
		}
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, host)); err != nil {
			return classifySMTP("AUTH", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return classifySMTP("MAIL FROM", err)
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return classifySMTP("RCPT TO <"+a.Address+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return classifySMTP("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return classifySMTP("DATA", err)
	}
	if err := w.Close(); err != nil {
		return classifySMTP("end of DATA", err)
	}
	// The server has accepted the message: a failed QUIT must not make the
	// caller send it again.
	_ = c.Quit()
	return result{}
}

func (e *Email) dial(ctx context.Context, host string, mode TLSMode) (net.Conn, error) {
	d := &net.Dialer{}
	if mode == ImplicitTLS {
		td := &tls.Dialer{NetDialer: d, Config: e.tlsConfig(host)}
		return td.DialContext(ctx, "tcp", e.Addr)
	}
	return d.DialContext(ctx, "tcp", e.Addr)
}

func (e *Email) tlsConfig(host string) *tls.Config {
	if e.TLSConfig == nil {
		return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	c := e.TLSConfig.Clone()
	if c.ServerName == "" {
		c.ServerName = host
	}
	return c
}

// classifySMTP names the failed step and tells transient failures (4xx
// replies, network errors) from permanent ones (5xx replies, a refused
// certificate, anything else).
func classifySMTP(step string, err error) result {
	r := result{err: fmt.Errorf("%s: %w", step, err), permanent: true}
	var reply *textproto.Error
	var ne net.Error
	switch {
	case errors.As(err, &reply):
		r.permanent = reply.Code >= 500
	case isCertError(err):
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		r.permanent = false
	}
	return r
}

// buildEmail renders an RFC 5322 message with a quoted-printable UTF-8 body:
// quoted-printable keeps lines short and the message 7-bit whatever the text,
// so it needs no 8BITMIME from the server.
func buildEmail(m Message, from *mail.Address, to []*mail.Address, now time.Time) []byte {
	var b bytes.Buffer
	writeHeader(&b, "Date", now.Format(time.RFC1123Z))
	writeHeader(&b, "From", from.String())
	rcpts := make([]string, len(to))
	for i, a := range to {
		rcpts[i] = a.String()
	}
	writeHeader(&b, "To", strings.Join(rcpts, ", "))
	writeHeader(&b, "Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	writeHeader(&b, "Message-ID", messageID(m.ID, from.Address))
	// RFC 3834: keeps vacation auto-replies from answering alerts.
	writeHeader(&b, "Auto-Submitted", "auto-generated")
	writeHeader(&b, "MIME-Version", "1.0")
	writeHeader(&b, "Content-Type", "text/plain; charset=utf-8")
	writeHeader(&b, "Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ToValidUTF8(m.Text, "\uFFFD")))
	_ = qp.Close()
	return b.Bytes()
}

// writeHeader writes "name: value", folding at spaces to keep lines within
// 78 characters where the value allows it. Encoded words and address lists
// have spaces between their parts; a folded line unfolds to the same value.
// The fold may come right after the colon: mime's encoded words are up to 75
// characters, which fit on a line of their own but not after "Subject: ".
func writeHeader(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(":")
	n := len(name) + 1
	for _, w := range strings.Split(value, " ") {
		if w != "" && n+1+len(w) > 78 {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteByte(' ')
		b.WriteString(w)
		n += 1 + len(w)
	}
	b.WriteString("\r\n")
}

// messageID derives "<id@domain>" from the alert ID, so every retry and
// re-send of an alert carries the same Message-ID and mail clients can
// recognise duplicates; a re-notification needs its own Message.ID. Bytes not
// allowed in a dot-atom are written %XX.
func messageID(id, from string) string {
	var b strings.Builder
	b.WriteByte('<')
	for i := 0; i < len(id); i++ {
		c := id[i]
		dotOK := c == '.' && i > 0 && i < len(id)-1 && id[i-1] != '.'
		if isAtext(c) || dotOK {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	domain := from[strings.LastIndexByte(from, '@')+1:]
	if !isDomain(domain) {
		domain = "salesops.invalid"
	}
	b.WriteByte('@')
	b.WriteString(domain)
	b.WriteByte('>')
	return b.String()
}

// isAtext reports an RFC 5322 atext character.
func isAtext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// isDomain reports an ASCII domain of letters, digits, hyphens and dots.
func isDomain(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// checkSubject refuses line breaks, which would end the Subject header and
// start another, and other control characters except tab.
func checkSubject(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("subject %q contains CR or LF (header injection refused)", s)
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f {
			return fmt.Errorf("subject %q contains the control character %U", s, rune(s[i]))
		}
	}
	return nil
}

// parseAddress parses one address of field, refusing line breaks before
// net/mail sees them.
func parseAddress(field, s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("%s %q contains CR or LF (header injection refused)", field, s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not an e-mail address: %w", field, s, err)
	}
	return a, nil
}

// checkSMTPAddr checks host:port and returns the host.
func checkSMTPAddr(addr string) (string, error) {
	if addr == "" {
		return "", errors.New("no SMTP server address (host:port)")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("SMTP server %q is not host:port: %w", addr, err)
	}
	if host == "" {
		return "", fmt.Errorf("SMTP server %q has no host", addr)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return "", fmt.Errorf("SMTP server %q has an invalid port %q", addr, port)
	}
	return host, nil
}

func checkTLSMode(m TLSMode) (TLSMode, error) {
	switch m {
	case "":
		return StartTLS, nil
	case StartTLS, ImplicitTLS, NoTLS:
		return m, nil
	}
	return "", fmt.Errorf("TLS mode %q is not %s, %s or %s", string(m), StartTLS, ImplicitTLS, NoTLS)
}

// checkAuth refuses what net/smtp would refuse later, and a password without
// a username, which would silently not be used.
func checkAuth(username, password string, mode TLSMode, host string) error {
	switch {
	case username == "" && password != "":
		return errors.New("a password is set without a username")
	case username != "" && mode == NoTLS && !isLocalhost(host):
		return fmt.Errorf("username set with TLS mode %q to %s: PLAIN credentials are only sent over TLS, or in clear text to localhost", NoTLS, host)
	}
	return nil
}

// isLocalhost mirrors net/smtp's test for a server allowed PLAIN auth
// without TLS.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
