package goals

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// Verdict is one letter of a SMART check.
type Verdict struct {
	Letter string `json:"letter"` // S, M, A, R or T
	Pass   bool   `json:"pass"`
	Reason string `json:"reason"`
}

// SmartCheck is a goal's verdict per letter.
type SmartCheck struct {
	Goal     *Goal     `json:"goal"`
	Verdicts []Verdict `json:"verdicts"`
}

// Smart reports whether every letter passed.
func (c SmartCheck) Smart() bool {
	for _, v := range c.Verdicts {
		if !v.Pass {
			return false
		}
	}
	return true
}

// historyPeriods is how many past periods judge whether a target is achievable.
const historyPeriods = 12

// Smart checks a goal: Specific (a known KPI and a scope), Measurable (a numeric
// target in the KPI's unit), Achievable (its implied change against the KPI's
// own history of period-over-period changes), Relevant (linked to an objective)
// and Time-bound (a period with a start and an end).
func (t *Tracker) Smart(ctx context.Context, g *Goal, objectives []*Objective) (SmartCheck, error) {
	c := SmartCheck{Goal: g}
	add := func(letter string, pass bool, format string, args ...any) {
		c.Verdicts = append(c.Verdicts, Verdict{letter, pass, fmt.Sprintf(format, args...)})
	}
	k, known := t.Eng.Catalog().KPI(g.KPI)
	if known {
		add("S", true, "%s (%s) for %s", k.ID, k.Name, scopeOrOrg(g.Scope))
	} else {
		add("S", false, "%q is not a KPI of the catalog", g.KPI)
		return c, nil
	}
	target, base, err := t.Target(ctx, g)
	switch {
	case err != nil:
		add("M", false, "%v", err)
	case k.Unit == "fraction" && math.Abs(target) > 1:
		add("M", false, "target %g is not a fraction: rates are fractions (0.25 for 25%%)", target)
	case base != nil:
		add("M", true, "%+.1f%% on %s (%s), i.e. %s %s", 100**g.Change, g.Baseline, num(k.Unit, *base), num(k.Unit, target), k.Unit)
	default:
		add("M", true, "target %s %s", num(k.Unit, target), k.Unit)
	}
	if err == nil {
		var hist []float64
		for _, p := range periodsBefore(g, t.Eng.Calendar(), historyPeriods) {
			v, err := t.Value(ctx, g.KPI, g.Scope, p[0], p[1])
			if err != nil {
				return c, err
			}
			if v != nil {
				hist = append(hist, *v)
			}
		}
		dir := calc.HigherIsBetter
		if k.Direction == "lower" {
			dir = calc.LowerIsBetter
		}
		switch {
		case len(hist) == 0:
			add("A", true, "no history to judge against")
		default:
			p := calc.Achievable(hist, hist[len(hist)-1], target, dir)
			add("A", p.Plausible, "%s", p.Reason)
		}
	} else {
		add("A", false, "no target to judge")
	}
	var serving []string
	for _, o := range objectives {
		if o.ID == g.Objective && g.Objective != "" {
			serving = []string{o.ID}
			break
		}
		for _, id := range o.KPIs {
			if id == g.KPI {
				serving = append(serving, o.ID)
			}
		}
	}
	switch {
	case g.Objective != "" && len(serving) > 0:
		add("R", true, "serves objective %s", g.Objective)
	case len(serving) > 0:
		add("R", true, "%s serves objective %s (the goal names none)", g.KPI, strings.Join(serving, ", "))
	default:
		add("R", false, "linked to no objective, and %s serves none", g.KPI)
	}
	if g.Start.IsZero() || !g.End.After(g.Start) {
		add("T", false, "no period with a start and an end")
	} else {
		add("T", true, "%s to %s", g.Start.Format("2006-01-02"), g.End.AddDate(0, 0, -1).Format("2006-01-02"))
	}
	return c, nil
}

// StoredObjectives lists the stored objectives.
func StoredObjectives(ctx context.Context, st store.Store) ([]*Objective, error) {
	rows, err := st.Query(ctx, `SELECT objective_id, name, kpis, coalesce(description, '') FROM objectives ORDER BY objective_id`)
	if err != nil {
		return nil, fmt.Errorf("read objectives: %w", err)
	}
	defer rows.Close()
	var out []*Objective
	for rows.Next() {
		o := &Objective{}
		var kpis string
		if err := rows.Scan(&o.ID, &o.Name, &kpis, &o.Description); err != nil {
			return nil, fmt.Errorf("read objectives: %w", err)
		}
		if kpis != "" {
			o.KPIs = strings.Split(kpis, ",")
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// num shows a value at its unit's precision.
func num(unit string, v float64) string {
	return strconv.FormatFloat(kpi.Round(unit, v), 'f', -1, 64)
}
