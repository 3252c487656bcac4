package calc

import (
	"fmt"
	"slices"
	"testing"
)

func alignmentFixture() AlignmentInput {
	return AlignmentInput{
		Objectives: []Objective{
			{ID: "o1", Name: "Grow revenue", KPIs: []string{"revenue", "win_rate"}},             // 2 lagging
			{ID: "o2", Name: "Pipeline health", KPIs: []string{"calls", "meetings", "revenue"}}, // 2 leading, 1 lagging: balanced
			{ID: "o3", Name: "Retention"},                                           // no KPIs
			{ID: "o4", Name: "Activity", KPIs: []string{"calls", "ghost", "calls"}}, // 1 leading (calls once), ghost unknown
			{ID: "o0", Name: "Blank", KPIs: []string{"", ""}},                       // blanks only: no KPIs
		},
		KPIs: []KPIInfo{
			{ID: "revenue", Indicator: "lagging", Owner: "ae"},
			{ID: "win_rate", Indicator: "Lagging ", Owner: "ae"}, // case and space ignored
			{ID: "calls", Indicator: "leading", Owner: "sdr"},
			{ID: "meetings", Indicator: "leading", Owner: "sdr"},
			{ID: "churn", Indicator: "lagging", Owner: "cs"}, // no objective
			{ID: "nps", Indicator: "lagging"},                // no objective, no owner
		},
		Goals: []Goal{
			{ID: "g2", KPI: "revenue", Scope: "team:emea", Period: "2026-Q1", Target: 1200},
			{ID: "g1", KPI: "revenue", Scope: "team:emea", Period: "2026-Q1", Target: 1000},
			{ID: "g3", KPI: "revenue", Scope: "team:emea", Period: "2026-Q1", Target: 1000},
			{ID: "g4", KPI: "revenue", Scope: "team:apac", Period: "2026-Q1", Target: 500},  // other scope
			{ID: "g5", KPI: "calls", Scope: "rep:ann", Period: "2026-Q1", Target: 100},      // same target
			{ID: "g6", KPI: "calls", Scope: "rep:ann", Period: "2026-Q1", Target: 100},      // as g5: no conflict
			{ID: "g7", KPI: "revenue", Scope: "team:emea", Period: "2026-Q2", Target: 1500}, // other period
		},
		Reps:           []string{"cid", "ann", "bob", "bob"},
		RepsWithQuota:  []string{"ann", "dan"},
		MaxKPIsPerRole: 1,
	}
}

func TestAlignment(t *testing.T) {
	want := []Finding{
		// objectives whose KPI list is empty (o0 has only blanks), by ID
		{kindObjectiveWithoutKPIs, "o0", `objective o0 ("Blank") has no KPIs`},
		{kindObjectiveWithoutKPIs, "o3", `objective o3 ("Retention") has no KPIs`},
		// churn and nps are in use but no objective lists them
		{kindKPIWithoutObjective, "churn", "KPI churn serves no objective"},
		{kindKPIWithoutObjective, "nps", "KPI nps serves no objective"},
		// limit 1: ae owns revenue + win_rate = 2 > 1; sdr calls + meetings = 2 > 1; cs 1
		{kindTooManyKPIs, "ae", "role ae owns 2 KPIs, more than the limit of 1: revenue, win_rate"},
		{kindTooManyKPIs, "sdr", "role sdr owns 2 KPIs, more than the limit of 1: calls, meetings"},
		// o1: revenue + win_rate both lagging; o4: calls leading, ghost unknown; o2 balanced
		{kindLeadingLaggingBalance, "o1", `objective o1 ("Grow revenue") has only lagging indicators: 0 leading, 2 lagging`},
		{kindLeadingLaggingBalance, "o4", `objective o4 ("Activity") has only leading indicators: 1 leading, 0 lagging, 1 unclassified`},
		// revenue/team:emea/2026-Q1: 1200 vs 1000 — g1, g2, g3 listed by ID
		{kindConflictingGoals, "revenue|team:emea|2026-Q1",
			"goals for KPI revenue, scope team:emea, period 2026-Q1 have different targets: g1 (1000), g2 (1200), g3 (1000)"},
		// bob (listed twice) and cid have no quota; dan has one but is not a rep: ignored
		{kindRepWithoutQuota, "bob", "rep bob has no quota"},
		{kindRepWithoutQuota, "cid", "rep cid has no quota"},
	}
	got := Alignment(alignmentFixture())
	if !slices.Equal(got, want) {
		t.Errorf("Alignment:\n%s\nwant\n%s", dump(got), dump(want))
	}

	// The same input in reverse order gives the same report.
	in := alignmentFixture()
	slices.Reverse(in.Objectives)
	slices.Reverse(in.KPIs)
	slices.Reverse(in.Goals)
	slices.Reverse(in.Reps)
	slices.Reverse(in.RepsWithQuota)
	if again := Alignment(in); !slices.Equal(again, want) {
		t.Errorf("Alignment of reversed input:\n%s\nwant\n%s", dump(again), dump(want))
	}
}

