package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/o365auditlog/o365auditlog/commands"
	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/o365auditlog/o365auditlog/integration"
)

// profileHotPaths runs the two hot paths in this process under the CPU profiler and writes
// CPU and allocation profiles to dir: the 50,000-record search (throughput) and an export
// of exportN records without latency. The emulator serves from the same process: read the
// profiles for the plugin's packages (integration, commands, exoclient, contextout,
// humanreadable, encoding/json).
func profileHotPaths(dir string, exportN int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range []struct {
		name    string
		records int
		asFile  bool
	}{{"search", throughputRecords, false}, {"export", exportN, true}} {
		step("profile: %s of %d records in-process", c.name, c.records)
		if err := profileOne(dir, c.name, c.records, c.asFile); err != nil {
			return fmt.Errorf("profile %s: %w", c.name, err)
		}
	}
	return nil
}

func profileOne(dir, name string, records int, asFile bool) error {
	em, err := emulator.Start(emulator.Options{Records: records, Days: 7, Seed: 7})
	if err != nil {
		return err
	}
	defer em.Close()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, em.CAPEM(), 0o600); err != nil {
		return err
	}
	// Go reads SSL_CERT_FILE once, at the first verification: before any TLS in this process.
	os.Setenv("SSL_CERT_FILE", ca)
	first, last := em.TimeRange()
	args := map[string]any{"start_date": first.Add(-time.Second).Format(time.RFC3339),
		"end_date": last.Add(2 * time.Second).Format(time.RFC3339), "result_size": strconv.Itoa(records)}
	if asFile {
		args["as_file"] = "true"
	}
	work, err := os.MkdirTemp("", "o365auditlog-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	srv := integration.Server{
		Stdin:    bytes.NewReader(executionLine("o365-auditlog-search", em.Params(), args)),
		Stdout:   io.Discard,
		Logger:   slog.New(slog.DiscardHandler),
		Registry: commands.RegistryWith(commands.Options{Dir: work, Logger: slog.New(slog.DiscardHandler)}),
	}
	cpu, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		return err
	}
	defer cpu.Close()
	runtime.MemProfileRate = 64 << 10
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return err
	}
	started := time.Now()
	err = srv.Serve(context.Background())
	pprof.StopCPUProfile()
	step("profile: %s took %s", name, time.Since(started).Round(time.Millisecond))
	if err != nil {
		return err
	}
	mem, err := os.Create(filepath.Join(dir, name+".alloc.pprof"))
	if err != nil {
		return err
	}
	defer mem.Close()
	return pprof.Lookup("allocs").WriteTo(mem, 0)
}
