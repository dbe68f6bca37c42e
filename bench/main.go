// Command bench measures the plugin against its floors and writes BENCHMARKS.md (make bench).
//
// Every plugin figure comes from the built binary (bin/o365auditlog) started as a child
// process, as an engine starts it, against the emulator running in this process; CPU time
// and peak RSS are the child's own (rusage), so the emulator's share never counts.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
)

type options struct {
	out     string
	bin     string
	runs    int
	quick   bool
	only    string
	exportN int
	serialN int
	profile string
	at      int
}

func main() {
	if len(os.Args) > 1 {
		if code, ok := childMain(os.Args[1:]); ok {
			os.Exit(code)
		}
	}
	var o options
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "the report to write")
	flag.StringVar(&o.bin, "bin", "bin/o365auditlog", "the plugin binary (make build)")
	flag.IntVar(&o.runs, "runs", 5, "runs per measurement (the median is reported)")
	flag.BoolVar(&o.quick, "quick", false, "a smaller large export (200,000 records) and fewer runs")
	flag.StringVar(&o.only, "only", "", "comma-separated subset: overhead,throughput,export,bridge")
	flag.IntVar(&o.exportN, "export-records", 0, "records of the large export (default 1,000,000; 200,000 with -quick)")
	flag.IntVar(&o.serialN, "serial-records", 0, "records of the export at max_concurrency 1 (default: the large export's)")
	flag.IntVar(&o.at, "export-at", 0, "instead of benchmarking, run the large export once at this max_concurrency and log its wall, CPU, calls and peak RSS")
	flag.StringVar(&o.profile, "profile", "", "instead of benchmarking, write CPU and allocation profiles of the two hot paths (search, export) to this directory")
	flag.Parse()
	if o.profile != "" {
		o.defaults()
		if err := profileHotPaths(o.profile, min(o.exportN, 200_000)); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if o.at > 0 {
		o.defaults()
		if err := exportAt(o); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// childMain runs the child modes this program starts itself in: -spawn (see spawn.go),
// the floors, and -noop (an empty process).
func childMain(args []string) (int, bool) {
	var err error
	switch {
	case args[0] == "-spawn" && len(args) >= 3:
		return spawnMain(args[1], args[2:]), true
	case args[0] == "-noop":
		return 0, true
	case args[0] == "-floor-throughput" && len(args) == 2:
		err = floorMain(args[1])
	case args[0] == "-floor-export" && len(args) == 3:
		err = exportFloorMain(args[1], args[2])
	case args[0] == "-profile-one" && len(args) == 5:
		err = profileOneMain(args[1:])
	case args[0] == "-floor-test-module" && len(args) == 2:
		err = floorTestModuleMain(args[1])
	default:
		return 0, false
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, args[0]+":", err)
		return 1, true
	}
	return 0, true
}

// report is everything BENCHMARKS.md shows.
type report struct {
	opts       options
	machine    machine
	overhead   *overheadResult
	throughput *throughputResult
	export     *exportResult
	bridge     *bridgeResult
	took       time.Duration
}

func (o *options) defaults() {
	if o.exportN == 0 {
		o.exportN = 1_000_000
		if o.quick {
			o.exportN = 200_000
		}
	}
	// max_concurrency=1 takes records ÷ 5,000 × 300 ms (1 min for 1,000,000): it runs on
	// every record, as the goal is stated at full size.
	if o.serialN == 0 {
		o.serialN = o.exportN
	}
	if o.quick {
		o.runs = min(o.runs, 3)
	}
}

func (o *options) want(name string) bool {
	return o.only == "" || strings.Contains(","+o.only+",", ","+name+",")
}

func run(o options) error {
	o.defaults()
	started := time.Now()
	if _, err := os.Stat(o.bin); err != nil {
		return fmt.Errorf("%s: %w (run make build first)", o.bin, err)
	}
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "o365auditlog-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env := pluginEnv{bin: o.bin, dir: dir}
	if !filepath.IsAbs(env.bin) {
		env.bin = filepath.Join(repo, env.bin)
	}
	ctx := context.Background()
	rep := &report{opts: o, machine: readMachine()}
	if o.want("overhead") || o.want("bridge") {
		if err := smallBenches(ctx, env, repo, rep); err != nil {
			return err
		}
	}
	if o.want("throughput") {
		step("throughput: %d-record search, %d runs", throughputRecords, o.runs)
		if rep.throughput, err = benchThroughput(ctx, env, o.runs); err != nil {
			return fmt.Errorf("throughput: %w", err)
		}
	}
	if o.want("export") {
		runs := 3
		if o.quick {
			runs = 1
		}
		step("export: %d records as_file, %d run(s) at max_concurrency 8, one at 1", o.exportN, runs)
		if rep.export, err = benchExport(ctx, env, o.exportN, runs, o.serialN); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	rep.took = time.Since(started)
	text := rep.markdown()
	fmt.Print(text)
	return os.WriteFile(o.out, []byte(text), 0o644)
}

// smallBenches share one small emulator: test-module through the binary, its floor, and
// through the bridge.
func smallBenches(ctx context.Context, env pluginEnv, repo string, rep *report) error {
	em, err := emulator.Start(emulator.Options{Records: 1000, Days: 1, Seed: 1})
	if err != nil {
		return err
	}
	defer em.Close()
	env.caFile = filepath.Join(env.dir, "ca.pem")
	if err := os.WriteFile(env.caFile, em.CAPEM(), 0o600); err != nil {
		return err
	}
	runs := max(rep.opts.runs, 5)
	first, last := em.TimeRange()
	cfgFile, err := writeFloorConfig(env.dir, em, env.caFile, first, last)
	if err != nil {
		return err
	}
	if rep.opts.want("overhead") {
		step("overhead: test-module, %d runs", runs)
		if rep.overhead, err = benchOverhead(ctx, env, em, cfgFile, runs); err != nil {
			return fmt.Errorf("overhead: %w", err)
		}
	}
	if rep.opts.want("bridge") {
		step("bridge: test-module through bridge/O365AuditLog.py, %d runs", runs)
		if rep.bridge, err = benchBridge(ctx, env, em, repo, runs); err != nil {
			return fmt.Errorf("bridge: %w", err)
		}
	}
	return nil
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
