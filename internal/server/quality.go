package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/salesops/salesops/internal/quality/report"
)

// qualityFilter reads the filters the two data-quality endpoints share: rule,
// record_type and rep (repeated or comma-separated), team, from and to. Any
// other parameter than those and extra is refused.
func qualityFilter(q url.Values, extra ...string) (report.Filter, error) {
	var f report.Filter
	known := append([]string{"rule", "record_type", "rep", "team", "from", "to"}, extra...)
	for name, vs := range q {
		if !slices.Contains(known, name) {
			return f, badRequest(name, "unknown parameter")
		}
		if len(vs) > 1 && !slices.Contains([]string{"rule", "record_type", "rep"}, name) {
			return f, badRequest(name, "given more than once")
		}
	}
	for _, v := range q["rule"] {
		f.Rules = append(f.Rules, splitList(v)...)
	}
	for _, v := range q["record_type"] {
		f.RecordTypes = append(f.RecordTypes, splitList(v)...)
	}
	for _, v := range q["rep"] {
		f.Reps = append(f.Reps, splitList(v)...)
	}
	f.Team = q.Get("team")
	var err error
	if f.From, f.To, err = parseDates(q); err != nil {
		return f, err
	}
	return f, f.Check()
}

// handleQuality serves the data-quality scorecard: crm_data_accuracy overall,
// by record type, rep or team (by), month by month, and failures per rule.
func (s *Server) handleQuality(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := qualityFilter(q, "by")
	if err != nil {
		return err
	}
	by := q.Get("by")
	if by != "" && !slices.Contains(report.Groupings, by) {
		return badRequest("by", fmt.Sprintf("%q: want record_type, rep or team", by))
	}
	src := report.Source{Store: s.st, Engine: s.eng}
	// The rules depend on today as well as on the data.
	key := cacheKey("quality@"+s.eng.Today().Format("2006-01-02"), q)
	return s.cached(w, key, func() (*response, error) {
		sc, err := src.Scores(r.Context(), f, by)
		if err != nil {
			return nil, err
		}
		return jsonResponse(struct {
			*report.Scores
			DataVersion int64 `json:"data_version"`
		}{sc, s.version.get()})
	})
}

// defaultFailureLimit caps the JSON list unless limit says otherwise; the CSV
// export has everything.
const defaultFailureLimit = 500

// handleQualityFailures serves the failing records, one per record and rule:
// JSON, or with format=csv the clean-up export.
func (s *Server) handleQualityFailures(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := qualityFilter(q, "limit", "format")
	if err != nil {
		return err
	}
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		return badRequest("format", fmt.Sprintf("%q: want json or csv", format))
	}
	limit := defaultFailureLimit
	if format == "csv" {
		limit = 0
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badRequest("limit", fmt.Sprintf("%q: want a whole number, 0 for all", v))
		}
		limit = n
	}
	src := report.Source{Store: s.st, Engine: s.eng}
	key := cacheKey("quality/failures@"+s.eng.Today().Format("2006-01-02"), q)
	return s.cached(w, key, func() (*response, error) {
		list, err := src.ListFailures(r.Context(), f, limit)
		if err != nil {
			return nil, err
		}
		if format == "csv" {
			var buf bytes.Buffer
			if err := report.WriteCSV(&buf, list.Failures); err != nil {
				return nil, err
			}
			return &response{contentType: "text/csv; charset=utf-8", disposition: `attachment; filename="crm-failures.csv"`, body: buf.Bytes()}, nil
		}
		return jsonResponse(struct {
			*report.Failures
			DataVersion int64 `json:"data_version"`
		}{list, s.version.get()})
	})
}
