package auditsearch

import (
	"encoding/json"
	"time"

	"github.com/o365auditlog/o365auditlog/jsontext"
)

// BackendExchange names the Exchange Online backend (Search-UnifiedAuditLog) in
// Result.Backend.
const BackendExchange = "exchange"

// BackendGraph names the Microsoft Graph audit log query backend in Result.Backend.
const BackendGraph = "graph"

// BackendExchangeGraph names a search that Exchange Online served and Graph completed
// (the windows Exchange could not return whole, re-fetched through Graph).
const BackendExchangeGraph = "exchange+graph"

// Record is one audit record as a backend returns it.
type Record struct {
	// ID is the AuditData Id (falls back to the service's row identity).
	ID string
	// CreationTime is AuditData's CreationTime (UTC; falls back to the row's date).
	CreationTime time.Time
	RecordType   string
	Operations   string
	UserIDs      string
	// ResultIndex and ResultCount are the service's paging counters (Exchange Online's);
	// zero when the backend has none.
	ResultIndex int
	ResultCount int
	// AuditData is the record itself: its JSON text as the service sent it.
	AuditData json.RawMessage
	// Canonical is AuditData sanitised by contextout, when the backend sanitised it while
	// decoding (nil otherwise): the commands use it rather than sanitise every record a
	// second time. It shares AuditData's bytes when the service sent it canonical already.
	Canonical jsontext.Canonical
}

// Result is the outcome of a Query: the newest ResultSize records, newest first (ties by
// ID ascending), unique by ID, and how complete they are.
type Result struct {
	Records []Record
	// Incomplete lists the windows the service could not return whole (for Exchange
	// Online, one-second windows that still held 50,000 or more records).
	Incomplete []Window
	// Calls is the number of service calls the search made.
	Calls int
	// Backend names the backend that served the search, e.g. BackendExchange.
	Backend string
	// QueryIDs are the ids of the asynchronous queries (Graph) whose records the result
	// holds; empty for Exchange Online.
	QueryIDs []string
}
