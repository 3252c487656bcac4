package explain

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// smallOrg: root T1 with teams T2 (R1) and T3 (R2), and R3 placed directly in T1.
//
//	Q1 2026: R1 won 1,000 + 1,000, lost 1; R2 won 2,000, lost 2; R3 won 500.
//	Q2 2026: R1 won 1,500, lost 3;         R2 won 2,000 + 2,000, lost 1.
func smallOrg(t *testing.T) (*kpi.Engine, store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "e.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, q := range []string{
		`INSERT INTO teams VALUES ('T1', 'Org', NULL, NULL), ('T2', 'East', 'T1', 'East'), ('T3', 'West', 'T1', 'West')`,
		`INSERT INTO reps VALUES ('R1', 'Ann', NULL, 'T2', 'ae', NULL, NULL), ('R2', 'Bob', NULL, 'T3', 'ae', NULL, NULL),
		                         ('R3', 'Cy', NULL, 'T1', 'ae', NULL, NULL)`,
		`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES
		 ('D1', 'R1', 'closed_won', 'won', 1000, '2026-01-02', '2026-01-20'),
		 ('D2', 'R1', 'closed_won', 'won', 1000, '2026-01-03', '2026-02-10'),
		 ('D3', 'R1', 'closed_lost', 'lost', 800, '2026-01-05', '2026-02-01'),
		 ('D4', 'R2', 'closed_won', 'won', 2000, '2026-01-06', '2026-03-05'),
		 ('D5', 'R2', 'closed_lost', 'lost', 900, '2026-01-07', '2026-03-06'),
		 ('D6', 'R2', 'prospecting', 'lost', 700, '2026-02-01', '2026-03-01'),
		 ('D7', 'R3', 'closed_won', 'won', 500, '2026-01-08', '2026-03-20'),
		 ('E1', 'R1', 'closed_won', 'won', 1500, '2026-03-02', '2026-04-10'),
		 ('E2', 'R1', 'closed_lost', 'lost', 100, '2026-03-03', '2026-04-11'),
		 ('E3', 'R1', 'closed_lost', 'lost', 100, '2026-03-04', '2026-05-12'),
		 ('D8', 'R1', 'closed_lost', 'lost', 100, '2026-03-20', '2026-04-30'),
		 ('E4', 'R2', 'closed_won', 'won', 2000, '2026-03-05', '2026-05-01'),
		 ('E5', 'R2', 'closed_won', 'won', 2000, '2026-03-06', '2026-06-01'),
		 ('E6', 'R2', 'closed_lost', 'lost', 100, '2026-03-07', '2026-06-02')`,
		// Stage history of a few deals: D6 has no closing stage on record.
		`INSERT INTO opportunity_stages VALUES
		 ('1', 'D1', 'prospecting', '2026-01-02'), ('2', 'D1', 'proposal', '2026-01-10'), ('3', 'D1', 'closed_won', '2026-01-20'),
		 ('4', 'D3', 'prospecting', '2026-01-05'), ('5', 'D3', 'closed_lost', '2026-02-01'),
		 ('6', 'D6', 'prospecting', '2026-02-01'),
		 ('7', 'D8', 'prospecting', '2026-03-20'), ('8', 'D8', 'proposal', '2026-04-05'), ('9', 'D8', 'closed_lost', '2026-04-30')`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return eng, st
}

