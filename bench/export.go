package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
)

// Export scenario of issues 7 and 15: 300 ms per call, a tenant limit of 8 concurrent
// calls, 5,000 rows per call.
const (
	exportLatency     = 300 * time.Millisecond
	exportConcurrency = 8
	// exportWideConcurrency is the second max_concurrency the export runs at: more workers
	// than the tenant allows, so more windows in flight (peak RSS).
	exportWideConcurrency = 16
	// exportRowsPerCall is the most rows one export call carries: the emulator serves a
	// session page of 5,000 rows as one REST page, so every 5,000 rows are a call that pays
	// the latency.
	exportRowsPerCall = 5000
	// rowsPerCall is the most rows one HTTP response carries in the throughput search: the
	// emulator's live profile, like live tenants, serves REST pages of 1,000 rows and
	// refuses their continuations.
	rowsPerCall = 1000
)

// exportRun is one as_file export.
type exportRun struct {
	procStats
	Calls int
	// Throttled is how many of Calls the emulator refused with 429 for the tenant's limit
	// of concurrent calls (they cost a round trip, not a page).
	Throttled int
	Count     int // records in the file
	// EmulatorCPU is this process's CPU time during the run: the emulator serving (and
	// TLS-encrypting) every row, on the same cores as the plugin.
	EmulatorCPU time.Duration
}

// exportResult is the large export at max_concurrency 8 beside the ideal and the export
// floor, once at 16 (memory) and once at 1.
type exportResult struct {
	Records      int
	Runs         int
	Parallel     exportRun // median over Runs
	Floor        exportRun // the export floor beside each parallel run, median (export_floor.go)
	Wide         exportRun // one run at max_concurrency exportWideConcurrency
	Serial       exportRun // one run at max_concurrency 1, on SerialRecord records
	SerialRecord int
	// Graph is one run of the same export through Microsoft Graph audit queries
	// (backend=graph, issue 14: within 512 MiB).
	Graph exportRun
}

// IdealCalls is the fewest calls that can carry every record.
func (r *exportResult) IdealCalls() int { return idealCalls(r.Records) }

// idealCalls is the fewest calls that can carry n records: ceil(n / exportRowsPerCall).
func idealCalls(n int) int { return (n + exportRowsPerCall - 1) / exportRowsPerCall }

// Ideal is the wall time of IdealCalls at 8 in parallel.
func (r *exportResult) Ideal() time.Duration { return idealWall(r.Records, exportConcurrency) }

// idealWall is the wall time of idealCalls(n) with at most workers calls at once (never
// more than the tenant's limit of 8).
func idealWall(n, workers int) time.Duration {
	return time.Duration(float64(idealCalls(n)) / float64(min(workers, exportConcurrency)) * float64(exportLatency))
}

