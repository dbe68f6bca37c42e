package graphclient

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// How a search runs: one query for the whole window (submitted, or given by id for
// Results), waited for by polling; a query that succeeded truncated is deleted and its
// window queried again in halves, down to one second, where the truncated query's
// records are read and its window reported incomplete. Up to Config.MaxConcurrency
// queries are waited for and read at once. Records go page by page to the newest set
// (Search) or to the caller (SearchEach): memory is bounded by the pages in flight.

// job is one query of a run: a window to submit, or a query already submitted.
type job struct {
	window auditsearch.Window
	id     string // "" = submit a query for window
}

// run is one search over the client.
type run struct {
	c      *Client
	q      auditsearch.Query
	submit bool // false: Results mode, the queries are given and none is submitted
	each   func(auditsearch.Window, []auditsearch.Record) error
	calls  atomic.Int64

	mu         sync.Mutex
	newest     *auditsearch.Newest
	ids        []string            // queries whose records were read
	open       map[string]struct{} // submitted here and not finished with: deleted if abandoned
	incomplete []auditsearch.Window
	progress   auditsearch.Progress
	eachMu     sync.Mutex
}

// Search submits a query for q's window, waits for it (splitting truncated windows),
// reads its records and returns the newest q.ResultSize (DefaultResultSize when zero or
// less), newest first, ties by ID ascending, unique by ID. Windows of one second the
// service still truncated are in Result.Incomplete, with the records it returned for them.
func (c *Client) Search(ctx context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	return c.newRun(q, true, nil).search(ctx, []job{{window: q.Window()}})
}

// SearchEach is Search handing each page of records to each (with its query's window)
// instead of collecting them: unsorted, never trimmed to q.ResultSize, unique within a
// page but possibly repeated across pages and windows (the caller deduplicates). each is
// called one page at a time; its error stops the search and is returned (wrapped). The
// Result holds no records: only Incomplete, QueryIDs, Calls and Backend.
func (c *Client) SearchEach(ctx context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	return c.newRun(q, true, each).search(ctx, []job{{window: q.Window()}})
}

func (c *Client) newRun(q auditsearch.Query, submit bool, each func(auditsearch.Window, []auditsearch.Record) error) *run {
	if q.ResultSize <= 0 {
		q.ResultSize = DefaultResultSize
	}
	r := &run{c: c, q: q, submit: submit, each: each, open: map[string]struct{}{}}
	if each == nil {
		r.newest = auditsearch.NewNewest(q.ResultSize)
	}
	return r
}

// search runs the jobs and builds the result. Queries submitted here and not finished
// with are deleted when it fails.
func (r *run) search(ctx context.Context, jobs []job) (*auditsearch.Result, error) {
	defer r.c.http.CloseIdleConnections()
	if r.submit {
		if !r.q.Start.Before(r.q.End) {
			return nil, fmt.Errorf("search window %s: the start must be before the end", r.q.Window())
		}
		// A record type Graph cannot filter on is refused before anything is submitted.
		if _, err := newCreateBody(r.q.Window(), r.q.Filters, time.Time{}); err != nil {
			return nil, err
		}
	}
	err := r.runJobs(ctx, jobs)
	r.report(true)
	if err != nil {
		r.abandon(ctx)
		return nil, err
	}
	res := &auditsearch.Result{Incomplete: r.incomplete, Calls: int(r.calls.Load()),
		Backend: auditsearch.BackendGraph, QueryIDs: r.ids}
	if r.newest != nil {
		res.Records = r.newest.Records()
	}
	return res, nil
}

// runJobs runs jobs, and the jobs their splits add, at most MaxConcurrency at once. The
// first error cancels the others.
func (r *run) runJobs(ctx context.Context, jobs []job) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type outcome struct {
		more []job
		err  error
	}
	done := make(chan outcome)
	queue, running := jobs, 0
	r.mu.Lock()
	r.progress.WindowsTotal = len(jobs)
	r.mu.Unlock()
	var first error
	for (first == nil && len(queue) > 0) || running > 0 {
		for first == nil && len(queue) > 0 && running < r.c.cfg.MaxConcurrency {
			j := queue[0]
			queue = queue[1:]
			running++
			go func() {
				more, err := r.do(ctx, j)
				done <- outcome{more, err}
			}()
		}
		o := <-done
		running--
		if o.err != nil && first == nil {
			first = o.err
			cancel(o.err)
		}
		queue = append(queue, o.more...)
		r.mu.Lock()
		r.progress.WindowsTotal += len(o.more)
		if o.err == nil && len(o.more) == 0 {
			r.progress.WindowsDone++
		} else if len(o.more) > 0 {
			r.progress.WindowsTotal-- // the split window is replaced by its halves
		}
		r.mu.Unlock()
		r.report(false)
	}
	return first
}

