package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/o365auditlog/o365auditlog/integration"
	"github.com/o365auditlog/o365auditlog/internal/plugintest"
)

// procStats is what one child process cost, measured the same way for the plugin and for
// the floors that run as children.
type procStats struct {
	Wall        time.Duration
	CPU         time.Duration // user + system
	MaxRSS      int64         // bytes
	StdoutBytes int64
}

// pluginRun is one execution of the built plugin, as an engine makes it (native: true:
// the process exits after completed).
type pluginRun struct {
	procStats
	Outcome *integration.Outcome
	Stderr  string
}

// pluginEnv is how every plugin run is started: the emulator's CA trusted through
// SSL_CERT_FILE, the working directory for file entries.
type pluginEnv struct {
	bin    string
	caFile string
	dir    string
	extra  []string // more environment, e.g. GOMAXPROCS
}

// execution is the engine's native execution of command.
func execution(command string, params, args map[string]any) integration.Execution {
	return integration.Execution{Command: command, Params: params, Args: args, InvestigationID: "bench", Native: true}
}

// run starts the plugin under -spawn, drives ex through plugintest's integration.Host and
// waits for the exit. The clock runs from just before the process starts to its exit.
func (p pluginEnv) run(ctx context.Context, ex integration.Execution) (*pluginRun, error) {
	cmd, err := spawnCommand(ctx, p.dir, p.bin)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(append(os.Environ(), "SSL_CERT_FILE="+p.caFile), p.extra...)
	cmd.Dir = p.dir
	pl, err := plugintest.Start(cmd.Cmd, nil)
	if err != nil {
		return nil, err
	}
	res := &pluginRun{}
	res.Outcome, err = pl.Execute(ctx, ex)
	// A native plugin exits after completed; the context bounds a plugin that does not.
	waitErr := pl.Close(time.Hour)
	res.Stderr = pl.Stderr()
	if err == nil {
		err = waitErr
	}
	if err != nil {
		return res, fmt.Errorf("plugin: %w; stderr: %.2000s", err, res.Stderr)
	}
	if res.procStats, err = cmd.stats(); err != nil {
		return res, err
	}
	res.StdoutBytes = pl.StdoutBytes()
	return res, nil
}

// usage is a finished process's CPU time and peak RSS (Linux reports Maxrss in KiB).
func usage(ps *os.ProcessState) (time.Duration, int64) {
	if ps == nil {
		return 0, 0
	}
	var rss int64
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	return ps.UserTime() + ps.SystemTime(), rss
}

// benchEntry is what the bench reads of an entry.
type benchEntry struct {
	Type         int                        `json:"Type"`
	Contents     json.RawMessage            `json:"Contents"`
	EntryContext map[string]json.RawMessage `json:"EntryContext"`
	File         string                     `json:"File"`
	FileID       string                     `json:"FileID"`
}

// entries decodes the run's entries; an error entry or an exception fails it.
func (r *pluginRun) entries() ([]benchEntry, error) {
	if r.Outcome.Exception != "" {
		return nil, fmt.Errorf("plugin exception: %s", r.Outcome.Exception)
	}
	var all []benchEntry
	for _, raw := range r.Outcome.RawEntries {
		var e benchEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("plugin wrote an entry that is not an entry: %w", err)
		}
		if e.Type == integration.EntryError {
			return nil, fmt.Errorf("plugin error entry: %s", e.Contents)
		}
		all = append(all, e)
	}
	return all, nil
}
