package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// scale shrinks a test to 1/k of the service's sizes (data, page, cap and split target)
// so the same shapes (many pages, capped sessions, splits) run on small data; 1 is the
// real thing.
type scale int

func (k scale) n(x int) int { return x / int(k) }

func (k scale) limits() sessionLimits {
	return sessionLimits{page: k.n(sessionPageSize), cap: k.n(sessionRowCap), target: k.n(windowTargetRows)}
}

// searcherAt returns a fake over data and a searcher with k's limits.
func searcherAt(k scale, data []Row, workers int) (*fakeService, *searcher) {
	f := newFakeService(data)
	f.rowCap = k.limits().cap
	s := testSearcher(f, workers)
	s.limits = k.limits()
	return f, s
}

// Data sets; rows are tiny (no AuditData) so 130,000 of them stay cheap.
func sparseData(k scale) []Row {
	return spread("sparse", k.n(20000), testEpoch.Add(-72*time.Hour), testEpoch)
}

func exact12kData(k scale) []Row {
	return spread("day", k.n(12000), testEpoch.Add(-24*time.Hour), testEpoch)
}

// denseHourData: 70,000 records over three days plus 60,000 in one hour of the second
// day: 130,000, and a session over that hour alone is truncated.
func denseHourData(k scale) []Row {
	hour := testEpoch.Add(-36 * time.Hour)
	return slices.Concat(spread("base", k.n(70000), testEpoch.Add(-72*time.Hour), testEpoch),
		spread("hour", k.n(60000), hour, hour.Add(time.Hour)))
}

// denseNewestData: the dense hour is the newest one.
func denseNewestData(k scale) []Row {
	return slices.Concat(spread("base", k.n(70000), testEpoch.Add(-72*time.Hour), testEpoch),
		spread("hour", k.n(60000), testEpoch.Add(-time.Hour), testEpoch))
}

func last(d time.Duration) Query { return Query{Start: testEpoch.Add(-d), End: testEpoch} }

func sized(q Query, n int) Query { q.ResultSize = n; return q }

// exactCase is a search whose result must be exactly the fake's newest rows.
type exactCase struct {
	name  string
	k     scale
	data  func(scale) []Row
	q     Query // ResultSize at scale 1
	setup func(f *fakeService)
}

// TestWindowSearchExact runs the cheap full-size searches and every fault variant over the
// shapes that split, at a tenth of the sizes. The full-size heavy ones are
// TestWindowSearchExactFullScale.
func TestWindowSearchExact(t *testing.T) {
	mixed := []fakeFault{faultBogus, faultEmpty, faultLost, faultSkip, faultDuplicate}
	days3 := last(72 * time.Hour)
	cases := []exactCase{
		{name: "1 of 20,000", k: 1, data: sparseData, q: sized(days3, 1)},
		{name: "10 of 20,000", k: 1, data: sparseData, q: sized(days3, 10)},
		{name: "5,000 of 20,000", k: 1, data: sparseData, q: sized(days3, 5000)},
		{name: "5,000 of 20,000 in a narrower window", k: 1, data: sparseData, q: Query{Start: testEpoch.Add(-50 * time.Hour), End: testEpoch.Add(-10 * time.Hour), ResultSize: 5000}},
		{name: "12,000 of 20,000", k: 1, data: sparseData, q: sized(days3, 12000)},
		{name: "12,000 of 12,000", k: 1, data: exact12kData, q: sized(last(24*time.Hour), 12000)},
		{name: "fewer than 5,000 in the window of a large search", k: 1, data: sparseData, q: Query{Start: testEpoch.Add(-2 * time.Hour), End: testEpoch, ResultSize: 20000}},
	}
	variants := []struct {
		name  string
		setup func(f *fakeService)
	}{
		{name: "no faults"},
		{name: "closed bounds", setup: func(f *fakeService) { f.bounds = boundsClosed }},
		{name: "left-open bounds", setup: func(f *fakeService) { f.bounds = boundsLeftOpen }},
		{name: "echoed ResultCount", setup: func(f *fakeService) { f.echoCount = true }},
		{name: "duplicates in session lists", setup: func(f *fakeService) { f.sessDups = 97 }},
		{name: "bogus pages", setup: func(f *fakeService) { f.fault = randomFaults(1, 0.2, 3, faultBogus) }},
		{name: "empty pages mid-session", setup: func(f *fakeService) { f.fault = randomFaults(2, 0.2, 3, faultEmpty) }},
		{name: "lost pages", setup: func(f *fakeService) { f.fault = randomFaults(3, 0.2, 3, faultLost) }},
		{name: "silently skipped pages", setup: func(f *fakeService) { f.fault = randomFaults(4, 0.2, 3, faultSkip) }},
		{name: "duplicates across pages", setup: func(f *fakeService) { f.fault = randomFaults(5, 0.3, 3, faultDuplicate) }},
		{name: "mixed faults, echoed ResultCount, closed bounds", setup: func(f *fakeService) {
			f.fault, f.echoCount, f.bounds, f.sessDups = randomFaults(6, 0.3, 3, mixed...), true, boundsClosed, 101
		}},
	}
	for _, v := range variants {
		for _, shape := range []struct {
			name string
			data func(scale) []Row
			size int
		}{{"dense hour, all", denseHourData, 130000}, {"dense newest hour, 60,000", denseNewestData, 60000}} {
			cases = append(cases, exactCase{name: shape.name + ", " + v.name, k: 10, data: shape.data, q: sized(days3, shape.size), setup: v.setup})
		}
	}
	runExact(t, cases)
}

