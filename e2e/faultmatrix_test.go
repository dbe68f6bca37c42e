package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recoverableFaults are the faults a correct client gets through with the exact result
// (DESIGN §4, §4b, §6): each is a case alone, and every one is in the mixed case.
var recoverableFaults = []string{
	emulator.FaultThrottle, emulator.FaultThrottleNoRetryAfter, emulator.FaultConcurrency,
	emulator.FaultServerError, emulator.FaultBadGateway, emulator.FaultUnavailable, emulator.FaultGatewayTimeout,
	emulator.FaultReset, emulator.FaultTruncate, emulator.FaultDuplicate, emulator.FaultBogusPage,
	emulator.FaultCanceled, emulator.FaultTransient, emulator.FaultTokenError, emulator.FaultSlow,
}

// aloneRate is a fault's rate when it is a case alone. Sessions of 1,000-row calls run
// several calls per window, and a fault that may have advanced a session costs the whole
// session: 0.15 hits several calls of every search while leaving each window (resplit into
// pieces of a few calls once a session breaks deep into it) far more than its 8 sessions.
func aloneRate(name string) float64 {
	switch name {
	case emulator.FaultDuplicate:
		return 0.3 // only mid-session calls can repeat rows; the others draw it in vain
	case emulator.FaultTokenError:
		return 0.5 // a search asks for one token: only the first draws count
	}
	return 0.15
}

// mixedRates are every recoverable fault at once, those a search can meet. Faults that
// cost a session are at 2% each (18% of calls together: a window then rarely fails the 8
// sessions the client gives it), the others at 3%.
func mixedRates(size matrixSize) map[string]float64 {
	rates := map[string]float64{}
	for _, name := range recoverableFaults {
		rates[name] = 0.02
	}
	for _, name := range []string{emulator.FaultThrottle, emulator.FaultThrottleNoRetryAfter, emulator.FaultConcurrency, emulator.FaultSlow} {
		rates[name] = 0.03
	}
	rates[emulator.FaultDuplicate] = 0.1
	rates[emulator.FaultTokenError] = aloneRate(emulator.FaultTokenError)
	if !size.sessions {
		delete(rates, emulator.FaultDuplicate) // see matrixCases
	}
	return rates
}

// matrixSize is one shape of search.
type matrixSize struct {
	name                string
	records, resultSize int
	// sessions: the search pages ReturnLargeSet sessions over windows; otherwise it is one
	// call without a session (the newest result_size records fit in it).
	sessions bool
}

var matrixSizes = []matrixSize{
	{name: "sorted", records: 3000, resultSize: 100},
	// Two windows of about 6,000 records: sessions of six or seven calls.
	{name: "sessions", records: 12000, resultSize: 12000, sessions: true},
}

// matrixCase is one fault configuration of the matrix.
type matrixCase struct {
	name   string
	faults map[string]float64
	// forced are injected (InjectNext) before the rates apply, so that a search of few calls
	// surely meets its faults; "" is a call without a fault.
	forced []string
	// searches is how many times the search runs (default 1), all on one emulator and
	// plugin, each to the exact result; with untilFired, the most it runs, stopping once
	// every configured fault has fired.
	searches   int
	untilFired bool
	// tenantLimit is the emulator's TenantConcurrency; maxConcurrency the plugin's param.
	tenantLimit    int
	maxConcurrency int
	// slowDelay is the emulator's SlowDelay (0 = its default, 90s).
	slowDelay time.Duration
	// latency is the emulator's Latency: calls that last long enough to overlap.
	latency time.Duration
	// seed is the emulator's (default 23): the data set and the faults drawn.
	seed int64
}

// matrixCases are every recoverable fault alone, then mixed, for one size.
func matrixCases(size matrixSize) []matrixCase {
	var cases []matrixCase
	for _, name := range recoverableFaults {
		c := matrixCase{name: name, faults: map[string]float64{name: aloneRate(name)}, slowDelay: 2 * time.Second}
		if !size.sessions {
			if name == emulator.FaultDuplicate {
				continue // rows repeat across the pages of a session: a call without one has none
			}
			if name != emulator.FaultTokenError {
				// One call: it meets the fault, and its retries the rate.
				c.forced = []string{name}
			}
			if name == emulator.FaultSlow {
				c.slowDelay = 0 // one call of 90s: the default timeout must not cut it (L8)
			}
		}
		cases = append(cases, c)
	}
	mixed := matrixCase{name: "mixed", faults: mixedRates(size), slowDelay: time.Second}
	if size.sessions {
		// Rates alone: a search makes 40 to 50 calls, so a fault at 2% may sit one out; the
		// next searches meet it. Seed 28 draws every fault within two to four searches.
		mixed.searches, mixed.untilFired, mixed.seed = 10, true, 28
	} else {
		// One call per search: each search's call meets four faults in a row, then gets
		// through (five attempts of the eight the client makes).
		mixed.forced, mixed.searches = chainedFaults()
	}
	cases = append(cases, mixed)
	if size.sessions {
		// The tenant's own limit on calls in flight, below the plugin's concurrency.
		// A limit of one call: the search's two windows are fetched at once, and each call
		// lasts 100 ms, so that their calls surely overlap (with two windows, a limit of two
		// was met only when the plan happened to split the tail, depending on the hour).
		cases = append(cases, matrixCase{name: "tenant-concurrency-limit", tenantLimit: 1, maxConcurrency: 4, latency: 100 * time.Millisecond})
	}
	return cases
}

