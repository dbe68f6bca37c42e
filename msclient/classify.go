package msclient

import (
	"errors"
	"net/http"
	"time"
)

// Verdict is what one failure means for the caller: whether to try the same exchange
// again (and when), whether the service may have acted on it, whether it is about
// credentials, and whether starting over could help at all. Classify is the one place
// that decides it; every retry and recovery choice of every client reads it.
type Verdict struct {
	// Retry: another try of the same exchange may succeed (429, 5xx, a service's
	// throttling message or transient exception, a 2xx with failure warnings, a broken
	// connection, a timeout, an undecodable body). Never other 4xx.
	Retry bool
	// After is the delay the service asked for (Retry-After), if any.
	After time.Duration
	// MayHaveAdvanced: the failure is retryable but the service may have processed the
	// request, so a stateful call (a paged session) may have moved on. A throttled call
	// and token failures leave it untouched.
	MayHaveAdvanced bool
	// Auth: the failure is about credentials or permission (no token, the authority's
	// answer, 401, 403); nothing but other settings fixes it.
	Auth bool
	// StartOver: the failure must not be retried in place, but a fresh start (a new
	// session) may succeed.
	StartOver bool
	// Fatal: no new attempt, in place or from scratch, can fix it (4xx other than
	// throttling and 408, an oversized body).
	Fatal bool
}

// startOver is implemented by errors that ask for a fresh start rather than a retry in
// place (exoclient's lost large-set session).
type startOver interface{ StartOver() bool }

// Classify decides what err means (see Verdict). The service-specific facts it reads
// (throttling texts, transient exceptions) are on *APIError, put there by CheckResponse
// from the Service.
func Classify(err error) Verdict {
	var so startOver
	if errors.As(err, &so) && so.StartOver() {
		return Verdict{StartOver: true}
	}
	var kept *keptResponse
	if errors.As(err, &kept) { // inside the token transport: the authority's retryable status
		return Verdict{Retry: true, After: kept.RetryAfter}
	}
	var tokErr *TokenError
	if errors.As(err, &tokErr) {
		return Verdict{Auth: true} // the token transport already retried it
	}
	var tooLarge *PageTooLargeError
	if errors.As(err, &tooLarge) {
		return Verdict{Fatal: true}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return classifyAPIError(apiErr)
	}
	var decErr *DecodeError
	var warnErr *WarningError
	if errors.As(err, &decErr) || errors.As(err, &warnErr) {
		return Verdict{Retry: true, MayHaveAdvanced: true}
	}
	retry := transientNetError(err)
	return Verdict{Retry: retry, MayHaveAdvanced: retry}
}

func classifyAPIError(e *APIError) Verdict {
	v := Verdict{
		Auth:  e.Source == SourceAuthority || e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden,
		Fatal: !(e.Throttled() || e.Transient() || e.Status >= http.StatusInternalServerError || e.Status == http.StatusRequestTimeout),
	}
	if e.Source == SourceAuthority {
		return v // the token transport already retried it
	}
	if e.Throttled() || RetryableStatus(e.Status) || e.Transient() {
		v.Retry, v.After = true, e.RetryAfter
		v.MayHaveAdvanced = !e.Throttled()
	}
	return v
}
