package graphclient

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/o365auditlog/o365auditlog/exoclient"
	"github.com/o365auditlog/o365auditlog/msclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditDataMatchesExchange: a record's text through Graph (annotations stripped at
// every depth) is byte for byte what Exchange Online's Search-UnifiedAuditLog returns for
// it, numbers and nesting included; and the Record's fields agree.
func TestAuditDataMatchesExchange(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 3000, Days: 1})
	g := newClient(t, em, nil, nil)
	x, err := exoclient.New(configFor(t, em.Params()), &exoclient.Options{ConnectOptions: msclient.ConnectOptions{RootCAs: em.CertPool()}})
	require.NoError(t, err)
	_, last := em.TimeRange()
	w := auditsearch.Window{Start: last.Add(-2 * time.Hour), End: last.Add(time.Second)}
	ctx := context.Background()
	gr, err := g.Search(ctx, query(w, 300))
	require.NoError(t, err)
	xr, err := x.Search(ctx, query(w, 300))
	require.NoError(t, err)
	require.Equal(t, recordIDs(xr.Records), recordIDs(gr.Records))
	nested, numbers := 0, 0
	for i, xrec := range xr.Records {
		grec := gr.Records[i]
		require.Equal(t, string(xrec.AuditData), string(grec.AuditData), "record %s", xrec.ID)
		truth, ok := em.Record(xrec.ID)
		require.True(t, ok)
		require.Equal(t, string(truth), string(grec.AuditData))
		assert.Equal(t, xrec.CreationTime, grec.CreationTime, xrec.ID)
		assert.Equal(t, xrec.RecordType, grec.RecordType, xrec.ID)
		assert.Equal(t, xrec.Operations, grec.Operations, xrec.ID)
		assert.Equal(t, xrec.UserIDs, grec.UserIDs, xrec.ID)
		assert.NotContains(t, string(grec.AuditData), "@odata.")
		if bytes.Count(grec.AuditData, []byte("{")) > 1 {
			nested++
		}
		if numberMember.Match(grec.AuditData) {
			numbers++
		}
	}
	assert.Positive(t, nested, "some records hold nested objects")
	assert.Positive(t, numbers, "some records hold numbers")
}

// numberMember finds a member whose value is a number.
var numberMember = regexp.MustCompile(`":-?[0-9]`)

// TestFailedQueryIsDeleted: a query the service ends failed is a *QueryFailedError naming
// it, and it is deleted.
func TestFailedQueryIsDeleted(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 500, Days: 1})
	c := newClient(t, em, nil, nil)
	require.NoError(t, em.InjectGraph(emulator.FaultGraphFail))
	_, err := c.Search(context.Background(), query(everything(em), 10))
	var failed *QueryFailedError
	require.True(t, errors.As(err, &failed), "%v", err)
	assert.Equal(t, "failed", failed.Status)
	assert.NotEmpty(t, failed.ID)
	assert.NotContains(t, em.GraphQueryIDs(), failed.ID, "the failed query is deleted")
	assert.Equal(t, 1, em.Stats().GraphDeletes)
}

// TestThrottledCallsAreRetried: 429 with Retry-After, on any call and on creates that come
// too fast, is waited out.
func TestThrottledCallsAreRetried(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 500, Days: 1})
	c := newClient(t, em, nil, nil)
	require.NoError(t, em.InjectGraph(emulator.FaultGraphThrottle, emulator.FaultGraphThrottle))
	res, err := c.Search(context.Background(), query(everything(em), 1000))
	require.NoError(t, err)
	assert.Equal(t, truth(em, everything(em), emulator.GraphFilter{}), recordIDs(res.Records))
	assert.Equal(t, 2, em.Stats().Faults[emulator.FaultGraphThrottle])

	// Two creates within the service's interval (1 s): the second is refused and retried.
	ids1, err := c.Submit(context.Background(), query(everything(em), 10))
	require.NoError(t, err)
	ids2, err := c.Submit(context.Background(), query(everything(em), 10))
	require.NoError(t, err)
	assert.NotEqual(t, ids1, ids2)
	assert.Positive(t, em.Stats().GraphThrottledCreates)
}

// TestCanceledSearchDeletesItsQuery: a search abandoned while its query runs deletes it.
func TestCanceledSearchDeletesItsQuery(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 500, Days: 1, GraphDelay: time.Hour})
	c := newClient(t, em, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Once the query's status is read, the client knows its id (a create cut short
		// would leave a query nobody can name).
		for len(em.Stats().GraphStatuses) == 0 && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	_, err := c.Search(ctx, query(everything(em), 10))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, em.Stats().GraphQueries)
	assert.Empty(t, em.GraphQueryIDs(), "the abandoned query is deleted")
}

