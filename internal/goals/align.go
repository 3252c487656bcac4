package goals

import (
	"context"
	"fmt"
	"strings"

	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// Finding is one line of the alignment report.
type Finding struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Message string `json:"message"`
}

// Alignment reports how well goals, KPIs and objectives fit together:
// objectives without KPIs, KPIs in use that serve no objective, roles owning
// more than maxKPIsPerRole KPIs, objectives with only leading or only lagging
// indicators, conflicting goals, and sales reps (role ae) without a quota.
func Alignment(ctx context.Context, st store.Store, cat *kpi.Catalog, gs []*Goal, objectives []*Objective, maxKPIsPerRole int) ([]Finding, error) {
	in := calc.AlignmentInput{MaxKPIsPerRole: maxKPIsPerRole}
	inUse := map[string]bool{}
	for _, o := range objectives {
		in.Objectives = append(in.Objectives, calc.Objective{ID: o.ID, Name: o.Name, KPIs: o.KPIs})
		for _, k := range o.KPIs {
			inUse[k] = true
		}
	}
	for _, g := range gs {
		if g.Target == nil {
			continue // relative goals have no fixed target to conflict on
		}
		in.Goals = append(in.Goals, calc.Goal{ID: g.ID, KPI: g.KPI, Scope: scopeOrOrg(g.Scope), Period: g.Period, Target: *g.Target})
		inUse[g.KPI] = true
	}
	for _, k := range cat.KPIs() {
		if inUse[k.ID] {
			in.KPIs = append(in.KPIs, calc.KPIInfo{ID: k.ID, Indicator: k.Indicator, Owner: k.Owner})
		}
	}
	rows, err := st.Query(ctx, `SELECT r.rep_id, EXISTS (SELECT 1 FROM quotas q WHERE q.rep_id = r.rep_id)
		FROM reps r WHERE coalesce(r.role, 'ae') = 'ae' AND r.left_on IS NULL ORDER BY r.rep_id`)
	if err != nil {
		return nil, fmt.Errorf("alignment: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rep string
		var hasQuota bool
		if err := rows.Scan(&rep, &hasQuota); err != nil {
			return nil, fmt.Errorf("alignment: %w", err)
		}
		in.Reps = append(in.Reps, rep)
		if hasQuota {
			in.RepsWithQuota = append(in.RepsWithQuota, rep)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alignment: %w", err)
	}
	out := []Finding{}
	for _, f := range calc.Alignment(in) {
		out = append(out, Finding{Kind: f.Kind, Subject: f.Subject, Message: strings.TrimSpace(f.Message)})
	}
	return out, nil
}
