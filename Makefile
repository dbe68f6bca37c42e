# o365auditlog — the README's two commands are `make demo` and `make test`.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
FUZZTIME  ?= 30s
BIN       := bin

.PHONY: all build test demo bench fuzz lint pack clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/o365auditlog ./cmd/o365auditlog
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/exo-emulator ./cmd/exo-emulator

# go vet, then every test (unit, golden, end-to-end through the built binary and the
# emulator, fuzz seeds) with the race detector. -race needs cgo (gcc is on the machine).
test:
	$(GO) vet ./...
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 40m ./...

# A real search, end to end, against the bundled emulator started in-process.
demo: build
	$(BIN)/o365auditlog demo

bench: build
	$(GO) run ./bench -out BENCHMARKS.md

# Runs every fuzz target for FUZZTIME each (seeds alone run in `make test`).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The XSOAR content pack: dist/Packs/O365AuditLog/ (bridge, yml, README, Dockerfile).
pack: build
	bash bridge/pack.sh

clean:
	rm -rf $(BIN) dist
