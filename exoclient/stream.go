package exoclient

import (
	"context"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// SearchEach runs q like Search, but hands the rows of each fetched window to each
// instead of collecting them, so that an export of any size holds only the windows in
// flight (each sized for windowPages calls, plan.go). each is called from one
// goroutine, one window at a time, with the window's rows as fetched: unsorted,
// possibly repeated (the service sends duplicates, and neighbouring windows share their
// boundary instant), never trimmed to q.ResultSize. Deduplicating, ordering and
// trimming are the caller's. An error from each stops the search and is
// returned (wrapped). A streaming search does not stop early: every window is fetched.
//
// The Result's Records are the rows not passed to each (a search answered by one call
// without sessions), already deduplicated, ordered and trimmed; Incomplete is as for
// Search.
func (c *Client) SearchEach(ctx context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	if err := oneRecordType(q); err != nil {
		return nil, err
	}
	defer c.http.CloseIdleConnections()
	s := &searcher{pages: c, maxConcurrency: c.cfg.MaxConcurrency, log: c.log, progress: q.Progress, each: each}
	return s.served(s.search(ctx, q))
}
