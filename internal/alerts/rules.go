// Package alerts watches KPIs, goals and data quality and tells people when
// something needs them: rules (a threshold, a change, an anomaly, a goal at
// risk, data quality below a level) are evaluated after every data change and
// on a schedule; what fires is recorded once per rule, subject and period
// (deduplicated), delivered to webhooks and e-mail, retried when delivery
// failed, and resolved when the condition clears.
package alerts

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/notify"
	"github.com/salesops/salesops/internal/yamlfile"
)

// Conditions a rule can watch.
const (
	Above        = "above"         // the KPI above value
	Below        = "below"         // the KPI below value
	ChangeAbove  = "change_above"  // the change on the previous period above value (a fraction: 0.1 = +10%)
	ChangeBelow  = "change_below"  // the change on the previous period below value (−0.1 = a fall of more than 10%)
	Anomalous    = "anomaly"       // the KPI an anomaly against its own history (seasonality considered)
	GoalAtRisk   = "goal_at_risk"  // a goal at risk or off track
	QualityBelow = "quality_below" // crm_data_accuracy below value
)

var conditions = []string{Above, Below, ChangeAbove, ChangeBelow, Anomalous, GoalAtRisk, QualityBelow}

// Rule is one thing to watch.
type Rule struct {
	ID          string            `yaml:"id" json:"id"`
	Description string            `yaml:"description" json:"description,omitempty"`
	Condition   string            `yaml:"condition" json:"condition"`
	KPI         string            `yaml:"kpi" json:"kpi,omitempty"`
	Scope       map[string]string `yaml:"scope" json:"scope,omitempty"`   // dimension → value, e.g. region: EMEA
	Period      string            `yaml:"period" json:"period,omitempty"` // week, month (default), quarter or year
	Value       *float64          `yaml:"value" json:"value,omitempty"`
	Side        string            `yaml:"side" json:"side,omitempty"` // anomaly: high, low or any (default: the KPI's bad side)
	Goal        string            `yaml:"goal" json:"goal,omitempty"` // goal_at_risk: one goal, else every goal
	Channels    []string          `yaml:"channels" json:"channels"`

	Line  int       `yaml:"-" json:"-"`
	grain kpi.Grain // resolved by Validate
}

// File is an alerts file: the channels alerts go to and the rules.
type File struct {
	Channels []notify.Channel `yaml:"channels" json:"channels"`
	Rules    []*Rule          `yaml:"rules" json:"rules"`
	path     string
	lines    []int // of the channels
}

// Problem is one thing wrong in an alerts file.
type Problem struct {
	Line int    `json:"line"`
	What string `json:"what"` // "rule ID", "channel NAME" or ""
	Msg  string `json:"message"`
}

// FileError lists every problem of a file; nothing of it is used.
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
		if p.What != "" {
			b.WriteString(p.What + ": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

const maxFileSize = 1 << 20

// ReadFile reads and parses an alerts file. Settings may name environment
// variables as ${NAME} (for secrets: webhook secrets, SMTP passwords), which
// are expanded after parsing; an unset variable is an error, never an empty
// secret.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, &FileError{Path: path, Problems: []Problem{{Line: 1, Msg: "file larger than 1 MiB"}}}
	}
	return Parse(path, data)
}

