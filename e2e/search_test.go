package e2e

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const contextKey = "O365AuditLog(val.Id && val.Id == obj.Id)"

// TestSeedExample is the seed's documented example: its Context Example record, served by the
// emulator, comes back as that exact context under the documented title.
func TestSeedExample(t *testing.T) {
	seed, err := os.ReadFile("../test_data/seed_record.json")
	require.NoError(t, err)
	em := startEmulator(t, emulator.Options{DatasetRecords: []json.RawMessage{seed}})
	p := startPlugin(t, em)

	_, out := searchRecords(t, p, em.Params(), map[string]any{
		"start_date": "01/01/21", "end_date": "01/02/21", "result_size": "1"})
	require.Len(t, out.Entries, 1)
	e := out.Entries[0]
	assert.Equal(t, 1, e.Type)
	assert.Equal(t, "json", e.ContentsFormat)
	assert.JSONEq(t, "["+string(seed)+"]", string(e.EntryContext[contextKey]))
	assert.JSONEq(t, "["+string(seed)+"]", string(e.Contents))
	assert.True(t, strings.HasPrefix(e.HumanReadable, "### Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00\n"), e.HumanReadable)
	assert.Contains(t, e.HumanReadable, "| Actor | ActorContextId | ActorIpAddress |")
	assert.Contains(t, e.HumanReadable, "UserLoginFailed")
}

// TestExactSets checks that the binary returns exactly the newest N records of the window,
// newest first, unique, at sizes on both sides of the 5,000 single-call limit and of the
// 50,000 session cap.
func TestExactSets(t *testing.T) {
	cases := []struct {
		name       string
		records    int
		hotspot    int // records added in one hour (forces window splits above 50,000)
		resultSize int
	}{
		{name: "1 of 300", records: 300, resultSize: 1},
		{name: "10 of 300", records: 300, resultSize: 10},
		{name: "5000 of 6000", records: 6000, resultSize: 5000},
		{name: "12000 of 12000", records: 12000, resultSize: 12000},
		{name: "11000 newest of 12000", records: 12000, resultSize: 11000},
		{name: "130000 with one hour of 60000", records: 70000, hotspot: 60000, resultSize: 130000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := emulator.Options{Records: tc.records, Days: 3, Seed: 7}
			if tc.hotspot > 0 {
				opts.Hotspots = []emulator.Hotspot{{Start: time.Now().UTC().Add(-30 * time.Hour).Truncate(time.Hour), Duration: time.Hour, Count: tc.hotspot}}
			}
			em := startEmulator(t, opts)
			p := startPlugin(t, em)
			start, end := window(em)
			recs, _ := searchRecords(t, p, em.Params(), map[string]any{
				"start_date": rfc(start), "end_date": rfc(end), "result_size": tc.resultSize})
			truth := em.GroundTruth(emulator.Query{Start: start, End: end})
			require.GreaterOrEqual(t, len(truth), tc.resultSize)
			assertNewestFirst(t, recs)
			assert.Equal(t, truth[:tc.resultSize], ids(recs))
		})
	}
}

func assertNewestFirst(t *testing.T, recs []record) {
	t.Helper()
	ok := sort.SliceIsSorted(recs, func(i, j int) bool {
		if recs[i].CreationTime != recs[j].CreationTime {
			return recs[i].CreationTime > recs[j].CreationTime
		}
		return recs[i].ID < recs[j].ID
	})
	assert.True(t, ok, "records are not newest first (ties by Id)")
}

// TestFiltersReachTheRequest: every filter argument is sent to Search-UnifiedAuditLog with
// the parameter name the service expects, and the results match the service's own filtering.
func TestFiltersReachTheRequest(t *testing.T) {
	em := startEmulator(t, emulator.Options{Records: 3000, Days: 2, Seed: 3})
	p := startPlugin(t, em)
	start, end := window(em)
	args := map[string]any{
		"start_date": rfc(start), "end_date": rfc(end), "result_size": "50",
		"free_text": "a", "record_type": "15", "ip_addresses": "10.0.0.1, 2001:db8::1",
		"operations": `["UserLoggedIn","UserLoginFailed"]`, "user_ids": "alice@contoso.onmicrosoft.com,bob@contoso.onmicrosoft.com",
	}
	em.ResetRequests()
	_, _ = searchRecords(t, p, em.Params(), args)
	reqs := em.Requests()
	require.NotEmpty(t, reqs)
	// The first call asks for result_size rows; a short answer is then confirmed by result
	// sessions (DESIGN §4b L1), which carry the same filters.
	req := reqs[0]
	for _, r := range reqs[1:] {
		for _, name := range []string{"FreeText", "RecordType", "IPAddresses", "Operations", "UserIds"} {
			assert.Equal(t, req.Parameters[name], r.Parameters[name], name)
		}
	}
	params := req.Parameters
	assert.Equal(t, "Search-UnifiedAuditLog", req.CmdletName)
	assert.Equal(t, "a", params["FreeText"])
	assert.Equal(t, "AzureActiveDirectoryStsLogon", params["RecordType"])
	assert.ElementsMatch(t, []any{"10.0.0.1", "2001:db8::1"}, params["IPAddresses"])
	assert.ElementsMatch(t, []any{"UserLoggedIn", "UserLoginFailed"}, params["Operations"])
	assert.ElementsMatch(t, []any{"alice@contoso.onmicrosoft.com", "bob@contoso.onmicrosoft.com"}, params["UserIds"])
	assert.EqualValues(t, 50, params["ResultSize"])

	// A filter the data set satisfies returns exactly the service's matches.
	args = map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": "5000", "operations": "UserLoginFailed"}
	recs, _ := searchRecords(t, p, em.Params(), args)
	truth := em.GroundTruth(emulator.Query{Start: start, End: end, Operations: []string{"UserLoginFailed"}})
	require.NotEmpty(t, truth)
	assert.Equal(t, truth, ids(recs))
}

// TestTestModule: test-module gets a token and makes one real search, so a missing audit
// role is caught when the instance is configured.
func TestTestModule(t *testing.T) {
	em := startEmulator(t, emulator.Options{Records: 100, Days: 1})
	p := startPlugin(t, em)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	out := p.exec(ctx, "test-module", em.Params(), nil)
	require.Len(t, out.Entries, 1, "stderr:\n%s", out.Stderr)
	assert.Equal(t, 1, out.Entries[0].Type)
	assert.Equal(t, "ok", out.Entries[0].text())
	assert.Equal(t, 1, em.Stats().InvokeCalls, "test-module makes exactly one search call")

	out = p.exec(ctx, "test-module", em.ParamsNoRoles(), nil)
	errs := out.errors()
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "View-Only Audit Logs")
}
