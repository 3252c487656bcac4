package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/alerts"
	"github.com/salesops/salesops/internal/demo"
	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/server"
	"github.com/salesops/salesops/internal/store"
	"github.com/salesops/salesops/internal/web"
)

func newServeCmd() *cobra.Command {
	var (
		ef        engineFlags
		addr      string
		withDemo  bool
		demoReps  int
		dev       bool
		maxUpload int64
		logFormat string
		verbose   bool
		rules     string
		every     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve [--db PATH] [--addr 127.0.0.1:8080] [--demo]",
		Short: "Serve the live dashboard and the JSON API",
		Long: `serve starts the web dashboard and the JSON API (see docs/api.md) on --addr.
Pages update live when data arrives through an upload or the events endpoint.
With --demo it first builds a demo organisation into a temporary database, so
'salesops serve --demo' is all it takes to look around.`,
		Example: `  salesops serve --demo
  salesops serve --db sales.duckdb --addr 127.0.0.1:9000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			stderr := cmd.ErrOrStderr()
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			var handler slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
			switch logFormat {
			case "text":
			case "json":
				handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
			default:
				return &usageError{cmd: "serve", err: fmt.Errorf("--log-format %q: want text or json", logFormat)}
			}
			log := slog.New(handler)
			cfg, err := ef.engineConfig()
			if err != nil {
				return err
			}
			path := dbPath(cmd)
			if withDemo {
				dir, err := os.MkdirTemp("", "salesops-demo-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				started := time.Now()
				if _, err := demo.Generate(ctx, filepath.Join(dir, "csv"), demo.Config{Seed: 1, Reps: demoReps, Months: 24}); err != nil {
					return fmt.Errorf("demo: %w", err)
				}
				path = filepath.Join(dir, "demo.duckdb")
				// The demo's "today" is the day its history ends, so rules that
				// compare with today (open deals past their expected close) judge
				// it as it was, not months after.
				cfg.Now = func() time.Time { return demo.DefaultEnd }
				st, err := store.OpenDuckDB(ctx, path)
				if err != nil {
					return err
				}
				_, err = ingest.Import(ctx, st, []string{filepath.Join(dir, "csv")}, ingest.Options{})
				st.Close()
				if err != nil {
					return fmt.Errorf("demo import: %w", err)
				}
				log.Info("demo organisation ready", "reps", demoReps, "took", time.Since(started).Round(time.Millisecond))
			}
			st, err := store.OpenDuckDB(ctx, path)
			if err != nil {
				return err
			}
			defer st.Close()
			var srv *server.Server
			cfg.OnQuery = func(q kpi.QueryStat) {
				if srv != nil {
					srv.ObserveQuery(q)
				}
			}
			eng, err := kpi.New(st, cfg)
			if err != nil {
				return err
			}
			pages, err := web.Handler(web.Options{Dev: dev})
			if err != nil {
				return err
			}
			var checker *alerts.Checker
			if rules == "" {
				rules = os.Getenv("SALESOPS_ALERTS")
			}
			if rules != "" {
				f, err := alerts.ReadFile(rules)
				if err == nil {
					err = f.Validate(eng.Catalog())
				}
				if err != nil {
					return err
				}
				checker = &alerts.Checker{Eng: eng, Store: st, File: f}
				log.Info("alerts", "rules", len(f.Rules), "every", every.String())
			}
			srv, err = server.New(ctx, server.Config{Store: st, Engine: eng, Log: log, Pages: pages, MaxUpload: maxUpload,
				Alerts: checker, AlertsEvery: every})
			if err != nil {
				return err
			}
			return srv.Serve(ctx, addr, func(a net.Addr) {
				log.Info("serving", "db", path)
				fmt.Fprintf(cmd.OutOrStdout(), "salesops is serving on http://%s/\n", a)
			})
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&withDemo, "demo", false, "serve a freshly generated demo organisation from a temporary database")
	cmd.Flags().IntVar(&demoReps, "demo-reps", 50, "size of the --demo organisation")
	cmd.Flags().BoolVar(&dev, "dev", false, "read templates and static files from disk (development)")
	cmd.Flags().Int64Var(&maxUpload, "max-upload", 256<<20, "largest accepted CSV upload in bytes")
	cmd.Flags().StringVar(&logFormat, "log-format", "text", "log format: text or json")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "log every request")
	cmd.Flags().StringVar(&rules, "alerts", "", "alerts file to check after every data change and on a schedule (default $SALESOPS_ALERTS; see 'salesops alerts --help')")
	cmd.Flags().DurationVar(&every, "alerts-every", 15*time.Minute, "how often to check the alert rules without new data")
	return cmd
}