// benchExport exports every record of an emulator of n records through the binary
// (as_file=true) with max_concurrency 8, runs times, each beside the export floor, then
// once with max_concurrency 16, then once with max_concurrency 1 on serialN records (the
// whole set unless -serial-records asks for fewer).
func benchExport(ctx context.Context, env pluginEnv, n, runs, serialN int) (*exportResult, error) {
	res := &exportResult{Records: n, Runs: runs, SerialRecord: serialN}
	var parallel, floor []procStats
	var calls, counts, floorCalls []int64
	var emuCPU []time.Duration
	err := withExportEmulator(env, n, func(env pluginEnv, em *emulator.Emulator) error {
		for range runs {
			r, err := exportOnce(ctx, env, em, n, exportConcurrency)
			if err != nil {
				return err
			}
			parallel = append(parallel, r.procStats)
			emuCPU = append(emuCPU, r.EmulatorCPU)
			calls, counts = append(calls, int64(r.Calls)), append(counts, int64(r.Count))
			f, err := exportFloorOnce(ctx, env, em, n)
			if err != nil {
				return fmt.Errorf("export floor: %w", err)
			}
			floor, floorCalls = append(floor, f.procStats), append(floorCalls, int64(f.Calls))
		}
		step("export: one run at max_concurrency %d", exportWideConcurrency)
		r, err := exportOnce(ctx, env, em, n, exportWideConcurrency)
		res.Wide = r
		if err != nil {
			return err
		}
		step("export: one run through Microsoft Graph (backend=graph)")
		res.Graph, err = exportOnce(ctx, env, em, n, exportConcurrency, "backend", "graph")
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Parallel = exportRun{procStats: medianStats(parallel), Calls: int(medianInt(calls)), Count: int(medianInt(counts)), EmulatorCPU: median(emuCPU)}
	res.Floor = exportRun{procStats: medianStats(floor), Calls: int(medianInt(floorCalls)), Count: n}
	step("export: one run at max_concurrency 1 on %d records", serialN)
	err = withExportEmulator(env, serialN, func(env pluginEnv, em *emulator.Emulator) error {
		r, err := exportOnce(ctx, env, em, serialN, 1)
		res.Serial = r
		return err
	})
	return res, err
}

func withExportEmulator(env pluginEnv, n int, f func(pluginEnv, *emulator.Emulator) error) error {
	em, err := emulator.Start(emulator.Options{Records: n, Days: 30, Seed: 3, Prerender: true,
		Latency: exportLatency, TenantConcurrency: exportConcurrency, PageSize: exportRowsPerCall})
	if err != nil {
		return err
	}
	defer em.Close()
	env.caFile = filepath.Join(env.dir, "export-ca.pem")
	if err := os.WriteFile(env.caFile, em.CAPEM(), 0o600); err != nil {
		return err
	}
	return f(env, em)
}

// exportOnce runs one export (with the extra args given as name, value pairs) and checks
// the file: n lines, newest first.
func exportOnce(ctx context.Context, env pluginEnv, em *emulator.Emulator, n, concurrency int, extra ...string) (exportRun, error) {
	first, last := em.TimeRange()
	params := em.Params()
	params["max_concurrency"] = strconv.Itoa(concurrency)
	args := map[string]any{
		"start_date": first.Add(-time.Second).Format(time.RFC3339), "end_date": last.Add(2 * time.Second).Format(time.RFC3339),
		"result_size": strconv.Itoa(n), "as_file": "true",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		args[extra[i]] = extra[i+1]
	}
	ex := execution("o365-auditlog-search", params, args)
	before, throttledBefore, cpuBefore := em.Stats().InvokeCalls, throttled(em), selfCPU()
	r, err := env.run(ctx, ex)
	if err != nil {
		return exportRun{}, err
	}
	out := exportRun{procStats: r.procStats, Calls: em.Stats().InvokeCalls - before, Throttled: throttled(em) - throttledBefore,
		EmulatorCPU: selfCPU() - cpuBefore}
	step("export: max_concurrency %d: %s wall, %s CPU, %d calls (%d refused for the tenant limit; ideal %d), %s peak RSS", concurrency,
		ms(out.Wall), ms(out.CPU), out.Calls, out.Throttled, idealCalls(n), mib(out.MaxRSS))
	entries, err := r.entries()
	if err != nil {
		return out, err
	}
	for _, e := range entries {
		if e.Type != 3 {
			continue
		}
		path := filepath.Join(env.dir, "bench_"+e.FileID)
		out.Count, err = checkExportFile(path)
		os.Remove(path)
		if err != nil {
			return out, err
		}
		if out.Count != n {
			return out, fmt.Errorf("the export holds %d records, want %d", out.Count, n)
		}
		return out, nil
	}
	return out, fmt.Errorf("no file entry among %d entries", len(entries))
}

// checkExportFile counts the JSON Lines and checks they are newest first.
func checkExportFile(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n, prev := 0, ""
	for sc.Scan() {
		var rec struct{ CreationTime string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		if prev != "" && rec.CreationTime > prev {
			return n, fmt.Errorf("line %d is newer than the line before it", n+1)
		}
		prev = rec.CreationTime
		n++
	}
	return n, sc.Err()
}

// selfCPU is this process's CPU time so far (user + system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// exportAt is -export-at: one export of o.exportN records at max_concurrency o.at, logged
// by exportOnce, for looking at one configuration without the whole bench.
func exportAt(o options) error {
	dir, err := os.MkdirTemp("", "o365auditlog-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	return withExportEmulator(pluginEnv{bin: bin, dir: dir}, o.exportN, func(env pluginEnv, em *emulator.Emulator) error {
		_, err := exportOnce(context.Background(), env, em, o.exportN, o.at)
		return err
	})
}

// throttled is how many calls the emulator has refused for the tenant's concurrency limit.
func throttled(em *emulator.Emulator) int {
	return em.Stats().Faults["tenant-concurrency-limit"]
}
