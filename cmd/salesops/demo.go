package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/demo"
)

func newDemoCmd() *cobra.Command {
	var (
		out    string
		seed   uint64
		reps   int
		months int
		end    string
	)
	cmd := &cobra.Command{
		Use:   "demo --out DIR [--seed N] [--reps N] [--months N]",
		Short: "Write a realistic demo organisation as canonical CSV files",
		Long: `demo writes a deterministic, realistic sales organisation into DIR as the
canonical CSV files that 'salesops import' reads: teams, reps, accounts, leads,
opportunities with stage history, activities, time entries, quotas, spend,
subscriptions, NPS answers and experiment assignments. The same seed and sizes
always give the same files.`,
		Example: `  salesops demo --out demo-data
  salesops demo --out big --reps 2000 --months 24 --seed 7
  salesops import demo-data && salesops kpi --by team --period quarter`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return &usageError{cmd: "demo", err: fmt.Errorf("--out DIR is required")}
			}
			cfg := demo.Config{Seed: seed, Reps: reps, Months: months}
			if end != "" {
				t, err := time.Parse("2006-01", end)
				if err != nil {
					return &usageError{cmd: "demo", err: fmt.Errorf("--end %q: want YYYY-MM", end)}
				}
				cfg.End = t
			}
			started := time.Now()
			stats, err := demo.Generate(cmd.Context(), out, cfg)
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			var total int64
			for _, n := range stats.Rows {
				total += n
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d rows in %d files to %s in %s\n", total, len(stats.Rows), out, time.Since(started).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the CSV files into (required)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed; the same seed gives the same files")
	cmd.Flags().IntVar(&reps, "reps", 50, "number of sales reps (10-5000)")
	cmd.Flags().IntVar(&months, "months", 24, "months of history")
	cmd.Flags().StringVar(&end, "end", "", "month after the last month of history, YYYY-MM (default 2026-10)")
	return cmd
}
