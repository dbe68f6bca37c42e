package auditsearch

import (
	"errors"
	"fmt"
)

// ErrSessionLost marks a paged result set (an Exchange Online ReturnLargeSet session)
// that failed after the service may have advanced it: retrying in place could silently
// skip a page, so the window is fetched again from scratch. Match with errors.Is.
var ErrSessionLost = errors.New("large-set session can no longer be trusted")

// WindowFailedError means every attempt at one window broke off (for Exchange Online:
// sessions with bogus or lost pages, failed calls) until the per-window budget ran out:
// the service kept failing for that window, so trying later or a narrower date range
// helps, the settings do not.
type WindowFailedError struct {
	// Window is the time window that could not be fetched whole.
	Window Window
	// Attempts is the number of sessions tried.
	Attempts int
	// Last says what broke the last session.
	Last string
}

// Error implements error.
func (e *WindowFailedError) Error() string {
	return fmt.Sprintf("no trustworthy session after %d attempts (last: %s)", e.Attempts, e.Last)
}
