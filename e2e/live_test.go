package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The live tests (issue 12, item 4) run exact searches through the built binary under each
// behaviour of DESIGN §4b alone and under all of them at once: every answer must be the
// emulator's ground truth, Id for Id and in order, with a complete summary.

// liveRecords is the data set every behaviour shares: 70,000 records over three days plus
// an hour of 60,000 (more than one session's 50,000 cap, so that hour must be split).
const (
	liveRecords = 70000
	liveHotspot = 60000
	liveTotal   = liveRecords + liveHotspot
	liveWorkers = 3
	liveAll     = "all" // the behaviour with every other one on at once
)

// liveBehaviour is one emulator configuration of the matrix.
type liveBehaviour struct {
	name string
	opts emulator.Options // profile, knobs and faults; the data set is added by the test
	// inject are faults forced on the first calls of every search, so that each search
	// meets them whatever the rates draw.
	inject []string
	// perSearch asserts that the behaviour showed in one search (counters around it).
	perSearch func(t *testing.T, s liveSearch, before, after emulator.Stats)
	// overall asserts that it showed at all over the behaviour's searches.
	overall func(t *testing.T, st emulator.Stats)
}

// liveBehaviours are the behaviours of DESIGN §4b that change what a search gets back,
// each alone (as far as the emulator's options allow) and all together.
func liveBehaviours() []liveBehaviour {
	return []liveBehaviour{
		{
			// L1 alone. The ideal profile ignores NonSessionCap (profile.go), so this is the
			// live profile without REST pages (PageSize negative; continuations would be
			// allowed anyway). What live does besides and has no switch stays on: the L2
			// envelope, L5 error bodies and L9 restarts past a session's end.
			name: "L1 non-session cap",
			opts: emulator.Options{Profile: emulator.ProfileLive, NonSessionCap: emulator.DefaultNonSessionCap,
				PageSize: -1, Continuations: emulator.ContinuationsOK},
			perSearch: func(t *testing.T, s liveSearch, before, after emulator.Stats) {
				if s.resultSize > emulator.DefaultNonSessionCap {
					assert.Positive(t, after.NonSessionCapped-before.NonSessionCapped, "no call was capped")
				}
			},
			overall: func(t *testing.T, st emulator.Stats) { assert.Positive(t, st.NonSessionCapped) },
		},
		{
			// L4 alone: the ideal service, but a call's rows come in REST pages of 1,000
			// whose continuations are all refused.
			name: "L4 REST pages refused",
			opts: emulator.Options{Profile: emulator.ProfileIdeal, PageSize: emulator.DefaultPageSize,
				Continuations: emulator.ContinuationsRefused},
			perSearch: func(t *testing.T, s liveSearch, before, after emulator.Stats) {
				assertOneRefusalAtMost(t, before, after)
				if s.resultSize > emulator.DefaultPageSize {
					assert.Equal(t, 1, after.RefusedContinuations-before.RefusedContinuations,
						"a search asking more than a REST page meets exactly one refusal")
				}
			},
			overall: func(t *testing.T, st emulator.Stats) { assert.Positive(t, st.RefusedContinuations) },
		},
		{
			// L9 alone: restarts have no switch of their own, so this is the live profile
			// without the non-session cap and without REST pages. The L2 envelope, L5
			// bodies and ResultCount echoing ResultSize on calls without a session stay on.
			name: "L9 sessions start over",
			opts: emulator.Options{Profile: emulator.ProfileLive, NonSessionCap: -1, PageSize: -1,
				Continuations: emulator.ContinuationsOK},
			perSearch: func(t *testing.T, s liveSearch, before, after emulator.Stats) {
				if s.restart {
					assert.Positive(t, after.SessionRestarts-before.SessionRestarts, "no session started over")
				}
			},
			overall: func(t *testing.T, st emulator.Stats) { assert.Positive(t, st.SessionRestarts) },
		},
		{
			name:   "L3 canceled",
			opts:   emulator.Options{Profile: emulator.ProfileIdeal, Faults: map[string]float64{emulator.FaultCanceled: 0.1}},
			inject: []string{emulator.FaultCanceled},
			perSearch: func(t *testing.T, _ liveSearch, before, after emulator.Stats) {
				assertFaultHit(t, emulator.FaultCanceled, before, after)
			},
		},
		{
			name:   "L6 transient",
			opts:   emulator.Options{Profile: emulator.ProfileIdeal, Faults: map[string]float64{emulator.FaultTransient: 0.1}},
			inject: []string{emulator.FaultTransient},
			perSearch: func(t *testing.T, _ liveSearch, before, after emulator.Stats) {
				assertFaultHit(t, emulator.FaultTransient, before, after)
			},
		},
		{
			name: liveAll,
			opts: emulator.Options{Faults: map[string]float64{
				emulator.FaultCanceled: 0.05, emulator.FaultTransient: 0.05, emulator.FaultDuplicate: 0.1}},
			inject: []string{emulator.FaultCanceled, emulator.FaultTransient},
			perSearch: func(t *testing.T, s liveSearch, before, after emulator.Stats) {
				assertFaultHit(t, emulator.FaultCanceled, before, after)
				assertFaultHit(t, emulator.FaultTransient, before, after)
				assertOneRefusalAtMost(t, before, after)
				if s.resultSize > emulator.DefaultNonSessionCap {
					assert.Positive(t, after.NonSessionCapped-before.NonSessionCapped, "no call was capped")
				}
			},
			overall: func(t *testing.T, st emulator.Stats) {
				assert.Positive(t, st.NonSessionCapped)
				assert.Positive(t, st.RefusedContinuations)
				assert.Positive(t, st.Faults[emulator.FaultDuplicate])
			},
		},
	}
}

