package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The contract below is written out again, independently of write.go, from
// the data contract in DESIGN.md: a change on either side must be deliberate.

type kind int

const (
	kText kind = iota
	kID
	kRef
	kEnum
	kTimestamp // RFC 3339 in UTC with Z
	kDate      // YYYY-MM-DD
	kAmount    // decimal, at most two places
	kInt
	kProb
	kBool
	kScore
	kEmail // name@domain
)

type column struct {
	name string
	kind kind
	req  bool
	ref  string   // file the value must be an id of
	enum []string // allowed values
}

type fileSpec struct {
	name string
	cols []column
}

var (
	segments   = []string{"smb", "mid_market", "enterprise"}
	leadStates = []string{"new", "working", "qualified", "disqualified", "converted"}
	timeCats   = []string{"selling", "admin", "quoting", "proposal", "order_processing", "data_entry", "training", "travel", "internal_meeting", "other"}
)

var contract = []fileSpec{
	{"teams.csv", []column{{"team_id", kID, true, "", nil}, {"name", kText, true, "", nil}, {"parent_team_id", kRef, false, "teams.csv", nil}, {"region", kText, false, "", nil}}},
	{"reps.csv", []column{{"rep_id", kID, true, "", nil}, {"name", kText, true, "", nil}, {"email", kText, false, "", nil}, {"team_id", kRef, false, "teams.csv", nil},
		{"role", kEnum, false, "", []string{"ae", "sdr", "manager", "other"}}, {"hired_on", kDate, false, "", nil}, {"left_on", kDate, false, "", nil}}},
	{"accounts.csv", []column{{"account_id", kID, true, "", nil}, {"name", kText, true, "", nil}, {"industry", kText, false, "", nil}, {"segment", kEnum, false, "", segments},
		{"region", kText, false, "", nil}, {"owner_rep_id", kRef, false, "reps.csv", nil}, {"created_at", kTimestamp, false, "", nil}}},
	{"leads.csv", []column{{"lead_id", kID, true, "", nil}, {"created_at", kTimestamp, true, "", nil}, {"source", kText, false, "", nil}, {"campaign", kText, false, "", nil},
		{"owner_rep_id", kRef, false, "reps.csv", nil}, {"status", kEnum, false, "", leadStates}, {"first_response_at", kTimestamp, false, "", nil},
		{"converted_at", kTimestamp, false, "", nil}, {"opportunity_id", kRef, false, "opportunities.csv", nil}, {"account_id", kRef, false, "accounts.csv", nil},
		{"email", kEmail, false, "", nil}}},
	{"opportunities.csv", []column{{"opportunity_id", kID, true, "", nil}, {"name", kText, false, "", nil}, {"account_id", kRef, false, "accounts.csv", nil},
		{"owner_rep_id", kRef, true, "reps.csv", nil}, {"type", kEnum, false, "", []string{"new_business", "upsell", "cross_sell", "renewal"}},
		{"product", kText, false, "", nil}, {"stage", kText, true, "", nil}, {"status", kEnum, true, "", []string{"open", "won", "lost"}},
		{"amount", kAmount, true, "", nil}, {"cost", kAmount, false, "", nil}, {"probability", kProb, false, "", nil},
		{"forecast_category", kEnum, false, "", []string{"pipeline", "best_case", "commit", "omitted"}}, {"created_at", kTimestamp, true, "", nil},
		{"close_date", kDate, true, "", nil}, {"lost_reason", kText, false, "", nil}}},
	{"opportunity_stages.csv", []column{{"opportunity_id", kRef, true, "opportunities.csv", nil}, {"stage", kText, true, "", nil}, {"entered_at", kTimestamp, true, "", nil}}},
	{"opportunity_history.csv", []column{{"opportunity_id", kRef, true, "opportunities.csv", nil}, {"changed_at", kTimestamp, true, "", nil},
		{"amount", kAmount, false, "", nil}, {"close_date", kDate, false, "", nil}, {"probability", kProb, false, "", nil},
		{"forecast_category", kEnum, false, "", []string{"pipeline", "best_case", "commit", "omitted"}},
		{"stage", kEnum, false, "", []string{"prospecting", "qualification", "discovery", "proposal", "negotiation", "closed_won", "closed_lost"}}}},
	{"activities.csv", []column{{"activity_id", kID, true, "", nil}, {"rep_id", kRef, true, "reps.csv", nil},
		{"type", kEnum, true, "", []string{"call", "email", "meeting", "demo", "task", "other"}}, {"occurred_at", kTimestamp, true, "", nil},
		{"duration_minutes", kInt, false, "", nil}, {"direction", kEnum, false, "", []string{"outbound", "inbound"}}, {"outcome", kText, false, "", nil},
		{"lead_id", kRef, false, "leads.csv", nil}, {"opportunity_id", kRef, false, "opportunities.csv", nil}, {"account_id", kRef, false, "accounts.csv", nil},
		{"opened_at", kTimestamp, false, "", nil}, {"clicked_at", kTimestamp, false, "", nil}, {"attended", kBool, false, "", nil}}},
	{"time_entries.csv", []column{{"rep_id", kRef, true, "reps.csv", nil}, {"date", kDate, true, "", nil}, {"category", kEnum, true, "", timeCats}, {"minutes", kInt, true, "", nil}}},
	{"quotas.csv", []column{{"rep_id", kRef, false, "reps.csv", nil}, {"team_id", kRef, false, "teams.csv", nil}, {"period_start", kDate, true, "", nil},
		{"period_end", kDate, true, "", nil}, {"amount", kAmount, true, "", nil}}},
	{"spend.csv", []column{{"date", kDate, true, "", nil}, {"category", kEnum, false, "", []string{"marketing", "sales", "tools"}}, {"source", kText, false, "", nil},
		{"campaign", kText, false, "", nil}, {"amount", kAmount, true, "", nil}}},
	{"subscriptions.csv", []column{{"subscription_id", kID, true, "", nil}, {"account_id", kRef, true, "accounts.csv", nil}, {"product", kText, false, "", nil},
		{"start_date", kDate, true, "", nil}, {"end_date", kDate, false, "", nil}, {"mrr", kAmount, true, "", nil}}},
	{"nps_responses.csv", []column{{"account_id", kRef, true, "accounts.csv", nil}, {"responded_at", kTimestamp, true, "", nil}, {"score", kScore, true, "", nil}}},
	{"experiment_assignments.csv", []column{{"experiment_id", kText, true, "", nil}, {"variant", kText, true, "", nil},
		{"subject_type", kEnum, true, "", []string{"lead", "opportunity", "account", "rep"}}, {"subject_id", kText, true, "", nil}, {"assigned_at", kTimestamp, false, "", nil}}},
}

