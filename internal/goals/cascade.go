package goals

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// Cascade methods.
var CascadeMethods = []string{"quota_share", "equal", "weights"}

// Share is one child's part of a cascaded goal.
type Share struct {
	Scope  string  `json:"scope"`
	Weight float64 `json:"weight"`
	Target float64 `json:"target"`
}

// CascadeResult is a goal split down the team tree.
type CascadeResult struct {
	Parent *Goal   `json:"parent"`
	Method string  `json:"method"`
	Target float64 `json:"target"`
	Split  bool    `json:"split"` // false for rates: every child gets the parent's target
	Shares []Share `json:"shares"`
}

// children lists the scopes a goal cascades to: a team's direct sub-teams, or
// its reps when it has none (or when toReps asks for every rep of its subtree);
// the organisation's top-level teams.
func children(ctx context.Context, st store.Store, scope string, toReps bool) ([]string, error) {
	type team struct{ id, parent string }
	rows, err := st.Query(ctx, `SELECT team_id, coalesce(parent_team_id, '') FROM teams ORDER BY team_id`)
	if err != nil {
		return nil, err
	}
	var teams []team
	for rows.Next() {
		var t team
		if err := rows.Scan(&t.id, &t.parent); err != nil {
			rows.Close()
			return nil, err
		}
		teams = append(teams, t)
	}
	rows.Close()
	kind, id, _ := strings.Cut(scope, ":")
	if kind == "rep" {
		return nil, fmt.Errorf("a rep's goal has nothing below it to cascade to")
	}
	subtree := map[string]bool{}
	var out []string
	if kind == "team" {
		subtree[id] = true
		for changed := true; changed; {
			changed = false
			for _, t := range teams {
				if subtree[t.parent] && !subtree[t.id] {
					subtree[t.id], changed = true, true
				}
			}
		}
		if !toReps {
			for _, t := range teams {
				if t.parent == id {
					out = append(out, "team:"+t.id)
				}
			}
		}
	} else if !toReps {
		for _, t := range teams {
			if t.parent == "" {
				out = append(out, "team:"+t.id)
			}
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	rows, err = st.Query(ctx, `SELECT rep_id, coalesce(team_id, '') FROM reps ORDER BY rep_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rep, t string
		if err := rows.Scan(&rep, &t); err != nil {
			return nil, err
		}
		// A team's own reps when it has no sub-teams; every rep below it with toReps.
		if kind != "team" || t == id || toReps && subtree[t] {
			out = append(out, "rep:"+rep)
		}
	}
	return out, rows.Err()
}

// Cascade splits a goal's target among the scopes below it: in proportion to
// their quota over the goal's period, equally, or by the given weights (keyed by
// team or rep id). The parts add up exactly to the target at the KPI's
// precision (cents for currency). A rate cannot be split: each child gets the
// parent's target.
func (t *Tracker) Cascade(ctx context.Context, st store.Store, g *Goal, method string, weights map[string]float64, toReps bool) (*CascadeResult, error) {
	target, _, err := t.Target(ctx, g)
	if err != nil {
		return nil, err
	}
	kids, err := children(ctx, st, scopeOrOrg(g.Scope), toReps)
	if err != nil {
		return nil, fmt.Errorf("cascade %s: %w", g.ID, err)
	}
	if len(kids) == 0 {
		return nil, fmt.Errorf("cascade %s: %s has no sub-teams or reps", g.ID, scopeOrOrg(g.Scope))
	}
	res := &CascadeResult{Parent: g, Method: method, Target: target, Split: t.Eng.Catalog().Cumulative(g.KPI)}
	w := make([]float64, len(kids))
	switch method {
	case "equal":
		for i := range w {
			w[i] = 1
		}
	case "weights":
		for i, k := range kids {
			_, id, _ := strings.Cut(k, ":")
			v, ok := weights[id]
			if !ok {
				return nil, fmt.Errorf("cascade %s: no weight for %s (give one for each of %s)", g.ID, id, strings.Join(kids, ", "))
			}
			w[i] = v
		}
	case "quota_share":
		if w, err = t.quotas(ctx, g, kids); err != nil {
			return nil, fmt.Errorf("cascade %s: %w", g.ID, err)
		}
	default:
		return nil, fmt.Errorf("cascade %s: method %q: want one of %s", g.ID, method, strings.Join(CascadeMethods, ", "))
	}
	parts := make([]float64, len(kids))
	if res.Split {
		decimals := 0
		if k, _ := t.Eng.Catalog().KPI(g.KPI); k != nil && k.Unit == "currency" {
			decimals = 2
		}
		if parts, err = calc.Split(target, w, decimals); err != nil {
			return nil, fmt.Errorf("cascade %s: %w", g.ID, err)
		}
	} else {
		for i := range parts {
			parts[i] = target
		}
	}
	for i, k := range kids {
		res.Shares = append(res.Shares, Share{Scope: k, Weight: w[i], Target: parts[i]})
	}
	return res, nil
}

// quotas is each child's quota over the goal's period, from the engine.
func (t *Tracker) quotas(ctx context.Context, g *Goal, kids []string) ([]float64, error) {
	dim, _, _ := strings.Cut(kids[0], ":")
	q := kpi.Query{KPIs: []string{"measure:quota"}, By: []string{dim}, Grain: kpi.All,
		From: g.Start, To: g.End.AddDate(0, 0, -1), Filters: scopeFilters(scopeOrOrg(g.Scope))}
	res, err := t.Eng.Evaluate(ctx, q)
	if err != nil {
		return nil, err
	}
	byID := map[string]float64{}
	for _, r := range res.Rows {
		if r.Dims[0] != nil && r.Value != nil {
			byID[*r.Dims[0]] = *r.Value
		}
	}
	out := make([]float64, len(kids))
	total := 0.0
	for i, k := range kids {
		_, id, _ := strings.Cut(k, ":")
		out[i] = byID[id]
		total += out[i]
	}
	if total <= 0 {
		return nil, fmt.Errorf("no quota over %s for %s; use --method equal or weights", g.Period, strings.Join(kids, ", "))
	}
	return out, nil
}

// Goals turns a cascade into the child goals to store.
func (c *CascadeResult) Goals() []*Goal {
	var out []*Goal
	for _, s := range c.Shares {
		_, id, _ := strings.Cut(s.Scope, ":")
		target := s.Target
		g := *c.Parent
		g.ID = c.Parent.ID + "." + id
		g.Scope = s.Scope
		g.Target, g.Change, g.Baseline = &target, nil, ""
		g.Parent = c.Parent.ID
		out = append(out, &g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