// liveSearch is one search of a behaviour's sequence, over a window holding exactly
// window records of the shared data set (0: all of it).
type liveSearch struct {
	name       string
	window     int
	resultSize int
	workers    int // max_concurrency
	// restart: the window holds exactly two session pages of 5,000 (ten of 1,000) and is
	// fetched by one session, which is then asked past its end.
	restart bool
}

func liveSearches() []liveSearch {
	out := []liveSearch{}
	for _, n := range []int{1, 10, 100, 1000, 5000} {
		out = append(out, liveSearch{name: fmt.Sprintf("newest %d of 20000", n), window: 20000, resultSize: n, workers: liveWorkers})
	}
	return append(out,
		liveSearch{name: "12000 of 30000", window: 30000, resultSize: 12000, workers: liveWorkers},
		liveSearch{name: "10000 in one session", window: 10000, resultSize: 10000, workers: 1, restart: true},
		liveSearch{name: "130000 with 60000 in one hour", resultSize: liveTotal, workers: liveWorkers},
	)
}

// TestLiveExactSizesFullScale: under each live behaviour alone and all at once, searches of every
// size return exactly the newest result_size records of their window, newest first, with a
// complete summary, and the behaviour really happened. One emulator and one plugin per
// behaviour serve its searches in turn; the behaviours run in parallel.
//
// It runs at full size in make test's pass without the race detector (FullScale): the
// plugin binary is never built with -race, and the detector would only watch this process
// (the emulator rendering rows, the harness decoding result lines of hundreds of MB),
// making each 130,000-record search four to five times slower for nothing.
func TestLiveExactSizesFullScale(t *testing.T) {
	t.Parallel()
	for _, b := range liveBehaviours() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			opts := b.opts
			opts.Records, opts.Days, opts.Seed = liveRecords, 3, 41
			// The oldest hour of the data set: far from the newest 30,000 records.
			opts.Hotspots = []emulator.Hotspot{{Start: time.Now().UTC().Add(-71 * time.Hour).Truncate(time.Hour),
				Duration: time.Hour, Count: liveHotspot}}
			em := startEmulator(t, opts)
			require.Equal(t, liveTotal, em.Len())
			p := startPlugin(t, em, "O365AUDITLOG_LOG_LEVEL=debug")
			cuts := newestTimes(t, em)
			require.True(t, cuts.at(t, 30000).After(opts.Hotspots[0].Start.Add(time.Hour)), "the hour of 60,000 is outside the 30,000 newest")
			for _, s := range liveSearches() {
				t.Run(s.name, func(t *testing.T) {
					start, end := window(em)
					if s.window > 0 {
						start, end = cuts.exactWindow(t, s.window)
					}
					runLiveSearch(t, em, p, b, s, start, end)
				})
			}
			st := em.Stats()
			t.Logf("%s: emulator stats %+v", b.name, st)
			assert.LessOrEqual(t, st.MaxInFlight, liveWorkers, "max_concurrency bounds the calls in flight")
			if b.overall != nil {
				b.overall(t, st)
			}
		})
	}
}

