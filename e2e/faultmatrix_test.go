package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// matrixCase is one fault configuration of the matrix.
type matrixCase struct {
	name   string
	faults map[string]float64
}

// matrixCases are every fault of DESIGN §6 alone at a moderate rate, then mixed.
func matrixCases() []matrixCase {
	rate := map[string]float64{
		emulator.FaultDuplicate: 0.3, emulator.FaultReset: 0.1, emulator.FaultTruncate: 0.1,
		emulator.FaultTokenError: 0.5,
	}
	var cases []matrixCase
	for _, name := range emulator.FaultNames {
		r, ok := rate[name]
		if !ok {
			r = 0.15
		}
		cases = append(cases, matrixCase{name: name, faults: map[string]float64{name: r}})
	}
	return append(cases, matrixCase{name: "mixed", faults: map[string]float64{
		emulator.FaultThrottle: 0.04, emulator.FaultThrottleNoRetryAfter: 0.04, emulator.FaultConcurrency: 0.04,
		emulator.FaultServerError: 0.03, emulator.FaultBadGateway: 0.03, emulator.FaultUnavailable: 0.03,
		emulator.FaultGatewayTimeout: 0.03, emulator.FaultReset: 0.03, emulator.FaultTruncate: 0.03,
		emulator.FaultDuplicate: 0.1, emulator.FaultBogusPage: 0.04, emulator.FaultTokenError: 0.2,
	}})
}

// TestFaultMatrix runs every fault alone and mixed through the built binary, for a small
// search (one sorted call) and a large one (sessions over split windows). Each case must end
// in the exact ground truth or in one clear error entry: a silently short result fails. One
// emulator and one plugin process serve each size, so the plugin's descriptors can be
// compared after the first search and after all of them. The sizes run in parallel (their
// time is mostly retry waits); TestNoGoroutineLeak checks the emulator side alone.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	sizes := []struct {
		name                string
		records, resultSize int
	}{
		{name: "small", records: 3000, resultSize: 2000},
		{name: "large", records: 12000, resultSize: 12000},
	}
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			t.Parallel()
			em := startEmulator(t, emulator.Options{Records: size.records, Days: 2, Seed: 23})
			p := startPlugin(t, em)
			start, end := window(em)
			truth := em.GroundTruth(emulator.Query{Start: start, End: end})
			require.GreaterOrEqual(t, len(truth), size.resultSize)
			truth = truth[:size.resultSize]
			params := em.Params()
			// Two windows of about 6,000 records: sessions of two pages, so faults that only
			// exist mid-session (duplicate, an empty page) have a page to hit.
			params["max_concurrency"] = "2"
			args := map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": size.resultSize}

			// A clean search first: the descriptor count it leaves is the reference.
			require.Equal(t, "exact", matrixOutcome(t, p.search(t, params, args), truth))
			fdsAfterFirst := openFDs(t, p)
			for _, tc := range matrixCases() {
				t.Run(tc.name, func(t *testing.T) {
					require.NoError(t, em.SetFaults(tc.faults))
					em.DropInjected()
					em.InjectNext(forcedFaults(tc.name)...)
					before := em.Stats()
					got := matrixOutcome(t, p.search(t, params, args), truth)
					applied := faultDelta(before, em.Stats())
					t.Logf("%s/%s: %s (faults applied: %v)", size.name, tc.name, got, applied)
					if len(forcedFaults(tc.name)) > 0 && (tc.name != emulator.FaultDuplicate || size.name == "large") {
						assert.Positive(t, applied[tc.name], "the fault was not applied")
					}
				})
			}
			require.NoError(t, em.SetFaults(nil))
			em.DropInjected()
			require.Equal(t, "exact", matrixOutcome(t, p.search(t, params, args), truth))
			assertNoFDGrowth(t, p, fdsAfterFirst)
		})
	}
}

