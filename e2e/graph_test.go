package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/o365auditlog/o365auditlog/integration"
)

// The Graph backend and backend=auto through the built binary against the emulator's
// Graph (live profile: v1.0 creates answer 404, annotated auditData, envelope traps).

// graphSummary is what these tests read of O365AuditLogSearch.
type graphSummary struct {
	Count             int
	Complete          bool
	Backend           string
	QueryID           string
	IncompleteWindows []map[string]string
}

func summaryIn(t *testing.T, out *outcome) graphSummary {
	t.Helper()
	for _, e := range out.Entries {
		if raw, ok := e.EntryContext["O365AuditLogSearch"]; ok {
			var s graphSummary
			require.NoError(t, json.Unmarshal(raw, &s))
			return s
		}
	}
	require.FailNow(t, "no summary", entryKinds(out))
	return graphSummary{}
}

func recordsContents(t *testing.T, out *outcome) json.RawMessage {
	t.Helper()
	require.Empty(t, out.errors(), "stderr:\n%s", tail(out.Stderr))
	for _, e := range out.Entries {
		if e.Type == 1 && e.ContentsFormat == "json" {
			return e.Contents
		}
	}
	require.FailNow(t, "no records entry", entryKinds(out))
	return nil
}

func execSearch(t *testing.T, p *plugin, params, args map[string]any) *outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	return p.exec(ctx, "o365-auditlog-search", params, args)
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// backend=graph returns, byte for byte, the context the Exchange path returns for the same
// search: the annotations stripped, the envelope's user fields ignored, numbers exact.
func TestGraphBackendMatchesExchange(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 12000, Days: 2, Seed: 77, GraphDelay: 500 * time.Millisecond})
	p := startPlugin(t, em)
	start, end := window(em)
	args := map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": "12000"}

	exo := execSearch(t, p, em.Params(), with(args, "backend", "exchange"))
	graph := execSearch(t, p, em.Params(), with(args, "backend", "graph"))
	want, got := recordsContents(t, exo), recordsContents(t, graph)
	assert.True(t, string(want) == string(got), "the Graph context differs from the Exchange one (%d vs %d bytes)", len(got), len(want))

	var recs []record
	require.NoError(t, json.Unmarshal(got, &recs))
	assertSameIDs(t, em.GroundTruth(emulator.Query{Start: start, End: end}), ids(recs))
	sum := summaryIn(t, graph)
	assert.Equal(t, "graph", sum.Backend)
	assert.True(t, sum.Complete)
	assert.NotEmpty(t, sum.QueryID)
	st := em.Stats()
	assert.Positive(t, st.GraphV1NotFound, "v1.0 was tried first")
	assert.Equal(t, 1, st.GraphQueries, "one query: beta remembered after the fallback")
}

// TestGraphBackendExactFullScale: 130,000 records through one Graph query, exact.
func TestGraphBackendExactFullScale(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 130000, Days: 3, Seed: 78, GraphDelay: time.Second})
	p := startPlugin(t, em)
	start, end := window(em)
	out := execSearch(t, p, em.Params(), map[string]any{"start_date": rfc(start), "end_date": rfc(end),
		"result_size": "130000", "backend": "graph"})
	var recs []record
	require.NoError(t, json.Unmarshal(recordsContents(t, out), &recs))
	assertSameIDs(t, em.GroundTruth(emulator.Query{Start: start, End: end}), ids(recs))
	sum := summaryIn(t, out)
	assert.Equal(t, 130000, sum.Count)
	assert.True(t, sum.Complete)
}

