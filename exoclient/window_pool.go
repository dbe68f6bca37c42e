package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// progressLogInterval is the least time between two progress log lines of a search.
const progressLogInterval = 2 * time.Second

// resplitPages is how many calls a piece of a window whose session broke off is sized for.
const resplitPages = 8

// maxSplitPieces bounds how many pieces one capped window is cut into, whatever
// ResultCount claims.
const maxSplitPieces = 64

// windowRun is the coordinator's state while windows are being fetched. Only the
// coordinator goroutine touches it.
type windowRun struct {
	queue      *windowQueue // windows to fetch before cutting more from plan: pieces of split ones
	plan       *windowPlan
	set        *newestSet
	inflight   int
	done       int
	rows       int // rows received from finished windows, duplicates included
	incomplete []auditsearch.Window
	lastLog    time.Time
	started    time.Time
	sink       *sinker // SearchEach's callback: rows go there, not to set; nil when collecting
	// held is the rows each window in flight is expected to hold (streamRowsInFlight),
	// rowsHeld their sum.
	held     map[auditsearch.Window]int
	rowsHeld int
}

// hold sets the rows window w in flight is expected to hold (0 once it is done).
func (run *windowRun) hold(w auditsearch.Window, rows int) {
	if run.held == nil {
		run.held = make(map[auditsearch.Window]int)
	}
	run.rowsHeld += rows - run.held[w]
	if rows == 0 {
		delete(run.held, w)
	} else {
		run.held[w] = rows
	}
}

