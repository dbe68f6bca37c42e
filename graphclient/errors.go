package graphclient

import (
	"fmt"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// graph is what the response checker and the classifier learn of Microsoft Graph: its
// throttling is HTTP 429 (with Retry-After), nothing else.
var graph = msclient.Service{Source: msclient.SourceGraph}

// UnavailableError means Microsoft Graph audit log queries do not exist in the configured
// cloud (they exist in the commercial cloud only, not in GCC High, DoD or 21Vianet): the
// Exchange Online backend is the way there.
type UnavailableError struct {
	// Cloud names the cloud, e.g. "GCC High".
	Cloud string
	// Host is the configured host that names it (the Exchange Online or Graph host).
	Host string
}

// Error implements error.
func (e *UnavailableError) Error() string {
	return fmt.Sprintf("Microsoft Graph audit log queries do not exist in the %s cloud (%s); only Exchange Online's audit search does", e.Cloud, e.Host)
}

// RecordTypeError is a record type Graph cannot filter on: it has no member in Graph's
// auditLogRecordType (e.g. MicrosoftTeamsAddOns). It is raised before any submission.
type RecordTypeError struct {
	// RecordType is the classic name asked for.
	RecordType string
}

// Error implements error.
func (e *RecordTypeError) Error() string {
	return fmt.Sprintf("record type %s has no Microsoft Graph name, so Graph audit queries cannot filter on it", e.RecordType)
}

// QueryFailedError is a query the service ended failed or cancelled. The client deleted
// it (best effort). Running it again may succeed.
type QueryFailedError struct {
	// ID is the service's query id.
	ID string
	// Status is the service's final status: "failed" or "cancelled".
	Status string
	// Window is the query's time window, when known.
	Window auditsearch.Window
}

// Error implements error.
func (e *QueryFailedError) Error() string {
	w := ""
	if !e.Window.Start.IsZero() {
		w = " for " + e.Window.String()
	}
	return fmt.Sprintf("Microsoft Graph audit query %s%s ended %s", e.ID, w, e.Status)
}

// QueryTimeoutError is a query still not finished after Options.MaxWait. The client
// deleted it (best effort).
type QueryTimeoutError struct {
	ID     string
	Window auditsearch.Window
	// Status is the last status read (notStarted or running).
	Status string
	Waited time.Duration
}

// Error implements error.
func (e *QueryTimeoutError) Error() string {
	return fmt.Sprintf("Microsoft Graph audit query %s for %s still %s after %s", e.ID, e.Window, e.Status, e.Waited.Round(time.Second))
}

// QueryNotFoundError is a query id the service does not know (on either API version):
// deleted, expired, or never created in this tenant.
type QueryNotFoundError struct {
	ID string
	// Err is the service's answer.
	Err error
}

// Error implements error.
func (e *QueryNotFoundError) Error() string {
	return fmt.Sprintf("Microsoft Graph audit query %s was not found: %v", e.ID, e.Err)
}

// Unwrap returns the service's answer.
func (e *QueryNotFoundError) Unwrap() error { return e.Err }

// NotFinishedError is a query whose records were asked for (Results) before it finished.
type NotFinishedError struct {
	ID     string
	Status string
}

// Error implements error.
func (e *NotFinishedError) Error() string {
	return fmt.Sprintf("Microsoft Graph audit query %s has not finished (status %s)", e.ID, e.Status)
}

// NotReadyError means a succeeded query's records stayed "not ready" through every
// retry (Options.NotReadyRetries).
type NotReadyError struct {
	ID       string
	Attempts int
	Err      error
}

// Error implements error.
func (e *NotReadyError) Error() string {
	return fmt.Sprintf("the records of Microsoft Graph audit query %s were still not ready after %d attempts: %v", e.ID, e.Attempts, e.Err)
}

// Unwrap returns the last answer.
func (e *NotReadyError) Unwrap() error { return e.Err }

// ForeignLinkError is an @odata.nextLink to another origin than Graph's: it is not
// followed, since the access token would go with it.
type ForeignLinkError struct {
	// Origin is the link's scheme://host.
	Origin string
}

// Error implements error.
func (e *ForeignLinkError) Error() string {
	return "refusing an @odata.nextLink to another origin (" + e.Origin + ")"
}

// RecordError is a record whose auditData cannot be read as a JSON object.
type RecordError struct {
	// ID is the envelope's id.
	ID  string
	Err error
}

// Error implements error.
func (e *RecordError) Error() string {
	return fmt.Sprintf("audit record %s: unreadable auditData: %v", e.ID, e.Err)
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }
