package exoclient

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Source names the service that answered with an error.
type Source string

const (
	// SourceExchange is the Exchange Online admin API (InvokeCommand).
	SourceExchange Source = "Exchange Online"
	// SourceAuthority is the Entra ID token authority.
	SourceAuthority Source = "Entra ID"
)

// APIError is a non-2xx answer from Exchange Online or from the Entra ID authority.
type APIError struct {
	// Source is the service that answered.
	Source Source
	// Status is the HTTP status code.
	Status int
	// Code is the service's error code: the EXO error.code, or for the authority the
	// AADSTS code (e.g. "AADSTS700027") when there is one, else the OAuth error
	// (e.g. "invalid_client").
	Code string
	// Message is the service's text (details appended), with anything token-like redacted.
	Message string
	// RequestID is the request id the service reported (or the client-request-id sent),
	// which Microsoft support asks for.
	RequestID string
	// RetryAfter is the delay the service asked for with Retry-After, if any.
	RetryAfter time.Duration
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered HTTP %d", cmp.Or(e.Source, SourceExchange), e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Throttled reports whether the service asked us to slow down: HTTP 429, or the
// per-tenant concurrency message that Exchange Online sends with various statuses.
func (e *APIError) Throttled() bool {
	return e.Status == http.StatusTooManyRequests || strings.Contains(strings.ToLower(e.Message), concurrencyText)
}

// concurrencyText is Exchange Online's per-tenant concurrency limit message (lower case).
const concurrencyText = "maximum number of concurrent requests per tenant"

// RetryError means a call kept failing with retryable errors until the retry budget
// (attempts or total time) ran out. Err is the last failure.
type RetryError struct {
	Attempts int
	Elapsed  time.Duration
	Err      error
}

// Error implements error.
func (e *RetryError) Error() string {
	return fmt.Sprintf("gave up after %d attempts in %s: %v", e.Attempts, e.Elapsed.Round(time.Millisecond), e.Err)
}

// Unwrap returns the last failure.
func (e *RetryError) Unwrap() error { return e.Err }

// ErrSessionLost marks a ReturnLargeSet call that failed after the service may have
// advanced the session (connection reset, 5xx, truncated body). Retrying with the same
// SessionId could silently skip a page, so the caller must fetch the window again with a
// new SessionId (DESIGN §4). Match with errors.Is; the error also wraps the cause.
var ErrSessionLost = errors.New("large-set session can no longer be trusted")

// sessionLostError joins ErrSessionLost with the failure that caused it.
type sessionLostError struct{ err error }

func (e *sessionLostError) Error() string   { return fmt.Sprintf("%v: %v", ErrSessionLost, e.err) }
func (e *sessionLostError) Unwrap() []error { return []error{ErrSessionLost, e.err} }

// WindowFailedError means every session over one window broke off (bogus or lost pages,
// failed calls) until the per-window budget ran out: Exchange Online kept failing for
// that window, so trying later or a narrower date range helps, the settings do not.
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

// DecodeError is a 2xx answer whose body could not be decoded (truncated or not the
// expected JSON). It is retried: the usual cause is a connection cut mid-body.
type DecodeError struct {
	Err error
}

// Error implements error.
func (e *DecodeError) Error() string { return "undecodable response body: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// PageTooLargeError is a response body over Options.MaxPageBytes. It is not retried.
type PageTooLargeError struct {
	Limit int64
}

// Error implements error.
func (e *PageTooLargeError) Error() string {
	return fmt.Sprintf("response body exceeds the %d-byte limit", e.Limit)
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// checkResponse turns a non-2xx response into *APIError (nil for 2xx). It reads and
// closes nothing on 2xx; on error it reads at most maxErrorBody bytes of the body.
// It is the one place that interprets error bodies of both services.
func checkResponse(resp *http.Response, source Source, sentRequestID string) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return newAPIError(source, resp.StatusCode, resp.Header, body, sentRequestID)
}

func newAPIError(source Source, status int, h http.Header, body []byte, sentRequestID string) *APIError {
	e := &APIError{Source: source, Status: status, RetryAfter: parseRetryAfter(h.Get("Retry-After"), time.Now())}
	e.RequestID = firstNonEmpty(h.Get("request-id"), h.Get("x-ms-request-id"), h.Get("client-request-id"), sentRequestID)
	if !parseEXOError(body, e) && !parseAADError(body, e) {
		e.Message = plainText(body)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.Message = redact(e.Message)
	return e
}

// parseEXOError reads {"error":{"code","message","details":[{"message"}],"innererror":{}}}.
func parseEXOError(body []byte, e *APIError) bool {
	var v struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details []struct {
				Message string `json:"message"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil || v.Error == nil {
		return false
	}
	e.Code = v.Error.Code
	msgs := []string{strings.TrimSpace(v.Error.Message)}
	for _, d := range v.Error.Details {
		if m := strings.TrimSpace(d.Message); m != "" && !strings.Contains(msgs[0], m) {
			msgs = append(msgs, m)
		}
	}
	e.Message = strings.Join(nonEmpty(msgs), " ")
	return true
}

var aadstsCode = regexp.MustCompile(`AADSTS\d+`)

// parseAADError reads {"error","error_description","error_codes":[…],"trace_id",…}.
func parseAADError(body []byte, e *APIError) bool {
	var v struct {
		Error         string `json:"error"`
		Description   string `json:"error_description"`
		ErrorCodes    []int  `json:"error_codes"`
		TraceID       string `json:"trace_id"`
		CorrelationID string `json:"correlation_id"`
	}
	if json.Unmarshal(body, &v) != nil || (v.Error == "" && v.Description == "") {
		return false
	}
	e.Code = v.Error
	if code := aadstsCode.FindString(v.Description); code != "" {
		e.Code = code
	} else if len(v.ErrorCodes) > 0 {
		e.Code = "AADSTS" + strconv.Itoa(v.ErrorCodes[0])
	}
	e.Message = aadMessage(v.Description)
	if v.CorrelationID != "" {
		e.RequestID = v.CorrelationID
	}
	return true
}

// aadMessage keeps Microsoft's sentence and drops the "AADSTSn: " prefix and the trailing
// "Trace ID: … Correlation ID: … Timestamp: …" lines.
func aadMessage(desc string) string {
	desc = strings.ReplaceAll(desc, "\r\n", "\n")
	if i := strings.Index(desc, "\nTrace ID:"); i >= 0 {
		desc = desc[:i]
	} else if i := strings.Index(desc, " Trace ID:"); i >= 0 {
		desc = desc[:i]
	}
	if code := aadstsCode.FindStringIndex(desc); code != nil && code[0] == 0 {
		desc = strings.TrimLeft(desc[code[1]:], ": ")
	}
	return strings.Join(strings.Fields(desc), " ")
}

// plainText makes a short, printable excerpt of a non-JSON error body (an HTML page
// from a proxy, say).
func plainText(body []byte) string {
	const max = 300
	s := strings.ToValidUTF8(string(body), "?")
	if htmlTag.MatchString(s) {
		// A gateway's or proxy's HTML page: its words, not its markup, which would only
		// clutter the analyst's sentence.
		s = htmlTag.ReplaceAllString(htmlBlock.ReplaceAllString(s, " "), " ")
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

var (
	htmlTag   = regexp.MustCompile(`(?i)</?(html|head|title|body|h[1-6]|p|div|span|br|hr|center|pre|b|i|a|meta|link|!doctype)\b[^>]*>`)
	htmlBlock = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)\s*>`)
)

var (
	bearerText = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9\-_.~+/=]+`)
	jwtText    = regexp.MustCompile(`eyJ[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*`)
)

// redact removes anything that looks like a bearer token or a JWT (an access token or a
// client assertion echoed by a service or proxy).
func redact(s string) string {
	s = bearerText.ReplaceAllString(s, "Bearer [redacted]")
	return jwtText.ReplaceAllString(s, "[redacted]")
}

// parseRetryAfter reads Retry-After as delta-seconds or an HTTP date; 0 if absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs > 24*3600 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func nonEmpty(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
