package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/salesops/salesops/internal/insight/timevalue"
	"github.com/salesops/salesops/internal/kpi"
)

// timeResponse is the answer of GET /api/v1/time.
type timeResponse struct {
	*timevalue.Result
	DataVersion int64 `json:"data_version"`
}

// handleTime serves time by category (by rep or team and period) and the
// value model of reclaiming non-selling time. The allocation and the model's
// inputs are cached per data version apart from the assumptions, so moving a
// slider on the dashboard costs only the model's arithmetic.
func (s *Server) handleTime(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "by", "period", "from", "to", "reduce", "categories", "reclaim", "productivity"); err != nil {
		return err
	}
	for _, name := range []string{"by", "period", "from", "to", "reduce", "categories", "reclaim", "productivity"} {
		if len(q[name]) > 1 {
			return badRequest(name, "given more than once")
		}
	}
	tq := timevalue.Query{By: "rep", Grain: kpi.Month, Filters: dimFilters(q)}
	if v := q.Get("by"); v != "" {
		tq.By = v
	}
	if v := q.Get("period"); v != "" {
		g, err := kpi.ParseGrain(v)
		if err != nil {
			return badRequest("period", err.Error())
		}
		tq.Grain = g
	}
	var err error
	if tq.From, tq.To, err = parseDates(q); err != nil {
		return err
	}
	if !tq.From.IsZero() && !tq.To.IsZero() && tq.To.Before(tq.From) {
		return badRequest("to", "the range ends before it starts")
	}
	if err := tq.Check(); err != nil {
		return err // a *kpi.QueryError naming the parameter: a 400
	}
	a := timevalue.Defaults()
	for _, p := range []struct {
		name string
		dst  *float64
	}{{"reduce", &a.ReducePercent}, {"reclaim", &a.ReclaimPercent}, {"productivity", &a.Productivity}} {
		if v := q.Get(p.name); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return badRequest(p.name, fmt.Sprintf("%q is not a number", v))
			}
			*p.dst = x
		}
	}
	a.Categories = splitList(q.Get("categories"))
	if a, err = a.Check(); err != nil {
		var ae *timevalue.AssumptionError
		if errors.As(err, &ae) {
			return badRequest(ae.Field, ae.Msg)
		}
		return err
	}
	data := url.Values{"by": {tq.By}, "period": {string(tq.Grain)}, "from": {q.Get("from")}, "to": {q.Get("to")}}
	for d, vs := range tq.Filters {
		data[d] = vs
	}
	dataKey := cacheKey("time/data", data)
	return s.cached(w, cacheKey("time", q), func() (*response, error) {
		v, err := s.cache.get(s.version.get(), dataKey, func() (any, error) {
			return timevalue.Load(r.Context(), s.eng, tq)
		})
		if err != nil {
			return nil, err
		}
		rep := v.(*timevalue.Report)
		m, err := timevalue.Project(rep.Reps, a)
		if err != nil {
			return nil, err
		}
		return jsonResponse(timeResponse{Result: &timevalue.Result{Report: rep, Model: m}, DataVersion: s.version.get()})
	})
}
