package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Headers of a webhook request.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
	SignatureHeader = "X-Salesops-Signature"
	// IdempotencyHeader carries the message ID; a receiver that has seen it
	// already can answer 2xx and do nothing.
	IdempotencyHeader = "Idempotency-Key"
	userAgent         = "salesops"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

const defaultWebhookTimeout = 10 * time.Second

// Webhook POSTs a message's JSON payload to a URL, signed with a shared
// secret. It is safe for concurrent use once set up.
type Webhook struct {
	// Label names the channel in logs; empty means "webhook <URL>".
	Label string
	// URL receives the POST; http or https.
	URL string
	// Secret signs every request (see Sign). Empty sends no signature, which
	// leaves receivers unable to tell our requests from forgeries.
	Secret string
	// Client sends the requests; nil means one that follows no redirects, as
	// a redirected POST would arrive as a GET without its body.
	Client *http.Client
	// MaxAttempts bounds the tries, the first included; 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Backoff spaces the retries after network errors, 429 and 5xx.
	Backoff Backoff
	// Timeout bounds each attempt; 0 means 10s.
	Timeout time.Duration
	// Sleep waits between attempts; nil means the package's Sleep.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for signature timestamps; nil means time.Now.
	Now func() time.Time
}

var _ Notifier = (*Webhook)(nil)

// Name returns the label, or "webhook " and the URL without credentials or query.
func (w *Webhook) Name() string {
	if w.Label != "" {
		return w.Label
	}
	return w.channel()
}

// channel names the destination in errors, without credentials or query.
func (w *Webhook) channel() string {
	u, err := url.Parse(w.URL)
	if err != nil {
		return "webhook (invalid URL)"
	}
	return "webhook " + redactURL(u)
}

// Send POSTs m's payload, retrying network errors, 429 and 5xx answers
// with backoff (honouring Retry-After) until MaxAttempts or ctx ends. Other
// answers outside 2xx fail at once with a permanent *Error wrapping a
// *StatusError.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	channel := w.channel()
	if err := checkWebhookURL(w.URL); err != nil {
		return refuse(channel, err)
	}
	if err := m.validate(); err != nil {
		return refuse(channel, err)
	}
	body, err := payload(m)
	if err != nil {
		return refuse(channel, err)
	}
	client := w.Client
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	now := w.Now
	if now == nil {
		now = time.Now
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = defaultWebhookTimeout
	}
	r := retrier{channel: channel, maxAttempts: w.MaxAttempts, backoff: w.Backoff, timeout: timeout, sleep: w.Sleep, receipt: m.Receipt}
	return r.do(ctx, func(ctx context.Context) result {
		return w.attempt(ctx, client, now, m.ID, body)
	})
}

func (w *Webhook) attempt(ctx context.Context, client *http.Client, now func() time.Time, id string, body []byte) result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return result{err: stripURL(err), permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(IdempotencyHeader, id)
	if w.Secret != "" {
		// Signed at each attempt so that a retry after a long wait is not
		// refused as stale.
		req.Header.Set(SignatureHeader, Sign(w.Secret, now(), body))
	}
	resp, err := client.Do(req)
	if err != nil {
		err = stripURL(err)
		return result{err: err, permanent: isCertError(err)}
	}
	defer func() {
		// Drained so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return result{}
	}
	se := &StatusError{Code: resp.StatusCode, Status: resp.Status, Body: snippet(resp.Body)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return result{err: se, after: retryAfter(resp.Header.Get("Retry-After"), now())}
	}
	return result{err: se, permanent: true}
}

// StatusError is a receiver's answer outside 2xx.
type StatusError struct {
	Code   int
	Status string // "503 Service Unavailable"
	Body   string // the start of the response body, for the error message
}

func (e *StatusError) Error() string {
	s := "HTTP " + e.Status
	if e.Status == "" {
		s = "HTTP " + strconv.Itoa(e.Code)
	}
	if e.Code >= 300 && e.Code < 400 {
		s += " (redirects are not followed; configure the final URL)"
	}
	if e.Body != "" {
		s += ": " + strconv.Quote(e.Body)
	}
	return s
}