func TestExplainRevenueByHand(t *testing.T) {
	eng, st := smallOrg(t)
	r, err := Run(context.Background(), eng, st, Options{KPI: "revenue", From: "2026-Q1", To: "2026-Q2", Dimensions: []string{"team", "rep"}})
	if err != nil {
		t.Fatal(err)
	}
	// Q1: won 1,000 + 1,000 + 2,000 + 500 = 4,500 (4 won, 3 lost: D3, D5, D6).
	// Q2: won 1,500 + 2,000 + 2,000 = 5,500 (3 won, 4 lost: E2, E3, D8, E6).
	if *r.Old != 4500 || *r.New != 5500 || *r.Change != 1000 {
		t.Fatalf("old %v new %v change %v", *r.Old, *r.New, *r.Change)
	}
	// Drivers: closed 7 → 7 takes nothing. Win rate 4/7 → 3/7 and size 1,125 →
	// 1,833.33 split by the midpoint rule times the constant 7:
	//   win rate 7 × (−1/7) × (1,125 + 1,833.33)/2 = −1,479.17
	//   size     7 × (4/7 + 3/7)/2 × 708.33         = +2,479.17
	want := []float64{0, -1479.1666667, 2479.1666667}
	if len(r.Drivers) != 3 {
		t.Fatalf("drivers %+v", r.Drivers)
	}
	sum := 0.0
	for i, d := range r.Drivers {
		sum += d.Contribution
		if math.Abs(d.Contribution-want[i]) > 1e-6 {
			t.Errorf("driver %s = %v, want %v", d.Name, d.Contribution, want[i])
		}
	}
	if !near(sum, 1000) {
		t.Errorf("drivers sum to %v, want the change 1,000", sum)
	}
	// By team, one level below the root: T2 2,000 → 1,500 (−500), T3 2,000 →
	// 4,000 (+2,000), and R3 placed directly in T1 500 → 0 (−500).
	team := breakdown(t, r, "team")
	got := map[string]float64{}
	for _, s := range team.Segments {
		got[s.Value] = *s.Contribution
	}
	if team.Method != "additive" || len(got) != 3 || got["T2"] != -500 || got["T3"] != 2000 || got["(directly in T1)"] != -500 {
		t.Errorf("by team %s %v", team.Method, got)
	}
	// T3's +2,000 is all win rate (1/3 → 2/3 of 3 closed, size 2,000 both times).
	if s := team.Segments[0]; s.Value != "T3" || math.Abs(s.Drivers[1]-2000) > 1e-9 || s.Drivers[0] != 0 || s.Drivers[2] != 0 {
		t.Errorf("T3 first with its win-rate driver: %+v", s)
	}
	// Findings: the headline, then by size: T3 +2,000 and R2 +2,000 (segments),
	// size +2,479.17 (driver) first of all; at most two per dimension.
	if !strings.HasPrefix(r.Findings[0].Text, "Revenue rose by 1,000 from 2026-Q1 (4,500) to 2026-Q2 (5,500)") {
		t.Errorf("headline %q", r.Findings[0].Text)
	}
	if f := r.Findings[1]; f.Kind != "driver" || !strings.Contains(f.Text, "Average deal size 1,125 → 1,833 (+708): +2,479 of the change") {
		t.Errorf("first finding %+v", f)
	}
	perDim := map[string]int{}
	for _, f := range r.Findings {
		perDim[f.Dimension]++
		if f.Kind == "segment" && f.Filters[f.Dimension] == "" {
			t.Errorf("segment finding without its filter: %+v", f)
		}
	}
	if perDim["team"] != 2 || perDim["rep"] != 2 {
		t.Errorf("segment findings per dimension %v, want 2 each", perDim)
	}
}

func TestExplainWinRateMixRateByHand(t *testing.T) {
	eng, st := smallOrg(t)
	r, err := Run(context.Background(), eng, st, Options{KPI: "win_rate", From: "2026-Q1", To: "2026-Q2", Dimensions: []string{"team"}})
	if err != nil {
		t.Fatal(err)
	}
	// 4/7 → 3/7. Shares of closed deals: T2 3/7 → 4/7, T3 3/7 → 3/7, R3 1/7 → 0.
	// Rates: T2 2/3 → 1/4, T3 1/3 → 2/3, R3 1 (1 of 1; nothing closed in Q2, so
	// its rate stays 1 and its effect is all mix). R̄ = (4/7 + 3/7)/2 = 1/2.
	//   T2 mix (1/7)(0.458333 − 0.5) = −0.005952, rate (1/2)(1/4 − 2/3) = −0.208333
	//   T3 mix 0, rate (3/7)(1/3) = 0.142857
	//   R3 mix (−1/7)(1 − 0.5) = −0.071429, rate 0
	want := map[string][2]float64{"T2": {1.0 / 7 * (11.0/24 - 0.5), 0.5 * (0.25 - 2.0/3)}, "T3": {0, 3.0 / 7 / 3}, "(directly in T1)": {-0.5 / 7, 0}}
	b := breakdown(t, r, "team")
	if b.Method != "mix_rate" {
		t.Fatalf("method %s, notes %v", b.Method, r.Notes)
	}
	sum := 0.0
	for _, s := range b.Segments {
		w := want[s.Value]
		sum += *s.Contribution
		if math.Abs(*s.Mix-w[0]) > 1e-12 || math.Abs(*s.Rate-w[1]) > 1e-12 {
			t.Errorf("%s: mix %v rate %v, want %v", s.Value, *s.Mix, *s.Rate, w)
		}
	}
	if !near(sum, -1.0/7) {
		t.Errorf("segments sum to %v, want −1/7", sum)
	}
}

