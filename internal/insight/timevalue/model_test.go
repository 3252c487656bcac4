package timevalue

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// twoReps is the hand-worked organisation the tests share (the same numbers
// as the CSV fixture of load_test.go, over January and February 2026):
//
//	R1 (team T1): selling 1200 min = 20 h; data entry 180 = 3 h, quoting 60 = 1 h,
//	              travel 120 = 2 h, admin 240 = 4 h → non-selling 10 h, all 30 h;
//	              won 10,000 + 6,000 = 16,000 → 16,000 ÷ 20 h = 800 per selling hour
//	R2 (team T2 ⊂ T1): selling 600 = 10 h; order processing 300 = 5 h,
//	              internal meetings 180 = 3 h, data entry 120 = 2 h → non-selling 10 h,
//	              all 20 h; won 3,000 → 3,000 ÷ 10 h = 300 per selling hour
func twoReps() []RepTime {
	return []RepTime{
		{Rep: "R2", Teams: []string{"T1", "T2"}, Revenue: 3000, Minutes: map[string]float64{
			"selling": 600, "order_processing": 300, "internal_meeting": 180, "data_entry": 120}},
		{Rep: "R1", Teams: []string{"T1"}, Revenue: 16000, Minutes: map[string]float64{
			"selling": 1200, "data_entry": 180, "quoting": 60, "travel": 120, "admin": 240}},
	}
}

func f64(x float64) *float64 { return &x }

func near(got *float64, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return math.Abs(*got-*want) < 1e-6
}

func show(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func TestProjectDefaults(t *testing.T) {
	m, err := Project(twoReps(), Defaults())
	if err != nil {
		t.Fatal(err)
	}
	// Reduce all non-selling time by 20%, reclaim 100%, productivity 1:
	//   R1: 10 h × 0.20 = 2 h freed = 2 h extra selling; 2 × 800 = 1,600
	//   R2: 10 h × 0.20 = 2 h; 2 × 300 = 600
	//   T1 (R1 and R2) = 1,600 + 600 = 2,200; T2 (R2) = 600; total 2,200
	if len(m.Reps) != 2 || m.Reps[0].Rep != "R1" || m.Reps[1].Rep != "R2" {
		t.Fatalf("reps %+v, want R1 then R2", m.Reps)
	}
	r1, r2 := m.Reps[0], m.Reps[1]
	checks := []struct {
		name      string
		got, want *float64
	}{
		{"R1 selling hours", &r1.SellingHours, f64(20)},
		{"R1 non-selling hours", &r1.NonSellingHours, f64(10)},
		{"R1 total hours", &r1.TotalHours, f64(30)},
		{"R1 data entry hours", f64(r1.Hours["data_entry"]), f64(3)},
		{"R1 selling share", r1.SellingShare, f64(20.0 / 30)},
		{"R1 revenue per selling hour", r1.RevenuePerSellingHour, f64(800)},
		{"R1 targeted", &r1.TargetedHours, f64(10)},
		{"R1 freed", &r1.FreedHours, f64(2)},
		{"R1 extra", &r1.ExtraSellingHours, f64(2)},
		// (20 + 2) ÷ (30 − 2 + 2) = 22 ÷ 30
		{"R1 selling share after", r1.SellingShareAfter, f64(22.0 / 30)},
		{"R1 gain", r1.ProjectedGain, f64(1600)},
		{"R2 selling share", r2.SellingShare, f64(0.5)},
		{"R2 revenue per selling hour", r2.RevenuePerSellingHour, f64(300)},
		{"R2 gain", r2.ProjectedGain, f64(600)},
		{"total gain", m.Total.ProjectedGain, f64(2200)},
		{"total extra", &m.Total.ExtraSellingHours, f64(4)},
		// 30 h selling of 50 h
		{"total selling share", m.Total.SellingShare, f64(30.0 / 50)},
		// 19,000 ÷ 30 selling hours = 633.333…, reported to the cent
		{"total revenue per selling hour", m.Total.RevenuePerSellingHour, f64(633.33)},
		{"total revenue", &m.Total.Revenue, f64(19000)},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %s, want %s", c.name, show(c.got), show(c.want))
		}
	}
	if len(m.Teams) != 2 || m.Teams[0].Team != "T1" || m.Teams[1].Team != "T2" {
		t.Fatalf("teams %+v", m.Teams)
	}
	if g := m.Teams[0].ProjectedGain; !near(g, f64(2200)) || m.Teams[0].Reps != 2 || m.Teams[0].ProjectedReps != 2 {
		t.Errorf("T1: gain %s, reps %d/%d; want 2200 from 2 of 2", show(g), m.Teams[0].ProjectedReps, m.Teams[0].Reps)
	}
	if g := m.Teams[1].ProjectedGain; !near(g, f64(600)) || m.Teams[1].Reps != 1 {
		t.Errorf("T2: gain %s, reps %d; want 600 from 1", show(g), m.Teams[1].Reps)
	}
	if m.Total.Reps != 2 || m.Total.ProjectedReps != 2 || m.Total.UnvaluedHours != 0 {
		t.Errorf("total reps %d/%d, unvalued %v", m.Total.ProjectedReps, m.Total.Reps, m.Total.UnvaluedHours)
	}
	// The assumptions come back, normalised, in numbers and in words.
	a := m.Assumptions
	if a.ReducePercent != 20 || a.ReclaimPercent != 100 || a.Productivity != 1 || len(a.Categories) != 9 {
		t.Errorf("assumptions %+v", a)
	}
	words := strings.Join(m.Explanation, " ")
	for _, w := range []string{"every category but selling", "falls by 20%", "All of the freed time", "× 1,", "no projection", "own rate"} {
		if !strings.Contains(words, w) {
			t.Errorf("explanation lacks %q: %s", w, words)
		}
	}
}

