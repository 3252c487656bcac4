package kpi

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDrill(t *testing.T) {
	f := newFixture(t)
	f.insert("teams", teamCols, []any{"T1", "Sales", nil, "EMEA"}, []any{"T2", "East", "T1", nil})
	f.insert("reps", repCols, []any{"R1", "Ann", "T1", nil, nil}, []any{"R2", "Bob", "T2", nil, nil})
	f.insert("opportunities", oppCols,
		[]any{"O1", nil, "R1", "new_business", "p", "closed won", "won", 100.0, nil, nil, "2026-02-01", "2026-03-05"},
		[]any{"O2", nil, "R2", "new_business", "p", "closed won", "won", 200.0, nil, nil, "2026-02-01", "2026-03-06"},
		[]any{"O3", nil, "R2", "new_business", "p", "closed lost", "lost", 50.0, nil, nil, "2026-02-01", "2026-03-07"},
		[]any{"O4", nil, "R2", "new_business", "p", "closed won", "won", 70.0, nil, nil, "2026-02-01", "2026-04-01"},
	)
	eng, err := New(f.st, Config{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(m DrillMeasure) []string {
		var out []string
		for _, r := range m.Rows {
			for i, c := range m.Columns {
				if c == "opportunity_id" {
					out = append(out, *r[i])
				}
			}
		}
		return out
	}
	tests := []struct {
		name string
		dims map[string]string
		want map[string][]string // measure → opportunity ids
	}{
		// March (half-open: O4 closed 04-01 is April's): won O1, O2; lost O3.
		{"org", nil, map[string][]string{"won_count": {"O1", "O2"}, "lost_count": {"O3"}}},
		// T2 alone holds R2's deals.
		{"team T2", map[string]string{"team": "T2"}, map[string][]string{"won_count": {"O2"}, "lost_count": {"O3"}}},
		// T1 covers its sub-team T2.
		{"team T1", map[string]string{"team": "T1"}, map[string][]string{"won_count": {"O1", "O2"}, "lost_count": {"O3"}}},
		{"rep R1", map[string]string{"rep": "R1"}, map[string][]string{"won_count": {"O1"}, "lost_count": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Drill(context.Background(), DrillQuery{KPI: "win_rate", Grain: Month, Period: "2026-03", Dims: tt.dims})
			if err != nil {
				t.Fatal(err)
			}
			if res.Period.Start != "2026-03-01" || res.Period.End != "2026-04-01" {
				t.Errorf("period %+v", res.Period)
			}
			if len(res.Measures) != 2 {
				t.Fatalf("%d measures, want won_count and lost_count", len(res.Measures))
			}
			for _, m := range res.Measures {
				got := ids(m)
				want := tt.want[m.ID]
				if len(got) != len(want) || m.Count != int64(len(want)) {
					t.Errorf("%s: %v (count %d), want %v", m.ID, got, m.Count, want)
					continue
				}
				for i := range got {
					if got[i] != want[i] {
						t.Errorf("%s: %v, want %v", m.ID, got, want)
					}
				}
			}
		})
	}
	if _, err := eng.Drill(context.Background(), DrillQuery{KPI: "nope", Grain: Month, Period: "2026-03"}); !errors.Is(err, ErrUnknownKPI) {
		t.Errorf("unknown KPI: %v", err)
	}
	var qe *QueryError
	if _, err := eng.Drill(context.Background(), DrillQuery{KPI: "win_rate", Grain: Month, Period: "1999-01"}); !errors.As(err, &qe) {
		t.Errorf("far period: %v", err)
	}
}
