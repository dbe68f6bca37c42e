// Package e2e drives the built o365auditlog binary through the engine protocol against the
// in-process emulator: the product as an engine sees it.
package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/o365auditlog/o365auditlog/integration"
	"github.com/o365auditlog/o365auditlog/internal/plugintest"
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
		buildErr = plugintest.Build("../cmd/o365auditlog", binPath)
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

// plugin is one running binary with the emulator's CA trusted through SSL_CERT_FILE,
// driven by plugintest's integration.Host.
type plugin struct {
	*plugintest.Plugin
	t     *testing.T
	store *integration.Store // lastRun and integration context, as an engine keeps them
}

func startPlugin(t *testing.T, em *emulator.Emulator, extraEnv ...string) *plugin {
	t.Helper()
	return startPluginWith(t, em, &integration.Store{}, extraEnv...)
}

// startPluginWith starts a plugin whose engine state is store: a restarted container
// that keeps its lastRun.
func startPluginWith(t *testing.T, em *emulator.Emulator, store *integration.Store, extraEnv ...string) *plugin {
	t.Helper()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, em.CAPEM(), 0o600))
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+ca)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Dir = dir
	pp, err := plugintest.Start(cmd, store)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pp.Close(10 * time.Second) })
	return &plugin{Plugin: pp, t: t, store: store}
}

// lastRun is the stored lastRun as JSON ({} before the first setLastRun).
func (p *plugin) lastRun() json.RawMessage {
	b, err := json.Marshal(p.store.LastRun())
	require.NoError(p.t, err)
	return b
}

// exec runs one command; the Host answers executeCommand calls the way an engine does.
func (p *plugin) exec(ctx context.Context, command string, params, args map[string]any) *outcome {
	p.t.Helper()
	res, err := p.Execute(ctx, integration.Execution{Command: command, Params: params, Args: args, InvestigationID: "42"})
	if ctx.Err() != nil {
		p.Kill()
		p.t.Fatalf("no answer from the plugin: %v; stderr:\n%s", ctx.Err(), p.Stderr())
	}
	require.NoError(p.t, err, "stderr:\n%s", p.Stderr())
	out := &outcome{Exception: res.Exception, Stderr: p.Stderr()}
	for _, raw := range res.RawEntries {
		var e entry
		require.NoError(p.t, json.Unmarshal(raw, &e), "entry: %.300s", raw)
		out.Entries = append(out.Entries, e)
	}
	return out
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
