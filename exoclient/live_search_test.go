package exoclient

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// liveBehaviours are the departures of live tenants from DESIGN §4 that the fake service
// reproduces at the level of SearchPage (DESIGN §4b), each alone and all together.
var liveBehaviours = []struct {
	name  string
	setup func(f *fakeService)
}{
	{name: "L1 non-session cap", setup: func(f *fakeService) { f.nonSessionCap, f.echoCount = 120, true }},
	{name: "L4 refused continuations", setup: func(f *fakeService) { f.restPage, f.refuseNextLink = 1000, true }},
	{name: "L9 sessions start over", setup: func(f *fakeService) { f.restartAtEnd = true }},
	{name: "L3 canceled calls", setup: func(f *fakeService) { f.fault = randomFaults(11, 0.1, 3, faultCanceled) }},
	{name: "all", setup: func(f *fakeService) {
		f.nonSessionCap, f.echoCount = 120, true
		f.restPage, f.refuseNextLink = 1000, true
		f.restartAtEnd = true
		f.fault = randomFaults(12, 0.1, 3, faultCanceled, faultDuplicate, faultLost, faultBogus)
	}},
}

// TestLiveSearchExactFullScale: the exact newest N at the sizes the held-out checks use, under
// every live behaviour alone and all at once, with the service's real limits (5,000 rows
// per call, 50,000 per session). A refused continuation costs at most one call per search,
// and no more calls are in flight than workers. At full size it runs without the race
// detector (make test's FullScale pass); TestLiveRefusedContinuationSetsPageSize covers
// the concurrent sizing under -race.
func TestLiveSearchExactFullScale(t *testing.T) {
	days3 := last(72 * time.Hour)
	spread30k := func(scale) []Row { return spread("s30", 30000, testEpoch.Add(-72*time.Hour), testEpoch) }
	shapes := []struct {
		name    string
		data    func(scale) []Row
		q       Query
		workers int
	}{
		{name: "1 of 20,000", data: sparseData, q: sized(days3, 1), workers: 4},
		{name: "10 of 20,000", data: sparseData, q: sized(days3, 10), workers: 4},
		{name: "100 of 20,000", data: sparseData, q: sized(days3, 100), workers: 4},
		{name: "1,000 of 20,000", data: sparseData, q: sized(days3, 1000), workers: 4},
		{name: "5,000 of 20,000", data: sparseData, q: sized(days3, 5000), workers: 4},
		{name: "12,000 of 30,000", data: spread30k, q: sized(days3, 12000), workers: 4},
		{name: "130,000 with 60,000 in one hour", data: denseHourData, q: sized(days3, 130000), workers: 3},
		{name: "empty window", data: sparseData, q: sized(Query{Start: testEpoch.Add(time.Hour), End: testEpoch.Add(2 * time.Hour)}, 10), workers: 4},
		{name: "fewer than asked", data: sparseData, q: sized(last(30*time.Minute), 1000), workers: 4},
	}
	for _, shape := range shapes {
		for _, b := range liveBehaviours {
			t.Run(shape.name+", "+b.name, func(t *testing.T) {
				t.Parallel()
				f, s := searcherAt(1, shape.data(1), shape.workers)
				b.setup(f)
				res, err := s.search(context.Background(), shape.q)
				if err != nil {
					t.Fatal(err)
				}
				assertSameRows(t, res.Records, f.expected(shape.q))
				if len(res.Incomplete) != 0 {
					t.Errorf("Incomplete = %v, want none", res.Incomplete)
				}
				calls, sessions, inflight := f.stats()
				if f.refused > 1 {
					t.Errorf("%d continuations refused, want at most one per search", f.refused)
				}
				if inflight > shape.workers {
					t.Errorf("%d calls in flight, want at most %d", inflight, shape.workers)
				}
				t.Logf("%d calls, %d sessions, %d refused, %d restarts", calls, sessions, f.refused, f.restarts)
			})
		}
	}
}

// TestLiveShortSortedPageIsNotTrusted: under L1 a call without a session answers 120 rows
// whatever ResultSize says; the search must not return those 120 as everything.
func TestLiveShortSortedPageIsNotTrusted(t *testing.T) {
	f, s := searcherAt(1, sparseData(1), 4)
	f.nonSessionCap, f.echoCount = 120, true
	q := sized(last(72*time.Hour), 1000)
	res, err := s.search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1000 {
		t.Fatalf("got %d records, want 1000 (a capped sorted page was taken as everything)", len(res.Records))
	}
	assertSameRows(t, res.Records, f.expected(q))
}

// TestLiveEmptyResultConfirmedOnce: an empty sorted answer is confirmed by one empty
// session, not by a second one.
func TestLiveEmptyResultConfirmedOnce(t *testing.T) {
	f, s := searcherAt(1, sparseData(1), 4)
	f.nonSessionCap = 120
	q := sized(Query{Start: testEpoch.Add(time.Hour), End: testEpoch.Add(2 * time.Hour)}, 10)
	res, err := s.search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 0 {
		t.Fatalf("got %d records, want none", len(res.Records))
	}
	calls, sessions, _ := f.stats()
	if calls != 2 || sessions != 1 {
		t.Errorf("%d calls, %d sessions; want 2 calls (sorted + one session)", calls, sessions)
	}
}

// TestLiveRefusedContinuationSetsPageSize: after the first refusal every call asks for one
// REST page, so no further continuation is attempted, whatever the concurrency.
func TestLiveRefusedContinuationSetsPageSize(t *testing.T) {
	for _, workers := range []int{1, 3, 8, 16} {
		t.Run(fmt.Sprint(workers, " workers"), func(t *testing.T) {
			f, s := searcherAt(1, denseHourData(1), workers)
			f.restPage, f.refuseNextLink, f.nonSessionCap = 1000, true, 120
			var sizes []int
			f.gate = func(_ context.Context, p SearchParams) error {
				f.mu.Lock()
				sizes = append(sizes, p.ResultSize)
				f.mu.Unlock()
				return nil
			}
			q := sized(last(72*time.Hour), 130000)
			res, err := s.search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			assertSameRows(t, res.Records, f.expected(q))
			if f.refused != 1 {
				t.Errorf("%d continuations refused, want exactly 1", f.refused)
			}
			big := 0
			for _, n := range sizes {
				if n > 1000 {
					big++
				}
			}
			// The sorted probe (capped, so never refused) and the one refused session call.
			if big > 2 {
				t.Errorf("%d calls asked for more than one REST page; sizes %v", big, sizes[:min(len(sizes), 20)])
			}
		})
	}
}

// TestLiveSessionRestartCountsNothingTwice: a window holding an exact multiple of the page
// size ends when the session starts over, without counting the repeated rows.
func TestLiveSessionRestartCountsNothingTwice(t *testing.T) {
	data := spread("mul", 10000, testEpoch.Add(-time.Hour), testEpoch)
	f, s := searcherAt(1, data, 1)
	// Echoed counts: with credible ones the session ends at the row numbered last,
	// never asking past its end.
	f.restartAtEnd, f.nonSessionCap, f.echoCount = true, 120, true
	q := sized(last(time.Hour), 20000)
	res, err := s.search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	assertSameRows(t, res.Records, f.expected(q))
	if f.restarts == 0 {
		t.Error("no session started over: the test does not test L9")
	}
	ids := make([]string, len(res.Records))
	for i, r := range res.Records {
		ids[i] = r.ID
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != len(res.Records) {
		t.Error("a record was returned twice")
	}
}
