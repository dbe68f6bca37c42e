package exoclient

import (
	"errors"
	"fmt"
	"strings"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// exchange is what the response checker and the classifier learn of Exchange Online:
// its throttling message, sent with various statuses, and the exceptions its own
// PowerShell module retries whatever the HTTP status (DESIGN §4b L6: 400 and 500 seen).
var exchange = msclient.Service{
	Source:        msclient.SourceExchange,
	ThrottleTexts: []string{"maximum number of concurrent requests per tenant"},
	TransientExceptions: []string{
		"DCOverloadedException", "SuitabilityDirectoryException", "ServerInMMException",
		"ADServerSettingsChangedException", "StorageTransientException",
	},
}

// ErrSessionLost marks a ReturnLargeSet call that failed after the service may have
// advanced the session (connection reset, 5xx, truncated body). Retrying with the same
// SessionId could silently skip a page, so the caller must fetch the window again with a
// new SessionId (DESIGN §4). Match with errors.Is; the error also wraps the cause.
var ErrSessionLost = auditsearch.ErrSessionLost

// sessionLostError joins ErrSessionLost with the failure that caused it.
type sessionLostError struct{ err error }

func (e *sessionLostError) Error() string   { return fmt.Sprintf("%v: %v", ErrSessionLost, e.err) }
func (e *sessionLostError) Unwrap() []error { return []error{ErrSessionLost, e.err} }

// StartOver tells msclient.Classify that the call is not to be retried in place: a new
// session is.
func (e *sessionLostError) StartOver() bool { return true }

// failureWarnings returns the warnings that say the call failed, or nil.
func failureWarnings(ws []string) []string {
	var out []string
	for _, w := range ws {
		l := strings.ToLower(w)
		for _, mark := range failureMarks {
			if strings.Contains(l, mark) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// failureMarks are the words of a warning that reports a failed call (lower case).
var failureMarks = []string{"canceled", "cancelled", "failed", "timed out", "timeout", "exception", "try again", "retry"}

// cutShortWarning reports the warning the service gives when it returned fewer rows than
// exist ("There are more results available than are currently displayed").
func cutShortWarning(ws []string) bool {
	for _, w := range ws {
		if strings.Contains(strings.ToLower(w), "more results available") {
			return true
		}
	}
	return false
}

// errCutShort is a session call that the service itself says was cut short without a
// continuation: the session has moved past rows the client did not get.
var errCutShort = errors.New("the service cut the page short (\"more results available\") without a continuation")

// ContinuationRefusedError is a call whose @odata.nextLink the service refused (or kept
// failing): the rest of that call's rows are lost (DESIGN §4b L4). Rows are those that
// arrived before; PageRows is how many rows the call's first REST page held, which is
// what the service serves per page: asking for that many rows per call avoids
// continuations altogether.
type ContinuationRefusedError struct {
	Rows     []auditsearch.Record
	PageRows int
	Err      error
}

// Error implements error.
func (e *ContinuationRefusedError) Error() string {
	return fmt.Sprintf("page continuation refused after %d rows: %v", len(e.Rows), e.Err)
}

// Unwrap returns the continuation's failure.
func (e *ContinuationRefusedError) Unwrap() error { return e.Err }
