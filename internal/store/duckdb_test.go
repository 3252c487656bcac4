package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

func TestMigrationsAppliedOnceAndRecorded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.duckdb")
	for range 2 { // opening again must not re-apply anything
		st, err := OpenDuckDB(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var n, latest int
		if err := st.DB().QueryRowContext(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &latest); err != nil {
			t.Fatal(err)
		}
		ms, _ := loadMigrations()
		if n != len(ms) || latest != ms[len(ms)-1].version {
			t.Errorf("schema_migrations has %d rows up to %d, want %d up to %d", n, latest, len(ms), ms[len(ms)-1].version)
		}
		if v, err := st.DataVersion(ctx); err != nil || v != 0 {
			t.Errorf("data version %d, %v; want 0", v, err)
		}
		st.Close()
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.duckdb")
	st, err := OpenDuckDB(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'from the future')`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := OpenDuckDB(ctx, path); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("open: %v, want ErrSchemaTooNew", err)
	}
}
