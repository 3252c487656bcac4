package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesops/salesops/internal/alerts"
	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/notify"
	"github.com/salesops/salesops/internal/store"
)

const alertsLong = `An alerts file declares the channels alerts go to and the rules that fire them:

  channels:
    - name: ops-hook
      type: webhook                # JSON POST, signed: X-Salesops-Signature: t=…,v1=HMAC-SHA256
      url: https://hooks.example.com/salesops
      secret: ${SALESOPS_WEBHOOK_SECRET}
    - name: leaders
      type: email
      smtp: smtp.example.com:587   # tls: starttls (default), tls or none
      username: alerts
      password: ${SALESOPS_SMTP_PASSWORD}
      from: Salesops <alerts@example.com>
      to: [sales-leaders@example.com]
  rules:
    - id: emea-revenue-drop
      description: EMEA revenue down more than 10% on the month before
      kpi: revenue
      scope: {region: EMEA}
      period: month                # week, month, quarter or year
      condition: change_below      # above, below, change_above, change_below,
      value: -0.10                 # anomaly, goal_at_risk, quality_below
      channels: [ops-hook, leaders]

KPI rules judge the last period complete both before today and within the
data (a half-loaded month would read as a collapse). anomaly compares the period with the KPI's own
history, seasonality considered (side: high, low or any; default the KPI's bad
side). goal_at_risk fires for every goal in progress that is at risk or off
track (goal: ID for one). quality_below watches crm_data_accuracy. ${NAME}
reads an environment variable; an unset one is an error.

An alert is recorded once per rule, subject and period and delivered once;
failed deliveries are retried at the next check; an alert resolves when its
condition clears. 'salesops serve --alerts FILE' checks after every data change
and every --alerts-every.`

func newAlertsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "Alerts on KPIs, goals and data quality, delivered to webhooks and e-mail",
		Long:  alertsLong,
	}
	cmd.AddCommand(newAlertsCheckCmd(), newAlertsRulesCmd(), newAlertsHistoryCmd(), newAlertsTestCmd())
	return cmd
}

// alertsEnv opens the store and engine and reads the rules file.
type alertsEnv struct {
	ef    engineFlags
	rules string
}

func (a *alertsEnv) register(cmd *cobra.Command) {
	a.ef.register(cmd)
	cmd.Flags().StringVar(&a.rules, "rules", "", "alerts file (default $SALESOPS_ALERTS)")
}

