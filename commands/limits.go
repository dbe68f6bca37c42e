package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/o365auditlog/o365auditlog/integration"
)

// MaxInMemoryRecords is the largest result_size a search answers in its entry (Contents,
// context and table) rather than as a file. Those records are held in memory until the
// entry is written: about 7 KB per record at peak (measured: 357 MB of peak RSS and a
// 185 MB result message for 50,000 generated records), so this bound keeps a search near
// 1.4 GB. An export (as_file=true) streams to disk and has no such bound.
const MaxInMemoryRecords = 200_000

// Per-command deadlines: whatever the service does (slow answers, retries, splitting), a
// command ends with a clear error instead of running forever. They are constants, not
// params: DESIGN §3 fixes the params. Each stays above callBudget, so that one slow or
// failing call at the default timeout is reported as itself (a timeout, the service's
// error) rather than as the deadline; limits_test.go checks it.
const (
	// SearchDeadline bounds o365-auditlog-search, exports included.
	SearchDeadline = 30 * time.Minute
	// FetchDeadline bounds one fetch-incidents poll.
	FetchDeadline = 30 * time.Minute
	// TestModuleDeadline bounds test-module (one token and one search call): above
	// callBudget. A token exchange and the search call that both spent their whole budget
	// would run past it; only a service failing for over 20 minutes does that, and then
	// "did not finish within its limit" is a fair report.
	TestModuleDeadline = 25 * time.Minute
)

// callBudget is the longest one call may take at the default timeout: exoclient's retry
// budget (RetryPolicy.MaxElapsed, 5 minutes of tries and waits) plus one last request of
// up to DefaultTimeout (960 s): 21 minutes. A larger timeout param lengthens it; the
// deadlines do not follow, by design: they bound what an analyst waits for.
const callBudget = 5*time.Minute + DefaultTimeout //nolint:unused // limits_test.go holds the deadlines above it; tests are not linted yet

// checkInMemoryLimit refuses, before any network call, a result_size that would hold more
// records in memory than MaxInMemoryRecords; an export is not held there.
func checkInMemoryLimit(args SearchArgs) error {
	if args.AsFile || args.ResultSize <= MaxInMemoryRecords {
		return nil
	}
	e := argError("result_size", strconv.Itoa(args.ResultSize),
		fmt.Sprintf("at most %d records in the War Room entry and context, or as_file=true to get any number of records as a JSON Lines file", MaxInMemoryRecords))
	e.Problem = fmt.Sprintf("it is above %d, the most records a search returns without as_file", MaxInMemoryRecords)
	return e
}

// DeadlineError is a command stopped by its deadline (SearchDeadline…).
type DeadlineError struct {
	Command string
	After   time.Duration
	// Advice is what to do about it (the command's own advice).
	Advice string
}

// Error is the sentence the analyst reads.
func (e *DeadlineError) Error() string {
	advice := cmp.Or(e.Advice, "Run it again later.")
	return fmt.Sprintf("The command %s did not finish within its limit of %s, so it was stopped. %s", e.Command, humanDuration(e.After), advice)
}

// deadlineFor is the deadline of c (Options.Deadline overrides them all).
func (h handlers) deadlineFor(c command) time.Duration {
	if h.Deadline > 0 {
		return h.Deadline
	}
	return c.deadline
}

// withDeadline runs c's handler under its deadline and reports the deadline, not
// whatever error the interrupted work returned, when it is what stopped the command.
func (h handlers) withDeadline(c command, run integration.Handler) integration.Handler {
	return func(ctx context.Context, req *integration.Request, s integration.Session) error {
		limit := h.deadlineFor(c)
		expired := &DeadlineError{Command: c.name, After: limit, Advice: c.advice}
		dctx, cancel := context.WithTimeoutCause(ctx, limit, expired)
		defer cancel()
		err := run(dctx, req, s)
		if err != nil && ctx.Err() == nil && errors.Is(context.Cause(dctx), expired) {
			h.Logger.WarnContext(ctx, "command deadline reached", "command", c.name, "limit", limit.String(), "error", err)
			return expired
		}
		return err
	}
}

// humanDuration writes d as "30 minutes", "90 seconds" or d.String() when it is neither.
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	case d >= time.Second && d%time.Second == 0:
		return plural(int(d/time.Second), "second")
	}
	return d.String()
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