// do runs one job: submit (unless given), wait, and split or read.
func (r *run) do(ctx context.Context, j job) ([]job, error) {
	id := j.id
	if id == "" {
		var err error
		if id, err = r.c.createQuery(ctx, &r.calls, j.window, r.q.Filters); err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.open[id] = struct{}{}
		r.mu.Unlock()
	}
	info, err := r.finished(ctx, id, j.window)
	if err != nil {
		return nil, err
	}
	w, ok := info.window()
	if !ok {
		w = j.window
	}
	if info.truncated() {
		if a, b, ok := splitWindow(w); ok && r.submit {
			r.c.log.Info("Graph audit query truncated; splitting its window", "id", id, "window", w.String())
			r.c.deleteQuery(ctx, &r.calls, id)
			r.close(id)
			return []job{{window: a}, {window: b}}, nil
		}
		r.c.log.Warn("Graph audit query truncated and its window cannot be split", "id", id, "window", w.String())
		r.mu.Lock()
		r.incomplete = append(r.incomplete, w)
		r.mu.Unlock()
	}
	return nil, r.read(ctx, id, w)
}

// finished waits for a submitted query, or checks once that a given one has finished.
func (r *run) finished(ctx context.Context, id string, w auditsearch.Window) (queryInfo, error) {
	if r.submit {
		return r.c.wait(ctx, &r.calls, id, w)
	}
	info, err := r.c.getQuery(ctx, &r.calls, id)
	if err != nil {
		return queryInfo{}, err
	}
	if qw, ok := info.window(); ok {
		w = qw
	}
	switch info.Status {
	case statusSucceeded:
		return info, nil
	case statusFailed, statusCancelled:
		r.c.deleteQuery(ctx, &r.calls, id)
		return queryInfo{}, &QueryFailedError{ID: id, Status: info.Status, Window: w}
	}
	return queryInfo{}, &NotFinishedError{ID: id, Status: info.Status}
}

// read reads a finished query's records into the result or to each.
func (r *run) read(ctx context.Context, id string, w auditsearch.Window) error {
	_, err := r.c.readRecords(ctx, &r.calls, id, func(recs []auditsearch.Record) error {
		r.mu.Lock()
		r.progress.Records += len(recs)
		if r.newest != nil {
			r.newest.Add(recs)
		}
		r.mu.Unlock()
		if r.each == nil {
			return nil
		}
		r.eachMu.Lock()
		defer r.eachMu.Unlock()
		if err := r.each(w, recs); err != nil {
			return fmt.Errorf("records of window %s: %w", w, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.close(id)
	r.mu.Lock()
	r.ids = append(r.ids, id)
	r.mu.Unlock()
	return nil
}

func (r *run) close(id string) {
	r.mu.Lock()
	delete(r.open, id)
	r.mu.Unlock()
}

// abandon deletes the queries submitted here and not finished with (best effort).
func (r *run) abandon(ctx context.Context) {
	r.mu.Lock()
	ids := make([]string, 0, len(r.open))
	for id := range r.open {
		ids = append(ids, id)
	}
	r.open = map[string]struct{}{}
	r.mu.Unlock()
	for _, id := range ids {
		r.c.deleteQuery(ctx, &r.calls, id)
	}
}

// report calls the query's Progress, from one goroutine at a time.
func (r *run) report(final bool) {
	if r.q.Progress == nil {
		return
	}
	r.mu.Lock()
	p := r.progress
	r.mu.Unlock()
	p.Final = final
	r.q.Progress(p)
}

// wait polls a submitted query until it finishes: from Options.PollInitial, the interval
// growing by half each read up to Options.PollMax, at most Options.MaxWait. A query that
// failed, was cancelled or outlasted the wait is deleted and reported.
func (c *Client) wait(ctx context.Context, calls *atomic.Int64, id string, w auditsearch.Window) (queryInfo, error) {
	start := c.opts.Now()
	interval := c.opts.PollInitial
	for {
		if err := c.opts.Sleep(ctx, interval); err != nil {
			return queryInfo{}, msclient.Canceled(ctx, err)
		}
		info, err := c.getQuery(ctx, calls, id)
		if err != nil {
			return queryInfo{}, err
		}
		switch info.Status {
		case statusSucceeded:
			return info, nil
		case statusFailed, statusCancelled:
			c.deleteQuery(ctx, calls, id)
			return queryInfo{}, &QueryFailedError{ID: id, Status: info.Status, Window: w}
		}
		if waited := c.opts.Now().Sub(start); waited >= c.opts.MaxWait {
			c.deleteQuery(ctx, calls, id)
			return queryInfo{}, &QueryTimeoutError{ID: id, Window: w, Status: info.Status, Waited: waited}
		}
		c.log.Debug("Graph audit query not finished", "id", id, "status", info.Status, "next_poll", interval.String())
		interval = min(interval*3/2, c.opts.PollMax)
	}
}