// runWindows fetches windows with s.maxConcurrency workers, newest window first: those of
// initial, then the ones plan cuts as workers are free. A window whose session reached
// (or claimed) the cap is split and its rows dropped (the pieces fetch them again); at
// one second it is kept and reported incomplete. The search stops as soon as
// the newest q.ResultSize records are known, and on the first error, cancelling the
// windows in flight either way.
func (s *searcher) runWindows(ctx context.Context, q auditsearch.Query, initial []auditsearch.Window, plan *windowPlan) (*auditsearch.Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	jobs := make(chan auditsearch.Window)
	outcomes := make(chan windowOutcome)
	// A credible count on a window's first page is its size: the plan learns it then,
	// not some calls later when the window is done, so the windows cut meanwhile are
	// sized by it (with 8 workers, most windows are cut while their neighbours are in
	// flight).
	s.counted = func(w auditsearch.Window, rows int) {
		select {
		case outcomes <- windowOutcome{window: w, estimate: rows, counted: true}:
		case <-ctx.Done():
		}
	}
	var wg sync.WaitGroup
	for range s.maxConcurrency {
		wg.Go(func() { s.windowWorker(ctx, q, jobs, outcomes) })
	}
	defer func() { cancel(); wg.Wait() }()

	run := &windowRun{queue: newWindowQueue(initial), plan: plan, set: newNewestSet(q.ResultSize, q.Window()), lastLog: s.now(), started: s.now()}
	if s.each != nil {
		run.sink = startSinker(s.each)
		defer run.sink.stop()
	}
	for run.queue.Len() > 0 || run.plan.pending() || run.inflight > 0 {
		var send chan<- auditsearch.Window
		var next auditsearch.Window
		cut := false
		switch {
		case !s.roomForWindow(run.inflight, run.rowsHeld+run.sink.holding()):
		case run.queue.Len() > 0:
			send, next = jobs, (*run.queue)[0]
		case run.plan.pending():
			run.plan.workers = s.parallelWindows()
			send, next, cut = jobs, run.plan.next(s.windowRows(), s.sizer.current()), true
		}
		select {
		case send <- next:
			if cut {
				run.plan.cut(next)
			} else {
				heap.Pop(run.queue)
			}
			run.inflight++
			run.hold(next, s.windowRows())
		case out := <-outcomes:
			if out.counted {
				run.plan.learn(out.window, out.estimate)
				run.hold(out.window, min(out.estimate, s.limits.cap))
				continue
			}
			run.inflight--
			run.hold(out.window, 0)
			stop, err := s.absorb(run, out)
			if err != nil {
				return nil, err
			}
			if stop {
				return s.finish(run), nil
			}
		case r := <-run.sink.sunk():
			if err := run.sink.finished(r); err != nil {
				return nil, err
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("search %s: %w", q.Window(), ctx.Err())
		}
	}
	if err := run.sink.wait(); err != nil {
		return nil, err
	}
	return s.finish(run), nil
}

// windowWorker fetches windows from jobs until ctx is done.
func (s *searcher) windowWorker(ctx context.Context, q auditsearch.Query, jobs <-chan auditsearch.Window, outcomes chan<- windowOutcome) {
	for {
		select {
		case <-ctx.Done():
			return
		case w := <-jobs:
			out := s.fetchWindow(ctx, q, w)
			select {
			case outcomes <- out:
			case <-ctx.Done():
				return
			}
		}
	}
}

// absorb handles one fetched window and reports whether the search has enough records.
func (s *searcher) absorb(run *windowRun, out windowOutcome) (bool, error) {
	if out.err != nil {
		return false, out.err
	}
	if out.resplit {
		// A session that breaks off deep into a window costs all its calls: smaller pieces
		// (about resplitPages calls each) make each retry likelier to get through.
		per := max(1, s.sizer.current()*resplitPages)
		pieces := splitWindow(out.window, min(max(2, windowPieces(out.estimate, per)), maxSplitPieces))
		for _, w := range pieces {
			heap.Push(run.queue, w)
		}
		return false, nil
	}
	if out.capped || out.oversize {
		// Pieces end on whole seconds: the service filters on whole seconds, so a window of
		// one second (or less) is the finest split there is (DESIGN §4). The rows returned
		// are a random sample of the window: each piece takes the share of them that
		// one window's rows are of the estimate.
		pieces := splitByRows(out.window, out.rows, out.estimate, s.windowRows(), maxSplitPieces)
		if len(pieces) > 1 || out.oversize {
			for _, w := range pieces {
				heap.Push(run.queue, w)
			}
			s.log.Debug("window at the session cap: split", "window", out.window.String(), "estimate", out.estimate, "pieces", len(pieces))
			return false, nil
		}
		run.incomplete = append(run.incomplete, out.window)
		s.log.Warn("one-second window still at the session cap: records may be missing", "window", out.window.String())
	}
	if run.sink != nil {
		if err := run.sink.hand(out.window, out.rows); err != nil {
			return false, err
		}
	} else {
		run.set.Add(out.rows)
	}
	s.log.Debug("window fetched", "window", out.window.String(), "rows", len(out.rows))
	run.done++
	run.rows += len(out.rows)
	run.plan.learn(out.window, len(out.rows))
	moved := run.set.fetched(out.window)
	s.report(run, false)
	return run.sink == nil && moved && run.set.enough(), nil
}

// streamRowsInFlight bounds the rows a streaming search holds in windows in flight and in
// the window being written. Such a search holds each window whole until its session ends
// (a capped window's rows are dropped and fetched again as pieces), at about 1.4 KB per
// row in memory, so 8 windows near the 45,000-row target took a 1,000,000-record export
// to 495-552 MiB peak RSS (make bench), past its 512 MiB bound. The bound leaves window
// sizes alone, so calls stay as planned, and only holds workers back: about 6 windows of
// 45,000 rows. A window counts for the rows it is sized for until its first page states
// its size credibly, then for that.
const streamRowsInFlight = 280_000

// roomForWindow reports whether one more window may start, with rows held by the windows
// in flight (inflight of them) and the one being written: always for a collecting search,
// and for a streaming one while they stay within streamRowsInFlight.
func (s *searcher) roomForWindow(inflight, rows int) bool {
	return s.each == nil || inflight == 0 || rows+s.windowRows() <= streamRowsInFlight
}

// parallelWindows is how many windows can be in flight together: the workers, or for a
// streaming search as many windows as streamRowsInFlight holds, if fewer. The plan's
// last windows are shared among them.
func (s *searcher) parallelWindows() int {
	if s.each == nil {
		return s.maxConcurrency
	}
	return max(1, min(s.maxConcurrency, streamRowsInFlight/s.windowRows()))
}

// windowRows is how many rows a window is sized for now (plan.go).
func (s *searcher) windowRows() int {
	return windowRows(s.sizer.current(), s.limits, s.counts.credible())
}

// finish builds the result. An incomplete window is reported only if records missing
// from it could belong in the result: the result is short, or not all of it is newer
// than the window.
func (s *searcher) finish(run *windowRun) *auditsearch.Result {
	s.report(run, true)
	records := run.set.Records()
	var incomplete []auditsearch.Window
	for _, w := range run.incomplete {
		if len(records) < run.set.limit || !records[len(records)-1].CreationTime.After(w.End) {
			incomplete = append(incomplete, w)
		}
	}
	slices.SortFunc(incomplete, func(a, b auditsearch.Window) int { return a.Start.Compare(b.Start) })
	return &auditsearch.Result{Records: records, Incomplete: incomplete}
}

// report calls the progress callback and logs progress at most every progressLogInterval
// (and once at the end).
func (s *searcher) report(run *windowRun, final bool) {
	p := auditsearch.Progress{WindowsDone: run.done, WindowsTotal: run.done + run.queue.Len() + run.inflight + run.plan.left(s.windowRows()), Records: run.rows, Final: final}
	if s.progress != nil {
		s.progress(p)
	}
	now := s.now()
	if !final && now.Sub(run.lastLog) < progressLogInterval {
		return
	}
	run.lastLog = now
	elapsed := now.Sub(run.started)
	rate, eta := 0, time.Duration(0)
	if elapsed > 0 {
		rate = int(float64(p.Records) / elapsed.Seconds())
	}
	if p.WindowsDone > 0 && !final {
		eta = elapsed * time.Duration(p.WindowsTotal-p.WindowsDone) / time.Duration(p.WindowsDone)
	}
	s.log.Info("audit log search progress", "windows_done", p.WindowsDone, "windows_total", p.WindowsTotal, "rows", p.Records,
		"rows_per_second", rate, "eta", eta.Round(time.Second).String(), "final", final)
}
