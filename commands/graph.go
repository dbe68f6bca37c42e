package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Graph audit queries run on the service for seconds to many minutes. A search submits
// them, then either waits for them (checking their status with a growing pause) or, with
// polling=true, answers a scheduled entry at once and lets a later execution check them
// (polling.go). Either way their records are read through the backend's Results.

// Pauses between status checks while a command waits for its queries: short first
// (queries over a small window finish in seconds), then growing toward a minute.
const (
	defaultGraphFirstPause = 5 * time.Second
	graphMaxPause          = time.Minute
)

// GraphClient is the Graph backend as commands uses it.
type GraphClient = auditsearch.AsyncSearcher

// scheduledError stops a search whose Graph queries were submitted with polling=true: the
// handler answers the scheduled entry carrying their ids instead of waiting.
type scheduledError struct {
	state auditsearch.QueryState
}

func (e *scheduledError) Error() string {
	return fmt.Sprintf("%d Graph audit queries still running", len(e.state.IDs))
}

// submitGraph submits the queries of a search; several record types go in one query, as
// Graph takes a list (each submission is admitted by the budget).
func submitGraph(ctx context.Context, g GraphClient, q auditsearch.Query, types []string) ([]string, error) {
	if len(types) > 1 {
		q.RecordType, q.RecordTypes = "", types
	}
	return g.Submit(ctx, q)
}

// awaitGraph checks the queries until every one has finished, pausing between checks;
// the command's deadline bounds the wait.
func (h handlers) awaitGraph(ctx context.Context, g GraphClient, q auditsearch.Query, ids []string) (auditsearch.QueryState, error) {
	pause := h.GraphFirstPause
	if pause <= 0 {
		pause = defaultGraphFirstPause
	}
	for {
		st, err := g.Check(ctx, q, ids)
		if err != nil || st.Done {
			return st, err
		}
		ids = st.IDs
		h.Logger.DebugContext(ctx, "waiting for Graph audit queries", "queries", len(ids), "pause", pause)
		select {
		case <-ctx.Done():
			return st, context.Cause(ctx)
		case <-time.After(pause):
		}
		pause = min(pause*3/2, graphMaxPause)
	}
}

// coalesce merges windows that touch or lie within gap of each other, so that a run of
// one-second windows costs one Graph query, not one each (the daily budget counts queries).
func coalesce(windows []auditsearch.Window, gap time.Duration) []auditsearch.Window {
	ws := slices.Clone(windows)
	slices.SortFunc(ws, func(a, b auditsearch.Window) int { return a.Start.Compare(b.Start) })
	var out []auditsearch.Window
	for _, w := range ws {
		if n := len(out); n > 0 && !w.Start.After(out[n-1].End.Add(gap)) {
			if w.End.After(out[n-1].End) {
				out[n-1].End = w.End
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

// span is the smallest window holding every one of windows (the zero Window for none).
func span(windows []auditsearch.Window) auditsearch.Window {
	var s auditsearch.Window
	for i, w := range windows {
		if i == 0 || w.Start.Before(s.Start) {
			s.Start = w.Start
		}
		if i == 0 || w.End.After(s.End) {
			s.End = w.End
		}
	}
	return s
}

// uncovered are the windows not inside any of cover.
func uncovered(windows, cover []auditsearch.Window) []auditsearch.Window {
	var out []auditsearch.Window
	for _, w := range windows {
		if !slices.ContainsFunc(cover, func(c auditsearch.Window) bool {
			return !w.Start.Before(c.Start) && !w.End.After(c.End)
		}) {
			out = append(out, w)
		}
	}
	return out
}

// isBudget reports whether err is the daily budget refusing a submission.
func isBudget(err error) bool {
	var be *BudgetError
	return errors.As(err, &be)
}
