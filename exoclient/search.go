package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// How a search runs (DESIGN §4, §4b, §5):
//
//   - first one call without a session, for the newest min(ResultSize, 5,000) records (the
//     service sorts it newest first). A full answer is the result when it is all that was
//     asked; it is repeated if a page is bogus or duplicates may have displaced records.
//     A short answer is never taken as everything (live tenants stop such calls at ~120
//     rows, L1): it only sizes the sessions that follow;
//   - then ReturnLargeSet sessions: one window when the probe suggests less than a page;
//     else windows are cut newest first as workers are free, each sized for windowPages
//     calls by the density of the probe and of the windows fetched so far (plan.go).
//     Workers fetch windows newest first (window_pool.go); each window is paged to its end
//     in one session and fetched again with a new SessionId when the session cannot be
//     trusted (session.go). The rows asked per call start at 5,000 and drop to the
//     service's REST page after the first refused continuation (pagesize.go, L4). A
//     session whose first page claims (credibly) the cap or more stops there, and one
//     that reaches the 50,000-row cap is dropped: its window is split into pieces holding
//     equal shares of the rows it returned (a random sample of the window), down to one
//     second; a one-second window still at the cap is kept and reported incomplete.
//     Rows are deduplicated by Id and trimmed to the newest ResultSize as windows
//     arrive, and the search stops once every window newer than the oldest instant
//     needed is fetched (newest.go);
//   - at max_concurrency 1 a session sends its next call as soon as a page has arrived,
//     while the page is decoded (ahead.go), when the session's ResultCount is credible
//     and says the page is full and not the last; an answer the page then proves wasted
//     is discarded. With more workers the decoding already overlaps other windows' calls.
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
	SearchPage(ctx context.Context, p SearchParams) ([]auditsearch.Record, error)
}

// searcher runs one Query over a pageFetcher: the orchestration (sessions, windows,
// splitting, concurrency, dedup), separate from the per-call code.
type searcher struct {
	pages          pageFetcher
	maxConcurrency int                        // 0 = defaultMaxConcurrency
	newSessionID   func() string              // nil = random UUIDs
	now            func() time.Time           // clock for progress logs; nil = time.Now
	log            *slog.Logger               // nil = discard
	progress       func(auditsearch.Progress) // optional, called after every window
	limits         sessionLimits              // zero = serviceLimits
	sizer          *pageSizer                 // rows asked per call; nil = s.limits.page until learnt
	// each is SearchEach's callback (nil: the rows are collected).
	each func(auditsearch.Window, []auditsearch.Record) error
	// probeEmpty: the call without a session found nothing in the query window, so one
	// session that also finds nothing confirms it.
	probeEmpty bool
	// noCallAhead: sessions never send a call while a page is decoded (ahead.go); tests
	// set it to compare.
	noCallAhead bool
	// calls counts the service calls made (Result.Calls).
	calls atomic.Int64
	// counts tracks whether sessions' ResultCount is credible (it sizes windows).
	counts countTrust
	// counted, when set, is told a window's size as soon as its first page claims it
	// credibly (runWindows sets it; called from workers).
	counted func(w auditsearch.Window, rows int)
}

// Search runs a whole query: one sorted call up to 5,000 records, large-set sessions with
// window splitting above (DESIGN §4, §5). The records are unique by ID, the newest
// q.ResultSize, newest first. One-second windows that still hit the session cap are listed
// in Result.Incomplete, their fetched rows kept. Idle connections are closed when it
// returns: a client lives for one command, and the engine keeps the process for many.
func (c *Client) Search(ctx context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	if err := oneRecordType(q); err != nil {
		return nil, err
	}
	defer c.http.CloseIdleConnections()
	s := &searcher{pages: c, maxConcurrency: c.cfg.MaxConcurrency, log: c.log, progress: q.Progress}
	return s.served(s.search(ctx, q))
}

// oneRecordType refuses a query for several record types: Search-UnifiedAuditLog takes
// one per call, and dropping the list would widen the search silently.
func oneRecordType(q auditsearch.Query) error {
	if len(q.RecordTypes) > 1 {
		return fmt.Errorf("Search-UnifiedAuditLog takes one record type per query, not %d: search each type in turn", len(q.RecordTypes))
	}
	return nil
}

// served completes a result with what only the client knows: the calls made and the
// backend's name.
func (s *searcher) served(res *auditsearch.Result, err error) (*auditsearch.Result, error) {
	if res != nil {
		res.Calls = int(s.calls.Load())
		res.Backend = auditsearch.BackendExchange
	}
	return res, err
}

// searchPage is one call through s.pages, counted.
func (s *searcher) searchPage(ctx context.Context, p SearchParams) ([]auditsearch.Record, error) {
	s.calls.Add(1)
	return s.pages.SearchPage(ctx, p)
}