// Parse reads alerts-file text; path is only used in messages.
func Parse(path string, data []byte) (*File, error) {
	f := &File{path: path}
	if err := yamlfile.Decode(data, f); err != nil {
		line, msg := yamlfile.Where(err)
		return nil, &FileError{Path: path, Problems: []Problem{{Line: line, Msg: msg}}}
	}
	for i, r := range f.Rules {
		if r != nil {
			r.Line = yamlfile.Line(data, fmt.Sprintf("$.rules[%d]", i))
		}
	}
	for i := range f.Channels {
		f.lines = append(f.lines, yamlfile.Line(data, fmt.Sprintf("$.channels[%d]", i)))
	}
	return f, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${NAME} with the environment's value.
func expand(s string, missing func(name string)) string {
	return envRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing(name)
		}
		return v
	})
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Validate checks every channel and rule against the KPI catalog, expands
// environment references, and reports every problem at once.
func (f *File) Validate(cat *kpi.Catalog) error {
	var probs []Problem
	add := func(line int, what, format string, args ...any) {
		probs = append(probs, Problem{Line: line, What: what, Msg: fmt.Sprintf(format, args...)})
	}
	names := map[string]bool{}
	for i := range f.Channels {
		c := &f.Channels[i]
		line := f.lines[i]
		what := fmt.Sprintf("channel %d", i+1)
		if c.Name != "" {
			what = "channel " + c.Name
		}
		if c.Name == "" {
			add(line, what, "name is required: rules name the channels they notify")
		} else if names[c.Name] {
			add(line, what, "a second channel with this name")
		}
		names[c.Name] = true
		missing := func(name string) { add(line, what, "environment variable %s is not set", name) }
		for _, s := range []*string{&c.URL, &c.Secret, &c.SMTP, &c.Username, &c.Password, &c.From} {
			*s = expand(*s, missing)
		}
		for j := range c.To {
			c.To[j] = expand(c.To[j], missing)
		}
		if err := c.Validate(); err != nil {
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				var fe *notify.FieldError
				if errors.As(e, &fe) {
					if fe.Value != "" {
						add(line, what, "%s %q: %s", fe.Field, fe.Value, fe.Problem)
					} else {
						add(line, what, "%s: %s", fe.Field, fe.Problem)
					}
				} else {
					add(line, what, "%s", strings.TrimPrefix(e.Error(), "notify: "))
				}
			}
		}
	}
	ids := map[string]bool{}
	for i, r := range f.Rules {
		if r == nil {
			add(1, "", "rule %d is empty", i+1)
			continue
		}
		what := "rule " + r.ID
		if r.ID == "" {
			what = fmt.Sprintf("rule %d", i+1)
			add(r.Line, what, "id is required")
		} else if !idPattern.MatchString(r.ID) {
			add(r.Line, what, "id %q: use letters, digits, '_', '-' or '.' (at most 64)", r.ID)
		} else if ids[r.ID] {
			add(r.Line, what, "a second rule with this id")
		}
		ids[r.ID] = true
		if !slices.Contains(conditions, r.Condition) {
			add(r.Line, what, "condition %q: want one of %s", r.Condition, strings.Join(conditions, ", "))
		}
		switch r.Condition {
		case GoalAtRisk:
			if r.KPI != "" || len(r.Scope) > 0 || r.Value != nil {
				add(r.Line, what, "goal_at_risk watches goals: give goal (or nothing, for every goal), not kpi, scope or value")
			}
		case QualityBelow:
			if r.KPI != "" && r.KPI != "crm_data_accuracy" {
				add(r.Line, what, "quality_below watches crm_data_accuracy; leave kpi out")
			}
			r.KPI = "crm_data_accuracy"
		default:
			if r.KPI == "" {
				add(r.Line, what, "kpi is required for %s", r.Condition)
			} else if _, ok := cat.KPI(r.KPI); !ok {
				add(r.Line, what, "unknown KPI %q (see 'salesops kpi list')", r.KPI)
			}
		}
		switch r.Condition {
		case Above, Below, ChangeAbove, ChangeBelow, QualityBelow:
			if r.Value == nil {
				add(r.Line, what, "value is required for %s", r.Condition)
			} else if k, ok := cat.KPI(r.KPI); ok && k.Unit == "fraction" && r.Condition != ChangeAbove && r.Condition != ChangeBelow &&
				(*r.Value < 0 || *r.Value > 1) {
				add(r.Line, what, "value %v: %s is a fraction; write 0.95 for 95%%", *r.Value, r.KPI)
			}
		case Anomalous:
			if r.Value != nil {
				add(r.Line, what, "anomaly takes no value")
			}
		}
		if r.Side != "" && (r.Condition != Anomalous || !slices.Contains([]string{"high", "low", "any"}, r.Side)) {
			add(r.Line, what, "side %q: only for anomaly, and one of high, low, any", r.Side)
		}
		if r.Goal != "" && r.Condition != GoalAtRisk {
			add(r.Line, what, "goal is only for goal_at_risk")
		}
		if r.Period == "" {
			r.Period = "month"
		}
		g, err := kpi.ParseGrain(r.Period)
		if err != nil || g == kpi.All {
			add(r.Line, what, "period %q: want week, month, quarter or year", r.Period)
		}
		r.grain = g
		for dim, v := range r.Scope {
			if !slices.Contains(kpi.Dimensions, dim) {
				add(r.Line, what, "scope %q: want dimensions among %s", dim, strings.Join(kpi.Dimensions, ", "))
			}
			if v == "" || strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
				add(r.Line, what, "scope %s %q: want a value without control characters", dim, v)
			}
		}
		if len(r.Channels) == 0 {
			add(r.Line, what, "channels: name at least one channel to notify")
		}
		for _, c := range r.Channels {
			if !names[c] {
				add(r.Line, what, "channel %q is not declared under channels", c)
			}
		}
	}
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		return &FileError{Path: f.path, Problems: probs}
	}
	return nil
}

// CheckScopes reports the rules whose scope names a team or rep the
// organisation does not have (a rule on team T999 would watch zeros).
func (f *File) CheckScopes(org goals.Org) error {
	var probs []Problem
	for _, r := range f.Rules {
		if msg := unknownScope(r, org); msg != "" {
			probs = append(probs, Problem{Line: r.Line, What: "rule " + r.ID, Msg: msg})
		}
	}
	if len(probs) > 0 {
		return &FileError{Path: f.path, Problems: probs}
	}
	return nil
}

func unknownScope(r *Rule, org goals.Org) string {
	if t, ok := r.Scope["team"]; ok && !org.Teams[t] {
		return fmt.Sprintf("scope team %q: no such team", t)
	}
	if p, ok := r.Scope["rep"]; ok && !org.Reps[p] {
		return fmt.Sprintf("scope rep %q: no such rep", p)
	}
	return ""
}

// scopeString names a rule's scope: "org", or "region=EMEA,team=T002".
func scopeString(scope map[string]string) string {
	if len(scope) == 0 {
		return "org"
	}
	keys := make([]string, 0, len(scope))
	for k := range scope {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + scope[k]
	}
	return strings.Join(parts, ",")
}
