package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/integration"
)

// fakeGraph is an asynchronous backend over a fixed record set: each query holds the
// records of its window and finishes after `checks` status checks. Its state lives in a
// fakeGraphService shared by every client, as Graph's does across executions.
type fakeGraph struct {
	svc    *fakeGraphService
	budget auditsearch.Budget
}

type fakeGraphService struct {
	records   []auditsearch.Record
	checks    int
	pingErr   error
	queries   map[string]*fakeQuery
	creates   int
	submitted []auditsearch.Query
}

type fakeQuery struct {
	window  auditsearch.Window
	checked int
}

func (g *fakeGraph) Ping(context.Context) error { return g.svc.pingErr }

func (g *fakeGraph) Search(context.Context, auditsearch.Query) (*auditsearch.Result, error) {
	return nil, errors.New("commands drives Graph through Submit, Check and Results")
}

func (g *fakeGraph) SearchEach(context.Context, auditsearch.Query, func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	return nil, errors.New("commands drives Graph through Submit, Check and Results")
}

func (g *fakeGraph) Submit(ctx context.Context, q auditsearch.Query) ([]string, error) {
	if err := g.budget.Take(ctx); err != nil {
		return nil, fmt.Errorf("submitting: %w", err)
	}
	g.svc.creates++
	g.svc.submitted = append(g.svc.submitted, q)
	id := fmt.Sprintf("q%d", g.svc.creates)
	if g.svc.queries == nil {
		g.svc.queries = map[string]*fakeQuery{}
	}
	g.svc.queries[id] = &fakeQuery{window: q.Window()}
	return []string{id}, nil
}

func (g *fakeGraph) Check(_ context.Context, _ auditsearch.Query, ids []string) (auditsearch.QueryState, error) {
	st := auditsearch.QueryState{IDs: ids, Done: true, Submitted: testNow.Add(-2 * time.Minute)}
	for _, id := range ids {
		fq, ok := g.svc.queries[id]
		if !ok {
			return st, errors.New("no query " + id)
		}
		fq.checked++
		st.Windows = append(st.Windows, fq.window)
		st.Done = st.Done && fq.checked >= g.svc.checks
	}
	return st, nil
}

func (g *fakeGraph) Results(ids []string) auditsearch.Searcher {
	return fakeGraphResults{g.svc, ids}
}

type fakeGraphResults struct {
	svc *fakeGraphService
	ids []string
}

func (r fakeGraphResults) Ping(context.Context) error { return nil }

func (r fakeGraphResults) Search(_ context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	res := &auditsearch.Result{Backend: auditsearch.BackendGraph, QueryIDs: r.ids}
	for _, id := range r.ids {
		w := r.svc.queries[id].window
		for _, rec := range r.svc.records {
			if !rec.CreationTime.Before(w.Start) && rec.CreationTime.Before(w.End) {
				res.Records = append(res.Records, rec)
			}
		}
	}
	return mergeResults([]*auditsearch.Result{res}, q.ResultSize), nil
}

func (r fakeGraphResults) SearchEach(ctx context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	res, _ := r.Search(ctx, auditsearch.Query{})
	if err := each(q.Window(), res.Records); err != nil {
		return nil, err
	}
	return &auditsearch.Result{Backend: auditsearch.BackendGraph, QueryIDs: r.ids}, nil
}

// graphHarness runs the handlers with a fake Exchange client and a fake Graph service.
type graphHarness struct {
	reg   integration.Registry
	exo   *fakeClient
	graph *fakeGraphService
	built int
}