// TestNoGoroutineLeak: searches that break connections (resets, truncated bodies, lost
// pages) and the SIGTERM of a plugin mid-call leave no goroutine behind in the in-process
// emulator once it is closed. Not parallel: it counts the whole test process.
func TestNoGoroutineLeak(t *testing.T) {
	baseline := runtime.NumGoroutine()
	t.Run("searches", func(t *testing.T) {
		em := startEmulator(t, emulator.Options{Records: 6000, Days: 1, Seed: 29, Faults: map[string]float64{
			emulator.FaultReset: 0.1, emulator.FaultTruncate: 0.1, emulator.FaultBogusPage: 0.1, emulator.FaultThrottleNoRetryAfter: 0.1}})
		p := startPlugin(t, em)
		start, end := window(em)
		for _, size := range []int{100, 6000} {
			matrixOutcome(t, p.search(t, em.Params(), map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": size}),
				em.GroundTruth(emulator.Query{Start: start, End: end})[:size])
		}
		em.InjectNext(emulator.FaultReset, emulator.FaultTruncate)
		_ = p.cmd.Process.Signal(syscall.SIGTERM) // mid-search or idle: either way the plugin goes
		_ = p.cmd.Wait()
	})
	assertGoroutinesSettle(t, baseline)
}

// search runs o365-auditlog-search with a generous bound: a hang fails the test.
func (p *plugin) search(t *testing.T, params, args map[string]any) *outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	return p.exec(ctx, "o365-auditlog-search", params, args)
}

// matrixOutcome checks that out is the exact truth ("exact") or one clear error entry
// ("error: …"); anything else (a short or reordered result, a warning, no entry) fails.
func matrixOutcome(t *testing.T, out *outcome, truth []string) string {
	t.Helper()
	if errs := out.errors(); len(errs) > 0 {
		require.Len(t, out.Entries, 1, "an error entry comes alone: %+v", out.Entries)
		assertClearError(t, out.Entries[0])
		return "error: " + errs[0]
	}
	require.Len(t, out.Entries, 1, "one records entry and nothing else; stderr:\n%s", tail(out.Stderr))
	e := out.Entries[0]
	require.Equal(t, 1, e.Type)
	var recs []record
	require.NoError(t, json.Unmarshal(e.Contents, &recs))
	require.Equal(t, truth, ids(recs), "the result must be the exact ground truth")
	return "exact"
}

// assertClearError: a Type 4 text entry holding a sentence for an analyst, not a Go error
// chain, and no advice to check settings for what the service did.
func assertClearError(t *testing.T, e entry) {
	t.Helper()
	text := e.text()
	assert.Equal(t, 4, e.Type)
	assert.Equal(t, "text", e.ContentsFormat)
	assert.NotEmpty(t, text)
	assert.True(t, strings.HasSuffix(text, ".") || strings.HasSuffix(text, ".)"), "a full sentence: %q", text)
	for _, jargon := range []string{"panic", "goroutine", "context deadline exceeded", "no trustworthy session", "%!"} {
		assert.NotContains(t, text, jargon)
	}
}

// forcedFaults are injected before a case's rates apply, so that the fault surely happens:
// on the first call, or for duplicates (which exist only mid-session, never in a sorted
// call) on the first 30 calls. Token errors hit the token endpoint and rely on their rate.
func forcedFaults(name string) []string {
	switch name {
	case "mixed", emulator.FaultTokenError:
		return nil
	case emulator.FaultDuplicate:
		return slices.Repeat([]string{name}, 30)
	}
	return []string{name}
}

func faultDelta(before, after emulator.Stats) map[string]int {
	d := map[string]int{}
	for k, v := range after.Faults {
		if n := v - before.Faults[k]; n > 0 {
			d[k] = n
		}
	}
	return d
}

// openFDs counts the plugin process's open file descriptors. It reads /proc, so a failure
// to read it fails the test: skipping would hide a descriptor leak on the Linux CI.
func openFDs(t *testing.T, p *plugin) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	require.NoError(t, err, "counting the plugin's descriptors needs Linux's /proc")
	return len(ents)
}

