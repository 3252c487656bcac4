// Package notify delivers alerts to people: signed webhooks and e-mail. It
// only delivers; deciding that an alert fires, deduplicating it and keeping its
// history belong to the callers, which hand each delivery a Message whose ID
// lets receivers drop duplicates.
package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Message is one alert to deliver.
type Message struct {
	// ID identifies the alert. Webhooks send it as the Idempotency-Key header
	// and e-mail derives the Message-ID from it, so a retried or re-sent alert
	// can be recognised by its receiver. Required; at most 255 bytes, no
	// control characters.
	ID string
	// Subject is a one-line summary for people (the e-mail subject).
	Subject string
	// Text is the body for people (the e-mail body).
	Text string
	// Payload is the webhook's JSON body, marshalled with encoding/json (a
	// json.RawMessage is sent as is). Nil sends {"id", "subject", "text"}.
	Payload any
	// Receipt, when set, is told how many attempts the send took, whether it
	// succeeded or not (an *Error says it too, but a success has no error).
	Receipt *Receipt
}

// Receipt is what a channel reports of one Send.
type Receipt struct {
	Attempts int
}

// maxIDLen bounds a message ID, which goes into headers: escaped into a
// Message-ID it stays far below e-mail's 998-character line limit.
const maxIDLen = 255

// validate checks what every channel needs of a message.
func (m Message) validate() error {
	if m.ID == "" {
		return errors.New("message has no ID")
	}
	if len(m.ID) > maxIDLen {
		return fmt.Errorf("message ID is %d bytes long; at most %d", len(m.ID), maxIDLen)
	}
	if i := indexControl(m.ID); i >= 0 {
		return fmt.Errorf("message ID %q contains the control character %U", m.ID, rune(m.ID[i]))
	}
	return nil
}

// Notifier delivers messages over one channel.
type Notifier interface {
	// Name identifies the channel in logs; it holds no secret.
	Name() string
	// Send delivers m, retrying transient failures, and returns an *Error
	// when it could not.
	Send(ctx context.Context, m Message) error
}

// Error is a delivery that failed.
type Error struct {
	// Channel says where the message was going, without credentials:
	// "webhook https://hooks.example.com/alerts", "email via smtp.example.com:587".
	Channel string
	// Attempts is how many times delivery was tried; 0 when the message or
	// the channel's settings were refused before any connection.
	Attempts int
	// Permanent is true when sending the same message again will fail the
	// same way (a 4xx answer, a 5xx SMTP reply, a bad setting).
	Permanent bool
	// Err is the last attempt's error. When ctx ended, it wraps ctx's error.
	Err error

	stopped bool // ctx ended before the attempts ran out
}

func (e *Error) Error() string {
	var how string
	switch {
	case e.Attempts == 0:
		how = "not sent"
	case e.stopped:
		how = "stopped after " + attempts(e.Attempts)
	case e.Permanent:
		how = "permanent failure after " + attempts(e.Attempts)
	default:
		how = "giving up after " + attempts(e.Attempts)
	}
	return "notify: " + e.Channel + ": " + how + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}

// Backoff spaces retries: the wait before attempt n+1 is Base·2^(n-1), capped
// at Max, then jittered to a random value in [d/2, d) so that many senders
// failing together do not retry together. Waits still grow from one retry to
// the next until the cap.
type Backoff struct {
	Base time.Duration // 0 means 1s
	Max  time.Duration // cap on any wait, a server's Retry-After included; 0 means 1m
}

// Defaults shared by the channels.
const (
	DefaultMaxAttempts = 5
	defaultBase        = time.Second
	defaultMax         = time.Minute
)

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = defaultBase
	}
	if b.Max <= 0 {
		b.Max = defaultMax
	}
	return b
}

// delay is the jittered wait after the n-th failed attempt (n ≥ 1).
func (b Backoff) delay(n int) time.Duration {
	b = b.withDefaults()
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(d-half)
}

// Sleep waits d or until ctx ends, returning ctx's error in that case. It is
// the channels' default; tests inject one that records the waits.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// result is what one attempt tells the retry loop.
type result struct {
	err       error
	permanent bool          // retrying cannot help
	after     time.Duration // the server asked to wait this long; 0 means use the backoff
}

// retry settings of a channel.
type retrier struct {
	channel     string
	maxAttempts int
	backoff     Backoff
	timeout     time.Duration // per attempt
	sleep       func(context.Context, time.Duration) error
	receipt     *Receipt // told the attempts made, when not nil
}

// do runs attempt until it succeeds, fails permanently, runs out of attempts
// or ctx ends. Each attempt gets its own timeout.
func (r retrier) do(ctx context.Context, attempt func(ctx context.Context) result) error {
	maxAttempts := r.maxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	sleep := r.sleep
	if sleep == nil {
		sleep = Sleep
	}
	b := r.backoff.withDefaults()
	if err := ctx.Err(); err != nil {
		return &Error{Channel: r.channel, Err: err, stopped: true}
	}
	for n := 1; ; n++ {
		if r.receipt != nil {
			r.receipt.Attempts = n
		}
		own := time.Now().Add(r.timeout)
		actx, cancel := context.WithDeadline(ctx, own)
		res := attempt(actx)
		// Read from the clock: a connection deadline can fire a moment
		// before actx is marked done.
		timedOut := !time.Now().Before(own)
		cancel()
		if res.err == nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return &Error{Channel: r.channel, Attempts: n, stopped: true,
				Err: fmt.Errorf("%w (last error: %w)", err, res.err)}
		}
		if timedOut && !res.permanent {
			res.err = fmt.Errorf("attempt timed out after %s: %w", r.timeout, res.err)
		}
		if res.permanent || n >= maxAttempts {
			return &Error{Channel: r.channel, Attempts: n, Permanent: res.permanent, Err: res.err}
		}
		wait := b.delay(n)
		if res.after > 0 {
			wait = min(res.after, b.Max)
		}
		if err := sleep(ctx, wait); err != nil {
			return &Error{Channel: r.channel, Attempts: n, stopped: true,
				Err: fmt.Errorf("%w (last error: %w)", err, res.err)}
		}
	}
}

// refuse is the error for a message or setting refused before any attempt.
func refuse(channel string, err error) error {
	return &Error{Channel: channel, Permanent: true, Err: err}
}

// indexControl returns the index of the first ASCII control character in s
// (DEL included), or -1.
func indexControl(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return i
		}
	}
	return -1
}
