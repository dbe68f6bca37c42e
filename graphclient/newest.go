package graphclient

import (
	"cmp"
	"slices"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// newestSet keeps the newest limit records seen, unique by ID. Dropping a record ranked
// below the limit-th is safe at any time: records are only ever added, so one with limit
// records ranked above it can never climb back.
type newestSet struct {
	limit int
	byID  map[string]auditsearch.Record
}

func newNewestSet(limit int) *newestSet {
	return &newestSet{limit: limit, byID: make(map[string]auditsearch.Record)}
}

// add merges records and trims the set once it holds twice its limit.
func (n *newestSet) add(recs []auditsearch.Record) {
	for _, r := range recs {
		n.byID[r.ID] = r
	}
	if len(n.byID) > 2*n.limit {
		for _, r := range n.sorted()[n.limit:] {
			delete(n.byID, r.ID)
		}
	}
}

// records returns the newest limit records, newest first, ties by ID ascending.
func (n *newestSet) records() []auditsearch.Record {
	rows := n.sorted()
	return slices.Clip(rows[:min(len(rows), n.limit)])
}

func (n *newestSet) sorted() []auditsearch.Record {
	rows := make([]auditsearch.Record, 0, len(n.byID))
	for _, r := range n.byID {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, compareNewestFirst)
	return rows
}

// compareNewestFirst orders records newest first by CreationTime, ties by ID ascending
// (DESIGN §5).
func compareNewestFirst(a, b auditsearch.Record) int {
	if c := b.CreationTime.Compare(a.CreationTime); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
