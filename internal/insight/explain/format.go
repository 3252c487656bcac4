package explain

import (
	"context"
	"fmt"
	"slices"

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

// orgInfo is what explain needs of the organisation: names to label teams
// and reps, and the team tree with each team's own region, read once.
type orgInfo struct {
	names  map[string]map[string]string // "team"/"rep" → id → name
	parent map[string]string            // team → its parent ("" at the top)
	region map[string]string            // team → its own region ("" when none)
}

// loadOrg reads the teams and reps.
func loadOrg(ctx context.Context, st store.Store) (*orgInfo, error) {
	o := &orgInfo{names: map[string]map[string]string{"team": {}, "rep": {}}, parent: map[string]string{}, region: map[string]string{}}
	for dim, q := range map[string]string{
		"team": "SELECT team_id, name, coalesce(parent_team_id, ''), coalesce(region, '') FROM teams",
		"rep":  "SELECT rep_id, name, '', '' FROM reps",
	} {
		rows, err := st.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("%s names: %w", dim, err)
		}
		for rows.Next() {
			var id, name, parent, region string
			if err := rows.Scan(&id, &name, &parent, &region); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s names: %w", dim, err)
			}
			o.names[dim][id] = name
			if dim == "team" {
				o.parent[id], o.region[id] = parent, region
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("%s names: %w", dim, err)
		}
	}
	return o, nil
}

// subtree is the teams at or below any of roots.
func (o *orgInfo) subtree(roots []string) map[string]bool {
	in := map[string]bool{}
	for id := range o.parent {
		for t, depth := id, 0; t != "" && depth < 64; t, depth = o.parent[t], depth+1 {
			if slices.Contains(roots, t) {
				in[id] = true
				break
			}
		}
	}
	return in
}

// inRegions is the teams whose region — their own, else the nearest
// ancestor's, as the KPI engine reads it — is one of regions.
func (o *orgInfo) inRegions(regions []string) map[string]bool {
	in := map[string]bool{}
	for id := range o.parent {
		t := id
		for depth := 0; t != "" && o.region[t] == "" && depth < 64; depth++ {
			t = o.parent[t]
		}
		if t != "" && slices.Contains(regions, o.region[t]) {
			in[id] = true
		}
	}
	return in
}
