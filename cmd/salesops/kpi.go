package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
	"github.com/salesops/salesops/internal/yamlfile"
)

// engineFlags are the options every command that evaluates KPIs shares.
type engineFlags struct {
	definitions []string
	fiscalStart int
	config      string
}

func (f *engineFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.definitions, "kpis", nil, "file or directory of custom KPI definitions (YAML); repeatable")
	cmd.Flags().IntVar(&f.fiscalStart, "fiscal-year-start", 0, "month (1-12) in which the fiscal year starts (default 1, or the config file's)")
	cmd.Flags().StringVar(&f.config, "config", "", "YAML config file: fiscal_year_start_month, kpis (paths), stage_probabilities")
}

// fileConfig is the shape of --config.
type fileConfig struct {
	FiscalYearStartMonth int                `yaml:"fiscal_year_start_month"`
	KPIs                 []string           `yaml:"kpis"`
	StageProbabilities   map[string]float64 `yaml:"stage_probabilities"`
}

// open opens the database and an engine over it configured by the flags; the
// caller closes the store.
func (f *engineFlags) open(cmd *cobra.Command) (*store.DuckStore, *kpi.Engine, error) {
	cfg, err := f.engineConfig()
	if err != nil {
		return nil, nil, err
	}
	st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
	if err != nil {
		return nil, nil, err
	}
	eng, err := kpi.New(st, cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, eng, nil
}

func (f *engineFlags) engineConfig() (kpi.Config, error) {
	cfg := kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}}
	if f.config != "" {
		data, err := os.ReadFile(f.config)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		var fc fileConfig
		if err := yamlfile.Decode(data, &fc); err != nil {
			return cfg, fmt.Errorf("config %s: %s", f.config, yaml.FormatError(err, false, true))
		}
		if fc.FiscalYearStartMonth != 0 {
			cfg.Calendar.FiscalStartMonth = fc.FiscalYearStartMonth
		}
		cfg.Definitions = append(cfg.Definitions, fc.KPIs...)
		cfg.StageProbabilities = fc.StageProbabilities
	}
	if f.fiscalStart != 0 {
		cfg.Calendar.FiscalStartMonth = f.fiscalStart
	}
	if m := cfg.Calendar.FiscalStartMonth; m < 1 || m > 12 {
		return cfg, fmt.Errorf("fiscal year start month %d: want 1-12", m)
	}
	cfg.Definitions = append(cfg.Definitions, f.definitions...)
	return cfg, nil
}

