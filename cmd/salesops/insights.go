package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/insight"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// insightFlags are what the trend and insights commands share.
type insightFlags struct {
	ef      engineFlags
	period  string
	scopes  []string
	periods int
	format  string
}

func (f *insightFlags) register(cmd *cobra.Command) {
	f.ef.register(cmd)
	cmd.Flags().StringVar(&f.period, "period", "month", "week, month, quarter or year")
	cmd.Flags().StringArrayVar(&f.scopes, "scope", nil, "DIM=VALUE to look within, e.g. region=EMEA; repeatable")
	cmd.Flags().IntVar(&f.periods, "periods", insight.DefaultPeriods, "periods of history, ending with the last complete one")
	cmd.Flags().StringVar(&f.format, "format", "table", "output: table or json")
}

func (f *insightFlags) query(cmd *cobra.Command, kpis []string) (*kpi.Engine, store.Store, insight.Query, error) {
	usage := func(format string, a ...any) error {
		return &usageError{cmd: cmd.Name(), err: fmt.Errorf(format, a...)}
	}
	q := insight.Query{KPIs: kpis, Periods: f.periods, Filters: map[string][]string{}}
	g, err := kpi.ParseGrain(f.period)
	if err != nil || g == kpi.All {
		return nil, nil, q, usage("--period %q: want week, month, quarter or year", f.period)
	}
	q.Grain = g
	if f.periods < 3 || f.periods > 520 {
		return nil, nil, q, usage("--periods %d: want 3 to 520", f.periods)
	}
	if q.Filters, err = scopeFilters(f.scopes); err != nil {
		return nil, nil, q, usage("%v", err)
	}
	if f.format != "table" && f.format != "json" {
		return nil, nil, q, usage("--format %q: want table or json", f.format)
	}
	st, eng, err := f.ef.open(cmd)
	if err != nil {
		return nil, nil, q, err
	}
	return eng, st, q, nil
}

func newTrendCmd() *cobra.Command {
	var f insightFlags
	cmd := &cobra.Command{
		Use:   "trend KPI [KPI...]",
		Short: "A KPI's change, trend and anomalies over its recent history",
		Long: `trend reads a KPI's series (36 months by default, ending with the last
complete period) for a scope and reports:

  change     on the previous period and on the same period a year before
  trend      direction and strength: Sen's slope with its confidence interval
             and the Mann-Kendall test (the seasonal Kendall test when there
             are two full years, so a seasonal swing is not read as a trend)
  anomalies  periods far from what their season position and the local trend
             predict, in robust standard deviations (3.5 or more)`,
		Example: `  salesops trend revenue
  salesops trend win_rate --scope region=EMEA --period quarter --periods 12`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, st, q, err := f.query(cmd, args)
			if err != nil {
				return err
			}
			defer st.Close()
			as, err := insight.Analyse(cmd.Context(), eng, q)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if f.format == "json" {
				return writeIndentedJSON(out, as)
			}
			for i, a := range as {
				if i > 0 {
					fmt.Fprintln(out)
				}
				unit := a.KPI.Unit
				fmt.Fprintf(out, "%s, %d %ss to %s\n", a.KPI.Name, len(a.Periods), a.Grain, a.Periods[len(a.Periods)-1])
				if c := a.Change; c.Latest != nil {
					fmt.Fprintf(out, "  latest     %s (%s)\n", kpi.Readable(unit, c.Latest), a.Periods[c.Index])
					if c.PoP != nil {
						fmt.Fprintf(out, "  vs prev    %s (%s)%s\n", kpi.ReadableDelta(unit, &c.PoP.Abs), kpi.Readable(unit, &c.PoP.Base), pct(c.PoP.Rel))
					}
					if c.YoY != nil {
						fmt.Fprintf(out, "  vs year    %s (%s)%s\n", kpi.ReadableDelta(unit, &c.YoY.Abs), kpi.Readable(unit, &c.YoY.Base), pct(c.YoY.Rel))
					}
				}
				t := a.Trend
				fmt.Fprintf(out, "  trend      %s: %s a %s, p = %.3f (%s)\n", t.Direction, kpi.ReadableDelta(unit, &t.Slope), a.Grain, t.P, t.Method)
				n := 0
				for _, p := range a.Anomalies.Ranked() {
					fmt.Fprintf(out, "  anomaly    %s: %s, about %s expected (%+.1f robust sd)\n", a.Periods[p.Index],
						kpi.Readable(unit, a.Values[p.Index]), kpi.Readable(unit, p.Expected), *p.Score)
					n++
				}
				if n == 0 {
					fmt.Fprintf(out, "  anomalies  none among %d periods judged\n", a.Anomalies.Judged)
				}
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func pct(rel *float64) string {
	if rel == nil {
		return ""
	}
	return fmt.Sprintf(", %+.1f%%", 100**rel)
}

func newInsightsCmd() *cobra.Command {
	var f insightFlags
	cmd := &cobra.Command{
		Use:   "insights",
		Short: "What deserves a look: anomalies, trends, goals at risk and open alerts",
		Long: `insights scans every KPI of the catalog for a scope and lists, bad news
first: the KPIs whose last complete period is an anomaly against their own
history, the KPIs with a significant trend (the wrong way first), the goals in
progress that are at risk or off track, and the open alerts.`,
		Example: `  salesops insights
  salesops insights --scope team=T002 --period quarter --periods 12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, st, q, err := f.query(cmd, nil)
			if err != nil {
				return err
			}
			defer st.Close()
			items, err := insight.Feed(cmd.Context(), eng, st, q)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if f.format == "json" {
				return writeIndentedJSON(out, items)
			}
			if len(items) == 0 {
				fmt.Fprintln(out, "nothing unusual")
			}
			for _, it := range items {
				fmt.Fprintf(out, "%-4s %-7s %s\n", map[string]string{"bad": "!", "good": "+", "info": "·"}[it.Severity], it.Kind, it.Text)
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

// scopeFilters reads --scope values, DIM=VALUE (or DIM:VALUE), into engine
// filters; repeating a dimension keeps every value.
func scopeFilters(scopes []string) (map[string][]string, error) {
	filters := map[string][]string{}
	for _, s := range scopes {
		dim, val, ok := strings.Cut(s, "=")
		if !ok {
			dim, val, ok = strings.Cut(s, ":")
		}
		if !ok || dim == "" || val == "" {
			return nil, fmt.Errorf("--scope %q: want DIM=VALUE, e.g. region=EMEA or team=T002", s)
		}
		filters[dim] = append(filters[dim], val)
	}
	return filters, nil
}
