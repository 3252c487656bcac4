package calc

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Objective is a business objective and the IDs of the KPIs that serve it.
type Objective struct {
	ID, Name string
	KPIs     []string
}

// KPIInfo describes a KPI in use: its ID, whether it is a "leading" or
// "lagging" indicator, and the role that owns it.
type KPIInfo struct {
	ID, Indicator /* leading|lagging */, Owner /* role */ string
}

// Goal is the part of a goal the alignment report needs: which KPI, for which
// scope and period, and the target.
type Goal struct {
	ID, KPI, Scope, Period string
	Target                 float64
}

// AlignmentInput is everything the alignment report looks at.
type AlignmentInput struct {
	Objectives          []Objective
	KPIs                []KPIInfo // the KPIs in use (with goals or linked to objectives) — the caller decides
	Goals               []Goal
	RepsWithQuota, Reps []string
	MaxKPIsPerRole      int // default 5 when 0
}

// Finding is one line of the alignment report. Kind is one of
// objective_without_kpis, kpi_without_objective, too_many_kpis,
// leading_lagging_balance, conflicting_goals, rep_without_quota; Subject is what the finding is about (an objective, KPI, role,
// goal group or rep ID); Message is a sentence for people.
type Finding struct{ Kind, Subject, Message string }

// The kinds of Finding, in the order Alignment reports them.
const (
	kindObjectiveWithoutKPIs  = "objective_without_kpis"
	kindKPIWithoutObjective   = "kpi_without_objective"
	kindTooManyKPIs           = "too_many_kpis"
	kindLeadingLaggingBalance = "leading_lagging_balance"
	kindConflictingGoals      = "conflicting_goals"
	kindRepWithoutQuota       = "rep_without_quota"
)

// defaultMaxKPIsPerRole is the limit used when AlignmentInput.MaxKPIsPerRole is 0.
const defaultMaxKPIsPerRole = 5

// Alignment lists findings in a deterministic order (by kind in the order above, then subject).
// leading_lagging_balance: for each objective with KPIs, a finding when it has only leading or only lagging indicators (message gives the counts).
// too_many_kpis: roles (KPIInfo.Owner) owning more than MaxKPIsPerRole of the KPIs in use.
// conflicting_goals: goals with the same KPI, Scope and Period but different targets (one finding per such group, listing goal ids).
//
// The other kinds: objective_without_kpis for each objective whose KPI list is
// empty (blank IDs ignored); kpi_without_objective for each KPI in KPIs that no
// objective lists; rep_without_quota for each rep in Reps that is not in
// RepsWithQuota. IDs are compared exactly; duplicates count once.
//
// Details: a KPI listed by an objective but missing from KPIs, or whose
// Indicator is neither "leading" nor "lagging" (case and surrounding space
// ignored), counts as unclassified in the balance and is mentioned in its
// message; an objective whose KPIs are all unclassified gets no balance
// finding. KPIs with an empty Owner belong to no role. A negative
// MaxKPIsPerRole is treated as 0 (then every owning role is reported). The
// subject of a conflicting_goals finding is "KPI|Scope|Period".
func Alignment(in AlignmentInput) []Finding {
	limit := in.MaxKPIsPerRole
	if limit == 0 {
		limit = defaultMaxKPIsPerRole
	}
	limit = max(limit, 0)

	kpis := map[string]KPIInfo{}
	var kpiIDs []string
	for _, k := range in.KPIs {
		if _, dup := kpis[k.ID]; dup || k.ID == "" {
			continue
		}
		kpis[k.ID] = k
		kpiIDs = append(kpiIDs, k.ID)
	}

	var out []Finding
	add := func(kind, subject, format string, args ...any) {
		out = append(out, Finding{Kind: kind, Subject: subject, Message: fmt.Sprintf(format, args...)})
	}

	served := map[string]bool{}
	for _, o := range in.Objectives {
		ids := uniqueNonEmpty(o.KPIs)
		for _, id := range ids {
			served[id] = true
		}
		if len(ids) == 0 {
			add(kindObjectiveWithoutKPIs, o.ID, "objective %s has no KPIs", describe(o.ID, o.Name))
			continue
		}
		var leading, lagging, other int
		for _, id := range ids {
			switch strings.ToLower(strings.TrimSpace(kpis[id].Indicator)) {
			case "leading":
				leading++
			case "lagging":
				lagging++
			default:
				other++
			}
		}
		if (leading == 0) != (lagging == 0) {
			only := "leading"
			if leading == 0 {
				only = "lagging"
			}
			msg := fmt.Sprintf("objective %s has only %s indicators: %d leading, %d lagging",
				describe(o.ID, o.Name), only, leading, lagging)
			if other > 0 {
				msg += fmt.Sprintf(", %d unclassified", other)
			}
			add(kindLeadingLaggingBalance, o.ID, "%s", msg)
		}
	}

	for _, id := range kpiIDs {
		if !served[id] {
			add(kindKPIWithoutObjective, id, "KPI %s serves no objective", id)
		}
	}

	byRole := map[string][]string{}
	for _, id := range kpiIDs {
		if role := kpis[id].Owner; role != "" {
			byRole[role] = append(byRole[role], id)
		}
	}
	roles := slices.Sorted(maps.Keys(byRole))
	for _, role := range roles {
		if ids := byRole[role]; len(ids) > limit {
			slices.Sort(ids)
			add(kindTooManyKPIs, role, "role %s owns %d KPIs, more than the limit of %d: %s",
				role, len(ids), limit, strings.Join(ids, ", "))
		}
	}

	type goalKey struct{ kpi, scope, period string }
	groups := map[goalKey][]Goal{}
	var keys []goalKey // first-seen order, so equal subjects stay deterministic
	for _, g := range in.Goals {
		k := goalKey{g.KPI, g.Scope, g.Period}
		if _, seen := groups[k]; !seen {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], g)
	}
	for _, k := range keys {
		gs := groups[k]
		targets := map[float64]bool{}
		for _, g := range gs {
			targets[g.Target] = true // NaN keys never collide: a NaN target always conflicts
		}
		if len(targets) < 2 {
			continue
		}
		slices.SortStableFunc(gs, func(a, b Goal) int { return cmp.Compare(a.ID, b.ID) })
		parts := make([]string, len(gs))
		for i, g := range gs {
			parts[i] = g.ID + " (" + strconv.FormatFloat(g.Target, 'g', -1, 64) + ")"
		}
		add(kindConflictingGoals, k.kpi+"|"+k.scope+"|"+k.period,
			"goals for KPI %s, scope %s, period %s have different targets: %s",
			k.kpi, k.scope, k.period, strings.Join(parts, ", "))
	}

	withQuota := map[string]bool{}
	for _, r := range in.RepsWithQuota {
		withQuota[r] = true
	}
	for _, r := range uniqueNonEmpty(in.Reps) {
		if !withQuota[r] {
			add(kindRepWithoutQuota, r, "rep %s has no quota", r)
		}
	}

	order := map[string]int{
		kindObjectiveWithoutKPIs:  0,
		kindKPIWithoutObjective:   1,
		kindTooManyKPIs:           2,
		kindLeadingLaggingBalance: 3,
		kindConflictingGoals:      4,
		kindRepWithoutQuota:       5,
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), cmp.Compare(a.Subject, b.Subject))
	})
	return out
}

// uniqueNonEmpty returns ids without blanks and repeats, in first-seen order.
func uniqueNonEmpty(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

// describe names an objective as `id ("Name")`, or just id without a name.
func describe(id, name string) string {
	if name == "" || name == id {
		return id
	}
	return fmt.Sprintf("%s (%q)", id, name)
}
