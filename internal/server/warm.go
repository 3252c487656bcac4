package server

import (
	"context"
	"net/http"
)

// warmPaths are what the dashboard's pages ask for when opened with their
// defaults. Computing them as soon as the data changes means the first viewer
// after an import is served from the cache like everyone else.
var warmPaths = []string{
	"/api/v1/kpis",
	"/api/v1/dimensions",
	"/api/v1/scorecard?scope=org&period=quarter",
	"/api/v1/values?kpi=pipeline_value,weighted_pipeline,pipeline_created,pipeline_coverage&period=month",
	"/api/v1/funnel",
}

// warm computes the default views for the current data version in the
// background; a newer version makes it stop early, since its answers would be
// thrown away.
func (s *Server) warm(ctx context.Context) {
	version := s.version.get()
	go func() {
		for _, path := range warmPaths {
			if ctx.Err() != nil || s.version.get() != version {
				return
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
			if err != nil {
				return
			}
			s.handler.ServeHTTP(discard{header: http.Header{}}, req)
		}
	}()
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
