package commands

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/o365auditlog/o365auditlog/integration"
)

// graphBudgetKey is where the integration context keeps the times of this instance's Graph
// audit query submissions of the last 24 hours (RFC 3339 UTC, oldest first).
const graphBudgetKey = "graphAuditQueries"

// budgetWindow is Graph's rolling quota period.
const budgetWindow = 24 * time.Hour

// graphBudget admits Graph audit query submissions while fewer than limit were made in the
// last 24 hours, counted in the integration context so that every execution of the instance
// (each a process of its own) shares the count (DESIGN §3 graph_daily_queries).
type graphBudget struct {
	session integration.Session
	limit   int
	now     func() time.Time
	mu      sync.Mutex // submissions of one execution may run in parallel
}

// BudgetError is a submission refused because the instance's daily Graph budget is spent.
type BudgetError struct {
	// Limit is graph_daily_queries (0: Graph is never used, Next is zero).
	Limit int
	// Next is when the oldest counted submission leaves the 24-hour window.
	Next time.Time
}

func (e *BudgetError) Error() string {
	if e.Limit <= 0 {
		return "graph_daily_queries is 0: the instance submits no Graph audit queries"
	}
	return fmt.Sprintf("the instance's Graph audit query budget (%d per rolling 24 hours) is spent until %s",
		e.Limit, e.Next.UTC().Format(time.RFC3339))
}

// Take counts one submission, or refuses it with a *BudgetError.
func (b *graphBudget) Take(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	all, err := integration.IntegrationContext(ctx, b.session)
	if err != nil {
		return fmt.Errorf("reading the Graph query count from the integration context: %w", err)
	}
	now := b.now().UTC()
	times := recentSubmissions(all[graphBudgetKey], now)
	if b.limit <= 0 {
		return &BudgetError{}
	}
	if len(times) >= b.limit {
		// The next submission is allowed when enough of the oldest have left the window.
		return &BudgetError{Limit: b.limit, Next: times[len(times)-b.limit].Add(budgetWindow)}
	}
	times = append(times, now)
	stamps := make([]any, len(times))
	for i, t := range times {
		stamps[i] = t.Format(time.RFC3339Nano)
	}
	if all == nil {
		all = map[string]any{}
	}
	all[graphBudgetKey] = stamps
	if err := integration.SetIntegrationContext(ctx, b.session, all); err != nil {
		return fmt.Errorf("saving the Graph query count to the integration context: %w", err)
	}
	return nil
}

// recentSubmissions reads the stored submission times still inside the rolling window,
// oldest first; unreadable items are dropped (a hand-edited context must not block Graph
// forever).
func recentSubmissions(v any, now time.Time) []time.Time {
	items, _ := v.([]any)
	var out []time.Time
	for _, it := range items {
		s, _ := it.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !t.After(now.Add(-budgetWindow)) || t.After(now.Add(time.Minute)) {
			continue
		}
		out = append(out, t.UTC())
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}
