package exoclient

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aheadLimits: 100 rows per call, so a window of 450 rows is a session of five calls.
var aheadLimits = sessionLimits{page: 100, cap: 1000, target: 900}

// aheadWindow is a window of 450 records and the fake serving them.
func aheadWindow() (*fakeService, Window) {
	w := Window{Start: testEpoch.Add(-time.Hour), End: testEpoch}
	f := newFakeService(spread("w", 450, w.Start, w.End))
	f.rowCap = aheadLimits.cap
	return f, w
}

// aheadSearcher is a searcher at one worker with aheadLimits, calls ahead or not.
func aheadSearcher(f *fakeService, ahead bool) *searcher {
	s := testSearcher(f, 1)
	s.limits, s.noCallAhead = aheadLimits, !ahead
	s.defaults()
	return s
}

// TestCallAheadOverlapsDecoding: at one worker, each call of a session whose page is
// full and not the last is followed by the next call while the page is still being
// decoded: the fake holds every such page's "decoding" until the next call has arrived
// (which never happens without the overlap), and the session's calls never meet at the
// service. The first call (ResultCount not yet known) and the last page are not
// overlapped, so the session costs the same five calls.
func TestCallAheadOverlapsDecoding(t *testing.T) {
	f, w := aheadWindow()
	var mu sync.Mutex
	overlapped := map[int]bool{} // page -> the next call arrived during its decoding
	f.decoding = func(c fakeCall) {
		if c.Page < 1 || c.Page > 3 { // pages 1-3 of 0-4 are full and not the last
			return
		}
		deadline := time.Now().Add(10 * time.Second) // only against a hang
		for {
			calls, _, _ := f.stats()
			if calls > c.N || time.Now().After(deadline) {
				mu.Lock()
				overlapped[c.Page] = calls > c.N
				mu.Unlock()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	s := aheadSearcher(f, true)
	out := s.fetchWindow(context.Background(), Query{Start: w.Start, End: w.End}, w)
	require.NoError(t, out.err)
	assert.Equal(t, map[int]bool{1: true, 2: true, 3: true}, overlapped, "pages whose decoding saw the next call arrive")
	assert.Equal(t, 450, uniqueIDs(out.rows))
	calls, sessions, _ := f.stats()
	assert.Equal(t, 5, calls)
	assert.Equal(t, 1, sessions)
	assert.Zero(t, f.overlapped, "calls of one session served at once")
	assert.Equal(t, int64(5), s.calls.Load())
}

// TestCallAheadAbandoned: when an overlapped page ends or breaks the session, the call
// sent ahead is abandoned (one call more than without the overlap, at most) and the
// window is fetched again exactly as without it.
func TestCallAheadAbandoned(t *testing.T) {
	for _, kind := range []fakeFault{faultBogus, faultEmpty, faultLost, faultSkip, faultDuplicate, faultCanceled} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			var runs [2]struct {
				ids      []string
				calls    int
				sessions int
			}
			for i, ahead := range []bool{false, true} {
				f, w := aheadWindow()
				f.fault = faultAt(1, 1, kind) // the second call, sent ahead of the third
				s := aheadSearcher(f, ahead)
				out := s.fetchWindow(context.Background(), Query{Start: w.Start, End: w.End}, w)
				require.NoError(t, out.err)
				require.Equal(t, 450, uniqueIDs(out.rows))
				assert.Zero(t, f.overlapped, "calls of one session served at once")
				runs[i].ids = sortedIDs(out.rows)
				runs[i].calls, runs[i].sessions, _ = f.stats()
			}
			assert.Equal(t, runs[0].ids, runs[1].ids, "rows with and without the overlap")
			assert.Equal(t, runs[0].sessions, runs[1].sessions)
			assert.LessOrEqual(t, runs[1].calls, runs[0].calls+1)
			t.Logf("calls %d without the overlap, %d with", runs[0].calls, runs[1].calls)
		})
	}
}

func sortedIDs(rows []Row) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	slices.Sort(ids)
	return ids
}

