package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/quality"
	"github.com/salesops/salesops/internal/quality/report"
	"github.com/salesops/salesops/internal/store"
)

// ruleList is the rule catalog for help texts: one line per rule.
func ruleList() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range quality.Rules() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.ID, r.Severity, r.Description)
	}
	tw.Flush()
	return b.String()
}

// defaultTableLimit is how many failing records the table shows unless told.
const defaultTableLimit = 100

func newQualityCmd() *cobra.Command {
	var (
		by       string
		rules    []string
		types    []string
		team     string
		reps     []string
		from, to string
		at       string
		failures bool
		format   string
		limit    int
	)
	cmd := &cobra.Command{
		Use:   "quality [--by rep|team|record_type] [--rule ID] [--type T] [--team T] [--rep R] [--from DATE] [--to DATE] [--failures] [--format table|json|csv] [--limit N]",
		Short: "CRM data quality: scores by record type, rep and team, and the failing records",
		Long: `quality checks every deal, lead, account, activity and stage-history entry against
the data-quality rules below and reports the crm_data_accuracy KPI (the share of
records that break no rule, by when they were recorded): overall, by record type,
rep or team (--by; a team covers its sub-teams), month by month, and how many
records break each rule.

--failures lists the failing records instead, one line per record and rule, with
the rep, team, account and the offending values: with --format csv it is the
clean-up export. --rule narrows the list (and the rule counts) to some rules; a
score always counts every rule. --from and --to are inclusive dates of when the
records were recorded; without them the scores cover every dated record and the
list every failing record. --at checks the rules as they stood on that day (open
deals past their close date, owners who had left), default today.

Rules (id, severity, description):
` + ruleList(),
		Example: `  salesops quality
  salesops quality --by team --from 2026-01-01 --to 2026-06-30
  salesops quality --failures --rule opp.close_date_past --team T002
  salesops quality --failures --format csv > clean-up.csv
  salesops quality rules`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			usage := func(format string, args ...any) error {
				return &usageError{cmd: "quality", err: fmt.Errorf(format, args...)}
			}
			f := report.Filter{Rules: rules, RecordTypes: types, Reps: reps, Team: team}
			var err error
			if f.From, err = parseDate("--from", from); err != nil {
				return usage("%v", err)
			}
			if f.To, err = parseDate("--to", to); err != nil {
				return usage("%v", err)
			}
			today := time.Now().UTC()
			if at != "" {
				if today, err = time.Parse("2006-01-02", at); err != nil {
					return usage("--at %q: want a date YYYY-MM-DD", at)
				}
			}
			switch format {
			case "table", "json", "csv":
			default:
				return usage("--format %q: want table, json or csv", format)
			}
			if limit < -1 {
				return usage("--limit %d: want 0 (all) or more", limit)
			}
			if failures && by != "" {
				return usage("--by groups the scores; it does not apply to --failures")
			}
			st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			eng, err := kpi.New(st, kpi.Config{Calendar: kpi.Calendar{FiscalStartMonth: 1}, Now: func() time.Time { return today }})
			if err != nil {
				return err
			}
			src := report.Source{Store: st, Engine: eng}
			out := cmd.OutOrStdout()
			if failures {
				n := limit
				if n == -1 { // not given
					n = 0
					if format == "table" {
						n = defaultTableLimit
					}
				}
				list, err := src.ListFailures(cmd.Context(), f, n)
				if err != nil {
					return flagError(err)
				}
				switch format {
				case "json":
					err = writeIndentedJSON(out, list)
				case "csv":
					err = report.WriteCSV(out, list.Failures)
				default:
					err = writeFailuresTable(out, list)
				}
				if err != nil {
					return err
				}
				if list.Truncated {
					fmt.Fprintf(cmd.ErrOrStderr(), "note: %d of %d failures shown (--limit 0 shows all)\n", len(list.Failures), list.Total)
				}
				return nil
			}
			s, err := src.Scores(cmd.Context(), f, by)
			if err != nil {
				return flagError(err)
			}
			switch format {
			case "json":
				return writeIndentedJSON(out, s)
			case "csv":
				return writeScoresCSV(out, s)
			}
			return writeScoresTable(out, s)
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "scores by record_type, rep or team")
	cmd.Flags().StringSliceVar(&rules, "rule", nil, "rule ids, comma-separated or repeated (see 'salesops quality rules')")
	cmd.Flags().StringSliceVar(&types, "type", nil, "record types: "+strings.Join(quality.RecordTypeNames(), ", "))
	cmd.Flags().StringVar(&team, "team", "", "records of this team's reps (its sub-teams included)")
	cmd.Flags().StringSliceVar(&reps, "rep", nil, "records of these reps (owners), comma-separated or repeated")
	cmd.Flags().StringVar(&from, "from", "", "first day records were recorded, YYYY-MM-DD")
	cmd.Flags().StringVar(&to, "to", "", "last day, inclusive, YYYY-MM-DD")
	cmd.Flags().StringVar(&at, "at", "", "check the rules as on this day, YYYY-MM-DD (default today)")
	cmd.Flags().BoolVar(&failures, "failures", false, "list the failing records instead of the scores")
	cmd.Flags().StringVar(&format, "format", "table", "output: table, json or csv (csv of --failures is the clean-up export)")
	cmd.Flags().IntVar(&limit, "limit", -1, fmt.Sprintf("most failing records to list, 0 for all (default %d in the table, all otherwise)", defaultTableLimit))
	cmd.AddCommand(newQualityRulesCmd())
	return cmd
}

