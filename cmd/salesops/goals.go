package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

func newGoalsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "goals",
		Short: "Objectives and SMART goals: apply, check, status, cascade",
		Long: `goals manages business objectives, the KPIs that serve them and the goals set
on those KPIs. Goals are declared in a YAML file (goals as code), validated and
applied with 'salesops goals apply'; every change is kept with who and when.

A goals file:

  objectives:
    - id: grow
      name: Increase market share
      kpis: [revenue, new_customers]
  goals:
    - id: q4_revenue
      kpi: revenue
      scope: team:T002          # org, team:ID or rep:ID
      period: 2026-Q4           # or from: / to: dates
      target: 2500000           # or change: 0.10 (with baseline: previous_period,
      owner: dana@example.com   #   same_period_last_year, trailing_mean_4, trailing_median_4)
      objective: grow`,
	}
	cmd.AddCommand(newGoalsApplyCmd(), newGoalsCheckCmd(), newGoalsStatusCmd(), newGoalsCascadeCmd(), newGoalsHistoryCmd(), newGoalsAlignCmd(), newGoalsBenchmarksCmd(), newGoalsBaselineCmd())
	return cmd
}

// goalsEnv opens the store and engine and reads the organisation.
type goalsEnv struct {
	st  *store.DuckStore
	eng *kpi.Engine
	org goals.Org
}

func openGoalsEnv(cmd *cobra.Command, ef *engineFlags) (*goalsEnv, error) {
	cfg, err := ef.engineConfig()
	if err != nil {
		return nil, err
	}
	st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
	if err != nil {
		return nil, err
	}
	eng, err := kpi.New(st, cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	org, err := goals.LoadOrg(cmd.Context(), st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &goalsEnv{st: st, eng: eng, org: org}, nil
}

// stored reads the stored goals and objectives.
func (g *goalsEnv) stored(cmd *cobra.Command) ([]*goals.Goal, []*goals.Objective, error) {
	list, err := goals.Stored(cmd.Context(), g.st)
	if err != nil {
		return nil, nil, err
	}
	objectives, err := goals.StoredObjectives(cmd.Context(), g.st)
	return list, objectives, err
}

func (g *goalsEnv) readFile(path string) (*goals.File, error) {
	f, err := goals.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(g.eng.Catalog(), g.eng.Calendar(), g.org); err != nil {
		return nil, err
	}
	return f, nil
}

func currentUser() string {
	for _, v := range []string{"SALESOPS_USER", "USER", "USERNAME"} {
		if u := os.Getenv(v); u != "" {
			return u
		}
	}
	return "unknown"
}

func newGoalsApplyCmd() *cobra.Command {
	var (
		ef engineFlags
		as string
	)
	cmd := &cobra.Command{
		Use:   "apply FILE",
		Short: "Validate a goals file and store its objectives and goals",
		Long: `apply validates every objective and goal of FILE (KPIs exist, scopes name
real teams and reps, periods parse, each goal has a target) and stores them in
one transaction. A file with any problem is refused with every problem listed as
file:line: goal: problem, and nothing is applied. Changed goals are recorded in
the history with who (--as, else $SALESOPS_USER or $USER) and when.`,
		Example: `  salesops goals apply goals/2026-q4.yaml
  salesops goals apply --as dana@example.com goals.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := openGoalsEnv(cmd, &ef)
			if err != nil {
				return err
			}
			defer env.st.Close()
			f, err := env.readFile(args[0])
			if err != nil {
				return goalsFileError(err)
			}
			if as == "" {
				as = currentUser()
			}
			res, err := goals.Apply(cmd.Context(), env.st, f, as, time.Now())
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%d objective(s); goals: %d created, %d updated, %d unchanged\n", res.Objectives, len(res.Created), len(res.Updated), len(res.Unchanged))
			for _, id := range res.Created {
				fmt.Fprintf(w, "  created %s\n", id)
			}
			for _, id := range res.Updated {
				fmt.Fprintf(w, "  updated %s\n", id)
			}
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&as, "as", "", "who is applying (recorded in the history)")
	return cmd
}

// goalsFileError prints a file's problems as they are and says nothing changed.
func goalsFileError(err error) error {
	var fe *goals.FileError
	if errors.As(err, &fe) {
		return fmt.Errorf("%v\ngoals refused: %d problem(s); nothing was applied", err, len(fe.Problems))
	}
	return err
}

func newGoalsStatusCmd() *cobra.Command {
	var (
		ef       engineFlags
		at       string
		format   string
		seasonal bool
		quotas   bool
		onTrack  float64
		atRisk   float64
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Where every stored goal stands: attainment, pace, projection, on track or not",
		Long: `status evaluates every stored goal at --at (default now): the KPI's value to date,
what was expected by now (linear pacing, or --seasonal: last year's curve over the
same period), the projected end-of-period value, and on_track / at_risk /
off_track (achieved / missed once the period is over). Rates and snapshots (win
rate, MRR) are compared with the target directly rather than paced. For
lower-is-better KPIs the logic flips. With --quotas every rep quota in force is
shown as a revenue goal for that rep.`,
		Example: `  salesops goals status
  salesops goals status --at 2026-11-15 --seasonal --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			when, err := endOfDay("goals status", at)
			if err != nil {
				return err
			}
			env, err := openGoalsEnv(cmd, &ef)
			if err != nil {
				return err
			}
			defer env.st.Close()
			stored, err := goals.Stored(cmd.Context(), env.st)
			if err != nil {
				return err
			}
			tr := &goals.Tracker{Eng: env.eng, Seasonal: seasonal, Thresholds: calc.Thresholds{OnTrack: onTrack, AtRisk: atRisk}}
			var out []goals.GoalStatus
			for _, g := range stored {
				s, err := tr.Status(cmd.Context(), g, when)
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "note: %v\n", err)
					continue
				}
				out = append(out, s)
			}
			if quotas {
				qs, err := tr.QuotaStatus(cmd.Context(), env.st, when)
				if err != nil {
					return err
				}
				out = append(out, qs...)
			}
			return writeStatus(cmd.OutOrStdout(), out, format)
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&at, "at", "", "evaluate as of the end of this day, YYYY-MM-DD (default now)")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	cmd.Flags().BoolVar(&seasonal, "seasonal", false, "pace by last year's curve over the same period instead of linearly")
	cmd.Flags().BoolVar(&quotas, "quotas", false, "also show every rep quota in force as a revenue goal")
	cmd.Flags().Float64Var(&onTrack, "on-track", 0.95, "pace ratio at or above which a goal is on track")
	cmd.Flags().Float64Var(&atRisk, "at-risk", 0.85, "pace ratio at or above which a goal is at risk (below: off track)")
	return cmd
}