// TestCallAheadExact: at one worker, a streamed search over every data shape and fault
// kind returns every record of its window, with and without the overlap, and never has
// two calls of one session served at once. Where the fake draws no random faults the
// two searches are the same sessions: the same windows with the same rows in the same
// order, for the same number of calls.
func TestCallAheadExact(t *testing.T) {
	mixed := []fakeFault{faultBogus, faultEmpty, faultLost, faultSkip, faultDuplicate, faultCanceled}
	variants := []struct {
		name   string
		setup  func(f *fakeService)
		random bool // the fake draws faults: the overlap's abandoned calls change the draws
	}{
		{name: "no faults", setup: func(*fakeService) {}},
		{name: "closed bounds", setup: func(f *fakeService) { f.bounds = boundsClosed }},
		{name: "echoed ResultCount", setup: func(f *fakeService) { f.echoCount = true }},
		{name: "duplicates in session lists", setup: func(f *fakeService) { f.sessDups = 97 }},
		{name: "L9 sessions start over", setup: func(f *fakeService) { f.restartAtEnd = true }},
		{name: "L4 refused continuations", setup: func(f *fakeService) { f.restPage, f.refuseNextLink = 100, true }},
		{name: "bogus pages", random: true, setup: func(f *fakeService) { f.fault = randomFaults(1, 0.2, 3, faultBogus) }},
		{name: "empty pages", random: true, setup: func(f *fakeService) { f.fault = randomFaults(2, 0.2, 3, faultEmpty) }},
		{name: "lost pages", random: true, setup: func(f *fakeService) { f.fault = randomFaults(3, 0.2, 3, faultLost) }},
		{name: "skipped pages", random: true, setup: func(f *fakeService) { f.fault = randomFaults(4, 0.2, 3, faultSkip) }},
		{name: "duplicates across pages", random: true, setup: func(f *fakeService) { f.fault = randomFaults(5, 0.3, 3, faultDuplicate) }},
		{name: "L3 canceled calls", random: true, setup: func(f *fakeService) { f.fault = randomFaults(6, 0.2, 3, faultCanceled) }},
		{name: "mixed faults, sessions start over", random: true, setup: func(f *fakeService) {
			f.fault, f.restartAtEnd, f.sessDups = randomFaults(7, 0.3, 3, mixed...), true, 101
		}},
	}
	const k = scale(10)
	shapes := []struct {
		name string
		data func(scale) []Row
	}{{"sparse", sparseData}, {"dense hour", denseHourData}, {"dense newest hour", denseNewestData}}
	for _, shape := range shapes {
		for _, v := range variants {
			t.Run(shape.name+", "+v.name, func(t *testing.T) {
				data := shape.data(k)
				q := Query{Start: testEpoch.Add(-72 * time.Hour), End: testEpoch, ResultSize: len(data)}
				without := streamAt1(t, k, data, q, v.setup, false)
				with := streamAt1(t, k, data, q, v.setup, true)
				want := sortedIDs(newFakeService(data).selection(q.Start, q.End))
				assert.Equal(t, want, with.ids, "records streamed with the overlap")
				assert.Equal(t, want, without.ids, "records streamed without the overlap")
				if !v.random {
					assert.Equal(t, without.windows, with.windows, "windows and their rows")
					assert.Equal(t, without.calls, with.calls, "calls")
				}
				t.Logf("calls %d without the overlap, %d with", without.calls, with.calls)
			})
		}
	}
}

// streamed is what a streamed search delivered.
type streamed struct {
	ids     []string // every record once, sorted
	windows []string // each window and its rows' IDs in order
	calls   int
}

// streamAt1 streams q over data at one worker with k's limits.
func streamAt1(t *testing.T, k scale, data []Row, q Query, setup func(*fakeService), ahead bool) streamed {
	t.Helper()
	f, s := searcherAt(k, data, 1)
	setup(f)
	s.noCallAhead = !ahead
	var out streamed
	seen := map[string]bool{}
	s.each = func(w Window, rows []Row) error {
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
			if !seen[r.ID] {
				seen[r.ID] = true
				out.ids = append(out.ids, r.ID)
			}
		}
		out.windows = append(out.windows, w.String()+": "+strings.Join(ids, " "))
		return nil
	}
	res, err := s.search(context.Background(), q)
	require.NoError(t, err)
	for _, r := range res.Records { // answered without sessions
		if !seen[r.ID] {
			seen[r.ID] = true
			out.ids = append(out.ids, r.ID)
		}
	}
	require.Empty(t, res.Incomplete)
	assert.Zero(t, f.overlapped, "calls of one session served at once")
	slices.Sort(out.ids)
	out.calls, _, _ = f.stats()
	return out
}

// TestAnsweredOnlyForWholeSessionAnswers: Client.SearchPage reports a session call's
// answer (withAnswered) once its 200 body is read, unless the body holds a continuation,
// and never for a continuation's body or a failed call.
func TestAnsweredOnlyForWholeSessionAnswers(t *testing.T) {
	one := page(rowJSON("a", "2026-01-01T00:00:01Z"))
	withLink := func(base *string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"value": []any{}, "@odata.nextLink": *base + "/adminapi/beta/" + testTenant + "/InvokeCommand?$skiptoken=2"})
		}
	}
	canceled := status(200, `{"value":[],"@adminapi.warnings":["A task was canceled."]}`)
	unavailable := status(503, `{"error":{"code":"ServiceUnavailable","message":"try later"}}`)
	cases := []struct {
		name    string
		replies func(base *string) []func(http.ResponseWriter, *http.Request)
		want    int
	}{
		{name: "a page", want: 1, replies: func(*string) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){one}
		}},
		{name: "a failure warning (not retried)", want: 1, replies: func(*string) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){canceled}
		}},
		{name: "a page with a continuation", want: 0, replies: func(b *string) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){withLink(b), one}
		}},
		{name: "a 503 (lost session)", want: 0, replies: func(*string) []func(http.ResponseWriter, *http.Request) {
			return []func(http.ResponseWriter, *http.Request){unavailable}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnvLinked(t, tc.replies)
			p := testParams()
			p.LargeSet, p.SessionID = true, testSessionID
			got := 0
			_, _ = env.client(nil).SearchPage(withAnswered(context.Background(), func() { got++ }), p)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestHasNextLink(t *testing.T) {
	for body, want := range map[string]bool{
		`{"value":[]}`: false,
		`{"value":[],"@odata.nextLink":"https://x/InvokeCommand?$skiptoken=1"}`:       true,
		`{"@odata.nextLink" : "l","value":[]}`:                                        true,
		`{"value":[{"AuditData":"{\"@odata.nextLink\":\"x\"}"}]}`:                     false,
		`{"value":[{"Identity":"\"@odata.nextLink\" is a string here"}],"x":1}`:       false,
		`{"value":[{"Identity":"@odata.nextLink"}],"@odata.nextLink@odata.type":"s"}`: false,
	} {
		assert.Equal(t, want, hasNextLink([]byte(body)), body)
	}
}
