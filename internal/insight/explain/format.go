package explain

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/salesops/salesops/internal/store"
)

// human writes a value the way a sales leader reads it: money in whole units
// with thousands separators, fractions as percentages.
func human(unit string, v *float64) string {
	if v == nil {
		return "—"
	}
	x := *v
	switch unit {
	case "currency", "count":
		return group(x, 0)
	case "fraction":
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	case "days":
		return strconv.FormatFloat(x, 'f', 1, 64) + " days"
	case "minutes":
		return strconv.FormatFloat(x, 'f', 1, 64) + " min"
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// humanDelta writes a change with its sign; a change of a fraction is in
// percentage points.
func humanDelta(unit string, v *float64) string {
	if v == nil {
		return "—"
	}
	sign := "+"
	if *v < 0 {
		sign = "−"
	}
	a := math.Abs(*v)
	switch unit {
	case "fraction":
		return sign + strconv.FormatFloat(100*a, 'f', 1, 64) + " pts"
	}
	return sign + human(unit, &a)
}

func diff(old, new *float64) *float64 {
	if old == nil || new == nil {
		return nil
	}
	return ptr(*new - *old)
}

// group formats x with the given decimals and a comma between thousands.
func group(x float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if x < 0 && s != strings.Repeat("0", len(s)) {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
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
