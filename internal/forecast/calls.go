package forecast

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/store"
)

// Call is a manager's own forecast for a scope and month.
type Call struct {
	Scope       string    `json:"scope"`
	Period      string    `json:"period"`
	Amount      float64   `json:"amount"`
	Note        string    `json:"note,omitempty"`
	SubmittedAt time.Time `json:"submitted_at"`
	SubmittedBy string    `json:"submitted_by"`
}

// Validate checks a call before it is stored.
func (c Call) Validate() error {
	if c.Scope != "org" {
		kind, id, _ := strings.Cut(c.Scope, ":")
		if (kind != "team" && kind != "rep") || id == "" {
			return fmt.Errorf("scope %q: want org, team:ID or rep:ID", c.Scope)
		}
	}
	if _, err := time.Parse("2006-01", c.Period); err != nil {
		return fmt.Errorf("period %q: want a month, YYYY-MM", c.Period)
	}
	if math.IsNaN(c.Amount) || math.IsInf(c.Amount, 0) || c.Amount < 0 {
		return fmt.Errorf("amount %v: want a number of at least 0", c.Amount)
	}
	if strings.TrimSpace(c.SubmittedBy) == "" {
		return fmt.Errorf("who submits the call is required")
	}
	return nil
}

// SubmitCall stores a call; earlier calls for the same scope and month stay in
// the history.
func SubmitCall(ctx context.Context, st store.Store, c Call) error {
	if err := c.Validate(); err != nil {
		return err
	}
	var note any
	if c.Note != "" {
		note = c.Note
	}
	return st.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO forecast_calls (scope, period, amount, note, submitted_at, submitted_by) VALUES (?, ?, ?, ?, ?, ?)`,
			c.Scope, c.Period, c.Amount, note, c.SubmittedAt.UTC(), c.SubmittedBy)
		return err
	})
}

// Calls lists every call of a scope ("" for all scopes), oldest first.
func Calls(ctx context.Context, st store.Store, scope string) ([]Call, error) {
	rows, err := st.Query(ctx, `SELECT scope, period, amount, coalesce(note, ''), submitted_at, submitted_by FROM forecast_calls
		WHERE ? = '' OR scope = ? ORDER BY submitted_at, scope, period`, scope, scope)
	if err != nil {
		return nil, fmt.Errorf("read forecast calls: %w", err)
	}
	defer rows.Close()
	out := []Call{}
	for rows.Next() {
		var c Call
		if err := rows.Scan(&c.Scope, &c.Period, &c.Amount, &c.Note, &c.SubmittedAt, &c.SubmittedBy); err != nil {
			return nil, fmt.Errorf("read forecast calls: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// latestCalls is the current call (the latest submitted) per month of a scope.
func latestCalls(calls []Call, scope string) map[string]Call {
	out := map[string]Call{}
	for _, c := range calls {
		if c.Scope == scope {
			out[c.Period] = c // oldest first: later ones win
		}
	}
	return out
}
