package exoclient

import (
	"encoding/json"
	"time"
)

// Config is everything the client needs, already validated by the caller (commands/).
type Config struct {
	// URL is the Exchange Online URL, e.g. https://outlook.office365.com (no trailing slash).
	URL string
	// AuthURL overrides the Entra ID authority host picked from URL's host (DESIGN §3).
	AuthURL string
	// Organization is the tenant domain or GUID.
	Organization string
	// AppID is the application (client) ID.
	AppID string
	// PFX holds the decoded certificate bytes (base64 already removed); PEM is accepted too.
	PFX []byte
	// Password is the PFX password.
	Password string
	// Insecure trusts any TLS certificate.
	Insecure bool
	// Proxy uses the system proxy from the environment; false = direct connections.
	Proxy bool
	// Timeout bounds each HTTP request. Zero means 960s (DefaultTimeout).
	Timeout time.Duration
	// MaxConcurrency is the number of windows fetched in parallel by large searches. Zero means 4.
	MaxConcurrency int
}

// SearchParams is one Search-UnifiedAuditLog call (DESIGN §4). Empty fields are omitted.
// Start and End are sent as RFC 3339 UTC to the second. With LargeSet and a SessionID,
// Client.SearchPage reports failures that may have advanced the session as
// ErrSessionLost instead of retrying them on the same session.
type SearchParams struct {
	Start, End  time.Time
	ResultSize  int
	SessionID   string
	LargeSet    bool // SessionCommand=ReturnLargeSet
	FreeText    string
	RecordType  string
	IPAddresses []string
	Operations  []string
	UserIDs     []string
	ObjectIDs   []string
}

// Row is one decoded InvokeCommand row.
type Row struct {
	// ID is the AuditData Id (falls back to Identity).
	ID string
	// CreationTime is AuditData's CreationTime (UTC; falls back to CreationDate).
	CreationTime time.Time
	RecordType   string
	Operations   string
	UserIDs      string
	ResultIndex  int
	ResultCount  int
	// AuditData is the record itself: the JSON text of the row's AuditData string, unmodified.
	AuditData json.RawMessage
}

// Query is one o365-auditlog-search: the window [Start, End] and the filters.
type Query struct {
	Start, End  time.Time
	FreeText    string
	RecordType  string
	IPAddresses []string
	Operations  []string
	UserIDs     []string
	ObjectIDs   []string
	// ResultSize is the number of newest records wanted (1..any).
	ResultSize int
	// each is SearchEach's callback (nil: Search collects the rows).
	each func(Window, []Row) error
	// probeEmpty: the call without a session found nothing in the query window, so one
	// session that also finds nothing confirms it.
	probeEmpty bool
}

// Window is a time window [Start, End) of a large search.
type Window struct {
	Start, End time.Time
}

// Result is the outcome of a Query: the newest ResultSize records, newest first
// (ties by ID ascending), unique by ID.
type Result struct {
	Records []Row
	// Incomplete lists one-second windows that still held 50,000 or more records.
	Incomplete []Window
}