func writeStatus(w io.Writer, out []goals.GoalStatus, format string) error {
	if format == "json" {
		if out == nil {
			out = []goals.GoalStatus{}
		}
		return writeIndentedJSON(w, out)
	}
	if format != "table" {
		return &usageError{cmd: "goals status", err: fmt.Errorf("--format %q: want table or json", format)}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GOAL\tKPI\tSCOPE\tPERIOD\tELAPSED\tTARGET\tACTUAL\tEXPECTED\tATTAINMENT\tPROJECTED\tSTATE")
	for _, s := range out {
		v := func(x float64) string { return kpi.FormatValue(s.Unit, &x) }
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f%%\t%s\t%s\t%s\t%.1f%%\t%s\t%s\n", s.Goal.ID, s.Goal.KPI, s.Goal.Scope, s.Goal.Period,
			100*s.Elapsed, v(s.Target), v(s.Actual), v(s.Expected), 100*s.Attainment, v(s.Projected), s.State)
	}
	return tw.Flush()
}

func newGoalsCascadeCmd() *cobra.Command {
	var (
		ef      engineFlags
		method  string
		weights string
		toReps  bool
		apply   bool
		as      string
	)
	cmd := &cobra.Command{
		Use:   "cascade GOAL",
		Short: "Split a stored goal down the team tree",
		Long: `cascade splits a stored org or team goal among the teams directly below it (or
its reps when it has no sub-teams, or with --to-reps every rep of its subtree):
by quota share over the goal's period, equally, or by --weights. The parts add up
exactly to the target (in cents for currency). A rate is not split: every child
gets the parent's target. Without --apply it only shows the split.`,
		Example: `  salesops goals cascade q4_revenue
  salesops goals cascade q4_revenue --method weights --weights T003=2,T004=1 --apply`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := map[string]float64{}
			if weights != "" {
				for _, part := range strings.Split(weights, ",") {
					id, val, ok := strings.Cut(part, "=")
					f, err := strconv.ParseFloat(val, 64)
					if !ok || err != nil || f < 0 {
						return &usageError{cmd: "goals cascade", err: fmt.Errorf("--weights %q: want ID=NUMBER,ID=NUMBER", part)}
					}
					w[strings.TrimSpace(id)] = f
				}
				if method == "quota_share" {
					method = "weights"
				}
			}
			env, err := openGoalsEnv(cmd, &ef)
			if err != nil {
				return err
			}
			defer env.st.Close()
			g, err := goals.StoredGoal(cmd.Context(), env.st, args[0])
			if err != nil {
				return err
			}
			tr := &goals.Tracker{Eng: env.eng}
			res, err := tr.Cascade(cmd.Context(), env.st, g, method, w, toReps)
			if err != nil {
				return err
			}
			k, _ := env.eng.Catalog().KPI(g.KPI)
			out := cmd.OutOrStdout()
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "SCOPE\tWEIGHT\tTARGET\t")
			sum := 0.0
			for _, s := range res.Shares {
				t := s.Target
				sum += t
				fmt.Fprintf(tw, "%s\t%g\t%s\t\n", s.Scope, s.Weight, kpi.FormatValue(k.Unit, &t))
			}
			tw.Flush()
			if res.Split {
				fmt.Fprintf(out, "%s split by %s: parts sum to %s\n", g.ID, res.Method, kpi.FormatValue(k.Unit, &sum))
			} else {
				fmt.Fprintf(out, "%s is a rate: every child keeps the target\n", g.KPI)
			}
			if !apply {
				return nil
			}
			if as == "" {
				as = currentUser()
			}
			f := &goals.File{Goals: res.Goals()}
			r, err := goals.Apply(cmd.Context(), env.st, f, as, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "applied: %d created, %d updated, %d unchanged\n", len(r.Created), len(r.Updated), len(r.Unchanged))
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&method, "method", "quota_share", "quota_share, equal or weights")
	cmd.Flags().StringVar(&weights, "weights", "", "custom weights, e.g. T003=2,T004=1 (implies --method weights)")
	cmd.Flags().BoolVar(&toReps, "to-reps", false, "cascade to every rep of the team's subtree")
	cmd.Flags().BoolVar(&apply, "apply", false, "store the child goals")
	cmd.Flags().StringVar(&as, "as", "", "who is applying (recorded in the history)")
	return cmd
}

func newGoalsHistoryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history GOAL",
		Short: "Every recorded change of a goal, with who and when",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			hs, err := goals.GoalHistory(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			if len(hs) == 0 {
				return fmt.Errorf("no history for goal %q", args[0])
			}
			for _, h := range hs {
				fmt.Fprintf(cmd.OutOrStdout(), "%s  %-7s by %s: %s\n", h.ChangedAt.Format(time.RFC3339), h.Action, h.ChangedBy, h.After)
			}
			return nil
		},
	}
	return cmd
}

func newGoalsCheckCmd() *cobra.Command {
	var (
		ef     engineFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Tell which goals are not SMART, and why",
		Long: `check gives each goal of FILE (or every stored goal) a verdict per SMART letter
with its reason: Specific (a catalog KPI and a scope), Measurable (a numeric
target in the KPI's unit), Achievable (the target's implied change against the
90th percentile of the KPI's own period-over-period changes over the last 12
periods, 10th for lower-is-better KPIs), Relevant (linked to an objective) and
Time-bound (a period with a start and an end). It exits 1 when a goal fails a
letter.`,
		Example: `  salesops goals check goals.yaml
  salesops goals check --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := openGoalsEnv(cmd, &ef)
			if err != nil {
				return err
			}
			defer env.st.Close()
			var list []*goals.Goal
			var objectives []*goals.Objective
			if len(args) == 1 {
				f, err := env.readFile(args[0])
				if err != nil {
					return goalsFileError(err)
				}
				list, objectives = f.Goals, f.Objectives
			} else if list, objectives, err = env.stored(cmd); err != nil {
				return err
			}
			tr := &goals.Tracker{Eng: env.eng}
			var checks []goals.SmartCheck
			failed := 0
			for _, g := range list {
				c, err := tr.Smart(cmd.Context(), g, objectives)
				if err != nil {
					return err
				}
				if !c.Smart() {
					failed++
				}
				checks = append(checks, c)
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				if err := writeIndentedJSON(out, checks); err != nil {
					return err
				}
			case "table":
				for _, c := range checks {
					var letters []string
					for _, v := range c.Verdicts {
						mark := "✓"
						if !v.Pass {
							mark = "✗"
						}
						letters = append(letters, v.Letter+" "+mark)
					}
					fmt.Fprintf(out, "%-24s %s\n", c.Goal.ID, strings.Join(letters, "  "))
					for _, v := range c.Verdicts {
						fmt.Fprintf(out, "    %s: %s\n", v.Letter, v.Reason)
					}
				}
			default:
				return &usageError{cmd: "goals check", err: fmt.Errorf("--format %q: want table or json", format)}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d goal(s) are not SMART", failed, len(checks))
			}
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}

func newGoalsAlignCmd() *cobra.Command {
	var (
		ef      engineFlags
		maxKPIs int
		format  string
	)
	cmd := &cobra.Command{
		Use:   "align",
		Short: "Report how goals, KPIs and objectives fit together",
		Long: `align reports on the stored objectives and goals: objectives without KPIs, KPIs
in use that serve no objective, roles owning more KPIs than --max-kpis-per-role,
objectives with only leading or only lagging indicators, conflicting goals (the
same KPI, scope and period with different targets) and sales reps without a
quota. It exits 1 when there is a finding.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := openGoalsEnv(cmd, &ef)
			if err != nil {
				return err
			}
			defer env.st.Close()
			list, objectives, err := env.stored(cmd)
			if err != nil {
				return err
			}
			findings, err := goals.Alignment(cmd.Context(), env.st, env.eng.Catalog(), list, objectives, maxKPIs)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				if err := writeIndentedJSON(out, findings); err != nil {
					return err
				}
			case "table":
				for _, f := range findings {
					fmt.Fprintf(out, "%-26s %-20s %s\n", f.Kind, f.Subject, f.Message)
				}
			default:
				return &usageError{cmd: "goals align", err: fmt.Errorf("--format %q: want table or json", format)}
			}
			if len(findings) > 0 {
				return fmt.Errorf("%d alignment finding(s)", len(findings))
			}
			fmt.Fprintln(out, "no findings: every objective has KPIs, every KPI in use serves one, and nothing conflicts")
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().IntVar(&maxKPIs, "max-kpis-per-role", 5, "most KPIs one role should own")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}

