package pipeline

// A second, independent implementation of the waterfall in Go, deal by deal:
// the tests check the SQL implementation against it.

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/salesops/salesops/internal/store"
)

// point is a deal's amount and expected close date from an instant on.
type point struct {
	at        time.Time
	amount    *float64
	closeDate *time.Time
}

type waterfallDeal struct {
	created   time.Time
	status    string
	closeDate time.Time // expected if open, actual if closed
	amount    float64
	team      string
	history   []point // oldest first
}

// asOf is the deal's amount and expected close date as they stood just before t:
// the latest history values recorded before t, else today's.
func (d *waterfallDeal) asOf(t time.Time) (float64, time.Time) {
	amount, closeDate := d.amount, d.closeDate
	var amt *float64
	var cd *time.Time
	for _, p := range d.history {
		if !p.at.Before(t) {
			break
		}
		if p.amount != nil {
			amt = p.amount
		}
		if p.closeDate != nil {
			cd = p.closeDate
		}
	}
	if amt != nil {
		amount = *amt
	}
	if cd != nil && !(d.status != "open" && !d.closeDate.After(t)) {
		closeDate = *cd
	}
	return amount, closeDate
}

func (d *waterfallDeal) openAt(t time.Time) bool {
	return d.created.Before(t) && !(d.status != "open" && d.closeDate.Before(t))
}

// inPipeline says whether the deal is open at t and, as things stood then,
// expected to close before the window's end.
func (d *waterfallDeal) inPipeline(t, end time.Time) (bool, float64) {
	if !d.openAt(t) {
		return false, 0
	}
	amount, closeDate := d.asOf(t)
	return closeDate.Before(end), amount
}

const referenceWaterfallSQL = `
SELECT o.opportunity_id, o.created_at, o.status, o.close_date, CAST(o.amount AS DOUBLE), coalesce(r.team_id, ''),
       h.changed_at, CAST(h.amount AS DOUBLE), h.close_date
FROM opportunities o
LEFT JOIN reps r ON r.rep_id = o.owner_rep_id
LEFT JOIN opportunity_history h ON h.opportunity_id = o.opportunity_id
ORDER BY o.opportunity_id, h.changed_at`

// referenceWaterfall computes the waterfall deal by deal in Go.
func referenceWaterfall(ctx context.Context, st store.Store, from, to time.Time, teams map[string]bool) (*Waterfall, error) {
	if !from.Before(to) {
		return nil, fmt.Errorf("waterfall: the window ends (%s) before it starts (%s)", to.Format("2006-01-02"), from.Format("2006-01-02"))
	}
	rows, err := st.Query(ctx, referenceWaterfallSQL)
	if err != nil {
		return nil, fmt.Errorf("waterfall: %w", err)
	}
	defer rows.Close()
	deals := map[string]*waterfallDeal{}
	var ids []string
	for rows.Next() {
		var id, status, team string
		var created, closeDate time.Time
		var amount float64
		var changedAt, hClose *time.Time
		var hAmount *float64
		if err := rows.Scan(&id, &created, &status, &closeDate, &amount, &team, &changedAt, &hAmount, &hClose); err != nil {
			return nil, fmt.Errorf("waterfall: %w", err)
		}
		d, ok := deals[id]
		if !ok {
			d = &waterfallDeal{created: created, status: status, closeDate: closeDate, amount: amount, team: team}
			deals[id] = d
			ids = append(ids, id)
		}
		if changedAt != nil {
			d.history = append(d.history, point{at: *changedAt, amount: hAmount, closeDate: hClose})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("waterfall: %w", err)
	}
	sort.Strings(ids)
	w := &Waterfall{From: from, To: to}
	for _, id := range ids {
		d := deals[id]
		if teams != nil && !teams[d.team] {
			continue
		}
		addDeal(w, d, from, to)
	}
	return w, nil
}

// addDeal files one deal into the waterfall. Every flow is valued at the
// deal's amount as it stood at the window's end; the difference from the start
// amount of deals that were in the pipeline then is the amount change, which
// is what makes the sums reconcile exactly.
func addDeal(w *Waterfall, d *waterfallDeal, from, to time.Time) {
	inStart, amtStart := d.inPipeline(from, to)
	inEnd, amtEnd := d.inPipeline(to, to)
	amtFinal, _ := d.asOf(to)
	closedIn := d.status != "open" && !d.closeDate.Before(from) && d.closeDate.Before(to)
	createdIn := !d.created.Before(from) && d.created.Before(to)
	if inStart {
		w.Start.add(amtStart)
		w.AmountChange += amtFinal - amtStart
	}
	if inEnd {
		w.End.add(amtEnd)
	}
	enter := func() {
		if createdIn {
			w.Created.add(amtFinal)
		} else {
			w.PulledIn.add(amtFinal)
		}
	}
	exit := func() {
		switch {
		case closedIn && d.status == "won":
			w.Won.add(amtFinal)
		case closedIn && d.status == "lost":
			w.Lost.add(amtFinal)
		default:
			w.SlippedOut.add(amtFinal)
		}
	}
	switch {
	case inStart && !inEnd:
		exit()
	case !inStart && inEnd:
		enter()
	case !inStart && !inEnd && closedIn:
		// Entered and left within the window: created or pulled in, then closed.
		enter()
		exit()
	}
}
