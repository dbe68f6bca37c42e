package exoclient

import (
	"context"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// streamTargetRows is what a streaming search aims at per window. Every window in flight
// holds its rows until its session ends, and the initial split is only as good as the
// estimate from the newest 5,000 records (quiet nights extrapolate low): at 40,000, busy
// stretches reach the 50,000 cap, and 8 workers each holding a capped session is 400,000
// records in memory (a 1,000,000-record export peaked at 1.1 GiB, and capped sessions
// were a third of its calls). So low a target makes the initial split the most pieces
// allowed (16 per worker) for anything above 128,000 records; a window that still hits
// the cap is cut into at most 64 pieces.
const streamTargetRows = 1000

// SearchEach runs q like Search, but hands the rows of each fetched window to each
// instead of collecting them, so that an export of any size holds only the windows in
// flight. each is called from one goroutine, one window at a time, with the window's rows
// as fetched: unsorted, possibly repeated (the service sends duplicates, and neighbouring
// windows share their boundary instant), never trimmed to q.ResultSize. Deduplicating,
// ordering and trimming are the caller's. An error from each stops the search and is
// returned (wrapped). A streaming search does not stop early: every window is fetched.
//
// The Result's Records are the rows not passed to each (a search answered by one call
// without sessions), already deduplicated, ordered and trimmed; Incomplete is as for
// Search.
func (c *Client) SearchEach(ctx context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	defer c.http.CloseIdleConnections()
	s := &searcher{pages: c, maxConcurrency: c.cfg.MaxConcurrency, log: c.log, progress: q.Progress, each: each,
		limits: sessionLimits{page: sessionPageSize, cap: sessionRowCap, target: streamTargetRows}}
	return s.served(s.search(ctx, q))
}
