package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/insight/timevalue"
	"github.com/salesops/salesops/internal/kpi"
)

func newTimeCmd() *cobra.Command {
	var (
		ef       engineFlags
		by       string
		period   string
		from, to string
		teams    []string
		format   string
		a        = timevalue.Defaults()
	)
	cmd := &cobra.Command{
		Use:   "time [--by rep|team] [--period month|quarter] [--from DATE] [--to DATE] [--reduce 20] [--categories C,C] [--reclaim 100] [--productivity 1.0] [--format table|json|csv]",
		Short: "Selling and non-selling time, and what reclaiming non-selling time is worth",
		Long: `time shows where reps' logged time goes (time_entries.csv) and what giving some of
the non-selling time back to selling would be worth.

Time by category: minutes in selling, admin, quoting, proposal, order processing,
data entry, training, travel, internal meetings and other, with the selling share
(the selling_time_share KPI) and the admin share (admin_time_share: admin, data
entry, quoting, proposal and order processing), by rep or team (a team covers
its sub-teams) and period, all read from the KPI engine.

The value model, per rep over the whole range (--from to --to):

  revenue per selling hour = won revenue ÷ selling hours
  freed hours              = hours in the chosen non-selling categories × --reduce %
  extra selling hours      = freed hours × --reclaim %
  projected gain           = extra selling hours × revenue per selling hour × --productivity

Team and total gains are the sums of their reps' gains: each rep's hours are
valued at that rep's own rate. Its assumptions, printed with every answer:

  - only non-selling time is reduced: every non-selling category, or those in
    --categories;
  - only --reclaim % of the freed time becomes selling time, the rest goes to
    other work or rest;
  - an extra selling hour earns the rep's past revenue per selling hour times
    --productivity (1 = as productive as today's selling hours; below 1 =
    diminishing returns, since the best opportunities are already worked;
    at most 2);
  - capped by the time logged: no rep gains more hours than the non-selling
    hours they logged;
  - reps without selling time or without won revenue in the range get no
    projection (the reason is shown): there is no rate to value their hours at;
  - it looks back: selling time and won revenue (by close date, to the deal's
    owner) of the same range, ignoring the lag between selling and closing.

--format json prints the allocation by period and group, over the range, and the
value model with its assumptions; --format csv prints the value model, one line
per rep or team and one for the total, with hours by category over the range.`,
		Example: `  salesops time
  salesops time --by team --period quarter --from 2026-01-01 --to 2026-06-30
  salesops time --reduce 30 --categories data_entry,order_processing,quoting
  salesops time --reclaim 50 --productivity 0.8 --format json
  salesops time --team T002 --format csv > time-value.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			usage := func(format string, args ...any) error {
				return &usageError{cmd: "time", err: fmt.Errorf(format, args...)}
			}
			grain, err := kpi.ParseGrain(period)
			if err != nil {
				return usage("--period: %v", err)
			}
			q := timevalue.Query{By: by, Grain: grain, Filters: map[string][]string{}}
			if q.From, err = parseDate("--from", from); err != nil {
				return usage("%v", err)
			}
			if q.To, err = parseDate("--to", to); err != nil {
				return usage("%v", err)
			}
			if len(teams) > 0 {
				q.Filters["team"] = teams
			}
			if err := q.Check(); err != nil {
				var qe *kpi.QueryError
				if errors.As(err, &qe) {
					return usage("--%s %s", qe.Param, qe.Msg)
				}
				return err
			}
			switch format {
			case "table", "json", "csv":
			default:
				return usage("--format %q: want table, json or csv", format)
			}
			if _, err := a.Check(); err != nil {
				var ae *timevalue.AssumptionError
				if errors.As(err, &ae) {
					return usage("--%s %s", ae.Field, ae.Msg)
				}
				return err
			}
			st, eng, err := ef.open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := timevalue.Run(cmd.Context(), eng, q, a)
			if err != nil {
				return err
			}
			for _, n := range res.Notes {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", n)
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				return writeIndentedJSON(out, res)
			case "csv":
				return writeTimeCSV(out, res)
			}
			return writeTimeTable(out, res)
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&by, "by", "rep", "rep or team (a team covers its sub-teams)")
	cmd.Flags().StringVar(&period, "period", "month", "period grain: week, month, quarter, year or all")
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (default: first day with data)")
	cmd.Flags().StringVar(&to, "to", "", "last day, inclusive, YYYY-MM-DD (default: last day with data)")
	cmd.Flags().StringSliceVar(&teams, "team", nil, "only reps in these teams' subtrees")
	cmd.Flags().Float64Var(&a.ReducePercent, "reduce", a.ReducePercent, "percent of the chosen non-selling time that goes away (0-100)")
	cmd.Flags().StringSliceVar(&a.Categories, "categories", nil, "non-selling categories to reduce, comma-separated (default: all of them): "+strings.Join(timevalue.NonSelling(), ", "))
	cmd.Flags().Float64Var(&a.ReclaimPercent, "reclaim", a.ReclaimPercent, "percent of the freed time that becomes selling time (0-100)")
	cmd.Flags().Float64Var(&a.Productivity, "productivity", a.Productivity, "revenue of an extra selling hour against the rep's past revenue per selling hour (0-2; 1 = as productive)")
	cmd.Flags().StringVar(&format, "format", "table", "output: table, json or csv")
	return cmd
}

// groupName shows a group for people: a blank team is "(blank)".
func groupName(g *string) string {
	if g == nil {
		return "(blank)"
	}
	return *g
}

func hours(h float64) string { return strconv.FormatFloat(h, 'f', 1, 64) }

func percent(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

// maxTimeColumns is how many periods the selling-share table shows side by
// side; past it, one line per period and group.
const maxTimeColumns = 8

func writeTimeTable(w io.Writer, res *timevalue.Result) error {
	cats := timevalue.Categories()
	by := strings.ToUpper(res.By)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if res.Total == nil {
		fmt.Fprintln(w, "No data in the range.")
	} else {
		fmt.Fprintf(w, "Time by category, %s to %s (share of logged hours)\n", res.Start, dayBefore(res.End))
		head := []string{by, "HOURS"}
		for _, c := range cats {
			head = append(head, strings.ToUpper(timevalue.CategoryName(c)))
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		line := func(name string, a timevalue.Allocation) {
			cells := []string{name, hours(a.TotalMinutes / 60)}
			for _, c := range cats {
				cells = append(cells, percent(a.Shares[c]))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		}
		for _, g := range res.Groups {
			line(groupName(g.Group), g)
		}
		line("all", *res.Total)
		if err := tw.Flush(); err != nil {
			return err
		}

		fmt.Fprintf(w, "\nSelling time share by %s\n", res.Period)
		// Every period has a scope row; groups only where they logged time.
		const all = "\x00all"
		var periods, groups []string
		for _, a := range res.Totals {
			periods = append(periods, a.Period)
		}
		share := map[string]*float64{}
		seenGroup := map[string]bool{}
		for _, a := range res.Allocation {
			g := groupName(a.Group)
			if !seenGroup[g] {
				seenGroup[g] = true
				groups = append(groups, g)
			}
			share[a.Period+"\x1f"+g] = a.SellingShare
		}
		sort.Strings(groups)
		groups = append(groups, all)
		for _, a := range res.Totals {
			share[a.Period+"\x1f"+all] = a.SellingShare
		}
		cell := func(p, g string) string {
			if v, ok := share[p+"\x1f"+g]; ok {
				return percent(v)
			}
			return "-"
		}
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		if len(periods) <= maxTimeColumns {
			fmt.Fprintln(tw, by+"\t"+strings.Join(periods, "\t")+"\t")
			for _, g := range groups {
				cells := []string{strings.TrimPrefix(g, "\x00")}
				for _, p := range periods {
					cells = append(cells, cell(p, g))
				}
				fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
			}
		} else {
			fmt.Fprintln(tw, "PERIOD\t"+by+"\tSELLING\t")
			for _, p := range periods {
				for _, g := range groups {
					if c := cell(p, g); c != "-" || g == all {
						fmt.Fprintf(tw, "%s\t%s\t%s\t\n", p, strings.TrimPrefix(g, "\x00"), c)
					}
				}
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}

	m := res.Model
	fmt.Fprintln(w, "Value model: what reclaiming non-selling time is worth")
	for _, s := range m.Explanation {
		fmt.Fprintf(w, "  - %s\n", s)
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, by+"\tSELLING H\tNON-SELLING H\tREVENUE\tPER SELLING H\tFREED H\tEXTRA SELLING H\tSELLING SHARE\tAFTER\tPROJECTED GAIN\t")
	row := func(name string, f timevalue.Figures) {
		rev := f.Revenue
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, hours(f.SellingHours), hours(f.NonSellingHours),
			kpi.FormatValue("currency", &rev), kpi.FormatValue("currency", f.RevenuePerSellingHour), hours(f.FreedHours), hours(f.ExtraSellingHours),
			percent(f.SellingShare), percent(f.SellingShareAfter), kpi.FormatValue("currency", f.ProjectedGain))
	}
	var notes []string
	if res.By == "team" {
		for _, t := range m.Teams {
			row(t.Team, t.Figures)
			if t.Note != "" {
				notes = append(notes, t.Team+": "+t.Note)
			}
		}
	} else {
		for _, r := range m.Reps {
			row(r.Rep, r.Figures)
			if r.Note != "" {
				notes = append(notes, r.Rep+": "+r.Note)
			}
		}
	}
	row("all", m.Total.Figures)
	if err := tw.Flush(); err != nil {
		return err
	}
	if m.Total.UnvaluedHours > 0 {
		notes = append(notes, fmt.Sprintf("%s of the %s extra selling hours belong to reps without a projection and are not valued",
			hours(m.Total.UnvaluedHours), hours(m.Total.ExtraSellingHours)))
	}
	if m.Total.Note != "" {
		notes = append(notes, "all: "+m.Total.Note)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
	return nil
}

// dayBefore turns an exclusive end date into the inclusive last day.
func dayBefore(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.AddDate(0, 0, -1).Format("2006-01-02")
}

// writeTimeCSV writes the value model: one line per rep (or team) and one for
// the total, with the hours by category over the range and the assumptions.
func writeTimeCSV(w io.Writer, res *timevalue.Result) error {
	cats := timevalue.Categories()
	m := res.Model
	cw := csv.NewWriter(w)
	head := []string{"level", "id", "total_hours"}
	for _, c := range cats {
		head = append(head, "hours_"+c)
	}
	head = append(head, "selling_hours", "non_selling_hours", "selling_share", "revenue", "revenue_per_selling_hour",
		"targeted_hours", "freed_hours", "extra_selling_hours", "selling_share_after", "projected_gain", "note",
		"reduce_percent", "categories", "reclaim_percent", "productivity")
	if err := cw.Write(head); err != nil {
		return err
	}
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	opt := func(x *float64) string {
		if x == nil {
			return ""
		}
		return num(*x)
	}
	line := func(level, id string, f timevalue.Figures) error {
		rec := []string{level, id, num(f.TotalHours)}
		for _, c := range cats {
			rec = append(rec, num(f.Hours[c]))
		}
		rec = append(rec, num(f.SellingHours), num(f.NonSellingHours), opt(f.SellingShare), num(f.Revenue), opt(f.RevenuePerSellingHour),
			num(f.TargetedHours), num(f.FreedHours), num(f.ExtraSellingHours), opt(f.SellingShareAfter), opt(f.ProjectedGain), f.Note,
			num(m.Assumptions.ReducePercent), strings.Join(m.Assumptions.Categories, " "), num(m.Assumptions.ReclaimPercent), num(m.Assumptions.Productivity))
		return cw.Write(rec)
	}
	if res.By == "team" {
		for _, t := range m.Teams {
			if err := line("team", t.Team, t.Figures); err != nil {
				return err
			}
		}
	} else {
		for _, r := range m.Reps {
			if err := line("rep", r.Rep, r.Figures); err != nil {
				return err
			}
		}
	}
	if err := line("total", "", m.Total.Figures); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
