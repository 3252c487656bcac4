package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/salesops/salesops/internal/insight"
	"github.com/salesops/salesops/internal/kpi"
)

// insightQuery reads period, periods and the dimension filters.
func insightQuery(q url.Values) (insight.Query, error) {
	iq := insight.Query{Grain: kpi.Month, Filters: dimFilters(q)}
	if v := q.Get("period"); v != "" {
		g, err := kpi.ParseGrain(v)
		if err != nil || g == kpi.All {
			return iq, badRequest("period", "want week, month, quarter or year")
		}
		iq.Grain = g
	}
	if v := q.Get("periods"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 3 || n > 520 {
			return iq, badRequest("periods", "want a number from 3 to 520")
		}
		iq.Periods = n
	}
	return iq, nil
}

// handleTrend serves KPIs' change, trend and anomalies for a scope.
func (s *Server) handleTrend(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "kpi", "period", "periods"); err != nil {
		return err
	}
	iq, err := insightQuery(q)
	if err != nil {
		return err
	}
	if iq.KPIs = splitList(q.Get("kpi")); len(iq.KPIs) == 0 {
		return badRequest("kpi", "required: one or more KPI ids, comma-separated")
	}
	return s.cached(w, cacheKey("trend", q), func() (*response, error) {
		as, err := insight.Analyse(r.Context(), s.eng, iq)
		if err != nil {
			return nil, err
		}
		return jsonResponse(map[string]any{"analyses": as})
	})
}

// handleInsights serves the feed: anomalies, trends, goals at risk, open alerts.
func (s *Server) handleInsights(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "period", "periods"); err != nil {
		return err
	}
	iq, err := insightQuery(q)
	if err != nil {
		return err
	}
	return s.cached(w, s.goalsKey("insights", r), func() (*response, error) {
		items, err := insight.Feed(r.Context(), s.eng, s.st, iq)
		if err != nil {
			return nil, err
		}
		return jsonResponse(map[string]any{"items": items})
	})
}