// TestWindowSearchExactFullScale: the searches over 130,000 rows at the service's real
// sizes. `make test` runs *FullScale tests without the race detector (which slows them
// tenfold); TestWindowSearchExact covers the same shapes under it at 1:10.
func TestWindowSearchExactFullScale(t *testing.T) {
	mixed := []fakeFault{faultBogus, faultEmpty, faultLost, faultSkip, faultDuplicate}
	days3 := last(72 * time.Hour)
	runExact(t, []exactCase{
		{name: "more wanted than there are", k: 1, data: exact12kData, q: sized(last(24*time.Hour), 100000)},
		{name: "130,000 with a dense hour", k: 1, data: denseHourData, q: sized(days3, 130000)},
		{name: "12,000 of 130,000, dense newest hour", k: 1, data: denseNewestData, q: sized(days3, 12000)},
		{name: "70,000 of 130,000, dense newest hour", k: 1, data: denseNewestData, q: sized(days3, 70000)},
		{name: "130,000 under mixed faults", k: 1, data: denseHourData, q: sized(days3, 130000),
			setup: func(f *fakeService) { f.fault, f.sessDups = randomFaults(7, 0.2, 3, mixed...), 89 }},
	})
}

func runExact(t *testing.T, cases []exactCase) {
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s (1:%d)", tc.name, tc.k), func(t *testing.T) {
			f, s := searcherAt(tc.k, tc.data(tc.k), 4)
			if tc.setup != nil {
				tc.setup(f)
			}
			q := tc.q
			if q.ResultSize > sortedMaxResultSize { // the small/large boundary is not scaled
				q.ResultSize = tc.k.n(q.ResultSize)
			}
			res, err := s.search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			assertSameRows(t, res.Records, f.expected(q))
			if len(res.Incomplete) != 0 {
				t.Errorf("Incomplete = %v, want none", res.Incomplete)
			}
			calls, sessions, _ := f.stats()
			t.Logf("%d calls, %d sessions", calls, sessions)
		})
	}
}

// assertSameRows compares IDs in order without dumping thousands of them.
func assertSameRows(t *testing.T, got, want []Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d records, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i].ID != want[i].ID {
			t.Errorf("record %d: got %s (%s), want %s (%s)", i, got[i].ID, got[i].CreationTime, want[i].ID, want[i].CreationTime)
			return
		}
	}
}

// TestWindowSearchNewestStopsEarlyFullScale needs the real sizes: at 1:10 the search is
// below the single-call limit and never opens a window.
func TestWindowSearchNewestStopsEarlyFullScale(t *testing.T) {
	const k scale = 1
	f, s := searcherAt(k, denseNewestData(k), 1)
	var windows []Window
	f.fault = func(c fakeCall) fakeFault {
		if c.Params.LargeSet && c.Page == 0 {
			windows = append(windows, Window{Start: c.Params.Start, End: c.Params.End})
		}
		return faultNone
	}
	q := sized(last(72*time.Hour), k.n(12000))
	res, err := s.search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	assertSameRows(t, res.Records, f.expected(q))
	// The newest hour alone holds 60,000 records: no window older than it is needed.
	for _, w := range windows {
		if !w.End.After(testEpoch.Add(-time.Hour)) {
			t.Errorf("window %s fetched; sessions: %v", w, windows)
		}
	}
}

