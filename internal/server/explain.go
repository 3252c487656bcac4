package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/salesops/salesops/internal/insight/explain"
)

// handleExplain explains a KPI's change between two periods.
func (s *Server) handleExplain(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "kpi", "from", "to", "by", "top"); err != nil {
		return err
	}
	o := explain.Options{KPI: q.Get("kpi"), From: q.Get("from"), To: q.Get("to"), Filters: dimFilters(q), Dimensions: splitList(q.Get("by"))}
	for _, p := range []string{"kpi", "from", "to"} {
		if q.Get(p) == "" {
			return badRequest(p, "required")
		}
	}
	if v := q.Get("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return badRequest("top", "want a number from 1 to 100")
		}
		o.Top = n
	}
	return s.cached(w, cacheKey("explain", q), func() (*response, error) {
		rep, err := explain.Run(r.Context(), s.eng, s.st, o)
		var pe *explain.ParamError
		if errors.As(err, &pe) {
			return nil, badRequest(pe.Param, pe.Msg)
		}
		if err != nil {
			return nil, err
		}
		return jsonResponse(rep)
	})
}
