package explain

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// StageChange is how many deals left a funnel stage in each period and the
// share of them that moved on rather than being lost.
type StageChange struct {
	Stage     string   `json:"stage"`
	Exits0    int      `json:"exits_from"` // deals that left the stage in the base period
	Advanced0 int      `json:"advanced_from"`
	Rate0     *float64 `json:"rate_from"`
	Exits1    int      `json:"exits_to"`
	Advanced1 int      `json:"advanced_to"`
	Rate1     *float64 `json:"rate_to"`
	Z         *float64 `json:"z"` // two-proportion z statistic of the change
}

// stageExitsSQL counts, for each open stage, the deals that left it in each of
// two periods and how many of those went on to a later stage or a win rather
// than to a loss. A deal leaves a stage when it enters the next one; a deal
// lost or won with no closing stage on record leaves its last stage at its
// close date. Counting by exit date, not entry date, keeps a recent period
// from looking worse only because its deals have not had time to move on.
// Stages come in the organisation's order (their mean position in deals'
// histories). %s is the scope condition.
const stageExitsSQL = `
WITH entries AS (
    SELECT h.opportunity_id, lower(h.stage) AS stage, o.owner_rep_id, r.team_id,
           row_number() OVER w AS pos,
           coalesce(lead(lower(h.stage)) OVER w, CASE WHEN o.status <> 'open' THEN o.status END) AS next_stage,
           coalesce(lead(h.entered_at) OVER w, CASE WHEN o.status <> 'open' THEN CAST(o.close_date AS TIMESTAMP) END) AS left_at
    FROM opportunity_stages h
    JOIN opportunities o ON o.opportunity_id = h.opportunity_id
    LEFT JOIN reps r ON r.rep_id = o.owner_rep_id
    WINDOW w AS (PARTITION BY h.opportunity_id ORDER BY h.entered_at, lower(h.stage))
), stage_order AS (
    SELECT stage, avg(pos) AS mean_pos FROM entries GROUP BY stage
)
SELECT e.stage,
       count(*) FILTER (WHERE e.left_at >= $1 AND e.left_at < $2),
       count(*) FILTER (WHERE e.left_at >= $1 AND e.left_at < $2 AND e.next_stage NOT LIKE '%%lost%%'),
       count(*) FILTER (WHERE e.left_at >= $3 AND e.left_at < $4),
       count(*) FILTER (WHERE e.left_at >= $3 AND e.left_at < $4 AND e.next_stage NOT LIKE '%%lost%%')
FROM entries e JOIN stage_order so ON so.stage = e.stage
WHERE e.next_stage IS NOT NULL AND e.stage NOT LIKE '%%won%%' AND e.stage NOT LIKE '%%lost%%' %s
GROUP BY e.stage, so.mean_pos
ORDER BY so.mean_pos, e.stage`

// stageChanges reads stage conversion in both periods for a team, region or
// rep scope (the dimensions that follow from a deal's owner).
func stageChanges(ctx context.Context, st store.Store, org *orgInfo, filters map[string][]string, p0, p1 kpi.Period) ([]StageChange, error) {
	args := []any{p0.Start, p0.End, p1.Start, p1.End}
	var conds []string
	for dim, vals := range filters {
		switch dim {
		case "team", "region":
			teams := org.subtree(vals)
			if dim == "region" {
				teams = org.inRegions(vals)
			}
			ph := []string{"NULL"} // no team matches nothing
			for _, t := range sortedKeys(teams) {
				args = append(args, t)
				ph = append(ph, fmt.Sprintf("$%d", len(args)))
			}
			conds = append(conds, "e.team_id IN ("+strings.Join(ph, ", ")+")")
		case "rep":
			var ph []string
			for _, r := range vals {
				args = append(args, r)
				ph = append(ph, fmt.Sprintf("$%d", len(args)))
			}
			conds = append(conds, "e.owner_rep_id IN ("+strings.Join(ph, ", ")+")")
		default:
			return nil, fmt.Errorf("stage conversion: cannot scope by %s", dim)
		}
	}
	where := ""
	if len(conds) > 0 {
		where = "AND " + strings.Join(conds, " AND ")
	}
	rows, err := st.Query(ctx, fmt.Sprintf(stageExitsSQL, where), args...)
	if err != nil {
		return nil, fmt.Errorf("stage conversion: %w", err)
	}
	defer rows.Close()
	out := []StageChange{}
	for rows.Next() {
		var c StageChange
		if err := rows.Scan(&c.Stage, &c.Exits0, &c.Advanced0, &c.Exits1, &c.Advanced1); err != nil {
			return nil, fmt.Errorf("stage conversion: %w", err)
		}
		if c.Exits0 > 0 {
			c.Rate0 = ptr(float64(c.Advanced0) / float64(c.Exits0))
		}
		if c.Exits1 > 0 {
			c.Rate1 = ptr(float64(c.Advanced1) / float64(c.Exits1))
		}
		c.Z = twoProportionZ(c.Advanced0, c.Exits0, c.Advanced1, c.Exits1)
		out = append(out, c)
	}
	return out, rows.Err()
}

// twoProportionZ is the pooled two-proportion z statistic of a1/n1 against
// a0/n0; nil when either side is empty or the pooled rate is 0 or 1.
func twoProportionZ(a0, n0, a1, n1 int) *float64 {
	if n0 == 0 || n1 == 0 {
		return nil
	}
	p := float64(a0+a1) / float64(n0+n1)
	se := math.Sqrt(p * (1 - p) * (1/float64(n0) + 1/float64(n1)))
	if se == 0 {
		return nil
	}
	return ptr((float64(a1)/float64(n1) - float64(a0)/float64(n0)) / se)
}

// Thresholds for calling a stage's conversion changed: enough deals leaving it
// in both periods, and a change beyond the 5% two-sided level.
const (
	minStageExits = 20
	stageZ        = 1.96
)

// stageFinding names the stage whose conversion changed most significantly.
func stageFinding(stages []StageChange, from, to string, scope map[string][]string) (Finding, bool) {
	cands := []StageChange{}
	for _, s := range stages {
		if s.Z != nil && s.Exits0 >= minStageExits && s.Exits1 >= minStageExits && math.Abs(*s.Z) >= stageZ {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return Finding{}, false
	}
	sort.SliceStable(cands, func(i, j int) bool { return math.Abs(*cands[i].Z) > math.Abs(*cands[j].Z) })
	s := cands[0]
	verb := "rose"
	if *s.Z < 0 {
		verb = "fell"
	}
	return Finding{Kind: "stage", KPI: "win_rate", Filters: flat(scope),
		Text: fmt.Sprintf("Conversion out of %s %s from %s in %s to %s in %s (%d and %d deals left the stage; z = %.1f)",
			s.Stage, verb, human("fraction", s.Rate0), from, human("fraction", s.Rate1), to, s.Exits0, s.Exits1, *s.Z)}, true
}
