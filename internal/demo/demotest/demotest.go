// Package demotest loads demo organisations into temporary databases for
// tests and benchmarks.
package demotest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/store"
)

// Store generates the demo organisation of cfg into a temporary directory,
// imports it into a fresh database there, and closes the database when the
// test ends.
func Store(tb testing.TB, cfg demo.Config) *store.DuckStore {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	if _, err := demo.Generate(ctx, filepath.Join(dir, "csv"), cfg); err != nil {
		tb.Fatal(err)
	}
	st, err := store.OpenDuckDB(ctx, filepath.Join(dir, "demo.duckdb"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := ingest.Import(ctx, st, []string{filepath.Join(dir, "csv")}, ingest.Options{}); err != nil {
		tb.Fatal(err)
	}
	return st
}

// Open opens an existing database (say, a large organisation prepared for a
// benchmark) and closes it when the test ends.
func Open(tb testing.TB, path string) *store.DuckStore {
	tb.Helper()
	st, err := store.OpenDuckDB(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}
