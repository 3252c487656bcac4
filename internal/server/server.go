// Package server serves the JSON API and the dashboard over HTTP.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/salesops/salesops/internal/alerts"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// Config wires a Server.
type Config struct {
	Store  store.Store
	Engine *kpi.Engine
	Log    *slog.Logger
	// Pages serves the dashboard at "/" (nil: API only).
	Pages http.Handler
	// MaxUpload bounds an import upload in bytes; 0 means 256 MiB.
	MaxUpload int64
	// Alerts, when set, is checked after every data change and every
	// AlertsEvery (0 means 15 minutes).
	Alerts      *alerts.Checker
	AlertsEvery time.Duration
}

// Server is the HTTP application.
type Server struct {
	st        store.Store
	eng       *kpi.Engine
	log       *slog.Logger
	maxUpload int64
	handler   http.Handler

	// writes serialises imports and events so that each sees a settled store.
	writes  sync.Mutex
	version dataVersion
	cache   *cache
	hub     *hub
	metrics *metrics
	// baseCtx lives as long as the server; background work stops with it.
	baseCtx context.Context
	// goalsVersion grows with every change to goals; cached goal answers are
	// keyed by it as well as by the data version.
	goalsVersion atomic.Int64
	// alerts checks alert rules (nil: none configured); alertKick asks for a check.
	alerts    *alerts.Checker
	alertKick chan struct{}
}

// New builds a Server.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 256 << 20
	}
	v, err := cfg.Store.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	s := &Server{st: cfg.Store, eng: cfg.Engine, log: cfg.Log, maxUpload: cfg.MaxUpload,
		cache: newCache(), hub: newHub(), metrics: newMetrics()}
	s.version.set(v)
	s.baseCtx = ctx
	if cfg.Alerts != nil {
		s.alerts, s.alertKick = cfg.Alerts, make(chan struct{}, 1)
		go s.watchAlerts(ctx, cfg.AlertsEvery)
	}
	mux := http.NewServeMux()
	s.routes(mux, cfg.Pages)
	s.handler = s.instrument(mux)
	return s, nil
}

// Metrics returns the registry the server records into, so the engine's query
// timings can be added to it.
func (s *Server) Metrics() *prometheus.Registry { return s.metrics.reg }

// ObserveQuery records one engine query; pass it as kpi.Config.OnQuery.
func (s *Server) ObserveQuery(q kpi.QueryStat) {
	s.metrics.queries.WithLabelValues(q.Entity).Observe(q.Took.Seconds())
}

func (s *Server) routes(mux *http.ServeMux, pages http.Handler) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /api/v1/kpis", s.api(s.handleKPIs))
	mux.Handle("GET /api/v1/dimensions", s.api(s.handleDimensions))
	mux.Handle("GET /api/v1/values", s.api(s.handleValues))
	mux.Handle("GET /api/v1/scorecard", s.api(s.handleScorecard))
	mux.Handle("GET /api/v1/drilldown", s.api(s.handleDrilldown))
	mux.Handle("GET /api/v1/funnel", s.api(s.handleFunnel))
	mux.Handle("GET /api/v1/pipeline/stages", s.api(s.handleStages))
	mux.Handle("GET /api/v1/pipeline/waterfall", s.api(s.handleWaterfall))
	mux.Handle("GET /api/v1/quality", s.api(s.handleQuality))
	mux.Handle("GET /api/v1/quality/failures", s.api(s.handleQualityFailures))
	mux.Handle("GET /api/v1/forecast", s.api(s.handleForecast))
	mux.Handle("GET /api/v1/explain", s.api(s.handleExplain))
	mux.Handle("GET /api/v1/trend", s.api(s.handleTrend))
	mux.Handle("GET /api/v1/insights", s.api(s.handleInsights))
	mux.Handle("GET /api/v1/alerts", s.api(s.handleAlerts))
	mux.Handle("GET /api/v1/alerts/rules", s.api(s.handleAlertRules))
	mux.Handle("POST /api/v1/alerts/check", s.api(s.handleAlertsCheck))
	mux.Handle("GET /api/v1/forecast/calls", s.api(s.handleCalls))
	mux.Handle("GET /api/v1/forecast/teams", s.api(s.handleTeamBacktests))
	mux.Handle("GET /api/v1/time", s.api(s.handleTime))
	mux.Handle("POST /api/v1/forecast/calls", s.api(s.handleCalls))
	mux.Handle("POST /api/v1/import", s.api(s.handleImport))
	mux.Handle("POST /api/v1/events", s.api(s.handleEvents))
	mux.HandleFunc("GET /api/v1/stream", s.handleStream)
	mux.Handle("GET /api/v1/coach", s.api(s.handleCoachTeam))
	mux.Handle("GET /api/v1/coach/{rep}", s.api(s.handleCoachRep))
	mux.Handle("GET /api/v1/goals", s.api(s.handleGoals))
	mux.Handle("PUT /api/v1/goals", s.api(s.handleGoalsApply))
	mux.Handle("GET /api/v1/goals/check", s.api(s.handleGoalsCheck))
	mux.Handle("GET /api/v1/goals/{id}/history", s.api(s.handleGoalHistory))
	mux.Handle("GET /api/v1/goals/{id}/projection", s.api(s.handleGoalProjection))
	mux.Handle("GET /api/v1/goals/{id}/cascade", s.api(s.handleGoalCascade))
	mux.Handle("POST /api/v1/goals/{id}/cascade", s.api(s.handleGoalCascade))
	mux.Handle("/api/", s.api(func(w http.ResponseWriter, r *http.Request) error {
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such API endpoint: " + r.Method + " " + r.URL.Path}
	}))
	if pages != nil {
		mux.Handle("/", pages)
	}
}

// Handler is the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve listens on addr until ctx ends, then shuts down gracefully. ready, if
// not nil, receives the bound address once listening.
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	if ready != nil {
		ready(ln.Addr())
	}
	s.warm(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	s.hub.close()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// instrument logs and measures every request.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(p))
				if !rec.wrote {
					writeError(rec, &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"})
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			took := time.Since(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Observe(took.Seconds())
			if r.URL.Path != "/api/v1/stream" {
				s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "took", took)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status, r.wrote = code, true
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Flush lets server-sent events through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	imports  *prometheus.CounterVec
	queries  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "salesops_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"route", "status"}),
		imports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salesops_imports_total", Help: "Imports and event batches by source and result.",
		}, []string{"source", "result"}),
		queries: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "salesops_kpi_query_duration_seconds", Help: "KPI engine query time by entity.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"entity"}),
	}
	m.reg.MustRegister(m.requests, m.imports, m.queries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// dataVersion is the store's data version as this server last saw it.
type dataVersion struct {
	mu sync.RWMutex
	v  int64
}

func (d *dataVersion) get() int64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.v
}

func (d *dataVersion) set(v int64) {
	d.mu.Lock()
	d.v = v
	d.mu.Unlock()
}
