package exoclient

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var okPage = page(rowJSON("ok", "2026-01-01T00:00:00Z"))

// reset closes the connection without any response.
func reset(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// truncated promises more bytes than it sends: the body is cut mid-JSON.
func truncated(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "4096")
	w.WriteHeader(200)
	_, _ = w.Write([]byte(`{"value":[{"RecordType":"ExchangeAdmin","AuditData":"{\"Id`))
}

func TestRetryRules(t *testing.T) {
	httpDate := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name      string
		replies   []func(http.ResponseWriter, *http.Request)
		calls     int
		sleepsMin []time.Duration // per sleep, lower bound
		sleepsMax []time.Duration // per sleep, upper bound
		wantErr   func(t *testing.T, err error)
	}{
		{name: "429 with Retry-After seconds", replies: replies(status(429, `{"error":{"code":"TooManyRequests","message":"slow down"}}`, "Retry-After", "3"), okPage),
			calls: 2, sleepsMin: ds(3 * time.Second), sleepsMax: ds(3 * time.Second)},
		{name: "429 with Retry-After date", replies: replies(status(429, ``, "Retry-After", httpDate), okPage),
			calls: 2, sleepsMin: ds(7 * time.Second), sleepsMax: ds(10 * time.Second)},
		{name: "concurrency message", replies: replies(status(429, `{"error":{"code":"","message":"The request was rejected: maximum number of concurrent requests per tenant reached"}}`), okPage),
			calls: 2, sleepsMin: ds(250 * time.Millisecond), sleepsMax: ds(500 * time.Millisecond)},
		{name: "concurrency message with 400", replies: replies(status(400, `{"error":{"code":"","message":"Maximum number of concurrent requests per tenant exceeded"}}`), okPage),
			calls: 2, sleepsMin: ds(250 * time.Millisecond), sleepsMax: ds(500 * time.Millisecond)},
		{name: "500", replies: replies(status(500, `{}`), okPage), calls: 2, sleepsMin: ds(250 * time.Millisecond), sleepsMax: ds(500 * time.Millisecond)},
		{name: "502", replies: replies(status(502, `<html>bad gateway</html>`), okPage), calls: 2, sleepsMin: ds(0), sleepsMax: ds(time.Second)},
		{name: "503 then 504", replies: replies(status(503, ``), status(504, ``), okPage), calls: 3,
			sleepsMin: ds(250*time.Millisecond, 500*time.Millisecond), sleepsMax: ds(500*time.Millisecond, time.Second)},
		{name: "connection reset", replies: replies(reset, okPage), calls: 2, sleepsMin: ds(0), sleepsMax: ds(time.Second)},
		{name: "truncated body", replies: replies(truncated, okPage), calls: 2, sleepsMin: ds(0), sleepsMax: ds(time.Second)},
		{name: "undecodable 200", replies: replies(status(200, `<html>login</html>`), okPage), calls: 2, sleepsMin: ds(0), sleepsMax: ds(time.Second)},
		{name: "400 not retried", replies: replies(status(400, `{"error":{"code":"BadRequest","message":"bad"}}`)), calls: 1, wantErr: wantStatus(400)},
		{name: "403 not retried", replies: replies(status(403, `{"error":{"code":"Forbidden","message":"no"}}`)), calls: 1, wantErr: wantStatus(403)},
		{name: "404 not retried", replies: replies(status(404, ``)), calls: 1, wantErr: wantStatus(404)},
		{name: "persistent 503", replies: replies(status(503, ``)), calls: 8,
			sleepsMin: ds(250*time.Millisecond, 500*time.Millisecond, time.Second, 2*time.Second, 4*time.Second, 8*time.Second, 15*time.Second),
			sleepsMax: ds(500*time.Millisecond, time.Second, 2*time.Second, 4*time.Second, 8*time.Second, 16*time.Second, 30*time.Second),
			wantErr:   wantRetryError(8, 503)},
		{name: "Retry-After beyond the time budget", replies: replies(status(429, ``, "Retry-After", "600")), calls: 1, wantErr: wantRetryError(1, 429)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, tc.replies...)
			c := env.client(nil)
			rows, err := c.SearchPage(context.Background(), testParams())
			if tc.wantErr != nil {
				tc.wantErr(t, err)
			} else {
				require.NoError(t, err)
				require.Len(t, rows, 1)
			}
			assert.Equal(t, tc.calls, env.exo.callCount(), "calls")
			sleeps := env.sleepLog()
			require.Len(t, sleeps, len(tc.sleepsMin), "sleeps")
			for i, s := range sleeps {
				assert.True(t, s >= tc.sleepsMin[i] && s <= tc.sleepsMax[i], "sleep", i, "=", s)
			}
		})
	}
}

func replies(r ...func(http.ResponseWriter, *http.Request)) []func(http.ResponseWriter, *http.Request) {
	return r
}

func ds(d ...time.Duration) []time.Duration { return d }

func wantStatus(code int) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, code, apiErr.Status)
		var re *RetryError
		assert.True(t, !errors.As(err, &re), "not a retry error")
	}
}

func wantRetryError(attempts, code int) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		var re *RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, attempts, re.Attempts)
		wantStatusOnly(t, err, code)
	}
}

func wantStatusOnly(t *testing.T, err error, code int) {
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, code, apiErr.Status)
}

func TestThrottlingThatOutlastsTheBudgetIsExplained(t *testing.T) {
	env := newEnv(t, status(429, `{"error":{"code":"TooManyRequests","message":"maximum number of concurrent requests per tenant"}}`, "Retry-After", "1"))
	opts := env.options()
	opts.Retry = RetryPolicy{MaxAttempts: 4}
	c := env.client(opts)
	_, err := c.SearchPage(context.Background(), testParams())
	var re *RetryError
	require.ErrorAs(t, err, &re)
	msg := Explain(err)
	assert.Contains(t, msg, "kept throttling")
	assert.Contains(t, msg, "4 attempts")
	assert.Contains(t, msg, "max_concurrency")
	assert.Equal(t, ds(time.Second, time.Second, time.Second), env.sleepLog())
}

func TestElapsedBudgetUsesTheInjectedClock(t *testing.T) {
	env := newEnv(t, status(500, ``))
	now := time.Now()
	opts := env.options()
	opts.Now = func() time.Time { return now }
	opts.Sleep = func(ctx context.Context, d time.Duration) error { now = now.Add(d); return nil }
	opts.Retry = RetryPolicy{MaxAttempts: 100, MaxElapsed: 10 * time.Second, BaseDelay: time.Second, MaxDelay: 4 * time.Second}
	c := env.client(opts)
	_, err := c.SearchPage(context.Background(), testParams())
	var re *RetryError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Elapsed <= 10*time.Second, re.Elapsed)
	assert.True(t, re.Attempts >= 3 && re.Attempts < 10, re.Attempts)
}

func TestRetryStopsWhenTheContextEnds(t *testing.T) {
	env := newEnv(t, status(503, ``))
	ctx, cancel := context.WithCancel(context.Background())
	opts := env.options()
	opts.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); <-ctx.Done(); return ctx.Err() }
	c := env.client(opts)
	_, err := c.SearchPage(ctx, testParams())
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, env.exo.callCount())
	assert.Contains(t, Explain(err), "canceled")
}

func TestLargeSetFailuresLoseTheSession(t *testing.T) {
	cases := []struct {
		name  string
		reply func(http.ResponseWriter, *http.Request)
		lost  bool
		calls int
	}{
		{"500", status(500, ``), true, 1},
		{"503", status(503, ``), true, 1},
		{"reset", reset, true, 1},
		{"truncated", truncated, true, 1},
		{"429 is retried on the same session", status(429, ``, "Retry-After", "1"), false, 2},
		{"403 is neither", status(403, ``), false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, tc.reply, okPage)
			c := env.client(nil)
			p := testParams()
			p.LargeSet, p.SessionID = true, "s-1"
			_, err := c.SearchPage(context.Background(), p)
			assert.Equal(t, tc.lost, errors.Is(err, ErrSessionLost), err)
			assert.Equal(t, tc.calls, env.exo.callCount())
			if tc.lost {
				assert.Contains(t, Explain(err), "session")
			}
		})
	}
}

// The client speaks HTTP/1.1 even to a server that offers HTTP/2 (msclient.NewTransport:
// big pages cost half the CPU), and a call the server drops midway is retried.
func TestHTTP1ToAnHTTP2ServerAndADroppedCallIsRetried(t *testing.T) {
	abort := func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }
	env := newEnvWith(t, serverOpts{h2: true}, abort, okPage)
	c := env.client(nil)
	rows, err := c.SearchPage(context.Background(), testParams())
	require.NoError(t, err)
	assert.Len(t, rows, 1)
	assert.Equal(t, 2, env.exo.callCount())
	assert.Equal(t, 1, env.exo.call(0).ProtoMajor, "HTTP/1.1")
	assert.Equal(t, 1, env.exo.call(1).ProtoMajor, "HTTP/1.1")
}
