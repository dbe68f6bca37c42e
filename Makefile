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

# Packages with *FullScale tests: searches at the service's real sizes (130,000 rows),
# which the race detector slows tenfold.
FULLSCALE_PKGS = $(shell grep -rlE --include='*_test.go' '^func Test[A-Za-z0-9_]*FullScale[^A-Za-z0-9_]' . | xargs -n1 dirname | sort -u)

# go vet (the build-tagged live-tenant and scale checks too), then every test (unit, golden,
# end-to-end through the built binary and the emulator, fuzz seeds) with the race detector,
# except *FullScale tests, which run right after without it. Nothing is skipped or shrunk:
# a plain `go test ./...` runs all of them too. -race needs cgo (gcc is on the machine).
test:
	$(GO) vet -tags livetenant,emulatorscale ./...
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 40m -skip 'FullScale$$' ./...
	$(GO) test -count=1 -timeout 20m -run 'FullScale$$' $(FULLSCALE_PKGS)

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

# golangci-lint, pinned; `go run` fetches it through the module proxy the first time and
# then runs it from the build cache. Only `make lint` needs it: `make test` stays Go alone.
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

# gofmt, go vet, then golangci-lint with .golangci.yml (staticcheck, errcheck, govet,
# ineffassign, unused; non-test code).
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GOLANGCI_LINT) run ./...

# The XSOAR content pack: dist/Packs/O365AuditLog/ (bridge, yml, README, Dockerfile).
pack: build
	bash bridge/pack.sh

clean:
	rm -rf $(BIN) dist
