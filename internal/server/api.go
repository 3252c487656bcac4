package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/forecast"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/pipeline"
)

func (s *Server) handleKPIs(w http.ResponseWriter, r *http.Request) error {
	var out []kpi.Info
	for _, k := range s.eng.Catalog().KPIs() {
		out = append(out, k.Info())
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// checkParams refuses parameters a handler does not know, so that a typo is an
// error rather than a silently ignored filter.
func checkParams(q url.Values, known ...string) error {
	for name := range q {
		if !slices.Contains(known, name) && !slices.Contains(kpi.Dimensions, name) {
			return badRequest(name, "unknown parameter")
		}
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseDate(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, badRequest(name, fmt.Sprintf("%q is not a date YYYY-MM-DD", v))
	}
	return t, nil
}

// parseDates reads the from and to parameters; a missing one is zero.
func parseDates(q url.Values) (time.Time, time.Time, error) {
	from, err := parseDate(q, "from")
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	to, err := parseDate(q, "to")
	return from, to, err
}

// dimFilters reads one parameter per dimension (repeated or comma-separated).
func dimFilters(q url.Values) map[string][]string {
	f := map[string][]string{}
	for _, d := range kpi.Dimensions {
		for _, v := range q[d] {
			f[d] = append(f[d], splitList(v)...)
		}
	}
	return f
}

// valuesQuery turns request parameters into an engine query.
func valuesQuery(q url.Values) (kpi.Query, error) {
	var kq kpi.Query
	if len(q["period"]) > 1 {
		return kq, badRequest("period", "given more than once")
	}
	g := kpi.Month
	if v := q.Get("period"); v != "" {
		var err error
		if g, err = kpi.ParseGrain(v); err != nil {
			return kq, badRequest("period", err.Error())
		}
	}
	kq.Grain = g
	kq.KPIs = splitList(q.Get("kpi"))
	kq.By = splitList(q.Get("by"))
	var err error
	if kq.From, err = parseDate(q, "from"); err != nil {
		return kq, err
	}
	if kq.To, err = parseDate(q, "to"); err != nil {
		return kq, err
	}
	kq.Filters = dimFilters(q)
	return kq, nil
}

// cacheKey names a query canonically: parameter order does not matter.
func cacheKey(endpoint string, q url.Values) string {
	return endpoint + "?" + q.Encode()
}

func (s *Server) handleValues(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "kpi", "by", "period", "from", "to", "format"); err != nil {
		return err
	}
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" && format != "parquet" {
		return badRequest("format", fmt.Sprintf("%q: want json, csv or parquet", format))
	}
	kq, err := valuesQuery(q)
	if err != nil {
		return err
	}
	return s.cached(w, cacheKey("values", q), func() (*response, error) {
		res, err := s.eng.Evaluate(r.Context(), kq)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		switch format {
		case "csv":
			if err := s.eng.WriteCSV(&buf, res); err != nil {
				return nil, err
			}
			return &response{contentType: "text/csv; charset=utf-8", disposition: `attachment; filename="kpis.csv"`, body: buf.Bytes()}, nil
		case "parquet":
			body, err := s.parquet(r.Context(), res)
			if err != nil {
				return nil, err
			}
			return &response{contentType: "application/vnd.apache.parquet", disposition: `attachment; filename="kpis.parquet"`, body: body}, nil
		}
		rows := make([]map[string]any, len(res.Rows))
		for i, row := range res.Rows {
			m := map[string]any{
				"kpi": row.KPI, "period": row.Period.Label,
				"start": row.Period.Start.Format("2006-01-02"), "end": row.Period.End.Format("2006-01-02"),
				"value": s.rounded(row.KPI, row.Value),
			}
			for d, name := range res.By {
				m[name] = row.Dims[d]
			}
			rows[i] = m
		}
		return jsonResponse(map[string]any{"by": nonNil(res.By), "data_version": s.version.get(), "rows": rows, "notes": nonNil(res.Notes)})
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// rounded reports a value at its unit's precision; null stays null.
func (s *Server) rounded(id string, v *float64) *float64 {
	if v == nil {
		return nil
	}
	unit := ""
	if k, ok := s.eng.Catalog().KPI(id); ok {
		unit = k.Unit
	}
	x := kpi.Round(unit, *v)
	return &x
}

type scorecardKPI struct {
	kpi.Info
	Value       *float64    `json:"value"`
	Previous    *float64    `json:"previous"`
	Change      *float64    `json:"change"`
	ChangeRatio *float64    `json:"change_ratio"`
	Better      *bool       `json:"better"`
	Spark       []sparkItem `json:"spark"`
}

type sparkItem struct {
	Period string   `json:"period"`
	Value  *float64 `json:"value"`
}

// sparkPeriods is how many periods a scorecard's sparklines show.
const sparkPeriods = 8

func (s *Server) handleScorecard(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "scope", "period", "at"); err != nil {
		return err
	}
	kq := kpi.Query{Grain: kpi.Quarter, Filters: map[string][]string{}}
	if v := q.Get("period"); v != "" {
		g, err := kpi.ParseGrain(v)
		if err != nil || g == kpi.All {
			return badRequest("period", fmt.Sprintf("%q: want week, month, quarter or year", v))
		}
		kq.Grain = g
	}
	scope := q.Get("scope")
	switch kind, id, _ := strings.Cut(scope, ":"); {
	case scope == "" || scope == "org":
		scope = "org"
	case (kind == "team" || kind == "rep") && id != "":
		kq.Filters[kind] = []string{id}
	default:
		return badRequest("scope", fmt.Sprintf("%q: want org, team:ID or rep:ID", scope))
	}
	at, err := parseDate(q, "at")
	if err != nil {
		return err
	}
	if at.IsZero() {
		_, hi, err := s.extent(r)
		if err != nil {
			return err
		}
		if hi.IsZero() {
			writeJSON(w, http.StatusOK, map[string]any{"scope": scope, "period": nil, "previous": nil, "kpis": []any{}, "notes": []string{"there is no data"}})
			return nil
		}
		at = hi.AddDate(0, 0, -1)
	}
	cal := s.eng.Calendar()
	cur := cal.BucketStart(kq.Grain, at)
	first := cur
	for range sparkPeriods - 1 {
		first = cal.BucketStart(kq.Grain, first.AddDate(0, 0, -1))
	}
	periods := cal.Periods(kq.Grain, first, cal.BucketStart(kq.Grain, cur.AddDate(0, 0, 400)))
	kq.From = first
	kq.To = periods[0].End.AddDate(0, 0, -1)
	for _, p := range periods {
		if p.Bucket.Equal(cur) {
			kq.To = p.End.AddDate(0, 0, -1)
		}
	}
	return s.cached(w, cacheKey("scorecard", q), func() (*response, error) {
		res, err := s.eng.Evaluate(r.Context(), kq)
		if err != nil {
			return nil, err
		}
		var curP, prevP *kpi.Period
		for i := range periods {
			if periods[i].Bucket.Equal(cur) {
				curP = &periods[i]
				if i > 0 {
					prevP = &periods[i-1]
				}
			}
		}
		byKPI := map[string][]kpi.Row{}
		for _, row := range res.Rows {
			byKPI[row.KPI] = append(byKPI[row.KPI], row)
		}
		var cards []scorecardKPI
		for _, k := range s.eng.Catalog().KPIs() {
			rows, ok := byKPI[k.ID]
			if !ok {
				continue
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i].Period.Bucket.Before(rows[j].Period.Bucket) })
			c := scorecardKPI{Info: k.Info(), Spark: []sparkItem{}}
			for _, row := range rows {
				v := s.rounded(k.ID, row.Value)
				c.Spark = append(c.Spark, sparkItem{row.Period.Label, v})
				if row.Period.Bucket.Equal(cur) {
					c.Value = v
				} else if prevP != nil && row.Period.Bucket.Equal(prevP.Bucket) {
					c.Previous = v
				}
			}
			if c.Value != nil && c.Previous != nil {
				ch := kpi.Round(k.Unit, *c.Value-*c.Previous)
				c.Change = &ch
				if *c.Previous != 0 {
					ratio := kpi.Round("", ch/abs(*c.Previous))
					c.ChangeRatio = &ratio
				}
				if ch != 0 {
					better := (ch > 0) == (k.Direction == "higher")
					c.Better = &better
				}
			}
			cards = append(cards, c)
		}
		var curJ, prevJ *kpi.PeriodJSON
		if curP != nil {
			j := curP.JSON()
			curJ = &j
		}
		if prevP != nil {
			j := prevP.JSON()
			prevJ = &j
		}
		notes := res.Notes
		if notes == nil {
			notes = []string{}
		}
		return jsonResponse(map[string]any{"scope": scope, "period": curJ, "previous": prevJ, "kpis": cards, "notes": notes, "data_version": s.version.get()})
	})
}

// extent is the data's date range, computed once per data version: it scans
// every table, which a busy dashboard must not do per request.
func (s *Server) extent(r *http.Request) (time.Time, time.Time, error) {
	v, err := s.cache.get(s.version.get(), "extent", func() (any, error) {
		lo, hi, err := s.eng.Extent(r.Context())
		return [2]time.Time{lo, hi}, err
	})
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	ext := v.([2]time.Time)
	return ext[0], ext[1], nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func (s *Server) handleDrilldown(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "kpi", "period", "at"); err != nil {
		return err
	}
	if q.Get("kpi") == "" {
		return badRequest("kpi", "required")
	}
	if q.Get("at") == "" {
		return badRequest("at", "required: the period's label, e.g. 2026-03 or 2026-Q1")
	}
	g := kpi.Month
	if v := q.Get("period"); v != "" {
		var err error
		if g, err = kpi.ParseGrain(v); err != nil {
			return badRequest("period", err.Error())
		}
	}
	dims := map[string]string{}
	for _, d := range kpi.Dimensions {
		if vs, ok := q[d]; ok {
			if len(vs) != 1 {
				return badRequest(d, "give one value")
			}
			dims[d] = vs[0]
		}
	}
	return s.cached(w, cacheKey("drilldown", q), func() (*response, error) {
		res, err := s.eng.Drill(r.Context(), kpi.DrillQuery{KPI: q.Get("kpi"), Grain: g, Period: q.Get("at"), Dims: dims})
		if err != nil {
			return nil, err
		}
		return jsonResponse(res)
	})
}

func (s *Server) handleFunnel(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "from", "to"); err != nil {
		return err
	}
	from, to, err := parseDates(q)
	if err != nil {
		return err
	}
	if from.IsZero() || to.IsZero() {
		lo, hi, err := s.extent(r)
		if err != nil {
			return err
		}
		if from.IsZero() {
			from = lo
		}
		if to.IsZero() {
			to = hi
		} else {
			to = to.AddDate(0, 0, 1)
		}
	} else {
		to = to.AddDate(0, 0, 1)
	}
	team := q.Get("team")
	return s.cached(w, cacheKey("funnel", q), func() (*response, error) {
		stages, err := pipeline.Funnel(r.Context(), s.st, from, to, team)
		if err != nil {
			return nil, err
		}
		return jsonResponse(map[string]any{"stages": stages})
	})
}

