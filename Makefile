# salesops build and test entry points. `make run` and `make test` are the two
# commands the README starts with.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/salesops
DEMO    := .demo
FUZZTIME ?= 5s

ECHARTS := internal/web/static/vendor/echarts.min.js

.PHONY: build run scorecard assets test fuzz lint bench clean

# assets fetches the dashboard's front-end dependencies (ECharts) from npm and
# vendors them for go:embed; the output is not committed.
assets: $(ECHARTS)

$(ECHARTS): web/package.json web/package-lock.json web/copy-assets.js
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent

build: assets
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/salesops

# run serves the live dashboard on a freshly generated demo organisation.
run: build
	$(BIN) serve --demo --addr 127.0.0.1:8080

# scorecard prints the demo organisation's KPIs in the terminal.
scorecard: build
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN) demo --out $(DEMO)/csv --reps 50 --months 24
	$(BIN) import --db $(DEMO)/demo.duckdb $(DEMO)/csv
	$(BIN) kpi --db $(DEMO)/demo.duckdb --all --period quarter --from 2025-10-01 --to 2026-09-30

test: lint assets
	$(GO) test -race -count=1 ./...
	$(MAKE) fuzz

# fuzz runs every fuzz target briefly; raise FUZZTIME to search longer.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./internal/kpi/
	$(GO) test -run='^$$' -fuzz='^FuzzReadCSV$$' -fuzztime=$(FUZZTIME) ./internal/ingest/
	$(GO) test -run='^$$' -fuzz='^FuzzParseTime$$' -fuzztime=$(FUZZTIME) ./internal/ingest/
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./internal/goals/
	$(GO) test -run='^$$' -fuzz='^FuzzSplit$$' -fuzztime=$(FUZZTIME) ./internal/goals/calc/
	$(GO) test -run='^$$' -fuzz='^FuzzAnomalies$$' -fuzztime=$(FUZZTIME) ./internal/insight/trend/
	$(GO) test -run='^$$' -fuzz='^FuzzTrend$$' -fuzztime=$(FUZZTIME) ./internal/insight/trend/
	$(GO) test -run='^$$' -fuzz='^FuzzVerify$$' -fuzztime=$(FUZZTIME) ./internal/notify/

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# bench runs the Go benchmarks; docs/benchmarks.md has the full procedure.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

clean:
	rm -rf bin $(DEMO) web/node_modules $(ECHARTS)
