package coach

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// handOrg is a small organisation whose scorecards are worked out by hand
// below. Team T1 has four AEs employed throughout 2026-Q2 (R1–R4), a
// manager (M1, not their peer: another role) and an AE hired mid-quarter
// (R6, not a peer: not there throughout). T2 has one AE (R5).
//
// 2026-Q2, closed deals (won of closed): R1 21/30, R2 9/30, R3 3/30, R4 1/3,
// R5 10/25, M1 30/30; 2026-Q1: R1 10/20.
// 2026-Q2 activities: calls R1 100, R2 100, R3 100, R4 20, R5 50, R6 10;
// meetings, all attended: R1 10, R2 10, R3 12, R4 2, R5 5.
func handOrg(t *testing.T) *Coach {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("teams.csv", "team_id,name,parent_team_id,region\nT0,Sales,,EMEA\nT1,East,T0,\nT2,West,T0,\n")
	write("reps.csv", "rep_id,name,team_id,role,hired_on,left_on\n"+
		"M1,Mia,T1,manager,,\nR1,Ann,T1,ae,,\nR2,Bob,T1,ae,,\nR3,Cy,T1,ae,,\nR4,Di,T1,ae,,\nR5,Ed,T2,ae,,\nR6,Flo,T1,ae,2026-05-15,\n")
	var opps strings.Builder
	opps.WriteString("opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\n")
	deals := func(rep string, q time.Time, closed, won int) {
		for i := range closed {
			closeDay := q.AddDate(0, 0, i%80)
			status, stage := "lost", "closed_lost"
			if i < won {
				status, stage = "won", "closed_won"
			}
			fmt.Fprintf(&opps, "O-%s-%s-%d,%s,%s,%s,1000,%s,%s\n", rep, q.Format("0102"), i, rep, stage, status,
				closeDay.AddDate(0, 0, -20).Format(time.DateOnly), closeDay.Format(time.DateOnly))
		}
	}
	q1, q2 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	deals("R1", q2, 30, 21)
	deals("R2", q2, 30, 9)
	deals("R3", q2, 30, 3)
	deals("R4", q2, 3, 1)
	deals("R5", q2, 25, 10)
	deals("M1", q2, 30, 30)
	deals("R1", q1, 20, 10)
	write("opportunities.csv", opps.String())
	var acts strings.Builder
	acts.WriteString("activity_id,rep_id,type,occurred_at,attended\n")
	n := 0
	activities := func(rep, typ string, count int, from time.Time) {
		for i := range count {
			n++
			attended := ""
			if typ == "meeting" {
				attended = "true"
			}
			fmt.Fprintf(&acts, "A%d,%s,%s,%sT10:00:00Z,%s\n", n, rep, typ, from.AddDate(0, 0, i%85).Format(time.DateOnly), attended)
		}
	}
	for rep, c := range map[string]int{"R1": 100, "R2": 100, "R3": 100, "R4": 20, "R5": 49} {
		activities(rep, "call", c, q2)
	}
	for rep, c := range map[string]int{"R1": 10, "R2": 10, "R3": 12, "R4": 2, "R5": 5} {
		activities(rep, "meeting", c, q2)
	}
	activities("R6", "call", 10, time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC))
	// R5's 50th call is on the quarter's last day: the data covers 2026-Q2
	// to its end, so it is the last full quarter.
	fmt.Fprintf(&acts, "A%d,R5,call,2026-06-30T16:00:00Z,\n", n+1)
	write("activities.csv", acts.String())

	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "coach.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := ingest.Import(ctx, st, []string{dir}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1},
		Now: func() time.Time { return time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return New(eng, st)
}

func kpiOf(t *testing.T, r *Report, id string) KPIResult {
	t.Helper()
	for _, k := range r.KPIs {
		if k.ID == id {
			return k
		}
	}
	t.Fatalf("%s: no KPI %s in the scorecard", r.Rep.ID, id)
	return KPIResult{}
}

func near(got *float64, want, tol float64) bool {
	return got != nil && math.Abs(*got-want) <= tol
}