// TestMissingGraphPermission: an app without AuditLogsQuery.Read.All fails Ping and its
// searches with *msclient.MissingPermissionError; one holding only the legacy
// AuditLog.Read.All is told why it would get nothing. No token reaches an error.
func TestMissingGraphPermission(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var tokens []string
	em := startEmulator(t, emulator.Options{Records: 200, Days: 1, TokenIssued: func(tok string) {
		mu.Lock()
		tokens = append(tokens, tok)
		mu.Unlock()
	}})
	ctx := context.Background()
	require.NoError(t, newClient(t, em, nil, nil).Ping(ctx), "the full app")

	var logs bytes.Buffer
	var logMu sync.Mutex
	noGraphOpts := fastPolls()
	noGraphOpts.Logger = slog.New(slog.NewTextHandler(&lockedWriter{mu: &logMu, w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	noGraph := newClient(t, em, em.ParamsNoGraph(), noGraphOpts)
	err := noGraph.Ping(ctx)
	var missing *msclient.MissingPermissionError
	require.True(t, errors.As(err, &missing), "%v", err)
	assert.Equal(t, msclient.PermissionAuditLogsQuery, missing.Permission)
	assert.Equal(t, msclient.SourceGraph, missing.Service)
	assert.NotNil(t, missing.Have, "the token's roles were read")
	assert.NotContains(t, missing.Have, msclient.PermissionAuditLogsQuery)
	assert.Empty(t, missing.Legacy)

	_, err = noGraph.Search(ctx, query(everything(em), 10))
	missing = nil
	require.True(t, errors.As(err, &missing), "a 403 from Graph: %v", err)
	assert.Equal(t, 403, apiStatus(err))
	assert.False(t, msclient.Classify(err).Retry)

	legacyParams, err := em.RegisterApp(emulator.AppSpec{Name: "legacy graph app", Permissions: []string{msclient.PermissionManageAsApp, msclient.PermissionAuditLogLegacy}, AuditRole: true})
	require.NoError(t, err)
	err = newClient(t, em, legacyParams, nil).Ping(ctx)
	missing = nil
	require.True(t, errors.As(err, &missing), "%v", err)
	assert.Equal(t, msclient.PermissionAuditLogLegacy, missing.Legacy)
	assert.Contains(t, err.Error(), "returns no records")

	mu.Lock()
	defer mu.Unlock()
	logMu.Lock()
	defer logMu.Unlock()
	require.NotEmpty(t, tokens)
	require.NotEmpty(t, logs.String())
	password := em.ParamsNoGraph()["certificate"].(map[string]any)["password"].(string)
	for _, secret := range append(tokens, password) {
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, logs.String(), secret)
	}
}

// TestBudget: Take is called once per submission, before it; its error stops the
// submission and is returned unchanged for errors.As.
func TestBudget(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 300, Days: 1, GraphCreateInterval: -1})
	budget := &countingBudget{limit: 1}
	opts := fastPolls()
	opts.Budget = budget
	c := newClient(t, em, nil, opts)
	ctx := context.Background()
	_, err := c.Search(ctx, query(everything(em), 10))
	require.NoError(t, err)
	assert.Equal(t, int64(1), budget.takes.Load())

	_, err = c.Submit(ctx, query(everything(em), 10))
	var spent *errBudgetSpent
	require.True(t, errors.As(err, &spent), "%v", err)
	assert.Equal(t, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC), spent.next)
	assert.Equal(t, 1, em.Stats().GraphQueries, "nothing submitted past the budget")

	// A record type Graph cannot filter on is refused before the budget is asked.
	q := query(everything(em), 10)
	q.RecordType = "MicrosoftTeamsAddOns"
	_, err = c.Search(ctx, q)
	assert.True(t, isType[*RecordTypeError](err), "%v", err)
	assert.Equal(t, int64(2), budget.takes.Load())
}

// TestAsyncAcrossProcesses: one client submits, another (knowing only the ids) checks
// until done, splitting truncated windows, and a third collects: exact.
func TestAsyncAcrossProcesses(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 1200, Days: 1, GraphRecordLimit: 500, GraphCreateInterval: -1})
	ctx := context.Background()
	all := everything(em)
	q := query(all, 100000)
	ids, err := newClient(t, em, nil, nil).Submit(ctx, q)
	require.NoError(t, err)
	require.Len(t, ids, 1)

	done, checks := false, 0
	for !done {
		checks++
		require.Less(t, checks, 200)
		checker := newClient(t, em, nil, nil) // every poll is a new execution
		st, err := checker.Check(ctx, q, ids)
		require.NoError(t, err)
		ids, done = st.IDs, st.Done
		if !done {
			time.Sleep(50 * time.Millisecond)
		}
	}
	assert.Greater(t, len(ids), 1, "the truncated window was split")
	assert.Positive(t, em.Stats().GraphTruncated)

	collector := newClient(t, em, nil, nil)
	res, err := collector.Results(ids).Search(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, truth(em, all, emulator.GraphFilter{}), recordIDs(res.Records))
	assert.Equal(t, ids, res.QueryIDs)
	assert.Empty(t, res.Incomplete)
	assert.Equal(t, len(ids), em.Stats().GraphQueries-em.Stats().GraphDeletes, "only the truncated queries were deleted")

	s := newStreamed()
	res, err = newClient(t, em, nil, nil).Results(ids).SearchEach(ctx, q, s.each)
	require.NoError(t, err)
	assert.Empty(t, res.Records)
	assert.Equal(t, sortedCopy(truth(em, all, emulator.GraphFilter{})), s.sorted())
	assert.Empty(t, s.bad)
}

