package graphclient

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGraphExactFullScale: 130,000 records over three days, with the record limit at
// 50,000 so that windows split, read by Search (the newest 130,000, exact and in order)
// and by SearchEach (every record, streamed page by page). make test runs it without the
// race detector; it also passes under it.
func TestGraphExactFullScale(t *testing.T) {
	started := time.Now()
	em := startEmulator(t, emulator.Options{Records: 130000, Days: 3, GraphRecordLimit: 50000, GraphCreateInterval: -1})
	c := newClient(t, em, nil, nil)
	all := everything(em)
	want := truth(em, all, emulator.GraphFilter{})
	require.Len(t, want, 130000)
	ctx := context.Background()
	t.Logf("emulator ready in %s", time.Since(started).Round(time.Millisecond))
	started = time.Now()

	res, err := c.Search(ctx, query(all, 130000))
	require.NoError(t, err)
	assert.Equal(t, want, recordIDs(res.Records))
	assert.Empty(t, res.Incomplete)
	assert.Greater(t, len(res.QueryIDs), 2, "windows were split")
	t.Logf("Search: %d queries, %d calls in %s", len(res.QueryIDs), res.Calls, time.Since(started).Round(time.Millisecond))
	started = time.Now()
	res = nil
	runtime.GC()

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	s := newStreamed()
	var peak uint64
	res, err = c.SearchEach(ctx, query(all, 10), func(w auditsearch.Window, recs []auditsearch.Record) error {
		var m runtime.MemStats
		if s.pages%20 == 0 {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
		}
		return s.each(w, recs)
	})
	require.NoError(t, err)
	assert.Empty(t, res.Records)
	assert.Equal(t, sortedCopy(want), s.sorted())
	assert.Empty(t, s.bad)
	t.Logf("SearchEach in %s: %d pages, %d calls, heap peak %.1f MiB (before %.1f MiB)", time.Since(started).Round(time.Millisecond), s.pages, res.Calls, float64(peak)/(1<<20), float64(before.HeapAlloc)/(1<<20))
}
