package msclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRealSleepHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := SleepCtx(ctx, time.Hour)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, time.Since(start) < 5*time.Second)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		"0.5":                           500 * time.Millisecond,
		"-1":                            0,
		"junk":                          0,
		"Thu, 01 Jan 2026 00:00:30 GMT": 30 * time.Second,
		"Wed, 31 Dec 2025 23:00:00 GMT": 0,
	}
	for in, want := range cases {
		assert.Equal(t, want, ParseRetryAfter(in, now), in)
	}
}

// TestClassify: the one decision every retry and recovery choice reads.
func TestClassify(t *testing.T) {
	exo := Service{Source: SourceExchange, ThrottleTexts: []string{"maximum number of concurrent requests per tenant"},
		TransientExceptions: []string{"StorageTransientException"}}
	api := func(status int, body string) error { return NewAPIError(exo, status, http.Header{}, []byte(body), "") }
	for _, tc := range []struct {
		name string
		err  error
		want Verdict
	}{
		{"network", errors.New("connection reset by peer"), Verdict{Retry: true, MayHaveAdvanced: true}},
		{"plain failure", errors.New("boom"), Verdict{}},
		{"403", &APIError{Status: 403}, Verdict{Auth: true, Fatal: true}},
		{"401", &APIError{Status: 401}, Verdict{Auth: true, Fatal: true}},
		{"429", &APIError{Status: 429, RetryAfter: time.Second}, Verdict{Retry: true, After: time.Second}},
		{"concurrency message with 400", api(400, `{"error":{"message":"Maximum number of concurrent requests per tenant exceeded"}}`), Verdict{Retry: true}},
		{"transient exception with 400", api(400, `{"error":{"message":"x","details":[{"message":"|Microsoft.Exchange.Data.StorageTransientException|busy"}]}}`), Verdict{Retry: true, MayHaveAdvanced: true}},
		{"503", &APIError{Status: 503}, Verdict{Retry: true, MayHaveAdvanced: true}},
		{"503 after retries", &RetryError{Attempts: 5, Err: &APIError{Status: 503}}, Verdict{Retry: true, MayHaveAdvanced: true}},
		{"400", &APIError{Status: 400}, Verdict{Fatal: true}},
		{"408", &APIError{Status: 408}, Verdict{}},
		{"authority 500", &APIError{Source: SourceAuthority, Status: 500}, Verdict{Auth: true}},
		{"authority 400", &APIError{Source: SourceAuthority, Status: 400}, Verdict{Auth: true, Fatal: true}},
		{"token", &TokenError{Err: errors.New("dial")}, Verdict{Auth: true}},
		{"page too large", &PageTooLargeError{Limit: 1}, Verdict{Fatal: true}},
		{"undecodable", &DecodeError{Err: errors.New("eof")}, Verdict{Retry: true, MayHaveAdvanced: true}},
		{"failure warning", &WarningError{Warnings: []string{"A task was canceled."}}, Verdict{Retry: true, MayHaveAdvanced: true}},
		{"timeout", &TimeoutError{After: time.Second}, Verdict{Retry: true, MayHaveAdvanced: true}},
		{"start over", fmt.Errorf("x: %w", startOverErr{}), Verdict{StartOver: true}},
		{"kept authority answer", &keptResponse{APIError: APIError{Source: SourceAuthority, Status: 503, RetryAfter: 2 * time.Second}}, Verdict{Retry: true, After: 2 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Errorf("Classify(%v) = %+v, want %+v", tc.err, got, tc.want)
			}
		})
	}
}

type startOverErr struct{}

func (startOverErr) Error() string   { return "session lost" }
func (startOverErr) StartOver() bool { return true }
