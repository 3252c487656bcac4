package alerts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/notify"
	"github.com/salesops/salesops/internal/store"
)

// Event is an alert as recorded: when it fired, whether it has resolved, and
// every attempt to deliver it.
type Event struct {
	ID         string     `json:"id"`
	Rule       string     `json:"rule"`
	Subject    string     `json:"subject"`
	Period     string     `json:"period"`
	KPI        string     `json:"kpi,omitempty"`
	Value      *float64   `json:"value"`
	Threshold  *float64   `json:"threshold"`
	Message    string     `json:"message"`
	FiredAt    time.Time  `json:"fired_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Deliveries []Delivery `json:"deliveries"`
}

// Delivery is one attempt to hand an event to a channel.
type Delivery struct {
	Channel     string    `json:"channel"`
	AttemptedAt time.Time `json:"attempted_at"`
	Attempts    int       `json:"attempts"`
	Delivered   bool      `json:"delivered"`
	Permanent   bool      `json:"permanent"`
	Error       string    `json:"error,omitempty"`
}

// Result is what one check did.
type Result struct {
	AsOf     time.Time `json:"as_of"`
	Rules    int       `json:"rules"`
	Holding  int       `json:"holding"`  // alerts whose condition holds, new or already open
	Fired    []Event   `json:"fired"`    // new events
	Resolved []Event   `json:"resolved"` // open events whose condition cleared
	Retried  []Event   `json:"retried"`  // open events whose failed deliveries were tried again
	Errors   []string  `json:"errors"`   // rules that could not be evaluated
}

// Checker evaluates the rules of an alerts file and records and delivers what
// fires. Check may be called from several goroutines; checks run one at a time.
type Checker struct {
	Eng   *kpi.Engine
	Store store.Store
	File  *File
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Notifiers override the channels' notifiers by name (tests); the rest
	// are built from the file.
	Notifiers map[string]notify.Notifier

	mu sync.Mutex
}

// Check evaluates every rule now, opens events for new alerts and delivers
// them, resolves events whose condition cleared, and retries deliveries that
// failed without a permanent error.
func (c *Checker) Check(ctx context.Context) (*Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := c.now()
	dataStart, dataEnd, err := c.Eng.Extent(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{AsOf: at, Rules: len(c.File.Rules), Fired: []Event{}, Resolved: []Event{}, Retried: []Event{}, Errors: []string{}}
	tr := &goals.Tracker{Eng: c.Eng}
	var goalList []*goals.Goal
	var goalErr error
	loaded := false
	stored := func(ctx context.Context) ([]*goals.Goal, error) {
		if !loaded {
			goalList, goalErr = goals.Stored(ctx, c.Store)
			loaded = true
		}
		return goalList, goalErr
	}
	open, err := c.openEvents(ctx)
	if err != nil {
		return nil, err
	}
	org, err := goals.LoadOrg(ctx, c.Store)
	if err != nil {
		return nil, err
	}
	holding := map[string]bool{}
	evaluated := map[string]bool{}
	for _, r := range c.File.Rules {
		if msg := unknownScope(r, org); msg != "" {
			res.Errors = append(res.Errors, "rule "+r.ID+": "+msg)
			continue
		}
		alerts, err := evaluate(ctx, c.Eng, tr, stored, r, at, dataStart, dataEnd)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			res.Errors = append(res.Errors, err.Error())
			continue
		}
		evaluated[r.ID] = true
		for _, a := range alerts {
			holding[a.key()] = true
			res.Holding++
			if _, ok := open[a.key()]; ok {
				continue // already told
			}
			ev := Event{ID: eventID(a, at), Rule: a.Rule, Subject: a.Subject, Period: a.Period, KPI: a.KPI,
				Value: a.Value, Threshold: a.Threshold, Message: a.Message, FiredAt: at, Deliveries: []Delivery{}}
			if err := c.insertEvent(ctx, ev); err != nil {
				return nil, err
			}
			ev.Deliveries = c.deliver(ctx, r, ev, r.Channels)
			res.Fired = append(res.Fired, ev)
		}
	}
	inFile := map[string]bool{}
	for _, r := range c.File.Rules {
		inFile[r.ID] = true
	}
	for key, ev := range open {
		if holding[key] || (inFile[ev.Rule] && !evaluated[ev.Rule]) {
			continue // still holds, or its rule could not be judged this time
		}
		// Cleared, or its rule is no longer in the file: nobody is watching it.
		if err := c.resolve(ctx, ev.ID, at); err != nil {
			return nil, err
		}
		t := at
		ev.ResolvedAt = &t
		res.Resolved = append(res.Resolved, *ev)
	}
	// Deliveries of open events that failed and may yet succeed.
	rules := map[string]*Rule{}
	for _, r := range c.File.Rules {
		rules[r.ID] = r
	}
	for key, ev := range open {
		r := rules[ev.Rule]
		if !holding[key] || r == nil {
			continue
		}
		if pending := pendingChannels(ev, r.Channels); len(pending) > 0 {
			ev.Deliveries = append(ev.Deliveries, c.deliver(ctx, r, *ev, pending)...)
			res.Retried = append(res.Retried, *ev)
		}
	}
	return res, nil
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// pendingChannels are the rule's channels the event has not reached, leaving
// out those that failed permanently.
func pendingChannels(ev *Event, channels []string) []string {
	state := map[string]string{}
	for _, d := range ev.Deliveries { // oldest first: the last word counts
		switch {
		case d.Delivered:
			state[d.Channel] = "delivered"
		case d.Permanent:
			state[d.Channel] = "permanent"
		default:
			state[d.Channel] = "failed"
		}
	}
	var out []string
	for _, ch := range channels {
		if s := state[ch]; s == "" || s == "failed" {
			out = append(out, ch)
		}
	}
	return out
}

// eventID is stable for an alert and the moment it fired, so a receiver that
// sees the same id twice knows it is the same alert.
func eventID(a Alert, at time.Time) string {
	sum := sha256.Sum256([]byte(a.key() + "|" + at.Format(time.RFC3339Nano)))
	return "al_" + hex.EncodeToString(sum[:10])
}

// deliver sends an event to each named channel and records the outcome.
func (c *Checker) deliver(ctx context.Context, r *Rule, ev Event, channels []string) []Delivery {
	var out []Delivery
	for _, name := range channels {
		d := Delivery{Channel: name, AttemptedAt: c.now()}
		n, err := c.notifier(name)
		var rcpt notify.Receipt
		if err == nil {
			m := message(r, ev)
			m.Receipt = &rcpt
			err = n.Send(ctx, m)
		}
		var ne *notify.Error
		switch {
		case err == nil:
			d.Delivered, d.Attempts = true, max(rcpt.Attempts, 1) // a notifier that keeps no receipt made one
		case errors.As(err, &ne):
			d.Attempts, d.Permanent, d.Error = ne.Attempts, ne.Permanent, err.Error()
		default:
			d.Permanent, d.Error = true, err.Error()
		}
		if err := c.insertDelivery(ctx, ev.ID, d); err != nil {
			d.Error = fmt.Sprintf("%s (and recording it failed: %v)", d.Error, err)
		}
		out = append(out, d)
	}
	return out
}

func (c *Checker) notifier(name string) (notify.Notifier, error) {
	if n, ok := c.Notifiers[name]; ok {
		return n, nil
	}
	for _, ch := range c.File.Channels {
		if ch.Name == name {
			return notify.New(ch)
		}
	}
	return nil, fmt.Errorf("channel %q is not declared", name)
}

// Payload is the JSON a webhook receives.
type Payload struct {
	ID          string    `json:"id"`
	Rule        string    `json:"rule"`
	Description string    `json:"description,omitempty"`
	Condition   string    `json:"condition"`
	Subject     string    `json:"subject"`
	Period      string    `json:"period"`
	KPI         string    `json:"kpi,omitempty"`
	Value       *float64  `json:"value"`
	Threshold   *float64  `json:"threshold"`
	Message     string    `json:"message"`
	FiredAt     time.Time `json:"fired_at"`
}

func message(r *Rule, ev Event) notify.Message {
	subject := "[salesops] " + ev.Message
	if len(subject) > 180 {
		subject = subject[:177] + "…"
	}
	text := ev.Message + "\n\nRule: " + r.ID
	if r.Description != "" {
		text += " — " + r.Description
	}
	text += "\nFired: " + ev.FiredAt.Format(time.RFC3339) + "\nAlert id: " + ev.ID + "\n"
	return notify.Message{ID: ev.ID, Subject: subject, Text: text, Payload: Payload{ID: ev.ID, Rule: r.ID, Description: r.Description,
		Condition: r.Condition, Subject: ev.Subject, Period: ev.Period, KPI: ev.KPI, Value: ev.Value, Threshold: ev.Threshold,
		Message: ev.Message, FiredAt: ev.FiredAt}}
}

const (
	insertEventSQL = `INSERT INTO alert_events (event_id, rule_id, dedup_key, subject, period, kpi, value, threshold, message, fired_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertDeliverySQL = `INSERT INTO alert_deliveries (event_id, channel, attempted_at, attempts, delivered, permanent, error)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	resolveSQL = `UPDATE alert_events SET resolved_at = ? WHERE event_id = ? AND resolved_at IS NULL`
	eventsSQL  = `SELECT event_id, rule_id, dedup_key, subject, period, kpi, value, threshold, message, fired_at, resolved_at
		FROM alert_events WHERE (? OR resolved_at IS NULL) AND (? = '' OR rule_id = ?) ORDER BY fired_at DESC, event_id LIMIT ?`
	deliveriesSQL = `SELECT d.event_id, d.channel, d.attempted_at, d.attempts, d.delivered, d.permanent, coalesce(d.error, '')
		FROM alert_deliveries d JOIN alert_events e ON e.event_id = d.event_id
		WHERE (? OR e.resolved_at IS NULL) AND (? = '' OR e.rule_id = ?) ORDER BY d.attempted_at, d.channel`
)

func (c *Checker) insertEvent(ctx context.Context, ev Event) error {
	return c.Store.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertEventSQL, ev.ID, ev.Rule, Alert{Rule: ev.Rule, Subject: ev.Subject, Period: ev.Period}.key(),
			ev.Subject, ev.Period, nullString(ev.KPI), ev.Value, ev.Threshold, ev.Message, ev.FiredAt)
		if err != nil {
			return fmt.Errorf("record alert %s: %w", ev.ID, err)
		}
		return nil
	})
}

func (c *Checker) insertDelivery(ctx context.Context, id string, d Delivery) error {
	return c.Store.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertDeliverySQL, id, d.Channel, d.AttemptedAt, d.Attempts, d.Delivered, d.Permanent, nullString(d.Error))
		return err
	})
}

func (c *Checker) resolve(ctx context.Context, id string, at time.Time) error {
	return c.Store.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, resolveSQL, at, id); err != nil {
			return fmt.Errorf("resolve alert %s: %w", id, err)
		}
		return nil
	})
}

// openEvents are the unresolved events by deduplication key.
func (c *Checker) openEvents(ctx context.Context) (map[string]*Event, error) {
	evs, err := History(ctx, c.Store, HistoryQuery{Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	out := map[string]*Event{}
	for i := range evs {
		ev := &evs[i]
		out[Alert{Rule: ev.Rule, Subject: ev.Subject, Period: ev.Period}.key()] = ev
	}
	return out, nil
}

// HistoryQuery chooses events from the history.
type HistoryQuery struct {
	Resolved bool   // include resolved events
	Rule     string // one rule's; "" for all
	Limit    int    // newest first; 0 means 100
}

// History lists recorded events, newest first, with their deliveries.
func History(ctx context.Context, st store.Store, q HistoryQuery) ([]Event, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	rows, err := st.Query(ctx, eventsSQL, q.Resolved, q.Rule, q.Rule, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("alert history: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	index := map[string]int{}
	for rows.Next() {
		var ev Event
		var key string
		var kpiID sql.NullString
		if err := rows.Scan(&ev.ID, &ev.Rule, &key, &ev.Subject, &ev.Period, &kpiID, &ev.Value, &ev.Threshold, &ev.Message, &ev.FiredAt, &ev.ResolvedAt); err != nil {
			return nil, fmt.Errorf("alert history: %w", err)
		}
		ev.KPI = kpiID.String
		ev.Deliveries = []Delivery{}
		index[ev.ID] = len(out)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alert history: %w", err)
	}
	rows.Close()
	drows, err := st.Query(ctx, deliveriesSQL, q.Resolved, q.Rule, q.Rule)
	if err != nil {
		return nil, fmt.Errorf("alert deliveries: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var id string
		var d Delivery
		if err := drows.Scan(&id, &d.Channel, &d.AttemptedAt, &d.Attempts, &d.Delivered, &d.Permanent, &d.Error); err != nil {
			return nil, fmt.Errorf("alert deliveries: %w", err)
		}
		if i, ok := index[id]; ok {
			out[i].Deliveries = append(out[i].Deliveries, d)
		}
	}
	return out, drows.Err()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