type teamJSON struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Parent *string `json:"parent"`
	Region *string `json:"region"`
}

type repJSON struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Team *string `json:"team"`
	Role *string `json:"role"`
}

func (s *Server) handleDimensions(w http.ResponseWriter, r *http.Request) error {
	return s.cached(w, "dimensions", func() (*response, error) {
		teams := []teamJSON{}
		rows, err := s.st.Query(r.Context(), `SELECT team_id, name, parent_team_id, region FROM teams ORDER BY team_id`)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t teamJSON
			if err := rows.Scan(&t.ID, &t.Name, &t.Parent, &t.Region); err != nil {
				rows.Close()
				return nil, err
			}
			teams = append(teams, t)
		}
		rows.Close()
		reps := []repJSON{}
		rows, err = s.st.Query(r.Context(), `SELECT rep_id, name, team_id, role FROM reps ORDER BY rep_id`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var p repJSON
			if err := rows.Scan(&p.ID, &p.Name, &p.Team, &p.Role); err != nil {
				return nil, err
			}
			reps = append(reps, p)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return jsonResponse(map[string]any{"dimensions": kpi.Dimensions, "teams": teams, "reps": reps})
	})
}

func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	send := func(v int64) bool {
		if _, err := fmt.Fprintf(w, "event: data\ndata: {\"data_version\": %d}\n\n", v); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	ch, unsubscribe := s.hub.subscribe()
	defer unsubscribe()
	if !send(s.version.get()) {
		return
	}
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case v, ok := <-ch:
			if !ok || !send(v) {
				return
			}
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

// handleStages serves stage analytics: conversion, time in stage, stuck deals.
func (s *Server) handleStages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "at", "order"); err != nil {
		return err
	}
	at := time.Now().UTC()
	if q.Get("at") != "" {
		d, err := parseDate(q, "at")
		if err != nil {
			return err
		}
		at = d.AddDate(0, 0, 1)
	} else {
		// Without a date the answer would change every instant; the data's last
		// day keeps it cacheable and matches what the dashboard shows.
		_, hi, err := s.extent(r)
		if err != nil {
			return err
		}
		if !hi.IsZero() {
			at = hi
		}
	}
	var teams map[string]bool
	if team := q.Get("team"); team != "" {
		var err error
		if teams, err = pipeline.Subtree(r.Context(), s.st, team); err != nil {
			return badRequest("team", err.Error())
		}
	}
	var order []string
	if o := q.Get("order"); o != "" {
		order = splitList(o)
	}
	return s.cached(w, cacheKey("pipeline/stages", q), func() (*response, error) {
		rep, err := pipeline.Stages(r.Context(), s.st, at, teams, order)
		if err != nil {
			return nil, err
		}
		return jsonResponse(rep)
	})
}

