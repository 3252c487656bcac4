package pipeline

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/store"
)

// StageStats is what the stage history says about one open stage.
type StageStats struct {
	Stage       string   `json:"stage"`
	Position    int      `json:"position"`     // 1-based, in the organisation's order
	Entered     int      `json:"entered"`      // deals that entered the stage
	ReachedNext int      `json:"reached_next"` // of those, deals that went on to a later stage (or were won)
	Won         int      `json:"won"`          // of those, deals finally won
	NextRate    *float64 `json:"next_rate"`    // reached_next ÷ entered among deals that have left the stage
	WinRate     *float64 `json:"win_rate"`     // won ÷ closed, among deals that entered the stage
	MeanDays    *float64 `json:"mean_days"`    // time spent in the stage, deals that left it
	MedianDays  *float64 `json:"median_days"`
	P90Days     *float64 `json:"p90_days"`
}

// StuckDeal is an open deal that has sat in its stage longer than the stage's
// 90th percentile.
type StuckDeal struct {
	OpportunityID string  `json:"opportunity_id"`
	Name          string  `json:"name"`
	Owner         string  `json:"owner"`
	Amount        float64 `json:"amount"`
	Stage         string  `json:"stage"`
	Days          float64 `json:"days"` // in the stage so far
	P90Days       float64 `json:"p90_days"`
}

// Velocity is the mean time deals that left a stage in a quarter had spent in it.
type Velocity struct {
	Stage    string  `json:"stage"`
	Quarter  string  `json:"quarter"` // calendar quarter the deals left the stage, e.g. 2026-Q2
	Deals    int     `json:"deals"`
	MeanDays float64 `json:"mean_days"`
}

// StageReport is stage analytics over the stage history.
type StageReport struct {
	Stages   []StageStats `json:"stages"`
	Stuck    []StuckDeal  `json:"stuck"`
	Velocity []Velocity   `json:"velocity"` // by stage, then quarter
}

// stageHistorySQL reads every stage entry with its deal. Rows of one deal come
// together in entry order.
const stageHistorySQL = `
SELECT h.opportunity_id, lower(h.stage), h.entered_at, o.status, coalesce(o.name, ''), o.owner_rep_id,
       CAST(o.amount AS DOUBLE), coalesce(r.team_id, '')
FROM opportunity_stages h
JOIN opportunities o ON o.opportunity_id = h.opportunity_id
LEFT JOIN reps r ON r.rep_id = o.owner_rep_id
ORDER BY h.opportunity_id, h.entered_at, lower(h.stage)`

type entry struct {
	stage string
	at    time.Time
}

type deal struct {
	id, status, name, owner, team string
	amount                        float64
	entries                       []entry
}

// closing tells the stages that end a deal: their names say won or lost.
func closing(stage string) bool {
	return strings.Contains(stage, "won") || strings.Contains(stage, "lost")
}

// Stages analyses the stage history of deals whose owner is in teams (all
// when teams is nil) as of the instant at: conversion from each open stage to
// the next and to a win, time spent in each stage, and the open deals stuck
// longer than their stage's 90th percentile. Stage order is configured (order)
// or, when empty, detected from the data: the mean position of each stage in
// deals' histories. Stages whose names contain "won" or "lost" close a deal and
// are not reported as stages of the funnel.
func Stages(ctx context.Context, st store.Store, at time.Time, teams map[string]bool, order []string) (*StageReport, error) {
	rows, err := st.Query(ctx, stageHistorySQL)
	if err != nil {
		return nil, fmt.Errorf("stage history: %w", err)
	}
	defer rows.Close()
	var deals []*deal
	var cur *deal
	for rows.Next() {
		var id, stage, status, name, owner, team string
		var when time.Time
		var amount float64
		if err := rows.Scan(&id, &stage, &when, &status, &name, &owner, &amount, &team); err != nil {
			return nil, fmt.Errorf("stage history: %w", err)
		}
		if !when.Before(at) {
			continue // the report sees the history as it was at the instant
		}
		if cur == nil || cur.id != id {
			cur = &deal{id: id, status: status, name: name, owner: owner, team: team, amount: amount}
			if teams == nil || teams[team] {
				deals = append(deals, cur)
			}
		}
		cur.entries = append(cur.entries, entry{strings.TrimSpace(stage), when})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stage history: %w", err)
	}
	rank := map[string]int{}
	if len(order) > 0 {
		for i, s := range order {
			rank[strings.ToLower(s)] = i + 1
		}
	} else {
		sum, n := map[string]float64{}, map[string]float64{}
		for _, d := range deals {
			for i, e := range d.entries {
				sum[e.stage] += float64(i + 1)
				n[e.stage]++
			}
		}
		var names []string
		for s := range n {
			if !closing(s) {
				names = append(names, s)
			}
		}
		sort.Slice(names, func(i, j int) bool {
			a, b := sum[names[i]]/n[names[i]], sum[names[j]]/n[names[j]]
			if a != b {
				return a < b
			}
			return names[i] < names[j]
		})
		for i, s := range names {
			rank[s] = i + 1
		}
	}
	type acc struct {
		entered, left, reached, won, closed int
		days                                []float64
	}
	stats := map[string]*acc{}
	var stuckCandidates []StuckDeal
	type vkey struct{ stage, quarter string }
	vsum, vn := map[vkey]float64{}, map[vkey]int{}
	for _, d := range deals {
		seen := map[string]bool{}
		for i, e := range d.entries {
			r, ok := rank[e.stage]
			if !ok || seen[e.stage] {
				continue // a closing stage, or a stage entered again (counted once)
			}
			seen[e.stage] = true
			a := stats[e.stage]
			if a == nil {
				a = &acc{}
				stats[e.stage] = a
			}
			a.entered++
			if d.status == "won" || d.status == "lost" {
				a.closed++
			}
			if d.status == "won" {
				a.won++
			}
			last := i == len(d.entries)-1
			if !last {
				a.left++
				days := d.entries[i+1].at.Sub(e.at).Hours() / 24
				a.days = append(a.days, days)
				left := d.entries[i+1].at
				k := vkey{e.stage, fmt.Sprintf("%d-Q%d", left.Year(), (int(left.Month())-1)/3+1)}
				vsum[k] += days
				vn[k]++
				for _, later := range d.entries[i+1:] {
					if lr, ok := rank[later.stage]; ok && lr > r || strings.Contains(later.stage, "won") {
						a.reached++
						break
					}
				}
			} else if d.status == "open" {
				stuckCandidates = append(stuckCandidates, StuckDeal{OpportunityID: d.id, Name: d.name, Owner: d.owner,
					Amount: d.amount, Stage: e.stage, Days: at.Sub(e.at).Hours() / 24})
			}
		}
	}
	rep := &StageReport{Stages: []StageStats{}, Stuck: []StuckDeal{}, Velocity: []Velocity{}}
	for k, n := range vn {
		rep.Velocity = append(rep.Velocity, Velocity{Stage: k.stage, Quarter: k.quarter, Deals: n, MeanDays: vsum[k] / float64(n)})
	}
	sort.Slice(rep.Velocity, func(i, j int) bool {
		a, b := rep.Velocity[i], rep.Velocity[j]
		if rank[a.Stage] != rank[b.Stage] {
			return rank[a.Stage] < rank[b.Stage]
		}
		return a.Quarter < b.Quarter
	})
	var names []string
	for s := range stats {
		names = append(names, s)
	}
	sort.Slice(names, func(i, j int) bool { return rank[names[i]] < rank[names[j]] })
	p90 := map[string]float64{}
	for _, s := range names {
		a := stats[s]
		ss := StageStats{Stage: s, Position: rank[s], Entered: a.entered, ReachedNext: a.reached, Won: a.won,
			NextRate: ratio(a.reached, a.left), WinRate: ratio(a.won, a.closed)}
		if len(a.days) > 0 {
			slices.Sort(a.days)
			mean := 0.0
			for _, x := range a.days {
				mean += x
			}
			mean /= float64(len(a.days))
			med := quantile(a.days, 0.5)
			q := quantile(a.days, 0.9)
			ss.MeanDays, ss.MedianDays, ss.P90Days = &mean, &med, &q
			p90[s] = q
		}
		rep.Stages = append(rep.Stages, ss)
	}
	for _, c := range stuckCandidates {
		if q, ok := p90[c.Stage]; ok && c.Days > q {
			c.P90Days = q
			rep.Stuck = append(rep.Stuck, c)
		}
	}
	sort.Slice(rep.Stuck, func(i, j int) bool {
		if rep.Stuck[i].Amount != rep.Stuck[j].Amount {
			return rep.Stuck[i].Amount > rep.Stuck[j].Amount
		}
		return rep.Stuck[i].OpportunityID < rep.Stuck[j].OpportunityID
	})
	return rep, nil
}

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}

// quantile of sorted xs with linear interpolation between closest ranks (the
// common "type 7" definition); the median of an even count averages the middle two.
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 1 {
		return xs[0]
	}
	h := p * float64(len(xs)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-lo)*(xs[i+1]-xs[i])
}

// Subtree is the set of a team and every team below it.
func Subtree(ctx context.Context, st store.Store, team string) (map[string]bool, error) {
	rows, err := st.Query(ctx, `SELECT team_id, coalesce(parent_team_id, '') FROM teams`)
	if err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}
	defer rows.Close()
	children := map[string][]string{}
	known := false
	for rows.Next() {
		var id, parent string
		if err := rows.Scan(&id, &parent); err != nil {
			return nil, fmt.Errorf("read teams: %w", err)
		}
		children[parent] = append(children[parent], id)
		known = known || id == team
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}
	if !known {
		return nil, fmt.Errorf("no team %q", team)
	}
	in := map[string]bool{}
	for stack := []string{team}; len(stack) > 0; {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !in[t] {
			in[t] = true
			stack = append(stack, children[t]...)
		}
	}
	return in, nil
}