// TestAsyncStates: Check reports queries still running, Results refuses them, and a
// failed query is an error for Check (and deleted).
func TestAsyncStates(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 300, Days: 1, GraphDelay: 2 * time.Second, GraphCreateInterval: -1})
	c := newClient(t, em, nil, nil)
	ctx := context.Background()
	q := query(everything(em), 10)
	ids, err := c.Submit(ctx, q)
	require.NoError(t, err)
	st, err := c.Check(ctx, q, ids)
	require.NoError(t, err)
	assert.False(t, st.Done)
	assert.Equal(t, ids, st.IDs)
	assert.Equal(t, []auditsearch.Window{q.Window()}, st.Windows)
	assert.WithinDuration(t, time.Now(), st.Submitted, time.Minute, "the submission time travels in the displayName")
	_, err = c.Results(ids).Search(ctx, q)
	assert.True(t, isType[*NotFinishedError](err), "%v", err)

	require.NoError(t, em.InjectGraph(emulator.FaultGraphFail))
	failing, err := c.Submit(ctx, q)
	require.NoError(t, err)
	// Check until the failing query ends (the first one is done by then).
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, err = c.Check(ctx, q, append(slices.Clone(ids), failing...))
		if err != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var failed *QueryFailedError
	require.True(t, errors.As(err, &failed), "%v", err)
	assert.Equal(t, failing[0], failed.ID)
	assert.NotContains(t, em.GraphQueryIDs(), failing[0])

	_, err = c.Check(ctx, q, []string{"00000000-0000-4000-8000-000000000000"})
	assert.True(t, isType[*QueryNotFoundError](err), "%v", err)
	assert.False(t, strings.Contains(err.Error(), "Bearer"))
}

// TestAsyncUnsplittableIsIncomplete: a truncated one-second query is kept by Check (done),
// and Results reads it and reports its window incomplete.
func TestAsyncUnsplittableIsIncomplete(t *testing.T) {
	t.Parallel()
	hot := time.Now().UTC().Truncate(time.Second).Add(-2 * time.Hour)
	em := startEmulator(t, emulator.Options{Records: 100, Days: 1, GraphRecordLimit: 30, GraphCreateInterval: -1,
		Hotspots: []emulator.Hotspot{{Start: hot, Duration: time.Second, Count: 40}}})
	ctx := context.Background()
	q := query(auditsearch.Window{Start: hot, End: hot.Add(time.Second)}, 1000)
	ids, err := newClient(t, em, nil, nil).Submit(ctx, q)
	require.NoError(t, err)
	next, done := ids, false
	for deadline := time.Now().Add(20 * time.Second); !done; {
		require.False(t, time.Now().After(deadline), "the query never finished")
		st, err := newClient(t, em, nil, nil).Check(ctx, q, next)
		require.NoError(t, err)
		next, done = st.IDs, st.Done
		time.Sleep(50 * time.Millisecond)
	}
	assert.Equal(t, ids, next, "a one-second window is not split")
	res, err := newClient(t, em, nil, nil).Results(next).Search(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, []auditsearch.Window{q.Window()}, res.Incomplete)
	assert.Len(t, res.Records, 30)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestRevokedTokenIsRefreshed: a 401 (a token revoked mid-command) gets one fresh token.
func TestRevokedTokenIsRefreshed(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 200, Days: 1, GraphCreateInterval: -1})
	c := newClient(t, em, nil, nil)
	ctx := context.Background()
	_, err := c.Search(ctx, query(everything(em), 10))
	require.NoError(t, err)
	before := em.Stats().TokenCalls
	em.RevokeTokens()
	res, err := c.Search(ctx, query(everything(em), 10))
	require.NoError(t, err)
	assert.Equal(t, truth(em, everything(em), emulator.GraphFilter{})[:10], recordIDs(res.Records))
	assert.Equal(t, before+1, em.Stats().TokenCalls)
}

// TestQueryOutlastingMaxWait: a query still running after Options.MaxWait is a
// *QueryTimeoutError, and it is deleted.
func TestQueryOutlastingMaxWait(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 200, Days: 1, GraphDelay: time.Hour})
	opts := fastPolls()
	opts.MaxWait = 300 * time.Millisecond
	c := newClient(t, em, nil, opts)
	_, err := c.Search(context.Background(), query(everything(em), 10))
	var timeout *QueryTimeoutError
	require.True(t, errors.As(err, &timeout), "%v", err)
	assert.Contains(t, []string{"notStarted", "running"}, timeout.Status)
	assert.Empty(t, em.GraphQueryIDs(), "the query is deleted")
}
