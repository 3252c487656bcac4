package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/pipeline"
	"github.com/salesops/salesops/internal/store"
)

func newPipelineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pipeline",
		Short: "Stage analytics from the stage history: conversion, time in stage, stuck deals",
	}
	cmd.AddCommand(newPipelineStagesCmd(false), newPipelineStagesCmd(true), newPipelineWaterfallCmd())
	return cmd
}

// newPipelineStagesCmd builds `pipeline stages` or, with stuck, `pipeline stuck`.
func newPipelineStagesCmd(stuck bool) *cobra.Command {
	var (
		at     string
		team   string
		order  string
		format string
	)
	use, short, long := "stages", "Conversion and time in each stage",
		`stages reads the stage history (opportunity_stages.csv) as it was at --at (default
now): for each open stage, in the organisation's order (detected from the mean
position of each stage in deals' histories, or --order), the deals that entered it,
the share of those that left it which went on to a later stage (or were won), the
share of closed ones that were won, and the mean, median and 90th percentile of
days spent in it. Stages named won or lost close a deal and are not listed.`
	if stuck {
		use, short, long = "stuck", "Open deals in a stage longer than its 90th percentile",
			`stuck lists open deals that have sat in their current stage longer than the 90th
percentile of the time deals spend in that stage, largest first, with owner and amount.`
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: "  salesops pipeline " + use + "\n  salesops pipeline " + use + " --team T002 --at 2026-09-30",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			when, err := endOfDay("pipeline "+use, at)
			if err != nil {
				return err
			}
			st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			var teams map[string]bool
			if team != "" {
				if teams, err = pipeline.Subtree(cmd.Context(), st, team); err != nil {
					return err
				}
			}
			var stageOrder []string
			if order != "" {
				stageOrder = strings.Split(order, ",")
			}
			rep, err := pipeline.Stages(cmd.Context(), st, when, teams, stageOrder)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if stuck {
					return writeIndentedJSON(out, rep.Stuck)
				}
				return writeIndentedJSON(out, rep.Stages)
			}
			if format != "table" {
				return &usageError{cmd: "pipeline " + use, err: fmt.Errorf("--format %q: want table or json", format)}
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
			if stuck {
				fmt.Fprintln(tw, "DEAL\tOWNER\tSTAGE\tAMOUNT\tDAYS IN STAGE\tSTAGE P90\t")
				for _, d := range rep.Stuck {
					a, days, p90 := d.Amount, d.Days, d.P90Days
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%.1f\t\n", d.OpportunityID, d.Owner, d.Stage, kpi.FormatValue("currency", &a), days, p90)
				}
				return tw.Flush()
			}
			fmt.Fprintln(tw, "#\tSTAGE\tENTERED\tTO NEXT\tWON\tMEAN DAYS\tMEDIAN DAYS\tP90 DAYS\t")
			for _, s := range rep.Stages {
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", s.Position, s.Stage, s.Entered,
					kpi.FormatValue("fraction", s.NextRate), kpi.FormatValue("fraction", s.WinRate),
					kpi.FormatValue("days", s.MeanDays), kpi.FormatValue("days", s.MedianDays), kpi.FormatValue("days", s.P90Days))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "see the history as at the end of this day, YYYY-MM-DD (default now)")
	cmd.Flags().StringVar(&team, "team", "", "deals owned in this team's subtree")
	cmd.Flags().StringVar(&order, "order", "", "stage order, comma-separated (default: detected from the data)")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}

func newPipelineWaterfallCmd() *cobra.Command {
	var (
		from, to string
		team     string
		rep      string
		format   string
	)
	cmd := &cobra.Command{
		Use:   "waterfall --from DATE --to DATE",
		Short: "How the pipeline due in a window changed over it",
		Long: `waterfall explains the pipeline due by the end of a window (--to, inclusive): what
was open and due at its start, plus deals created and pulled in (their close date
moved into the window), minus deals won, lost and slipped out (still open, close
date moved past the window), plus changes of amount, equals what is open and due
at its end — exactly, in deals and amount. Close dates and amounts as they stood
at each moment come from opportunity_history.csv; without it, today's values stand
for every moment.`,
		Example: `  salesops pipeline waterfall --from 2026-07-01 --to 2026-09-30
  salesops pipeline waterfall --from 2026-07-01 --to 2026-09-30 --team T002 --format json
  salesops pipeline waterfall --from 2026-07-01 --to 2026-09-30 --rep R0042`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err1 := time.Parse("2006-01-02", from)
			b, err2 := time.Parse("2006-01-02", to)
			if err1 != nil || err2 != nil {
				return &usageError{cmd: "pipeline waterfall", err: fmt.Errorf("--from %q / --to %q: want dates YYYY-MM-DD", from, to)}
			}
			st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			var teams map[string]bool
			if team != "" {
				if teams, err = pipeline.Subtree(cmd.Context(), st, team); err != nil {
					return err
				}
			}
			w, err := pipeline.ComputeWaterfall(cmd.Context(), st, a, b.AddDate(0, 0, 1), pipeline.Scope{Teams: teams, Rep: rep})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				return writeIndentedJSON(out, w)
			case "table":
			default:
				return &usageError{cmd: "pipeline waterfall", err: fmt.Errorf("--format %q: want table or json", format)}
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "\tDEALS\tAMOUNT\t")
			line := func(name, sign string, f pipeline.Flow) {
				amount := f.Amount
				fmt.Fprintf(tw, "%s\t%s%d\t%s%s\t\n", name, sign, f.Deals, sign, kpi.FormatValue("currency", &amount))
			}
			line("open and due at "+from, "", w.Start)
			line("created", "+", w.Created)
			line("pulled in", "+", w.PulledIn)
			line("won", "−", w.Won)
			line("lost", "−", w.Lost)
			line("slipped out", "−", w.SlippedOut)
			change := w.AmountChange
			fmt.Fprintf(tw, "amount changes\t\t%s\t\n", kpi.FormatValue("currency", &change))
			line("open and due at "+to, "", w.End)
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first day of the window (required)")
	cmd.Flags().StringVar(&to, "to", "", "last day of the window, inclusive (required)")
	cmd.Flags().StringVar(&team, "team", "", "deals owned in this team's subtree")
	cmd.Flags().StringVar(&rep, "rep", "", "deals owned by this rep")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}
