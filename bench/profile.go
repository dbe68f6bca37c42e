package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
		// One process per path: Go reads SSL_CERT_FILE once, and each emulator has its own CA.
		step("profile: %s of %d records in-process", c.name, c.records)
		_, out, err := runSelf(context.Background(), "-profile-one", dir, c.name, strconv.Itoa(c.records), strconv.FormatBool(c.asFile))
		if err != nil {
			return fmt.Errorf("profile %s: %w", c.name, err)
		}
		os.Stderr.Write(out)
	}
	return nil
}

// profileOneMain is the child mode -profile-one DIR NAME RECORDS AS_FILE.
func profileOneMain(args []string) error {
	records, err := strconv.Atoi(args[2])
	if err != nil {
		return err
	}
	return profileOne(args[0], args[1], records, args[3] == "true")
}

func profileOne(dir, name string, records int, asFile bool) error {
	em, err := emulator.Start(emulator.Options{Records: records, Days: 7, Seed: 7, Prerender: true})
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
	var out tailWriter
	srv := integration.Server{
		Stdin:    bytes.NewReader(executionLine("o365-auditlog-search", em.Params(), args)),
		Stdout:   &out,
		Logger:   slog.New(slog.DiscardHandler),
		Registry: commands.RegistryWith(commands.Options{Dir: work, Logger: profileLogger()}),
		FileDir:  work,
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
	fmt.Printf("bench: profile: %s took %s, wrote %d bytes\n", name, time.Since(started).Round(time.Millisecond), out.n)
	if err != nil {
		return err
	}
	if bytes.Contains(out.tail, []byte(`"Type":4`)) {
		return fmt.Errorf("the command failed: %s", out.tail)
	}
	mem, err := os.Create(filepath.Join(dir, name+".alloc.pprof"))
	if err != nil {
		return err
	}
	defer mem.Close()
	return pprof.Lookup("allocs").WriteTo(mem, 0)
}

// tailWriter counts what is written and keeps the last few KiB (error entries are short).
type tailWriter struct {
	n    int64
	tail []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	w.tail = append(w.tail, p...)
	if len(w.tail) > 8<<10 {
		w.tail = append(w.tail[:0], w.tail[len(w.tail)-4<<10:]...)
	}
	return len(p), nil
}

// executionLine is the engine's line for one native execution, for the in-process
// server that the profiles run.
func executionLine(command string, params, args map[string]any) []byte {
	line, err := json.Marshal(map[string]any{
		"command": command, "params": params, "args": args,
		"context":     map[string]any{"Inv": map[string]any{"id": "bench"}},
		"integration": true, "native": true,
	})
	if err != nil {
		panic(err) // only maps of plain values are passed
	}
	return append(line, '\n')
}

// profileLogger logs the commands' info lines to stderr with the time since the start,
// so a profile's timeline (fetch, then rendering and writing) can be read beside it.
func profileLogger() *slog.Logger {
	if os.Getenv("BENCH_PROFILE_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
