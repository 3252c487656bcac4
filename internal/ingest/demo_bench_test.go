package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/model"
	"github.com/salesops/salesops/internal/store"
)

// BenchmarkImportDemo imports a whole demo organisation (24 months;
// SALESOPS_BENCH_REPS reps, default 50; or the CSV directory in
// SALESOPS_BENCH_CSV) and, as the baseline in the same run, loads the same files
// with DuckDB's own CSV reader and no validation at all.
func BenchmarkImportDemo(b *testing.B) {
	ctx := context.Background()
	dir := os.Getenv("SALESOPS_BENCH_CSV")
	if dir == "" {
		reps := 50
		if n, err := strconv.Atoi(os.Getenv("SALESOPS_BENCH_REPS")); err == nil {
			reps = n
		}
		dir = filepath.Join(b.TempDir(), "csv")
		if _, err := demo.Generate(ctx, dir, demo.Config{Seed: 42, Reps: reps, Months: 24}); err != nil {
			b.Fatal(err)
		}
	}
	var rows int64
	for _, e := range model.Entities {
		n, err := countLines(filepath.Join(dir, e.FileName()))
		if err != nil {
			b.Fatal(err)
		}
		rows += n - 1
	}
	open := func(b *testing.B) *store.DuckStore {
		st, err := store.OpenDuckDB(ctx, filepath.Join(b.TempDir(), "bench.duckdb"))
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	b.Run("salesops", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			st := open(b)
			b.StartTimer()
			if _, err := Import(ctx, st, []string{dir}, Options{}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			st.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("duckdb_read_csv", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			st := open(b)
			b.StartTimer()
			for _, e := range model.Entities {
				path := filepath.Join(dir, e.FileName())
				q := fmt.Sprintf("CREATE TABLE raw_%s AS SELECT * FROM read_csv('%s', header = true)", e.Name, strings.ReplaceAll(path, "'", "''"))
				if _, err := st.DB().ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			st.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// countLines counts physical lines; the demo writes no multi-line fields.
func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