func TestStageChangesByHand(t *testing.T) {
	eng, st := smallOrg(t)
	cal := eng.Calendar()
	_, q1, _ := cal.ParseLabel("2026-Q1")
	_, q2, _ := cal.ParseLabel("2026-Q2")
	org, err := loadOrg(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := stageChanges(context.Background(), st, org, nil, q1, q2)
	if err != nil {
		t.Fatal(err)
	}
	// Q1: prospecting left by D1 (to proposal), D3 (closed_lost), D6 (lost at its
	// close date, no closing stage): 3 exits, 1 moved on. Proposal left by D1 (won).
	// Q2: prospecting left by D8 (to proposal); proposal left by D8 (lost).
	want := []StageChange{{Stage: "prospecting", Exits0: 3, Advanced0: 1, Exits1: 1, Advanced1: 1},
		{Stage: "proposal", Exits0: 1, Advanced0: 1, Exits1: 1, Advanced1: 0}}
	if len(got) != len(want) {
		t.Fatalf("stages %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Stage != w.Stage || g.Exits0 != w.Exits0 || g.Advanced0 != w.Advanced0 || g.Exits1 != w.Exits1 || g.Advanced1 != w.Advanced1 {
			t.Errorf("stage %d = %+v, want %+v", i, g, w)
		}
	}
	// Only R1's deals: D1, D3, D8 (D6 is R2's).
	got, err = stageChanges(context.Background(), st, org, map[string][]string{"rep": {"R1"}}, q1, q2)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Exits0 != 2 || got[0].Advanced0 != 1 {
		t.Errorf("R1 prospecting %+v", got[0])
	}
	// Region East is team T2's, so R1's deals again; West (T3) is R2's: D6.
	for region, want := range map[string][2]int{"East": {2, 1}, "West": {1, 0}} {
		got, err = stageChanges(context.Background(), st, org, map[string][]string{"region": {region}}, q1, q2)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Stage != "prospecting" || got[0].Exits0 != want[0] || got[0].Advanced0 != want[1] {
			t.Errorf("%s prospecting %+v, want exits %d moved on %d", region, got[0], want[0], want[1])
		}
	}
	// The z statistic: 30 of 100 vs 20 of 100: pooled 0.25, se √(0.25·0.75·0.02)
	// = 0.061237, z = −0.1/0.061237 = −1.63299.
	if z := twoProportionZ(30, 100, 20, 100); z == nil || math.Abs(*z+1.632993) > 1e-5 {
		t.Errorf("z = %v", z)
	}
}

func TestExplainRefusesBadInput(t *testing.T) {
	eng, st := smallOrg(t)
	for _, o := range []Options{
		{KPI: "nope", From: "2026-Q1", To: "2026-Q2"},
		{KPI: "revenue", From: "2026-Q1", To: "2026-05"},
		{KPI: "revenue", From: "2026-Q1", To: "2026-Q1"},
		{KPI: "revenue", From: "last quarter", To: "2026-Q2"},
		{KPI: "revenue", From: "2026-Q1", To: "2026-Q2", Dimensions: []string{"planet"}},
	} {
		if _, err := Run(context.Background(), eng, st, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func breakdown(t *testing.T, r *Report, dim string) Breakdown {
	t.Helper()
	for _, b := range r.Breakdowns {
		if b.Dimension == dim {
			return b
		}
	}
	t.Fatalf("no breakdown by %s (notes %v)", dim, r.Notes)
	return Breakdown{}
}
