package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/salesops/salesops/internal/alerts"
	"github.com/salesops/salesops/internal/notify"
)

// defaultAlertsEvery is how often alert rules are checked when no data
// arrives: goals drift into risk as days pass even without new records.
const defaultAlertsEvery = 15 * time.Minute

// watchAlerts checks the alert rules at start, on a schedule and soon after
// every data change, one check at a time, until ctx ends.
func (s *Server) watchAlerts(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = defaultAlertsEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.checkAlerts(ctx) // at start too: the data may have changed while the server was down
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.alertKick:
		}
	}
}

// kickAlerts asks for a check after a data change; changes that arrive while
// one is pending fold into it.
func (s *Server) kickAlerts() {
	if s.alerts == nil {
		return
	}
	select {
	case s.alertKick <- struct{}{}:
	default:
	}
}

func (s *Server) checkAlerts(ctx context.Context) (*alerts.Result, error) {
	res, err := s.alerts.Check(ctx)
	if err != nil {
		s.log.Error("alerts check", "err", err)
		return nil, err
	}
	for _, e := range res.Errors {
		s.log.Warn("alert rule not evaluated", "err", e)
	}
	for _, ev := range append(res.Fired, res.Retried...) {
		for _, d := range ev.Deliveries {
			if !d.Delivered {
				s.log.Warn("alert not delivered", "alert", ev.ID, "rule", ev.Rule, "channel", d.Channel, "err", d.Error)
			}
		}
	}
	if len(res.Fired)+len(res.Resolved) > 0 {
		s.log.Info("alerts", "fired", len(res.Fired), "resolved", len(res.Resolved), "holding", res.Holding)
		s.goalsVersion.Add(1) // the insights feed lists open alerts and is cached on this version
	}
	return res, nil
}

// handleAlerts lists the alert history, newest first.
func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "all", "rule", "limit"); err != nil {
		return err
	}
	hq := alerts.HistoryQuery{Rule: q.Get("rule"), Limit: 100}
	if v := q.Get("all"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("all", "want true or false")
		}
		hq.Resolved = b
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return badRequest("limit", "want a number from 1 to 10000")
		}
		hq.Limit = n
	}
	events, err := alerts.History(r.Context(), s.st, hq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": events})
	return nil
}

// handleAlertRules lists the rules being watched and their channels, without
// secrets.
func (s *Server) handleAlertRules(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r.URL.Query()); err != nil {
		return err
	}
	out := map[string]any{"configured": s.alerts != nil, "rules": []*alerts.Rule{}, "channels": []notify.Channel{}}
	if s.alerts != nil {
		var chans []notify.Channel
		for _, c := range s.alerts.File.Channels {
			chans = append(chans, c.Redacted())
		}
		out["rules"], out["channels"] = s.alerts.File.Rules, chans
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleAlertsCheck checks the rules now and returns what happened.
func (s *Server) handleAlertsCheck(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r.URL.Query()); err != nil {
		return err
	}
	if s.alerts == nil {
		return &Error{Status: http.StatusConflict, Code: "no_rules", Message: "no alert rules are configured: start the server with --alerts FILE"}
	}
	res, err := s.checkAlerts(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
