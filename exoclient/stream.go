package exoclient

import "context"

// streamTargetRows is what a streaming search aims at per window: one session page.
// Every window in flight holds its rows until its session ends, and the initial split is
// only as good as the estimate from the newest 5,000 records (quiet nights extrapolate
// low): at 40,000 a busy stretch reaches the 50,000 cap, and 8 workers each holding a
// capped session is 400,000 records in memory. Smaller windows cost about half a call
// more per window (its last, short page).
const streamTargetRows = 5000

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
func (c *Client) SearchEach(ctx context.Context, q Query, each func(Window, []Row) error) (*Result, error) {
	defer c.http.CloseIdleConnections()
	q.each = each
	s := &searcher{pages: c, maxConcurrency: c.cfg.MaxConcurrency, log: c.log,
		limits: sessionLimits{page: sessionPageSize, cap: sessionRowCap, target: streamTargetRows}}
	return s.search(ctx, q)
}
