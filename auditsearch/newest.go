package auditsearch

import (
	"cmp"
	"slices"
	"time"
)

// CompareNewestFirst orders records newest first by CreationTime, ties by ID ascending
// (DESIGN §5: the order of every result).
func CompareNewestFirst(a, b Record) int {
	if c := b.CreationTime.Compare(a.CreationTime); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Newest collects records unique by ID and keeps the newest Limit of them (plus slack).
// Dropping a record ranked below the Limit-th is safe at any time: records are only ever
// added, so one with Limit records ranked above it can never climb back.
type Newest struct {
	limit int
	byID  map[string]Record
}

// NewNewest is an empty collection keeping the newest limit records.
func NewNewest(limit int) *Newest {
	return &Newest{limit: limit, byID: make(map[string]Record)}
}

// NewestOf is the newest limit of records, unique by ID, newest first.
func NewestOf(records []Record, limit int) []Record {
	n := &Newest{limit: limit, byID: make(map[string]Record, len(records))}
	n.Add(records)
	return n.Records()
}

// Add merges records (a repeated ID replaces the earlier one) and trims the collection
// once it holds twice its limit.
func (n *Newest) Add(records []Record) {
	for _, r := range records {
		n.byID[r.ID] = r
	}
	if len(n.byID) > 2*n.limit {
		for _, r := range n.sorted()[n.limit:] {
			delete(n.byID, r.ID)
		}
	}
}

// Records returns the newest limit records, newest first, ties by ID ascending.
func (n *Newest) Records() []Record {
	rows := n.sorted()
	return slices.Clip(rows[:min(len(rows), n.limit)])
}

// Len is the number of unique records held.
func (n *Newest) Len() int { return len(n.byID) }

// NewerThan counts the records held strictly newer than t.
func (n *Newest) NewerThan(t time.Time) int {
	newer := 0
	for _, r := range n.byID {
		if r.CreationTime.After(t) {
			newer++
		}
	}
	return newer
}

func (n *Newest) sorted() []Record {
	rows := make([]Record, 0, len(n.byID))
	for _, r := range n.byID {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, CompareNewestFirst)
	return rows
}