// flagError turns a report's complaint about a parameter into a usage error
// naming the flag.
func flagError(err error) error {
	var qe *kpi.QueryError
	if errors.As(err, &qe) {
		flag := qe.Param
		if flag == "record_type" {
			flag = "type"
		}
		return &usageError{cmd: "quality", err: fmt.Errorf("--%s: %s", flag, qe.Msg)}
	}
	return err
}

func newQualityRulesCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Print the data-quality rules",
		Long: `rules prints every data-quality rule: its id, the record type it checks, its
severity (error: the record contradicts itself or points at nothing; warning: it is
probably stale, duplicated or mistyped) and what a failing record is. --format json
adds the SQL condition that marks a failing record.`,
		Example: "  salesops quality rules\n  salesops quality rules --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			rs := quality.Rules()
			switch format {
			case "json":
				return writeIndentedJSON(out, rs)
			case "csv":
				cw := csv.NewWriter(out)
				cw.Write([]string{"id", "record_type", "severity", "description"})
				for _, r := range rs {
					cw.Write([]string{r.ID, r.RecordType, string(r.Severity), r.Description})
				}
				cw.Flush()
				return cw.Error()
			case "table":
				tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tRECORD TYPE\tSEVERITY\tDESCRIPTION")
				for _, r := range rs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.RecordType, r.Severity, r.Description)
				}
				return tw.Flush()
			}
			return &usageError{cmd: "quality rules", err: fmt.Errorf("--format %q: want table, json or csv", format)}
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output: table, json or csv")
	return cmd
}

func accuracy(v *float64) string { return kpi.FormatValue("fraction", v) }

func orBlank(p *string, blank string) string {
	if p == nil {
		return blank
	}
	return *p
}

func writeScoresTable(w io.Writer, s *report.Scores) error {
	if s.From == "" {
		_, err := fmt.Fprintln(w, "no records")
		return err
	}
	o := s.Overall
	if _, err := fmt.Fprintf(w, "CRM data accuracy %s to %s: %s (%d of %d records pass every rule)\n", s.From, s.To, accuracy(o.Accuracy), o.Passed, o.Records); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if s.By != "" {
		fmt.Fprintf(tw, "\n%s\t\tRECORDS\tFAILING\tACCURACY\t\n", strings.ToUpper(strings.ReplaceAll(s.By, "_", " ")))
		for _, g := range s.Groups {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t\n", orBlank(g.Group, "-"), orBlank(g.Name, ""), g.Records, g.Failing, accuracy(g.Accuracy))
		}
	}
	fmt.Fprintln(tw, "\nMONTH\t\tRECORDS\tFAILING\tACCURACY\t")
	for _, m := range s.Trend {
		fmt.Fprintf(tw, "%s\t\t%d\t%d\t%s\t\n", m.Period, m.Records, m.Failing, accuracy(m.Accuracy))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nRULE\tSEVERITY\tFAILING\tDESCRIPTION")
	for _, r := range s.Rules {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Rule, r.Severity, r.Failing, r.Description)
	}
	return tw.Flush()
}

// writeScoresCSV writes the scorecard as rows of kind (overall, the --by
// grouping, month, rule), key, records, passed, failing and accuracy.
func writeScoresCSV(w io.Writer, s *report.Scores) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"kind", "key", "records", "passed", "failing", "accuracy"})
	row := func(kind, key string, sc report.Score) {
		acc := ""
		if sc.Accuracy != nil {
			acc = strconv.FormatFloat(kpi.Round("fraction", *sc.Accuracy), 'f', -1, 64)
		}
		cw.Write([]string{kind, key, strconv.FormatInt(sc.Records, 10), strconv.FormatInt(sc.Passed, 10), strconv.FormatInt(sc.Failing, 10), acc})
	}
	if s.From != "" {
		row("overall", s.From+".."+s.To, s.Overall)
	}
	for _, g := range s.Groups {
		row(s.By, orBlank(g.Group, ""), g.Score)
	}
	for _, m := range s.Trend {
		row("month", m.Period, m.Score)
	}
	for _, r := range s.Rules {
		cw.Write([]string{"rule", r.Rule, "", "", strconv.FormatInt(r.Failing, 10), ""})
	}
	cw.Flush()
	return cw.Error()
}

func writeFailuresTable(w io.Writer, l *report.Failures) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tRECORD\tRULE\tREP\tTEAM\tACCOUNT\tRECORDED\tVALUE")
	for _, f := range l.Failures {
		at := "-"
		if f.RecordedAt != nil {
			at = f.RecordedAt.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.RecordType, tableText(f.RecordID), f.Rule, orBlank(f.Rep, "-"),
			orBlank(f.Team, "-"), tableText(orBlank(f.Account, "-")), at, tableText(f.Value))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d failures on %d records\n", l.Total, l.Records)
	return err
}

// tableText keeps tabs and line breaks in imported text from breaking the
// table's columns.
func tableText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
