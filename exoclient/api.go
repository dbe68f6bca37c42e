package exoclient

import (
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// SearchParams is one Search-UnifiedAuditLog call (DESIGN §4). Empty fields are omitted.
// Start and End are sent as RFC 3339 UTC to the second. With LargeSet and a SessionID,
// Client.SearchPage reports failures that may have advanced the session as
// ErrSessionLost instead of retrying them on the same session.
type SearchParams struct {
	Start, End time.Time
	ResultSize int
	SessionID  string
	LargeSet   bool // SessionCommand=ReturnLargeSet
	auditsearch.Filters
}
