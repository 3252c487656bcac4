package timevalue

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/kpi"
)

// Query says which time to read.
type Query struct {
	// By is "rep" or "team" (a team covers its sub-teams).
	By    string
	Grain kpi.Grain
	// From and To are inclusive dates; zero means the extent of the data.
	From, To time.Time
	// Filters keep reps by rep, team (its subtree) or region.
	Filters map[string][]string
}

// Filterable are the dimensions time entries can be filtered by.
var Filterable = []string{"rep", "team", "region"}

// Allocation is the time of one group (or the whole scope) in one period.
type Allocation struct {
	Period string `json:"period"`
	Start  string `json:"start"`
	End    string `json:"end"` // exclusive
	// Group is the rep or team; null for a blank team (reps without one) and
	// in the scope's totals.
	Group *string `json:"group"`
	// Minutes logged by category, every category present.
	Minutes      map[string]float64 `json:"minutes"`
	TotalMinutes float64            `json:"total_minutes"`
	// SellingShare and AdminShare are the engine's selling_time_share and
	// admin_time_share; null without logged minutes.
	SellingShare *float64 `json:"selling_share"`
	AdminShare   *float64 `json:"admin_share"`
	// Shares are each category's minutes ÷ all minutes; null without minutes.
	Shares map[string]*float64 `json:"shares"`
}

// CategoryInfo names a time category for display.
type CategoryInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Selling bool   `json:"selling"`
}

// Report is the time allocation of a scope, and the inputs of the value model.
type Report struct {
	By     string    `json:"by"`
	Period kpi.Grain `json:"period"`
	// Categories lists the time categories in display order.
	Categories []CategoryInfo `json:"categories"`
	// Start and End (exclusive) bound the range read; empty without data.
	Start string `json:"start"`
	End   string `json:"end"`
	// Allocation is by period and group; Totals by period for the scope.
	Allocation []Allocation `json:"allocation"`
	Totals     []Allocation `json:"totals"`
	// Groups is by group over the whole range; Total the scope's.
	Groups []Allocation `json:"groups"`
	Total  *Allocation  `json:"total"`
	Notes  []string     `json:"notes"`
	// Reps are the value model's inputs, over the whole range.
	Reps []RepTime `json:"-"`
}

// measureOf is the engine measure holding a category's minutes.
func measureOf(category string) string {
	if category == "admin" {
		return "measure:minutes_admin_only" // minutes_admin is the admin group
	}
	return "measure:minutes_" + category
}

const (
	kpiSelling = "selling_time_share"
	kpiAdmin   = "admin_time_share"
	kpiRevenue = "revenue"
	kpiLogged  = "measure:minutes_logged"
)

func timeKPIs() []string {
	out := []string{kpiSelling, kpiAdmin, kpiLogged}
	for _, c := range Categories() {
		out = append(out, measureOf(c))
	}
	return out
}

// Check validates the query's dimension and filters.
func (q Query) Check() error {
	if q.By != "rep" && q.By != "team" {
		return &kpi.QueryError{Param: "by", Msg: fmt.Sprintf("%q: want rep or team", q.By)}
	}
	for d := range q.Filters {
		if !slices.Contains(Filterable, d) {
			return &kpi.QueryError{Param: d, Msg: fmt.Sprintf("time entries cannot be filtered by %s (only by %s)", d, strings.Join(Filterable, ", "))}
		}
	}
	return nil
}

// Load reads the time allocation and the value model's inputs from the
// engine: the category measures and share KPIs by group and period, by
// group and for the scope over the whole range, and per rep (with the teams
// holding the rep) the minutes and the revenue KPI over the range.
func Load(ctx context.Context, eng *kpi.Engine, q Query) (*Report, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	if q.Grain == "" {
		q.Grain = kpi.Month
	}
	rep := &Report{By: q.By, Period: q.Grain, Allocation: []Allocation{}, Totals: []Allocation{}, Groups: []Allocation{}, Notes: []string{}, Reps: []RepTime{}}
	for _, c := range Categories() {
		rep.Categories = append(rep.Categories, CategoryInfo{ID: c, Name: CategoryName(c), Selling: c == Selling})
	}
	eval := func(by []string, grain kpi.Grain, extra ...string) (*kpi.Result, error) {
		res, err := eng.Evaluate(ctx, kpi.Query{KPIs: append(timeKPIs(), extra...), By: by, Grain: grain, From: q.From, To: q.To, Filters: q.Filters})
		if err != nil {
			return nil, err
		}
		for _, n := range res.Notes {
			if !slices.Contains(rep.Notes, n) {
				rep.Notes = append(rep.Notes, n)
			}
		}
		return res, nil
	}
	res, err := eval([]string{q.By}, q.Grain)
	if err != nil {
		return nil, err
	}
	rep.Allocation = allocations(res, true)
	if res, err = eval(nil, q.Grain); err != nil {
		return nil, err
	}
	rep.Totals = allocations(res, false)
	if res, err = eval([]string{q.By}, kpi.All); err != nil {
		return nil, err
	}
	rep.Groups = allocations(res, true)
	if res, err = eval(nil, kpi.All); err != nil {
		return nil, err
	}
	if all := allocations(res, false); len(all) > 0 {
		rep.Total = &all[0]
		rep.Start, rep.End = all[0].Start, all[0].End
	}
	if res, err = eval([]string{"rep", "team"}, kpi.All, kpiRevenue); err != nil {
		return nil, err
	}
	rep.Reps = repInputs(res)
	if rep.Total == nil || rep.Total.TotalMinutes == 0 {
		rep.Notes = append(rep.Notes, "no time entries in the range: import time_entries.csv to see where reps' time goes")
	}
	return rep, nil
}

