package graphclient

import (
	"context"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchExact: the newest N and the whole window, with and without filters, are
// exactly the emulator's Graph ground truth; the live profile's v1.0 create 404 is met
// once and beta is remembered for the client's life.
func TestSearchExact(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 4000, Days: 2, GraphCreateInterval: -1})
	c := newClient(t, em, nil, nil)
	all := everything(em)
	ctx := context.Background()
	cases := []struct {
		name   string
		q      auditsearch.Query
		filter emulator.GraphFilter
	}{
		{name: "everything", q: query(all, 100000)},
		{name: "newest 100", q: query(all, 100)},
		{name: "default size", q: query(all, 0)},
		{name: "one operation", q: func() auditsearch.Query {
			q := query(all, 100000)
			q.Operations = []string{"FileAccessed"}
			return q
		}(), filter: emulator.GraphFilter{Operations: []string{"FileAccessed"}}},
		{name: "one record type", q: func() auditsearch.Query {
			q := query(all, 100000)
			q.RecordType = "AzureActiveDirectoryStsLogon"
			return q
		}(), filter: emulator.GraphFilter{RecordTypes: []string{"AzureActiveDirectoryStsLogon"}}},
		{name: "half a day", q: query(auditsearch.Window{Start: all.End.Add(-12 * time.Hour), End: all.End}, 100000)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Search(ctx, tc.q)
			require.NoError(t, err)
			want := truth(em, tc.q.Window(), tc.filter)
			require.NotEmpty(t, want)
			size := tc.q.ResultSize
			if size <= 0 {
				size = DefaultResultSize
			}
			assert.Equal(t, want[:min(len(want), size)], recordIDs(res.Records))
			assert.Equal(t, auditsearch.BackendGraph, res.Backend)
			assert.Len(t, res.QueryIDs, 1)
			assert.Empty(t, res.Incomplete)
			assert.Positive(t, res.Calls)
		})
	}
	st := em.Stats()
	assert.Equal(t, 1, st.GraphV1NotFound, "v1.0 is tried once, then beta is remembered")
	assert.Equal(t, len(cases), st.GraphQueries)
}

// TestSearchEachExact: streaming hands over every record of the window, page by page,
// with the query's window; the Result holds no records.
func TestSearchEachExact(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 3000, Days: 1})
	c := newClient(t, em, nil, nil)
	all := everything(em)
	s := newStreamed()
	res, err := c.SearchEach(context.Background(), query(all, 10), s.each)
	require.NoError(t, err)
	assert.Empty(t, res.Records)
	assert.Len(t, res.QueryIDs, 1)
	assert.Equal(t, sortedCopy(truth(em, all, emulator.GraphFilter{})), s.sorted(), "every record, not only ResultSize")
	assert.GreaterOrEqual(t, s.pages, 3, "pages of at most 1,000")
	assert.Empty(t, s.bad)

	errStop := &errBudgetSpent{}
	_, err = c.SearchEach(context.Background(), query(all, 10), func(auditsearch.Window, []auditsearch.Record) error { return errStop })
	assert.ErrorIs(t, err, errStop, "the callback's error stops the search and is returned")
}

// TestTruncatedWindowsSplit: queries cut at the record limit are deleted and their windows
// queried again in halves until each fits; the result is exact.
func TestTruncatedWindowsSplit(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 1500, Days: 1, GraphRecordLimit: 400, GraphCreateInterval: -1})
	budget := &countingBudget{}
	opts := fastPolls()
	opts.Budget = budget
	c := newClient(t, em, nil, opts)
	all := everything(em)
	var last auditsearch.Progress
	q := query(all, 100000)
	q.Progress = func(p auditsearch.Progress) { last = p }
	res, err := c.Search(context.Background(), q)
	require.NoError(t, err)
	assert.Equal(t, truth(em, all, emulator.GraphFilter{}), recordIDs(res.Records))
	assert.Empty(t, res.Incomplete)
	st := em.Stats()
	assert.Positive(t, st.GraphTruncated)
	assert.Equal(t, st.GraphTruncated, st.GraphDeletes, "every truncated query is deleted")
	assert.Equal(t, int64(st.GraphQueries), budget.takes.Load(), "one Take per submission")
	assert.Len(t, res.QueryIDs, st.GraphQueries-st.GraphTruncated)
	assert.True(t, last.Final)
	assert.Equal(t, len(res.QueryIDs), last.WindowsDone)

	s := newStreamed()
	res, err = c.SearchEach(context.Background(), query(all, 10), s.each)
	require.NoError(t, err)
	assert.Equal(t, sortedCopy(truth(em, all, emulator.GraphFilter{})), s.sorted())
	assert.Empty(t, s.bad, "each page comes with its own query's window")
}

// TestOneSecondTruncatedIsIncomplete: a second holding more records than the limit cannot
// be split: its records are returned and the window is reported incomplete.
func TestOneSecondTruncatedIsIncomplete(t *testing.T) {
	t.Parallel()
	hot := time.Now().UTC().Truncate(time.Second).Add(-3 * time.Hour)
	em := startEmulator(t, emulator.Options{Records: 200, Days: 1, GraphRecordLimit: 50, GraphCreateInterval: -1,
		Hotspots: []emulator.Hotspot{{Start: hot, Duration: time.Second, Count: 80}}})
	c := newClient(t, em, nil, nil)
	w := auditsearch.Window{Start: hot.Add(-2 * time.Second), End: hot.Add(2 * time.Second)}
	res, err := c.Search(context.Background(), query(w, 100000))
	require.NoError(t, err)
	require.Equal(t, []auditsearch.Window{{Start: hot, End: hot.Add(time.Second)}}, res.Incomplete)
	assert.Len(t, res.Records, min(50, len(truth(em, w, emulator.GraphFilter{})))+len(truth(em, auditsearch.Window{Start: w.Start, End: hot}, emulator.GraphFilter{}))+
		len(truth(em, auditsearch.Window{Start: hot.Add(time.Second), End: w.End}, emulator.GraphFilter{})))
}