func TestAlignmentKPILimit(t *testing.T) {
	kpis := func(n int) []KPIInfo {
		out := make([]KPIInfo, n)
		for i := range out {
			out[i] = KPIInfo{ID: fmt.Sprintf("k%d", i+1), Indicator: "leading", Owner: "manager"}
		}
		return out
	}
	ids := []string{"k1", "k2", "k3", "k4", "k5", "k6"}
	tests := []struct {
		name  string
		n     int
		limit int
		want  []Finding
	}{
		// default limit 5: 5 KPIs is not more than 5
		{"default limit reached", 5, 0, nil},
		// 6 > 5
		{"default limit exceeded", 6, 0, []Finding{{kindTooManyKPIs, "manager",
			"role manager owns 6 KPIs, more than the limit of 5: k1, k2, k3, k4, k5, k6"}}},
		// explicit limit 6: 6 is fine
		{"custom limit", 6, 6, nil},
		// a duplicate KPI entry counts once: k1..k3 + k1 again = 3 > 2
		{"duplicates once", 3, 2, []Finding{{kindTooManyKPIs, "manager",
			"role manager owns 3 KPIs, more than the limit of 2: k1, k2, k3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := kpis(tt.n)
			if tt.name == "duplicates once" {
				k = append(k, k[0])
			}
			obj := Objective{ID: "o", KPIs: ids[:tt.n]}
			got := Alignment(AlignmentInput{Objectives: []Objective{obj}, KPIs: k, MaxKPIsPerRole: tt.limit})
			// every KPI is leading, so the objective also gets a balance finding
			bal := Finding{kindLeadingLaggingBalance, "o",
				fmt.Sprintf("objective o has only leading indicators: %d leading, 0 lagging", tt.n)}
			want := append(slices.Clone(tt.want), bal)
			if !slices.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", dump(got), dump(want))
			}
		})
	}
}

func TestAlignmentEdgeCases(t *testing.T) {
	if got := Alignment(AlignmentInput{}); len(got) != 0 {
		t.Errorf("empty input: %v", got)
	}
	// An objective whose KPIs are all unclassified gets no balance finding;
	// one with both kinds gets none either.
	in := AlignmentInput{
		Objectives: []Objective{
			{ID: "a", KPIs: []string{"x", "y"}},
			{ID: "b", KPIs: []string{"lead", "lag"}},
		},
		KPIs: []KPIInfo{{ID: "lead", Indicator: "leading"}, {ID: "lag", Indicator: "lagging"}},
	}
	if got := Alignment(in); len(got) != 0 {
		t.Errorf("unclassified / balanced objectives: %v", dump(got))
	}
	// Goals with the same KPI, scope and period and equal targets (0 and −0
	// included) do not conflict; different targets do, even for two goals.
	in = AlignmentInput{Goals: []Goal{
		{ID: "a", KPI: "k", Scope: "s", Period: "p", Target: 0},
		{ID: "b", KPI: "k", Scope: "s", Period: "p", Target: negZero()},
		{ID: "c", KPI: "k", Scope: "s2", Period: "p", Target: 2.5},
		{ID: "d", KPI: "k", Scope: "s2", Period: "p", Target: 2},
	}}
	want := []Finding{{kindConflictingGoals, "k|s2|p",
		"goals for KPI k, scope s2, period p have different targets: c (2.5), d (2)"}}
	if got := Alignment(in); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func negZero() float64 {
	z := 0.0
	return -z
}

func dump(fs []Finding) string {
	s := ""
	for _, f := range fs {
		s += fmt.Sprintf("  %s | %s | %s\n", f.Kind, f.Subject, f.Message)
	}
	return s
}