// One second holding 60,000 records: Exchange alone cannot return it (50,000 per session);
// auto completes it through Graph. The app without Graph permission gets the warning.
func TestAutoCompletesASecondOf60000(t *testing.T) {
	t.Parallel()
	const burst = 60000
	hot := time.Now().UTC().Add(-20 * time.Hour).Truncate(time.Second)
	em := startEmulator(t, emulator.Options{Records: 3000, Days: 2, Seed: 79, GraphDelay: 500 * time.Millisecond,
		Hotspots: []emulator.Hotspot{{Start: hot, Duration: time.Second, Count: burst}}})
	p := startPlugin(t, em)
	start, end := window(em)
	args := map[string]any{"start_date": rfc(start), "end_date": rfc(end), "as_file": "true", "result_size": strconv.Itoa(burst + 3000)}
	truth := em.GroundTruth(emulator.Query{Start: start, End: end})
	require.Len(t, truth, burst+3000)

	out := execSearch(t, p, em.Params(), args)
	require.Empty(t, out.errors(), "stderr:\n%s", tail(out.Stderr))
	sum := summaryIn(t, out)
	assert.True(t, sum.Complete, "%+v", sum)
	assert.Equal(t, "exchange+graph", sum.Backend)
	assert.NotEmpty(t, sum.QueryID)
	assert.Equal(t, burst+3000, sum.Count)
	assertSameIDs(t, truth, exportedIDs(t, p, out))
	for _, e := range out.Entries {
		assert.NotEqual(t, 11, e.Type, "no warning: %s", e.text())
	}

	out = execSearch(t, p, em.ParamsNoGraph(), args)
	require.Empty(t, out.errors(), "stderr:\n%s", tail(out.Stderr))
	sum = summaryIn(t, out)
	assert.False(t, sum.Complete)
	assert.Equal(t, "exchange", sum.Backend)
	require.Len(t, sum.IncompleteWindows, 1)
	assert.Equal(t, rfc(hot), sum.IncompleteWindows[0]["Start"])
	var warned bool
	for _, e := range out.Entries {
		if e.Type == 11 {
			warned = true
			assert.Contains(t, e.text(), "Microsoft Graph could not complete them")
			assert.Contains(t, e.text(), "AuditLogsQuery.Read.All")
		}
	}
	assert.True(t, warned, "a warning names the window")
}

// The daily budget is counted in the integration context, across processes.
func TestGraphBudgetAcrossProcesses(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 500, Days: 1, Seed: 80, GraphDelay: 200 * time.Millisecond})
	store := &integration.Store{}
	params := with(em.Params(), "graph_daily_queries", "1", "backend", "graph")
	start, end := window(em)
	args := map[string]any{"start_date": rfc(start), "end_date": rfc(end)}

	first := startPluginWith(t, em, store)
	recordsContents(t, execSearch(t, first, params, args))
	require.NoError(t, first.Close(10*time.Second))

	second := startPluginWith(t, em, store)
	out := execSearch(t, second, params, args)
	errs := out.errors()
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "graph_daily_queries")
	assert.Contains(t, errs[0], "the next one is allowed at "+time.Now().UTC().Add(24*time.Hour).Format("2006-01-02T"))
	assert.Equal(t, 1, em.Stats().GraphQueries, "nothing submitted past the budget")
}