func newKPICmd() *cobra.Command {
	var (
		ef      engineFlags
		ids     []string
		all     bool
		by      []string
		period  string
		from    string
		to      string
		format  string
		filters []string
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "kpi [--kpi ID,ID | --all] [--by DIM,DIM] [--period week|month|quarter|year|all] [--from DATE] [--to DATE] [--format table|json|csv]",
		Short: "Compute KPIs by period and dimension",
		Long: `kpi computes KPIs of the catalog (see 'salesops kpi list') from the imported
data, by period and by any of the dimensions rep, team (a team's value covers its
sub-teams), region, segment, industry, source, product and type.

Periods are half-open and in UTC; --from and --to are inclusive dates and clip
the first and last period. A ratio with a zero denominator is null. A KPI that
cannot be cut by a requested dimension (cost per lead by rep) is left out with a
note on stderr.`,
		Example: `  salesops kpi --kpi revenue,win_rate --period quarter
  salesops kpi --all --by rep --period month --format csv > scorecard.csv
  salesops kpi --kpi pipeline_value --by team,segment --from 2026-01-01 --to 2026-06-30
  salesops kpi --kpi revenue --filter team=T002 --format json
  salesops kpi --kpis my-kpis/ --kpi demo_to_win_rate`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			usage := func(format string, args ...any) error {
				return &usageError{cmd: "kpi", err: fmt.Errorf(format, args...)}
			}
			if all && len(ids) > 0 {
				return usage("give --kpi or --all, not both")
			}
			grain, err := kpi.ParseGrain(period)
			if err != nil {
				return usage("--period: %v", err)
			}
			q := kpi.Query{KPIs: ids, By: by, Grain: grain, Filters: map[string][]string{}}
			if q.From, err = parseDate("--from", from); err != nil {
				return usage("%v", err)
			}
			if q.To, err = parseDate("--to", to); err != nil {
				return usage("%v", err)
			}
			for _, f := range filters {
				dim, val, ok := strings.Cut(f, "=")
				if !ok || dim == "" {
					return usage("--filter %q: want DIM=VALUE", f)
				}
				q.Filters[dim] = append(q.Filters[dim], val)
			}
			switch format {
			case "table", "json", "csv":
			default:
				return usage("--format %q: want table, json or csv", format)
			}
			cfg, err := ef.engineConfig()
			if err != nil {
				return err
			}
			if verbose {
				var mu sync.Mutex
				stderr := cmd.ErrOrStderr()
				cfg.OnQuery = func(s kpi.QueryStat) {
					mu.Lock()
					defer mu.Unlock()
					fmt.Fprintf(stderr, "query %-14s %-20s by %-12s %8d rows %v\n", s.Entity, s.Attribution, strings.Join(s.Dims, ","), s.Rows, s.Took.Round(time.Millisecond))
				}
			}
			started := time.Now()
			st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			eng, err := kpi.New(st, cfg)
			if err != nil {
				return err
			}
			res, err := eng.Evaluate(cmd.Context(), q)
			if err != nil {
				return err
			}
			for _, n := range res.Notes {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", n)
			}
			if verbose {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d values in %v\n", len(res.Rows), time.Since(started).Round(time.Millisecond))
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				return eng.WriteJSON(out, res)
			case "csv":
				return eng.WriteCSV(out, res)
			}
			return eng.WriteTable(out, res)
		},
	}
	ef.register(cmd)
	cmd.Flags().StringSliceVar(&ids, "kpi", nil, "KPI ids, comma-separated (default: all)")
	cmd.Flags().BoolVar(&all, "all", false, "every KPI of the catalog")
	cmd.Flags().StringSliceVar(&by, "by", nil, "dimensions: rep, team, region, segment, industry, source, product, type, record_type (data quality only)")
	cmd.Flags().StringVar(&period, "period", "month", "period grain: week, month, quarter, year or all")
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (default: first day with data)")
	cmd.Flags().StringVar(&to, "to", "", "last day, inclusive, YYYY-MM-DD (default: last day with data)")
	cmd.Flags().StringVar(&format, "format", "table", "output: table, json or csv")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "keep rows with DIM=VALUE (team keeps its sub-teams); repeatable")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print each query the engine runs, with its time, on stderr")
	cmd.AddCommand(newKPIListCmd())
	return cmd
}

func parseDate(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want a date YYYY-MM-DD", flag, s)
	}
	return t, nil
}

func newKPIListCmd() *cobra.Command {
	var (
		ef     engineFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the KPI catalog",
		Long: `list prints every KPI the engine knows, built-in and custom (--kpis), with its
category, unit, direction (is higher or lower better), whether it is a leading
or lagging indicator, the role that owns it, its formula and description.`,
		Example: `  salesops kpi list
  salesops kpi list --format json
  salesops kpi list --kpis my-kpis/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := ef.engineConfig()
			if err != nil {
				return err
			}
			cat, err := kpi.LoadBuiltin(cfg.Definitions...)
			if err != nil {
				return err
			}
			return writeCatalog(cmd.OutOrStdout(), cat.KPIs(), format)
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&format, "format", "table", "output: table, json or csv")
	return cmd
}

func writeCatalog(w io.Writer, ks []*kpi.KPI, format string) error {
	switch format {
	case "json":
		type entry struct {
			kpi.Info
			Source string `json:"source"`
		}
		out := make([]entry, len(ks))
		for i, k := range ks {
			out[i] = entry{k.Info(), k.Source()}
		}
		return writeIndentedJSON(w, out)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"id", "name", "category", "unit", "direction", "indicator", "owner", "formula", "description"})
		for _, k := range ks {
			cw.Write([]string{k.ID, k.Name, k.Category, k.Unit, k.Direction, k.Indicator, k.Owner, k.Formula, k.Description})
		}
		cw.Flush()
		return cw.Error()
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCATEGORY\tUNIT\tDIRECTION\tINDICATOR\tOWNER\tDESCRIPTION")
		for _, k := range ks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Category, k.Unit, k.Direction+" is better", k.Indicator, k.Owner, k.Description)
		}
		return tw.Flush()
	}
	return &usageError{cmd: "kpi list", err: fmt.Errorf("--format %q: want table, json or csv", format)}
}
