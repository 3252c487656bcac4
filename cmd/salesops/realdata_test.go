package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// datasetDir finds ../shared/datasets/NAME. A user's clone has no shared folder:
// the test skips there, but fails in CI where the folder must exist.
func datasetDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "datasets", name)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dataset %s missing in CI: %v", name, err)
		}
		t.Skipf("dataset %s not present (it lives beside the project, in ../shared/datasets): %v", name, err)
	}
	return dir
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func writeCSV(t *testing.T, path string, header []string, rows [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(rows)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

type kpiRow struct {
	KPI    string   `json:"kpi"`
	Period string   `json:"period"`
	Region *string  `json:"region"`
	Value  *float64 `json:"value"`
}

func runJSON(t *testing.T, args ...string) []kpiRow {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("salesops %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	var rows []kpiRow
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil {
		t.Fatalf("salesops %s: bad JSON: %v\n%s", strings.Join(args, " "), err, stdout.String())
	}
	return rows
}

// TestMavenCRM imports the closed deals of the Maven Analytics CRM sample (a
// real, public dataset) and checks the engine's win rate, revenue, deal size
// and cycle length by quarter and region against sums computed here directly
// from the raw files.
func TestMavenCRM(t *testing.T) {
	src := datasetDir(t, "maven_crm")
	dir := t.TempDir()
	csvDir := filepath.Join(dir, "csv")
	os.Mkdir(csvDir, 0o755)

	teams := readCSV(t, filepath.Join(src, "sales_teams.csv"))
	regionOf := map[string]string{}
	var teamRows, repRows [][]string
	seenOffice, seenMgr := map[string]bool{}, map[string]bool{}
	for _, r := range teams {
		office, mgr := r["regional_office"], r["manager"]
		regionOf[r["sales_agent"]] = office
		if !seenOffice[office] {
			seenOffice[office] = true
			teamRows = append(teamRows, []string{"office:" + office, office, "", office})
		}
		if !seenMgr[mgr] {
			seenMgr[mgr] = true
			teamRows = append(teamRows, []string{"mgr:" + mgr, mgr, "office:" + office, ""})
		}
		repRows = append(repRows, []string{r["sales_agent"], r["sales_agent"], "mgr:" + mgr})
	}
	writeCSV(t, filepath.Join(csvDir, "teams.csv"), []string{"team_id", "name", "parent_team_id", "region"}, teamRows)
	writeCSV(t, filepath.Join(csvDir, "reps.csv"), []string{"rep_id", "name", "team_id"}, repRows)

	var accRows [][]string
	for _, a := range readCSV(t, filepath.Join(src, "accounts.csv")) {
		accRows = append(accRows, []string{a["account"], a["account"], a["sector"]})
	}
	writeCSV(t, filepath.Join(csvDir, "accounts.csv"), []string{"account_id", "name", "industry"}, accRows)

	type agg struct {
		won, lost  int
		revenue    float64
		cycleDays  float64
		wonCounted int
	}
	byQuarter := map[string]*agg{}
	byRegion := map[string]*agg{}
	byRegionQuarter := map[string]*agg{} // keyed "office|quarter"
	total := &agg{}
	var oppRows [][]string
	for _, o := range readCSV(t, filepath.Join(src, "sales_pipeline.csv")) {
		stage := o["deal_stage"]
		if stage != "Won" && stage != "Lost" {
			continue // open deals carry no dates or amounts in this dataset
		}
		oppRows = append(oppRows, []string{o["opportunity_id"], o["account"], o["sales_agent"], o["product"],
			stage, strings.ToLower(stage), o["close_value"], o["engage_date"], o["close_date"]})
		closed, err := time.Parse("2006-01-02", o["close_date"])
		if err != nil {
			t.Fatal(err)
		}
		engaged, err := time.Parse("2006-01-02", o["engage_date"])
		if err != nil {
			t.Fatal(err)
		}
		q := strconv.Itoa(closed.Year()) + "-Q" + strconv.Itoa((int(closed.Month())-1)/3+1)
		for _, a := range []*agg{total, get(byQuarter, q), get(byRegion, regionOf[o["sales_agent"]]), get(byRegionQuarter, regionOf[o["sales_agent"]]+"|"+q)} {
			if stage == "Won" {
				v, err := strconv.ParseFloat(o["close_value"], 64)
				if err != nil {
					t.Fatal(err)
				}
				a.won++
				a.revenue += v
				a.cycleDays += closed.Sub(engaged).Hours() / 24
				a.wonCounted++
			} else {
				a.lost++
			}
		}
	}
	writeCSV(t, filepath.Join(csvDir, "opportunities.csv"), []string{"opportunity_id", "account_id", "owner_rep_id", "product",
		"stage", "status", "amount", "created_at", "close_date"}, oppRows)

	// The dataset's own documentation gives these totals; they anchor the
	// computation above to a figure that comes from neither method.
	if total.won != 4238 || total.lost != 2473 || total.revenue != 10005534 {
		t.Fatalf("raw totals: won %d lost %d revenue %v; the dataset documents 4238, 2473, 10005534", total.won, total.lost, total.revenue)
	}

	db := filepath.Join(dir, "maven.duckdb")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"import", "--db", db, csvDir}, &stdout, &stderr); code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr.String())
	}

	check := func(t *testing.T, rows []kpiRow, key func(kpiRow) string, want map[string]*agg) {
		t.Helper()
		got := map[string]map[string]float64{}
		for _, r := range rows {
			if r.Value == nil {
				continue
			}
			k := key(r)
			if got[k] == nil {
				got[k] = map[string]float64{}
			}
			got[k][r.KPI] = *r.Value
		}
		for k, a := range want {
			exp := map[string]float64{
				"win_rate":          float64(a.won) / float64(a.won+a.lost),
				"revenue":           a.revenue,
				"average_deal_size": math.Round(a.revenue/float64(a.won)*100) / 100,
				"sales_cycle_days":  a.cycleDays / float64(a.wonCounted),
			}
			for kpi, w := range exp {
				g, ok := got[k][kpi]
				if !ok {
					t.Errorf("%s %s: missing", k, kpi)
					continue
				}
				if math.Abs(g-w) > 1e-6*math.Max(1, math.Abs(w)) {
					t.Errorf("%s %s = %v, want %v", k, kpi, g, w)
				}
			}
		}
	}
	kpis := "win_rate,revenue,average_deal_size,sales_cycle_days"
	t.Run("all", func(t *testing.T) {
		rows := runJSON(t, "kpi", "--db", db, "--kpi", kpis, "--period", "all", "--format", "json")
		check(t, rows, func(kpiRow) string { return "all" }, map[string]*agg{"all": total})
	})
	t.Run("quarter", func(t *testing.T) {
		rows := runJSON(t, "kpi", "--db", db, "--kpi", kpis, "--period", "quarter", "--format", "json")
		check(t, rows, func(r kpiRow) string { return r.Period }, byQuarter)
	})
	t.Run("region", func(t *testing.T) {
		rows := runJSON(t, "kpi", "--db", db, "--kpi", kpis, "--period", "all", "--by", "region", "--format", "json")
		check(t, rows, func(r kpiRow) string { return *r.Region }, byRegion)
	})
	t.Run("explain", func(t *testing.T) {
		// Revenue from 2017-Q2 to 2017-Q3, split into deals closed × win rate ×
		// deal size by the average over the six orders of switching the three
		// factors (computed here order by order, not by subsets), and by
		// regional office; both must add up to the raw change.
		a0, a1 := byQuarter["2017-Q2"], byQuarter["2017-Q3"]
		f0 := [3]float64{float64(a0.won + a0.lost), float64(a0.won) / float64(a0.won+a0.lost), a0.revenue / float64(a0.won)}
		f1 := [3]float64{float64(a1.won + a1.lost), float64(a1.won) / float64(a1.won+a1.lost), a1.revenue / float64(a1.won)}
		var want [3]float64
		for _, order := range [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
			cur := f0
			for _, i := range order {
				before := cur[0] * cur[1] * cur[2]
				cur[i] = f1[i]
				want[i] += (cur[0]*cur[1]*cur[2] - before) / 6
			}
		}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"explain", "revenue", "--db", db, "--from", "2017-Q2", "--to", "2017-Q3", "--by", "team", "--format", "json"}, &stdout, &stderr); code != 0 {
			t.Fatalf("explain: %d %s", code, stderr.String())
		}
		var rep struct {
			Change     float64
			Drivers    []struct{ Contribution float64 }
			Breakdowns []struct {
				Segments []struct {
					Name         string
					Contribution float64
				}
			}
		}
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if math.Abs(rep.Change-(a1.revenue-a0.revenue)) > 1e-6 || len(rep.Drivers) != 3 {
			t.Fatalf("change %v (want %v), drivers %+v", rep.Change, a1.revenue-a0.revenue, rep.Drivers)
		}
		for i, d := range rep.Drivers {
			if math.Abs(d.Contribution-want[i]) > 1e-6*math.Max(1, math.Abs(want[i])) {
				t.Errorf("driver %d = %v, want %v", i, d.Contribution, want[i])
			}
		}
		// The offices are the top teams; each one's part is its own change.
		if len(rep.Breakdowns) != 1 || len(rep.Breakdowns[0].Segments) != len(byRegion) {
			t.Fatalf("breakdowns %+v", rep.Breakdowns)
		}
		for _, s := range rep.Breakdowns[0].Segments {
			w := get(byRegionQuarter, s.Name+"|2017-Q3").revenue - get(byRegionQuarter, s.Name+"|2017-Q2").revenue
			if math.Abs(s.Contribution-w) > 1e-6 {
				t.Errorf("office %s: %v, want %v", s.Name, s.Contribution, w)
			}
		}
	})
}

func get[K comparable, V any](m map[K]*V, k K) *V {
	v, ok := m[k]
	if !ok {
		v = new(V)
		m[k] = v
	}
	return v
}
