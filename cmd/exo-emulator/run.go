package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
)

// faultFlags collects repeated -fault NAME=RATE flags.
type faultFlags map[string]float64

func (f faultFlags) String() string { return fmt.Sprint(map[string]float64(f)) }

func (f faultFlags) Set(s string) error {
	name, rate, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want NAME=RATE, got %q", s)
	}
	r, err := strconv.ParseFloat(rate, 64)
	if err != nil || r < 0 || r > 1 {
		return fmt.Errorf("rate of %s must be a number from 0 to 1, got %q", name, rate)
	}
	f[strings.TrimSpace(name)] = r
	return nil
}

// hotspotFlags collects repeated -hotspot AGO,DURATION,COUNT flags: COUNT records spread over
// DURATION starting AGO before start-up (e.g. 3h,1h,60000).
type hotspotFlags []emulator.Hotspot

func (h *hotspotFlags) String() string { return fmt.Sprint(len(*h)) }

func (h *hotspotFlags) Set(s string) error {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return fmt.Errorf("want AGO,DURATION,COUNT (e.g. 3h,1h,60000), got %q", s)
	}
	ago, err1 := time.ParseDuration(parts[0])
	dur, err2 := time.ParseDuration(parts[1])
	n, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || n < 0 || dur <= 0 {
		return fmt.Errorf("want AGO,DURATION,COUNT (e.g. 3h,1h,60000), got %q", s)
	}
	*h = append(*h, emulator.Hotspot{Start: time.Now().Add(-ago).Truncate(time.Second), Duration: dur, Count: n})
	return nil
}

// run parses flags, starts the emulator, announces it and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("exo-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stateDir := fs.String("state-dir", "", "directory for ca.pem, params.json, params-noroles.json and params-nograph.json (required)")
	listen := fs.String("listen", "127.0.0.1:0", "listen address")
	records := fs.Int("records", 10000, "number of generated records")
	days := fs.Int("days", 7, "days before start-up the data set spans")
	seed := fs.Int64("seed", 1, "seed of the data set, session order and fault draws")
	dataset := fs.String("dataset", "", "JSON Lines file of AuditData records to serve instead of generated ones")
	retention := fs.Int("retention", 0, "retention in days: an older StartDate is refused (0 = none)")
	latency := fs.Duration("latency", 0, "latency added to every InvokeCommand call, e.g. 300ms")
	concurrency := fs.Int("tenant-concurrency", 0, "concurrent InvokeCommand calls per tenant before 429 (0 = unlimited)")
	profile := fs.String("profile", emulator.ProfileLive, "live (what tenants do, DESIGN §4b) or ideal (§4 alone)")
	nonSessionCap := fs.Int("nonsession-cap", emulator.DefaultNonSessionCap, "live: most rows a call without SessionCommand returns (negative = no cap)")
	pageSize := fs.Int("page-size", 0, "rows per REST page before @odata.nextLink (0 = the profile's: 1000 in live, unsplit in ideal; negative = never split)")
	maxPageRows := fs.Int("max-page-rows", 0, "older name of -page-size")
	continuations := fs.String("continuations", "", "refused or ok: whether @odata.nextLink requests work (default: refused in live, ok in ideal)")
	slow := fs.Duration("slow", emulator.DefaultSlowDelay, "how long a call hit by the slow fault takes")
	ingestion := fs.Duration("ingestion-delay", 0, "typical delay before a record becomes visible")
	stragglers := fs.Float64("stragglers", 0, "fraction of records arriving hours late")
	endInclusive := fs.Bool("end-inclusive", false, "treat EndDate as inclusive")
	echo := fs.Bool("echo-result-size", false, "put ResultSize in ResultCount, as the service reportedly began doing in 2026")
	vary := fs.Bool("vary", false, "vary row representations (RecordType number/name, date formats, counts as strings)")
	graphDelay := fs.Duration("graph-delay", emulator.DefaultGraphDelay, "how long a Graph audit query runs before it succeeds (0 = at once)")
	graphLimit := fs.Int("graph-record-limit", emulator.DefaultGraphRecordLimit, "most records a Graph query returns; more matches succeed with isRecordCountLimitExceeded")
	graphInterval := fs.Duration("graph-create-interval", emulator.DefaultGraphCreateInterval, "least time between Graph query creates before 429 + Retry-After (0 = no limit)")
	verbose := fs.Bool("v", false, "log every request to stderr")
	var hotspots hotspotFlags
	fs.Var(&hotspots, "hotspot", "AGO,DURATION,COUNT: add COUNT records over DURATION starting AGO before start-up, repeatable")
	faults := faultFlags{}
	fs.Var(faults, "fault", "NAME=RATE fault injection, repeatable; names: "+strings.Join(emulator.FaultNames, ", "))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *stateDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "exo-emulator: -state-dir is required and no positional arguments are accepted")
		fs.Usage()
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	opts := emulator.Options{
		Records: *records, Days: *days, Seed: *seed, Dataset: *dataset,
		Retention: time.Duration(*retention) * 24 * time.Hour, Latency: *latency, TenantConcurrency: *concurrency,
		Faults: faults, PageSize: cmp.Or(*pageSize, *maxPageRows), IngestionDelay: *ingestion, Stragglers: *stragglers,
		Profile: *profile, NonSessionCap: *nonSessionCap, Continuations: *continuations, SlowDelay: *slow,
		Hotspots: hotspots, EndDateInclusive: *endInclusive, EchoResultSize: *echo, VaryRepresentations: *vary,
		GraphDelay: nonZero(*graphDelay), GraphRecordLimit: *graphLimit, GraphCreateInterval: nonZero(*graphInterval),
	}
	if *graphLimit < 1 {
		fmt.Fprintln(stderr, "exo-emulator: -graph-record-limit must be at least 1")
		return 2
	}
	if *verbose {
		opts.Logf = func(format string, a ...any) { log.Info(fmt.Sprintf(format, a...)) }
	}
	emu, err := emulator.StartOn(*listen, opts)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer emu.Close()
	if err := emu.WriteStateDir(*stateDir); err != nil {
		log.Error("cannot write state", "err", err)
		return 1
	}
	fmt.Fprintf(stdout, "ready %s\n", emu.URL())
	first, last := emu.TimeRange()
	log.Info("serving", "url", emu.URL(), "graph_url", emu.GraphURL(), "profile", *profile, "organization", emu.Organization(), "records", emu.Len(),
		"from", first.Format(time.RFC3339), "to", last.Format(time.RFC3339), "state_dir", *stateDir)
	<-ctx.Done()
	log.Info("stopping")
	return 0
}

// nonZero maps a flag's 0 ("none") onto the emulator's negative: its 0 means "the default".
func nonZero(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