// search runs q. A ResultSize of zero or less means 5,000, the original's behaviour.
func (s *searcher) search(ctx context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	s.defaults()
	if q.ResultSize <= 0 {
		q.ResultSize = sortedMaxResultSize
	}
	if !q.Start.Before(q.End) {
		return nil, fmt.Errorf("search window %s: the start must be before the end", q.Window())
	}
	asked := min(q.ResultSize, s.limits.page)
	probe, err := s.sortedCall(ctx, q, asked)
	if err != nil && !errors.Is(err, errUntrustedPage) {
		return nil, err
	}
	if err == nil && q.ResultSize <= asked && uniqueIDs(probe) >= q.ResultSize {
		return &auditsearch.Result{Records: auditsearch.NewestOf(probe, q.ResultSize)}, nil
	}
	if err != nil {
		s.log.Debug("sorted search untrustworthy; using sessions", "err", err)
		return s.runWindows(ctx, q, nil, &windowPlan{rest: q.Window(), workers: s.maxConcurrency})
	}
	// A short answer without a session is no proof that nothing more matches (live
	// tenants stop at ~120 rows, DESIGN §4b L1): sessions fetch the window, sized by the
	// answer's density. An empty answer confirmed by an empty session is trusted.
	s.probeEmpty = len(probe) == 0
	initial, plan := s.initialPlan(q.Window(), probe, asked)
	return s.runWindows(ctx, q, initial, plan)
}

// errUntrustedPage marks a sorted call whose answer kept being bogus or short of records
// because of duplicates; sessions are then used instead.
var errUntrustedPage = errors.New("untrustworthy page")

// sortedCall makes one call without a session (newest first, at most size rows) and
// retries it, up to windowMaxAttempts calls, when the page is bogus or when duplicates
// may have displaced records. A call whose continuation was refused answers the rows
// that arrived (the newest, in order): a short answer, which callers never trust alone.
func (s *searcher) sortedCall(ctx context.Context, q auditsearch.Query, size int) ([]auditsearch.Record, error) {
	p := callParams(q, q.Window())
	p.ResultSize = min(size, s.sizer.current())
	for attempt := 1; ; attempt++ {
		rows, err := s.searchPage(ctx, p)
		s.sizer.learn(p.ResultSize, len(rows), err)
		if refused := asRefused(err); refused != nil {
			s.log.Debug("continuation refused: asking one REST page per call from now on", "page_rows", refused.PageRows)
			rows, err = refused.Rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", q.Window(), err)
		}
		why := ""
		if i := bogusRow(rows); i >= 0 && len(rows) > 0 {
			why = fmt.Sprintf("bogus row (ResultIndex %d, ResultCount %d)", rows[i].ResultIndex, rows[i].ResultCount)
		} else if u := uniqueIDs(rows); len(rows) >= p.ResultSize && u < p.ResultSize {
			why = fmt.Sprintf("%d duplicate rows in a full page", len(rows)-u)
		}
		if why == "" {
			return rows, nil
		}
		if attempt == windowMaxAttempts {
			return nil, fmt.Errorf("search %s: %w: %s", q.Window(), errUntrustedPage, why)
		}
		s.log.Debug("calling again", "window", q.Window().String(), "reason", why)
	}
}

// initialPlan is where the windows start from, given the sorted probe (the newest rows,
// asked rows asked): a window the probe suggests is smaller than one page is fetched
// whole (one session answers it); otherwise windows are cut from it as workers are free
// (plan.go), the first ones sized by the probe's density.
func (s *searcher) initialPlan(w auditsearch.Window, probe []auditsearch.Record, asked int) ([]auditsearch.Window, *windowPlan) {
	dens := probeDensity(w, probe, asked)
	if dens*w.End.Sub(w.Start).Seconds() < float64(s.limits.page/2) {
		return []auditsearch.Window{w}, &windowPlan{workers: s.maxConcurrency}
	}
	return nil, &windowPlan{rest: w, workers: s.maxConcurrency, seed: dens}
}

func uniqueIDs(rows []auditsearch.Record) int {
	seen := make(map[string]struct{}, len(rows))
	for _, r := range rows {
		seen[r.ID] = struct{}{}
	}
	return len(seen)
}

// callParams is the call for window w with q's filters.
func callParams(q auditsearch.Query, w auditsearch.Window) SearchParams {
	return SearchParams{Start: w.Start, End: w.End, Filters: q.Filters}
}

func (s *searcher) defaults() {
	if s.maxConcurrency <= 0 {
		s.maxConcurrency = defaultMaxConcurrency
	}
	if s.limits == (sessionLimits{}) {
		s.limits = serviceLimits
	}
	if s.sizer == nil {
		s.sizer = newPageSizer(s.limits.page)
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
