// Package goals holds business objectives, the KPIs that serve them and the
// SMART goals set on those KPIs: goals-as-code files, their validation and
// storage with a history of every change.
package goals

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/yamlfile"
)

// Objective is a business objective and the KPIs that serve it.
type Objective struct {
	ID          string   `yaml:"id" json:"id"`
	Name        string   `yaml:"name" json:"name"`
	KPIs        []string `yaml:"kpis" json:"kpis"`
	Description string   `yaml:"description" json:"description,omitempty"`
	Line        int      `yaml:"-" json:"-"`
}

// Goal is a target on a KPI for a scope and a period.
type Goal struct {
	ID        string   `yaml:"id" json:"id"`
	KPI       string   `yaml:"kpi" json:"kpi"`
	Scope     string   `yaml:"scope" json:"scope"`         // org, team:ID or rep:ID
	Period    string   `yaml:"period" json:"period"`       // a label: 2026-Q4, 2026-11, 2026, 2026-W05
	From      string   `yaml:"from" json:"from,omitempty"` // or an explicit range of dates, both inclusive
	To        string   `yaml:"to" json:"to,omitempty"`
	Target    *float64 `yaml:"target" json:"target,omitempty"`
	Change    *float64 `yaml:"change" json:"change,omitempty"` // relative to the baseline, e.g. 0.10
	Baseline  string   `yaml:"baseline" json:"baseline,omitempty"`
	Owner     string   `yaml:"owner" json:"owner,omitempty"`
	Objective string   `yaml:"objective" json:"objective,omitempty"`
	Parent    string   `yaml:"-" json:"parent,omitempty"` // the goal a cascade split this one from

	// Resolved by Validate.
	Grain kpi.Grain `yaml:"-" json:"grain"`
	Start time.Time `yaml:"-" json:"start"`
	End   time.Time `yaml:"-" json:"end"` // exclusive
	Line  int       `yaml:"-" json:"-"`
}

// File is a goals-as-code file.
type File struct {
	Objectives []*Objective `yaml:"objectives"`
	Goals      []*Goal      `yaml:"goals"`
	path       string
}

// Baselines a relative goal may be measured against.
var Baselines = []string{"previous_period", "same_period_last_year", "trailing_mean_4", "trailing_median_4"}

// Problem is one thing wrong with a goals file.
type Problem struct {
	Line int    `json:"line"`
	Goal string `json:"goal,omitempty"` // goal or objective id
	Msg  string `json:"message"`
}

// FileError lists every problem of a file; nothing of it is applied.
type FileError struct {
	Path     string
	Problems []Problem
}

func (e *FileError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d: ", e.Path, p.Line)
		if p.Goal != "" {
			fmt.Fprintf(&b, "%s: ", p.Goal)
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// maxFileSize bounds a goals file.
const maxFileSize = 4 << 20

// ReadFile parses a goals file; Validate checks it against the catalog and the
// organisation.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("goals: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, &FileError{Path: path, Problems: []Problem{{Line: 1, Msg: "file larger than 4 MiB"}}}
	}
	return Parse(path, data)
}

// Parse reads goals-file text; path is only used in messages.
func Parse(path string, data []byte) (*File, error) {
	f := &File{path: path}
	if err := yamlfile.Decode(data, f); err != nil {
		line, msg := yamlfile.Where(err)
		return nil, &FileError{Path: path, Problems: []Problem{{Line: line, Msg: msg}}}
	}
	// The decoder forgets where things were; the AST remembers, so messages can
	// name the goal's line.
	for i, g := range f.Goals {
		if g != nil {
			g.Line = yamlfile.Line(data, fmt.Sprintf("$.goals[%d]", i))
		}
	}
	for i, o := range f.Objectives {
		if o != nil {
			o.Line = yamlfile.Line(data, fmt.Sprintf("$.objectives[%d]", i))
		}
	}
	return f, nil
}

// Org is what Validate needs to know of the organisation.
type Org struct {
	Teams map[string]bool
	Reps  map[string]bool
}

