package msclient

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Source names the service that answered with an error.
type Source string

const (
	// SourceExchange is the Exchange Online admin API (InvokeCommand).
	SourceExchange Source = "Exchange Online"
	// SourceAuthority is the Entra ID token authority.
	SourceAuthority Source = "Entra ID"
	// SourceGraph is Microsoft Graph (the audit log query API).
	SourceGraph Source = "Microsoft Graph"
)

// APIError is a non-2xx answer from Exchange Online, Microsoft Graph or the Entra ID
// authority.
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
	// ExceptionType is the .NET exception Exchange Online named (innererror or the
	// "|Type|" prefix of a detail), e.g. Microsoft.Exchange.…StorageTransientException.
	ExceptionType string
	// Throttling is set when the service's text says it is throttling (see Service).
	Throttling bool
	// TransientException is the name of the transient exception the service named, if
	// any (see Service).
	TransientException string
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

// Throttled reports whether the service asked us to slow down: HTTP 429, or a
// throttling message the service sends with other statuses (Throttling).
func (e *APIError) Throttled() bool {
	return e.Status == http.StatusTooManyRequests || e.Throttling
}

// Transient reports an exception the service's own tooling retries whatever the HTTP
// status: a busy or moving backend (TransientException).
func (e *APIError) Transient() bool { return e.TransientException != "" }

// Service is what the response checker knows of one service: its name and how it words
// throttling and transient failures, which become facts on its *APIError.
type Service struct {
	Source Source
	// ThrottleTexts are lower-case phrases by which the service says it is throttling,
	// whatever the status.
	ThrottleTexts []string
	// TransientExceptions are the names of exceptions its own tooling retries.
	TransientExceptions []string
}

// Authority is the Entra ID token authority: no throttling texts, nothing transient
// beyond its statuses.
var Authority = Service{Source: SourceAuthority}

// annotate records the service's facts on e.
func (svc Service) annotate(e *APIError) {
	msg := strings.ToLower(e.Message)
	for _, text := range svc.ThrottleTexts {
		if strings.Contains(msg, text) {
			e.Throttling = true
		}
	}
	for _, name := range svc.TransientExceptions {
		if strings.Contains(e.ExceptionType, name) || strings.Contains(e.Message, name) {
			e.TransientException = name
			break
		}
	}
}

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

// WarningError is a 2xx answer without data whose warnings say the call failed
// (Exchange Online's "@adminapi.warnings", DESIGN §4b L3: "A task was canceled", "Failed
// to process request …"): not an empty result. It is retried like a 503.
type WarningError struct {
	// Source is the service that answered.
	Source Source
	// Warnings are the warnings that say the call failed.
	Warnings []string
}

// Error implements error.
func (e *WarningError) Error() string {
	return string(cmp.Or(e.Source, SourceExchange)) + " answered without records and with the warning: " + strings.Join(e.Warnings, " ")
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

// MaxErrorBody bounds how much of an error body is read.
const MaxErrorBody = 64 << 10

// CheckResponse turns a non-2xx response of svc into *APIError (nil for 2xx). It reads
// and closes nothing on 2xx; on error it reads at most MaxErrorBody bytes of the body.
// It is the one place that interprets error bodies of every service.
func CheckResponse(resp *http.Response, svc Service, sentRequestID string) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	return NewAPIError(svc, resp.StatusCode, resp.Header, body, sentRequestID)
}

// NewAPIError builds the *APIError of an answer of svc with status, headers h and body.
func NewAPIError(svc Service, status int, h http.Header, body []byte, sentRequestID string) *APIError {
	e := &APIError{Source: svc.Source, Status: status, RetryAfter: ParseRetryAfter(h.Get("Retry-After"), time.Now())}
	e.RequestID = FirstNonEmpty(h.Get("request-id"), h.Get("x-ms-request-id"), h.Get("client-request-id"), sentRequestID)
	if !parseEXOError(body, e) && !parseAADError(body, e) {
		e.Message = PlainText(body)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.Message = Redact(e.Message)
	svc.annotate(e)
	return e
}

// parseEXOError reads {"error":{"code","message","details":[{"message"}],"innererror":{…}}}.
// Live tenants answer error.message "Invalid Operation" and put the useful text in
// innererror.internalexception.message, or in details[].message behind a "|Type|" prefix
// (DESIGN §4b L5); either may be missing. The text is taken from the internal exception,
// else from the details, else from the message; the .NET exception type is kept apart
// (ExceptionType) for classification.
func parseEXOError(body []byte, e *APIError) bool {
	var v struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details []struct {
				Message string `json:"message"`
			} `json:"details"`
			InnerError struct {
				Message           string `json:"message"`
				Type              string `json:"type"`
				InternalException struct {
					Message string `json:"message"`
					Type    string `json:"type"`
				} `json:"internalexception"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil || v.Error == nil {
		return false
	}
	ev := v.Error
	e.Code = CleanText(ev.Code)
	var details []string
	for _, d := range ev.Details {
		typ, text := splitTypedMessage(d.Message)
		if e.ExceptionType == "" {
			e.ExceptionType = typ
		}
		if text != "" && !slices.Contains(details, text) {
			details = append(details, text)
		}
	}
	if t := CleanText(ev.InnerError.InternalException.Type); t != "" {
		e.ExceptionType = t
	}
	primary := FirstNonEmpty(CleanText(ev.InnerError.InternalException.Message), strings.Join(details, " "))
	message := CleanText(ev.Message)
	switch {
	case primary == "":
		e.Message = message
	case message == "" || genericEXOMessage(message) || strings.Contains(primary, message):
		e.Message = primary
	default:
		e.Message = message + " " + primary
		if strings.Contains(message, primary) {
			e.Message = message
		}
	}
	return true
}

// genericEXOMessage is an error.message that says nothing of the cause.
func genericEXOMessage(m string) bool {
	switch strings.ToLower(strings.TrimRight(m, ".")) {
	case "invalid operation", "an error has occurred", "error":
		return true
	}
	return false
}

// splitTypedMessage splits a details message "|Microsoft.Exchange.…Exception|text" into
// the exception type and the text (control characters removed). A message without the
// prefix has no type.
func splitTypedMessage(m string) (typ, text string) {
	m = strings.TrimSpace(m)
	if strings.HasPrefix(m, "|") {
		if i := strings.IndexByte(m[1:], '|'); i >= 0 {
			return CleanText(m[1 : 1+i]), CleanText(m[2+i:])
		}
	}
	return "", CleanText(m)
}

// CleanText makes a service's text fit for an analyst: invalid UTF-8 replaced, control
// characters (a live 403 body is a run of NUL bytes) turned into spaces, runs of space
// collapsed.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
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

// PlainText makes a short, printable excerpt of a non-JSON error body (an HTML page
// from a proxy, say).
func PlainText(body []byte) string {
	const max = 300
	s := CleanText(string(body))
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

// Redact removes anything that looks like a bearer token or a JWT (an access token or a
// client assertion echoed by a service or proxy).
func Redact(s string) string {
	s = bearerText.ReplaceAllString(s, "Bearer [redacted]")
	return jwtText.ReplaceAllString(s, "[redacted]")
}

// ParseRetryAfter reads Retry-After as delta-seconds or an HTTP date; 0 if absent or bad.
func ParseRetryAfter(v string, now time.Time) time.Duration {
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

// FirstNonEmpty is the first of ss that is not empty.
func FirstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
