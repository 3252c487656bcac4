package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/forecast"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

func newForecastCmd() *cobra.Command {
	var (
		ef       engineFlags
		months   int
		backtest int
		at       string
		scope    string
		format   string
		byTeam   []string
		methods  []string
	)
	cmd := &cobra.Command{
		Use:   "forecast [--months 3] [--backtest 6]",
		Short: "Forecast won revenue by several methods, each with its backtested accuracy",
		Long: `forecast predicts won revenue (bookings) for the current and coming months by:

  weighted_pipeline  the probability-weighted amount of deals open at each month's
                     start and expected to close in it (the stage's default
                     probability when a deal gives none)
  time_series        exponential smoothing on monthly revenue (simple, Holt or
                     Holt-Winters, whichever fits best by AICc) with 80% and 95%
                     prediction intervals
  historical_conversion
                     the pipeline open at the month's start, stage by stage, at
                     the share of such pipeline won 0, 1, 2… months later over
                     the last 12 month starts, plus pipeline still to be created
                     at the recent creation rate and the share of new pipeline
                     won by month (amount-weighted rates)

with the forecast categories rolled up (commit; commit + best case; commit +
best case + pipeline) of the deals due in each month,

and backtests them over the last --backtest months: what each would have said at
each month's start, from the data before it, against what was won, with MAPE and
bias. The method with the lowest MAPE is marked as recommended. The weighted
pipeline is backtested from opportunity_history.csv (close dates, amounts and
probabilities as they stood at each month's start); without that file it is not
backtested, since today's values would flatter it.`,
		Example: `  salesops forecast
  salesops forecast --months 6 --backtest 12 --scope team:T002
  salesops forecast --at 2026-07-01 --format json
  salesops forecast --method historical_conversion,time_series --backtest 12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, eng, err := ef.open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			now := time.Now().UTC()
			if at != "" {
				if now, err = time.Parse("2006-01-02", at); err != nil {
					return &usageError{cmd: "forecast", err: fmt.Errorf("--at %q: want YYYY-MM-DD", at)}
				}
			} else if _, hi, err := eng.Extent(cmd.Context()); err == nil && !hi.IsZero() && hi.Before(now) {
				now = hi // forecast from the end of the data, not from an empty today
			}
			if err := forecast.CheckMethods(methods); err != nil {
				return &usageError{cmd: "forecast", err: fmt.Errorf("--method: %w", err)}
			}
			filters := map[string][]string{}
			if kind, id, ok := strings.Cut(scope, ":"); ok && (kind == "team" || kind == "rep") {
				filters[kind] = []string{id}
			} else if scope != "org" {
				return &usageError{cmd: "forecast", err: fmt.Errorf("--scope %q: want org, team:ID or rep:ID", scope)}
			}
			out := cmd.OutOrStdout()
			if len(byTeam) > 0 {
				records, err := forecast.ByTeam(cmd.Context(), eng, forecast.Options{Store: st, Now: now, Backtest: max(backtest, 1), Methods: methods}, byTeam)
				if err != nil {
					return err
				}
				if format == "json" {
					return writeIndentedJSON(out, records)
				}
				tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
				fmt.Fprintln(tw, "TEAM\tMETHOD\tMAPE\tBIAS\t")
				for _, r := range records {
					for _, b := range r.Backtests {
						mark := ""
						if b.Method == r.Recommended {
							mark = "  (recommended)"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Team, b.Method, kpi.FormatValue("fraction", b.MAPE), kpi.FormatValue("fraction", b.Bias), mark)
					}
				}
				return tw.Flush()
			}
			rep, err := forecast.Run(cmd.Context(), eng, forecast.Options{Store: st, Now: now, Months: months, Backtest: backtest, Filters: filters, Methods: methods})
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return writeIndentedJSON(out, rep)
			case "table":
			default:
				return &usageError{cmd: "forecast", err: fmt.Errorf("--format %q: want table or json", format)}
			}
			money := func(v *float64) string { return kpi.FormatValue("currency", v) }
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "METHOD\t%s\t\n", strings.Join(rep.Months, "\t"))
			for _, f := range rep.Forecasts {
				cells := []string{f.Method}
				for _, p := range f.Points {
					c := money(p.Value)
					if p.Lo80 != nil && p.Hi80 != nil {
						c += fmt.Sprintf(" [%s–%s]", money(p.Lo80), money(p.Hi80))
					}
					cells = append(cells, c)
				}
				fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
			}
			tw.Flush()
			for _, f := range rep.Forecasts {
				fmt.Fprintf(out, "%s: %s\n", f.Method, f.Detail)
			}
			fmt.Fprintln(out, "\nforecast categories (open at the month's start and due in it, cumulative):")
			tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "MONTH\tCOMMIT\tBEST CASE\tPIPELINE\t")
			for _, c := range rep.Categories {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", c.Period, money(&c.Commit), money(&c.BestCase), money(&c.Pipeline))
			}
			tw.Flush()
			if len(rep.Calls) > 0 {
				fmt.Fprint(out, "\nmanager's call:")
				for i, c := range rep.Calls {
					if c == nil {
						fmt.Fprintf(out, "  %s -", rep.Months[i])
						continue
					}
					fmt.Fprintf(out, "  %s %s (%s)", rep.Months[i], money(&c.Amount), c.SubmittedBy)
				}
				fmt.Fprintln(out)
			}
			fmt.Fprintln(out, "\ncoverage (pipeline due in the month against its quota, and against the gap left by the forecast):")
			tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "MONTH\tQUOTA\tPIPELINE\tCOVERAGE\tFORECAST\tGAP\tGAP COVERAGE\t")
			for _, c := range rep.Coverage {
				ratio := func(v *float64) string { return kpi.FormatValue("ratio", v) }
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Period, money(&c.Quota), money(&c.Pipeline), ratio(c.Coverage),
					money(c.Forecast), money(c.Gap), ratio(c.GapCoverage))
			}
			tw.Flush()
			if len(rep.Backtests) > 0 {
				months := 0
				for _, b := range rep.Backtests {
					months = max(months, len(b.Points))
				}
				fmt.Fprintf(out, "\nbacktest over %d month(s):\n", months)
				tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
				fmt.Fprintln(tw, "METHOD\tMAPE\tBIAS\t")
				for _, b := range rep.Backtests {
					mark := ""
					if b.Method == rep.Recommended {
						mark = "  (recommended)"
					}
					if b.Note != "" {
						mark = "  " + b.Note
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.Method, kpi.FormatValue("fraction", b.MAPE), kpi.FormatValue("fraction", b.Bias), mark)
				}
				tw.Flush()
			}
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().IntVar(&months, "months", 3, "months to forecast, the current one first")
	cmd.Flags().IntVar(&backtest, "backtest", 6, "past months to backtest each method on")
	cmd.Flags().StringVar(&at, "at", "", "forecast as of this day, YYYY-MM-DD (default: the end of the data)")
	cmd.Flags().StringVar(&scope, "scope", "org", "org, team:ID or rep:ID")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	cmd.Flags().StringSliceVar(&byTeam, "backtest-teams", nil, "instead, each method's backtest for each of these teams, e.g. T002,T003")
	cmd.Flags().StringSliceVar(&methods, "method", nil, "only these methods, comma-separated: weighted_pipeline, time_series, historical_conversion (default all)")
	cmd.AddCommand(newForecastCallCmd(), newForecastCallsCmd())
	return cmd
}

func newForecastCallCmd() *cobra.Command {
	var (
		scope, period, note, as string
		amount                  float64
	)
	cmd := &cobra.Command{
		Use:   "call --period YYYY-MM --amount N [--scope team:ID]",
		Short: "Submit a manager's own forecast for a month",
		Long: `call records a manager's call: the revenue they expect for a scope and month.
Every submission is kept with who and when; the latest is the current call,
shown beside the methods in 'salesops forecast'.`,
		Example: `  salesops forecast call --scope team:T002 --period 2026-10 --amount 2400000 --note "two renewals at risk"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if as == "" {
				as = currentUser()
			}
			st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			c := forecast.Call{Scope: scope, Period: period, Amount: amount, Note: note, SubmittedAt: time.Now(), SubmittedBy: as}
			if err := forecast.SubmitCall(cmd.Context(), st, c); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "call recorded: %s %s %s by %s\n", c.Scope, c.Period, kpi.FormatValue("currency", &c.Amount), c.SubmittedBy)
			return nil
		},
	}
	cmd.Flags().StringVar(&scope, "scope", "org", "org, team:ID or rep:ID")
	cmd.Flags().StringVar(&period, "period", "", "month, YYYY-MM (required)")
	cmd.Flags().Float64Var(&amount, "amount", 0, "expected won revenue")
	cmd.Flags().StringVar(&note, "note", "", "why")
	cmd.Flags().StringVar(&as, "as", "", "who calls it (default $SALESOPS_USER or $USER)")
	return cmd
}

func newForecastCallsCmd() *cobra.Command {
	var scope string
	cmd := &cobra.Command{
		Use:   "calls [--scope team:ID]",
		Short: "Every forecast call submitted, with who and when",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			calls, err := forecast.Calls(cmd.Context(), st, scope)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SUBMITTED\tBY\tSCOPE\tMONTH\tAMOUNT\tNOTE")
			for _, c := range calls {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.SubmittedAt.Format(time.RFC3339), c.SubmittedBy, c.Scope, c.Period, kpi.FormatValue("currency", &c.Amount), c.Note)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&scope, "scope", "", "only this scope (org, team:ID or rep:ID)")
	return cmd
}