// Validate checks every objective and goal and resolves periods; it reports
// every problem at once.
func (f *File) Validate(cat *kpi.Catalog, cal kpi.Calendar, org Org) error {
	var probs []Problem
	add := func(line int, id, format string, args ...any) {
		probs = append(probs, Problem{Line: line, Goal: id, Msg: fmt.Sprintf(format, args...)})
	}
	objectives := map[string]bool{}
	for i, o := range f.Objectives {
		line := 0
		if o != nil {
			line = o.Line
		}
		if o == nil || o.ID == "" {
			add(line, fmt.Sprintf("objective #%d", i+1), "id is required")
			continue
		}
		if objectives[o.ID] {
			add(line, o.ID, "objective declared twice")
		}
		objectives[o.ID] = true
		if o.Name == "" {
			add(line, o.ID, "name is required")
		}
		for _, k := range o.KPIs {
			if _, ok := cat.KPI(k); !ok {
				add(line, o.ID, "unknown KPI %q (see salesops kpi list)", k)
			}
		}
	}
	ids := map[string]int{}
	for i, g := range f.Goals {
		if g == nil || g.ID == "" {
			add(lineOrZero(g), fmt.Sprintf("goal #%d", i+1), "id is required")
			continue
		}
		if first, dup := ids[g.ID]; dup {
			add(g.Line, g.ID, "goal id already used on line %d", first)
		}
		ids[g.ID] = g.Line
		if _, ok := cat.KPI(g.KPI); !ok {
			if g.KPI == "" {
				add(g.Line, g.ID, "kpi is required")
			} else {
				add(g.Line, g.ID, "unknown KPI %q (see salesops kpi list)", g.KPI)
			}
		}
		if err := checkScope(g.Scope, org); err != nil {
			add(g.Line, g.ID, "%v", err)
		}
		switch {
		case g.Period != "" && (g.From != "" || g.To != ""):
			add(g.Line, g.ID, "give a period label or from/to dates, not both")
		case g.Period != "":
			if grain, p, err := cal.ParseLabel(g.Period); err != nil {
				add(g.Line, g.ID, "%v", err)
			} else {
				g.Grain, g.Start, g.End = grain, p.Start, p.End
			}
		case g.From != "" && g.To != "":
			from, err1 := time.Parse("2006-01-02", g.From)
			to, err2 := time.Parse("2006-01-02", g.To)
			switch {
			case err1 != nil || err2 != nil:
				add(g.Line, g.ID, "from %q / to %q: want dates YYYY-MM-DD", g.From, g.To)
			case to.Before(from):
				add(g.Line, g.ID, "period ends (%s) before it starts (%s)", g.To, g.From)
			default:
				g.Grain, g.Start, g.End = kpi.All, from, to.AddDate(0, 0, 1)
				g.Period = g.From + ".." + g.To
			}
		default:
			add(g.Line, g.ID, "a period is required: a label like 2026-Q4, or from and to dates")
		}
		switch {
		case g.Target == nil && g.Change == nil:
			add(g.Line, g.ID, "give a target (absolute) or a change (relative to a baseline)")
		case g.Target != nil && g.Change != nil:
			add(g.Line, g.ID, "give either target or change, not both")
		case g.Target != nil && (math.IsNaN(*g.Target) || math.IsInf(*g.Target, 0)):
			add(g.Line, g.ID, "target must be a finite number")
		case g.Change != nil:
			if g.Baseline == "" {
				g.Baseline = "previous_period"
			}
			if !contains(Baselines, g.Baseline) {
				add(g.Line, g.ID, "baseline %q: want one of %s", g.Baseline, strings.Join(Baselines, ", "))
			}
		}
		if g.Objective != "" && !objectives[g.Objective] {
			add(g.Line, g.ID, "objective %q is not declared in this file", g.Objective)
		}
	}
	if len(probs) == 0 {
		return nil
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return &FileError{Path: f.path, Problems: probs}
}

func lineOrZero(g *Goal) int {
	if g == nil {
		return 0
	}
	return g.Line
}

func checkScope(scope string, org Org) error {
	if scope == "" || scope == "org" {
		return nil
	}
	kind, id, _ := strings.Cut(scope, ":")
	switch {
	case kind == "team" && id != "":
		if !org.Teams[id] {
			return fmt.Errorf("scope %q: no team %q", scope, id)
		}
	case kind == "rep" && id != "":
		if !org.Reps[id] {
			return fmt.Errorf("scope %q: no rep %q", scope, id)
		}
	default:
		return fmt.Errorf("scope %q: want org, team:ID or rep:ID", scope)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func kpiGrain(s string) kpi.Grain {
	g, err := kpi.ParseGrain(s)
	if err != nil {
		return kpi.Month
	}
	return g
}
