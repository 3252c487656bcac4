package notify

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		name string
		b    Backoff
		n    int
		lo   time.Duration // inclusive
		hi   time.Duration // exclusive
	}{
		// Defaults: base 1s, cap 1m. Wait n is jittered into [d/2, d), d = 1s·2^(n-1).
		{"defaults, first wait", Backoff{}, 1, 500 * time.Millisecond, time.Second},
		{"defaults, third wait", Backoff{}, 3, 2 * time.Second, 4 * time.Second},
		{"defaults, 7th wait: 64s capped to 60s", Backoff{}, 7, 30 * time.Second, time.Minute},
		{"defaults, 100th wait stays capped", Backoff{}, 100, 30 * time.Second, time.Minute},
		{"base 100ms, fourth wait: 800ms", Backoff{Base: 100 * time.Millisecond}, 4, 400 * time.Millisecond, 800 * time.Millisecond},
		{"cap below base", Backoff{Base: 10 * time.Second, Max: 2 * time.Second}, 1, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 200 {
				if d := tt.b.delay(tt.n); d < tt.lo || d >= tt.hi {
					t.Fatalf("delay(%d) = %v, want in [%v, %v)", tt.n, d, tt.lo, tt.hi)
				}
			}
		})
	}
	if d := (Backoff{Base: 1, Max: 1}).delay(1); d != 1 {
		t.Errorf("delay of 1ns = %v, want 1ns (too short to jitter)", d)
	}
}

func TestRetrierStopsOnPermanent(t *testing.T) {
	calls := 0
	r := retrier{channel: "test", maxAttempts: 5, timeout: time.Second,
		sleep: func(context.Context, time.Duration) error { return nil }}
	permanent := errors.New("no such mailbox")
	err := r.do(context.Background(), func(context.Context) result {
		calls++
		if calls < 3 {
			return result{err: errors.New("connection reset")}
		}
		return result{err: permanent, permanent: true}
	})
	var ne *Error
	if !errors.As(err, &ne) || !errors.Is(err, permanent) || ne.Attempts != 3 || !ne.Permanent {
		t.Fatalf("do = %v, want a permanent *Error after 3 attempts wrapping %v", err, permanent)
	}
	if want := "notify: test: permanent failure after 3 attempts: no such mailbox"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if calls != 3 {
		t.Errorf("attempted %d times, want 3", calls)
	}
}

func TestSleepReturnsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep = %v, want context.Canceled", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("Sleep took %v after cancellation", time.Since(start))
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep = %v, want nil", err)
	}
}
