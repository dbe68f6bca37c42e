package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
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
	Lines  [][]byte // stdout lines
	Stderr string
}

// pluginEnv is how every plugin run is started: the emulator's CA trusted through
// SSL_CERT_FILE, the working directory for file entries.
type pluginEnv struct {
	bin    string
	caFile string
	dir    string
	extra  []string // more environment, e.g. GOMAXPROCS
}

// executionLine is the engine's line for one native execution.
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

// run starts the plugin, writes line, reads stdout to its end and waits for the exit. The
// clock runs from just before the process starts to its exit.
func (p pluginEnv) run(ctx context.Context, line []byte) (*pluginRun, error) {
	cmd, err := spawnCommand(ctx, p.dir, p.bin)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(append(os.Environ(), "SSL_CERT_FILE="+p.caFile), p.extra...)
	cmd.Dir = p.dir
	cmd.Stdin = bytes.NewReader(line)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	res := &pluginRun{}
	var n int64
	res.Lines, n, err = readLines(out)
	waitErr := cmd.Wait()
	res.Stderr = stderr.String()
	if err == nil {
		err = waitErr
	}
	if err != nil {
		return res, fmt.Errorf("plugin: %w; stderr: %.2000s", err, res.Stderr)
	}
	if res.procStats, err = cmd.stats(); err != nil {
		return res, err
	}
	res.StdoutBytes = n
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

func readLines(r io.Reader) ([][]byte, int64, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var lines [][]byte
	var n int64
	for {
		line, err := br.ReadBytes('\n')
		n += int64(len(line))
		if len(line) > 0 {
			lines = append(lines, line)
		}
		if errors.Is(err, io.EOF) {
			return lines, n, nil
		}
		if err != nil {
			return lines, n, err
		}
	}
}

// benchEntry is what the bench reads of an entry.
type benchEntry struct {
	Type         int                        `json:"Type"`
	Contents     json.RawMessage            `json:"Contents"`
	EntryContext map[string]json.RawMessage `json:"EntryContext"`
	File         string                     `json:"File"`
	FileID       string                     `json:"FileID"`
}

// entries decodes the result messages and fails on an error entry or a missing completed.
func (r *pluginRun) entries() ([]benchEntry, error) {
	var all []benchEntry
	completed := false
	for _, line := range r.Lines {
		var msg struct {
			Type    string       `json:"type"`
			Results []benchEntry `json:"results"`
		}
		if err := json.Unmarshal(line, &msg); err != nil {
			return nil, fmt.Errorf("plugin wrote a line that is not a message: %w", err)
		}
		switch msg.Type {
		case "result":
			for _, e := range msg.Results {
				if e.Type == 4 {
					return nil, fmt.Errorf("plugin error entry: %s", e.Contents)
				}
			}
			all = append(all, msg.Results...)
		case "completed":
			completed = true
		}
	}
	if !completed {
		return nil, fmt.Errorf("no completed message; stderr: %.2000s", r.Stderr)
	}
	return all, nil
}