func (a *alertsEnv) open(cmd *cobra.Command) (store.Store, *kpi.Engine, *alerts.File, error) {
	path := a.rules
	if path == "" {
		path = os.Getenv("SALESOPS_ALERTS")
	}
	if path == "" {
		return nil, nil, nil, &usageError{cmd: "alerts " + cmd.Name(), err: fmt.Errorf("--rules FILE is required (or set SALESOPS_ALERTS)")}
	}
	st, eng, err := a.ef.open(cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := alerts.ReadFile(path)
	if err == nil {
		err = f.Validate(eng.Catalog())
	}
	if err == nil {
		var org goals.Org
		if org, err = goals.LoadOrg(cmd.Context(), st); err == nil {
			err = f.CheckScopes(org)
		}
	}
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return st, eng, f, nil
}

func newAlertsCheckCmd() *cobra.Command {
	var (
		env    alertsEnv
		format string
	)
	cmd := &cobra.Command{
		Use:   "check --rules FILE",
		Short: "Check every rule now: record and deliver new alerts, resolve cleared ones, retry failed deliveries",
		Example: `  salesops alerts check --rules alerts.yaml
  salesops alerts check --rules alerts.yaml --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return &usageError{cmd: "alerts check", err: fmt.Errorf("--format %q: want table or json", format)}
			}
			st, eng, f, err := env.open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := (&alerts.Checker{Eng: eng, Store: st, File: f}).Check(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeIndentedJSON(out, res)
			}
			fmt.Fprintf(out, "%d rule(s) checked, %d alert(s) holding: %d new, %d resolved, %d retried\n",
				res.Rules, res.Holding, len(res.Fired), len(res.Resolved), len(res.Retried))
			for _, ev := range res.Fired {
				fmt.Fprintf(out, "new      %s  %s\n", ev.ID, ev.Message)
				writeDeliveries(out, ev.Deliveries)
			}
			for _, ev := range res.Retried {
				fmt.Fprintf(out, "retried  %s  %s\n", ev.ID, ev.Message)
				writeDeliveries(out, ev.Deliveries)
			}
			for _, ev := range res.Resolved {
				fmt.Fprintf(out, "resolved %s  %s\n", ev.ID, ev.Message)
			}
			for _, e := range res.Errors {
				fmt.Fprintf(out, "error    %s\n", e)
			}
			if len(res.Errors) > 0 {
				return fmt.Errorf("%d rule(s) could not be checked", len(res.Errors))
			}
			return nil
		},
	}
	env.register(cmd)
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}

func writeDeliveries(out io.Writer, ds []alerts.Delivery) {
	for _, d := range ds {
		status := "delivered"
		if !d.Delivered {
			status = "FAILED: " + d.Error
		}
		fmt.Fprintf(out, "           → %s: %s\n", d.Channel, status)
	}
}

func newAlertsRulesCmd() *cobra.Command {
	var env alertsEnv
	cmd := &cobra.Command{
		Use:   "rules --rules FILE",
		Short: "Check an alerts file and list its rules and channels (secrets hidden)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, f, err := env.open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			out := cmd.OutOrStdout()
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RULE\tCONDITION\tKPI\tSCOPE\tPERIOD\tVALUE\tCHANNELS")
			for _, r := range f.Rules {
				value := "-"
				if r.Value != nil {
					value = fmt.Sprint(*r.Value)
				}
				what := r.KPI
				if r.Condition == alerts.GoalAtRisk {
					what = "goal " + r.Goal
				}
				scope := make([]string, 0, len(r.Scope))
				for k, v := range r.Scope {
					scope = append(scope, k+"="+v)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Condition, what, strings.Join(scope, ","), r.Period, value, strings.Join(r.Channels, ","))
			}
			tw.Flush()
			fmt.Fprintln(out)
			for _, c := range f.Channels {
				c = c.Redacted()
				where := c.URL
				if c.Type == notify.TypeEmail {
					where = c.SMTP + " → " + strings.Join(c.To, ", ")
				}
				fmt.Fprintf(out, "channel %s: %s %s\n", c.Name, c.Type, where)
			}
			return nil
		},
	}
	env.register(cmd)
	return cmd
}

func newAlertsHistoryCmd() *cobra.Command {
	var (
		all    bool
		rule   string
		limit  int
		format string
	)
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Alerts recorded so far, newest first, with their deliveries",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return &usageError{cmd: "alerts history", err: fmt.Errorf("--format %q: want table or json", format)}
			}
			st, err := store.OpenDuckDB(cmd.Context(), dbPath(cmd))
			if err != nil {
				return err
			}
			defer st.Close()
			evs, err := alerts.History(cmd.Context(), st, alerts.HistoryQuery{Resolved: all, Rule: rule, Limit: limit})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeIndentedJSON(out, evs)
			}
			for _, ev := range evs {
				state := "open"
				if ev.ResolvedAt != nil {
					state = "resolved " + ev.ResolvedAt.Format(time.DateTime)
				}
				fmt.Fprintf(out, "%s  %s  %s  [%s]\n  %s\n", ev.FiredAt.Format(time.DateTime), ev.ID, ev.Rule, state, ev.Message)
				writeDeliveries(out, ev.Deliveries)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include resolved alerts")
	cmd.Flags().StringVar(&rule, "rule", "", "only this rule's alerts")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many, newest first")
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	return cmd
}

func newAlertsTestCmd() *cobra.Command {
	var env alertsEnv
	cmd := &cobra.Command{
		Use:   "test --rules FILE CHANNEL",
		Short: "Send a test message to a channel, to check its settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, _, f, err := env.open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, c := range f.Channels {
				if c.Name != args[0] {
					continue
				}
				n, err := notify.New(c)
				if err != nil {
					return err
				}
				id := fmt.Sprintf("test-%d", time.Now().UnixNano())
				err = n.Send(cmd.Context(), notify.Message{ID: id, Subject: "[salesops] test alert", Text: "This is a test of the " + c.Name + " channel.\n",
					Payload: map[string]string{"id": id, "rule": "test", "message": "This is a test of the " + c.Name + " channel."}})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "sent a test message to %s\n", n.Name())
				return nil
			}
			return &usageError{cmd: "alerts test", err: fmt.Errorf("no channel %q in the alerts file", args[0])}
		},
	}
	env.register(cmd)
	return cmd
}
