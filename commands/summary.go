package commands

import (
	"cmp"
	"strings"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// SummaryContextKey is the entry-context root of every search's summary (DESIGN §5):
// records, empty result and as_file alike, so that playbooks can branch on Complete.
const SummaryContextKey = "O365AuditLogSearch"

// maxSummaryWindows bounds IncompleteWindows: the context stays small whatever the
// service does; the warning entry gives the total.
const maxSummaryWindows = 100

// SearchSummary is the context of one search under SummaryContextKey.
type SearchSummary struct {
	// StartDate and EndDate are the window searched, RFC 3339 UTC.
	StartDate string `json:"StartDate"`
	EndDate   string `json:"EndDate"`
	// Count is the number of records returned (with as_file, written to the file).
	Count int `json:"Count"`
	// Complete is false only when some window could not be returned whole.
	Complete bool   `json:"Complete"`
	Backend  string `json:"Backend"`
	// IncompleteWindows are the first maxSummaryWindows of those windows; never nil, so
	// that a complete search writes [] rather than null.
	IncompleteWindows []SummaryWindow `json:"IncompleteWindows"`
	// File and FileID name the file entry of an as_file search.
	File   string `json:"File,omitempty"`
	FileID string `json:"FileID,omitempty"`
	// QueryID lists the Graph audit queries whose records the search holds, comma-separated.
	QueryID string `json:"QueryID,omitempty"`
}

// SummaryWindow is one incomplete window, RFC 3339 UTC.
type SummaryWindow struct {
	Start string `json:"Start"`
	End   string `json:"End"`
}

// newSummary is the summary of a search of args that returned count records, with the
// windows res reported incomplete and the backend that served it (Exchange Online when
// res does not say).
func newSummary(args SearchArgs, count int, res *auditsearch.Result) SearchSummary {
	incomplete := res.Incomplete
	windows := make([]SummaryWindow, 0, min(len(incomplete), maxSummaryWindows))
	for _, w := range incomplete[:min(len(incomplete), maxSummaryWindows)] {
		windows = append(windows, SummaryWindow{Start: rfc3339UTC(w.Start), End: rfc3339UTC(w.End)})
	}
	return SearchSummary{
		StartDate:         rfc3339UTC(args.Start),
		EndDate:           rfc3339UTC(args.End),
		Count:             count,
		Complete:          len(incomplete) == 0,
		Backend:           cmp.Or(res.Backend, auditsearch.BackendExchange),
		IncompleteWindows: windows,
		QueryID:           strings.Join(res.QueryIDs, ","),
	}
}

func rfc3339UTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }
