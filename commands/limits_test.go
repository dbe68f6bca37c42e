package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/integration"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInMemoryLimit: a result_size above MaxInMemoryRecords without as_file is refused
// before any client is built, naming result_size and suggesting as_file=true; at the limit,
// or with as_file, the search goes ahead.
func TestInMemoryLimit(t *testing.T) {
	over := fmt.Sprint(MaxInMemoryRecords + 1)
	cases := []struct {
		name    string
		args    map[string]any
		refused bool
	}{
		{name: "over the limit", args: map[string]any{"result_size": over}, refused: true},
		{name: "over the limit as a JSON number", args: map[string]any{"result_size": float64(MaxInMemoryRecords * 5)}, refused: true},
		{name: "at the limit", args: map[string]any{"result_size": fmt.Sprint(MaxInMemoryRecords)}},
		{name: "over the limit as a file", args: map[string]any{"result_size": over, "as_file": "true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkInMemoryLimitOf(t, tc.args)
			if !tc.refused {
				if err != nil {
					t.Fatalf("unexpected refusal: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Name != "result_size" {
				t.Fatalf("want a result_size validation error, got %v", err)
			}
			for _, want := range []string{`"result_size"`, fmt.Sprint(MaxInMemoryRecords), "as_file=true"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not contain %q", err, want)
				}
			}
		})
	}
}

func checkInMemoryLimitOf(t *testing.T, args map[string]any) error {
	t.Helper()
	args["start_date"], args["end_date"] = "2021-01-01", "2021-01-02"
	a, err := ParseSearchArgs(args, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return checkInMemoryLimit(a)
}

// TestInMemoryLimitBeforeNetwork: through the handler, the refusal comes before the client
// exists, so nothing reaches the network.
func TestInMemoryLimitBeforeNetwork(t *testing.T) {
	h := newHarness()
	_, err := h.run(t, Search, validParams(), map[string]any{"result_size": fmt.Sprint(MaxInMemoryRecords + 1)})
	if err == nil || !strings.Contains(err.Error(), "as_file=true") {
		t.Fatalf("want the in-memory limit error, got %v", err)
	}
	if h.built != 0 {
		t.Errorf("a client was built %d times before the limit was checked", h.built)
	}
}

// blockingClient answers only when its context ends, with the error exoclient gives then.
type blockingClient struct{}

func (blockingClient) Search(ctx context.Context, _ auditsearch.Query) (*auditsearch.Result, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("search: %w", context.Cause(ctx))
}

func (blockingClient) Ping(ctx context.Context) error {
	<-ctx.Done()
	return context.Cause(ctx)
}

// TestCommandDeadline: a command that outlasts its deadline ends with the deadline's
// sentence (naming the command and the limit), not a generic cancellation.
func TestCommandDeadline(t *testing.T) {
	reg := RegistryWith(Options{
		Now:       func() time.Time { return testNow },
		NewClient: func(auditsearch.Config) (Client, error) { return blockingClient{}, nil },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Deadline:  50 * time.Millisecond,
	})
	for _, command := range []string{Search, TestModule} {
		t.Run(command, func(t *testing.T) {
			start := time.Now()
			err := reg[command].Run(context.Background(), &integration.Request{Command: command, Params: validParams(),
				Args: map[string]any{"start_date": "2021-01-01", "end_date": "2021-01-02"}}, &fakeSession{})
			var de *DeadlineError
			if !errors.As(err, &de) {
				t.Fatalf("want *DeadlineError, got %v", err)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("the deadline took %s", time.Since(start))
			}
			for _, want := range []string{command, "did not finish within its limit"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not contain %q", err, want)
				}
			}
		})
	}
	// A cancellation from outside (SIGTERM) stays a cancellation.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := reg[Search].Run(ctx, &integration.Request{Command: Search, Params: validParams(),
		Args: map[string]any{"start_date": "2021-01-01", "end_date": "2021-01-02"}}, &fakeSession{})
	var de *DeadlineError
	if errors.As(err, &de) {
		t.Errorf("an outside cancellation was reported as the deadline: %v", err)
	}
}

func TestDeadlineDefaults(t *testing.T) {
	h := handlers{Options{}.withDefaults()}
	want := map[string]time.Duration{Search: SearchDeadline, Fetch: FetchDeadline, TestModule: TestModuleDeadline}
	for _, c := range commandTable {
		if got := h.deadlineFor(c); got != want[c.name] {
			t.Errorf("%s: %s, want %s", c.name, got, want[c.name])
		}
		if c.advice == "" {
			t.Errorf("%s has no deadline advice", c.name)
		}
	}
	if got := (&DeadlineError{Command: Search, After: SearchDeadline, Advice: "Narrow it."}).Error(); !strings.Contains(got, "30 minutes") || !strings.HasSuffix(got, "Narrow it.") {
		t.Errorf("sentence: %q", got)
	}
}

// TestDeadlinesAboveOneCall: one slow call at the default timeout, retried to the end of its
// budget, ends before any command's deadline, so the analyst reads the call's own error.
func TestDeadlinesAboveOneCall(t *testing.T) {
	require.Equal(t, 21*time.Minute, callBudget)
	for command, limit := range map[string]time.Duration{Search: SearchDeadline, Fetch: FetchDeadline, TestModule: TestModuleDeadline} {
		assert.Greater(t, limit, callBudget, command)
	}
}