var (
	amountRE = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)
	emailRE  = regexp.MustCompile(`^[a-z0-9.-]+@[a-z0-9]+\.com$`)
)

// table is a whole CSV file: rows as maps from column name to value.
type table struct {
	header []string
	rows   []map[string]string
}

func readTable(t *testing.T, path string) table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tb := table{header: header}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		row := make(map[string]string, len(rec))
		for i, v := range rec {
			row[header[i]] = v
		}
		tb.rows = append(tb.rows, row)
	}
	return tb
}

// generated caches one generation per config: several tests look at the
// same files.
var (
	genMu    sync.Mutex
	genCache = map[Config]string{}
)

func generated(t *testing.T, cfg Config) map[string]table {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	dir, ok := genCache[cfg]
	if !ok {
		var err error
		if dir, err = os.MkdirTemp("", "demo-test-"); err != nil {
			t.Fatal(err)
		}
		if _, err := Generate(context.Background(), dir, cfg); err != nil {
			t.Fatal(err)
		}
		genCache[cfg] = dir
	}
	out := map[string]table{}
	for _, fs := range contract {
		out[fs.name] = readTable(t, filepath.Join(dir, fs.name))
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range genCache {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

var standard = Config{Seed: 7, Reps: 20, Months: 12}

func TestDeterminism(t *testing.T) {
	cfg := Config{Seed: 42, Reps: 12, Months: 6}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range []struct {
		dir  string
		seed uint64
	}{{a, 42}, {b, 42}, {c, 43}} {
		cfg.Seed = run.seed
		if _, err := Generate(context.Background(), run.dir, cfg); err != nil {
			t.Fatal(err)
		}
	}
	differs := 0
	for _, fs := range contract {
		x := readFile(t, filepath.Join(a, fs.name))
		if y := readFile(t, filepath.Join(b, fs.name)); !bytes.Equal(x, y) {
			t.Errorf("%s: same seed gave different bytes", fs.name)
		}
		if z := readFile(t, filepath.Join(c, fs.name)); !bytes.Equal(x, z) {
			differs++
		}
	}
	if differs < 5 {
		t.Errorf("another seed changed only %d files", differs)
	}
}

func TestSkillIsPerRep(t *testing.T) {
	// A rep's skill comes from its own stream: the same rep index has the
	// same skill whatever the size of the org or the history.
	small := newPlan(mustNormalise(t, Config{Seed: 9, Reps: 10, Months: 3}))
	large := newPlan(mustNormalise(t, Config{Seed: 9, Reps: 300, Months: 24}))
	for i := range small.reps {
		if got, want := small.reps[i].skill, large.reps[i].skill; got != want {
			t.Fatalf("rep %d: skill %v in a small org, %v in a large one", i, got, want)
		}
	}
}

func mustNormalise(t *testing.T, cfg Config) Config {
	t.Helper()
	cfg, err := cfg.normalise()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestContract(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"standard", standard},
		{"smallest", Config{Seed: 1, Reps: 10, Months: 1}},
		{"odd window", Config{Seed: 3, Reps: 23, Months: 7, End: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}},
		// Upsells found in the last days of this history were once created
		// after its end.
		{"long history", Config{Seed: 1, Reps: 40, Months: 36}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := generated(t, tc.cfg)
			end := tc.cfg.End
			if end.IsZero() {
				end = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
			}
			start := end.AddDate(0, -tc.cfg.Months, 0)
			ids := map[string]map[string]bool{}
			for _, fs := range contract {
				tb := files[fs.name]
				var want []string
				for _, c := range fs.cols {
					want = append(want, c.name)
				}
				if !slices.Equal(tb.header, want) {
					t.Fatalf("%s header = %v, want %v", fs.name, tb.header, want)
				}
				ids[fs.name] = map[string]bool{}
				for _, row := range tb.rows {
					if c := fs.cols[0]; c.kind == kID {
						if ids[fs.name][row[c.name]] {
							t.Errorf("%s: duplicate id %s", fs.name, row[c.name])
						}
						ids[fs.name][row[c.name]] = true
					}
				}
			}
			for _, fs := range contract {
				for i, row := range files[fs.name].rows {
					for _, c := range fs.cols {
						if err := checkValue(c, row[c.name], ids, start, end); err != nil {
							if !allowedOutside(fs.name, c.name, row, err) {
								t.Errorf("%s:%d: %s: %v", fs.name, i+2, c.name, err)
							}
						}
					}
				}
			}
			checkConsistency(t, files, start, end)
		})
	}
}

var errOutside = errors.New("outside the history")

// allowedOutside lists the only dates that may lie outside the history:
// expected close dates of open deals (and of any deal in its history) and
// subscription end dates.
func allowedOutside(file, col string, row map[string]string, err error) bool {
	if !errors.Is(err, errOutside) {
		return false
	}
	return (file == "opportunities.csv" && col == "close_date" && row["status"] == "open") ||
		(file == "opportunity_history.csv" && col == "close_date") ||
		(file == "subscriptions.csv" && col == "end_date")
}

func checkValue(c column, v string, ids map[string]map[string]bool, start, end time.Time) error {
	if v == "" {
		if c.req {
			return errors.New("required value missing")
		}
		return nil
	}
	inWindow := func(t time.Time) error {
		if t.Before(start) || !t.Before(end) {
			return fmt.Errorf("%s: %w", v, errOutside)
		}
		return nil
	}
	switch c.kind {
	case kRef:
		if !ids[c.ref][v] {
			return fmt.Errorf("%s does not exist in %s", v, c.ref)
		}
	case kEnum:
		if !slices.Contains(c.enum, v) {
			return fmt.Errorf("%q is not one of %v", v, c.enum)
		}
	case kTimestamp:
		ts, err := time.Parse(time.RFC3339, v)
		if err != nil || !strings.HasSuffix(v, "Z") {
			return fmt.Errorf("%q is not an RFC 3339 UTC timestamp", v)
		}
		return inWindow(ts)
	case kDate:
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return fmt.Errorf("%q is not a date", v)
		}
		return inWindow(d)
	case kAmount:
		if !amountRE.MatchString(v) {
			return fmt.Errorf("%q is not an amount", v)
		}
	case kInt:
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return fmt.Errorf("%q is not a count", v)
		}
	case kProb:
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 || f > 1 {
			return fmt.Errorf("%q is not a probability", v)
		}
	case kBool:
		if v != "true" && v != "false" {
			return fmt.Errorf("%q is not a boolean", v)
		}
	case kScore:
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 10 {
			return fmt.Errorf("%q is not a 0-10 score", v)
		}
	case kEmail:
		if !emailRE.MatchString(strings.ToLower(v)) {
			return fmt.Errorf("%q is not an e-mail address", v)
		}
	}
	return nil
}

