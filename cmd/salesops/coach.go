package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/insight/coach"
	"github.com/salesops/salesops/internal/kpi"
)

func newCoachCmd() *cobra.Command {
	var (
		ef     engineFlags
		from   string
		to     string
		peers  string
		team   string
		format string
	)
	cmd := &cobra.Command{
		Use:   "coach REP | coach --team TEAM",
		Short: "Coaching scorecard of a rep against the team, or a manager's view of a team",
		Long: `coach puts every KPI of a rep beside the median of the rep's peers — the reps of
the same team and role employed throughout the period (--peers org: of the same
role in the whole organisation) — with the rep's percentile among them (the
share of the other peers the rep beats, direction-aware, a tie counting half),
a verdict, the change against the previous period, and focus areas.

The period is the last full quarter of the data unless --from/--to say
otherwise; the trend compares it with the previous quarter (month, year), or
with as many days just before for any other range. Reps with few deals get
more verdicts over a longer range (e.g. the last four quarters).

Verdicts are statistical, so that three deals never make a strength:
  rates (win rate, e-mail open rate, lead conversion … : count ÷ count)
      the rep's numerator and denominator against the other peers' pooled, by a
      two-proportion z-test: strength or weakness when p < 0.05 and the rates
      differ by at least 10% of the peers' rate; not enough data below 20 in
      the rep's denominator (e.g. 20 closed deals) or the peers'.
  volumes and levels (calls, revenue, deal size, cycle days, response time …)
      strength or weakness when the value lies outside the 95% prediction
      interval of the other peers: mean ± t(0.975, k−1) × sd × √(1 + 1/k) for k
      peers (sd at least 10% of the mean), i.e. p < 0.05; a mean, median or
      ratio needs at least 10 records behind it (won deals, leads …), and peers
      with fewer are not used; a volume needs 10 for the rep or the median
      peer. Volumes of a rep employed for only part of the period are not
      judged.
  Every verdict needs at least 3 other peers with data.

Focus areas follow from weaknesses on the funnel, in this order: effort (activity
volume), speed to lead, lead follow-through, prospecting (pipeline coverage or
created), qualification (win rate weak though meetings held are at or above the
team median), proposal and negotiation (win rate weak with fewer meetings),
deal size, deal velocity (cycle days), follow-up cadence, meeting attendance;
each cites the KPI values and team medians behind it. See docs/coaching.md.

--team TEAM lists every rep of the team (and its sub-teams) employed in the
period with their strengths, weaknesses and top focus area.`,
		Example: `  salesops coach R0007
  salesops coach R0007 --from 2025-10-01 --to 2026-09-30 --peers org
  salesops coach R0007 --format json
  salesops coach --team T006`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			usage := func(format string, a ...any) error {
				return &usageError{cmd: "coach", err: fmt.Errorf(format, a...)}
			}
			if (len(args) == 1) == (team != "") {
				return usage("give a rep id or --team TEAM, not both or neither")
			}
			if format != "table" && format != "json" {
				return usage("--format %q: want table or json", format)
			}
			if peers != string(coach.PeersTeam) && peers != string(coach.PeersOrg) {
				return usage("--peers %q: want team or org", peers)
			}
			o := coach.Options{Peers: coach.PeerGroup(peers)}
			var err error
			if o.From, err = parseDate("--from", from); err != nil {
				return usage("%v", err)
			}
			if o.To, err = parseDate("--to", to); err != nil {
				return usage("%v", err)
			}
			st, eng, err := ef.open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			c := coach.New(eng, st)
			out := cmd.OutOrStdout()
			if team != "" {
				tr, err := c.Team(cmd.Context(), team, o)
				if err != nil {
					return err
				}
				if format == "json" {
					return writeIndentedJSON(out, tr)
				}
				return writeCoachTeam(out, tr)
			}
			r, err := c.Rep(cmd.Context(), args[0], o)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeIndentedJSON(out, r)
			}
			return writeCoachRep(out, r)
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (default: the last full quarter)")
	cmd.Flags().StringVar(&to, "to", "", "last day, inclusive, YYYY-MM-DD (default: the data's last day when --from is given)")
	cmd.Flags().StringVar(&peers, "peers", "team", "compare with the reps of the same role in the rep's team, or in the whole org")
	cmd.Flags().StringVar(&team, "team", "", "instead, the manager's view: every rep of this team with their headline verdicts")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}

