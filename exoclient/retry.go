package exoclient

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy bounds the retries of one HTTP exchange. Zero fields take the defaults.
type RetryPolicy struct {
	// MaxAttempts is the number of tries including the first. Default 8; 1 disables retries.
	MaxAttempts int
	// MaxElapsed bounds the time spent on one exchange, waits included. Default 5 minutes.
	MaxElapsed time.Duration
	// BaseDelay is the first backoff delay, doubled per retry. Default 500ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff delay (not a service's Retry-After). Default 30s.
	MaxDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 8
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = 5 * time.Minute
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	return p
}

// retrier runs an operation under a RetryPolicy with an injected clock and sleep.
type retrier struct {
	policy RetryPolicy
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	jitter func() float64 // in [0,1)
	log    *slog.Logger
	// decide classifies a failure; nil means retryDecision.
	decide func(error) (time.Duration, bool)
}

// do calls op until it succeeds, fails with a non-retryable error, the budget runs out
// (*RetryError) or ctx ends. what names the exchange in logs.
func (r *retrier) do(ctx context.Context, what string, op func(ctx context.Context) error) error {
	start := r.now()
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return canceled(ctx, err)
		}
		decide := r.decide
		if decide == nil {
			decide = retryDecision
		}
		after, retryable := decide(err)
		if !retryable {
			return err
		}
		delay := r.backoff(attempt, after)
		elapsed := r.now().Sub(start)
		if attempt >= r.policy.MaxAttempts || elapsed+delay > r.policy.MaxElapsed {
			return &RetryError{Attempts: attempt, Elapsed: elapsed, Err: err}
		}
		r.log.LogAttrs(ctx, slog.LevelWarn, "retrying", slog.String("call", what),
			slog.Int("attempt", attempt), slog.Duration("delay", delay), slog.String("error", err.Error()))
		if err := r.sleep(ctx, delay); err != nil {
			return canceled(ctx, err)
		}
	}
}

// backoff is the wait before retry number attempt: the service's Retry-After when it gave
// one, else exponential from BaseDelay capped at MaxDelay, with "equal jitter" (half
// fixed, half random) so parallel windows do not retry in lockstep.
func (r *retrier) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := r.policy.BaseDelay
	for i := 1; i < attempt && d < r.policy.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, r.policy.MaxDelay)
	return d/2 + time.Duration(r.jitter()*float64(d/2))
}

// retryDecision says whether err is worth another try, and the delay the service asked for.
// Retried: 429, 500, 502, 503, 504, the per-tenant concurrency message, Exchange Online's
// transient exceptions whatever their status (L6), a 200 whose warnings say the call
// failed (L3), connection resets and EOFs, timeouts, and undecodable 2xx bodies. Never
// other 4xx.
func retryDecision(err error) (time.Duration, bool) {
	if errors.Is(err, ErrSessionLost) {
		return 0, false // the caller must start a new session
	}
	var tokErr *TokenError
	if errors.As(err, &tokErr) {
		return 0, false // tokenTransport already retried it
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if apiErr.Source == SourceAuthority {
			return 0, false // tokenTransport already retried it
		}
		switch {
		case apiErr.Throttled():
			return apiErr.RetryAfter, true
		case retryableStatus(apiErr.Status), apiErr.Transient():
			return apiErr.RetryAfter, true
		}
		return 0, false
	}
	var decErr *DecodeError
	var warnErr *WarningError
	if errors.As(err, &decErr) || errors.As(err, &warnErr) {
		return 0, true
	}
	return 0, transientNetError(err)
}

// transientNetError is a connection that broke or stalled after it was made.
func transientNetError(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return http2Broken(err)
}

// http2Transient are net/http's HTTP/2 failures of a stream or connection that was
// working: its error types are unexported, so they are recognised by their text. A stream
// reset (RST_STREAM) is how an HTTP/2 server "resets the connection" for one request.
var http2Transient = []string{
	"stream error:", "http2: client connection lost", "http2: server sent GOAWAY",
	"http2: client connection force closed", "http2: Transport: cannot retry",
	"server closed idle connection", "connection reset by peer",
}

func http2Broken(err error) bool {
	msg := err.Error()
	for _, s := range http2Transient {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// canceled reports a context end, keeping the last failure for the logs.
func canceled(ctx context.Context, last error) error {
	if cause := context.Cause(ctx); cause != nil {
		if errors.Is(last, cause) {
			return last
		}
		return &canceledError{cause: cause, last: last}
	}
	return last
}

type canceledError struct{ cause, last error }

func (e *canceledError) Error() string {
	return e.cause.Error() + " (last error: " + e.last.Error() + ")"
}
func (e *canceledError) Unwrap() []error { return []error{e.cause, e.last} }

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

func defaultJitter() float64 { return rand.Float64() }

// retryableStatus: throttled, or a server or gateway failure.
func retryableStatus(code int) bool {
	switch code {
	case 429, 500, 502, 503, 504:
		return true
	}
	return false
}
