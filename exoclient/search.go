package exoclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// How a search runs (DESIGN §4, §5):
//
//   - up to 5,000 records: one call without a session (the service sorts it newest first);
//     it is repeated if a page is bogus or duplicates may have displaced records, and
//     sessions take over if that keeps happening;
//   - more: a probe (the newest 5,000, no session) answers outright when it is short;
//     otherwise ResultCount (when credible) or the probe's density extrapolated over the
//     query window sets the initial split into equal-time windows, at least one per worker.
//     Workers fetch windows newest first (window_pool.go); each window is paged to its
//     end in one ReturnLargeSet session and fetched again with a new SessionId when the
//     session cannot be trusted (session.go). A session that reaches the 50,000-row cap
//     is split into k equal-time pieces, k from its estimated size so each piece expects
//     40,000 rows (twice the cap assumed when ResultCount is not credible), down to one
//     second; a one-second window still at the cap is kept and reported incomplete. Rows
//     are deduplicated by Id and trimmed to the newest ResultSize as windows arrive, and
//     the search stops once every window newer than the oldest instant needed is fetched
//     (newest.go).
//
// Rows reach the result window by window through newestSet.add: a streaming consumer
// can take their place there.

// sortedMaxResultSize is the largest ResultSize of a call without a session (DESIGN §4).
const sortedMaxResultSize = 5000

// defaultMaxConcurrency is the number of windows fetched in parallel when
// Config.MaxConcurrency is zero.
const defaultMaxConcurrency = 4

// pageFetcher makes one Search-UnifiedAuditLog call (following nextLink, with retries).
// *Client implements it; tests fake it.
type pageFetcher interface {
	SearchPage(ctx context.Context, p SearchParams) ([]Row, error)
}

// searchProgress is a snapshot of a large search, reported after every window.
type searchProgress struct {
	WindowsDone, WindowsTotal, Records int
}

// searcher runs one Query over a pageFetcher: the orchestration (sessions, windows,
// splitting, concurrency, dedup), separate from the per-call code.
type searcher struct {
	pages          pageFetcher
	maxConcurrency int                  // 0 = defaultMaxConcurrency
	newSessionID   func() string        // nil = random UUIDs
	now            func() time.Time     // clock for progress logs; nil = time.Now
	log            *slog.Logger         // nil = discard
	progress       func(searchProgress) // optional, called after every window
	limits         sessionLimits        // zero = serviceLimits
}

// Search runs a whole query: one sorted call up to 5,000 records, large-set sessions with
// window splitting above (DESIGN §4, §5). The records are unique by ID, the newest
// q.ResultSize, newest first. One-second windows that still hit the session cap are listed
// in Result.Incomplete, their fetched rows kept. Idle connections are closed when it
// returns: a client lives for one command, and the engine keeps the process for many.
func (c *Client) Search(ctx context.Context, q Query) (*Result, error) {
	defer c.http.CloseIdleConnections()
	s := &searcher{pages: c, maxConcurrency: c.cfg.MaxConcurrency, log: c.log}
	return s.search(ctx, q)
}

// search runs q. A ResultSize of zero or less means 5,000, the original's behaviour.
func (s *searcher) search(ctx context.Context, q Query) (*Result, error) {
	s.defaults()
	if q.ResultSize <= 0 {
		q.ResultSize = sortedMaxResultSize
	}
	if !q.Start.Before(q.End) {
		return nil, fmt.Errorf("search window %s: the start must be before the end", q.window())
	}
	if q.ResultSize <= sortedMaxResultSize {
		rows, err := s.sortedCall(ctx, q, q.ResultSize)
		if err == nil {
			return &Result{Records: newestRows(rows, q.ResultSize)}, nil
		}
		if !errors.Is(err, errUntrustedPage) {
			return nil, err
		}
		s.log.Debug("sorted search untrustworthy; falling back to sessions", "err", err)
		return s.runWindows(ctx, q, splitWindow(q.window(), s.maxConcurrency))
	}
	return s.searchLarge(ctx, q)
}