const snippetLen = 256

// snippet reads the start of a response body for an error message.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, snippetLen+1))
	cut := len(b) > snippetLen
	if cut {
		b = b[:snippetLen]
		// Drop a rune cut in half.
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0; i++ {
			if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size != 1 {
				break
			}
			b = b[:len(b)-1]
		}
	}
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
	if cut {
		s += "..."
	}
	return s
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// 0 means absent, unreadable or already past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > math.MaxInt64/int64(time.Second) {
			return math.MaxInt64
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// payload is the JSON body of m.
func payload(m Message) ([]byte, error) {
	v := m.Payload
	if v == nil {
		v = struct {
			ID      string `json:"id"`
			Subject string `json:"subject"`
			Text    string `json:"text"`
		}{m.ID, m.Subject, m.Text}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("payload is not JSON: %w", err)
	}
	return b, nil
}

// checkWebhookURL accepts absolute http and https URLs. Its errors do not
// repeat the URL, which may hold credentials.
func checkWebhookURL(raw string) error {
	if raw == "" {
		return errors.New("no URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL: %w", stripURL(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("URL scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("URL has no host")
	}
	return nil
}

// redactURL is u without user info, query or fragment, fit for logs.
func redactURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
}

// stripURL drops the *url.Error wrapper, whose message repeats the URL with
// its query (net/http only hides the password).
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// isCertError reports a TLS certificate the client refused: retrying will
// not make it acceptable.
func isCertError(err error) bool {
	var ce *tls.CertificateVerificationError
	return errors.As(err, &ce)
}

// Sign returns the SignatureHeader value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". The
// timestamp is inside the signed content so that a captured request cannot be
// replayed later than Verify's tolerance.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Errors of Verify, wrapped with details; test them with errors.Is.
var (
	ErrNoSignature        = errors.New("no signature")
	ErrMalformedSignature = errors.New("malformed signature header")
	ErrSignatureMismatch  = errors.New("signature does not match the body (wrong secret or altered body)")
	ErrStaleSignature     = errors.New("signature timestamp outside the tolerance (replayed request or clock skew)")
)

// Verify checks a SignatureHeader value for the raw request body, as a
// receiver must before trusting it: the HMAC must match under secret, and the
// signed timestamp must be within tolerance of now (tolerance ≤ 0 means
// DefaultTolerance). Several v1 entries are accepted, any of which may match
// (for rotating secrets); unknown keys are ignored.
func Verify(secret string, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return errors.New("notify: verify: empty secret")
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return fmt.Errorf("notify: %w: the %s header is missing or empty", ErrNoSignature, SignatureHeader)
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("notify: %w: %q is not key=value", ErrMalformedSignature, part)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("notify: %w: more than one t=", ErrMalformedSignature)
			}
			if v == "" {
				return fmt.Errorf("notify: %w: empty t=", ErrMalformedSignature)
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return fmt.Errorf("notify: %w: v1=%q is not %d hex digits", ErrMalformedSignature, v, 2*sha256.Size)
			}
			sigs = append(sigs, sig)
		}
	}
	if ts == "" {
		return fmt.Errorf("notify: %w: no t= timestamp", ErrMalformedSignature)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("notify: %w: no v1= signature", ErrNoSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec < 0 {
		return fmt.Errorf("notify: %w: t=%q is not a Unix time in seconds", ErrMalformedSignature, ts)
	}
	want := mac(secret, ts, body)
	match := false
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			match = true
		}
	}
	if !match {
		return fmt.Errorf("notify: %w", ErrSignatureMismatch)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	signed := time.Unix(sec, 0)
	switch age := now.Sub(signed); {
	case age > tolerance:
		return fmt.Errorf("notify: %w: signed at %s, %s before now; tolerance %s",
			ErrStaleSignature, signed.UTC().Format(time.RFC3339), age.Round(time.Second), tolerance)
	case -age > tolerance:
		return fmt.Errorf("notify: %w: signed at %s, %s after now; tolerance %s",
			ErrStaleSignature, signed.UTC().Format(time.RFC3339), (-age).Round(time.Second), tolerance)
	}
	return nil
}
