package forecast

import (
	"context"
	"fmt"
	"time"

	"github.com/salesops/salesops/internal/pipeline"
	"github.com/salesops/salesops/internal/store"
)

// pitDeal is a deal with the history of its amount, expected close date and
// probability, so the pipeline can be seen as it stood at any instant.
type pitDeal struct {
	created, closed time.Time // closed is zero while open
	won             bool
	amount          float64
	history         []pitChange
	stages          []pitStage // from opportunity_stages, in entry order
}

type pitStage struct {
	at    time.Time
	stage string
}

type pitChange struct {
	at          time.Time
	amount      *float64
	closeDate   *time.Time
	probability *float64
}

const pointInTimeSQL = `
SELECT o.opportunity_id, o.created_at, o.status, o.close_date, CAST(o.amount AS DOUBLE),
       coalesce(r.team_id, ''), o.owner_rep_id, h.changed_at, CAST(h.amount AS DOUBLE), h.close_date, h.probability
FROM opportunities o
LEFT JOIN reps r ON r.rep_id = o.owner_rep_id
LEFT JOIN opportunity_history h ON h.opportunity_id = o.opportunity_id
ORDER BY o.opportunity_id, h.changed_at`

const stageEntriesSQL = `
SELECT opportunity_id, lower(stage), entered_at FROM opportunity_stages
ORDER BY opportunity_id, entered_at, lower(stage)`

// loadPointInTime reads the deals in scope with their history, and reports
// whether any deal has a history at all.
func loadPointInTime(ctx context.Context, st store.Store, filters map[string][]string) ([]*pitDeal, bool, error) {
	var teams map[string]bool
	if t := filters["team"]; len(t) == 1 {
		var err error
		if teams, err = pipeline.Subtree(ctx, st, t[0]); err != nil {
			return nil, false, err
		}
	}
	owner := ""
	if r := filters["rep"]; len(r) == 1 {
		owner = r[0]
	}
	rows, err := st.Query(ctx, pointInTimeSQL)
	if err != nil {
		return nil, false, fmt.Errorf("deal history: %w", err)
	}
	defer rows.Close()
	var deals []*pitDeal
	byID := map[string]*pitDeal{}
	var cur *pitDeal
	var curID string
	keep, any := false, false
	for rows.Next() {
		var id, status, team, rep string
		var created, closeDate time.Time
		var amount float64
		var hAmount, hProb *float64
		var changedAt, hClose *time.Time
		if err := rows.Scan(&id, &created, &status, &closeDate, &amount, &team, &rep, &changedAt, &hAmount, &hClose, &hProb); err != nil {
			return nil, false, fmt.Errorf("deal history: %w", err)
		}
		if cur == nil || id != curID {
			curID = id
			cur = &pitDeal{created: created, won: status == "won", amount: amount}
			if status != "open" {
				cur.closed = closeDate
			}
			keep = (teams == nil || teams[team]) && (owner == "" || owner == rep)
			if keep {
				deals = append(deals, cur)
				byID[id] = cur
			}
		}
		if changedAt != nil && keep {
			cur.history = append(cur.history, pitChange{*changedAt, hAmount, hClose, hProb})
			any = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("deal history: %w", err)
	}
	rows.Close()
	srows, err := st.Query(ctx, stageEntriesSQL)
	if err != nil {
		return nil, false, fmt.Errorf("stage history: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var id, stage string
		var at time.Time
		if err := srows.Scan(&id, &stage, &at); err != nil {
			return nil, false, fmt.Errorf("stage history: %w", err)
		}
		if d := byID[id]; d != nil {
			d.stages = append(d.stages, pitStage{at, stage})
		}
	}
	return deals, any, srows.Err()
}

// amountAt is the deal's amount as recorded before t: the last recorded
// revision before t, else the first one on record (the amount it was created
// with), else today's amount when the deal has no amount history.
func (d *pitDeal) amountAt(t time.Time) float64 {
	var first *float64
	amount := (*float64)(nil)
	for _, c := range d.history {
		if c.amount == nil {
			continue
		}
		if first == nil {
			first = c.amount
		}
		if !c.at.Before(t) {
			break
		}
		amount = c.amount
	}
	switch {
	case amount != nil:
		return *amount
	case first != nil:
		return *first
	}
	return d.amount
}

// stageAt is the stage the deal had entered last before t, or "" when the
// stage history says nothing about that time.
func (d *pitDeal) stageAt(t time.Time) string {
	stage := ""
	for _, e := range d.stages {
		if !e.at.Before(t) {
			break
		}
		stage = e.stage
	}
	return stage
}

// weightedAsOf is the weighted pipeline due in [m, next) as it stood at m:
// each deal open then, at its amount, expected close date and probability as
// recorded before m. A deal with no probability on record counts at the win
// rate of the deals closed before m.
func weightedAsOf(deals []*pitDeal, m, next time.Time) float64 {
	won, closed := 0, 0
	for _, d := range deals {
		if !d.closed.IsZero() && d.closed.Before(m) {
			closed++
			if d.won {
				won++
			}
		}
	}
	fallback := 0.0
	if closed > 0 {
		fallback = float64(won) / float64(closed)
	}
	total := 0.0
	for _, d := range deals {
		if !d.created.Before(m) || (!d.closed.IsZero() && d.closed.Before(m)) {
			continue
		}
		// Only what the history recorded before m counts: today's probability of
		// a deal since won would be 1.
		amount := d.amount
		var prob *float64
		var closeDate *time.Time
		for _, c := range d.history {
			if !c.at.Before(m) {
				break
			}
			if c.amount != nil {
				amount = *c.amount
			}
			if c.closeDate != nil {
				closeDate = c.closeDate
			}
			if c.probability != nil {
				prob = c.probability
			}
		}
		if closeDate == nil || closeDate.Before(m) || !closeDate.Before(next) {
			continue // no expected date on record then, or not due in the month
		}
		p := fallback
		if prob != nil {
			p = *prob
		}
		total += amount * p
	}
	return total
}
