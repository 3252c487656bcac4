package main

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// timeDB imports the hand-worked two-rep organisation of package timevalue:
//
//	R1 (T1): 20 h selling, 10 h non-selling (data entry 3, quoting 1, travel 2,
//	         admin 4); won 16,000 → 800 per selling hour
//	R2 (T2 ⊂ T1): 10 h selling, 10 h non-selling (order processing 5,
//	         internal meetings 3, data entry 2); won 3,000 → 300 per selling hour
func timeDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "t.duckdb")
	if code, _, stderr := runCLI(t, "import", "--db", db, filepath.Join("..", "..", "internal", "insight", "timevalue", "testdata", "tworeps")); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	return db
}

func TestTimeCommand(t *testing.T) {
	db := timeDB(t)

	// Table: the allocation and the model with its assumptions in words.
	//   R1 10 h × 20% = 2 h × 800 = 1,600; R2 2 h × 300 = 600; all 2,200.
	code, stdout, stderr := runCLI(t, "time", "--db", db)
	if code != 0 {
		t.Fatalf("time: %d %s", code, stderr)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines[f[0]] = l // the last line starting with each word: the model's rows
		}
	}
	for rep, want := range map[string][]string{
		"R1":  {"20.0", "10.0", "16000.00", "800.00", "2.0", "66.7%", "73.3%", "1600.00"},
		"R2":  {"10.0", "3000.00", "300.00", "50.0%", "600.00"},
		"all": {"30.0", "20.0", "19000.00", "4.0", "2200.00"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[rep], w) {
				t.Errorf("%s line %q lacks %s", rep, lines[rep], w)
			}
		}
	}
	for _, w := range []string{
		"Time by category, 2026-01-02 to 2026-02-25",
		"Selling time share by month",
		"62.5%", // R1 January: 600 of 960 minutes
		"Non-selling time (every category but selling) falls by 20%.",
		"All of the freed time becomes selling time.",
		"productivity factor",
	} {
		if !strings.Contains(stdout, w) {
			t.Errorf("table lacks %q:\n%s", w, stdout)
		}
	}

	// JSON: data entry, order processing and quoting only, half reclaimed at 0.8:
	//   R1 (3 + 1) h × 0.2 × 0.5 × 800 × 0.8 = 256; R2 (5 + 2) h × 0.2 × 0.5 × 300 × 0.8 = 168; 424.
	code, stdout, stderr = runCLI(t, "time", "--db", db, "--categories", "data_entry,order_processing,quoting", "--reclaim", "50", "--productivity", "0.8", "--format", "json")
	if code != 0 {
		t.Fatalf("time json: %d %s", code, stderr)
	}
	var res struct {
		Model struct {
			Assumptions struct {
				Categories     []string `json:"categories"`
				ReclaimPercent float64  `json:"reclaim_percent"`
				Productivity   float64  `json:"productivity"`
			} `json:"assumptions"`
			Reps []struct {
				Rep           string   `json:"rep"`
				ProjectedGain *float64 `json:"projected_gain"`
			} `json:"reps"`
			Total struct {
				ProjectedGain *float64 `json:"projected_gain"`
			} `json:"total"`
		} `json:"value_model"`
		Allocation []map[string]any `json:"allocation"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	m := res.Model
	if len(m.Reps) != 2 || m.Reps[0].ProjectedGain == nil || *m.Reps[0].ProjectedGain != 256 || *m.Reps[1].ProjectedGain != 168 ||
		m.Total.ProjectedGain == nil || *m.Total.ProjectedGain != 424 {
		t.Errorf("json model: %+v", m)
	}
	if strings.Join(m.Assumptions.Categories, ",") != "quoting,order_processing,data_entry" || m.Assumptions.ReclaimPercent != 50 || m.Assumptions.Productivity != 0.8 {
		t.Errorf("json assumptions %+v", m.Assumptions)
	}
	if len(res.Allocation) != 4 {
		t.Errorf("json allocation: %d rows, want 2 reps × 2 months", len(res.Allocation))
	}

	// CSV by team: T1 holds both reps (1,060 for the three categories at 20%), T2 R2 (420).
	code, stdout, stderr = runCLI(t, "time", "--db", db, "--by", "team", "--categories", "data_entry,order_processing,quoting", "--format", "csv")
	if code != 0 {
		t.Fatalf("time csv: %d %s", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	want := map[string]string{"team/T1": "1060", "team/T2": "420", "total/": "1060"}
	if len(recs) != 4 {
		t.Fatalf("csv: %d lines, want a header and 3\n%s", len(recs), stdout)
	}
	for _, r := range recs[1:] {
		key := r[col["level"]] + "/" + r[col["id"]]
		if r[col["projected_gain"]] != want[key] {
			t.Errorf("csv %s: gain %q, want %q", key, r[col["projected_gain"]], want[key])
		}
		if r[col["reduce_percent"]] != "20" || r[col["categories"]] != "quoting order_processing data_entry" {
			t.Errorf("csv %s: assumptions %q %q", key, r[col["reduce_percent"]], r[col["categories"]])
		}
	}
	// T1 hours: R1 + R2 data entry = 3 + 2 = 5.
	if recs[1][col["hours_data_entry"]] != "5" {
		t.Errorf("csv T1 data entry hours %q, want 5", recs[1][col["hours_data_entry"]])
	}
}

func TestTimeCommandErrors(t *testing.T) {
	db := timeDB(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--reduce", "120"}, "--reduce 120: want a percentage from 0 to 100"},
		{[]string{"--reclaim", "-1"}, "--reclaim"},
		{[]string{"--productivity", "5"}, "--productivity"},
		{[]string{"--categories", "selling"}, "--categories selling"},
		{[]string{"--categories", "lunch"}, `--categories "lunch" is not a non-selling category`},
		{[]string{"--by", "segment"}, "--by"},
		{[]string{"--period", "fortnight"}, "--period"},
		{[]string{"--from", "01/02/2026"}, "--from"},
		{[]string{"--format", "xml"}, "--format"},
		{[]string{"--reduce", "abc"}, "--reduce"},
	} {
		code, _, stderr := runCLI(t, append([]string{"time", "--db", db}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}

	// An empty database: no numbers, no failure.
	code, stdout, stderr := runCLI(t, "time", "--db", filepath.Join(t.TempDir(), "empty.duckdb"))
	if code != 0 || !strings.Contains(stdout, "No data in the range.") || !strings.Contains(stdout, "no rep has both selling time and won revenue") {
		t.Errorf("empty: %d\n%s\n%s", code, stdout, stderr)
	}
}