func ts(t *testing.T, v string) time.Time {
	t.Helper()
	x, err := time.Parse(time.RFC3339, v)
	if err != nil {
		x, err = time.Parse("2006-01-02", v)
	}
	if err != nil {
		t.Fatalf("bad time %q", v)
	}
	return x
}

// checkConsistency checks what the contract cannot say column by column:
// stage histories, statuses, lead conversion, quota targets, experiment
// subjects and that people only work while employed.
func checkConsistency(t *testing.T, files map[string]table, start, end time.Time) {
	t.Helper()
	opps := map[string]map[string]string{}
	for _, o := range files["opportunities.csv"].rows {
		opps[o["opportunity_id"]] = o
		want := map[string]string{"won": "closed_won", "lost": "closed_lost"}[o["status"]]
		closed := o["stage"] == "closed_won" || o["stage"] == "closed_lost"
		if (want != "" && o["stage"] != want) || (want == "" && closed) {
			t.Errorf("%s: status %s with stage %s", o["opportunity_id"], o["status"], o["stage"])
		}
	}
	history := map[string][]map[string]string{}
	for _, s := range files["opportunity_stages.csv"].rows {
		history[s["opportunity_id"]] = append(history[s["opportunity_id"]], s)
	}
	for id, o := range opps {
		h := history[id]
		if len(h) == 0 {
			t.Errorf("%s has no stage history", id)
			continue
		}
		if h[0]["entered_at"] != o["created_at"] {
			t.Errorf("%s: first stage at %s, created %s", id, h[0]["entered_at"], o["created_at"])
		}
		for k := 1; k < len(h); k++ {
			if !ts(t, h[k]["entered_at"]).After(ts(t, h[k-1]["entered_at"])) {
				t.Errorf("%s: stage history not increasing", id)
			}
		}
		last := h[len(h)-1]
		if last["stage"] != o["stage"] {
			t.Errorf("%s: last stage %s, opportunity says %s", id, last["stage"], o["stage"])
		}
		if o["status"] != "open" && last["entered_at"][:10] != o["close_date"] {
			t.Errorf("%s: closed %s but closing stage entered %s", id, o["close_date"], last["entered_at"])
		}
		if ts(t, o["close_date"]).Before(ts(t, o["created_at"]).Truncate(24 * time.Hour)) {
			t.Errorf("%s: closes before it was created", id)
		}
	}
	for _, l := range files["leads.csv"].rows {
		converted := l["status"] == "converted"
		if converted != (l["opportunity_id"] != "") || converted != (l["converted_at"] != "") || converted != (l["account_id"] != "") {
			t.Errorf("%s: status %s with opportunity %q converted %q", l["lead_id"], l["status"], l["opportunity_id"], l["converted_at"])
		}
		if converted && opps[l["opportunity_id"]]["created_at"] != l["converted_at"] {
			t.Errorf("%s: converted at %s, opportunity created %s", l["lead_id"], l["converted_at"], opps[l["opportunity_id"]]["created_at"])
		}
		if l["first_response_at"] != "" && ts(t, l["first_response_at"]).Before(ts(t, l["created_at"])) {
			t.Errorf("%s: answered before it arrived", l["lead_id"])
		}
	}
	for _, q := range files["quotas.csv"].rows {
		if (q["rep_id"] == "") == (q["team_id"] == "") {
			t.Errorf("quota row needs exactly one of rep_id and team_id: %v", q)
		}
	}
	leadIDs := map[string]bool{}
	for _, l := range files["leads.csv"].rows {
		leadIDs[l["lead_id"]] = true
	}
	for _, e := range files["experiment_assignments.csv"].rows {
		ok := (e["subject_type"] == "lead" && leadIDs[e["subject_id"]]) || (e["subject_type"] == "opportunity" && opps[e["subject_id"]] != nil)
		if !ok {
			t.Errorf("experiment subject %s %s does not exist", e["subject_type"], e["subject_id"])
		}
	}
	employed := map[string][2]time.Time{}
	for _, r := range files["reps.csv"].rows {
		span := [2]time.Time{start, end}
		if r["hired_on"] != "" {
			span[0] = ts(t, r["hired_on"])
		}
		if r["left_on"] != "" {
			span[1] = ts(t, r["left_on"])
		}
		employed[r["rep_id"]] = span
	}
	for _, a := range files["activities.csv"].rows {
		at, span := ts(t, a["occurred_at"]), employed[a["rep_id"]]
		if at.Before(span[0]) || !at.Before(span[1]) {
			t.Errorf("%s: %s works at %s outside employment %v", a["activity_id"], a["rep_id"], a["occurred_at"], span)
			break
		}
	}
}