func show(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func mustRep(t *testing.T, c *Coach, id string, o Options) *Report {
	t.Helper()
	r, err := c.Rep(context.Background(), id, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestScorecardByHand(t *testing.T) {
	c := handOrg(t)
	r1 := mustRep(t, c, "R1", Options{})
	if r1.Period.Label != "2026-Q2" || r1.Previous.Label != "2026-Q1" {
		t.Fatalf("period %v, previous %v: want the last full quarter 2026-Q2 and 2026-Q1", r1.Period, r1.Previous)
	}
	// Peers: the AEs of T1 employed all quarter; not the manager, not R6
	// (hired 2026-05-15), not R5 (another team).
	if want := []string{"R1", "R2", "R3", "R4"}; !slices.Equal(r1.Peers.Reps, want) {
		t.Errorf("peers %v, want %v", r1.Peers.Reps, want)
	}

	// Win rate, 2026-Q2: R1 21/30 = 0.7, R2 9/30 = 0.3, R3 3/30 = 0.1,
	// R4 1/3 = 0.3333. Team median (0.3 + 0.3333) / 2 = 0.316667.
	// R1 against the rest pooled: 13/63 = 0.2063; pooled rate 34/93 = 0.3656;
	// se = √(0.3656 × 0.6344 × (1/30 + 1/63)) = 0.10683;
	// z = (0.7 − 0.2063) / 0.10683 = 4.621, p = 3.8e-6: a strength.
	wr := kpiOf(t, r1, "win_rate")
	if !near(wr.Value, 0.7, 1e-9) || !near(wr.TeamMedian, 0.316667, 1e-6) || !near(wr.Percentile, 100, 0) || wr.Verdict != Strength {
		t.Errorf("R1 win_rate: value %s median %s percentile %s verdict %s, want 0.7 0.316667 100 strength (%s)",
			show(wr.Value), show(wr.TeamMedian), show(wr.Percentile), wr.Verdict, wr.Reason)
	}
	if tt := wr.Test; tt == nil || *tt.Successes != 21 || *tt.Trials != 30 || *tt.PeerSuccesses != 13 || *tt.PeerTrials != 63 ||
		!near(tt.Z, 4.621, 1e-3) || *tt.PValue > 1e-4 {
		t.Errorf("R1 win_rate test %+v: want 21/30 against 13/63, z 4.621, p < 0.0001", wr.Test)
	}
	// Trend: 2026-Q1 10/20 = 0.5 → 0.7, better; pooled 31/50 = 0.62,
	// se = √(0.62 × 0.38 × (1/30 + 1/20)) = 0.14012, z = 1.427, p = 0.153:
	// not significant.
	if tr := wr.Trend; !near(tr.Previous, 0.5, 1e-9) || !near(tr.Change, 0.2, 1e-9) || tr.Direction == nil || *tr.Direction != "better" ||
		tr.Significant == nil || *tr.Significant || !near(tr.PValue, 0.1535, 1e-3) {
		t.Errorf("R1 win_rate trend %+v: want 0.5 → 0.7, better, not significant (p 0.153)", wr.Trend)
	}
	// Calls: R1 100 ties with R2 and R3 (each counts half) and beats R4's
	// 20: percentile 100 × (1 + 2 × ½) / 3 = 66.7. Team median 100.
	calls := kpiOf(t, r1, "calls_made")
	if !near(calls.Percentile, 66.7, 0) || !near(calls.TeamMedian, 100, 0) || calls.Verdict != Typical {
		t.Errorf("R1 calls_made: percentile %s median %s verdict %s, want 66.7 100 typical", show(calls.Percentile), show(calls.TeamMedian), calls.Verdict)
	}

	// R2 against R1, R3, R4: 9/30 = 0.3 against 25/63 = 0.3968;
	// z = (0.3 − 0.3968) / 0.10683 = −0.906, p = 0.365: typical. It beats R3
	// only: percentile 33.3.
	wr2 := kpiOf(t, mustRep(t, c, "R2", Options{}), "win_rate")
	if wr2.Verdict != Typical || !near(wr2.Percentile, 33.3, 0) || !near(wr2.Test.Z, -0.9064, 1e-3) {
		t.Errorf("R2 win_rate: verdict %s percentile %s z %s, want typical 33.3 -0.906", wr2.Verdict, show(wr2.Percentile), show(wr2.Test.Z))
	}

	// R3: 3/30 = 0.1 against 31/63 = 0.4921; z = −3.670, p = 0.0002: a
	// weakness. Meetings held 12, at or above the team median
	// (2, 10, 10, 12 → 10): the qualification rule fires.
	r3 := mustRep(t, c, "R3", Options{})
	wr3 := kpiOf(t, r3, "win_rate")
	if wr3.Verdict != Weakness || !near(wr3.Percentile, 0, 0) || !near(wr3.Test.Z, -3.670, 1e-3) {
		t.Errorf("R3 win_rate: verdict %s percentile %s z %s, want weakness 0 -3.670 (%s)", wr3.Verdict, show(wr3.Percentile), show(wr3.Test.Z), wr3.Reason)
	}
	if len(r3.Focus) == 0 || r3.Focus[0].Area != "qualification" {
		t.Fatalf("R3 focus %+v: want qualification first", r3.Focus)
	}
	f := r3.Focus[0]
	wantMsg := "Win rate 10.0% against a team median of 31.7% (weakness); Meetings held 12 against a team median of 10 (typical)"
	if !strings.HasPrefix(f.Message, wantMsg) {
		t.Errorf("R3 focus message %q, want it to start %q", f.Message, wantMsg)
	}
	if len(f.Evidence) < 2 || f.Evidence[0].KPI != "win_rate" || !near(f.Evidence[0].Value, 0.1, 1e-9) || !near(f.Evidence[0].TeamMedian, 0.316667, 1e-6) ||
		f.Evidence[1].KPI != "meetings_held" || !near(f.Evidence[1].Value, 12, 0) || !near(f.Evidence[1].TeamMedian, 10, 0) {
		t.Errorf("R3 focus evidence %+v", f.Evidence)
	}
	if slices.ContainsFunc(r3.Focus, func(f Focus) bool { return f.Area == "closing" }) {
		t.Error("R3 got both qualification and closing")
	}

	// R4 closed three deals: no win-rate verdict, however its 1/3 compares.
	// Its 20 calls against 100, 100, 100: sd 0 floored at 10% of the mean,
	// scale 10 × √(1 + 1/3) = 11.547, t = −80 / 11.547 = −6.928 on 2 degrees
	// of freedom, p = 1 − 6.928/√(2 + 6.928²) = 0.0202: a weakness. Its 22
	// activities against 110, 110, 112 likewise (p = 0.0202): effort.
	r4 := mustRep(t, c, "R4", Options{})
	wr4 := kpiOf(t, r4, "win_rate")
	if wr4.Verdict != NotEnoughData || !strings.Contains(wr4.Reason, "only 3 in the denominator") {
		t.Errorf("R4 win_rate: %s (%s), want not_enough_data for 3 deals", wr4.Verdict, wr4.Reason)
	}
	if ds := kpiOf(t, r4, "average_deal_size"); ds.Verdict != NotEnoughData {
		t.Errorf("R4 average_deal_size from one won deal: %s (%s), want not_enough_data", ds.Verdict, ds.Reason)
	}
	c4 := kpiOf(t, r4, "calls_made")
	if c4.Verdict != Weakness || !near(c4.Test.PValue, 0.0202, 1e-4) || !near(c4.Test.Low, 50.31, 0.01) || !near(c4.Percentile, 0, 0) {
		t.Errorf("R4 calls_made: %s p %s low %s percentile %s, want weakness 0.0202 50.31 0 (%s)", c4.Verdict, show(c4.Test.PValue), show(c4.Test.Low), show(c4.Percentile), c4.Reason)
	}
	if len(r4.Focus) == 0 || r4.Focus[0].Area != "effort" || !strings.HasPrefix(r4.Focus[0].Message, "Activities per rep 22 against a team median of 110 (weakness)") {
		t.Errorf("R4 focus %+v: want effort first, citing 22 activities against 110", r4.Focus)
	}
	if slices.ContainsFunc(r4.Focus, func(f Focus) bool { return f.Area == "qualification" || f.Area == "closing" }) {
		t.Error("R4 got a win-rate focus area from three deals")
	}

	// R6 joined mid-quarter: its volumes are not judged.
	r6 := mustRep(t, c, "R6", Options{})
	if c6 := kpiOf(t, r6, "calls_made"); !r6.Partial || c6.Verdict != NotEnoughData {
		t.Errorf("R6 partial %v, calls_made %s: want partial and not_enough_data", r6.Partial, c6.Verdict)
	}

	// R5 is alone in T2; against the organisation's AEs (R1–R4) its 10/25
	// = 0.4 against 34/93 = 0.3656 is typical.
	if wr5 := kpiOf(t, mustRep(t, c, "R5", Options{}), "win_rate"); wr5.Verdict != NotEnoughData {
		t.Errorf("R5 with no team peers: %s, want not_enough_data", wr5.Verdict)
	}
	r5 := mustRep(t, c, "R5", Options{Peers: PeersOrg})
	if want := []string{"R1", "R2", "R3", "R4", "R5"}; !slices.Equal(r5.Peers.Reps, want) {
		t.Errorf("R5 org peers %v, want %v", r5.Peers.Reps, want)
	}
	if wr5 := kpiOf(t, r5, "win_rate"); wr5.Verdict != Typical || *wr5.Test.PeerTrials != 93 {
		t.Errorf("R5 against the org: %s, %+v; want typical against 34/93", wr5.Verdict, wr5.Test)
	}

	// Team KPIs and KPIs with no rep are left out, with notes.
	for _, id := range []string{"reps_at_quota", "cost_per_lead"} {
		if slices.ContainsFunc(r1.KPIs, func(k KPIResult) bool { return k.ID == id }) || !hasNote(r1.Notes, id) {
			t.Errorf("%s: want it left out with a note (notes %v)", id, r1.Notes)
		}
	}
}

func TestTeamView(t *testing.T) {
	c := handOrg(t)
	tr, err := c.Team(context.Background(), "T1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	heads := map[string]RepHeadline{}
	for _, h := range tr.Reps {
		ids = append(ids, h.Rep.ID)
		heads[h.Rep.ID] = h
	}
	if want := []string{"M1", "R1", "R2", "R3", "R4", "R6"}; !slices.Equal(ids, want) {
		t.Fatalf("reps %v, want %v", ids, want)
	}
	if h := heads["R1"]; !slices.Contains(h.Strengths, "win_rate") || h.Summary.Strengths != len(h.Strengths) {
		t.Errorf("R1 headline %+v: want win_rate among the strengths", h)
	}
	if h := heads["R3"]; h.TopFocus == nil || h.TopFocus.Area != "qualification" || !slices.Contains(h.Weaknesses, "win_rate") {
		t.Errorf("R3 headline %+v: want a win_rate weakness and qualification", h)
	}
	if h := heads["R4"]; h.TopFocus == nil || h.TopFocus.Area != "effort" {
		t.Errorf("R4 headline %+v: want effort", h)
	}
	if h := heads["R6"]; !h.Partial {
		t.Errorf("R6 headline %+v: want partial", h)
	}
	if !near(heads["R2"].WinRate, 0.3, 1e-9) || !near(heads["R2"].WinRateMedian, 0.316667, 1e-6) {
		t.Errorf("R2 win rate %s median %s", show(heads["R2"].WinRate), show(heads["R2"].WinRateMedian))
	}
	// The top team covers its sub-teams.
	all, err := c.Team(context.Background(), "T0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Reps) != 7 {
		t.Errorf("T0: %d reps, want 7", len(all.Reps))
	}
}

func TestErrors(t *testing.T) {
	c := handOrg(t)
	ctx := context.Background()
	if _, err := c.Rep(ctx, "R99", Options{}); !errors.Is(err, ErrUnknownRep) || !strings.Contains(err.Error(), `"R99"`) {
		t.Errorf("unknown rep: %v", err)
	}
	if _, err := c.Team(ctx, "T99", Options{}); !errors.Is(err, ErrUnknownTeam) || !strings.Contains(err.Error(), `"T99"`) {
		t.Errorf("unknown team: %v", err)
	}
	var qe *kpi.QueryError
	if _, err := c.Rep(ctx, "R1", Options{Peers: "region"}); !errors.As(err, &qe) || qe.Param != "peers" {
		t.Errorf("bad peers: %v", err)
	}
	from, to := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, err := c.Rep(ctx, "R1", Options{From: from, To: to}); !errors.As(err, &qe) || qe.Param != "from" {
		t.Errorf("from after to: %v", err)
	}
}

func TestWindow(t *testing.T) {
	c := handOrg(t)
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name                string
		from, to            string
		cur, prev           string
		curStart, prevStart string
		curEnd              string
		grain               kpi.Grain
	}{
		{"default: last full quarter", "", "", "2026-Q2", "2026-Q1", "2026-04-01", "2026-01-01", "2026-07-01", kpi.Quarter},
		{"one month", "2026-05-01", "2026-05-31", "2026-05", "2026-04", "2026-05-01", "2026-04-01", "2026-06-01", kpi.Month},
		{"a year", "2025-01-01", "2025-12-31", "2025", "2024", "2025-01-01", "2024-01-01", "2026-01-01", kpi.Year},
		{"any range: as many days before", "2026-04-10", "2026-06-18", "2026-04-10..2026-06-18", "2026-01-30..2026-04-09", "2026-04-10", "2026-01-30", "2026-06-19", kpi.All},
		{"to only: quarter to date", "", "2026-05-20", "2026-04-01..2026-05-20", "2026-02-10..2026-03-31", "2026-04-01", "2026-02-10", "2026-05-21", kpi.All},
		{"from only: to the data's end", "2026-04-01", "", "2026-Q2", "2026-Q1", "2026-04-01", "2026-01-01", "2026-07-01", kpi.Quarter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o Options
			if tt.from != "" {
				o.From = d(tt.from)
			}
			if tt.to != "" {
				o.To = d(tt.to)
			}
			w, err := c.window(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{w.cur.Label, w.prev.Label, w.cur.Start.Format(time.DateOnly), w.prev.Start.Format(time.DateOnly), w.cur.End.Format(time.DateOnly), string(w.grain)}
			want := []string{tt.cur, tt.prev, tt.curStart, tt.prevStart, tt.curEnd, string(tt.grain)}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if !w.prev.End.Equal(w.cur.Start) {
				t.Errorf("previous ends %v, current starts %v", w.prev.End, w.cur.Start)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	cat, err := kpi.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	specs, skips := classify(cat)
	by := map[string]*spec{}
	for _, s := range specs {
		by[s.kpi.ID] = s
	}
	tests := []struct {
		id       string
		kind     Kind
		num, den []string
		support  []string
		exact    bool
	}{
		{"win_rate", KindRate, []string{"won_count"}, []string{"won_count", "lost_count"}, []string{"won_count", "lost_count"}, true},
		{"email_open_rate", KindRate, []string{"emails_opened"}, []string{"emails_out"}, []string{"emails_opened", "emails_out"}, true},
		{"opportunity_to_win_ratio", KindLevel, nil, nil, []string{"opportunities_created", "won_count"}, true}, // a ratio, not a share
		{"calls_made", KindVolume, nil, nil, []string{"calls"}, true},
		{"arr", KindVolume, nil, nil, nil, true}, // 12 × mrr; subscriptions have no count measure
		{"revenue", KindVolume, nil, nil, []string{"won_count"}, true},
		{"average_deal_size", KindLevel, nil, nil, []string{"won_count"}, true},
		{"sales_cycle_days", KindLevel, nil, nil, []string{"won_count"}, true},
		{"gross_margin", KindLevel, nil, nil, []string{"won_count"}, false}, // won deals with a cost: won deals bound it
		{"lead_response_minutes", KindLevel, nil, nil, []string{"leads_created"}, false},
		{"upsell_cross_sell_revenue", KindVolume, nil, nil, []string{"won_count"}, false},
	}
	for _, tt := range tests {
		s := by[tt.id]
		if s == nil {
			t.Errorf("%s: not classified", tt.id)
			continue
		}
		if s.kind != tt.kind || !slices.Equal(s.num, tt.num) || !slices.Equal(s.den, tt.den) || !slices.Equal(s.support, tt.support) || s.supportExact != tt.exact {
			t.Errorf("%s: kind %s num %v den %v support %v exact %v; want %s %v %v %v %v", tt.id, s.kind, s.num, s.den, s.support, s.supportExact,
				tt.kind, tt.num, tt.den, tt.support, tt.exact)
		}
	}
	var skipped []string
	for _, s := range skips {
		skipped = append(skipped, s.id)
	}
	if want := []string{"reps_at_quota", "workload_balance"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped %v, want %v", skipped, want)
	}
}

func TestStatistics(t *testing.T) {
	t.Run("percentile", func(t *testing.T) {
		tests := []struct {
			name      string
			direction string
			v         float64
			others    []float64
			want      float64
		}{
			{"best", "higher", 5, []float64{1, 2, 3}, 100},
			{"worst", "higher", 0, []float64{1, 2, 3}, 0},
			{"ties count half", "higher", 2, []float64{1, 2, 2, 3}, 50},  // (1 + 2 × ½) / 4
			{"lower is better", "lower", 1, []float64{2, 3, 4, 1}, 87.5}, // (3 + ½) / 4
		}
		for _, tt := range tests {
			if got := percentile(tt.direction, tt.v, tt.others); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			}
		}
	})
	t.Run("median and quartiles", func(t *testing.T) {
		// Type 7: the 0.25 quantile of 1, 2, 3, 10 is at h = 0.75: 1.75.
		if got := quantile([]float64{10, 1, 3, 2}, 0.25); got != 1.75 {
			t.Errorf("q1 %v, want 1.75", got)
		}
		if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
			t.Errorf("median %v, want 2.5", got)
		}
	})
	t.Run("two proportions", func(t *testing.T) {
		// 21/30 against 13/63: z = 4.621 (see TestScorecardByHand).
		z, p := proportionTest(21, 30, 13, 63)
		if math.Abs(z-4.6206) > 1e-3 || p > 1e-5 {
			t.Errorf("z %v p %v", z, p)
		}
		if z, p := proportionTest(0, 30, 0, 60); z != 0 || p != 1 {
			t.Errorf("no successes anywhere: z %v p %v, want 0 1", z, p)
		}
	})
	t.Run("prediction interval", func(t *testing.T) {
		// 3 peers, mean 100, sd 10: t(0.975, 2) = 4.3027; half-width
		// 4.3027 × 10 × √(4/3) = 49.68.
		lo, hi, p := predictionTest(20, 100, 10, 3, 0.05)
		if math.Abs(lo-50.32) > 0.01 || math.Abs(hi-149.68) > 0.01 || math.Abs(p-0.0202) > 1e-4 {
			t.Errorf("lo %v hi %v p %v", lo, hi, p)
		}
	})
	t.Run("wilson", func(t *testing.T) {
		// 21/30 at 95%: centre (0.7 + 1.96²/60)/(1 + 1.96²/30) = 0.6773,
		// half-width 1.96/(1.128) × √(0.21/30 + 3.8416/3600) = 0.1561.
		lo, hi := wilson(21, 30, 1.959964)
		if math.Abs(lo-0.5212) > 1e-3 || math.Abs(hi-0.8334) > 1e-3 {
			t.Errorf("wilson %v %v, want 0.521 0.833", lo, hi)
		}
	})
	t.Run("conjuncts", func(t *testing.T) {
		got := conjuncts("type = 'email' and (direction = 'outbound' or direction is null)  AND opened_at is not null")
		want := []string{"type = 'email'", "(direction = 'outbound' or direction is null)", "opened_at is not null"}
		if !slices.Equal(got, want) {
			t.Errorf("%q", got)
		}
	})
}