// handleForecast serves the revenue forecast of every method with its backtest.
func (s *Server) handleForecast(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "months", "backtest", "at", "scope", "method"); err != nil {
		return err
	}
	o := forecast.Options{Store: s.st, Months: 3, Backtest: 6, Filters: map[string][]string{}}
	if v := q.Get("method"); v != "" {
		o.Methods = strings.Split(v, ",")
		if err := forecast.CheckMethods(o.Methods); err != nil {
			return badRequest("method", err.Error())
		}
	}
	for name, dst := range map[string]*int{"months": &o.Months, "backtest": &o.Backtest} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 36 {
				return badRequest(name, "want a number of months from 0 to 36")
			}
			*dst = n
		}
	}
	if o.Months == 0 {
		return badRequest("months", "want at least 1")
	}
	if scope := q.Get("scope"); scope != "" && scope != "org" {
		kind, id, _ := strings.Cut(scope, ":")
		if (kind != "team" && kind != "rep") || id == "" {
			return badRequest("scope", fmt.Sprintf("%q: want org, team:ID or rep:ID", scope))
		}
		o.Filters[kind] = []string{id}
	}
	at, err := parseDate(q, "at")
	if err != nil {
		return err
	}
	if at.IsZero() {
		_, hi, err := s.extent(r)
		if err != nil {
			return err
		}
		at = hi
	}
	o.Now = at
	return s.cached(w, s.goalsKey("forecast", r), func() (*response, error) {
		rep, err := forecast.Run(r.Context(), s.eng, o)
		if err != nil {
			return nil, badRequest("at", err.Error())
		}
		return jsonResponse(rep)
	})
}

