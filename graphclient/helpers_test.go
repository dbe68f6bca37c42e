package graphclient

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/require"
)

// fastPolls polls a fast emulator fast: the waits follow the service's answers, only
// shorter than production's.
func fastPolls() *Options {
	return &Options{PollInitial: 50 * time.Millisecond, PollMax: 200 * time.Millisecond}
}

// startEmulator starts an in-process emulator (live profile unless opts says otherwise)
// whose Graph queries finish in a fraction of a second.
func startEmulator(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	if opts.GraphDelay == 0 {
		opts.GraphDelay = 200 * time.Millisecond
	}
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	em, err := emulator.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = em.Close() })
	return em
}

// configFor turns emulator params (DESIGN §3) into a Config.
func configFor(t testing.TB, p map[string]any) auditsearch.Config {
	t.Helper()
	cert := p["certificate"].(map[string]any)
	pfx, err := base64.StdEncoding.DecodeString(cert["identifier"].(string))
	require.NoError(t, err)
	return auditsearch.Config{URL: p["url"].(string), GraphURL: p["graph_url"].(string), AuthURL: p["auth_url"].(string),
		Organization: p["organization"].(string), AppID: p["app_id"].(string), PFX: pfx,
		Password: cert["password"].(string), Timeout: 60 * time.Second, MaxConcurrency: 4}
}

// newClient builds a client for the emulator's app with params p (nil: the full app).
func newClient(t testing.TB, em *emulator.Emulator, p map[string]any, opts *Options) *Client {
	t.Helper()
	if p == nil {
		p = em.Params()
	}
	if opts == nil {
		opts = fastPolls()
	}
	opts.RootCAs = em.CertPool()
	c, err := New(configFor(t, p), opts)
	require.NoError(t, err)
	return c
}

// everything is a window covering every record of the emulator.
func everything(em *emulator.Emulator) auditsearch.Window {
	first, last := em.TimeRange()
	return auditsearch.Window{Start: first.Add(-time.Second), End: last.Add(2 * time.Second)}
}

func query(w auditsearch.Window, size int) auditsearch.Query {
	return auditsearch.Query{Start: w.Start, End: w.End, ResultSize: size}
}

func recordIDs(recs []auditsearch.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

// truth is the emulator's Graph ground truth for a window, newest first.
func truth(em *emulator.Emulator, w auditsearch.Window, f emulator.GraphFilter) []string {
	f.Start, f.End = w.Start, w.End
	return em.GraphGroundTruth(f)
}

// streamed collects what SearchEach hands over: the unique Ids, and checks that every
// page's window matches its records.
type streamed struct {
	mu    sync.Mutex
	ids   map[string]struct{}
	pages int
	bad   []string
}

func newStreamed() *streamed { return &streamed{ids: map[string]struct{}{}} }

func (s *streamed) each(w auditsearch.Window, recs []auditsearch.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages++
	for _, r := range recs {
		s.ids[r.ID] = struct{}{}
		if r.CreationTime.Before(w.Start) || r.CreationTime.After(w.End) {
			s.bad = append(s.bad, r.ID)
		}
	}
	return nil
}

func (s *streamed) sorted() []string {
	out := make([]string, 0, len(s.ids))
	for id := range s.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func sortedCopy(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// countingBudget counts Takes and fails from the limit-th on.
type countingBudget struct {
	takes atomic.Int64
	limit int64 // 0 = unlimited
}

// errBudgetSpent is the budget's own error type, which callers match with errors.As.
type errBudgetSpent struct{ next time.Time }

func (e *errBudgetSpent) Error() string {
	return "daily Graph query budget spent until " + e.next.String()
}

func (b *countingBudget) Take(ctx context.Context) error {
	n := b.takes.Add(1)
	if b.limit > 0 && n > b.limit {
		return &errBudgetSpent{next: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)}
	}
	return ctx.Err()
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}
