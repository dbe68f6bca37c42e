package commands

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/integration"
)

// Polling (DESIGN §5d): with polling=true a search that goes to Graph submits its queries
// and answers a scheduled entry at once; XSOAR runs the command again after NextRun
// seconds with PollingArgs (the original arguments, query_id and hide_polling_output).
// Each scheduled run checks the queries once: still running, another scheduled entry;
// finished, the search's normal entries.

// maxNextRun is where NextRun's growth stops (unless interval_in_seconds is larger).
const maxNextRun = 60 * time.Second

// checkScheduled checks the queries of a scheduled run once: a *scheduledError when they
// still run (carrying the ids to check next time), their state when all finished.
func (h handlers) checkScheduled(ctx context.Context, g GraphClient, args SearchArgs) (auditsearch.QueryState, error) {
	st, err := g.Check(ctx, args.Query(), args.QueryIDs)
	if err != nil {
		return st, explain(err)
	}
	if st.Done {
		return st, nil
	}
	if !st.Submitted.IsZero() && h.Now().Sub(st.Submitted) > args.PollTimeout {
		return st, &pollDeadlineError{after: args.PollTimeout}
	}
	return st, &scheduledError{state: st}
}

// scheduledEntry is the note of one polling step: what runs, and the scheduling fields
// that make XSOAR run the command again.
func scheduledEntry(args SearchArgs, st auditsearch.QueryState, now time.Time) integration.Entry {
	var elapsed time.Duration
	if !st.Submitted.IsZero() {
		elapsed = max(now.Sub(st.Submitted), 0)
	}
	next := nextRun(args.Interval, elapsed)
	pollArgs := maps.Clone(args.raw)
	if pollArgs == nil {
		pollArgs = map[string]any{}
	}
	pollArgs["query_id"] = strings.Join(st.IDs, ",")
	pollArgs["hide_polling_output"] = true
	queries := "1 query"
	if len(st.IDs) != 1 {
		queries = strconv.Itoa(len(st.IDs)) + " queries"
	}
	readable := fmt.Sprintf("Microsoft Graph audit search running: %s submitted for the audit log from %s to %s; "+
		"checking again in %s.", queries, args.Start.UTC().Format(time.RFC3339), args.End.UTC().Format(time.RFC3339),
		plural(int(next.Seconds()), "second"))
	if args.HidePolling {
		readable = "Microsoft Graph audit search still running."
	}
	e := integration.TextEntry(readable)
	e.HumanReadable = readable
	e.Schedule = &integration.Schedule{
		PollingCommand: Search,
		NextRun:        strconv.Itoa(int(next.Seconds())),
		PollingArgs:    pollArgs,
		Timeout:        strconv.Itoa(int(args.PollTimeout.Seconds())),
	}
	return e
}

// nextRun is the pause before the next check: interval at first, growing with the time
// the queries have run (a quarter of it) toward a minute, as Graph queries that did not
// finish quickly tend to run for many minutes.
func nextRun(interval, elapsed time.Duration) time.Duration {
	next := max(elapsed/4, interval)
	next = min(next, max(maxNextRun, interval))
	return next.Truncate(time.Second)
}
