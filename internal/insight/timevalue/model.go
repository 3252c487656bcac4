package timevalue

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/model"
)

// Selling is the one selling category; every other category is non-selling.
const Selling = "selling"

// Categories returns the time-entry categories of the data contract in their
// display order, selling first.
func Categories() []string { return slices.Clone(model.TimeCategories) }

// NonSelling returns every category but selling, in display order.
func NonSelling() []string {
	var out []string
	for _, c := range model.TimeCategories {
		if c != Selling {
			out = append(out, c)
		}
	}
	return out
}

// Assumptions are the scenario's inputs. Percentages are 0–100 (as a person
// types them), the productivity factor a plain multiplier.
type Assumptions struct {
	// ReducePercent is how much of the chosen non-selling time goes away.
	ReducePercent float64 `json:"reduce_percent"`
	// Categories are the non-selling categories the reduction applies to;
	// empty means all of them.
	Categories []string `json:"categories"`
	// ReclaimPercent is the share of the freed time that becomes selling time.
	ReclaimPercent float64 `json:"reclaim_percent"`
	// Productivity scales the revenue an extra selling hour earns against the
	// rep's past revenue per selling hour: 1 is as productive, below 1 is
	// diminishing returns.
	Productivity float64 `json:"productivity"`
}

// Defaults are the scenario the dashboard and the CLI start from: a fifth
// less non-selling time, all of it sold in, as productive as today.
func Defaults() Assumptions {
	return Assumptions{ReducePercent: 20, ReclaimPercent: 100, Productivity: 1}
}

// MaxProductivity bounds the productivity factor: above 1 the extra hours
// would sell better than the rep's average hour, which the model allows only
// up to double.
const MaxProductivity = 2

// AssumptionError names the assumption that is out of bounds; Field is
// "reduce", "categories", "reclaim" or "productivity" (the API parameter and
// CLI flag).
type AssumptionError struct {
	Field string
	Msg   string
}

func (e *AssumptionError) Error() string { return e.Field + ": " + e.Msg }

// Check validates the assumptions and returns them normalised: categories
// lower-cased, without duplicates, in display order, and all non-selling
// categories when none are given.
func (a Assumptions) Check() (Assumptions, error) {
	if !(a.ReducePercent >= 0 && a.ReducePercent <= 100) {
		return a, &AssumptionError{"reduce", fmt.Sprintf("%v: want a percentage from 0 to 100", a.ReducePercent)}
	}
	if !(a.ReclaimPercent >= 0 && a.ReclaimPercent <= 100) {
		return a, &AssumptionError{"reclaim", fmt.Sprintf("%v: want a percentage from 0 to 100", a.ReclaimPercent)}
	}
	if !(a.Productivity >= 0 && a.Productivity <= MaxProductivity) {
		return a, &AssumptionError{"productivity", fmt.Sprintf("%v: want a factor from 0 to %d (1 = as productive as today's selling hours)", a.Productivity, MaxProductivity)}
	}
	want := map[string]bool{}
	for _, c := range a.Categories {
		c = strings.ToLower(strings.TrimSpace(c))
		switch {
		case c == Selling:
			return a, &AssumptionError{"categories", "selling: only non-selling time is reduced"}
		case !slices.Contains(model.TimeCategories, c):
			return a, &AssumptionError{"categories", fmt.Sprintf("%q is not a non-selling category (want %s)", c, strings.Join(NonSelling(), ", "))}
		}
		want[c] = true
	}
	out := a
	out.Categories = nil
	for _, c := range NonSelling() {
		if len(want) == 0 || want[c] {
			out.Categories = append(out.Categories, c)
		}
	}
	return out, nil
}

// allNonSelling reports whether the categories are every non-selling one.
func (a Assumptions) allNonSelling() bool { return len(a.Categories) == len(NonSelling()) }

