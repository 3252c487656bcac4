package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/store"
)

func TestFunnel(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, filepath.Join(t.TempDir(), "f.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, q := range []string{
		`INSERT INTO teams VALUES ('T1','Org',NULL,NULL),('T2','East','T1',NULL)`,
		`INSERT INTO reps VALUES ('R1','Ann',NULL,'T1','ae',NULL,NULL),('R2','Bob',NULL,'T2','ae',NULL,NULL)`,
		`INSERT INTO opportunities (opportunity_id, owner_rep_id, stage, status, amount, created_at, close_date) VALUES
			('O1','R1','proposal','open',100,'2026-01-02','2026-04-01'),
			('O2','R2','closed_won','won',50,'2026-01-03','2026-02-20'),
			('O3','R2','qualification','open',10,'2026-01-04','2026-05-01')`,
		`INSERT INTO opportunity_stages VALUES
			('a','O1','qualification','2026-01-02'),('b','O1','proposal','2026-01-20'),
			('c','O2','qualification','2026-01-03'),('d','O2','proposal','2026-02-01'),('e','O2','closed_won','2026-02-20'),
			('f','O3','qualification','2026-01-04')`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// Stage order by mean position: qualification (1,1,1) < proposal (2,2) < closed_won (3).
	// Entered in Jan–Feb: qualification O1, O2, O3 (100+50+10 = 160); proposal O1, O2 (150); closed_won O2 (50).
	got, err := Funnel(ctx, st, from, to, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []Stage{{"qualification", 3, 160}, {"proposal", 2, 150}, {"closed_won", 1, 50}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stage %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// T2 holds only Bob's deals O2 and O3: qualification 2 (60), proposal 1 (50), closed_won 1 (50).
	got, err = Funnel(ctx, st, from, to, "T2")
	if err != nil {
		t.Fatal(err)
	}
	want = []Stage{{"qualification", 2, 60}, {"proposal", 1, 50}, {"closed_won", 1, 50}}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("T2: got %+v, want %+v", got, want)
			break
		}
	}
}
