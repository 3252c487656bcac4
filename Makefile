# salesops build and test entry points. `make run` and `make test` are the two
# commands the README starts with.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/salesops
DEMO    := .demo
FUZZTIME ?= 5s

.PHONY: build run test fuzz lint bench clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/salesops

# run builds a demo organisation, imports it and prints its scorecard.
run: build
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN) demo --out $(DEMO)/csv --reps 50 --months 24
	$(BIN) import --db $(DEMO)/demo.duckdb $(DEMO)/csv
	$(BIN) kpi --db $(DEMO)/demo.duckdb --all --period quarter --from 2025-10-01 --to 2026-09-30

test: lint
	$(GO) test -race -count=1 ./...
	$(MAKE) fuzz

# fuzz runs every fuzz target briefly; raise FUZZTIME to search longer.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./internal/kpi/
	$(GO) test -run='^$$' -fuzz='^FuzzReadCSV$$' -fuzztime=$(FUZZTIME) ./internal/ingest/
	$(GO) test -run='^$$' -fuzz='^FuzzParseTime$$' -fuzztime=$(FUZZTIME) ./internal/ingest/

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# bench runs the Go benchmarks; docs/benchmarks.md has the full procedure.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

clean:
	rm -rf bin $(DEMO)