func TestProjectScenarios(t *testing.T) {
	tests := []struct {
		name           string
		a              Assumptions
		r1, r2, total  float64
		r1Freed, words string
	}{
		{
			// Only data entry, order processing and quoting, 20%:
			//   R1: data entry 3 h + quoting 1 h = 4 h × 0.20 = 0.8 h × 800 = 640
			//   R2: order processing 5 h + data entry 2 h = 7 h × 0.20 = 1.4 h × 300 = 420
			//   total 1,060
			name: "selected categories", a: Assumptions{ReducePercent: 20, ReclaimPercent: 100, Productivity: 1,
				Categories: []string{"data_entry", "order_processing", "quoting"}},
			r1: 640, r2: 420, total: 1060,
			words: "Time in quoting, order processing and data entry falls by 20%; other non-selling time is unchanged.",
		},
		{
			// Same categories, half reclaimed, productivity 0.8:
			//   R1: 0.8 h freed × 0.5 = 0.4 h × 800 × 0.8 = 256
			//   R2: 1.4 h freed × 0.5 = 0.7 h × 300 × 0.8 = 168
			//   total 424
			name: "reclaim and productivity", a: Assumptions{ReducePercent: 20, ReclaimPercent: 50, Productivity: 0.8,
				Categories: []string{"DATA_ENTRY", " quoting", "order_processing", "quoting"}},
			r1: 256, r2: 168, total: 424,
			words: "50% of the freed time becomes selling time; the other 50% goes to other work or rest.",
		},
		{
			// All non-selling time gone and sold in: R1 10 h × 800 = 8,000; R2 10 h × 300 = 3,000.
			name: "the cap: 100% of logged non-selling time", a: Assumptions{ReducePercent: 100, ReclaimPercent: 100, Productivity: 1},
			r1: 8000, r2: 3000, total: 11000,
		},
		{
			name: "nothing reduced", a: Assumptions{ReducePercent: 0, ReclaimPercent: 100, Productivity: 1},
			r1: 0, r2: 0, total: 0,
		},
		{
			// Travel only (R1 2 h, R2 none), 50%: R1 1 h × 800 = 800; R2 0.
			name: "a category one rep never logs", a: Assumptions{ReducePercent: 50, ReclaimPercent: 100, Productivity: 1, Categories: []string{"travel"}},
			r1: 800, r2: 0, total: 800,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Project(twoReps(), tt.a)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Reps[0].ProjectedGain; !near(got, &tt.r1) {
				t.Errorf("R1 gain = %s, want %v", show(got), tt.r1)
			}
			if got := m.Reps[1].ProjectedGain; !near(got, &tt.r2) {
				t.Errorf("R2 gain = %s, want %v", show(got), tt.r2)
			}
			if got := m.Total.ProjectedGain; !near(got, &tt.total) {
				t.Errorf("total gain = %s, want %v", show(got), tt.total)
			}
			if tt.words != "" && !strings.Contains(strings.Join(m.Explanation, "\n"), tt.words) {
				t.Errorf("explanation lacks %q:\n%s", tt.words, strings.Join(m.Explanation, "\n"))
			}
		})
	}
}

