package goals

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// LoadOrg reads the team and rep ids that goal scopes may name.
func LoadOrg(ctx context.Context, st store.Store) (Org, error) {
	org := Org{Teams: map[string]bool{}, Reps: map[string]bool{}}
	for _, q := range []struct {
		sql string
		set map[string]bool
	}{
		{`SELECT team_id FROM teams`, org.Teams},
		{`SELECT rep_id FROM reps`, org.Reps},
	} {
		rows, err := st.Query(ctx, q.sql)
		if err != nil {
			return org, fmt.Errorf("read organisation: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return org, fmt.Errorf("read organisation: %w", err)
			}
			q.set[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return org, fmt.Errorf("read organisation: %w", err)
		}
	}
	return org, nil
}

// ApplyResult says what Apply changed.
type ApplyResult struct {
	Objectives int
	Created    []string
	Updated    []string
	Unchanged  []string
}

// Apply stores a validated file's objectives and goals in one transaction,
// recording every created or changed goal in the history with who and when.
func Apply(ctx context.Context, st store.Store, f *File, who string, now time.Time) (ApplyResult, error) {
	var res ApplyResult
	err := st.InTx(ctx, func(tx *sql.Tx) error {
		for _, o := range f.Objectives {
			if _, err := tx.ExecContext(ctx, `DELETE FROM objectives WHERE objective_id = ?`, o.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO objectives (objective_id, name, kpis, description) VALUES (?, ?, ?, ?)`,
				o.ID, o.Name, strings.Join(o.KPIs, ","), nullable(o.Description)); err != nil {
				return err
			}
			res.Objectives++
		}
		for _, g := range f.Goals {
			after, err := json.Marshal(g)
			if err != nil {
				return err
			}
			var before sql.NullString
			err = tx.QueryRowContext(ctx, `SELECT after FROM goal_history WHERE goal_id = ? ORDER BY changed_at DESC LIMIT 1`, g.ID).Scan(&before)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			action := "created"
			if before.Valid {
				if before.String == string(after) {
					res.Unchanged = append(res.Unchanged, g.ID)
					continue
				}
				action = "updated"
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM goals WHERE goal_id = ?`, g.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO goals (goal_id, kpi, scope, grain, period, period_start, period_end,
				target, change, baseline, owner, objective_id, parent_goal, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				g.ID, g.KPI, scopeOrOrg(g.Scope), string(g.Grain), g.Period, g.Start, g.End, g.Target, g.Change,
				nullable(g.Baseline), nullable(g.Owner), nullable(g.Objective), nullable(g.Parent), source(f, g)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO goal_history (goal_id, changed_at, changed_by, action, before, after) VALUES (?, ?, ?, ?, ?, ?)`,
				g.ID, now.UTC(), who, action, before, string(after)); err != nil {
				return err
			}
			if action == "created" {
				res.Created = append(res.Created, g.ID)
			} else {
				res.Updated = append(res.Updated, g.ID)
			}
		}
		return nil
	})
	if err != nil {
		return ApplyResult{}, fmt.Errorf("apply goals: %w", err)
	}
	return res, nil
}

// History is one recorded change of a goal.
type History struct {
	GoalID    string    `json:"goal_id"`
	ChangedAt time.Time `json:"changed_at"`
	ChangedBy string    `json:"changed_by"`
	Action    string    `json:"action"`
	After     string    `json:"after"`
}

// GoalHistory lists the changes of one goal, oldest first.
func GoalHistory(ctx context.Context, st store.Store, goalID string) ([]History, error) {
	rows, err := st.Query(ctx, `SELECT goal_id, changed_at, changed_by, action, after FROM goal_history WHERE goal_id = ? ORDER BY changed_at, action`, goalID)
	if err != nil {
		return nil, fmt.Errorf("goal history: %w", err)
	}
	defer rows.Close()
	var out []History
	for rows.Next() {
		var h History
		if err := rows.Scan(&h.GoalID, &h.ChangedAt, &h.ChangedBy, &h.Action, &h.After); err != nil {
			return nil, fmt.Errorf("goal history: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Stored lists the stored goals, ordered by period then id.
func Stored(ctx context.Context, st store.Store) ([]*Goal, error) {
	rows, err := st.Query(ctx, `SELECT goal_id, kpi, scope, grain, period, period_start, period_end, target, change,
		coalesce(baseline, ''), coalesce(owner, ''), coalesce(objective_id, ''), coalesce(parent_goal, '') FROM goals ORDER BY period_start, goal_id`)
	if err != nil {
		return nil, fmt.Errorf("read goals: %w", err)
	}
	defer rows.Close()
	var out []*Goal
	for rows.Next() {
		g := &Goal{}
		var grain string
		if err := rows.Scan(&g.ID, &g.KPI, &g.Scope, &grain, &g.Period, &g.Start, &g.End, &g.Target, &g.Change,
			&g.Baseline, &g.Owner, &g.Objective, &g.Parent); err != nil {
			return nil, fmt.Errorf("read goals: %w", err)
		}
		g.Grain = kpiGrain(grain)
		if from, to, ok := strings.Cut(g.Period, ".."); ok && g.Grain == kpi.All {
			g.From, g.To = from, to // an explicit range, as the file gave it
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func source(f *File, g *Goal) string {
	if g.Parent != "" {
		return "cascade of " + g.Parent
	}
	return fmt.Sprintf("%s:%d", f.path, g.Line)
}

// ErrNoGoal is returned for a goal id that is not stored.
var ErrNoGoal = errors.New("no such goal")

// StoredGoal returns one stored goal.
func StoredGoal(ctx context.Context, st store.Store, id string) (*Goal, error) {
	list, err := Stored(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, g := range list {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, fmt.Errorf("%w %q (see salesops goals status)", ErrNoGoal, id)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func scopeOrOrg(s string) string {
	if s == "" {
		return "org"
	}
	return s
}
