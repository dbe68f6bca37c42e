package graphclient

import (
	"context"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGraphExactFullScale: 130,000 records over three days, with the record limit at
// 50,000 so that windows split, read by Search: the newest 130,000, exact and in order.
// make test runs it without the race detector (about 15 s); it also passes under it
// (about a minute on two cores). Streaming is checked exactly at smaller sizes
// (TestSearchEachExact, TestTruncatedWindowsSplit).
func TestGraphExactFullScale(t *testing.T) {
	t.Parallel()
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
}
