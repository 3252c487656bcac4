package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/kpi"
)

func (s *Server) goalsKey(endpoint string, r *http.Request) string {
	return fmt.Sprintf("%s#%d?%s", endpoint, s.goalsVersion.Load(), r.URL.Query().Encode())
}

func (s *Server) tracker(r *http.Request) (*goals.Tracker, error) {
	q := r.URL.Query()
	t := &goals.Tracker{Eng: s.eng}
	if v := q.Get("seasonal"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, badRequest("seasonal", "want true or false")
		}
		t.Seasonal = b
	}
	for name, dst := range map[string]*float64{"on_track": &t.Thresholds.OnTrack, "at_risk": &t.Thresholds.AtRisk} {
		if v := q.Get(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f > 10 {
				return nil, badRequest(name, "want a ratio such as 0.95")
			}
			*dst = f
		}
	}
	if t.Thresholds != (calc.Thresholds{}) {
		d := calc.DefaultThresholds()
		if t.Thresholds.OnTrack == 0 {
			t.Thresholds.OnTrack = d.OnTrack
		}
		if t.Thresholds.AtRisk == 0 {
			t.Thresholds.AtRisk = d.AtRisk
		}
	}
	return t, nil
}

// handleGoals lists every stored goal with its status at ?at= (default now).
func (s *Server) handleGoals(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "at", "seasonal", "on_track", "at_risk", "quotas"); err != nil {
		return err
	}
	at := time.Now().UTC()
	if q.Get("at") != "" {
		d, err := parseDate(q, "at")
		if err != nil {
			return err
		}
		at = d.AddDate(0, 0, 1)
	}
	t, err := s.tracker(r)
	if err != nil {
		return err
	}
	return s.cached(w, s.goalsKey("goals", r), func() (*response, error) {
		list, err := goals.Stored(r.Context(), s.st)
		if err != nil {
			return nil, err
		}
		objectives, err := goals.StoredObjectives(r.Context(), s.st)
		if err != nil {
			return nil, err
		}
		statuses := []goals.GoalStatus{}
		notes := []string{}
		for _, g := range list {
			st, err := t.Status(r.Context(), g, at)
			if err != nil {
				notes = append(notes, err.Error())
				continue
			}
			statuses = append(statuses, st)
		}
		if objectives == nil {
			objectives = []*goals.Objective{}
		}
		answer := map[string]any{"at": at.Format(time.RFC3339), "goals": statuses, "objectives": objectives, "notes": notes}
		if q.Get("quotas") == "true" {
			qs, err := t.QuotaStatus(r.Context(), s.st, at)
			if err != nil {
				return nil, err
			}
			answer["quota_goals"] = qs
		}
		return jsonResponse(answer)
	})
}

// handleGoalsCheck gives every stored goal its SMART verdicts and lists the
// alignment findings.
func (s *Server) handleGoalsCheck(w http.ResponseWriter, r *http.Request) error {
	if err := checkParams(r.URL.Query(), "max_kpis_per_role"); err != nil {
		return err
	}
	maxKPIs := 5
	if v := r.URL.Query().Get("max_kpis_per_role"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return badRequest("max_kpis_per_role", "want a positive integer")
		}
		maxKPIs = n
	}
	return s.cached(w, s.goalsKey("goals/check", r), func() (*response, error) {
		list, err := goals.Stored(r.Context(), s.st)
		if err != nil {
			return nil, err
		}
		objectives, err := goals.StoredObjectives(r.Context(), s.st)
		if err != nil {
			return nil, err
		}
		t := &goals.Tracker{Eng: s.eng}
		checks := []goals.SmartCheck{}
		for _, g := range list {
			c, err := t.Smart(r.Context(), g, objectives)
			if err != nil {
				return nil, err
			}
			checks = append(checks, c)
		}
		findings, err := goals.Alignment(r.Context(), s.st, s.eng.Catalog(), list, objectives, maxKPIs)
		if err != nil {
			return nil, err
		}
		return jsonResponse(map[string]any{"checks": checks, "alignment": findings})
	})
}

// maxGoalsFile bounds a goals file sent to the API.
const maxGoalsFile = 4 << 20

// handleGoalsApply validates and stores a goals file sent as the request body.
func (s *Server) handleGoalsApply(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxGoalsFile))
	if err != nil {
		return err
	}
	f, err := goals.Parse("goals", body)
	if err == nil {
		var org goals.Org
		if org, err = goals.LoadOrg(r.Context(), s.st); err != nil {
			return err
		}
		err = f.Validate(s.eng.Catalog(), s.eng.Calendar(), org)
	}
	var fe *goals.FileError
	if errors.As(err, &fe) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"code": "invalid_data", "message": fmt.Sprintf("%d problem(s); nothing was applied", len(fe.Problems)), "problems": fe.Problems}})
		return nil
	}
	if err != nil {
		return err
	}
	who := r.Header.Get("X-Salesops-User")
	if who == "" {
		who = "api"
	}
	s.writes.Lock()
	res, err := goals.Apply(r.Context(), s.st, f, who, time.Now())
	s.writes.Unlock()
	if err != nil {
		return err
	}
	s.goalsVersion.Add(1)
	s.hub.publish(s.version.get())
	s.kickAlerts() // a goal may be at risk from the start
	writeJSON(w, http.StatusOK, map[string]any{"objectives": res.Objectives, "created": nonNil(res.Created), "updated": nonNil(res.Updated), "unchanged": nonNil(res.Unchanged)})
	return nil
}

