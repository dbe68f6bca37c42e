package auditsearch

import "time"

// Filters narrow a search. Every backend and every caller uses this one struct, so that a
// filter added here reaches every query (a filter declared in several places could be
// dropped silently by one of them). Empty fields do not filter.
type Filters struct {
	// FreeText matches text anywhere in the record.
	FreeText string
	// RecordType is an AuditLogRecordType name (canonical), or empty for any.
	RecordType string
	// RecordTypes, with two or more names, asks for records of any of them, for a backend
	// that takes a list in one query (Graph). A backend that takes one type per query
	// (Exchange Online) refuses it: the caller runs one query per type there.
	RecordTypes []string
	// IPAddresses keep records from any of these client addresses.
	IPAddresses []string
	// Operations keep records of any of these operations.
	Operations []string
	// UserIDs keep records of any of these users.
	UserIDs []string
	// ObjectIDs keep records about any of these objects (a trailing * is Exchange
	// Online's wildcard, passed through).
	ObjectIDs []string
	// HighCompleteness asks the service to favour completeness over speed (Microsoft's
	// preview HighCompleteness switch); false leaves the switch out.
	HighCompleteness bool
}

// Query is one search: the window [Start, End], the filters, how many of the newest
// records are wanted, and who hears of its progress.
type Query struct {
	Start, End time.Time
	Filters
	// ResultSize is the number of newest records wanted (1..any); zero or less means the
	// backend's default.
	ResultSize int
	// Progress, when set, is called after every window of a large search and once when the
	// search ends (Final). It is called from one goroutine at a time and must be quick.
	Progress func(Progress)
}

// Window is the query's time window.
func (q Query) Window() Window { return Window{Start: q.Start, End: q.End} }

// Window is a time window [Start, End) of a search.
type Window struct {
	Start, End time.Time
}

// String formats the window for logs and error texts, e.g.
// "[2021-01-01T00:00:00Z, 2021-01-02T00:00:00Z)".
func (w Window) String() string {
	return "[" + w.Start.UTC().Format(time.RFC3339Nano) + ", " + w.End.UTC().Format(time.RFC3339Nano) + ")"
}

// Progress is a snapshot of a search spanning several windows.
type Progress struct {
	// WindowsDone of WindowsTotal windows are fetched; the total grows when a window is
	// split.
	WindowsDone, WindowsTotal int
	// Records is the number of records received so far, duplicates included.
	Records int
	// Final marks the last report of the search.
	Final bool
}
