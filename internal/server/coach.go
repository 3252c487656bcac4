package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/salesops/salesops/internal/insight/coach"
	"github.com/salesops/salesops/internal/kpi"
)

// coachOptions reads from, to and peers, refusing dimension parameters other
// than the ones allowed (checkParams lets every dimension through).
func coachOptions(q url.Values, allowedDims ...string) (coach.Options, error) {
	var o coach.Options
	for _, d := range kpi.Dimensions {
		if _, ok := q[d]; ok && !slices.Contains(allowedDims, d) {
			return o, badRequest(d, "unknown parameter")
		}
	}
	for name, vs := range q {
		if len(vs) > 1 {
			return o, badRequest(name, "given more than once")
		}
	}
	var err error
	if o.From, o.To, err = parseDates(q); err != nil {
		return o, err
	}
	switch p := q.Get("peers"); p {
	case "", "team":
		o.Peers = coach.PeersTeam
	case "org":
		o.Peers = coach.PeersOrg
	default:
		return o, badRequest("peers", fmt.Sprintf("%q: want team or org", p))
	}
	return o, nil
}

// coachError maps the coach's not-found errors to 404s; the rest (bad ranges
// as kpi.QueryError) go through toError.
func coachError(err error) error {
	switch {
	case errors.Is(err, coach.ErrUnknownRep):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Param: "rep", Message: err.Error()}
	case errors.Is(err, coach.ErrUnknownTeam):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Param: "team", Message: err.Error()}
	case errors.Is(err, coach.ErrNoData):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	}
	return err
}

// handleCoachRep serves a rep's coaching scorecard: every KPI against the
// peers' median with percentile, verdict, trend and focus areas.
func (s *Server) handleCoachRep(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "from", "to", "peers"); err != nil {
		return err
	}
	o, err := coachOptions(q)
	if err != nil {
		return err
	}
	rep := r.PathValue("rep")
	return s.cached(w, cacheKey("coach/"+rep, q), func() (*response, error) {
		rpt, err := coach.New(s.eng, s.st).Rep(r.Context(), rep, o)
		if err != nil {
			return nil, coachError(err)
		}
		return jsonResponse(rpt)
	})
}

// handleCoachTeam serves the manager's view: every rep of a team with their
// headline verdicts and top focus area.
func (s *Server) handleCoachTeam(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "team", "from", "to", "peers"); err != nil {
		return err
	}
	o, err := coachOptions(q, "team")
	if err != nil {
		return err
	}
	team := q.Get("team")
	if team == "" {
		return badRequest("team", "required: the team whose reps to show, e.g. team=T002 (one rep's scorecard is GET /api/v1/coach/{rep})")
	}
	return s.cached(w, cacheKey("coach", q), func() (*response, error) {
		tr, err := coach.New(s.eng, s.st).Team(r.Context(), team, o)
		if err != nil {
			return nil, coachError(err)
		}
		return jsonResponse(tr)
	})
}
