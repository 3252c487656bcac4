package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/insight/explain"
	"github.com/salesops/salesops/internal/kpi"
)

func newExplainCmd() *cobra.Command {
	var (
		ef       engineFlags
		from, to string
		scopes   []string
		dims     []string
		top      int
		format   string
	)
	cmd := &cobra.Command{
		Use:   "explain KPI --from PERIOD --to PERIOD",
		Short: "Why a KPI moved between two periods: drivers, segments and the funnel",
		Long: `explain compares a KPI in two periods (labels like 2026-Q2, 2026-06 or 2026) and
says why it moved, as a ranked list of findings with numbers:

  drivers   for revenue (deals closed × win rate × average deal size) and
            pipeline_created (leads × opportunities per lead × average
            opportunity size): each driver's part of the change, by a Shapley
            split that sums exactly to the change
  segments  the teams, reps, regions, segments, sources, products and deal types
            that account for the change: for sums (revenue, counts) each
            segment's own change; for ratios (win rate, conversion rates) its
            rate effect (its own ratio moved) and mix effect (its share of the
            denominator moved), which together sum exactly to the change
  funnel    the stage whose conversion (deals leaving it that moved on rather
            than being lost) changed most, when the change is significant
            (two-proportion z ≥ 1.96, at least 20 deals leaving it each period)

Every number comes from the KPI engine; each finding names the KPI and filters
to drill into with 'salesops kpi' or the dashboard.`,
		Example: `  salesops explain revenue --from 2026-Q2 --to 2026-Q3
  salesops explain revenue --from 2026-Q2 --to 2026-Q3 --scope region=EMEA
  salesops explain win_rate --from 2026-08 --to 2026-09 --scope team=T002 --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			usage := func(f string, a ...any) error { return &usageError{cmd: "explain", err: fmt.Errorf(f, a...)} }
			if from == "" || to == "" {
				return usage("--from and --to are required (period labels like 2026-Q2)")
			}
			if format != "table" && format != "json" {
				return usage("--format %q: want table or json", format)
			}
			if top < 1 || top > 100 {
				return usage("--top %d: want 1 to 100", top)
			}
			filters, err := scopeFilters(scopes)
			if err != nil {
				return usage("%v", err)
			}
			st, eng, err := ef.open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			rep, err := explain.Run(cmd.Context(), eng, st, explain.Options{KPI: args[0], From: from, To: to, Filters: filters, Dimensions: dims, Top: top})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeIndentedJSON(out, rep)
			}
			return writeExplanation(out, rep)
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "the base period, e.g. 2026-Q2")
	cmd.Flags().StringVar(&to, "to", "", "the period compared with it, e.g. 2026-Q3")
	cmd.Flags().StringArrayVar(&scopes, "scope", nil, "DIM=VALUE to explain within, e.g. region=EMEA; repeatable")
	cmd.Flags().StringSliceVar(&dims, "by", nil, "dimensions to look for segments in (default "+strings.Join(explain.DefaultDimensions, ",")+")")
	cmd.Flags().IntVar(&top, "top", 5, "segments listed per dimension")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}

func writeExplanation(out io.Writer, r *explain.Report) error {
	for i, f := range r.Findings {
		fmt.Fprintf(out, "%d. %s\n", i+1, f.Text)
	}
	if len(r.Drivers) > 0 {
		fmt.Fprintln(out, "\ndrivers:")
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "DRIVER\t%s\t%s\tCONTRIBUTION\t\n", r.From, r.To)
		for _, d := range r.Drivers {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", d.Name, kpi.FormatValue(d.Unit, d.Old), kpi.FormatValue(d.Unit, d.New), kpi.FormatValue(r.KPI.Unit, &d.Contribution))
		}
		tw.Flush()
	}
	for _, b := range r.Breakdowns {
		fmt.Fprintf(out, "\nby %s (%s):\n", b.Dimension, b.Method)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := fmt.Sprintf("%s\t%s\t%s\tCONTRIBUTION\t", strings.ToUpper(b.Dimension), r.From, r.To)
		if b.Method == "mix_rate" {
			head += "RATE\tMIX\t"
		}
		fmt.Fprintln(tw, head)
		for _, s := range b.Segments {
			name := s.Value
			if s.Name != "" && s.Name != s.Value {
				name += " " + s.Name
			}
			line := fmt.Sprintf("%s\t%s\t%s\t%s\t", name, kpi.FormatValue(r.KPI.Unit, s.Old), kpi.FormatValue(r.KPI.Unit, s.New), kpi.FormatValue(r.KPI.Unit, s.Contribution))
			if b.Method == "mix_rate" {
				line += fmt.Sprintf("%s\t%s\t", kpi.FormatValue(r.KPI.Unit, s.Rate), kpi.FormatValue(r.KPI.Unit, s.Mix))
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
	}
	if len(r.Stages) > 0 {
		fmt.Fprintln(out, "\nfunnel (deals leaving each stage, and the share that moved on):")
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "STAGE\tLEFT %s\tMOVED ON\tLEFT %s\tMOVED ON\tZ\t\n", r.From, r.To)
		for _, s := range r.Stages {
			z := "-"
			if s.Z != nil {
				z = fmt.Sprintf("%.1f", *s.Z)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t\n", s.Stage, s.Exits0, kpi.FormatValue("fraction", s.Rate0), s.Exits1, kpi.FormatValue("fraction", s.Rate1), z)
		}
		tw.Flush()
	}
	for _, n := range r.Notes {
		fmt.Fprintf(out, "\nnote: %s\n", n)
	}
	return nil
}