// searchLarge first asks for the newest 5,000 records (a page): fewer means that is everything;
// otherwise their span and ResultCount estimate the window's size, which decides the
// initial split.
func (s *searcher) searchLarge(ctx context.Context, q Query) (*Result, error) {
	probe, err := s.sortedCall(ctx, q, s.limits.page)
	if err != nil && !errors.Is(err, errUntrustedPage) {
		return nil, err
	}
	if err == nil && len(probe) < s.limits.page {
		return &Result{Records: newestRows(probe, q.ResultSize)}, nil
	}
	return s.runWindows(ctx, q, initialWindows(q.window(), probe, s.maxConcurrency, s.limits.target))
}

// errUntrustedPage marks a sorted call whose answer kept being bogus or short of records
// because of duplicates; sessions are then used instead.
var errUntrustedPage = errors.New("untrustworthy page")

// sortedCall makes one call without a session (newest first, at most size rows) and
// retries it, up to windowMaxAttempts calls, when the page is bogus or when duplicates
// may have displaced records.
func (s *searcher) sortedCall(ctx context.Context, q Query, size int) ([]Row, error) {
	p := q.params(q.window())
	p.ResultSize = size
	for attempt := 1; ; attempt++ {
		rows, err := s.pages.SearchPage(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", q.window(), err)
		}
		why := ""
		if i := bogusRow(rows); i >= 0 && len(rows) > 0 {
			why = fmt.Sprintf("bogus row (ResultIndex %d, ResultCount %d)", rows[i].ResultIndex, rows[i].ResultCount)
		} else if u := uniqueIDs(rows); len(rows) >= size && u < size {
			why = fmt.Sprintf("%d duplicate rows in a full page", len(rows)-u)
		}
		if why == "" {
			return rows, nil
		}
		if attempt == windowMaxAttempts {
			return nil, fmt.Errorf("search %s: %w: %s", q.window(), errUntrustedPage, why)
		}
		s.log.Debug("calling again", "window", q.window().String(), "reason", why)
	}
}

// initialWindows pre-splits the query window into equal-time pieces: at least one per
// worker, so parallelism is used from the first call, and as many as the estimated size
// needs for each piece to expect windowTargetRows (at most 16 per worker: the estimate
// extrapolates from the newest records and may be far off for older ones; a piece that
// still hits the cap is split again).
func initialWindows(w Window, probe []Row, workers, target int) []Window {
	n := max(workers, min(windowPieces(estimateRows(w, probe), target), 16*workers))
	return splitWindow(w, n)
}

// estimateRows guesses how many records w holds from the sorted probe (the newest 5,000):
// ResultCount when it is credible (larger than the page: the service has been seen
// echoing ResultSize there), else the probe's density extrapolated over w.
func estimateRows(w Window, probe []Row) int {
	if len(probe) == 0 {
		return 0
	}
	claimed, oldest := 0, w.End
	for _, r := range probe {
		claimed = max(claimed, r.ResultCount)
		if r.CreationTime.Before(oldest) {
			oldest = r.CreationTime
		}
	}
	if claimed > len(probe) {
		return claimed
	}
	span := max(w.End.Sub(oldest), time.Second)
	est := float64(len(probe)) * float64(w.End.Sub(w.Start)) / float64(span)
	return int(min(est, 1e12))
}

func uniqueIDs(rows []Row) int {
	seen := make(map[string]struct{}, len(rows))
	for _, r := range rows {
		seen[r.ID] = struct{}{}
	}
	return len(seen)
}

// window is the query's time window.
func (q Query) window() Window { return Window{Start: q.Start, End: q.End} }

// params is the call for window w with q's filters.
func (q Query) params(w Window) SearchParams {
	return SearchParams{
		Start: w.Start, End: w.End,
		FreeText: q.FreeText, RecordType: q.RecordType,
		IPAddresses: q.IPAddresses, Operations: q.Operations, UserIDs: q.UserIDs, ObjectIDs: q.ObjectIDs,
	}
}

func (s *searcher) defaults() {
	if s.maxConcurrency <= 0 {
		s.maxConcurrency = defaultMaxConcurrency
	}
	if s.limits == (sessionLimits{}) {
		s.limits = serviceLimits
	}
	if s.newSessionID == nil {
		s.newSessionID = newSessionUUID
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
}
