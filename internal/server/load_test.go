package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// TestLoad drives the scorecard and KPI-values endpoints with 50 concurrent
// clients over loopback for SALESOPS_LOAD_SECONDS (default 20) against the
// database in SALESOPS_LOAD_DB (see docs/benchmarks.md), then prints throughput
// and latency percentiles per endpoint. It asserts no errors, never a timing.
func TestLoad(t *testing.T) {
	path := os.Getenv("SALESOPS_LOAD_DB")
	if path == "" {
		t.Skip("set SALESOPS_LOAD_DB to a database imported from `salesops demo` to run the load test")
	}
	seconds := 20
	if n, err := strconv.Atoi(os.Getenv("SALESOPS_LOAD_SECONDS")); err == nil && n > 0 {
		seconds = n
	}
	ctx := context.Background()
	st, err := store.OpenDuckDB(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := kpi.New(st, kpi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(ctx, Config{Store: st, Engine: eng, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	endpoints := []struct{ name, path string }{
		{"scorecard org", "/api/v1/scorecard?scope=org&period=quarter"},
		{"scorecard team", "/api/v1/scorecard?scope=team:T002&period=quarter"},
		{"scorecard rep", "/api/v1/scorecard?scope=rep:R0010&period=month"},
		{"values by team", "/api/v1/values?kpi=revenue,win_rate,pipeline_value&by=team&period=quarter"},
		{"leaderboard", "/api/v1/values?kpi=revenue,win_rate,quota_attainment,pipeline_value&by=rep&period=quarter&team=T002&from=2026-07-01&to=2026-09-30"},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(path string) (time.Duration, error) {
		start := time.Now()
		resp, err := client.Get(ts.URL + path)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: status %d", path, resp.StatusCode)
		}
		return time.Since(start), err
	}
	// The first request of each computes; every later one is served from the
	// cache for the data version.
	for _, e := range endpoints {
		d, err := get(e.path)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-15s first (computed) %v", e.name, d.Round(time.Millisecond))
	}

	const clients = 50
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var errs []error
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; time.Now().Before(deadline); i++ {
				e := endpoints[i%len(endpoints)]
				d, err := get(e.path)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					lat[e.name] = append(lat[e.name], d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Errorf("%d errors, first: %v", len(errs), errs[0])
	}
	total := 0
	for _, e := range endpoints {
		ds := lat[e.name]
		slices.Sort(ds)
		total += len(ds)
		if len(ds) == 0 {
			continue
		}
		pct := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
		t.Logf("%-15s %7d requests  p50 %8v  p99 %8v", e.name, len(ds), pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond))
	}
	t.Logf("%d clients, %d s: %d requests, %.0f requests/s, %d errors", clients, seconds, total, float64(total)/float64(seconds), len(errs))
}
