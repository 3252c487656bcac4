package kpi

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/store"
)

func TestSmokeAll(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.DB()
	for _, q := range []string{
		`INSERT INTO teams VALUES ('T1','Org',NULL,'EMEA'),('T2','Sub','T1',NULL)`,
		`INSERT INTO reps VALUES ('R1','A',NULL,'T2','ae',NULL,NULL)`,
		`INSERT INTO opportunities VALUES ('O1','x','A1','R1','new_business','p','closed won','won',100,40,NULL,NULL,'2026-01-05','2026-02-10',NULL)`,
		`INSERT INTO activities VALUES ('X1','R1','call','2026-01-06',NULL,NULL,NULL,NULL,'O1',NULL,NULL,NULL,NULL),('X2','R1','call','2026-01-08',NULL,NULL,NULL,NULL,'O1',NULL,NULL,NULL,NULL)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	e, err := New(st, Config{Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range [][]string{nil, {"rep"}, {"team"}, {"region", "segment"}, {"source"}} {
		res, err := e.Evaluate(ctx, Query{By: by, Grain: Month})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("by %v: %d rows, notes %v", by, len(res.Rows), res.Notes)
		for _, r := range res.Rows {
			if r.Value != nil && len(by) <= 1 {
				ds := ""
				for _, d := range r.Dims { if d != nil { ds += *d } else { ds += "-" } }
				t.Logf("  %s %s %s %v", r.KPI, r.Period.Label, ds, *r.Value)
			}
		}
	}
}
