package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/model"
	"github.com/salesops/salesops/internal/store"
)

const activitiesHeader = "activity_id,rep_id,type,occurred_at,duration_minutes,direction,outcome,lead_id,opportunity_id,account_id,opened_at,clicked_at,attended\n"

func openStore(t testing.TB) *store.DuckStore {
	t.Helper()
	st, err := store.OpenDuckDB(context.Background(), filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyDir copies the fixture directory so that tests may add files to it.
func copyDir(t testing.TB, from string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, e.Name(), string(b))
	}
	return dir
}

// problemLines returns the lines of an *Error with the directory stripped, so
// that expectations read like what the user sees after cd-ing into it.
func problemLines(t *testing.T, err error, dir string) []string {
	t.Helper()
	var ie *Error
	if !errors.As(err, &ie) {
		t.Fatalf("want *ingest.Error, got %T: %v", err, err)
	}
	s := strings.ReplaceAll(ie.Error(), dir+string(os.PathSeparator), "")
	return strings.Split(s, "\n")
}

// dump renders every row of a table in a stable order.
func dump(t testing.TB, st *store.DuckStore, table string) string {
	t.Helper()
	rows, err := st.Query(context.Background(), "SELECT * FROM "+table+" ORDER BY ALL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%#v\n", vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func dumpAll(t testing.TB, st *store.DuckStore) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range model.Entities {
		out[e.Name] = dump(t, st, e.Name)
	}
	return out
}

func count(t testing.TB, st *store.DuckStore, table string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMalformed(t *testing.T) {
	const oppHeader = "opportunity_id,name,account_id,owner_rep_id,type,product,stage,status,amount,cost,probability,forecast_category,created_at,close_date,lost_reason\n"
	const quotaHeader = "rep_id,team_id,period_start,period_end,amount\n"
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"bad date", "activities.csv", activitiesHeader + "X1,R1,call,2025-13-01,,,,,,,,,\n",
			[]string{`activities.csv:2: occurred_at: "2025-13-01" is not a valid time (use ` + timeFormats + `)`}},
		{"non-number", "activities.csv", activitiesHeader + "X1,R1,call,2025-01-01,abc,,,,,,,,\n",
			[]string{`activities.csv:2: duration_minutes: "abc" is not a number (` + numberHelp + `)`}},
		{"unknown enum", "activities.csv", activitiesHeader + "X1,R1,fax,2025-01-01,,,,,,,,,\n",
			[]string{`activities.csv:2: type: "fax" is not one of call, email, meeting, demo, task, other`}},
		{"bad boolean", "activities.csv", activitiesHeader + "X1,R1,call,2025-01-01,,,,,,,,,yes\n",
			[]string{`activities.csv:2: attended: "yes" is not true or false`}},
		{"missing required column", "activities.csv", strings.Replace(activitiesHeader, "rep_id,", "", 1) + "X1,call,2025-01-01,,,,,,,,,\n",
			[]string{`activities.csv:1: header: missing required column "rep_id"`}},
		{"duplicate column", "activities.csv", strings.TrimSuffix(activitiesHeader, "\n") + ",Type\n",
			[]string{`activities.csv:1: header: column "type" appears more than once`}},
		{"missing required value", "activities.csv", activitiesHeader + "X1, ,call,2025-01-01,,,,,,,,,\n",
			[]string{`activities.csv:2: rep_id: required value missing`}},
		{"wrong field count", "activities.csv", activitiesHeader + "X1,R1,call,2025-01-01,,,,,,,,\n",
			[]string{`activities.csv:2: expected 13 fields, got 12`}},
		{"bare quote", "activities.csv", activitiesHeader + "X1,R1,call,2025-01-01,,,say \"hi\",,,,,,\nX2,R1,call,2025-01-01,,,,,,,,,2\n",
			[]string{`activities.csv:2: malformed CSV: bare " in non-quoted-field (character 29)`,
				`activities.csv:3: attended: "2" is not true or false`}},
		{"quota with both", "quotas.csv", quotaHeader + "R1,T1,2025-01-01,2025-03-31,100\n",
			[]string{`quotas.csv:2: rep_id/team_id: give rep_id or team_id, not both`}},
		{"quota with neither", "quotas.csv", quotaHeader + ",,2025-01-01,2025-03-31,100\n",
			[]string{`quotas.csv:2: rep_id/team_id: rep_id or team_id is required`}},
		{"quota without either column", "quotas.csv", "period_start,period_end,amount\n2025-01-01,2025-03-31,100\n",
			[]string{`quotas.csv:1: header: missing column: one of rep_id, team_id is required`}},
		{"quota ends before it starts", "quotas.csv", quotaHeader + "R1,,2025-03-31,2025-01-01,100\n",
			[]string{`quotas.csv:2: period_end: "2025-01-01" is before period_start "2025-03-31"`}},
		{"rep leaves before hire", "reps.csv", "rep_id,name,hired_on,left_on\nR1,Ann,2025-01-02,2025-01-01\n",
			[]string{`reps.csv:2: left_on: "2025-01-01" is before hired_on "2025-01-02"`}},
		{"probability 1.5", "opportunities.csv", oppHeader + "O1,,,R1,,,Won,won,100,,1.5,,2025-01-01,2025-02-01,\n",
			[]string{`opportunities.csv:2: probability: "1.5" is not a fraction between 0 and 1`}},
		{"lead e-mails", "leads.csv", "lead_id,created_at,email\n" +
			"L1,2025-01-01,Ann Lee\n" +
			"L2,2025-01-01,ann@\n" +
			"L3,2025-01-01,ann@example\n" +
			"L4,2025-01-01,\"ann@example.com, bob@example.com\"\n" +
			"L5,2025-01-01,ann@@example.com\n" +
			"L6,2025-01-01,ann lee@example.com\n" +
			"L7,2025-01-01,ann@example..com\n" +
			"L8,2025-01-01, Ann.Lee+crm@Example.co.uk \n",
			[]string{
				`leads.csv:2: email: "Ann Lee" is not an e-mail address (want name@example.com)`,
				`leads.csv:3: email: "ann@" is not an e-mail address (want name@example.com)`,
				`leads.csv:4: email: "ann@example" is not an e-mail address (want name@example.com)`,
				`leads.csv:5: email: "ann@example.com, bob@example.com" is not an e-mail address (want name@example.com)`,
				`leads.csv:6: email: "ann@@example.com" is not an e-mail address (want name@example.com)`,
				`leads.csv:7: email: "ann lee@example.com" is not an e-mail address (want name@example.com)`,
				`leads.csv:8: email: "ann@example..com" is not an e-mail address (want name@example.com)`,
			}},
		{"score 11", "nps_responses.csv", "account_id,responded_at,score\nA1,2025-01-01,11\n",
			[]string{`nps_responses.csv:2: score: "11" is not a whole number from 0 to 10`}},
		{"amounts", "opportunities.csv", oppHeader +
			"O1,,,R1,,,Won,won,\"1,000\",,,,2025-01-01,2025-02-01,\n" +
			"O2,,,R1,,,Won,won,$5,,,,2025-01-01,2025-02-01,\n" +
			"O3,,,R1,,,Won,won,NaN,,,,2025-01-01,2025-02-01,\n" +
			"O4,,,R1,,,Won,won,1.23456,,,,2025-01-01,2025-02-01,\n" +
			"O5,,,R1,,,Won,won,1e14,,,,2025-01-01,2025-02-01,\n" +
			"O6,,,R1,,,Won,won,1.23450,-2.5,,,2025-01-01,2025-02-01,\n",
			[]string{
				`opportunities.csv:2: amount: "1,000" is not a number (` + numberHelp + `)`,
				`opportunities.csv:3: amount: "$5" is not a number (` + numberHelp + `)`,
				`opportunities.csv:4: amount: "NaN" is not a number (` + numberHelp + `)`,
				`opportunities.csv:5: amount: "1.23456" has more than 4 decimal places`,
				`opportunities.csv:6: amount: "1e14" is out of range (must be less than 10^14 in absolute value)`,
			}},
		{"several errors in one file", "activities.csv", activitiesHeader +
			"X1,R1,call,2025-01-01,,,,,,,,,\n" +
			"X2,,fax,yesterday,-1,sideways,,,,,,,\n" +
			"\n" +
			"X3,R1,call,2025-01-01,,,,,,,,,true\n" +
			"X4,R1,call\n",
			[]string{
				`activities.csv:3: rep_id: required value missing`,
				`activities.csv:3: type: "fax" is not one of call, email, meeting, demo, task, other`,
				`activities.csv:3: occurred_at: "yesterday" is not a valid time (use ` + timeFormats + `)`,
				`activities.csv:3: duration_minutes: "-1" is negative`,
				`activities.csv:3: direction: "sideways" is not one of outbound, inbound`,
				`activities.csv:6: expected 13 fields, got 3`,
			}},
		{"long value is truncated in the message", "activities.csv", activitiesHeader + "X1,R1," + strings.Repeat("é", 100) + ",2025-01-01,,,,,,,,,\n",
			[]string{`activities.csv:2: type: "` + strings.Repeat("é", 40) + `"… is not one of call, email, meeting, demo, task, other`}},
		{"control characters are escaped in the message", "activities.csv", activitiesHeader + "X1,R1,\"ca\x01ll\",2025-01-01,,,,,,,,,\n",
			[]string{`activities.csv:2: type: "ca\x01ll" is not one of call, email, meeting, demo, task, other`}},
		{"invalid utf-8", "activities.csv", activitiesHeader + "X1,R\xff1,call,2025-01-01,,,,,,,,,\n",
			[]string{`activities.csv:2: rep_id: "R\xff1" is not valid UTF-8 text`}},
		{"nul byte", "activities.csv", activitiesHeader + "X1,R\x001,call,2025-01-01,,,,,,,,,\n",
			[]string{`activities.csv:2: rep_id: "R\x001" contains a NUL character, which text cannot hold`}},
		{"key separator in a composite key", "time_entries.csv", "rep_id,date,category,minutes\nR\x1f1,2025-01-01,admin,5\n",
			[]string{`time_entries.csv:2: rep_id: "R\x1f1" contains the control character U+001F, which cannot be part of a key`}},
		{"unterminated quote", "activities.csv", activitiesHeader + "X1,R1,call,2025-01-01,,,\"open,,,,,,\n",
			[]string{`activities.csv:2: malformed CSV: extraneous or missing " in quoted-field (character 37)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			dir := t.TempDir()
			path := writeFile(t, dir, tt.file, tt.content)
			_, err := Import(context.Background(), st, []string{path}, Options{})
			got := problemLines(t, err, dir)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			e, _ := model.EntityByName(tt.file)
			if n := count(t, st, e.Name); n != 0 {
				t.Errorf("%d rows written despite the error", n)
			}
		})
	}
}

func TestErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(activitiesHeader)
	for i := range 150 {
		fmt.Fprintf(&b, "X%d,R1,fax,2025-01-01,,,,,,,,,\n", i)
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "activities.csv", b.String())
	// A second bad file after the one that hit the cap is not read at all.
	path2 := writeFile(t, dir, "nps_responses.csv", "account_id,responded_at,score\nA1,2025-01-01,11\n")
	st := openStore(t)
	_, err := Import(context.Background(), st, []string{path, path2}, Options{})
	var ie *Error
	if !errors.As(err, &ie) {
		t.Fatalf("want *Error, got %v", err)
	}
	if len(ie.Problems) != 100 || ie.More != 50 {
		t.Fatalf("got %d problems and %d more, want 100 and 50", len(ie.Problems), ie.More)
	}
	if last := ie.Problems[99]; last.Line != 101 {
		t.Errorf("100th problem at line %d, want 101", last.Line)
	}
	if !strings.HasSuffix(err.Error(), "\n... and 50 more") {
		t.Errorf("message does not end with the count: %q", err.Error()[len(err.Error())-40:])
	}

	_, err = Import(context.Background(), st, []string{path}, Options{MaxErrors: 5})
	if !errors.As(err, &ie) || len(ie.Problems) != 5 || ie.More != 145 {
		t.Fatalf("MaxErrors 5: got %v", err)
	}
}

func TestBOMCRLFQuoted(t *testing.T) {
	content := "\ufeff" + strings.ReplaceAll(activitiesHeader, "\n", "\r\n") +
		"X1,R1,call,2025-01-03,,,\"left a message, then\r\ncalled \"\"back\"\"\",,,,,,\r\n" +
		"X2,R1,call,2025-01-03,,,plain,,,,,,\r\n"
	dir := t.TempDir()
	path := writeFile(t, dir, "activities.csv", content)
	st := openStore(t)
	rep, err := Import(context.Background(), st, []string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files[0].Rows != 2 || rep.Merged["activities"].Rows != 2 {
		t.Fatalf("report: %+v", rep)
	}
	var outcome string
	if err := st.DB().QueryRow("SELECT outcome FROM activities WHERE activity_id = 'X1'").Scan(&outcome); err != nil {
		t.Fatal(err)
	}
	if want := "left a message, then\ncalled \"back\""; outcome != want {
		t.Errorf("outcome %q, want %q", outcome, want)
	}

	// The record after a two-line record starts on line 4.
	bad := strings.Replace(content, "X2,R1,call", "X2,R1,fax", 1)
	path = writeFile(t, dir, "activities.csv", bad)
	_, err = Import(context.Background(), st, []string{path}, Options{})
	got := problemLines(t, err, dir)
	want := []string{`activities.csv:4: type: "fax" is not one of call, email, meeting, demo, task, other`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEmptyAndHeaderOnly(t *testing.T) {
	tests := []struct {
		name, content string
		warn          bool
	}{
		{"zero bytes", "", true},
		{"blank lines", "\n  \r\n\n", true},
		{"bom only", "\ufeff", true},
		{"header only", activitiesHeader, false},
		{"header then blank rows", activitiesHeader + "\n,,,,,,,,,,,,\n  \n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "activities.csv", tt.content)
			st := openStore(t)
			rep, err := Import(context.Background(), st, []string{path}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			wantWarn := []string(nil)
			if tt.warn {
				wantWarn = []string{path + ": empty file"}
			}
			if !slices.Equal(rep.Warnings, wantWarn) {
				t.Errorf("warnings %q, want %q", rep.Warnings, wantWarn)
			}
			if len(rep.Files) != 1 || rep.Files[0].Rows != 0 || count(t, st, "activities") != 0 {
				t.Errorf("report %+v", rep)
			}
		})
	}
}

func TestExtraColumnWarning(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "nps_responses.csv", " Account_ID ,Responded_At,SCORE,comment,\nA1,2025-01-01,10,great,\n")
	st := openStore(t)
	rep, err := Import(context.Background(), st, []string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{path + ": ignored unknown columns comment, (blank) (known columns: account_id, responded_at, score)"}
	if !slices.Equal(rep.Warnings, want) {
		t.Errorf("warnings %q, want %q", rep.Warnings, want)
	}
	if got := dump(t, st, "nps_responses"); !strings.Contains(got, `"A1"`) || !strings.Contains(got, "10") {
		t.Errorf("row not imported: %s", got)
	}
}

func TestDirectory(t *testing.T) {
	dir := copyDir(t, "testdata/full")
	writeFile(t, dir, "notes.txt", "hello")
	writeFile(t, dir, "Reps.xlsx", "binary")
	writeFile(t, dir, ".DS_Store", "junk")
	if err := os.Mkdir(filepath.Join(dir, "archive"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "archive"), "reps.csv", "not,read\n")
	st := openStore(t)
	rep, err := Import(context.Background(), st, []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{dir + ": skipped unknown files Reps.xlsx, notes.txt (known names: " + knownFiles() + ")"}
	if !slices.Equal(rep.Warnings, want) {
		t.Errorf("warnings %q, want %q", rep.Warnings, want)
	}
	var entities []string
	for _, f := range rep.Files {
		entities = append(entities, f.Entity)
	}
	if !slices.Equal(entities, model.EntityNames()) {
		t.Errorf("files read in order %v, want load order", entities)
	}
	for _, e := range model.Entities {
		if rep.Merged[e.Name].Rows == 0 || count(t, st, e.Name) == 0 {
			t.Errorf("%s: nothing imported (%+v)", e.Name, rep.Merged[e.Name])
		}
	}
}

func TestPathProblems(t *testing.T) {
	dir := t.TempDir()
	unknown := writeFile(t, dir, "deals.csv", "a,b\n1,2\n")
	noExt := writeFile(t, dir, "reps", "rep_id,name\nR1,Ann\n")
	good := writeFile(t, dir, "reps.csv", "rep_id,name\nR1,Ann\n")
	missing := filepath.Join(dir, "teams.csv")
	st := openStore(t)
	_, err := Import(context.Background(), st, []string{good, unknown, missing, noExt}, Options{})
	got := problemLines(t, err, dir)
	want := []string{
		`deals.csv: unknown file name "deals.csv": the entity is taken from the file name, one of ` + knownFiles(),
		`teams.csv: no such file or directory`,
		`reps: unknown file name "reps": the entity is taken from the file name, one of ` + knownFiles(),
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if count(t, st, "reps") != 0 {
		t.Error("reps imported despite errors")
	}
	if _, err := Import(context.Background(), st, nil, Options{}); err == nil {
		t.Error("no paths: want an error")
	}
}

func TestIdempotent(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	rep1, err := Import(ctx, st, []string{"testdata/full"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := dumpAll(t, st)
	rep2, err := Import(ctx, st, []string{"testdata/full"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second := dumpAll(t, st)
	for _, e := range model.Entities {
		if first[e.Name] != second[e.Name] {
			t.Errorf("%s changed on re-import:\n%s\nvs\n%s", e.Name, first[e.Name], second[e.Name])
		}
		m1, m2 := rep1.Merged[e.Name], rep2.Merged[e.Name]
		if m1.Rows != m2.Rows || m1.Replaced != 0 || m2.Replaced != m2.Rows {
			t.Errorf("%s: first %+v, second %+v", e.Name, m1, m2)
		}
	}
	if len(rep1.Warnings)+len(rep2.Warnings) != 0 {
		t.Errorf("warnings: %q %q", rep1.Warnings, rep2.Warnings)
	}
	// Spot-check conversions that the dump comparison cannot see.
	var (
		hired    time.Time
		role     string
		category string
		amount   float64
	)
	db := st.DB()
	if err := db.QueryRow("SELECT hired_on, role FROM reps WHERE rep_id = 'R2'").Scan(&hired, &role); err != nil {
		t.Fatal(err)
	}
	if !hired.Equal(time.Date(2023, 5, 1, 7, 0, 0, 0, time.UTC)) || role != "ae" {
		t.Errorf("R2: hired %v role %q", hired, role)
	}
	if err := db.QueryRow("SELECT category, CAST(amount AS DOUBLE) FROM spend WHERE source = 'web'").Scan(&category, &amount); err != nil {
		t.Fatal(err)
	}
	if category != "marketing" || amount != 1000 {
		t.Errorf("spend default: %q %v", category, amount)
	}
	var key string
	if err := db.QueryRow("SELECT row_key FROM time_entries WHERE category = 'admin'").Scan(&key); err != nil {
		t.Fatal(err)
	}
	if want := "R1\x1f2025-01-06T00:00:00Z\x1fadmin"; key != want {
		t.Errorf("row key %q, want %q", key, want)
	}
}

func TestUpsertAndRepeats(t *testing.T) {
	const header = "opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\n"
	dir := t.TempDir()
	st := openStore(t)
	ctx := context.Background()
	path := writeFile(t, dir, "opportunities.csv", header+
		"O1,R1,Won,won,100,2025-01-01,2025-02-01\n"+
		"O2,R1,Open,open,200,2025-01-01,2025-02-01\n")
	if _, err := Import(ctx, st, []string{path}, Options{}); err != nil {
		t.Fatal(err)
	}
	path = writeFile(t, dir, "opportunities.csv", header+
		"O1,R1,Won,won,150.25,2025-01-01,2025-02-01\n"+
		"O3,R1,Open,open,1,2025-01-01,2025-02-01\n"+
		"O3,R1,Open,open,2,2025-01-01,2025-02-01\n"+
		"O3,R1,Open,open,3,2025-01-01,2025-02-01\n")
	rep, err := Import(ctx, st, []string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m := rep.Merged["opportunities"]; m.Rows != 2 || m.Replaced != 1 || m.Repeats != 1 {
		t.Errorf("merge %+v", m)
	}
	want := []string{"opportunities: 1 ids given more than once, the last row wins: O3"}
	if !slices.Equal(rep.Warnings, want) {
		t.Errorf("warnings %q, want %q", rep.Warnings, want)
	}
	got := map[string]float64{}
	rows, err := st.Query(ctx, "SELECT opportunity_id, CAST(amount AS DOUBLE) FROM opportunities")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var a float64
		if err := rows.Scan(&id, &a); err != nil {
			t.Fatal(err)
		}
		got[id] = a
	}
	rows.Close()
	if want := map[string]float64{"O1": 150.25, "O2": 200, "O3": 3}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("amounts %v, want %v", got, want)
	}

	// Across two files of one entity the later file wins, and a composite key
	// given in two spellings of the same instant is one key.
	a := writeFile(t, dir, "Time_Entries.csv", "rep_id,date,category,minutes\nR1,2025-01-06,Admin,10\n")
	sub := filepath.Join(dir, "b")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	b := writeFile(t, sub, "time_entries.csv", "rep_id,date,category,minutes\nR1,2025-01-06T00:00:00Z,admin,20\n")
	rep, err = Import(ctx, st, []string{a, b}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"time_entries: 1 keys (rep_id|date|category) given more than once, the last row wins: R1|2025-01-06T00:00:00Z|admin"}
	if !slices.Equal(rep.Warnings, want) {
		t.Errorf("warnings %q, want %q", rep.Warnings, want)
	}
	var minutes float64
	if err := st.DB().QueryRow("SELECT minutes FROM time_entries").Scan(&minutes); err != nil || minutes != 20 {
		t.Errorf("minutes %v (%v), want 20 from the later file", minutes, err)
	}
}

func TestAtomicity(t *testing.T) {
	ctx := context.Background()
	bad := copyDir(t, "testdata/full")
	writeFile(t, bad, "experiment_assignments.csv",
		"experiment_id,variant,subject_type,subject_id,assigned_at\nE9,A,lead,L1,\nE9,B,person,L2,\n")
	// Change a row in an earlier file too, to see that it is not written.
	writeFile(t, bad, "teams.csv", "team_id,name,parent_team_id,region\nT1,Renamed,,EMEA\nT9,New,,\n")

	for _, before := range []string{"empty", "after an import"} {
		t.Run(before, func(t *testing.T) {
			st := openStore(t)
			if before != "empty" {
				if _, err := Import(ctx, st, []string{"testdata/full"}, Options{}); err != nil {
					t.Fatal(err)
				}
			}
			want := dumpAll(t, st)
			version, _ := st.DataVersion(ctx)
			_, err := Import(ctx, st, []string{bad}, Options{})
			got := problemLines(t, err, bad)
			wantProblems := []string{`experiment_assignments.csv:3: subject_type: "person" is not one of lead, opportunity, account, rep`}
			if !slices.Equal(got, wantProblems) {
				t.Errorf("problems %q, want %q", got, wantProblems)
			}
			after := dumpAll(t, st)
			for _, e := range model.Entities {
				if want[e.Name] != after[e.Name] {
					t.Errorf("%s changed by a failed import:\n%s\nvs\n%s", e.Name, want[e.Name], after[e.Name])
				}
			}
			if v, _ := st.DataVersion(ctx); v != version {
				t.Errorf("data version moved from %d to %d", version, v)
			}
		})
	}
}

func TestHostileStrings(t *testing.T) {
	names := []string{
		`Robert'); DROP TABLE reps;--`,
		strings.Repeat("x", 10000),
		"Zoë 山田 🚀 Ω≈ç√",
		`she said "hi", then left`,
		"line one\nline two",
		"tab\there; semicolon; \\backslash\\ %s %d ${HOME} $(rm -rf /)",
		"\x01\x02\x1b[31mred\x1b[0m",
		"' OR '1'='1",
	}
	var b strings.Builder
	b.WriteString("rep_id,name\n")
	for i, n := range names {
		fmt.Fprintf(&b, "R%d,\"%s\"\n", i, strings.ReplaceAll(n, `"`, `""`))
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "reps.csv", b.String())
	st := openStore(t)
	if _, err := Import(context.Background(), st, []string{path}, Options{}); err != nil {
		t.Fatal(err)
	}
	for i, want := range names {
		var got string
		if err := st.DB().QueryRow("SELECT name FROM reps WHERE rep_id = ?", fmt.Sprintf("R%d", i)).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("R%d: got %q, want %q", i, got, want)
		}
	}
	if n := count(t, st, "reps"); n != int64(len(names)) {
		t.Errorf("%d reps, want %d", n, len(names))
	}
}

func TestProgressAndCancel(t *testing.T) {
	var buf bytes.Buffer
	st := openStore(t)
	if _, err := Import(context.Background(), st, []string{"testdata/full"}, Options{Progress: &buf}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 {
		t.Error("no progress written")
	}

	st = openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Import(ctx, st, []string{"testdata/full"}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v", err)
	}
	for _, e := range model.Entities {
		if n := count(t, st, e.Name); n != 0 {
			t.Errorf("%s: %d rows after a cancelled import", e.Name, n)
		}
	}
}

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-03-31", utc(2026, 3, 31, 0, 0, 0, 0), true},
		{"2024-02-29", utc(2024, 2, 29, 0, 0, 0, 0), true},
		{"2026-03-31T14:05:09Z", utc(2026, 3, 31, 14, 5, 9, 0), true},
		{"2026-03-31 14:05:09", utc(2026, 3, 31, 14, 5, 9, 0), true},
		{"2026-03-31T14:05:09.123Z", utc(2026, 3, 31, 14, 5, 9, 123000000), true},
		{"2026-03-31T01:05:09+02:00", utc(2026, 3, 30, 23, 5, 9, 0), true},
		{"2026-03-31T14:05:09.5-05:30", utc(2026, 3, 31, 19, 35, 9, 500000000), true},
		{"2023-02-29", time.Time{}, false},
		{"2026-13-01", time.Time{}, false},
		{"2026-1-01", time.Time{}, false},
		{"2026-03-31T24:00:00Z", time.Time{}, false},
		{"2026-03-31T14:05:09", time.Time{}, false},
		{"31/03/2026", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) || (tt.ok && got.Location() != time.UTC) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestLeadEmail imports leads with and without the email column (added in
// migration 006): old files still import, leaving it blank, and an address is
// stored as given, trimmed.
func TestLeadEmail(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	writeFile(t, dir, "leads.csv", "lead_id,created_at,source\nL1,2025-01-01,web\n")
	if _, err := Import(context.Background(), st, []string{dir}, Options{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "leads.csv", "lead_id,email,created_at\nL2, Ann.Lee+crm@Example.co.uk ,2025-01-02\n")
	if _, err := Import(context.Background(), st, []string{dir}, Options{}); err != nil {
		t.Fatal(err)
	}
	rows, err := st.Query(context.Background(), "SELECT lead_id, email FROM leads ORDER BY lead_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id string
		var email *string
		if err := rows.Scan(&id, &email); err != nil {
			t.Fatal(err)
		}
		if email == nil {
			got = append(got, id+"=<nil>")
		} else {
			got = append(got, id+"="+*email)
		}
	}
	if want := []string{"L1=<nil>", "L2=Ann.Lee+crm@Example.co.uk"}; !slices.Equal(got, want) {
		t.Errorf("leads %v, want %v", got, want)
	}
}