// handleWaterfall serves the pipeline waterfall of a window.
func (s *Server) handleWaterfall(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "from", "to", "team", "rep"); err != nil {
		return err
	}
	from, to, err := parseDates(q)
	if err != nil {
		return err
	}
	if from.IsZero() || to.IsZero() {
		return badRequest("from", "from and to are required")
	}
	if to.Before(from) {
		return badRequest("to", "the window ends before it starts")
	}
	var teams map[string]bool
	if team := q.Get("team"); team != "" {
		if teams, err = pipeline.Subtree(r.Context(), s.st, team); err != nil {
			return badRequest("team", err.Error())
		}
	}
	return s.cached(w, cacheKey("pipeline/waterfall", q), func() (*response, error) {
		wf, err := pipeline.ComputeWaterfall(r.Context(), s.st, from, to.AddDate(0, 0, 1), pipeline.Scope{Teams: teams, Rep: q.Get("rep")})
		if err != nil {
			return nil, err
		}
		return jsonResponse(wf)
	})
}

// handleCalls lists the managers' forecast calls (GET) or records one (POST).
func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		if err := checkParams(r.URL.Query(), "scope"); err != nil {
			return err
		}
		calls, err := forecast.Calls(r.Context(), s.st, r.URL.Query().Get("scope"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"calls": calls})
		return nil
	}
	var c forecast.Call
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return badRequest("body", "want a JSON object with scope, period, amount and note: "+err.Error())
	}
	c.SubmittedAt = time.Now()
	if c.SubmittedBy = r.Header.Get("X-Salesops-User"); c.SubmittedBy == "" {
		c.SubmittedBy = "api"
	}
	if c.Scope == "" {
		c.Scope = "org"
	}
	if err := c.Validate(); err != nil {
		return badRequest("body", err.Error())
	}
	if err := forecast.SubmitCall(r.Context(), s.st, c); err != nil {
		return err
	}
	s.goalsVersion.Add(1) // cached forecasts show the current call
	s.hub.publish(s.version.get())
	writeJSON(w, http.StatusOK, c)
	return nil
}

