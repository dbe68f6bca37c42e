package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"

	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// Session limits of Search-UnifiedAuditLog with SessionCommand=ReturnLargeSet (DESIGN §4).
const (
	// sessionPageSize is the ResultSize of every session call, the service's maximum.
	sessionPageSize = 5000
	// sessionRowCap is the most rows one session returns; a session that reaches it may
	// have been truncated, so its window is split.
	sessionRowCap = 50000
	// windowTargetRows is the most a window is sized for when sessions' ResultCount is
	// credible (plan.go): a window beyond the cap then costs one call before it is split,
	// so the margin under sessionRowCap only absorbs the density estimate's error.
	windowTargetRows = 45000
	// windowMaxAttempts bounds the sessions spent on one window before the search fails. A
	// lost page costs the whole session (DESIGN §4), so a service failing one call in ten
	// must still leave a good chance for windows of ten calls.
	windowMaxAttempts = 8
)

// sessionLimits are the sizes a search works with: the service's in production
// (serviceLimits); tests shrink them to keep their data sets small.
type sessionLimits struct {
	page, cap, target int
}

var serviceLimits = sessionLimits{page: sessionPageSize, cap: sessionRowCap, target: windowTargetRows}

// sessionEnd is how one session over a window ended.
type sessionEnd int

const (
	// sessionDone: a short page, or an empty page after full pages whose last row had
	// ResultIndex == ResultCount. The rows are the window.
	sessionDone sessionEnd = iota
	// sessionAmbiguous: an empty page where the service's counters do not confirm the end
	// (an empty first page included). Trusted once a second session ends the same way.
	sessionAmbiguous
	// sessionCapped: the session reached sessionRowCap rows; the window may hold more.
	sessionCapped
	// sessionBroken: a bogus page, a lost page or a failed call; the rows are not trusted.
	sessionBroken
	// sessionOversize: the first page's ResultCount, credible, says the window holds the
	// cap or more, so the session would end capped: it stops after that page, whose rows
	// are a random sample of the window (sessions return a window's rows shuffled).
	sessionOversize
)

// sessionRun is one session over one window.
type sessionRun struct {
	rows []auditsearch.Record
	end  sessionEnd
	// why says what broke the session or made it ambiguous, for logs and errors.
	why string
	// claimed is the largest ResultCount seen: a hint of the window's size, not a total
	// (the service has been seen echoing ResultSize there).
	claimed int
	// received is how many rows a broken session had delivered before it broke, and
	// size the rows it asked per call.
	received, size int
}

// windowOutcome is what fetching one window produced.
type windowOutcome struct {
	window auditsearch.Window
	rows   []auditsearch.Record
	// capped means rows are at the session cap and the window may hold more.
	capped bool
	// oversize means the window holds the cap or more (its session stopped after one
	// page): rows are only a sample of it.
	oversize bool
	// resplit means a session broke off after several pages: the window is fetched again
	// as smaller pieces, whose shorter sessions are likelier to get through.
	resplit bool
	// estimate is the number of records the window is believed to hold (>= len(rows)).
	estimate int
	// counted marks a report sent while the window is in flight: its first page's
	// credible ResultCount, in estimate.
	counted bool
	err     error
}