// allocations turns engine rows (one per KPI, period and group) into one
// Allocation per period and group, ordered by period then group.
func allocations(res *kpi.Result, grouped bool) []Allocation {
	byKey := map[string]*Allocation{}
	var order []*Allocation
	for _, row := range res.Rows {
		var group *string
		if grouped {
			group = row.Dims[0]
		}
		key := row.Period.Label + "\x1f" + groupKey(group)
		a, ok := byKey[key]
		if !ok {
			a = &Allocation{Period: row.Period.Label, Start: day(row.Period.Start), End: day(row.Period.End), Group: group,
				Minutes: map[string]float64{}, Shares: map[string]*float64{}}
			for _, c := range Categories() {
				a.Minutes[c] = 0
			}
			byKey[key] = a
			order = append(order, a)
		}
		v := 0.0
		if row.Value != nil {
			v = *row.Value
		}
		switch row.KPI {
		case kpiSelling:
			a.SellingShare = rounded(row.Value)
		case kpiAdmin:
			a.AdminShare = rounded(row.Value)
		case kpiLogged:
			a.TotalMinutes = round("", v)
		default:
			for _, c := range Categories() {
				if row.KPI == measureOf(c) {
					a.Minutes[c] = round("", v)
				}
			}
		}
	}
	out := make([]Allocation, 0, len(order))
	for _, a := range order {
		for _, c := range Categories() {
			a.Shares[c] = ratio(a.Minutes[c], a.TotalMinutes)
		}
		out = append(out, *a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return groupKey(out[i].Group) < groupKey(out[j].Group)
	})
	return out
}

// repInputs gathers each rep's minutes and revenue from rows by rep and team:
// a rep has one row per team whose subtree holds it (the same numbers each
// time), or one with a blank team.
func repInputs(res *kpi.Result) []RepTime {
	byRep := map[string]*RepTime{}
	var ids []string
	for _, row := range res.Rows {
		if row.Dims[0] == nil {
			continue // time or deals of no rep: nobody to value
		}
		id := *row.Dims[0]
		r, ok := byRep[id]
		if !ok {
			r = &RepTime{Rep: id, Minutes: map[string]float64{}}
			byRep[id] = r
			ids = append(ids, id)
		}
		if t := row.Dims[1]; t != nil && !slices.Contains(r.Teams, *t) {
			r.Teams = append(r.Teams, *t)
		}
		if row.Value == nil {
			continue
		}
		switch row.KPI {
		case kpiRevenue:
			r.Revenue = *row.Value
		default:
			for _, c := range Categories() {
				if row.KPI == measureOf(c) {
					r.Minutes[c] = *row.Value
				}
			}
		}
	}
	sort.Strings(ids)
	out := make([]RepTime, 0, len(ids))
	for _, id := range ids {
		r := byRep[id]
		sort.Strings(r.Teams)
		out = append(out, *r)
	}
	return out
}

func groupKey(g *string) string {
	if g == nil {
		return ""
	}
	return "\x01" + *g
}

func day(t time.Time) string { return t.Format("2006-01-02") }

func rounded(v *float64) *float64 {
	if v == nil {
		return nil
	}
	x := round("", *v)
	return &x
}

// Result is the time allocation with the value model, as the API and the CLI
// show them.
type Result struct {
	*Report
	Model *Model `json:"value_model"`
}

// Run loads the allocation and projects the value model with the assumptions.
func Run(ctx context.Context, eng *kpi.Engine, q Query, a Assumptions) (*Result, error) {
	if _, err := a.Check(); err != nil {
		return nil, err
	}
	rep, err := Load(ctx, eng, q)
	if err != nil {
		return nil, err
	}
	m, err := Project(rep.Reps, a)
	if err != nil {
		return nil, err
	}
	return &Result{Report: rep, Model: m}, nil
}