// Explain states the (checked) assumptions in words, one sentence each.
func (a Assumptions) Explain() []string {
	pct := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) + "%" }
	var out []string
	if a.allNonSelling() {
		out = append(out, fmt.Sprintf("Non-selling time (every category but selling) falls by %s.", pct(a.ReducePercent)))
	} else {
		names := make([]string, len(a.Categories))
		for i, c := range a.Categories {
			names[i] = CategoryName(c)
		}
		out = append(out, fmt.Sprintf("Time in %s falls by %s; other non-selling time is unchanged.", joinAnd(names), pct(a.ReducePercent)))
	}
	if a.ReclaimPercent == 100 {
		out = append(out, "All of the freed time becomes selling time.")
	} else {
		out = append(out, fmt.Sprintf("%s of the freed time becomes selling time; the other %s goes to other work or rest.", pct(a.ReclaimPercent), pct(100-a.ReclaimPercent)))
	}
	out = append(out,
		fmt.Sprintf("Each extra selling hour earns the rep's own revenue per selling hour in the range (won revenue ÷ selling hours) × %s, the productivity factor: 1 means as productive as the hours already sold, below 1 means diminishing returns.", strconv.FormatFloat(a.Productivity, 'f', -1, 64)),
		"Capped by the time actually logged: no rep gains more selling hours than the non-selling hours they logged in the chosen categories.",
		"Reps without selling time or without won revenue in the range get no projection: there is no rate to value their hours at.",
		"Team and organisation figures add up their reps' (a team covers its sub-teams); each rep's hours are valued at that rep's own rate.",
		"It looks back: selling time and won revenue (by close date, to the deal's owner) of the same range, ignoring the lag between selling and closing.",
	)
	return out
}

// CategoryName is a category id for people: "order_processing" → "order processing".
func CategoryName(c string) string {
	if c == "internal_meeting" {
		return "internal meetings"
	}
	return strings.ReplaceAll(c, "_", " ")
}

func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// RepTime is what the model knows of one rep over the range.
type RepTime struct {
	Rep string
	// Teams are the teams whose subtree holds the rep: its own and every
	// ancestor. Empty for a rep without a team.
	Teams []string
	// Minutes logged by category.
	Minutes map[string]float64
	// Revenue is the amount of deals the rep won in the range.
	Revenue float64
}

// Figures are the hours and money of a rep or a group of reps.
type Figures struct {
	// Hours logged by category.
	Hours           map[string]float64 `json:"hours"`
	TotalHours      float64            `json:"total_hours"`
	SellingHours    float64            `json:"selling_hours"`
	NonSellingHours float64            `json:"non_selling_hours"`
	// SellingShare is selling hours ÷ all hours; null without hours.
	SellingShare *float64 `json:"selling_share"`
	// TargetedHours are the hours in the categories the reduction applies to.
	TargetedHours float64 `json:"targeted_hours"`
	Revenue       float64 `json:"revenue"`
	// RevenuePerSellingHour is revenue ÷ selling hours; null without selling hours.
	RevenuePerSellingHour *float64 `json:"revenue_per_selling_hour"`
	// FreedHours = targeted hours × reduce %.
	FreedHours float64 `json:"freed_hours"`
	// ExtraSellingHours = freed hours × reclaim %.
	ExtraSellingHours float64 `json:"extra_selling_hours"`
	// SellingShareAfter is the selling share once the freed time is gone and
	// the reclaimed part is selling: (selling + extra) ÷ (all − freed + extra).
	SellingShareAfter *float64 `json:"selling_share_after"`
	// ProjectedGain = extra selling hours × revenue per selling hour ×
	// productivity, for a rep; the sum over projected reps for a group. Null
	// when there is no rate to value the hours at (see Note).
	ProjectedGain *float64 `json:"projected_gain"`
	// Note says why there is no projection.
	Note string `json:"note,omitempty"`
}

// RepValue is one rep's line of the model.
type RepValue struct {
	Rep   string   `json:"rep"`
	Teams []string `json:"teams"`
	Figures
}

// Rollup adds up the reps of a team (its whole subtree) or of the scope.
type Rollup struct {
	// Team is the team's id; empty for the whole scope.
	Team string `json:"team,omitempty"`
	// Reps counts the reps with time or revenue in the range; ProjectedReps
	// those with a projection.
	Reps          int `json:"reps"`
	ProjectedReps int `json:"projected_reps"`
	Figures
	// UnvaluedHours are the extra selling hours of reps without a
	// projection: counted in ExtraSellingHours, worth nothing in the gain.
	UnvaluedHours float64 `json:"unvalued_hours"`
}

// Model is the value model's answer, with the assumptions it rests on.
type Model struct {
	Assumptions Assumptions `json:"assumptions"`
	// Explanation states the assumptions in words.
	Explanation []string   `json:"explanation"`
	Reps        []RepValue `json:"reps"`
	Teams       []Rollup   `json:"teams"`
	Total       Rollup     `json:"total"`
}

// sums accumulates figures before rounding.
type sums struct {
	minutes               map[string]float64
	revenue, freed, extra float64
	gain, unvalued        float64
	reps, projected       int
}

func (s *sums) add(r RepTime, freed, extra float64, gain *float64) {
	if s.minutes == nil {
		s.minutes = map[string]float64{}
	}
	for c, m := range r.Minutes {
		s.minutes[c] += m
	}
	s.revenue += r.Revenue
	s.freed += freed
	s.extra += extra
	s.reps++
	if gain != nil {
		s.gain += *gain
		s.projected++
	} else {
		s.unvalued += extra
	}
}