// fetchWindow fetches all rows of w, starting a fresh session (new SessionId) whenever a
// session cannot be trusted. An ambiguous end is accepted when a second session ends the
// same way with the same number of rows. It gives up after windowMaxAttempts sessions,
// naming the window.
func (s *searcher) fetchWindow(ctx context.Context, q auditsearch.Query, w auditsearch.Window) windowOutcome {
	var ambiguous []int
	if s.probeEmpty && w.Start.Equal(q.Start) && w.End.Equal(q.End) {
		ambiguous = []int{0} // the call without a session found nothing too
	}
	why := ""
	for attempt := 1; attempt <= windowMaxAttempts; attempt++ {
		run, err := s.runSession(ctx, q, w)
		if err != nil {
			return windowOutcome{window: w, err: fmt.Errorf("search window %s: %w", w, err)}
		}
		switch run.end {
		case sessionDone:
			return windowOutcome{window: w, rows: run.rows, estimate: len(run.rows)}
		case sessionCapped:
			return windowOutcome{window: w, rows: run.rows, capped: true, estimate: cappedEstimate(run)}
		case sessionOversize:
			return windowOutcome{window: w, rows: run.rows, oversize: true, estimate: oversizeEstimate(run, s.limits.cap)}
		case sessionAmbiguous:
			if slices.Contains(ambiguous, len(run.rows)) {
				return windowOutcome{window: w, rows: run.rows, estimate: len(run.rows)}
			}
			ambiguous = append(ambiguous, len(run.rows))
		}
		why = run.why
		if run.end == sessionBroken && run.received >= 2*run.size && w.End.Sub(w.Start) > time.Second {
			s.log.Debug("session broke off deep into the window: fetching it as smaller pieces", "window", w.String(), "rows_before", run.received, "reason", why)
			return windowOutcome{window: w, resplit: true, estimate: brokenEstimate(run)}
		}
		s.log.Debug("fetching the window again with a new session", "window", w.String(), "attempt", attempt, "reason", why)
	}
	return windowOutcome{window: w, err: fmt.Errorf("search window %s: %w", w, &auditsearch.WindowFailedError{Window: w, Attempts: windowMaxAttempts, Last: why})}
}

// cappedEstimate guesses the size of a window whose session hit the cap: ResultCount when
// credible (above the rows received), else twice the cap. Guessing high is cheap (a piece
// costs about one call more) while guessing low costs a whole capped session more.
func cappedEstimate(run sessionRun) int {
	if run.claimed > len(run.rows) {
		return run.claimed
	}
	return 2 * len(run.rows)
}

// oversizeEstimate guesses the size of a window whose first page claimed the cap or
// more: the claim when above the cap, else twice the cap (the service has been seen
// capping ResultCount at the cap, like the rows).
func oversizeEstimate(run sessionRun, rowCap int) int {
	if run.claimed > rowCap {
		return run.claimed
	}
	return 2 * rowCap
}

// brokenEstimate guesses the size of a window whose session broke off after received
// rows: ResultCount when credible, else twice what arrived.
func brokenEstimate(run sessionRun) int {
	if run.claimed > run.received && run.claimed > run.size {
		return run.claimed
	}
	return 2 * run.received
}

// runSession pages one ReturnLargeSet session over w until it ends. It returns an error
// only for failures that another session would not fix (cancellation, missing role…).
// The rows asked per call are fixed for the session when its first call is made
// (pageSizer). A page made only of rows the session already returned means the session
// went past its end and started over (DESIGN §4b L9): it is finished. The next call
// may be sent while a page is decoded (ahead.go); it is abandoned whenever the session
// ends or breaks instead, so the session's pages are the same either way.
func (s *searcher) runSession(ctx context.Context, q auditsearch.Query, w auditsearch.Window) (sessionRun, error) {
	size, probe, err := s.sizer.acquire(ctx)
	if err != nil {
		return sessionRun{}, err
	}
	p := callParams(q, w)
	p.LargeSet, p.ResultSize, p.SessionID = true, size, s.newSessionID()
	run := sessionRun{size: size}
	seen := make(map[string]struct{})
	var next *sessionCall // sent ahead: the session's next call
	defer func() { next.abandon() }()
	for call := 1; ; call++ {
		cur := next
		if cur == nil {
			cur = s.startCall(ctx, p)
		}
		next = nil
		if s.mayCallAhead(run, call) && cur.answered() {
			next = s.startCall(ctx, p)
		}
		page, err := cur.wait()
		if probe {
			s.sizer.done(size, len(page), err)
			probe = false
		} else {
			s.sizer.learn(size, len(page), err)
		}
		if err != nil {
			// A new session cannot fix a fatal failure (a 4xx other than throttling, e.g. a
			// missing role or bad token; an oversized page); a lost session is what it fixes.
			if ctx.Err() != nil || msclient.Classify(err).Fatal {
				return run, err
			}
			return brokenSession(run, fmt.Sprintf("call %d failed: %v", call, err)), nil
		}
		if i := bogusRow(page); i >= 0 {
			return brokenSession(run, fmt.Sprintf("call %d: bogus row (ResultIndex %d, ResultCount %d)", call, page[i].ResultIndex, page[i].ResultCount)), nil
		}
		if len(page) == 0 {
			return endOnEmptyPage(run, size), nil
		}
		if lostPage(page, len(run.rows), size) {
			return brokenSession(run, fmt.Sprintf("call %d: a page was skipped (ResultIndex %d after %d rows)", call, minResultIndex(page), len(run.rows))), nil
		}
		if len(run.rows) > 0 && allSeen(page, seen) {
			run.end = sessionDone
			s.log.Debug("session started over past its end", "window", w.String(), "rows", len(run.rows))
			return run, nil
		}
		run.rows = append(run.rows, page...)
		for _, r := range page {
			run.claimed = max(run.claimed, r.ResultCount)
			seen[r.ID] = struct{}{}
		}
		if call == 1 {
			s.counts.observe(run.claimed, size)
			if len(page) == size && s.counts.credible() && s.counted != nil {
				s.counted(w, run.claimed)
			}
		}
		switch {
		case len(run.rows) >= s.limits.cap:
			run.end = sessionCapped
			return run, nil
		case len(page) < size:
			run.end = sessionDone
			return run, nil
		case call == 1 && s.counts.credible() && run.claimed >= s.limits.cap && len(splitWindow(w, 2)) == 2:
			run.end = sessionOversize
			return run, nil
		}
	}
}