// assertNoFDGrowth: after many searches the plugin holds no more descriptors than after the
// first (a little slack for connections still closing).
func assertNoFDGrowth(t *testing.T, p *plugin, reference int) {
	t.Helper()
	const slack = 4
	var n int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if n = openFDs(t, p); n <= reference+slack || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("plugin descriptors: %d after the first search, %d after all", reference, n)
	assert.LessOrEqual(t, n, reference+slack, "the plugin leaks file descriptors")
}

// assertGoroutinesSettle: once the emulators are closed, this process is back to its
// goroutine count from before (a few may belong to the runtime or the test framework).
func assertGoroutinesSettle(t *testing.T, baseline int) {
	t.Helper()
	const slack = 3
	var n int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if n = runtime.NumGoroutine(); n <= baseline+slack || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("goroutines: %d before, %d after", baseline, n)
	if n > baseline+slack {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines leak: %d before, %d after\n%s", baseline, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestTokenEndpointDown: when Entra ID's token endpoint always fails, the search ends in a
// clear error naming Entra ID, without calling Exchange Online, and (debug logs on) no
// secret leaks on the way.
func TestTokenEndpointDown(t *testing.T) {
	t.Parallel()
	env := newSecretsEnv(t, emulator.Options{Records: 200, Days: 1, Seed: 5,
		Faults: map[string]float64{emulator.FaultTokenError: 1}})
	em := env.em
	params, pfx := sentinelCertificate(t, em.Params())
	env.secrets.add(pfxSecrets(pfx)...)
	start, end := window(em)
	out := env.p.search(t, params, map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": 50})
	env.assertClean(t, out)
	errs := out.errors()
	require.Len(t, errs, 1, "entries: %+v", out.Entries)
	assertClearError(t, out.Entries[0])
	assert.Contains(t, errs[0], "Entra ID")
	assert.Contains(t, errs[0], "try again in a few minutes")
	assert.Zero(t, em.Stats().InvokeCalls)
	assert.Positive(t, em.Stats().TokenCalls)
}

// TestSlowResponsesBeyondTimeout: every InvokeCommand answer takes longer than `timeout`; the
// search ends (after its bounded retries) in a clear error naming the timeout, not a hang,
// and (debug logs on) no secret or token leaks on the way.
func TestSlowResponsesBeyondTimeout(t *testing.T) {
	t.Parallel()
	env := newSecretsEnv(t, emulator.Options{Records: 200, Days: 1, Seed: 5, Latency: 3 * time.Second})
	params, pfx := sentinelCertificate(t, env.em.Params())
	env.secrets.add(pfxSecrets(pfx)...)
	start, end := window(env.em)
	params["timeout"] = "1"
	began := time.Now()
	out := env.p.search(t, params, map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": 50})
	env.assertClean(t, out)
	t.Logf("gave up after %s", time.Since(began).Round(time.Second))
	errs := out.errors()
	require.Len(t, errs, 1, "entries: %+v", out.Entries)
	assertClearError(t, out.Entries[0])
	assert.Contains(t, errs[0], "did not answer within the timeout of 1s")
	assert.Contains(t, errs[0], "Raise the timeout parameter")
}

// TestSIGTERMDuringSearch: SIGTERM while a slow search runs makes the binary write an error
// entry and completed, then exit 0 promptly.
func TestSIGTERMDuringSearch(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 200, Days: 1, Seed: 5, Latency: 20 * time.Second})
	p := startPlugin(t, em)
	start, end := window(em)
	go func() {
		for deadline := time.Now().Add(time.Minute); em.Stats().InvokeCalls == 0 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := p.exec(ctx, "o365-auditlog-search", em.Params(), map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": 50})
	signalled := time.Now()
	errs := out.errors()
	require.Len(t, errs, 1, "entries: %+v", out.Entries)
	assertClearError(t, out.Entries[0])
	assert.Contains(t, errs[0], "cancel")

	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "exit status 0 after SIGTERM")
		assert.Less(t, time.Since(signalled), 5*time.Second)
	case <-time.After(15 * time.Second):
		t.Fatal("the plugin did not exit after SIGTERM")
	}
}

func tail(s string) string {
	const n = 4000
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
