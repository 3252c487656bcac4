package explain

import (
	"context"
	"fmt"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

func human(unit string, v *float64) string      { return kpi.Readable(unit, v) }
func humanDelta(unit string, v *float64) string { return kpi.ReadableDelta(unit, v) }

func diff(old, new *float64) *float64 {
	if old == nil || new == nil {
		return nil
	}
	return ptr(*new - *old)
}

// loadNames reads the names of teams and reps, to label their segments, and
// each team's parent.
func loadNames(ctx context.Context, st store.Store) (names map[string]map[string]string, parents map[string]string, err error) {
	names = map[string]map[string]string{"team": {}, "rep": {}}
	parents = map[string]string{}
	for dim, q := range map[string]string{"team": "SELECT team_id, name, coalesce(parent_team_id, '') FROM teams", "rep": "SELECT rep_id, name, '' FROM reps"} {
		rows, err := st.Query(ctx, q)
		if err != nil {
			return nil, nil, fmt.Errorf("%s names: %w", dim, err)
		}
		for rows.Next() {
			var id, name, parent string
			if err := rows.Scan(&id, &name, &parent); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("%s names: %w", dim, err)
			}
			names[dim][id] = name
			if dim == "team" {
				parents[id] = parent
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s names: %w", dim, err)
		}
	}
	return names, parents, nil
}
