package exoclient

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// TestSearchEachStreamsEveryWindow: with a callback, the rows of each fetched window go
// there (none are kept above 5,000), and deduplicated, ordered and trimmed they are exactly what
// Search returns, under faults and capped, split windows.
func TestSearchEachStreamsEveryWindow(t *testing.T) {
	k := scale(10) // 13,000 records: above the 5,000 a single call answers
	mixed := []fakeFault{faultBogus, faultEmpty, faultLost, faultSkip, faultDuplicate}
	for _, size := range []int{130000, 12000} {
		f, s := searcherAt(k, denseHourData(k), 4)
		f.fault, f.sessDups = randomFaults(7, 0.2, 3, mixed...), 89
		q := sized(last(72*time.Hour), k.n(size))
		var streamed []Row
		windows := 0
		s.each = func(_ Window, rows []Row) error {
			windows++
			streamed = append(streamed, rows...)
			return nil
		}
		res, err := s.search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		// Up to 5,000 records a single sorted call answers, in Records.
		if q.ResultSize > sortedMaxResultSize && (len(res.Records) != 0 || windows < 2) {
			t.Fatalf("size %d: %d records kept, %d windows streamed", size, len(res.Records), windows)
		}
		assertSameRows(t, auditsearch.NewestOf(append(streamed, res.Records...), q.ResultSize), f.expected(q))
	}
}

func TestSearchEachCallbackErrorStops(t *testing.T) {
	k := scale(10) // 13,000 records: above the 5,000 a single call answers
	_, s := searcherAt(k, denseHourData(k), 2)
	q := sized(last(72*time.Hour), k.n(130000))
	boom := errors.New("disk full")
	calls := 0
	s.each = func(Window, []Row) error { calls++; return boom }
	if _, err := s.search(context.Background(), q); !errors.Is(err, boom) || calls != 1 {
		t.Errorf("err %v after %d calls: want the callback's error at once", err, calls)
	}
}

// TestSearchEachWritesWhileFetching: the callback runs beside the fetching, so that at
// max_concurrency 1 the worker's next window is being fetched while the last one is
// written; yet the callback never runs twice at once, nor after the search returned.
func TestSearchEachWritesWhileFetching(t *testing.T) {
	k := scale(10)
	f, s := searcherAt(k, denseHourData(k), 1)
	q := sized(last(72*time.Hour), k.n(130000))
	var running, windows atomic.Int32
	overlapped := false
	s.each = func(Window, []Row) error {
		if running.Add(1) != 1 {
			t.Error("the callback runs twice at once")
		}
		defer running.Add(-1)
		if windows.Add(1) == 1 {
			before, _, _ := f.stats()
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if calls, _, _ := f.stats(); calls > before {
					overlapped = true
					break
				}
			}
		}
		return nil
	}
	if _, err := s.search(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if !overlapped {
		t.Error("no call was made while the first window was being written")
	}
	if windows.Load() < 3 || running.Load() != 0 {
		t.Errorf("%d windows written, %d callbacks still running after the search returned", windows.Load(), running.Load())
	}
}
