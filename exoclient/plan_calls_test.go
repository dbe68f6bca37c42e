package exoclient

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// exportShape is a large export's data: 1,000,000 records over 30 days, spread evenly or
// with a fifth of them in one hot hour.
type exportShape struct {
	name string
	data func() []Row
}

var exportShapes = []exportShape{
	{name: "uniform", data: func() []Row {
		return spread("u", 1_000_000, testEpoch.Add(-30*24*time.Hour), testEpoch)
	}},
	{name: "one hot hour", data: func() []Row {
		hot := testEpoch.Add(-10 * 24 * time.Hour)
		return slices.Concat(spread("base", 800_000, testEpoch.Add(-30*24*time.Hour), testEpoch),
			spread("hot", 200_000, hot, hot.Add(time.Hour)))
	}},
}

// exportService is how the fake serves: the tidy service of DESIGN §4 (5,000 rows per
// call) or a live tenant (§4b: REST pages of 1,000 whose continuations are refused, calls
// without a session cut at 120 rows).
type exportService struct {
	name        string
	rowsPerCall int
	setup       func(f *fakeService)
}

var exportServices = []exportService{
	{name: "ideal", rowsPerCall: 5000, setup: func(*fakeService) {}},
	{name: "live", rowsPerCall: 1000, setup: func(f *fakeService) {
		f.restPage, f.refuseNextLink, f.nonSessionCap = 1000, true, 120
	}},
}

// TestExportCallsFullScale: a 1,000,000-record streamed export makes at most 1.1 times the
// calls that can carry its records (ceil(records / rows per call)), at max_concurrency 1,
// 8 and 16, on even and skewed data, under the tidy and the live service, and streams
// every record. Windows sized blindly waste calls three ways: a window that reaches the
// 50,000-row session cap is fetched again as pieces, every window ends on a partial page,
// and a too-small window is a partial page alone.
func TestExportCallsFullScale(t *testing.T) {
	for _, shape := range exportShapes {
		data := shape.data()
		for _, svc := range exportServices {
			for _, workers := range []int{1, 8, 16} {
				t.Run(fmt.Sprintf("%s, %s, %d workers", shape.name, svc.name, workers), func(t *testing.T) {
					calls, ideal := exportCalls(t, data, svc, workers)
					ratio := float64(calls) / float64(ideal)
					t.Logf("%d calls, ideal %d: ×%.3f", calls, ideal, ratio)
					if ratio > 1.1 {
						t.Errorf("%d calls, ideal %d: ×%.3f, want at most ×1.1", calls, ideal, ratio)
					}
				})
			}
		}
	}
}

// exportCalls streams every record of data through SearchEach's searcher and returns the
// calls made and the ideal, failing t unless the streamed rows are exactly data.
func exportCalls(t *testing.T, data []Row, svc exportService, workers int) (calls, ideal int) {
	t.Helper()
	f := newFakeService(data)
	svc.setup(f)
	s := testSearcher(f, workers)
	q := Query{Start: testEpoch.Add(-30*24*time.Hour - time.Second), End: testEpoch.Add(time.Second), ResultSize: len(data)}
	seen := make(map[string]struct{}, len(data))
	s.each = func(w Window, rows []Row) error {
		for _, r := range rows {
			seen[r.ID] = struct{}{}
		}
		return nil
	}
	res, err := s.search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Incomplete) != 0 || len(res.Records) != 0 {
		t.Fatalf("Incomplete %v, %d records kept: want every record streamed", res.Incomplete, len(res.Records))
	}
	if len(seen) != len(data) {
		t.Fatalf("%d unique records streamed, want %d", len(seen), len(data))
	}
	calls, _, _ = f.stats()
	return calls, (len(data) + svc.rowsPerCall - 1) / svc.rowsPerCall
}