// runLiveSearch runs one search of b's sequence and checks it against the ground truth.
func runLiveSearch(t *testing.T, em *emulator.Emulator, p *plugin, b liveBehaviour, s liveSearch, start, end time.Time) {
	truth := em.GroundTruth(emulator.Query{Start: start, End: end})
	if s.window > 0 {
		require.Len(t, truth, s.window)
	} else {
		require.Len(t, truth, liveTotal)
	}
	params := em.Params()
	params["max_concurrency"] = strconv.Itoa(s.workers)
	args := map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": s.resultSize}

	em.DropInjected()
	em.InjectNext(b.inject...)
	logs := p.Plugin
	before, logFrom, began := em.Stats(), len(logs.Stderr()), time.Now()
	defer func() {
		if t.Failed() {
			keepLog(t, logs.Stderr()[logFrom:])
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	out := p.exec(ctx, "o365-auditlog-search", params, args)
	after := em.Stats()
	t.Logf("%s / %s: %s, %d calls, refused %d, capped %d, restarts %d, faults %v", b.name, s.name,
		time.Since(began).Round(100*time.Millisecond), after.InvokeCalls-before.InvokeCalls,
		after.RefusedContinuations-before.RefusedContinuations, after.NonSessionCapped-before.NonSessionCapped,
		after.SessionRestarts-before.SessionRestarts, faultDelta(before, after))

	b.perSearch(t, s, before, after)
	assertExactEntry(t, out, truth[:s.resultSize], start, end)
}

// assertExactEntry: one records entry, whose Ids are want in order, newest first, with a
// complete summary counting them.
func assertExactEntry(t *testing.T, out *outcome, want []string, start, end time.Time) {
	t.Helper()
	require.Empty(t, out.errors(), "stderr:\n%s", tail(out.Stderr))
	if len(out.Entries) != 1 { // not require.Len: it would print every record
		require.FailNow(t, "one records entry and nothing else (no warning)", entryKinds(out))
	}
	e := out.Entries[0]
	require.Equal(t, 1, e.Type)
	require.Equal(t, "json", e.ContentsFormat)
	var recs []record
	require.NoError(t, json.Unmarshal(e.Contents, &recs))
	assertSameIDs(t, want, ids(recs))
	assertNewestFirst(t, recs)
	assertSummary(t, e.EntryContext[summaryKey], start, end, len(want))
}

// assertSameIDs compares Id lists of up to 130,000 and describes a difference briefly.
func assertSameIDs(t *testing.T, want, got []string) {
	t.Helper()
	if slices.Equal(want, got) {
		return
	}
	first := 0
	for first < min(len(want), len(got)) && want[first] == got[first] {
		first++
	}
	wantSet := map[string]bool{}
	for _, id := range want {
		wantSet[id] = true
	}
	gotSet, extra, dups := map[string]bool{}, 0, 0
	for _, id := range got {
		if gotSet[id] {
			dups++
		}
		gotSet[id] = true
		if !wantSet[id] {
			extra++
		}
	}
	missing := 0
	for _, id := range want {
		if !gotSet[id] {
			missing++
		}
	}
	assert.Fail(t, "the result is not the exact ground truth",
		"want %d Ids, got %d: first difference at %d, %d missing, %d not in the truth, %d repeated",
		len(want), len(got), first, missing, extra, dups)
}

func entryKinds(out *outcome) string {
	var kinds []string
	for _, e := range out.Entries {
		kinds = append(kinds, fmt.Sprintf("Type %d %s %.200s", e.Type, e.ContentsFormat, e.text()))
	}
	return strings.Join(kinds, "; ")
}

func assertOneRefusalAtMost(t *testing.T, before, after emulator.Stats) {
	t.Helper()
	assert.LessOrEqual(t, after.RefusedContinuations-before.RefusedContinuations, 1,
		"a refused continuation costs at most one call per search")
}

func assertFaultHit(t *testing.T, name string, before, after emulator.Stats) {
	t.Helper()
	assert.Positive(t, after.Faults[name]-before.Faults[name], "the %s fault did not happen", name)
}

// keepLog writes a failed search's plugin log (debug level) where it outlives the test.
func keepLog(t *testing.T, log string) {
	t.Helper()
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	path := filepath.Join(os.TempDir(), "o365auditlog-"+name+".log")
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Logf("plugin log: %v; its tail:\n%s", err, tail(log))
		return
	}
	t.Logf("plugin log (debug) kept in %s; its tail:\n%s", path, tail(log))
}

// recordTimes are the records of a data set, newest first, and the end of the window
// holding them all. Their CreationTime is read on demand: a window needs only a few.
type recordTimes struct {
	em    *emulator.Emulator
	ids   []string
	times map[int]time.Time
	end   time.Time
}

// newestTimes lists the records of em, newest first.
func newestTimes(t *testing.T, em *emulator.Emulator) recordTimes {
	t.Helper()
	start, end := window(em)
	return recordTimes{em: em, ids: em.GroundTruth(emulator.Query{Start: start, End: end}),
		times: map[int]time.Time{}, end: end}
}

// at is the CreationTime of the i-th newest record.
func (rt recordTimes) at(t *testing.T, i int) time.Time {
	t.Helper()
	if ts, ok := rt.times[i]; ok {
		return ts
	}
	text, ok := rt.em.Record(rt.ids[i])
	require.True(t, ok, rt.ids[i])
	var rec struct{ CreationTime string }
	require.NoError(t, json.Unmarshal(text, &rec))
	ts, err := time.Parse("2006-01-02T15:04:05", rec.CreationTime)
	require.NoError(t, err)
	rt.times[i] = ts.UTC()
	return rt.times[i]
}

// exactWindow returns [start, end) holding exactly n records: the newest n when no
// second holds both the n-th record and the next older one, else the newest run of n that
// no boundary splits (EndDate is exclusive in the emulator; callers check the count
// against the ground truth).
func (rt recordTimes) exactWindow(t *testing.T, n int) (time.Time, time.Time) {
	t.Helper()
	for k := 0; k+n < len(rt.ids); k++ {
		end := rt.end
		if k > 0 {
			if !rt.at(t, k).Before(rt.at(t, k-1)) {
				continue
			}
			end = rt.at(t, k-1)
		}
		if rt.at(t, k+n).Before(rt.at(t, k+n-1)) {
			return rt.at(t, k+n-1), end
		}
	}
	t.Fatalf("no window of exactly %d records", n)
	return time.Time{}, time.Time{}
}

// TestLiveSlowCallDefaultTimeout: a call that takes 65 s (past any 60 s client default,
// DESIGN §4b L8) does not fail a search made with the default timeout param (960 s): the
// search waits for it and returns the exact result.
func TestLiveSlowCallDefaultTimeout(t *testing.T) {
	t.Parallel()
	const slow = 65 * time.Second
	em := startEmulator(t, emulator.Options{Records: 3000, Days: 1, Seed: 43, SlowDelay: slow})
	p := startPlugin(t, em, "O365AUDITLOG_LOG_LEVEL=debug")
	start, end := window(em)
	truth := em.GroundTruth(emulator.Query{Start: start, End: end})
	require.Len(t, truth, 3000)
	params := em.Params()
	delete(params, "timeout")

	em.InjectNext(emulator.FaultSlow)
	defer func() {
		if t.Failed() {
			keepLog(t, p.Stderr())
		}
	}()
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := p.exec(ctx, "o365-auditlog-search", params, map[string]any{
		"start_date": rfc(start), "end_date": rfc(end), "result_size": 2000})
	took := time.Since(began)
	t.Logf("search took %s; emulator stats %+v", took.Round(100*time.Millisecond), em.Stats())

	assertExactEntry(t, out, truth[:2000], start, end)
	assert.Equal(t, 1, em.Stats().Faults[emulator.FaultSlow], "the first call was slowed")
	assert.GreaterOrEqual(t, took, slow, "the search waited for the slow call")
}
