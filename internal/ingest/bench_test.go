package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/model"
	"github.com/salesops/salesops/internal/store"
)

const benchRows = 200_000

// writeActivities writes a realistic activities file: every column present,
// most optional ones filled, timestamps in the shapes CRM exports use.
func writeActivities(tb testing.TB, dir string, n int) string {
	tb.Helper()
	path := filepath.Join(dir, "activities.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(activitiesHeader)
	types := []string{"call", "email", "meeting", "demo", "task", "other"}
	dirs := []string{"outbound", "inbound", ""}
	base := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		at := base.Add(time.Duration(i) * 97 * time.Second)
		typ := types[i%len(types)]
		opened, attended := "", ""
		if typ == "email" {
			opened = at.Add(time.Hour).Format(time.RFC3339)
		}
		if typ == "meeting" || typ == "demo" {
			attended = "true"
		}
		fmt.Fprintf(w, "ACT-%08d,REP-%04d,%s,%s,%d.5,%s,\"connected, follow up\",LEAD-%06d,OPP-%06d,ACC-%05d,%s,,%s\n",
			i, i%500, typ, at.Format(time.RFC3339), i%90, dirs[i%len(dirs)], i%50000, i%20000, i%8000, opened, attended)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkImportActivities measures a whole import into a fresh DuckDB:
// parsing, validation, staging and the merge.
func BenchmarkImportActivities(b *testing.B) {
	path := writeActivities(b, b.TempDir(), benchRows)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := store.OpenDuckDB(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("b%d.duckdb", i)))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := Import(ctx, st, []string{path}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Merged["activities"].Rows != benchRows {
			b.Fatalf("merged %+v", rep.Merged["activities"])
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadActivities measures parsing and validation alone, the part of
// the pipeline that this package owns.
func BenchmarkReadActivities(b *testing.B) {
	path := writeActivities(b, b.TempDir(), benchRows)
	e, _ := model.EntityByName("activities")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rows, _, err := checkReader(context.Background(), path, e, f, 0)
		f.Close()
		if err != nil || rows != benchRows {
			b.Fatalf("rows %d: %v", rows, err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
