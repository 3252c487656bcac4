package coach

import (
	"fmt"
	"strings"
)

// focusRule turns verdicts on funnel KPIs into a suggested focus area. A
// rule fires on weaknesses only, so a focus area is never suggested by
// numbers that chance could explain.
type focusRule struct {
	area, title, rule, advice string
	// fire returns the KPIs to cite when the rule fires.
	fire func(get func(id string) *KPIResult) ([]string, bool)
}

func weak(r *KPIResult) bool { return r != nil && r.Verdict == Weakness }

// focusRules are in funnel order — effort and leads first, closing and
// velocity last — which is also their priority: a problem upstream starves
// everything below it, so it is the first to work on.
func focusRules() []focusRule {
	return []focusRule{
		{
			area: "effort", title: "Activity volume",
			rule:   "activities_per_rep is a weakness, or at least two of calls_made, emails_sent and meetings_scheduled are",
			advice: "Plan the week's calls, e-mails and meetings with the rep and review them daily; protect selling time from admin.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				ids := []string{"activities_per_rep", "calls_made", "emails_sent", "meetings_scheduled"}
				n := 0
				for _, id := range ids[1:] {
					if weak(get(id)) {
						n++
					}
				}
				return ids, weak(get("activities_per_rep")) || n >= 2
			},
		},
		{
			area: "speed_to_lead", title: "Speed to lead",
			rule:   "lead_response_minutes is a weakness",
			advice: "Answer new leads within minutes: alerts on assignment, time blocked for inbound, a first-touch template.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				return []string{"lead_response_minutes", "new_leads"}, weak(get("lead_response_minutes"))
			},
		},
		{
			area: "lead_conversion", title: "Lead follow-through",
			rule:   "lead_to_opportunity_rate is a weakness",
			advice: "Review the leads that did not become opportunities: were they worked enough times, and were the right questions asked?",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				return []string{"lead_to_opportunity_rate", "new_leads"}, weak(get("lead_to_opportunity_rate"))
			},
		},
		{
			area: "prospecting", title: "Prospecting and pipeline",
			rule:   "pipeline_coverage or pipeline_created is a weakness",
			advice: "Build pipeline ahead of quota: a weekly prospecting block, target accounts and a coverage goal of about 3× quota.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				return []string{"pipeline_coverage", "pipeline_created", "pipeline_value"}, weak(get("pipeline_coverage")) || weak(get("pipeline_created"))
			},
		},
		{
			area: "qualification", title: "Qualification",
			rule:   "win_rate is a weakness while meetings_held is at or above the team median",
			advice: "Plenty of meetings turn into too few wins: qualify harder (budget, authority, need, timing) and drop poor-fit deals early.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				m := get("meetings_held")
				busy := m != nil && m.Value != nil && m.TeamMedian != nil && *m.Value >= *m.TeamMedian
				return []string{"win_rate", "meetings_held", "opportunity_to_win_ratio"}, weak(get("win_rate")) && busy
			},
		},
		{
			area: "closing", title: "Proposal and negotiation",
			rule:   "win_rate is a weakness while meetings_held is below the team median (or unknown)",
			advice: "Deals close at a low rate without the meetings to carry them: review late-stage deals together, multi-thread, and rehearse proposals and negotiations.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				m := get("meetings_held")
				busy := m != nil && m.Value != nil && m.TeamMedian != nil && *m.Value >= *m.TeamMedian
				return []string{"win_rate", "meetings_held", "average_deal_size"}, weak(get("win_rate")) && !busy
			},
		},
		{
			area: "deal_size", title: "Deal size and discounting",
			rule:   "average_deal_size is a weakness",
			advice: "Sell on value rather than price: check discounting, scope and whether larger accounts are pursued.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				return []string{"average_deal_size", "win_rate"}, weak(get("average_deal_size"))
			},
		},
		{
			area: "velocity", title: "Deal velocity",
			rule:   "sales_cycle_days or sales_cycle_days_median is a weakness",
			advice: "Deals take longer than the team's: agree next steps and close plans with buyers, and spot stalled deals sooner.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				return []string{"sales_cycle_days", "sales_cycle_days_median"}, weak(get("sales_cycle_days")) || weak(get("sales_cycle_days_median"))
			},
		},
		{
			area: "follow_up", title: "Follow-up cadence",
			rule:   "follow_up_days is a weakness",
			advice: "Touch open deals more often: a next step booked at the end of every contact.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				return []string{"follow_up_days"}, weak(get("follow_up_days"))
			},
		},
		{
			area: "meeting_attendance", title: "Meeting attendance",
			rule:   "meeting_attendance_rate is a weakness",
			advice: "Too many meetings do not happen: confirm the day before, send agendas, and book with the decision maker.",
			fire: func(get func(string) *KPIResult) ([]string, bool) {
				return []string{"meeting_attendance_rate", "meetings_scheduled"}, weak(get("meeting_attendance_rate"))
			},
		},
	}
}

// focusAreas applies the rules to a scorecard, in priority order.
func focusAreas(results []KPIResult) []Focus {
	byID := map[string]*KPIResult{}
	for i := range results {
		byID[results[i].ID] = &results[i]
	}
	get := func(id string) *KPIResult { return byID[id] }
	out := []Focus{}
	for _, r := range focusRules() {
		ids, ok := r.fire(get)
		if !ok {
			continue
		}
		f := Focus{Area: r.area, Title: r.title, Rule: r.rule, Advice: r.advice, Evidence: []Evidence{}}
		var parts []string
		for _, id := range ids {
			k := byID[id]
			if k == nil {
				continue
			}
			f.Evidence = append(f.Evidence, Evidence{KPI: k.ID, Name: k.Name, Unit: k.Unit, Value: k.Value,
				TeamMedian: k.TeamMedian, Percentile: k.Percentile, Verdict: k.Verdict})
			parts = append(parts, describe(k))
		}
		f.Message = strings.Join(parts, "; ")
		out = append(out, f)
	}
	return out
}

// describe puts one KPI's numbers in words: "Win rate 12.0% against a team
// median of 27.0% (weakness)".
func describe(k *KPIResult) string {
	v, m := "no value", "none"
	if k.Value != nil {
		v = fmtValue(k.Unit, *k.Value)
	}
	if k.TeamMedian != nil {
		m = fmtValue(k.Unit, *k.TeamMedian)
	}
	return fmt.Sprintf("%s %s against a team median of %s (%s)", k.Name, v, m, strings.ReplaceAll(string(k.Verdict), "_", " "))
}
