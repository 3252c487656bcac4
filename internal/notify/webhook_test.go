package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the tests' clock: 2026-03-14 09:26:53 UTC.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func fixedClock() time.Time { return t0 }

const testSecret = "whsec-0123456789abcdef"

// sleeps records the waits of the retry loop instead of waiting.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

// reply is one answer of the test receiver.
type reply struct {
	status int
	header map[string]string
	body   string
}

// received is one request the test receiver saw.
type received struct {
	method, path string
	header       http.Header
	body         []byte
}

// receiver is a webhook receiver on loopback answering replies in turn, the
// last one repeated.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newReceiver(t *testing.T, replies ...reply) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("receiver: reading body: %v", err)
		}
		rc.mu.Lock()
		n := len(rc.reqs)
		rc.reqs = append(rc.reqs, received{r.Method, r.URL.Path, r.Header.Clone(), body})
		rc.mu.Unlock()
		rp := replies[min(n, len(replies)-1)]
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rp.status)
		_, _ = io.WriteString(w, rp.body)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

// independentHMAC computes the v1 signature without the package's code.
func independentHMAC(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts + "." + string(body)))
	return hex.EncodeToString(h.Sum(nil))
}

func TestWebhookDeliversSignedPayload(t *testing.T) {
	rc := newReceiver(t, reply{status: http.StatusNoContent})
	var sl sleeps
	w := &Webhook{URL: rc.URL + "/alerts", Secret: testSecret, Now: fixedClock, Sleep: sl.sleep}
	m := Message{ID: "alert-7", Subject: "Win rate below 20%", Text: "Win rate is 18%.",
		Payload: map[string]any{"kpi": "win_rate", "value": 0.18, "note": "Umsatz < Ziel"}}
	if err := w.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver saw %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	// encoding/json sorts map keys and escapes < as \u003c.
	wantBody := `{"kpi":"win_rate","note":"Umsatz \u003c Ziel","value":0.18}`
	if string(r.body) != wantBody {
		t.Errorf("body = %s, want %s", r.body, wantBody)
	}
	for _, c := range []struct{ name, got, want string }{
		{"method", r.method, "POST"},
		{"path", r.path, "/alerts"},
		{"Content-Type", r.header.Get("Content-Type"), "application/json"},
		{"User-Agent", r.header.Get("User-Agent"), "salesops"},
		{"Idempotency-Key", r.header.Get("Idempotency-Key"), "alert-7"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if got := sl.got(); len(got) != 0 {
		t.Errorf("slept %v on a first-time success", got)
	}

	// The header format, checked against an HMAC computed here.
	sig := r.header.Get("X-Salesops-Signature")
	match := regexp.MustCompile(`^t=(\d+),v1=([0-9a-f]{64})$`).FindStringSubmatch(sig)
	if match == nil {
		t.Fatalf("signature header %q is not t=<digits>,v1=<64 hex>", sig)
	}
	if want := strconv.FormatInt(t0.Unix(), 10); match[1] != want {
		t.Errorf("t = %s, want %s (the injected clock)", match[1], want)
	}
	if want := independentHMAC(testSecret, match[1], r.body); match[2] != want {
		t.Errorf("v1 = %s, want %s", match[2], want)
	}

	tamperedBody := []byte(strings.Replace(string(r.body), "0.18", "0.81", 1))
	tests := []struct {
		name      string
		secret    string
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error // nil: verifies
	}{
		{"as received", testSecret, r.body, t0.Add(30 * time.Second), time.Minute, nil},
		{"receiver clock a little behind", testSecret, r.body, t0.Add(-30 * time.Second), time.Minute, nil},
		{"default tolerance, 4 minutes old", testSecret, r.body, t0.Add(4 * time.Minute), 0, nil},
		{"wrong secret", "whsec-not-the-right-one", r.body, t0, time.Minute, ErrSignatureMismatch},
		{"tampered body", testSecret, tamperedBody, t0, time.Minute, ErrSignatureMismatch},
		{"empty body", testSecret, nil, t0, time.Minute, ErrSignatureMismatch},
		{"stale: 10 minutes old, 5 allowed", testSecret, r.body, t0.Add(10 * time.Minute), 5 * time.Minute, ErrStaleSignature},
		{"stale under default tolerance: 6 minutes old", testSecret, r.body, t0.Add(6 * time.Minute), 0, ErrStaleSignature},
		{"from the future: 10 minutes ahead", testSecret, r.body, t0.Add(-10 * time.Minute), 5 * time.Minute, ErrStaleSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, sig, tt.body, tt.now, tt.tolerance)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyHeaderFormat(t *testing.T) {
	body := []byte(`{"id":"a1"}`)
	ts := strconv.FormatInt(t0.Unix(), 10)
	good := independentHMAC(testSecret, ts, body)
	other := independentHMAC("an-older-secret-value", ts, body)
	tests := []struct {
		name    string
		secret  string
		header  string
		want    error  // nil: verifies
		wantMsg string // in the message
	}{
		{"canonical", testSecret, "t=" + ts + ",v1=" + good, nil, ""},
		{"spaces after commas", testSecret, "t=" + ts + ", v1=" + good, nil, ""},
		{"order does not matter", testSecret, "v1=" + good + ",t=" + ts, nil, ""},
		{"rotation: second v1 matches", testSecret, "t=" + ts + ",v1=" + other + ",v1=" + good, nil, ""},
		{"unknown scheme ignored", testSecret, "t=" + ts + ",v0=abc,v1=" + good, nil, ""},
		{"only the old secret's signature", testSecret, "t=" + ts + ",v1=" + other, ErrSignatureMismatch, "does not match"},
		{"missing", testSecret, "", ErrNoSignature, "X-Salesops-Signature header is missing"},
		{"no v1", testSecret, "t=" + ts, ErrNoSignature, "no v1="},
		{"no t", testSecret, "v1=" + good, ErrMalformedSignature, "no t="},
		{"not key=value", testSecret, "t=" + ts + ",garbage", ErrMalformedSignature, `"garbage" is not key=value`},
		{"two timestamps", testSecret, "t=" + ts + ",t=" + ts + ",v1=" + good, ErrMalformedSignature, "more than one t="},
		{"timestamp not a number", testSecret, "t=yesterday,v1=" + good, ErrMalformedSignature, `t="yesterday" is not a Unix time`},
		{"negative timestamp", testSecret, "t=-5,v1=" + good, ErrMalformedSignature, "not a Unix time"},
		{"v1 not hex", testSecret, "t=" + ts + ",v1=" + strings.Repeat("z", 64), ErrMalformedSignature, "not 64 hex digits"},
		{"v1 too short", testSecret, "t=" + ts + ",v1=" + good[:62], ErrMalformedSignature, "not 64 hex digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, body, t0, time.Minute)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Verify = %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
	if err := Verify("", "t="+ts+",v1="+good, body, t0, time.Minute); err == nil || !strings.Contains(err.Error(), "empty secret") {
		t.Errorf("Verify with an empty secret = %v, want an empty-secret error", err)
	}
}

func TestSignMatchesIndependentHMAC(t *testing.T) {
	body := []byte(`{"a":1}`)
	// t0 is 1773480413 s after the epoch: 20526 days (1773446400 s) plus
	// 9 h 26 min 53 s (34013 s).
	want := "t=1773480413,v1=" + independentHMAC("k", "1773480413", body)
	if got := Sign("k", t0, body); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestWebhookRetry(t *testing.T) {
	retryAfterDate := t0.Add(5 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name          string
		replies       []reply
		maxAttempts   int
		backoff       Backoff
		wantRequests  int
		wantErr       []string // in the message; nil: success
		wantPermanent bool
		wantSleeps    []time.Duration // exact waits; nil: checked by checkSleeps
		checkSleeps   func(t *testing.T, ds []time.Duration)
	}{
		{
			name:         "503, 503, 200",
			replies:      []reply{{status: 503}, {status: 503}, {status: 200}},
			wantRequests: 3,
			// Base 1s: the first wait is in [0.5s, 1s), the second in [1s, 2s).
			checkSleeps: growingWithin(time.Second, 2),
		},
		{
			name:         "429 with Retry-After: 2",
			replies:      []reply{{status: 429, header: map[string]string{"Retry-After": "2"}}, {status: 200}},
			wantRequests: 2,
			wantSleeps:   []time.Duration{2 * time.Second},
		},
		{
			name:         "503 with Retry-After as an HTTP date",
			replies:      []reply{{status: 503, header: map[string]string{"Retry-After": retryAfterDate}}, {status: 200}},
			wantRequests: 2,
			wantSleeps:   []time.Duration{5 * time.Second},
		},
		{
			name:         "Retry-After capped at Backoff.Max",
			replies:      []reply{{status: 429, header: map[string]string{"Retry-After": "3600"}}, {status: 200}},
			backoff:      Backoff{Max: 30 * time.Second},
			wantRequests: 2,
			wantSleeps:   []time.Duration{30 * time.Second},
		},
		{
			name:          "400 is permanent",
			replies:       []reply{{status: 400, body: `{"error":"unknown field \"kpi\""}`}},
			wantRequests:  1,
			wantErr:       []string{"/alerts: permanent failure after 1 attempt: HTTP 400 Bad Request", `unknown field`},
			wantPermanent: true,
			wantSleeps:    []time.Duration{},
		},
		{
			name:          "404 is permanent",
			replies:       []reply{{status: 404}, {status: 200}},
			wantRequests:  1,
			wantErr:       []string{"HTTP 404 Not Found"},
			wantPermanent: true,
			wantSleeps:    []time.Duration{},
		},
		{
			name:          "redirect is not followed",
			replies:       []reply{{status: 302, header: map[string]string{"Location": "/elsewhere"}}},
			wantRequests:  1,
			wantErr:       []string{"HTTP 302 Found (redirects are not followed"},
			wantPermanent: true,
			wantSleeps:    []time.Duration{},
		},
		{
			name:          "long error body cut to a snippet",
			replies:       []reply{{status: 422, body: strings.Repeat("x", 1000)}},
			wantRequests:  1,
			wantErr:       []string{`"` + strings.Repeat("x", 256) + `..."`},
			wantPermanent: true,
			wantSleeps:    []time.Duration{},
		},
		{
			name:         "always 500",
			replies:      []reply{{status: 500, body: "database is down"}},
			maxAttempts:  4,
			wantRequests: 4,
			wantErr:      []string{"/alerts: giving up after 4 attempts: HTTP 500 Internal Server Error", "database is down"},
			// Waits in [0.5s, 1s), [1s, 2s), [2s, 4s).
			checkSleeps: growingWithin(time.Second, 3),
		},
		{
			name:         "default of 5 attempts",
			replies:      []reply{{status: 502}},
			wantRequests: 5,
			wantErr:      []string{"giving up after 5 attempts: HTTP 502 Bad Gateway"},
			checkSleeps:  growingWithin(time.Second, 4),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.replies...)
			var sl sleeps
			w := &Webhook{URL: rc.URL + "/alerts", Secret: testSecret, MaxAttempts: tt.maxAttempts,
				Backoff: tt.backoff, Now: fixedClock, Sleep: sl.sleep}
			var rcpt Receipt
			err := w.Send(context.Background(), Message{ID: "alert-1", Subject: "s", Text: "t", Receipt: &rcpt})
			if got := len(rc.requests()); got != tt.wantRequests {
				t.Errorf("receiver saw %d requests, want %d", got, tt.wantRequests)
			}
			if rcpt.Attempts != tt.wantRequests {
				t.Errorf("receipt says %d attempts, the receiver saw %d", rcpt.Attempts, tt.wantRequests)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Send = %v, want success", err)
				}
			} else {
				var ne *Error
				if !errors.As(err, &ne) {
					t.Fatalf("Send = %v (%T), want *Error", err, err)
				}
				if ne.Attempts != tt.wantRequests || ne.Permanent != tt.wantPermanent {
					t.Errorf("Attempts, Permanent = %d, %v, want %d, %v", ne.Attempts, ne.Permanent, tt.wantRequests, tt.wantPermanent)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "notify: webhook "+rc.URL+"/alerts: ") {
					t.Errorf("error %q does not name the URL %s/alerts", msg, rc.URL)
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not contain %q", msg, want)
					}
				}
				var se *StatusError
				if !errors.As(err, &se) {
					t.Errorf("error does not wrap a *StatusError")
				}
			}
			got := sl.got()
			if tt.wantSleeps != nil && !equalDurations(got, tt.wantSleeps) {
				t.Errorf("slept %v, want %v", got, tt.wantSleeps)
			}
			if tt.checkSleeps != nil {
				tt.checkSleeps(t, got)
			}
		})
	}
}

// growingWithin checks n jittered waits: wait i (from 0) is in
// [base·2^i / 2, base·2^i), so each is longer than the one before.
func growingWithin(base time.Duration, n int) func(*testing.T, []time.Duration) {
	return func(t *testing.T, ds []time.Duration) {
		t.Helper()
		if len(ds) != n {
			t.Fatalf("slept %d times (%v), want %d", len(ds), ds, n)
		}
		for i, d := range ds {
			hi := base << i
			if d < hi/2 || d >= hi {
				t.Errorf("wait %d = %v, want in [%v, %v)", i+1, d, hi/2, hi)
			}
			if i > 0 && d <= ds[i-1] {
				t.Errorf("wait %d = %v is not longer than wait %d = %v", i+1, d, i, ds[i-1])
			}
		}
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWebhookContextEnds(t *testing.T) {
	t.Run("cancelled during the backoff", func(t *testing.T) {
		rc := newReceiver(t, reply{status: 503})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sleeps := 0
		w := &Webhook{URL: rc.URL, Now: fixedClock, Sleep: func(ctx context.Context, d time.Duration) error {
			sleeps++
			cancel()
			return Sleep(ctx, d) // the real sleep, which must return at once
		}}
		start := time.Now()
		err := w.Send(ctx, Message{ID: "a1"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
		if time.Since(start) > 500*time.Millisecond {
			t.Errorf("Send took %v after cancellation", time.Since(start))
		}
		if !strings.Contains(err.Error(), "stopped after 1 attempt") || !strings.Contains(err.Error(), "HTTP 503") {
			t.Errorf("error %q should say it stopped after 1 attempt and give the last error", err)
		}
		if n := len(rc.requests()); n != 1 || sleeps != 1 {
			t.Errorf("requests, sleeps = %d, %d, want 1, 1", n, sleeps)
		}
	})
	t.Run("cancelled before sending", func(t *testing.T) {
		rc := newReceiver(t, reply{status: 200})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := (&Webhook{URL: rc.URL}).Send(ctx, Message{ID: "a1"})
		var ne *Error
		if !errors.Is(err, context.Canceled) || !errors.As(err, &ne) || ne.Attempts != 0 {
			t.Fatalf("Send = %v, want context.Canceled with 0 attempts", err)
		}
		if n := len(rc.requests()); n != 0 {
			t.Errorf("receiver saw %d requests, want 0", n)
		}
	})
	t.Run("cancelled during a request", func(t *testing.T) {
		arrived := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Reading the body lets the server notice the client hanging up.
			_, _ = io.ReadAll(r.Body)
			close(arrived)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}))
		t.Cleanup(srv.Close)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-arrived
			cancel()
		}()
		var sl sleeps
		err := (&Webhook{URL: srv.URL, Sleep: sl.sleep}).Send(ctx, Message{ID: "a1"})
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped after 1 attempt") {
			t.Fatalf("Send = %v, want context.Canceled after 1 attempt", err)
		}
		if len(sl.got()) != 0 {
			t.Errorf("slept %v after cancellation", sl.got())
		}
	})
	t.Run("each attempt has its own timeout", func(t *testing.T) {
		var mu sync.Mutex
		requests := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			requests++
			mu.Unlock()
			_, _ = io.ReadAll(r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}))
		t.Cleanup(srv.Close)
		var sl sleeps
		w := &Webhook{URL: srv.URL, Timeout: 50 * time.Millisecond, MaxAttempts: 2, Sleep: sl.sleep}
		err := w.Send(context.Background(), Message{ID: "a1"})
		var ne *Error
		if !errors.As(err, &ne) || ne.Permanent || ne.Attempts != 2 {
			t.Fatalf("Send = %v, want a transient *Error after 2 attempts", err)
		}
		if !strings.Contains(err.Error(), "attempt timed out after 50ms") {
			t.Errorf("error %q does not say the attempt timed out", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if requests != 2 {
			t.Errorf("receiver saw %d requests, want 2", requests)
		}
	})
}

func TestWebhookErrorHidesCredentials(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL // http://127.0.0.1:port
	srv.Close()     // nothing listens there now: connection refused
	raw := strings.Replace(base, "http://", "http://robot:hunter2@", 1) + "/hook?token=s3cret-token"
	var sl sleeps
	w := &Webhook{URL: raw, MaxAttempts: 2, Sleep: sl.sleep}
	err := w.Send(context.Background(), Message{ID: "a1"})
	var ne *Error
	if !errors.As(err, &ne) || ne.Permanent || ne.Attempts != 2 {
		t.Fatalf("Send = %v, want a transient *Error after 2 attempts", err)
	}
	msg := err.Error()
	if want := "notify: webhook " + base + "/hook: giving up after 2 attempts: "; !strings.HasPrefix(msg, want) {
		t.Errorf("error %q does not start with %q", msg, want)
	}
	for _, secret := range []string{"hunter2", "robot", "s3cret-token"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q reveals %q", msg, secret)
		}
		if strings.Contains(w.Name(), secret) {
			t.Errorf("Name() %q reveals %q", w.Name(), secret)
		}
	}
	if len(sl.got()) != 1 {
		t.Errorf("slept %v, want one wait between the two attempts", sl.got())
	}
}

func TestWebhookPayload(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"nil payload: id, subject and text", Message{ID: "a1", Subject: "Goal slipped", Text: "Q3 revenue at 61%"},
			`{"id":"a1","subject":"Goal slipped","text":"Q3 revenue at 61%"}`},
		{"raw JSON as is", Message{ID: "a1", Payload: json.RawMessage(`{"text":"for Slack"}`)}, `{"text":"for Slack"}`},
		{"struct", Message{ID: "a1", Payload: struct {
			KPI   string  `json:"kpi"`
			Value float64 `json:"value"`
		}{"win_rate", 0.25}}, `{"kpi":"win_rate","value":0.25}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, reply{status: 200})
			if err := (&Webhook{URL: rc.URL}).Send(context.Background(), tt.m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := string(rc.requests()[0].body); got != tt.want {
				t.Errorf("body = %s, want %s", got, tt.want)
			}
			if h := rc.requests()[0].header.Get("X-Salesops-Signature"); h != "" {
				t.Errorf("signature %q sent without a secret", h)
			}
		})
	}
}

func TestWebhookRefusesBeforeSending(t *testing.T) {
	rc := newReceiver(t, reply{status: 200})
	tests := []struct {
		name string
		url  string
		m    Message
		want string
	}{
		{"no ID", rc.URL, Message{Subject: "s"}, "message has no ID"},
		{"ID too long", rc.URL, Message{ID: strings.Repeat("a", 256)}, "message ID is 256 bytes long; at most 255"},
		{"line break in ID", rc.URL, Message{ID: "a1\r\nX-Evil: 1"}, `message ID "a1\r\nX-Evil: 1" contains the control character U+000D`},
		{"payload not JSON", rc.URL, Message{ID: "a1", Payload: func() {}}, "payload is not JSON"},
		{"no URL", "", Message{ID: "a1"}, "no URL"},
		{"ftp URL", "ftp://files.example.com/x", Message{ID: "a1"}, `URL scheme "ftp" is not http or https`},
		{"relative URL", "/alerts", Message{ID: "a1"}, `URL scheme "" is not http or https`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Webhook{URL: tt.url}).Send(context.Background(), tt.m)
			var ne *Error
			if !errors.As(err, &ne) || ne.Attempts != 0 || !ne.Permanent {
				t.Fatalf("Send = %v, want a permanent *Error with 0 attempts", err)
			}
			if !strings.Contains(err.Error(), "not sent: "+tt.want) {
				t.Errorf("error %q does not contain %q", err, "not sent: "+tt.want)
			}
		})
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("receiver saw %d requests, want 0", n)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"2", 2 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{t0.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{t0.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"99999999999999999", 1<<63 - 1},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, t0); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func FuzzVerify(f *testing.F) {
	body := []byte(`{"id":"a1"}`)
	f.Add(Sign(testSecret, t0, body), body)
	f.Add("t=1,v1=00", []byte{})
	f.Add("t=,v1=,v1=", []byte("x"))
	f.Add(",,,=", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		_ = Verify(testSecret, header, body, t0, time.Minute) // must not panic
		if err := Verify(testSecret, Sign(testSecret, t0, body), body, t0, time.Minute); err != nil {
			t.Fatalf("Verify(Sign) = %v", err)
		}
	})
}