// polling=true: a scheduled entry with the fields of §5d, then, run again with its
// PollingArgs as XSOAR does, the same entries as the search without polling.
func TestGraphPollingThroughBinary(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 800, Days: 1, Seed: 81, GraphDelay: 3 * time.Second})
	p := startPlugin(t, em)
	start, end := window(em)
	args := map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": "800", "backend": "graph",
		"polling": "true", "interval_in_seconds": "10"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var final *outcome
	pollArgs := args
	for round := 0; round < 20 && final == nil; round++ {
		res, err := p.Execute(ctx, integration.Execution{Command: "o365-auditlog-search", Params: em.Params(), Args: pollArgs, InvestigationID: "42"})
		require.NoError(t, err)
		require.Len(t, res.RawEntries, 1, "one entry per polling step")
		var step map[string]any
		require.NoError(t, json.Unmarshal(res.RawEntries[0], &step))
		if _, scheduled := step["PollingCommand"]; !scheduled {
			final = execOutcome(t, res)
			break
		}
		assert.Equal(t, "o365-auditlog-search", step["PollingCommand"])
		assert.IsType(t, "", step["NextRun"])
		assert.Equal(t, "3600", step["Timeout"])
		assert.Equal(t, float64(0), step["PollingItemsRemaining"])
		next := step["PollingArgs"].(map[string]any)
		for k, v := range args {
			assert.Equal(t, v, next[k], "PollingArgs keeps %s", k)
		}
		assert.Equal(t, true, next["hide_polling_output"])
		assert.NotEmpty(t, next["query_id"])
		assert.Len(t, next, len(args)+2)
		pollArgs = next
		time.Sleep(time.Second) // XSOAR would wait NextRun seconds
	}
	require.NotNil(t, final, "the queries finished")
	var recs []record
	require.NoError(t, json.Unmarshal(recordsContents(t, final), &recs))
	assertSameIDs(t, em.GroundTruth(emulator.Query{Start: start, End: end}), ids(recs))
	assert.Equal(t, 1, em.Stats().GraphQueries)
}

// exportedIDs reads the ids of the file an as_file search wrote.
func exportedIDs(t *testing.T, p *plugin, out *outcome) []string {
	t.Helper()
	for _, e := range out.Entries {
		if e.Type == 3 {
			return readExport(t, filepath.Join(p.Cmd.Dir, "42_"+e.FileID))
		}
	}
	require.FailNow(t, "no file entry", entryKinds(out))
	return nil
}

func execOutcome(t *testing.T, res *integration.Outcome) *outcome {
	t.Helper()
	out := &outcome{Exception: res.Exception}
	for _, raw := range res.RawEntries {
		var e entry
		require.NoError(t, json.Unmarshal(raw, &e))
		out.Entries = append(out.Entries, e)
	}
	return out
}

// test-module reads the permissions of its tokens: a missing Exchange.ManageAsApp is named
// (instead of Exchange's bare 401); with backend=graph a missing AuditLogsQuery.Read.All,
// or the legacy AuditLog.Read.All alone, fails the test; with auto it does not.
func TestTestModuleNamesPermissions(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 50, Days: 1, Seed: 82})
	p := startPlugin(t, em)
	noManage, err := em.RegisterApp(emulator.AppSpec{Name: "graph only", Permissions: []string{emulator.PermissionAuditLogsQuery}, AuditRole: true})
	require.NoError(t, err)
	legacy, err := em.RegisterApp(emulator.AppSpec{Name: "legacy graph", Permissions: []string{emulator.PermissionManageAsApp, "AuditLog.Read.All"}, AuditRole: true})
	require.NoError(t, err)
	testModule := func(params map[string]any) *outcome {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		return p.exec(ctx, "test-module", params, nil)
	}
	okEntry := func(out *outcome) {
		t.Helper()
		require.Len(t, out.Entries, 1, entryKinds(out))
		assert.Equal(t, "ok", out.Entries[0].text())
	}
	failsWith := func(out *outcome, want ...string) {
		t.Helper()
		errs := out.errors()
		require.Len(t, errs, 1, entryKinds(out))
		for _, w := range want {
			assert.Contains(t, errs[0], w)
		}
	}

	okEntry(testModule(em.Params()))
	okEntry(testModule(with(em.Params(), "backend", "graph")))
	failsWith(testModule(noManage), "Exchange.ManageAsApp", "Grant it to the app in Entra ID")
	okEntry(testModule(em.ParamsNoGraph()))
	failsWith(testModule(with(em.ParamsNoGraph(), "backend", "graph")), "AuditLogsQuery.Read.All")
	okEntry(testModule(legacy))
	failsWith(testModule(with(legacy, "backend", "graph")), "legacy AuditLog.Read.All", "return no records without any error", "AuditLogsQuery.Read.All")
	okEntry(testModule(with(em.ParamsNoGraph(), "backend", "exchange")))
}
