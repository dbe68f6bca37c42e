package commands

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/exoclient"
	"github.com/o365auditlog/o365auditlog/graphclient"
	"github.com/o365auditlog/o365auditlog/integration"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// backends are the search backends by their name in auditsearch.Result.Backend (and in
// the summary's Backend): the one place a backend registers. A backend is a package that
// implements auditsearch.Client (and auditsearch.Streamer to stream exports) over msclient's
// plumbing; the default client is the Exchange Online one. Graph, being asynchronous, is
// built through Options.NewGraph (newGraphClient).
var backends = map[string]func(cfg auditsearch.Config, logger *slog.Logger) (Client, error){
	auditsearch.BackendExchange: newExoClient,
}

// newExoClient builds the Exchange Online client, sharing the handlers' logger. The client
// keeps its own wall clock: certificate validity must not follow a clock injected for date
// arithmetic.
func newExoClient(cfg auditsearch.Config, logger *slog.Logger) (Client, error) {
	c, err := exoclient.New(cfg, &exoclient.Options{ConnectOptions: msclient.ConnectOptions{Logger: logger}})
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return c, nil
}

// searchClient is the client a search of args runs through, by backend (the argument over
// the param). For Graph it submits the queries, or checks those of a scheduled run, and
// waits for them unless polling: a *scheduledError then carries them to the handler. A
// scheduled Graph run searches the window its queries were submitted with (args is
// updated), so that a relative start_date read again later changes nothing.
func (h handlers) searchClient(ctx context.Context, in Instance, args *SearchArgs, s integration.Session) (Client, error) {
	backend := args.Backend
	if backend == "" {
		backend = in.Backend
	}
	if backend == BackendExchange {
		exo, err := h.NewClient(in.Config)
		if err != nil {
			return nil, explain(err)
		}
		return perRecordType(exo, args.RecordTypes), nil
	}
	budget := &graphBudget{session: s, limit: in.GraphDailyQueries, now: h.Now}
	if backend == BackendGraph {
		return h.graphSearch(ctx, in, args, budget)
	}
	exo, err := h.NewClient(in.Config)
	if err != nil {
		return nil, explain(err)
	}
	auto := &autoClient{exo: perRecordType(exo, args.RecordTypes)}
	if len(args.QueryIDs) > 0 { // a scheduled run: Graph's part was submitted before
		g, err := h.NewGraph(in.Config, budget)
		if err != nil {
			return nil, explain(err)
		}
		st, err := h.checkScheduled(ctx, g, *args)
		if err != nil {
			return nil, err
		}
		auto.complete = func(context.Context, auditsearch.Query, []auditsearch.Window) (completion, error) {
			return completion{graph: g.Results(st.IDs), covered: st.Windows}, nil
		}
		return auto, nil
	}
	auto.complete = func(ctx context.Context, q auditsearch.Query, windows []auditsearch.Window) (completion, error) {
		return h.completeThroughGraph(ctx, in.Config, budget, *args, q, windows)
	}
	return auto, nil
}

// graphSearch is backend=graph: every record through Graph audit queries.
func (h handlers) graphSearch(ctx context.Context, in Instance, args *SearchArgs, budget auditsearch.Budget) (Client, error) {
	g, err := h.NewGraph(in.Config, budget)
	if err != nil {
		return nil, explain(err)
	}
	var st auditsearch.QueryState
	if len(args.QueryIDs) > 0 {
		if st, err = h.checkScheduled(ctx, g, *args); err != nil {
			return nil, err
		}
		if w := span(st.Windows); !w.Start.IsZero() {
			args.Start, args.End = w.Start, w.End
		}
	} else {
		ids, err := submitGraph(ctx, g, args.Query(), args.RecordTypes)
		if err != nil {
			return nil, explain(err)
		}
		if args.Polling {
			return nil, &scheduledError{state: auditsearch.QueryState{IDs: ids, Submitted: h.Now()}}
		}
		if st, err = h.awaitGraph(ctx, g, args.Query(), ids); err != nil {
			return nil, explain(err)
		}
	}
	return graphResults{g.Results(st.IDs)}, nil
}

// graphResults is a Searcher over finished Graph queries as a Client (Ping has nothing
// left to check).
type graphResults struct{ auditsearch.Searcher }

// completeThroughGraph submits Graph queries for the windows Exchange could not return
// whole (joined when close), waits for them unless polling, and says why when Graph cannot
// be used: not in this cloud, not permitted, a record type Graph does not know, the daily
// budget spent (then only the windows submitted before are completed).
func (h handlers) completeThroughGraph(ctx context.Context, cfg auditsearch.Config, budget auditsearch.Budget, args SearchArgs,
	q auditsearch.Query, windows []auditsearch.Window) (completion, error) {
	g, err := h.NewGraph(cfg, budget)
	if err == nil {
		err = g.Ping(ctx) // the token's roles: AuditLogsQuery.Read.All
	}
	if err != nil {
		h.Logger.InfoContext(ctx, "Microsoft Graph cannot complete the search: staying on Exchange Online", "reason", err)
		return completion{why: err}, nil
	}
	var (
		ids     []string
		covered []auditsearch.Window
		why     error
	)
	for _, w := range coalesce(windows, coalesceGap) {
		one := q
		one.Start, one.End = w.Start, w.End
		more, err := submitGraph(ctx, g, one, args.RecordTypes)
		ids = append(ids, more...)
		if err != nil {
			if len(more) > 0 || !isGraphRefusal(err) {
				return completion{}, explain(err)
			}
			why = err
			break
		}
		covered = append(covered, w)
	}
	if len(ids) == 0 {
		return completion{why: why}, nil
	}
	if args.Polling {
		return completion{}, &scheduledError{state: auditsearch.QueryState{IDs: ids, Submitted: h.Now()}}
	}
	st, err := h.awaitGraph(ctx, g, q, ids)
	if err != nil {
		return completion{}, explain(err)
	}
	return completion{graph: g.Results(st.IDs), covered: covered, why: why}, nil
}

// isGraphRefusal reports whether a submission was refused before reaching the service in a
// way auto works around by staying on Exchange: the daily budget, or a record type Graph
// cannot filter on.
func isGraphRefusal(err error) bool {
	var rt *graphclient.RecordTypeError
	return isBudget(err) || errors.As(err, &rt)
}

// graphWhy is why auto could not complete a search through Graph (nil otherwise).
func graphWhy(c Client) error {
	if a, ok := c.(*autoClient); ok {
		return a.why
	}
	return nil
}

// pollDeadlineError is a scheduled search whose Graph queries ran past timeout_in_seconds.
type pollDeadlineError struct {
	after time.Duration
}

func (e *pollDeadlineError) Error() string {
	return "The Microsoft Graph audit queries did not finish within timeout_in_seconds (" + e.after.String() +
		"). Run the search again with a larger timeout_in_seconds or a narrower date range."
}

// newGraphClient builds the Microsoft Graph backend, submitting through budget.
func newGraphClient(cfg auditsearch.Config, budget auditsearch.Budget, logger *slog.Logger) (GraphClient, error) {
	c, err := graphclient.New(cfg, &graphclient.Options{ConnectOptions: msclient.ConnectOptions{Logger: logger}, Budget: budget})
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return c, nil
}
