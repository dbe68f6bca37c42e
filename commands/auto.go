package commands

import (
	"context"
	"slices"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// coalesceGap joins incomplete windows this close into one Graph query.
const coalesceGap = time.Minute

// completer re-fetches through Graph the windows Exchange Online could not return whole.
// Its error is a failure of the search, or a *scheduledError when the queries were
// submitted for a later execution (polling).
type completer func(ctx context.Context, q auditsearch.Query, windows []auditsearch.Window) (completion, error)

// completion is what Graph can add to a search.
type completion struct {
	// graph searches the Graph queries' records; nil when none could be submitted.
	graph auditsearch.Searcher
	// covered are the windows of those queries.
	covered []auditsearch.Window
	// why says why Graph could not complete some or all of the windows (the permission,
	// the cloud, the daily budget); nil when it could.
	why error
}

// autoClient is backend=auto: Exchange Online first, then Graph for exactly the windows
// Exchange could not return whole, merged by Id (DESIGN §5 backend). Only what neither
// could return is reported incomplete; why Graph could not help is kept in why.
type autoClient struct {
	exo      Client
	complete completer
	// why is set when Graph could not complete the search (read after it).
	why error
}

// Ping checks Exchange Online: auto searches there first.
func (a *autoClient) Ping(ctx context.Context) error { return a.exo.Ping(ctx) }

// Search searches Exchange, then completes through Graph.
func (a *autoClient) Search(ctx context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	res, err := a.exo.Search(ctx, q)
	if err != nil || res == nil || len(res.Incomplete) == 0 {
		return res, err
	}
	g, covered, err := a.completion(ctx, q, res)
	if g == nil || err != nil {
		return res, err
	}
	more, err := g.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	more.Records = slices.DeleteFunc(more.Records, func(r auditsearch.Record) bool { return outside(q, r) })
	merged := mergeResults([]*auditsearch.Result{res, more}, q.ResultSize)
	return a.completed(merged, res, more, covered), nil
}

// SearchEach streams Exchange's windows, then the Graph queries' records.
func (a *autoClient) SearchEach(ctx context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	res, err := streamOrSearch(ctx, a.exo, q, each)
	if err != nil || res == nil || len(res.Incomplete) == 0 {
		return res, err
	}
	g, covered, err := a.completion(ctx, q, res)
	if g == nil || err != nil {
		return res, err
	}
	more, err := streamOrSearch(ctx, g, q, func(w auditsearch.Window, rows []auditsearch.Record) error {
		return each(w, slices.DeleteFunc(rows, func(r auditsearch.Record) bool { return outside(q, r) }))
	})
	if err != nil {
		return nil, err
	}
	more.Records = slices.DeleteFunc(more.Records, func(r auditsearch.Record) bool { return outside(q, r) })
	merged := mergeResults([]*auditsearch.Result{res, more}, 0)
	return a.completed(merged, res, more, covered), nil
}

// completion asks for the Graph completion of res's incomplete windows, keeping why Graph
// could not help.
func (a *autoClient) completion(ctx context.Context, q auditsearch.Query, res *auditsearch.Result) (auditsearch.Searcher, []auditsearch.Window, error) {
	c, err := a.complete(ctx, q, res.Incomplete)
	if err != nil {
		return nil, nil, err
	}
	a.why = c.why
	return c.graph, c.covered, nil
}

// completed fills the merged result's completeness: the Exchange windows no Graph query
// covered, and what Graph itself could not return.
func (a *autoClient) completed(merged, exo, graph *auditsearch.Result, covered []auditsearch.Window) *auditsearch.Result {
	left := uncovered(exo.Incomplete, covered)
	merged.Incomplete = mergeResults([]*auditsearch.Result{{Incomplete: left}, {Incomplete: graph.Incomplete}}, 0).Incomplete
	merged.Backend = auditsearch.BackendExchangeGraph
	merged.QueryIDs = graph.QueryIDs
	merged.Calls = exo.Calls + graph.Calls
	return merged
}

// streamOrSearch streams q through c when it can, else searches and hands the records
// back in the result (as the export's spill takes them either way).
func streamOrSearch(ctx context.Context, c Client, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	if s, ok := c.(auditsearch.Streamer); ok {
		return s.SearchEach(ctx, q, each)
	}
	return c.Search(ctx, q)
}

// outside reports whether r lies outside q's window (a scheduled run re-reads a relative
// window later than the Graph queries were submitted).
func outside(q auditsearch.Query, r auditsearch.Record) bool {
	return r.CreationTime.Before(q.Start) || r.CreationTime.After(q.End)
}