func newGraphHarness(exo *auditsearch.Result, graphRecords []auditsearch.Record) *graphHarness {
	h := &graphHarness{exo: &fakeClient{result: exo}, graph: &fakeGraphService{records: graphRecords, checks: 1}}
	h.reg = RegistryWith(Options{
		Now:       func() time.Time { return testNow },
		NewClient: func(auditsearch.Config) (Client, error) { return h.exo, nil },
		NewGraph: func(_ auditsearch.Config, budget auditsearch.Budget) (GraphClient, error) {
			h.built++
			return &fakeGraph{svc: h.graph, budget: budget}, nil
		},
		GraphFirstPause: time.Millisecond,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return h
}

// run runs a search in session s (kept across runs: its integration context is the
// instance's).
func (h *graphHarness) run(t *testing.T, s *fakeSession, params, args map[string]any) error {
	t.Helper()
	s.entries = nil
	return h.reg[Search].Run(context.Background(), &integration.Request{Command: Search, Params: params, Args: args}, s)
}

func rec(id string, at time.Time) auditsearch.Record {
	return auditsearch.Record{ID: id, CreationTime: at,
		AuditData: json.RawMessage(fmt.Sprintf(`{"Id":%q,"CreationTime":%q}`, id, at.Format("2006-01-02T15:04:05")))}
}

func second(at time.Time) auditsearch.Window {
	return auditsearch.Window{Start: at, End: at.Add(time.Second)}
}

func summaryOf(t *testing.T, e integration.Entry) SearchSummary {
	t.Helper()
	sum, ok := e.EntryContext[SummaryContextKey].(SearchSummary)
	require.True(t, ok, "entry %+v has no summary", e)
	return sum
}

var (
	hot    = utc(2024, 3, 31, 10, 0, 0)
	search = map[string]any{"start_date": "2024-03-31T00:00:00Z", "end_date": "2024-03-31T12:00:00Z", "result_size": "100"}
)

func withArgs(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// The Exchange part returns two records and one incomplete second; Graph holds that
// second whole (one record Exchange also returned): auto returns the union, complete.
func TestAutoCompletesIncompleteWindowsThroughGraph(t *testing.T) {
	exo := &auditsearch.Result{Backend: auditsearch.BackendExchange, Incomplete: []auditsearch.Window{second(hot)},
		Records: []auditsearch.Record{rec("b", hot), rec("z", hot.Add(time.Hour))}}
	graph := []auditsearch.Record{rec("a", hot), rec("b", hot), rec("c", hot), rec("outside", hot.Add(-time.Hour))}
	h := newGraphHarness(exo, graph)
	s := &fakeSession{}
	require.NoError(t, h.run(t, s, validParams(), search))
	require.Len(t, s.entries, 1, "no warning: complete")
	assert.Equal(t, []string{"z", "a", "b", "c"}, contextIDs(t, s.entries[0]))
	sum := summaryOf(t, s.entries[0])
	assert.True(t, sum.Complete)
	assert.Equal(t, auditsearch.BackendExchangeGraph, sum.Backend)
	assert.Equal(t, "q1", sum.QueryID)
	assert.Empty(t, sum.IncompleteWindows)
	assert.Equal(t, 1, h.graph.creates)
	assert.JSONEq(t, `{"graphAuditQueries":["2024-03-31T12:30:45Z"]}`, string(s.intCtx), "the submission is counted")
}

// Without Graph's permission auto stays on Exchange and says why in the warning.
func TestAutoStaysOnExchangeWithoutGraphPermission(t *testing.T) {
	exo := &auditsearch.Result{Backend: auditsearch.BackendExchange, Incomplete: []auditsearch.Window{second(hot)}, Records: []auditsearch.Record{rec("b", hot)}}
	h := newGraphHarness(exo, nil)
	h.graph.pingErr = errors.New("the app lacks AuditLogsQuery.Read.All")
	s := &fakeSession{}
	require.NoError(t, h.run(t, s, validParams(), search))
	require.Len(t, s.entries, 2)
	sum := summaryOf(t, s.entries[0])
	assert.False(t, sum.Complete)
	assert.Equal(t, auditsearch.BackendExchange, sum.Backend)
	assert.Equal(t, integration.EntryWarning, s.entries[1].Type)
	assert.Contains(t, s.entries[1].Contents, "1 one-second window(s) (UTC): 2024-03-31T10:00:00Z to 2024-03-31T10:00:01Z")
	assert.Contains(t, s.entries[1].Contents, "Microsoft Graph could not complete them:")
	assert.Zero(t, h.graph.creates)
	assert.Empty(t, s.calls, "nothing counted against the budget")
}

// The budget counts submissions across executions; auto completes what it may and names
// the rest; backend=graph refuses with the time the next submission is allowed.
func TestGraphDailyBudget(t *testing.T) {
	far := []auditsearch.Window{second(hot), second(hot.Add(time.Hour)), second(hot.Add(-time.Hour))}
	exo := &auditsearch.Result{Backend: auditsearch.BackendExchange, Incomplete: far}
	h := newGraphHarness(exo, []auditsearch.Record{rec("a", hot), rec("b", hot.Add(-time.Hour))})
	params := withArgs(validParams(), "graph_daily_queries", "2")
	s := &fakeSession{}
	require.NoError(t, h.run(t, s, params, search))
	require.Len(t, s.entries, 2)
	sum := summaryOf(t, s.entries[0])
	assert.Equal(t, []string{"a", "b"}, contextIDs(t, s.entries[0]), "the two windows submitted first (oldest first) are completed")
	assert.Equal(t, []SummaryWindow{{"2024-03-31T11:00:00Z", "2024-03-31T11:00:01Z"}}, sum.IncompleteWindows)
	assert.Contains(t, s.entries[1].Contents, "spent until 2024-04-01T12:30:45Z")
	assert.Equal(t, 2, h.graph.creates)

	err := h.run(t, s, params, withArgs(search, "backend", "graph"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "its 2 Microsoft Graph audit queries of the last 24 hours (graph_daily_queries); the next one is allowed at 2024-04-01T12:30:45Z")
	assert.Equal(t, 2, h.graph.creates)

	err = h.run(t, s, withArgs(params, "graph_daily_queries", 0), withArgs(search, "backend", "graph"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "graph_daily_queries is 0")
}

// Submissions older than 24 hours leave the count.
func TestBudgetRollsOver(t *testing.T) {
	s := &fakeSession{intCtx: json.RawMessage(`{"other":1,"graphAuditQueries":["2024-03-30T12:30:44Z","2024-03-30T12:30:46Z","junk"]}`)}
	b := &graphBudget{session: s, limit: 2, now: func() time.Time { return testNow }}
	require.NoError(t, b.Take(context.Background()))
	var be *BudgetError
	require.ErrorAs(t, b.Take(context.Background()), &be)
	assert.Equal(t, utc(2024, 3, 31, 12, 30, 46), be.Next)
	assert.JSONEq(t, `{"other":1,"graphAuditQueries":["2024-03-30T12:30:46Z","2024-03-31T12:30:45Z"]}`, string(s.intCtx))
}

// polling=true with backend=graph: a scheduled entry at once; the scheduled runs check the
// queries once each; the last one answers the search's entries for the queries' window.
func TestGraphPolling(t *testing.T) {
	h := newGraphHarness(nil, []auditsearch.Record{rec("a", hot), rec("b", hot.Add(time.Minute))})
	h.graph.checks = 2
	args := withArgs(search, "backend", "graph", "polling", "true", "interval_in_seconds", "12", "start_date", "1 day")
	s := &fakeSession{}
	require.NoError(t, h.run(t, s, validParams(), args))
	require.Len(t, s.entries, 1)
	e := s.entries[0]
	require.NotNil(t, e.Schedule)
	assert.Equal(t, Search, e.PollingCommand)
	assert.Equal(t, "12", e.NextRun)
	assert.Equal(t, "3600", e.Timeout)
	assert.Zero(t, e.PollingItemsRemaining)
	assert.Equal(t, withArgs(args, "query_id", "q1", "hide_polling_output", true), e.PollingArgs)
	assert.Contains(t, e.HumanReadable, "running")
	assert.Equal(t, 1, h.graph.creates)

	// XSOAR runs the command again with PollingArgs: still running.
	require.NoError(t, h.run(t, s, validParams(), e.PollingArgs))
	require.Len(t, s.entries, 1)
	again := s.entries[0]
	require.NotNil(t, again.Schedule)
	assert.Equal(t, "30", again.NextRun, "two minutes after submission: a quarter of it")
	assert.Equal(t, "Microsoft Graph audit search still running.", again.HumanReadable)
	assert.Equal(t, e.PollingArgs, again.PollingArgs)

	// Finished: the records, no scheduling fields, for the window the query was submitted with.
	require.NoError(t, h.run(t, s, validParams(), again.PollingArgs))
	require.Len(t, s.entries, 1)
	final := s.entries[0]
	assert.Nil(t, final.Schedule)
	assert.Equal(t, []string{"b", "a"}, contextIDs(t, final))
	sum := summaryOf(t, final)
	assert.Equal(t, SearchSummary{StartDate: "2024-03-30T12:30:45Z", EndDate: "2024-03-31T12:00:00Z", Count: 2, Complete: true,
		Backend: auditsearch.BackendGraph, IncompleteWindows: []SummaryWindow{}, QueryID: "q1"}, sum)
	assert.Equal(t, 1, h.graph.creates, "no query submitted twice")
}

// Without polling, backend=graph waits for its queries.
func TestGraphWaits(t *testing.T) {
	h := newGraphHarness(nil, []auditsearch.Record{rec("a", hot)})
	h.graph.checks = 3
	s := &fakeSession{}
	require.NoError(t, h.run(t, s, validParams(), withArgs(search, "backend", "graph", "record_type", "ExchangeAdmin,SharePoint")))
	require.Len(t, s.entries, 1)
	assert.Nil(t, s.entries[0].Schedule)
	assert.Equal(t, []string{"a"}, contextIDs(t, s.entries[0]))
	assert.Equal(t, "q1", summaryOf(t, s.entries[0]).QueryID, "one query for both record types")
	assert.Equal(t, []string{"ExchangeAdmin", "SharePoint"}, h.graph.submitted[0].RecordTypes)
}

// auto with polling: Exchange first; the incomplete window goes to Graph on a schedule; the
// final run searches Exchange again and merges.
func TestAutoPolling(t *testing.T) {
	exo := &auditsearch.Result{Backend: auditsearch.BackendExchange, Incomplete: []auditsearch.Window{second(hot)}, Records: []auditsearch.Record{rec("b", hot)}}
	h := newGraphHarness(exo, []auditsearch.Record{rec("a", hot), rec("b", hot)})
	s := &fakeSession{}
	args := withArgs(search, "polling", true)
	require.NoError(t, h.run(t, s, validParams(), args))
	require.Len(t, s.entries, 1)
	require.NotNil(t, s.entries[0].Schedule)
	assert.Equal(t, "q1", s.entries[0].PollingArgs["query_id"])

	require.NoError(t, h.run(t, s, validParams(), s.entries[0].PollingArgs))
	require.Len(t, s.entries, 1)
	assert.Nil(t, s.entries[0].Schedule)
	assert.Equal(t, []string{"a", "b"}, contextIDs(t, s.entries[0]))
	sum := summaryOf(t, s.entries[0])
	assert.True(t, sum.Complete)
	assert.Equal(t, auditsearch.BackendExchangeGraph, sum.Backend)
	assert.Len(t, h.exo.queries, 2, "Exchange searched again in the final run")
	assert.Equal(t, 1, h.graph.creates)
}

// A complete Exchange search never touches Graph, polling or not.
func TestAutoCompleteExchangeNeedsNoGraph(t *testing.T) {
	h := newGraphHarness(&auditsearch.Result{Records: []auditsearch.Record{rec("a", hot)}}, nil)
	s := &fakeSession{}
	require.NoError(t, h.run(t, s, validParams(), withArgs(search, "polling", "true")))
	require.Len(t, s.entries, 1)
	assert.Nil(t, s.entries[0].Schedule)
	assert.Zero(t, h.built)
	assert.Empty(t, s.calls)
}

func TestNextRun(t *testing.T) {
	for _, c := range []struct{ interval, elapsed, want time.Duration }{
		{15 * time.Second, 0, 15 * time.Second},
		{15 * time.Second, time.Minute, 15 * time.Second},
		{15 * time.Second, 2 * time.Minute, 30 * time.Second},
		{15 * time.Second, time.Hour, time.Minute},
		{10 * time.Second, 50*time.Second + 500*time.Millisecond, 12 * time.Second},
		{90 * time.Second, time.Hour, 90 * time.Second},
	} {
		assert.Equal(t, c.want, nextRun(c.interval, c.elapsed), "%s after %s", c.interval, c.elapsed)
	}
}

func TestCoalesce(t *testing.T) {
	ws := []auditsearch.Window{second(hot.Add(2 * time.Second)), second(hot), second(hot.Add(time.Hour)), second(hot.Add(30 * time.Second))}
	got := coalesce(ws, time.Minute)
	assert.Equal(t, []auditsearch.Window{{Start: hot, End: hot.Add(31 * time.Second)}, second(hot.Add(time.Hour))}, got)
	assert.True(t, slices.IsSortedFunc(got, func(a, b auditsearch.Window) int { return a.Start.Compare(b.Start) }))
}

// Polling arguments are validated with the rest.
func TestPollingArgsValidated(t *testing.T) {
	h := newGraphHarness(nil, nil)
	err := h.run(t, &fakeSession{}, validParams(), withArgs(search, "backend", "elastic", "interval_in_seconds", "0", "query_id", "../x"))
	require.Error(t, err)
	for _, name := range []string{`"backend"`, `"interval_in_seconds"`, `"query_id"`} {
		assert.True(t, strings.Contains(err.Error(), name), "%s not named in %q", name, err)
	}
}