// chainedFaults are chains of at most four faults, each followed by a call without one,
// and how many chains there are (one search each).
func chainedFaults() ([]string, int) {
	var out []string
	chains, n := 0, 0
	for _, name := range recoverableFaults {
		if name == emulator.FaultTokenError || name == emulator.FaultDuplicate {
			continue
		}
		out = append(out, name)
		if n++; n%4 == 0 {
			out, chains = append(out, ""), chains+1
		}
	}
	if n%4 != 0 {
		out, chains = append(out, ""), chains+1
	}
	return out, chains
}

// TestFaultMatrix runs every recoverable fault alone and all of them mixed through the built
// binary, for a search of one call without a session and for one of sessions over windows.
// Each case has its own seeded emulator, so the faults drawn are the same every run (which
// call meets them depends on the order of concurrent calls). Each search must return the
// exact ground truth, and each configured fault must have fired: a case whose fault never
// happened proves nothing. After the mixed faults, the plugin holds no more descriptors
// than after a clean search. The cases run in parallel: their time is mostly retry waits.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, size := range matrixSizes {
		t.Run(size.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range matrixCases(size) {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					runMatrixCase(t, size, tc)
				})
			}
		})
	}
}

func runMatrixCase(t *testing.T, size matrixSize, tc matrixCase) {
	em := startEmulator(t, emulator.Options{Records: size.records, Days: 2, Seed: cmp.Or(tc.seed, 23),
		TenantConcurrency: tc.tenantLimit, SlowDelay: tc.slowDelay, Latency: tc.latency})
	p := startPlugin(t, em)
	start, end := window(em)
	truth := em.GroundTruth(emulator.Query{Start: start, End: end})
	require.GreaterOrEqual(t, len(truth), size.resultSize)
	truth = truth[:size.resultSize]
	params := em.Params()
	params["max_concurrency"] = strconv.Itoa(cmp.Or(tc.maxConcurrency, 2))
	args := map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": size.resultSize}

	// The mixed case runs a clean search first: the descriptors it leaves are the
	// reference for after the faults (in every case, it would cost a third of the time).
	fds := -1
	if tc.name == "mixed" {
		assertExact(t, p.search(t, params, args), truth)
		fds = openFDs(t, p)
	}
	before := em.Stats()
	require.NoError(t, em.SetFaults(tc.faults))
	em.InjectNext(tc.forced...)
	began := time.Now()
	searches := 0
	for searches < cmp.Or(tc.searches, 1) {
		assertExact(t, p.search(t, params, args), truth)
		if searches++; tc.untilFired && allFired(tc.faults, faultDelta(before, em.Stats())) {
			break
		}
	}
	after := em.Stats()
	fired := faultDelta(before, after)
	t.Logf("%s/%s: exact in %s, %d searches, %d calls, faults fired: %v", size.name, tc.name,
		time.Since(began).Round(100*time.Millisecond), searches, after.InvokeCalls-before.InvokeCalls, fired)
	for name := range tc.faults {
		assert.Positive(t, fired[name], "fault %s never fired: the case proves nothing", name)
	}
	if tc.tenantLimit > 0 {
		assert.Positive(t, fired["tenant-concurrency-limit"], "the tenant's limit never refused a call")
	}
	if fds >= 0 {
		assertNoFDGrowth(t, p, fds)
	}
}

func allFired(faults map[string]float64, fired map[string]int) bool {
	for name := range faults {
		if fired[name] == 0 {
			return false
		}
	}
	return true
}

// assertExact: out is one records entry holding exactly the ground truth, in its order.
func assertExact(t *testing.T, out *outcome, truth []string) {
	t.Helper()
	require.Empty(t, out.errors(), "stderr:\n%s", tail(out.Stderr))
	require.Len(t, out.Entries, 1, "one records entry and nothing else; stderr:\n%s", tail(out.Stderr))
	e := out.Entries[0]
	require.Equal(t, 1, e.Type)
	var recs []record
	require.NoError(t, json.Unmarshal(e.Contents, &recs))
	require.Equal(t, truth, ids(recs), "the result must be the exact ground truth")
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
		_ = p.Cmd.Process.Signal(syscall.SIGTERM) // mid-search or idle: either way the plugin goes
		_ = p.Wait(time.Minute)
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

// faultDelta counts the faults that fired between two snapshots.
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
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.Cmd.Process.Pid))
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

func tail(s string) string {
	const n = 4000
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