func TestWindowSearchDenseSecondIsIncomplete(t *testing.T) { testDenseSecondIsIncomplete(t, 10) }

func TestWindowSearchDenseSecondIsIncompleteFullScale(t *testing.T) {
	testDenseSecondIsIncomplete(t, 1)
}

func testDenseSecondIsIncomplete(t *testing.T, k scale) {
	second := testEpoch.Add(-5 * time.Hour)
	data := slices.Concat(spread("base", k.n(20000), testEpoch.Add(-24*time.Hour), testEpoch),
		spread("second", k.n(60000), second, second.Add(time.Second)))
	_, s := searcherAt(k, data, 4)
	q := sized(last(24*time.Hour), k.n(100000))
	res, err := s.search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	want := []Window{{Start: second, End: second.Add(time.Second)}}
	if !slices.Equal(res.Incomplete, want) {
		t.Errorf("Incomplete = %v, want %v", res.Incomplete, want)
	}
	got := map[string]bool{}
	inSecond := 0
	for _, r := range res.Records {
		got[r.ID] = true
		if r.CreationTime.Equal(second) {
			inSecond++
		}
	}
	for _, r := range data {
		if !r.CreationTime.Equal(second) && !got[r.ID] {
			t.Fatalf("record %s (%s) missing", r.ID, r.CreationTime)
		}
	}
	if inSecond != k.n(sessionRowCap) {
		t.Errorf("%d records of the dense second kept, want %d", inSecond, k.n(sessionRowCap))
	}
	if !slices.IsSortedFunc(res.Records, auditsearch.CompareNewestFirst) || uniqueIDs(res.Records) != len(res.Records) {
		t.Error("records not unique and newest first")
	}
}

// TestWindowSearchIncompleteOnlyWhenItMattersFullScale needs the real sizes: at 1:10 the
// search is below the single-call limit and never meets the dense second.
func TestWindowSearchIncompleteOnlyWhenItMattersFullScale(t *testing.T) {
	const k scale = 1
	second := testEpoch.Add(-20 * time.Hour)
	data := slices.Concat(spread("base", k.n(20000), testEpoch.Add(-24*time.Hour), testEpoch),
		spread("second", k.n(60000), second, second.Add(time.Second)))
	f, s := searcherAt(k, data, 2)
	q := sized(last(24*time.Hour), k.n(100000)/10) // all newer than the dense second
	res, err := s.search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	assertSameRows(t, res.Records, f.expected(q))
	if len(res.Incomplete) != 0 {
		t.Errorf("Incomplete = %v, want none", res.Incomplete)
	}
}

func TestWindowSearchConcurrencyBound(t *testing.T) {
	for _, workers := range []int{1, 3, 6} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			f, s := searcherAt(10, denseHourData(10), workers)
			// The first session calls wait for each other (up to a bound), so the test
			// also sees that all workers do run in parallel.
			var mu sync.Mutex
			arrived := 0
			all := make(chan struct{})
			f.gate = func(ctx context.Context, p SearchParams) error {
				if !p.LargeSet {
					return nil
				}
				mu.Lock()
				arrived++
				if arrived == workers {
					close(all)
				}
				mu.Unlock()
				select {
				case <-all:
				case <-time.After(5 * time.Second):
				}
				return nil
			}
			q := sized(last(72*time.Hour), 13000)
			res, err := s.search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			assertSameRows(t, res.Records, f.expected(q))
			if _, _, peak := f.stats(); peak != workers {
				t.Errorf("peak in-flight calls = %d, want %d", peak, workers)
			}
		})
	}
}

func TestWindowSearchCancellationStopsWorkers(t *testing.T) {
	const workers = 3
	f, s := searcherAt(10, denseHourData(10), workers)
	started := make(chan struct{}, 100)
	f.gate = func(ctx context.Context, p SearchParams) error {
		if !p.LargeSet {
			return nil
		}
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for range workers {
			<-started
		}
		cancel()
	}()
	_, err := s.search(ctx, sized(last(72*time.Hour), 13000))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inflight != 0 {
		t.Errorf("%d calls still in flight after Search returned", f.inflight)
	}
	if f.sessionsRun != 0 || len(started) != 0 {
		t.Errorf("%d sessions created, %d more calls started after cancellation", f.sessionsRun, len(started))
	}
}