// figures rounds accumulated minutes and money into Figures (gain not set).
func figures(minutes map[string]float64, revenue, targetedMin, freed, extra float64) Figures {
	f := Figures{Hours: map[string]float64{}}
	var total, selling float64
	for _, c := range model.TimeCategories {
		m := minutes[c]
		total += m
		if c == Selling {
			selling = m
		}
		f.Hours[c] = round("", m/60)
	}
	f.TotalHours = round("", total/60)
	f.SellingHours = round("", selling/60)
	f.NonSellingHours = round("", (total-selling)/60)
	f.SellingShare = ratio(selling, total)
	f.TargetedHours = round("", targetedMin/60)
	f.Revenue = round("currency", revenue)
	if selling > 0 {
		v := round("currency", revenue/(selling/60))
		f.RevenuePerSellingHour = &v
	}
	f.FreedHours = round("", freed)
	f.ExtraSellingHours = round("", extra)
	f.SellingShareAfter = ratio(selling/60+extra, total/60-freed+extra)
	return f
}

// ratio is a ÷ b at six decimals, null when b is not positive.
func ratio(a, b float64) *float64 {
	if !(b > 0) {
		return nil
	}
	v := round("", a/b)
	return &v
}

// round is kpi.Round that never lets NaN or ±Inf through (they become 0;
// callers only divide by positive numbers, so this is a guard, not a rule).
func round(unit string, v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return kpi.Round(unit, v)
}

// Project runs the value model over the reps with the given assumptions.
func Project(reps []RepTime, a Assumptions) (*Model, error) {
	a, err := a.Check()
	if err != nil {
		return nil, err
	}
	targeted := map[string]bool{}
	for _, c := range a.Categories {
		targeted[c] = true
	}
	m := &Model{Assumptions: a, Explanation: a.Explain(), Reps: []RepValue{}, Teams: []Rollup{}}
	sorted := slices.Clone(reps)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Rep < sorted[j].Rep })
	var total sums
	teams := map[string]*sums{}
	for _, r := range sorted {
		var all, selling, targetedMin float64
		for c, v := range r.Minutes {
			all += v
			if c == Selling {
				selling += v
			}
			if targeted[c] {
				targetedMin += v
			}
		}
		freed := targetedMin / 60 * a.ReducePercent / 100
		extra := freed * a.ReclaimPercent / 100
		var gain *float64
		note := ""
		switch {
		case all <= 0:
			note = "no time logged in the range"
		case selling <= 0:
			note = "no selling time logged in the range: no revenue per selling hour to value extra hours at"
		case !(r.Revenue > 0):
			note = "no won revenue in the range: nothing to value extra selling hours at"
		default:
			g := extra * (r.Revenue / (selling / 60)) * a.Productivity
			if !math.IsNaN(g) && !math.IsInf(g, 0) {
				gain = &g
			} else {
				note = "the numbers are out of range"
			}
		}
		rv := RepValue{Rep: r.Rep, Teams: slices.Clone(r.Teams), Figures: figures(r.Minutes, r.Revenue, targetedMin, freed, extra)}
		if rv.Teams == nil {
			rv.Teams = []string{}
		}
		if gain != nil {
			v := round("currency", *gain)
			rv.ProjectedGain = &v
		}
		rv.Note = note
		m.Reps = append(m.Reps, rv)
		total.add(r, freed, extra, gain)
		seen := map[string]bool{}
		for _, t := range r.Teams {
			if seen[t] {
				continue
			}
			seen[t] = true
			if teams[t] == nil {
				teams[t] = &sums{}
			}
			teams[t].add(r, freed, extra, gain)
		}
	}
	ids := make([]string, 0, len(teams))
	for t := range teams {
		ids = append(ids, t)
	}
	sort.Strings(ids)
	for _, t := range ids {
		m.Teams = append(m.Teams, rollup(t, teams[t], targeted))
	}
	m.Total = rollup("", &total, targeted)
	return m, nil
}

func rollup(team string, s *sums, targeted map[string]bool) Rollup {
	var targetedMin float64
	for c, v := range s.minutes {
		if targeted[c] {
			targetedMin += v
		}
	}
	r := Rollup{Team: team, Reps: s.reps, ProjectedReps: s.projected,
		Figures: figures(s.minutes, s.revenue, targetedMin, s.freed, s.extra), UnvaluedHours: round("", s.unvalued)}
	if s.projected > 0 {
		g := round("currency", s.gain)
		r.ProjectedGain = &g
	} else {
		r.Note = "no rep has both selling time and won revenue in the range"
	}
	return r
}
