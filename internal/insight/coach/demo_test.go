package coach

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/demo/demotest"
	"github.com/salesops/salesops/internal/kpi"
)

// demoCoach generates a demo organisation, imports it into a fresh database
// and returns a Coach on it.
func demoCoach(t *testing.T, cfg demo.Config) *Coach {
	t.Helper()
	st := demotest.Store(t, cfg)
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1},
		Now: func() time.Time { return time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return New(eng, st)
}

// skillOutcome is what the coach said about one AE's win rate.
type skillOutcome struct {
	rep     string
	skill   float64
	verdict Verdict
	focus   bool // qualification or closing suggested
}

// winRateVerdicts coaches every AE of every leaf team over [from, to] and
// returns the win-rate verdicts beside the generator's latent skills.
func winRateVerdicts(t *testing.T, c *Coach, skills map[string]float64, from, to time.Time, peers PeerGroup) []skillOutcome {
	t.Helper()
	ctx := context.Background()
	ro, err := c.roster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var leaves []string
	for id := range ro.teams {
		if len(ro.children[id]) == 0 {
			leaves = append(leaves, id)
		}
	}
	slices.Sort(leaves)
	var out []skillOutcome
	for _, team := range leaves {
		_, _, reports, _, err := c.teamReports(ctx, team, &Options{From: from, To: to, Peers: peers})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reports {
			if r.Rep.Role != "ae" {
				continue
			}
			for _, k := range r.KPIs {
				if k.ID != "win_rate" || k.Value == nil {
					continue
				}
				o := skillOutcome{rep: r.Rep.ID, skill: skills[r.Rep.ID], verdict: k.Verdict}
				for _, f := range r.Focus {
					o.focus = o.focus || f.Area == "qualification" || f.Area == "closing"
				}
				out = append(out, o)
			}
		}
	}
	return out
}

// TestVerdictsAgainstKnownSkill checks the win-rate verdicts against the
// demo generator's latent rep skill, which drives win probability
// (∝ skill^0.6): strengths must go to skilled reps, weaknesses and the
// win-rate focus areas to unskilled ones. For measuring, COACH_SEEDS=1,2,…
// runs more organisations (the default is one), COACH_PEERS=org compares
// with the whole organisation and COACH_RANGE=FROM,TO coaches another range.
func TestVerdictsAgainstKnownSkill(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and imports a demo organisation")
	}
	seeds := []uint64{11}
	if s := os.Getenv("COACH_SEEDS"); s != "" {
		seeds = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, n)
		}
	}
	peers := PeersTeam
	if os.Getenv("COACH_PEERS") == "org" {
		peers = PeersOrg
	}
	// The last four quarters of 24 months ending 2026-10-01: a year gives
	// most AEs the 20 closed deals a win-rate verdict needs.
	from, to := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	if r := os.Getenv("COACH_RANGE"); r != "" { // FROM,TO: measure another range
		a, b, _ := strings.Cut(r, ",")
		var errA, errB error
		from, errA = time.Parse(time.DateOnly, a)
		to, errB = time.Parse(time.DateOnly, b)
		if errA != nil || errB != nil {
			t.Fatalf("COACH_RANGE %q: want FROM,TO", r)
		}
	}
	var all []skillOutcome
	for _, seed := range seeds {
		cfg := demo.Config{Seed: seed, Reps: 60, Months: 24}
		skills, err := demo.RepSkills(cfg)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, winRateVerdicts(t, demoCoach(t, cfg), skills, from, to, peers)...)
	}
	if len(all) < 30 {
		t.Fatalf("only %d AEs with a win rate; the generator changed?", len(all))
	}
	sk := make([]float64, len(all))
	for i, o := range all {
		sk[i] = o.skill
	}
	q1, med, q3 := quantile(sk, 0.25), quantile(sk, 0.5), quantile(sk, 0.75)

	var strong, strongAbove, weakN, weakBelow, judged int
	var top, bottom, topStrong, bottomStrong, topWeak, bottomWeak, bottomFlag, topFlag int
	for _, o := range all {
		if o.verdict == Strength || o.verdict == Weakness || o.verdict == Typical {
			judged++
		}
		if o.verdict == Strength {
			strong++
			if o.skill > med {
				strongAbove++
			}
		}
		if o.verdict == Weakness {
			weakN++
			if o.skill < med {
				weakBelow++
			}
		}
		flagged := o.verdict == Weakness || o.focus
		switch {
		case o.skill >= q3:
			top++
			topStrong += b2i(o.verdict == Strength)
			topWeak += b2i(o.verdict == Weakness)
			topFlag += b2i(flagged)
		case o.skill <= q1:
			bottom++
			bottomStrong += b2i(o.verdict == Strength)
			bottomWeak += b2i(o.verdict == Weakness)
			bottomFlag += b2i(flagged)
		}
	}
	t.Logf("%d AEs with a win rate (%d judged, the rest not enough data); skill quartiles %.2f %.2f %.2f", len(all), judged, q1, med, q3)
	t.Logf("strength on win_rate: %d, of which %d above the median skill; weakness: %d, of which %d below", strong, strongAbove, weakN, weakBelow)
	t.Logf("top quartile (%d): %d strong, %d weak; bottom quartile (%d): %d strong, %d weak, %d weak or win-rate focus",
		top, topStrong, topWeak, bottom, bottomStrong, bottomWeak, bottomFlag)

	if strong == 0 || float64(strongAbove)/float64(strong) < 0.7 {
		t.Errorf("precision of strength on win_rate against skill above the median: %d of %d, want >= 0.7", strongAbove, strong)
	}
	if weakN == 0 || float64(weakBelow)/float64(weakN) < 0.7 {
		t.Errorf("precision of weakness on win_rate against skill below the median: %d of %d, want >= 0.7", weakBelow, weakN)
	}
	if bottomStrong > 0 {
		t.Errorf("%d rep(s) of the bottom skill quartile called strong on win rate", bottomStrong)
	}
	if topWeak > 0 || topFlag > 0 {
		t.Errorf("top skill quartile: %d called weak on win rate, %d given a win-rate focus area", topWeak, topFlag)
	}
	if rate(topStrong, top) <= rate(bottomStrong, bottom) {
		t.Errorf("top quartile called strong at %.2f, bottom at %.2f: want far more often", rate(topStrong, top), rate(bottomStrong, bottom))
	}
	if rate(bottomFlag, bottom) < 0.3 {
		t.Errorf("bottom quartile given a win-rate weakness or focus at %.2f, want >= 0.3", rate(bottomFlag, bottom))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
