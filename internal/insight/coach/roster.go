package coach

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// person is a rep of the roster.
type person struct {
	id, name      string
	team, teamNm  *string
	role          string
	hired, left   *time.Time
	hiredS, leftS *string
}

type teamRow struct {
	id, name string
	parent   *string
}

// roster is who is who: reps and the team tree. It is dimension data, not a
// KPI, so it is read from the store directly.
type roster struct {
	list     []*person
	reps     map[string]*person
	teams    map[string]*teamRow
	children map[string][]string
}

func (c *Coach) roster(ctx context.Context) (*roster, error) {
	ro := &roster{reps: map[string]*person{}, teams: map[string]*teamRow{}, children: map[string][]string{}}
	rows, err := c.st.Query(ctx, `SELECT team_id, name, parent_team_id FROM teams ORDER BY team_id`)
	if err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}
	for rows.Next() {
		t := &teamRow{}
		if err := rows.Scan(&t.id, &t.name, &t.parent); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read teams: %w", err)
		}
		ro.teams[t.id] = t
		if t.parent != nil {
			ro.children[*t.parent] = append(ro.children[*t.parent], t.id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}
	rows, err = c.st.Query(ctx, `SELECT rep_id, name, team_id, role, hired_on, left_on FROM reps ORDER BY rep_id`)
	if err != nil {
		return nil, fmt.Errorf("read reps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p := &person{}
		var role *string
		if err := rows.Scan(&p.id, &p.name, &p.team, &role, &p.hired, &p.left); err != nil {
			return nil, fmt.Errorf("read reps: %w", err)
		}
		p.role = "ae" // the data contract's default
		if role != nil && *role != "" {
			p.role = strings.ToLower(*role)
		}
		if p.team != nil {
			if t, ok := ro.teams[*p.team]; ok {
				p.teamNm = &t.name
			}
		}
		for _, d := range []struct {
			t *time.Time
			s **string
		}{{p.hired, &p.hiredS}, {p.left, &p.leftS}} {
			if d.t != nil {
				s := d.t.UTC().Format(time.DateOnly)
				*d.s = &s
			}
		}
		ro.list = append(ro.list, p)
		ro.reps[p.id] = p
	}
	return ro, rows.Err()
}

func (p *person) info() RepInfo {
	return RepInfo{ID: p.id, Name: p.name, Team: p.team, TeamName: p.teamNm, Role: p.role, HiredOn: p.hiredS, LeftOn: p.leftS}
}

// employedThroughout reports whether the rep was employed on every day from
// first to last (inclusive days): hired on or before the first, and
// left_on (as in the engine's headcount: employed at X when left_on is not
// before X) blank or not before the last.
func (p *person) employedThroughout(first, last time.Time) bool {
	return (p.hired == nil || !dayOf(*p.hired).After(first)) && (p.left == nil || !dayOf(*p.left).Before(last))
}

// employedDuring reports whether the rep was employed at some time in
// [from, end).
func (p *person) employedDuring(from, end time.Time) bool {
	return (p.hired == nil || p.hired.Before(end)) && (p.left == nil || !p.left.Before(from))
}

// peers are the reps a rep is compared with, the rep included (first is not
// guaranteed; the list is sorted by id): the same role, in the same team (or
// the whole organisation), employed throughout the period.
func (ro *roster) peers(p *person, group PeerGroup, w window) []string {
	var out []string
	for _, q := range ro.list {
		if q.id == p.id {
			out = append(out, q.id)
			continue
		}
		if q.role != p.role || !q.employedThroughout(w.cur.Start, w.lastDay()) {
			continue
		}
		if group == PeersTeam && (p.team == nil || q.team == nil || *q.team != *p.team) {
			continue
		}
		out = append(out, q.id)
	}
	return out
}

// subtree is a team and every team below it.
func (ro *roster) subtree(id string) map[string]bool {
	in := map[string]bool{}
	stack := []string{id}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if in[t] {
			continue
		}
		in[t] = true
		stack = append(stack, ro.children[t]...)
	}
	return in
}
