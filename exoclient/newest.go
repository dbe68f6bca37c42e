package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"cmp"
	"slices"
	"time"
)

// newestSet collects the rows of a search: unique by ID, at most the newest limit of them
// (plus slack), and it tracks how much of the query window, counted back from its end, is
// fully fetched, so that a search for the newest N records can stop early.
//
// Dropping a row ranked below the limit-th is safe at any time: rows only ever get added,
// so a row with limit rows ranked above it can never climb back into the result.
type newestSet struct {
	limit int
	byID  map[string]auditsearch.Record
	// frontier is the oldest instant such that [frontier, end of the query) is covered by
	// fetched windows.
	frontier time.Time
	// pending holds fetched windows not yet joined to the frontier: End (UnixNano) → Start.
	pending map[int64]time.Time
}

func newNewestSet(limit int, w auditsearch.Window) *newestSet {
	return &newestSet{limit: limit, byID: make(map[string]auditsearch.Record), frontier: w.End, pending: make(map[int64]time.Time)}
}

// add merges rows (deduplicated by ID) and trims the set when it has grown past twice
// its limit.
func (n *newestSet) add(rows []auditsearch.Record) {
	for _, r := range rows {
		n.byID[r.ID] = r
	}
	if len(n.byID) > 2*n.limit {
		n.trim()
	}
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
func (n *newestSet) enough() bool {
	newer := 0
	for _, r := range n.byID {
		if r.CreationTime.After(n.frontier) {
			newer++
		}
	}
	return newer >= n.limit
}

// len is the number of unique rows held.
func (n *newestSet) len() int { return len(n.byID) } //nolint:unused // newest_test.go bounds the set's size; tests are not linted yet

// trim keeps only the newest limit rows.
func (n *newestSet) trim() {
	for _, r := range n.sorted()[n.limit:] {
		delete(n.byID, r.ID)
	}
}

// records returns the newest limit rows, newest first, ties by ID ascending.
func (n *newestSet) records() []auditsearch.Record {
	rows := n.sorted()
	return rows[:min(len(rows), n.limit)]
}

func (n *newestSet) sorted() []auditsearch.Record {
	rows := make([]auditsearch.Record, 0, len(n.byID))
	for _, r := range n.byID {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, compareNewestFirst)
	return rows
}

// compareNewestFirst orders rows newest first by CreationTime, ties by ID ascending
// (DESIGN §5).
func compareNewestFirst(a, b auditsearch.Record) int {
	if c := b.CreationTime.Compare(a.CreationTime); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// newestRows dedups rows by ID and returns the newest limit of them, newest first.
func newestRows(rows []auditsearch.Record, limit int) []auditsearch.Record {
	n := &newestSet{limit: limit, byID: make(map[string]auditsearch.Record, len(rows))}
	for _, r := range rows {
		n.byID[r.ID] = r
	}
	return n.records()
}
