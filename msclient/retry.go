package msclient

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

// WithDefaults fills the zero fields.
func (p RetryPolicy) WithDefaults() RetryPolicy {
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

// Retrier runs an operation under a RetryPolicy with an injected clock and sleep; what is
// retried is Classify's decision.
type Retrier struct {
	Policy RetryPolicy
	Now    func() time.Time
	Sleep  func(context.Context, time.Duration) error
	Jitter func() float64 // in [0,1)
	Log    *slog.Logger
}

// NewRetrier is a Retrier under policy (zero fields take the defaults); nil now, sleep or
// log mean time.Now, a timer and discard.
func NewRetrier(policy RetryPolicy, now func() time.Time, sleep func(context.Context, time.Duration) error, log *slog.Logger) *Retrier {
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = SleepCtx
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Retrier{Policy: policy.WithDefaults(), Now: now, Sleep: sleep, Jitter: defaultJitter, Log: log}
}

// Do calls op until it succeeds, fails with a non-retryable error, the budget runs out
// (*RetryError) or ctx ends. what names the exchange in logs.
func (r *Retrier) Do(ctx context.Context, what string, op func(ctx context.Context) error) error {
	start := r.Now()
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return Canceled(ctx, err)
		}
		v := Classify(err)
		if !v.Retry {
			return err
		}
		delay := r.backoff(attempt, v.After)
		elapsed := r.Now().Sub(start)
		if attempt >= r.Policy.MaxAttempts || elapsed+delay > r.Policy.MaxElapsed {
			return &RetryError{Attempts: attempt, Elapsed: elapsed, Err: err}
		}
		r.Log.LogAttrs(ctx, slog.LevelWarn, "retrying", slog.String("call", what),
			slog.Int("attempt", attempt), slog.Duration("delay", delay), slog.String("error", err.Error()))
		if err := r.Sleep(ctx, delay); err != nil {
			return Canceled(ctx, err)
		}
	}
}

// backoff is the wait before retry number attempt: the service's Retry-After when it gave
// one, else exponential from BaseDelay capped at MaxDelay, with "equal jitter" (half
// fixed, half random) so parallel windows do not retry in lockstep.
func (r *Retrier) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := r.Policy.BaseDelay
	for i := 1; i < attempt && d < r.Policy.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, r.Policy.MaxDelay)
	return d/2 + time.Duration(r.Jitter()*float64(d/2))
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

// Canceled reports a context end, keeping the last failure for the logs.
func Canceled(ctx context.Context, last error) error {
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

// SleepCtx waits d or until ctx ends.
func SleepCtx(ctx context.Context, d time.Duration) error {
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

// RetryableStatus reports a status worth retrying: throttled, or a server or gateway failure.
func RetryableStatus(code int) bool {
	switch code {
	case 429, 500, 502, 503, 504:
		return true
	}
	return false
}