func (s *Server) storedGoal(r *http.Request) (*goals.Goal, error) {
	g, err := goals.StoredGoal(r.Context(), s.st, r.PathValue("id"))
	if errors.Is(err, goals.ErrNoGoal) {
		return nil, &Error{Status: http.StatusNotFound, Code: "not_found", Param: "id", Message: err.Error()}
	}
	return g, err
}

func (s *Server) handleGoalHistory(w http.ResponseWriter, r *http.Request) error {
	g, err := s.storedGoal(r)
	if err != nil {
		return err
	}
	hs, err := goals.GoalHistory(r.Context(), s.st, g.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"goal": g.ID, "history": hs})
	return nil
}

// handleGoalCascade previews (GET) or stores (POST) a goal's split down the tree.
func (s *Server) handleGoalCascade(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "method", "weights", "to_reps"); err != nil {
		return err
	}
	g, err := s.storedGoal(r)
	if err != nil {
		return err
	}
	method := q.Get("method")
	if method == "" {
		method = "quota_share"
	}
	weights := map[string]float64{}
	if v := q.Get("weights"); v != "" {
		for _, part := range strings.Split(v, ",") {
			id, val, ok := strings.Cut(part, "=")
			f, err := strconv.ParseFloat(val, 64)
			if !ok || err != nil || f < 0 {
				return badRequest("weights", fmt.Sprintf("%q: want ID=NUMBER,ID=NUMBER", part))
			}
			weights[id] = f
		}
	}
	toReps := q.Get("to_reps") == "true"
	t := &goals.Tracker{Eng: s.eng}
	res, err := t.Cascade(r.Context(), s.st, g, method, weights, toReps)
	if err != nil {
		return badRequest("method", err.Error())
	}
	if r.Method == http.MethodPost {
		who := r.Header.Get("X-Salesops-User")
		if who == "" {
			who = "api"
		}
		s.writes.Lock()
		_, err := goals.Apply(r.Context(), s.st, &goals.File{Goals: res.Goals()}, who, time.Now())
		s.writes.Unlock()
		if err != nil {
			return err
		}
		s.goalsVersion.Add(1)
		s.hub.publish(s.version.get())
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// handleGoalProjection is the series a goal's chart draws: the KPI by week
// through the goal's period, cumulative for KPIs that accumulate, beside the
// target's pacing.
func (s *Server) handleGoalProjection(w http.ResponseWriter, r *http.Request) error {
	g, err := s.storedGoal(r)
	if err != nil {
		return err
	}
	return s.cached(w, s.goalsKey("goals/projection/"+g.ID, r), func() (*response, error) {
		t := &goals.Tracker{Eng: s.eng}
		target, _, err := t.Target(r.Context(), g)
		if err != nil {
			return nil, err
		}
		grain := kpi.Week
		if g.End.Sub(g.Start) > 120*24*time.Hour {
			grain = kpi.Month
		}
		filters := map[string][]string{}
		if kind, id, ok := strings.Cut(g.Scope, ":"); ok {
			filters[kind] = []string{id}
		}
		res, err := s.eng.Evaluate(r.Context(), kpi.Query{KPIs: []string{g.KPI}, Grain: grain, From: g.Start, To: g.End.AddDate(0, 0, -1), Filters: filters})
		if err != nil {
			return nil, err
		}
		_, dataEnd, err := s.extent(r)
		if err != nil {
			return nil, err
		}
		cumulative := s.eng.Catalog().Cumulative(g.KPI)
		type point struct {
			Period   string   `json:"period"`
			End      string   `json:"end"`
			Actual   *float64 `json:"actual"`
			Expected float64  `json:"expected"`
		}
		var pts []point
		sum := 0.0
		length := g.End.Sub(g.Start).Seconds()
		for _, row := range res.Rows {
			p := point{Period: row.Period.Label, End: row.Period.End.Format("2006-01-02")}
			if !row.Period.Start.Before(dataEnd) {
				// No data yet: the chart shows the expected line alone.
				p.Expected = target
				if cumulative {
					p.Expected = target * row.Period.End.Sub(g.Start).Seconds() / length
				}
				pts = append(pts, p)
				continue
			}
			share := row.Period.End.Sub(g.Start).Seconds() / length
			if cumulative {
				p.Expected = target * share
				if row.Value != nil {
					sum += *row.Value
				}
				v := sum
				p.Actual = &v
			} else {
				p.Expected = target
				p.Actual = row.Value
			}
			pts = append(pts, p)
		}
		return jsonResponse(map[string]any{"goal": g, "target": target, "cumulative": cumulative, "points": pts})
	})
}
