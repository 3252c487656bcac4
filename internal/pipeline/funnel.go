// Package pipeline analyses how deals move through stages.
package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/store"
)

// Stage is one step of the funnel.
type Stage struct {
	Stage   string  `json:"stage"`
	Entered int64   `json:"entered"` // deals that entered the stage in the range
	Amount  float64 `json:"amount"`  // their amount
}

// funnelSQL counts the deals that entered each stage in [from, to). Stages are
// ordered by where they usually fall in a deal's history (their mean rank by
// entry time), so the funnel follows the organisation's own process.
const funnelSQL = `
WITH RECURSIVE team_tree (ancestor, descendant, depth) AS (
    SELECT team_id, team_id, 0 FROM teams
    UNION ALL
    SELECT w.ancestor, t.team_id, w.depth + 1 FROM team_tree w JOIN teams t ON t.parent_team_id = w.descendant WHERE w.depth < 64
), ranked AS (
    SELECT h.opportunity_id, lower(h.stage) AS stage, h.entered_at,
           row_number() OVER (PARTITION BY h.opportunity_id ORDER BY h.entered_at, h.stage) AS pos
    FROM opportunity_stages h
), stage_order AS (
    SELECT stage, avg(pos) AS mean_pos FROM ranked GROUP BY stage
)
SELECT r.stage, count(DISTINCT r.opportunity_id), coalesce(CAST(sum(o.amount) AS DOUBLE), 0)
FROM ranked r
JOIN opportunities o ON o.opportunity_id = r.opportunity_id
LEFT JOIN reps rp ON rp.rep_id = o.owner_rep_id
JOIN stage_order so ON so.stage = r.stage
WHERE r.entered_at >= ? AND r.entered_at < ? %s
GROUP BY r.stage, so.mean_pos
ORDER BY so.mean_pos, r.stage`

// Funnel returns the stages deals entered in [from, to), for the subtree of
// team when it is not empty.
func Funnel(ctx context.Context, st store.Store, from, to time.Time, team string) ([]Stage, error) {
	args := []any{from, to}
	extra := ""
	if team != "" {
		extra = "AND rp.team_id IN (SELECT descendant FROM team_tree WHERE ancestor = ?)"
		args = append(args, team)
	}
	rows, err := st.Query(ctx, fmt.Sprintf(funnelSQL, extra), args...)
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	defer rows.Close()
	out := []Stage{}
	for rows.Next() {
		var s Stage
		if err := rows.Scan(&s.Stage, &s.Entered, &s.Amount); err != nil {
			return nil, fmt.Errorf("funnel: %w", err)
		}
		s.Stage = strings.TrimSpace(s.Stage)
		out = append(out, s)
	}
	return out, rows.Err()
}