// handleTeamBacktests serves each method's backtest for each team given
// (default: the teams directly below the organisation's top).
func (s *Server) handleTeamBacktests(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "teams", "backtest", "at"); err != nil {
		return err
	}
	o := forecast.Options{Store: s.st, Backtest: 6}
	if v := q.Get("backtest"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 36 {
			return badRequest("backtest", "want a number of months from 1 to 36")
		}
		o.Backtest = n
	}
	at, err := parseDate(q, "at")
	if err != nil {
		return err
	}
	if at.IsZero() {
		_, hi, err := s.extent(r)
		if err != nil {
			return err
		}
		at = hi
	}
	o.Now = at
	teams := splitList(q.Get("teams"))
	if len(teams) == 0 {
		rows, err := s.st.Query(r.Context(), `SELECT t.team_id FROM teams t JOIN teams p ON p.team_id = t.parent_team_id
			WHERE p.parent_team_id IS NULL ORDER BY t.team_id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			teams = append(teams, id)
		}
		rows.Close()
	}
	if len(teams) > 50 {
		return badRequest("teams", "at most 50 teams at a time")
	}
	return s.cached(w, s.goalsKey("forecast/teams", r), func() (*response, error) {
		recs, err := forecast.ByTeam(r.Context(), s.eng, o, teams)
		if err != nil {
			return nil, badRequest("teams", err.Error())
		}
		if recs == nil {
			recs = []forecast.TeamRecord{}
		}
		return jsonResponse(map[string]any{"teams": recs})
	})
}
