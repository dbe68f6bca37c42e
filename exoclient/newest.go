package exoclient

import (
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// newestSet collects the rows of a search (auditsearch.Newest: unique by ID, at most the
// newest limit of them plus slack) and tracks how much of the query window, counted back
// from its end, is fully fetched, so that a search for the newest N records can stop early.
type newestSet struct {
	*auditsearch.Newest
	limit int
	// frontier is the oldest instant such that [frontier, end of the query) is covered by
	// fetched windows.
	frontier time.Time
	// pending holds fetched windows not yet joined to the frontier: End (UnixNano) → Start.
	pending map[int64]time.Time
}

func newNewestSet(limit int, w auditsearch.Window) *newestSet {
	return &newestSet{Newest: auditsearch.NewNewest(limit), limit: limit, frontier: w.End, pending: make(map[int64]time.Time)}
}

// fetched records that window w is fully fetched and reports whether the frontier moved.
func (n *newestSet) fetched(w auditsearch.Window) bool {
	n.pending[w.End.UnixNano()] = w.Start
	moved := false
	for {
		start, ok := n.pending[n.frontier.UnixNano()]
		if !ok {
			return moved
		}
		delete(n.pending, n.frontier.UnixNano())
		n.frontier, moved = start, true
	}
}

// enough reports whether the newest limit records are known: at least limit rows are
// strictly newer than the frontier. Anything not fetched yet is at or before the frontier
// (a row exactly at it could still tie and win on ID, hence "strictly").
func (n *newestSet) enough() bool { return n.NewerThan(n.frontier) >= n.limit }