func TestWindowSearchFailsNamingTheWindow(t *testing.T) {
	bad := testEpoch.Add(-30 * time.Hour)
	f, s := searcherAt(10, denseHourData(10), 4)
	var mu sync.Mutex
	var badWindows []Window
	f.fault = func(c fakeCall) fakeFault {
		w := Window{Start: c.Params.Start, End: c.Params.End}
		if c.Params.LargeSet && !w.Start.After(bad) && w.End.After(bad) {
			mu.Lock()
			badWindows = append(badWindows, w)
			mu.Unlock()
			return faultBogus
		}
		return faultNone
	}
	_, err := s.search(context.Background(), sized(last(72*time.Hour), 13000))
	if err == nil {
		t.Fatal("search succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(badWindows) != windowMaxAttempts {
		t.Errorf("%d sessions on the failing window, want %d", len(badWindows), windowMaxAttempts)
	}
	want := "search window " + badWindows[0].String() + ": no trustworthy session after " + strconv.Itoa(windowMaxAttempts) + " attempts (last: call 1: bogus row"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %q", err, want)
	}
}

func TestWindowSearchForbiddenFailsFast(t *testing.T) {
	f, s := searcherAt(10, denseHourData(10), 4)
	f.fault = func(c fakeCall) fakeFault {
		if c.Params.LargeSet {
			return faultForbidden
		}
		return faultNone
	}
	_, err := s.search(context.Background(), sized(last(72*time.Hour), 13000))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 403 {
		t.Fatalf("err = %v, want the 403", err)
	}
	if _, sessions, _ := f.stats(); sessions > 4 {
		t.Errorf("%d sessions, want at most one per worker", sessions)
	}
}

func TestWindowSearchSmallFallsBackOnDuplicates(t *testing.T) {
	f := newFakeService(sparseData(1))
	// Sorted calls lose records to duplicates every time; sessions must take over.
	q := sized(last(72*time.Hour), 5000)
	dup := &dupSorted{fakeService: f}
	res, err := testSearcher(dup, 4).search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	assertSameRows(t, res.Records, f.expected(q))
	if dup.sortedCalls != windowMaxAttempts {
		t.Errorf("%d sorted calls, want %d", dup.sortedCalls, windowMaxAttempts)
	}
}

// dupSorted answers every sorted call with its second row duplicated over its third.
type dupSorted struct {
	*fakeService
	mu          sync.Mutex
	sortedCalls int
}

func (d *dupSorted) SearchPage(ctx context.Context, p SearchParams) ([]Row, error) {
	rows, err := d.fakeService.SearchPage(ctx, p)
	if err != nil || p.LargeSet || len(rows) < 3 {
		return rows, err
	}
	d.mu.Lock()
	d.sortedCalls++
	d.mu.Unlock()
	rows[2] = rows[1]
	return rows, nil
}

func TestWindowSearchRejectsEmptyWindow(t *testing.T) {
	f := newFakeService(nil)
	_, err := testSearcher(f, 1).search(context.Background(), Query{Start: testEpoch, End: testEpoch, ResultSize: 10})
	if err == nil || f.calls != 0 {
		t.Errorf("err = %v after %d calls, want an error before any call", err, f.calls)
	}
}

func TestWindowSearchProgressLog(t *testing.T) {
	for _, tc := range []struct {
		name string
		step time.Duration // how far the clock moves on each reading
		want func(windows int) int
	}{
		{name: "clock still: only the final line", step: 0, want: func(int) int { return 1 }},
		{name: "clock fast: a line per window", step: 3 * time.Second, want: func(w int) int { return w + 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(exact12kData(1))
			var buf bytes.Buffer
			s := testSearcher(f, 2)
			s.log = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
			now := testEpoch
			s.now = func() time.Time { now = now.Add(tc.step); return now }
			var lastProgress auditsearch.Progress
			s.progress = func(p auditsearch.Progress) { lastProgress = p }
			if _, err := s.search(context.Background(), sized(last(24*time.Hour), 12000)); err != nil {
				t.Fatal(err)
			}
			lines := strings.Count(buf.String(), "audit log search progress")
			if want := tc.want(lastProgress.WindowsDone); lines != want {
				t.Errorf("%d progress lines for %d windows, want %d:\n%s", lines, lastProgress.WindowsDone, want, buf.String())
			}
			if lastProgress.WindowsDone != lastProgress.WindowsTotal || lastProgress.Records != 12000 || !lastProgress.Final {
				t.Errorf("last progress %+v", lastProgress)
			}
		})
	}
}
