package pipeline

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/store"
)

// Flow is one line of a waterfall, in deals and amount.
type Flow struct {
	Deals  int     `json:"deals"`
	Amount float64 `json:"amount"`
}

func (f *Flow) add(amount float64) {
	f.Deals++
	f.Amount += amount
}

// Waterfall explains how the pipeline due by the end of a window changed over
// it: Start + Created + PulledIn − Won − Lost − SlippedOut + AmountChange = End,
// exactly, in deals and in amount.
type Waterfall struct {
	From, To     time.Time `json:"-"`
	Start        Flow      `json:"start"`         // open at From and due before To, as things stood at From
	Created      Flow      `json:"created"`       // created in the window and due before To
	PulledIn     Flow      `json:"pulled_in"`     // open at From but due later then; brought into the window since
	Won          Flow      `json:"won"`           // won in the window
	Lost         Flow      `json:"lost"`          // lost in the window
	SlippedOut   Flow      `json:"slipped_out"`   // due in the window at From, still open at To but now due later
	AmountChange float64   `json:"amount_change"` // changes of amount of deals in the pipeline at From
	End          Flow      `json:"end"`           // open at To and due before To
}

//go:embed waterfall.sql
var waterfallSQL string

// Scope narrows a waterfall to the deals of some owners.
type Scope struct {
	Teams map[string]bool // owners in these teams; nil for every team
	Rep   string          // one owner; "" for every rep
}

// ComputeWaterfall builds the waterfall of [from, to) for the deals in scope,
// from deals and their amount/close-date history, in one query.
func ComputeWaterfall(ctx context.Context, st store.Store, from, to time.Time, scope Scope) (*Waterfall, error) {
	if !from.Before(to) {
		return nil, fmt.Errorf("waterfall: the window ends (%s) before it starts (%s)", to.Format("2006-01-02"), from.Format("2006-01-02"))
	}
	args := []any{from, to}
	var conds []string
	if scope.Teams != nil {
		ph := []string{"NULL"} // an empty subtree matches nothing
		for t := range scope.Teams {
			ph = append(ph, "?")
			args = append(args, t)
		}
		conds = append(conds, "r.team_id IN ("+strings.Join(ph, ", ")+")")
	}
	if scope.Rep != "" {
		conds = append(conds, "o.owner_rep_id = ?")
		args = append(args, scope.Rep)
	}
	filter := ""
	if len(conds) > 0 {
		filter = "WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := st.Query(ctx, fmt.Sprintf(waterfallSQL, filter), args...)
	if err != nil {
		return nil, fmt.Errorf("waterfall: %w", err)
	}
	defer rows.Close()
	w := &Waterfall{From: from, To: to}
	if rows.Next() {
		if err := rows.Scan(&w.Start.Deals, &w.Start.Amount, &w.Created.Deals, &w.Created.Amount,
			&w.PulledIn.Deals, &w.PulledIn.Amount, &w.Won.Deals, &w.Won.Amount, &w.Lost.Deals, &w.Lost.Amount,
			&w.SlippedOut.Deals, &w.SlippedOut.Amount, &w.AmountChange, &w.End.Deals, &w.End.Amount); err != nil {
			return nil, fmt.Errorf("waterfall: %w", err)
		}
	}
	return w, rows.Err()
}
