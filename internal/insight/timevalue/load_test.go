package timevalue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// engineOn imports the CSV files in dir (none when dir is "") into a fresh
// database and returns an engine over it.
func engineOn(t *testing.T, dir string) *kpi.Engine {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if dir != "" {
		if _, err := ingest.Import(ctx, st, []string{dir}, ingest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// find returns the allocation of a period and group ("" for none).
func find(t *testing.T, as []Allocation, period, group string) Allocation {
	t.Helper()
	for _, a := range as {
		if a.Period == period && ((a.Group == nil && group == "") || (a.Group != nil && *a.Group == group)) {
			return a
		}
	}
	t.Fatalf("no allocation for %s %q in %+v", period, group, as)
	return Allocation{}
}

func TestLoadTwoReps(t *testing.T) {
	eng := engineOn(t, filepath.Join("testdata", "tworeps"))
	rep, err := Load(context.Background(), eng, Query{By: "rep", Grain: kpi.Month})
	if err != nil {
		t.Fatal(err)
	}
	// The data runs from O1's creation (2026-01-02) to O4's close (2026-02-25).
	if rep.Start != "2026-01-02" || rep.End != "2026-02-26" {
		t.Errorf("range %s – %s, want 2026-01-02 – 2026-02-26", rep.Start, rep.End)
	}
	// testdata/tworeps/time_entries.csv, by rep and month (minutes):
	//   R1 Jan: selling 600, data entry 180, quoting 60, travel 120 = 960
	//           selling 600/960 = 0.625; admin group (data entry + quoting) 240/960 = 0.25;
	//           travel 120/960 = 0.125
	//   R1 Feb: selling 600, admin 240 = 840: selling 600/840 = 5/7, admin group 240/840 = 2/7
	//   R2 Jan: selling 300, order processing 300, internal meetings 180 = 780:
	//           selling 300/780 = 5/13, admin group 300/780 = 5/13, meetings 180/780 = 3/13
	//   R2 Feb: selling 300, data entry 120 = 420: selling 5/7, admin group 2/7
	type cell struct {
		period, group        string
		total, sell, admin   float64
		category             string
		catMinutes, catShare float64
	}
	for _, c := range []cell{
		{"2026-01", "R1", 960, 0.625, 0.25, "travel", 120, 0.125},
		{"2026-02", "R1", 840, 5.0 / 7, 2.0 / 7, "admin", 240, 2.0 / 7},
		{"2026-01", "R2", 780, 5.0 / 13, 5.0 / 13, "internal_meeting", 180, 3.0 / 13},
		{"2026-02", "R2", 420, 5.0 / 7, 2.0 / 7, "data_entry", 120, 2.0 / 7},
	} {
		a := find(t, rep.Allocation, c.period, c.group)
		if a.TotalMinutes != c.total || !near(a.SellingShare, &c.sell) || !near(a.AdminShare, &c.admin) ||
			a.Minutes[c.category] != c.catMinutes || !near(a.Shares[c.category], &c.catShare) {
			t.Errorf("%s %s: total %v selling %s admin %s %s %v (%s); want %v %v %v %v (%v)", c.period, c.group,
				a.TotalMinutes, show(a.SellingShare), show(a.AdminShare), c.category, a.Minutes[c.category], show(a.Shares[c.category]),
				c.total, c.sell, c.admin, c.catMinutes, c.catShare)
		}
		if a.Minutes["training"] != 0 || !near(a.Shares["training"], f64(0)) {
			t.Errorf("%s %s: training %v %s, want 0 and 0", c.period, c.group, a.Minutes["training"], show(a.Shares["training"]))
		}
	}
	if len(rep.Allocation) != 4 {
		t.Errorf("%d allocation rows, want 4", len(rep.Allocation))
	}
	// The scope by month: Jan 960 + 780 = 1740 minutes, 900 selling = 15/29;
	// Feb 840 + 420 = 1260, 900 selling = 5/7.
	if a := find(t, rep.Totals, "2026-01", ""); a.TotalMinutes != 1740 || !near(a.SellingShare, f64(15.0/29)) {
		t.Errorf("Jan total %v, selling %s", a.TotalMinutes, show(a.SellingShare))
	}
	if a := find(t, rep.Totals, "2026-02", ""); a.TotalMinutes != 1260 || !near(a.SellingShare, f64(5.0/7)) {
		t.Errorf("Feb total %v, selling %s", a.TotalMinutes, show(a.SellingShare))
	}
	// Over the range: R1 1800 minutes, 1200 selling = 2/3, admin group
	// 180 + 60 + 240 = 480/1800; R2 1200, 600 selling = 0.5, admin group
	// 300 + 120 = 420/1200 = 0.35; the scope 3000, 1800 selling = 0.6.
	r1 := find(t, rep.Groups, "all", "R1")
	if r1.TotalMinutes != 1800 || !near(r1.SellingShare, f64(2.0/3)) || !near(r1.AdminShare, f64(480.0/1800)) {
		t.Errorf("R1 over the range: %+v", r1)
	}
	r2 := find(t, rep.Groups, "all", "R2")
	if r2.TotalMinutes != 1200 || !near(r2.SellingShare, f64(0.5)) || !near(r2.AdminShare, f64(0.35)) {
		t.Errorf("R2 over the range: %+v", r2)
	}
	if rep.Total == nil || rep.Total.TotalMinutes != 3000 || !near(rep.Total.SellingShare, f64(0.6)) {
		t.Errorf("scope over the range: %+v", rep.Total)
	}

	// The model's inputs: R1 won 10,000 + 6,000; R2 won 3,000 (O4 was lost).
	if len(rep.Reps) != 2 {
		t.Fatalf("inputs %+v", rep.Reps)
	}
	in1, in2 := rep.Reps[0], rep.Reps[1]
	if in1.Rep != "R1" || in1.Revenue != 16000 || in1.Minutes["selling"] != 1200 || len(in1.Teams) != 1 || in1.Teams[0] != "T1" {
		t.Errorf("R1 input %+v", in1)
	}
	if in2.Rep != "R2" || in2.Revenue != 3000 || in2.Minutes["order_processing"] != 300 || len(in2.Teams) != 2 || in2.Teams[0] != "T1" || in2.Teams[1] != "T2" {
		t.Errorf("R2 input %+v", in2)
	}
	// From the engine's numbers, the model gives the hand-worked answers of
	// model_test.go: 1,600 + 600 = 2,200 by default; 640 + 420 = 1,060 for
	// data entry, order processing and quoting.
	m, err := Project(rep.Reps, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if !near(m.Total.ProjectedGain, f64(2200)) || !near(m.Reps[0].RevenuePerSellingHour, f64(800)) || !near(m.Reps[1].RevenuePerSellingHour, f64(300)) {
		t.Errorf("default model: total %s, rates %s %s", show(m.Total.ProjectedGain), show(m.Reps[0].RevenuePerSellingHour), show(m.Reps[1].RevenuePerSellingHour))
	}
	sel := Defaults()
	sel.Categories = []string{"data_entry", "order_processing", "quoting"}
	if m, err = Project(rep.Reps, sel); err != nil || !near(m.Total.ProjectedGain, f64(1060)) {
		t.Errorf("selected categories: %v %s, want 1060", err, show(m.Total.ProjectedGain))
	}
}

func TestLoadByTeamAndFilter(t *testing.T) {
	eng := engineOn(t, filepath.Join("testdata", "tworeps"))
	ctx := context.Background()
	rep, err := Load(ctx, eng, Query{By: "team", Grain: kpi.Quarter})
	if err != nil {
		t.Fatal(err)
	}
	// T1 covers T2: both reps, 3000 minutes, 1800 selling = 0.6; T2 is R2 alone: 600 of 1200 = 0.5.
	if a := find(t, rep.Allocation, "2026-Q1", "T1"); a.TotalMinutes != 3000 || !near(a.SellingShare, f64(0.6)) {
		t.Errorf("T1 Q1: %+v", a)
	}
	if a := find(t, rep.Allocation, "2026-Q1", "T2"); a.TotalMinutes != 1200 || !near(a.SellingShare, f64(0.5)) {
		t.Errorf("T2 Q1: %+v", a)
	}

	// team=T2 keeps R2 alone: 600 by default (2 h × 300).
	rep, err = Load(ctx, eng, Query{By: "rep", Grain: kpi.Month, Filters: map[string][]string{"team": {"T2"}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Project(rep.Reps, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Reps) != 1 || m.Reps[0].Rep != "R2" || !near(m.Total.ProjectedGain, f64(600)) {
		t.Errorf("team T2: %+v, total %s", m.Reps, show(m.Total.ProjectedGain))
	}
	if rep.Total == nil || rep.Total.TotalMinutes != 1200 {
		t.Errorf("team T2 total %+v", rep.Total)
	}

	// Time entries have no segment: an error naming the parameter.
	var qe *kpi.QueryError
	_, err = Load(ctx, eng, Query{By: "rep", Grain: kpi.Month, Filters: map[string][]string{"segment": {"smb"}}})
	if !errors.As(err, &qe) || qe.Param != "segment" {
		t.Errorf("segment filter: %v, want a QueryError on segment", err)
	}
	_, err = Load(ctx, eng, Query{By: "region", Grain: kpi.Month})
	if !errors.As(err, &qe) || qe.Param != "by" {
		t.Errorf("by region: %v, want a QueryError on by", err)
	}
}

func TestLoadWithoutTime(t *testing.T) {
	ctx := context.Background()
	// Deals but no time entries: nobody can be valued, and the report says why.
	dir := t.TempDir()
	for _, name := range []string{"teams.csv", "reps.csv", "opportunities.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tworeps", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Load(ctx, engineOn(t, dir), Query{By: "rep", Grain: kpi.Month})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Allocation) != 0 || len(rep.Groups) != 0 {
		t.Errorf("allocation without time entries: %+v", rep)
	}
	// The scope still has its two months, with nothing logged: 0 minutes, null shares.
	if len(rep.Totals) != 2 {
		t.Errorf("totals %+v, want January and February", rep.Totals)
	}
	for _, a := range append(rep.Totals, *rep.Total) {
		if a.TotalMinutes != 0 || a.SellingShare != nil || a.AdminShare != nil || a.Shares["selling"] != nil {
			t.Errorf("%s without time entries: %+v", a.Period, a)
		}
	}
	if len(rep.Notes) == 0 {
		t.Error("no note about missing time entries")
	}
	m, err := Project(rep.Reps, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Reps) != 2 || m.Total.ProjectedGain != nil || m.Reps[0].Note == "" {
		t.Errorf("model without time: %+v", m)
	}

	// An empty database: empty answers, no error.
	rep, err = Load(ctx, engineOn(t, ""), Query{By: "team", Grain: kpi.Month})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Allocation) != 0 || rep.Total != nil || len(rep.Reps) != 0 || rep.Start != "" {
		t.Errorf("empty database: %+v", rep)
	}
}
