// Package e2e drives the built o365auditlog binary through the engine protocol against the
// in-process emulator: the product as an engine sees it.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/o365auditlog once per test run, as `make build` does (CGO_ENABLED=0).
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "o365auditlog-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "o365auditlog")
		cmd := exec.Command("go", "build", "-o", binPath, "../cmd/o365auditlog")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// entry is what the tests read of an entry; Contents and EntryContext stay raw so that big
// results decode only as far as a test needs.
type entry struct {
	Type                   int                        `json:"Type"`
	ContentsFormat         string                     `json:"ContentsFormat"`
	Contents               json.RawMessage            `json:"Contents"`
	HumanReadable          string                     `json:"HumanReadable"`
	ReadableContentsFormat string                     `json:"ReadableContentsFormat"`
	EntryContext           map[string]json.RawMessage `json:"EntryContext"`
	File                   string                     `json:"File"`
	FileID                 string                     `json:"FileID"`
}

// text is the entry's Contents when it is a JSON string.
func (e entry) text() string {
	var s string
	_ = json.Unmarshal(e.Contents, &s)
	return s
}

type outcome struct {
	Entries   []entry
	Exception string
	Stderr    string
}

func (o *outcome) errors() []string {
	var out []string
	for _, e := range o.Entries {
		if e.Type == 4 {
			out = append(out, e.text())
		}
	}
	return out
}

// plugin is one running binary with the emulator's CA trusted through SSL_CERT_FILE.
type plugin struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  *bufio.Writer
	stdout *bufio.Reader
	stderr *bytes.Buffer
	state  map[string]json.RawMessage // lastRun and integration context, as an engine keeps them
}

func startPlugin(t *testing.T, em *emulator.Emulator, extraEnv ...string) *plugin {
	t.Helper()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, em.CAPEM(), 0o600))
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+ca)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Dir = dir
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &plugin{t: t, cmd: cmd, stdin: bufio.NewWriter(in), stdout: bufio.NewReaderSize(out, 1<<20),
		stderr: &bytes.Buffer{}, state: map[string]json.RawMessage{}}
	cmd.Stderr = &lockedBuffer{buf: p.stderr}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return p
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// exec runs one command and answers executeCommand calls the way an engine does.
func (p *plugin) exec(ctx context.Context, command string, params, args map[string]any) *outcome {
	p.t.Helper()
	line, err := json.Marshal(map[string]any{"command": command, "params": params, "args": args,
		"context": map[string]any{"Inv": map[string]any{"id": "42"}}, "integration": true, "native": false})
	require.NoError(p.t, err)
	p.write(line)
	out := &outcome{}
	for {
		raw := p.readLine(ctx)
		var msg struct {
			Type    string          `json:"type"`
			Results []entry         `json:"results"`
			Command string          `json:"command"`
			Args    json.RawMessage `json:"args"`
		}
		require.NoError(p.t, json.Unmarshal(raw, &msg), "protocol line: %.300s", raw)
		switch msg.Type {
		case "result":
			out.Entries = append(out.Entries, msg.Results...)
		case "exception":
			var a struct{ Exception string }
			require.NoError(p.t, json.Unmarshal(msg.Args, &a))
			out.Exception = a.Exception
		case "executeCommand":
			p.answer(msg.Command, msg.Args)
		case "completed":
			out.Stderr = p.cmd.Stderr.(*lockedBuffer).String()
			return out
		default:
			p.t.Fatalf("unexpected message %q", msg.Type)
		}
	}
}

func (p *plugin) answer(command string, args json.RawMessage) {
	var a struct {
		Value json.RawMessage `json:"value"`
	}
	_ = json.Unmarshal(args, &a)
	switch command {
	case "getLastRun", "getIntegrationContext":
		key := command[3:]
		v := p.state[key]
		if v == nil {
			v = json.RawMessage("{}")
		}
		p.write(v)
	case "setLastRun", "setIntegrationContext":
		p.state[command[3:]] = a.Value
		p.write([]byte("{}"))
	default:
		p.write([]byte("[ERROR-fd5a7750-7182-4b38-90ba-091824478903] unsupported command " + command))
	}
}

func (p *plugin) write(line []byte) {
	p.stdin.Write(line)
	p.stdin.WriteByte('\n')
	require.NoError(p.t, p.stdin.Flush())
}

func (p *plugin) readLine(ctx context.Context) []byte {
	p.t.Helper()
	type res struct {
		b   []byte
		err error
	}
	ch := make(chan res, 1)
	go func() {
		b, err := p.stdout.ReadBytes('\n')
		ch <- res{b, err}
	}()
	select {
	case r := <-ch:
		require.NoError(p.t, r.err, "plugin stdout ended; stderr:\n%s", p.cmd.Stderr.(*lockedBuffer).String())
		return r.b
	case <-ctx.Done():
		_ = p.cmd.Process.Kill()
		p.t.Fatalf("no answer from the plugin: %v; stderr:\n%s", ctx.Err(), p.cmd.Stderr.(*lockedBuffer).String())
		return nil
	}
}

// record is what tests check of each returned record.
type record struct {
	ID           string `json:"Id"`
	CreationTime string `json:"CreationTime"`
}

// searchRecords runs a search that must succeed and returns the records of its note entry.
func searchRecords(t *testing.T, p *plugin, params, args map[string]any) ([]record, *outcome) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out := p.exec(ctx, "o365-auditlog-search", params, args)
	require.Empty(t, out.errors(), "stderr:\n%s", out.Stderr)
	for _, e := range out.Entries {
		if e.Type == 1 && e.ContentsFormat == "json" {
			var recs []record
			require.NoError(t, json.Unmarshal(e.Contents, &recs))
			return recs, out
		}
	}
	return nil, out
}

func ids(recs []record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func startEmulator(t *testing.T, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	em, err := emulator.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = em.Close() })
	return em
}

// window returns start_date/end_date args covering every record the emulator holds.
func window(em *emulator.Emulator) (time.Time, time.Time) {
	first, last := em.TimeRange()
	return first.Add(-time.Second), last.Add(2 * time.Second)
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func init() {
	// The emulator and the plugin share two cores with the race detector: keep GC calm.
	runtime.GOMAXPROCS(runtime.NumCPU())
}