// allSeen reports whether every row of page is already in seen.
func allSeen(page []auditsearch.Record, seen map[string]struct{}) bool {
	for _, r := range page {
		if _, ok := seen[r.ID]; !ok {
			return false
		}
	}
	return true
}

// endOnEmptyPage applies DESIGN §4: an empty page after full pages ends the session if the
// last row's ResultIndex equals its ResultCount; otherwise (or on an empty first page,
// which an intermittent service failure also produces) it needs confirmation.
func endOnEmptyPage(run sessionRun, pageSize int) sessionRun {
	if len(run.rows) == 0 {
		run.end, run.why = sessionAmbiguous, "empty first page"
		return run
	}
	// A ResultCount equal to the page size proves nothing: it is what the echoing service
	// sends on every row.
	last := run.rows[len(run.rows)-1]
	if last.ResultIndex == last.ResultCount && last.ResultCount != pageSize {
		run.end = sessionDone
		return run
	}
	run.end = sessionAmbiguous
	run.why = fmt.Sprintf("empty page after %d rows, last ResultIndex %d, ResultCount %d", len(run.rows), last.ResultIndex, last.ResultCount)
	return run
}

func brokenSession(run sessionRun, why string) sessionRun {
	run.received = len(run.rows)
	run.rows, run.end, run.why = nil, sessionBroken, why
	return run
}

// bogusRow returns the index of the first row of a bogus page (ResultIndex -1 or
// ResultCount 0), or -1.
func bogusRow(page []auditsearch.Record) int {
	return slices.IndexFunc(page, func(r auditsearch.Record) bool { return r.ResultIndex == -1 || r.ResultCount == 0 })
}

// lostPage reports whether page starts well past the rows received so far: a call whose
// answer was lost after the service had advanced the session. ResultIndex is the row's
// position in the session; half a page of slack tolerates duplicates, whatever index
// the service gives them.
func lostPage(page []auditsearch.Record, received, pageSize int) bool {
	m := minResultIndex(page)
	return m > 0 && m > received+1+pageSize/2
}

func minResultIndex(page []auditsearch.Record) int {
	m := 0
	for _, r := range page {
		if r.ResultIndex > 0 && (m == 0 || r.ResultIndex < m) {
			m = r.ResultIndex
		}
	}
	return m
}

// countTrust tracks whether sessions' ResultCount is the window's size: credible once a
// first page claimed something other than its ResultSize, and never again once one
// echoed it (DESIGN §4: the service has been seen echoing ResultSize there).
type countTrust struct {
	seen, echoed atomic.Bool
}

// observe learns from a session's first page: claimed is its largest ResultCount, size
// the ResultSize asked.
func (c *countTrust) observe(claimed, size int) {
	if claimed == size {
		c.echoed.Store(true)
	} else if claimed > 0 {
		c.seen.Store(true)
	}
}

// credible reports whether ResultCount can be taken as the window's size.
func (c *countTrust) credible() bool { return c.seen.Load() && !c.echoed.Load() }

// newSessionUUID returns a random (version 4) UUID for a SessionId.
func newSessionUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