func TestProjectEdgeCases(t *testing.T) {
	reps := []RepTime{
		// No time at all, but revenue.
		{Rep: "A", Revenue: 5000},
		// Time but no selling time.
		{Rep: "B", Teams: []string{"T9"}, Revenue: 5000, Minutes: map[string]float64{"admin": 600}},
		// Selling time but no revenue.
		{Rep: "C", Teams: []string{"T9"}, Minutes: map[string]float64{"selling": 600, "data_entry": 600}},
		// Zero minutes logged.
		{Rep: "D", Minutes: map[string]float64{"selling": 0}},
	}
	m, err := Project(reps, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	wantNote := map[string]string{"A": "no time logged", "B": "no selling time", "C": "no won revenue", "D": "no time logged"}
	for _, r := range m.Reps {
		if r.ProjectedGain != nil {
			t.Errorf("%s: gain %v, want none", r.Rep, *r.ProjectedGain)
		}
		if !strings.Contains(r.Note, wantNote[r.Rep]) {
			t.Errorf("%s: note %q, want it to say %q", r.Rep, r.Note, wantNote[r.Rep])
		}
	}
	// B has no selling hours: no rate, not NaN or Inf. C sells at 0 per hour.
	if b := m.Reps[1]; b.RevenuePerSellingHour != nil || b.SellingShare == nil || *b.SellingShare != 0 {
		t.Errorf("B: rate %s, selling share %s; want null and 0", show(b.RevenuePerSellingHour), show(b.SellingShare))
	}
	if c := m.Reps[2]; !near(c.RevenuePerSellingHour, f64(0)) {
		t.Errorf("C: rate %s, want 0", show(c.RevenuePerSellingHour))
	}
	// A and D have no hours: every share is null.
	for _, r := range []RepValue{m.Reps[0], m.Reps[3]} {
		if r.SellingShare != nil || r.SellingShareAfter != nil || r.RevenuePerSellingHour != nil {
			t.Errorf("%s: shares or rate not null: %+v", r.Rep, r.Figures)
		}
	}
	// Nobody is valued: the totals have no gain, and say so. C's freed time
	// (10 h data entry × 20% = 2 h) and B's (10 h admin × 20% = 2 h) are unvalued.
	if m.Total.ProjectedGain != nil || m.Total.Note == "" || m.Total.ProjectedReps != 0 || m.Total.Reps != 4 {
		t.Errorf("total %+v", m.Total)
	}
	if m.Total.UnvaluedHours != 4 || m.Total.ExtraSellingHours != 4 {
		t.Errorf("total unvalued %v of %v extra hours, want 4 of 4", m.Total.UnvaluedHours, m.Total.ExtraSellingHours)
	}
	if len(m.Teams) != 1 || m.Teams[0].Team != "T9" || m.Teams[0].Reps != 2 || m.Teams[0].ProjectedGain != nil {
		t.Errorf("teams %+v", m.Teams)
	}

	// A mix: the valued reps' gains add up, the others are left out.
	// Just R1 of twoReps (1,600) beside A, B, C and D: total 1,600, 1 of 5 projected.
	mixed, err := Project(append(reps, twoReps()[1]), Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if g := mixed.Total.ProjectedGain; !near(g, f64(1600)) || mixed.Total.ProjectedReps != 1 || mixed.Total.Reps != 5 {
		t.Errorf("mixed total %s from %d of %d reps, want 1600 from 1 of 5", show(g), mixed.Total.ProjectedReps, mixed.Total.Reps)
	}

	// No reps at all.
	empty, err := Project(nil, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if len(empty.Reps) != 0 || len(empty.Teams) != 0 || empty.Total.ProjectedGain != nil || empty.Total.SellingShare != nil {
		t.Errorf("empty %+v", empty)
	}
}

func TestAssumptionsCheck(t *testing.T) {
	tests := []struct {
		name  string
		a     Assumptions
		field string
	}{
		{"reduce below 0", Assumptions{ReducePercent: -1, ReclaimPercent: 100, Productivity: 1}, "reduce"},
		{"reduce above 100", Assumptions{ReducePercent: 101, ReclaimPercent: 100, Productivity: 1}, "reduce"},
		{"reduce NaN", Assumptions{ReducePercent: math.NaN(), ReclaimPercent: 100, Productivity: 1}, "reduce"},
		{"reclaim above 100", Assumptions{ReducePercent: 20, ReclaimPercent: 150, Productivity: 1}, "reclaim"},
		{"reclaim Inf", Assumptions{ReducePercent: 20, ReclaimPercent: math.Inf(1), Productivity: 1}, "reclaim"},
		{"productivity negative", Assumptions{ReducePercent: 20, ReclaimPercent: 100, Productivity: -0.1}, "productivity"},
		{"productivity too high", Assumptions{ReducePercent: 20, ReclaimPercent: 100, Productivity: 2.5}, "productivity"},
		{"selling is not reduced", Assumptions{ReducePercent: 20, ReclaimPercent: 100, Productivity: 1, Categories: []string{"selling"}}, "categories"},
		{"unknown category", Assumptions{ReducePercent: 20, ReclaimPercent: 100, Productivity: 1, Categories: []string{"lunch"}}, "categories"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Project(twoReps(), tt.a)
			var ae *AssumptionError
			if !errors.As(err, &ae) || ae.Field != tt.field {
				t.Fatalf("err %v, want an AssumptionError on %s", err, tt.field)
			}
		})
	}
	a, err := Assumptions{ReducePercent: 100, ReclaimPercent: 0, Productivity: 2, Categories: []string{"Travel", "admin", "travel"}}.Check()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.Categories, ",") != "admin,travel" {
		t.Errorf("categories %q, want admin,travel (display order, once each)", a.Categories)
	}
}