func TestReferentialIntegrity(t *testing.T) {
	files := generated(t, standard)
	ids := map[string]map[string]bool{}
	for _, f := range []struct{ file, col string }{
		{"teams.csv", "team_id"}, {"reps.csv", "rep_id"}, {"accounts.csv", "account_id"},
		{"leads.csv", "lead_id"}, {"opportunities.csv", "opportunity_id"},
	} {
		ids[f.col] = map[string]bool{}
		for _, row := range files[f.file].rows {
			ids[f.col][row[f.col]] = true
		}
	}
	refs := map[string]string{
		"owner_rep_id": "rep_id", "rep_id": "rep_id", "account_id": "account_id",
		"opportunity_id": "opportunity_id", "lead_id": "lead_id", "team_id": "team_id", "parent_team_id": "team_id",
	}
	checked := 0
	for _, fs := range contract {
		for _, row := range files[fs.name].rows {
			for col, target := range refs {
				v, ok := row[col]
				if !ok || v == "" || (fs.cols[0].name == col && fs.cols[0].kind == kID) {
					continue
				}
				checked++
				if !ids[target][v] {
					t.Errorf("%s: %s %s does not exist", fs.name, col, v)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no references checked")
	}
}

func TestStatistics(t *testing.T) {
	files := generated(t, standard)

	var selling, all float64
	for _, e := range files["time_entries.csv"].rows {
		m, _ := strconv.ParseFloat(e["minutes"], 64)
		all += m
		if e["category"] == "selling" {
			selling += m
		}
	}
	if share := selling / all; share < 0.25 || share > 0.42 {
		t.Errorf("selling time share = %.3f, want 0.25..0.42", share)
	}

	leads := map[string]map[string]string{}
	for _, l := range files["leads.csv"].rows {
		leads[l["lead_id"]] = l
	}
	var n, conv [2]float64
	for _, e := range files["experiment_assignments.csv"].rows {
		if e["experiment_id"] != "exp_call_script" {
			continue
		}
		v := 0
		if e["variant"] == "treatment" {
			v = 1
		}
		n[v]++
		if leads[e["subject_id"]]["opportunity_id"] != "" {
			conv[v]++
		}
	}
	control, treatment := conv[0]/n[0], conv[1]/n[1]
	if !(treatment > control) {
		t.Errorf("lead→opportunity: treatment %.4f (n=%v), control %.4f (n=%v); want treatment higher", treatment, n[1], control, n[0])
	}

	segment := map[string]string{}
	for _, a := range files["accounts.csv"].rows {
		segment[a["account_id"]] = a["segment"]
	}
	var won, lost float64
	cycle := map[string][]float64{}
	for _, o := range files["opportunities.csv"].rows {
		switch o["status"] {
		case "won":
			won++
			days := ts(t, o["close_date"]).Sub(ts(t, o["created_at"][:10])).Hours() / 24
			cycle[segment[o["account_id"]]] = append(cycle[segment[o["account_id"]]], days)
		case "lost":
			lost++
		}
	}
	if rate := won / (won + lost); rate < 0.15 || rate > 0.45 {
		t.Errorf("win rate = %.3f, want 0.15..0.45", rate)
	}
	if ent, smb := mean(cycle["enterprise"]), mean(cycle["smb"]); !(ent > smb) {
		t.Errorf("mean cycle enterprise %.1f days, smb %.1f days; want enterprise longer", ent, smb)
	}

	want := float64(standard.Reps * standard.Months * 210)
	if got := float64(len(files["activities.csv"].rows)); got < 0.75*want || got > 1.25*want {
		t.Errorf("activities = %.0f, want %.0f ± 25%%", got, want)
	}
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no reps", Config{Reps: 0, Months: 12}, "reps"},
		{"too many reps", Config{Reps: 5001, Months: 12}, "reps"},
		{"no months", Config{Reps: 20, Months: 0}, "months"},
		{"too many months", Config{Reps: 20, Months: 121}, "months"},
		{"end mid-month", Config{Reps: 20, Months: 12, End: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)}, "first day"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			_, err := Generate(context.Background(), dir, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
				t.Errorf("invalid config created %s", dir)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, dir, Config{Reps: 100, Months: 24}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("cancelled run left %d files", len(entries))
	}
}

func TestCancelMidway(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := Generate(ctx, dir, Config{Reps: 1000, Months: 60}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("cancelled run left %d files", len(entries))
	}
}

func TestStatsMatchFiles(t *testing.T) {
	dir := t.TempDir()
	st, err := Generate(context.Background(), dir, Config{Seed: 5, Reps: 10, Months: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, fs := range contract {
		lines := bytes.Count(readFile(t, filepath.Join(dir, fs.name)), []byte("\n")) - 1
		if got := st.Rows[fs.name]; got != int64(lines) {
			// Only a quoted field with a newline could break this; none has one.
			t.Errorf("%s: Stats says %d rows, file has %d", fs.name, got, lines)
		}
	}
}

func TestAppendTimestamp(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 3, 4, 9, 15, 0, 0, time.UTC),
		time.Date(2100, 12, 31, 12, 0, 1, 0, time.UTC),
	} {
		if got, want := string(appendTimestamp(nil, tm.Unix())), tm.Format(time.RFC3339); got != want {
			t.Errorf("appendTimestamp = %s, want %s", got, want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Generate(context.Background(), dir, Config{Seed: 1, Reps: 50, Months: 24}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLeadEmailDuplicates checks that the demo keeps a few leads keyed in twice
// (the same address, sometimes in capitals) for the data-quality rules to find,
// and no more than a messy CRM would have.
func TestLeadEmailDuplicates(t *testing.T) {
	leads := generated(t, standard)["leads.csv"].rows
	seen := map[string]bool{}
	dups, upper := 0, 0
	for _, l := range leads {
		k := strings.ToLower(l["email"])
		if seen[k] {
			dups++
			if l["email"] != k {
				upper++
			}
		}
		seen[k] = true
	}
	// leadDuplicate is 1.2%: well above none, well below 5%.
	if dups == 0 || upper == 0 || float64(dups) > 0.05*float64(len(leads)) {
		t.Errorf("%d of %d leads repeat an address (%d in other case), want about 1.2%%", dups, len(leads), upper)
	}
}