func periodRange(p kpi.PeriodJSON) string {
	return fmt.Sprintf("%s (%s to %s, end exclusive)", p.Label, p.Start, p.End)
}

func str(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func writeCoachRep(w io.Writer, r *coach.Report) error {
	fmt.Fprintf(w, "%s %s — %s, team %s %s\n", r.Rep.ID, r.Rep.Name, r.Rep.Role, str(r.Rep.Team), str(r.Rep.TeamName))
	fmt.Fprintf(w, "period %s, trend against %s\n", periodRange(r.Period), r.Previous.Label)
	group := "the organisation's " + r.Peers.Role + "s"
	if r.Peers.Group == coach.PeersTeam {
		group = "team " + str(r.Peers.Team) + "'s " + r.Peers.Role + "s"
	}
	fmt.Fprintf(w, "peers: %d other(s) of %s\n", len(r.Peers.Reps)-1, group)
	s := r.Summary
	fmt.Fprintf(w, "%d strength(s), %d weakness(es), %d typical, %d not enough data, %d no data\n\n", s.Strengths, s.Weaknesses, s.Typical, s.NotEnoughData, s.NoData)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KPI\tVALUE\tTEAM MEDIAN\tPCTL\tVERDICT\tPREVIOUS\tTREND\t")
	for _, k := range r.KPIs {
		pctl := "-"
		if k.Percentile != nil {
			pctl = fmt.Sprintf("%.0f", *k.Percentile)
		}
		trend := str(k.Trend.Direction)
		if k.Trend.Significant != nil {
			if *k.Trend.Significant {
				trend += " (significant)"
			} else {
				trend += " (within chance)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", k.ID, kpi.FormatValue(k.Unit, k.Value), kpi.FormatValue(k.Unit, k.TeamMedian),
			pctl, strings.ReplaceAll(string(k.Verdict), "_", " "), kpi.FormatValue(k.Unit, k.Trend.Previous), trend)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var why []string
	for _, k := range r.KPIs {
		if k.Verdict == coach.Strength || k.Verdict == coach.Weakness {
			why = append(why, fmt.Sprintf("  %s (%s): %s", k.ID, k.Verdict, k.Reason))
		}
	}
	if len(why) > 0 {
		fmt.Fprintln(w, "\nwhy:")
		fmt.Fprintln(w, strings.Join(why, "\n"))
	}
	fmt.Fprintln(w, "\nfocus areas:")
	if len(r.Focus) == 0 {
		fmt.Fprintln(w, "  none: no weakness on the funnel KPIs")
	}
	for i, f := range r.Focus {
		fmt.Fprintf(w, "  %d. %s (%s)\n     because %s\n     %s\n     %s\n", i+1, f.Title, f.Area, f.Rule, f.Message, f.Advice)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	return nil
}

func writeCoachTeam(w io.Writer, t *coach.TeamReport) error {
	fmt.Fprintf(w, "team %s %s — period %s, peers: %s\n\n", t.Team.ID, t.Team.Name, periodRange(t.Period), t.Peers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REP\tNAME\tTEAM\tROLE\tSTRENGTHS\tWEAKNESSES\tNOT ENOUGH DATA\tTOP FOCUS\tWIN RATE\tTEAM MEDIAN\t")
	for _, h := range t.Reps {
		focus := "-"
		if h.TopFocus != nil {
			focus = h.TopFocus.Area
		}
		name := h.Rep.Name
		if h.Partial {
			name += " (part of the period)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t\n", h.Rep.ID, name, str(h.Rep.Team), h.Rep.Role,
			h.Summary.Strengths, h.Summary.Weaknesses, h.Summary.NotEnoughData, focus,
			kpi.FormatValue("fraction", h.WinRate), kpi.FormatValue("fraction", h.WinRateMedian))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, h := range t.Reps {
		if len(h.Strengths)+len(h.Weaknesses) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: strengths %s; weaknesses %s", h.Rep.ID, list(h.Strengths), list(h.Weaknesses))
		if h.TopFocus != nil {
			fmt.Fprintf(w, "\n  focus on %s: %s", h.TopFocus.Title, h.TopFocus.Message)
		}
	}
	fmt.Fprintln(w)
	for _, n := range t.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func list(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	return strings.Join(ss, ", ")
}