func newGoalsBenchmarksCmd() *cobra.Command {
	var ef engineFlags
	cmd := &cobra.Command{
		Use:   "benchmarks FILE",
		Short: "Import external benchmarks (kpi, segment, p25, p50, p75, source)",
		Long: `benchmarks imports a CSV of external benchmarks: for a KPI and a segment (blank
for all), the 25th, 50th and 75th percentiles of peers and where the figures come
from. Rows replace stored ones for the same KPI and segment; a file with any bad
value is refused with every problem listed and nothing stored. See
docs/examples/benchmarks.csv for the shape (its figures are illustrative only).`,
		Example: `  salesops goals benchmarks docs/examples/benchmarks.csv`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := openGoalsEnv(cmd, &ef)
			if err != nil {
				return err
			}
			defer env.st.Close()
			n, err := goals.ImportBenchmarks(cmd.Context(), env.st, env.eng.Catalog(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d benchmark(s)\n", n)
			return nil
		},
	}
	ef.register(cmd)
	return cmd
}

func newGoalsBaselineCmd() *cobra.Command {
	var (
		ef      engineFlags
		ids     []string
		period  string
		scope   string
		segment string
		at      string
	)
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Each KPI against its baselines and its benchmark percentile",
		Long: `baseline shows, for the period containing --at (default: the last day with data),
each KPI's value beside its baselines from history — the previous period, the
mean and median of the 4 periods before, the same period last year — and, where
a benchmark is imported (goals benchmarks), the benchmark's median and the
percentile of peers the value stands at.`,
		Example: `  salesops goals baseline --period quarter
  salesops goals baseline --kpi win_rate,average_deal_size --segment enterprise`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			grain, err := kpi.ParseGrain(period)
			if err != nil || grain == kpi.All {
				return &usageError{cmd: "goals baseline", err: fmt.Errorf("--period %q: want week, month, quarter or year", period)}
			}
			env, err := openGoalsEnv(cmd, &ef)
			if err != nil {
				return err
			}
			defer env.st.Close()
			ctx := cmd.Context()
			day := time.Time{}
			if at != "" {
				if day, err = time.Parse("2006-01-02", at); err != nil {
					return &usageError{cmd: "goals baseline", err: fmt.Errorf("--at %q: want YYYY-MM-DD", at)}
				}
			} else {
				_, hi, err := env.eng.Extent(ctx)
				if err != nil {
					return err
				}
				if hi.IsZero() {
					return errors.New("there is no data")
				}
				day = hi.AddDate(0, 0, -1)
			}
			cal := env.eng.Calendar()
			cur := cal.BucketStart(grain, day)
			first := cur
			for range 4 {
				first = cal.BucketStart(grain, first.AddDate(0, 0, -1))
			}
			end := cal.Periods(grain, cur, cur.AddDate(1, 1, 0))[0].End
			filters := map[string][]string{}
			if kind, id, ok := strings.Cut(scope, ":"); ok && (kind == "team" || kind == "rep") {
				filters[kind] = []string{id}
			} else if scope != "org" {
				return &usageError{cmd: "goals baseline", err: fmt.Errorf("--scope %q: want org, team:ID or rep:ID", scope)}
			}
			if segment != "" {
				filters["segment"] = []string{segment}
			}
			q := kpi.Query{KPIs: ids, Grain: grain, From: first, To: end.AddDate(0, 0, -1), Filters: filters}
			res, err := env.eng.Evaluate(ctx, q)
			if err != nil {
				return err
			}
			q.From, q.To = cur.AddDate(-1, 0, 0), end.AddDate(-1, 0, -1)
			lastYear, err := env.eng.Evaluate(ctx, q)
			if err != nil {
				return err
			}
			bench, err := goals.StoredBenchmarks(ctx, env.st)
			if err != nil {
				return err
			}
			series := map[string][]*float64{} // oldest first, current last
			var order []string
			for _, r := range res.Rows {
				if _, ok := series[r.KPI]; !ok {
					order = append(order, r.KPI)
				}
				series[r.KPI] = append(series[r.KPI], r.Value)
			}
			ly := map[string]*float64{}
			for _, r := range lastYear.Rows {
				ly[r.KPI] = r.Value
			}
			for _, n := range res.Notes {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", n)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "KPI\t%s\tPREVIOUS\tMEAN OF 4\tMEDIAN OF 4\tLAST YEAR\tBENCHMARK P50\tPEER PERCENTILE\t\n", cal.Label(grain, cur))
			for _, id := range order {
				k, _ := env.eng.Catalog().KPI(id)
				vals := series[id]
				value := vals[len(vals)-1]
				var prev *float64
				if len(vals) > 1 {
					prev = vals[len(vals)-2]
				}
				var hist []float64
				for _, v := range vals[:len(vals)-1] {
					if v != nil {
						hist = append(hist, *v)
					}
				}
				f := func(v *float64) string { return kpi.FormatValue(k.Unit, v) }
				mean, median := "-", "-"
				if m, err := calc.TrailingMean(hist, 4); err == nil {
					mean = f(&m)
				}
				if m, err := calc.TrailingMedian(hist, 4); err == nil {
					median = f(&m)
				}
				bp50, pct := "-", "-"
				b, ok := bench[id+"\x1f"+segment]
				if !ok {
					b, ok = bench[id+"\x1f"]
				}
				if ok {
					bp50 = f(&b.P50)
					if value != nil {
						pct = fmt.Sprintf("p%.0f", b.Percentile(*value))
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", id, f(value), f(prev), mean, median, f(ly[id]), bp50, pct)
			}
			return tw.Flush()
		},
	}
	ef.register(cmd)
	cmd.Flags().StringSliceVar(&ids, "kpi", nil, "KPI ids (default: all)")
	cmd.Flags().StringVar(&period, "period", "quarter", "grain: week, month, quarter or year")
	cmd.Flags().StringVar(&scope, "scope", "org", "org, team:ID or rep:ID")
	cmd.Flags().StringVar(&segment, "segment", "", "restrict to a segment (and use its benchmarks)")
	cmd.Flags().StringVar(&at, "at", "", "a day in the period to show, YYYY-MM-DD (default: the last day with data)")
	return cmd
}

// writeIndentedJSON writes v as indented JSON for people and scripts alike.
func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// endOfDay reads an --at date as the end of that day; blank means now.
func endOfDay(cmdName, at string) (time.Time, error) {
	if at == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse("2006-01-02", at)
	if err != nil {
		return time.Time{}, &usageError{cmd: cmdName, err: fmt.Errorf("--at %q: want YYYY-MM-DD", at)}
	}
	return t.AddDate(0, 0, 1), nil
}
