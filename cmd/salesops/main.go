// Command salesops imports a sales organisation's CRM data and computes the KPIs
// that sales operations runs on.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the process exit code; tests call it
// directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "salesops: %v\nRun 'salesops %s --help' for usage.\n", ue.err, ue.cmd)
			return 2
		}
		fmt.Fprintf(stderr, "salesops: %v\n", err)
		return 1
	}
	return 0
}

// usageError is a mistake in the command line itself.
type usageError struct {
	cmd string
	err error
}

func (e *usageError) Error() string { return e.err.Error() }

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "salesops",
		Short: "Sales-operations KPIs from your CRM data",
		Long: `salesops imports a sales organisation's CRM export (canonical CSV files),
keeps it in an embedded database and computes the sales-operations KPI catalog
by period and by rep, team, region, segment, industry, source, product or type.
It holds the KPIs against goals, analyses and forecasts the pipeline, explains
why numbers moved, coaches reps, scores CRM data quality, values selling time,
alerts people when something needs them, and serves it all on a live dashboard.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().String("db", "", "database file (default $SALESOPS_DB, else salesops.duckdb)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{cmd: c.Name(), err: err}
	})
	root.AddCommand(newDemoCmd(), newImportCmd(), newKPICmd(), newServeCmd(), newGoalsCmd(), newPipelineCmd(), newForecastCmd(), newExplainCmd(), newTrendCmd(), newInsightsCmd(), newAlertsCmd(), newTimeCmd(), newQualityCmd(), newCoachCmd())
	return root
}

// dbPath resolves --db, then $SALESOPS_DB, then the default file name.
func dbPath(cmd *cobra.Command) string {
	if p, _ := cmd.Flags().GetString("db"); p != "" {
		return p
	}
	if p := os.Getenv("SALESOPS_DB"); p != "" {
		return p
	}
	return "salesops.duckdb"
}
