package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fixedRecord is an AuditData record at a given time, for boundary tests.
func fixedRecord(id string, t time.Time, op, user, ip string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"CreationTime":%q,"Id":%q,"Operation":%q,"OrganizationId":"o","RecordType":15,"ResultStatus":"Succeeded","UserKey":"k","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ObjectId":"obj-%s","UserId":%q,"ClientIP":%q}`,
		t.UTC().Format(timeLayout), id, op, id, user, ip))
}

func TestResultSize(t *testing.T) {
	// Ideal: non-session calls return ResultSize rows in one page (live caps them, L1).
	e := setup(t, Options{Records: 6000, Days: 2, Seed: 5, Profile: ProfileIdeal})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	w := window(first, last.Add(time.Second))
	cases := []struct {
		name   string
		size   any
		status int
		rows   int
		msg    string
	}{
		{"default is 100", nil, 200, 100, ""},
		{"1", 1, 200, 1, ""},
		{"5000 as a string", "5000", 200, 5000, ""},
		{"5001 is refused", 5001, 400, 0, "greater than the maximum allowed range of 5000"},
		{"0 is refused", 0, 400, 0, "less than the minimum allowed range of 1"},
		{"not a number", "ten", 400, 0, "ResultSize"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := w
			if tc.size != nil {
				p = with(w, "ResultSize", tc.size)
			}
			if tc.status != 200 {
				res := e.invoke1(t, tok, p)
				require.Equal(t, tc.status, res.Status, "%s", res.Raw)
				require.True(t, strings.Contains(res.Err.Message, tc.msg), res.Err.Message)
				require.True(t, len(res.Err.Details) == 1 && res.Err.Details[0].Message != "", "%s", res.Raw)
				return
			}
			rows := e.fullPage(t, tok, p)
			require.Equal(t, tc.rows, len(rows))
		})
	}
}

func TestNewestFirstWithoutSession(t *testing.T) {
	// Ideal: 2,500 rows without a session and ResultCount the total (live caps and echoes, L1).
	e := setup(t, Options{Records: 3000, Days: 1, Seed: 9, Profile: ProfileIdeal})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	q := Query{Start: first, End: last.Add(time.Second)}
	truth := e.GroundTruth(q)
	rows := e.fullPage(t, tok, with(window(q.Start, q.End), "ResultSize", 2500))
	require.Equal(t, truth[:2500], ids(rows))
	for i, r := range rows {
		require.Equal(t, i+1, r.index())
		require.Equal(t, len(truth), r.count())
		require.Equal(t, r.Identity, r.audit(t)["Id"])
	}
}

func TestDateBounds(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	recs := []json.RawMessage{
		fixedRecord("a-before", t0.Add(-time.Second), "UserLoggedIn", "u@x", "1.1.1.1"),
		fixedRecord("b-start", t0, "UserLoggedIn", "u@x", "1.1.1.1"),
		fixedRecord("c-middle", t0.Add(30*time.Minute), "UserLoggedIn", "u@x", "1.1.1.1"),
		fixedRecord("d-end", t0.Add(time.Hour), "UserLoggedIn", "u@x", "1.1.1.1"),
	}
	cases := []struct {
		name      string
		inclusive bool
		start     string
		end       string
		want      []string
	}{
		{"start inclusive, end exclusive", false, "2026-03-01T12:00:00Z", "2026-03-01T13:00:00Z", []string{"c-middle", "b-start"}},
		{"end inclusive knob", true, "2026-03-01T12:00:00Z", "2026-03-01T13:00:00Z", []string{"d-end", "c-middle", "b-start"}},
		{"no zone means UTC", false, "2026-03-01T12:00:00", "2026-03-01T13:00:00", []string{"c-middle", "b-start"}},
		{"offset", false, "2026-03-01T13:00:00+01:00", "2026-03-01T14:00:00+01:00", []string{"c-middle", "b-start"}},
		{"US date", false, "03/01/2026 12:00:00", "03/01/2026 13:00:00", []string{"c-middle", "b-start"}},
		{"sub-second start excludes the whole second", false, "2026-03-01T12:00:00.5Z", "2026-03-01T13:00:00Z", []string{"c-middle"}},
		{"empty window", false, "2026-03-01T12:00:00Z", "2026-03-01T12:00:00Z", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, Options{DatasetRecords: recs, EndDateInclusive: tc.inclusive, Profile: ProfileIdeal})
			rows := e.fullPage(t, e.accessToken(t, 0), map[string]any{"StartDate": tc.start, "EndDate": tc.end})
			require.Equal(t, tc.want, append([]string{}, ids(rows)...))
		})
	}
	t.Run("refusals", func(t *testing.T) {
		// Ideal: the text is in error.message (live says "Invalid Operation" there, L5).
		e := setup(t, Options{DatasetRecords: recs, Profile: ProfileIdeal})
		tok := e.accessToken(t, 0)
		for _, p := range []map[string]any{
			{"EndDate": "2026-03-01T13:00:00Z"},
			{"StartDate": "2026-03-01T13:00:00Z"},
			{},
		} {
			res := e.invoke1(t, tok, p)
			require.Equal(t, http.StatusBadRequest, res.Status)
			require.True(t, strings.Contains(res.Err.Message, "missing mandatory parameters"), res.Err.Message)
		}
		for _, p := range []map[string]any{
			{"StartDate": "2026-03-02T00:00:00Z", "EndDate": "2026-03-01T00:00:00Z"},
			{"StartDate": "yesterday", "EndDate": "2026-03-01T00:00:00Z"},
			{"StartDate": "2026-03-01T00:00:00Z", "EndDate": "2026-03-02T00:00:00Z", "Bogus": 1},
			{"StartDate": "2026-03-01T00:00:00Z", "EndDate": "2026-03-02T00:00:00Z", "SessionCommand": "ReturnLargeSet"},
			{"StartDate": "2026-03-01T00:00:00Z", "EndDate": "2026-03-02T00:00:00Z", "SessionId": "x", "SessionCommand": "ReturnEverything"},
		} {
			res := e.invoke1(t, tok, p)
			require.Equal(t, http.StatusBadRequest, res.Status, "%v", p)
		}
	})
}

func TestFilters(t *testing.T) {
	// Ideal: 5,000 rows without a session, comma strings for lists and texts in error.message
	// (live caps at 120, refuses strings and answers L5 bodies).
	e := setup(t, Options{Records: 4000, Days: 3, Seed: 11, Profile: ProfileIdeal})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	base := Query{Start: first, End: last.Add(time.Second)}
	// Pick filter values from the data so every filter has something to find.
	sample := func(op string) map[string]any {
		for _, id := range e.GroundTruth(Query{Start: base.Start, End: base.End, Operations: []string{op}}) {
			b, _ := e.Record(id)
			var m map[string]any
			require.NoError(t, json.Unmarshal(b, &m))
			return m
		}
		t.Fatalf("no %s record", op)
		return nil
	}
	signIn, file := sample("UserLoginFailed"), sample("FileDownloaded")
	user := signIn["UserId"].(string)
	ip := signIn["ActorIpAddress"].(string)
	cases := []struct {
		name   string
		params map[string]any
		query  Query
		holds  func(m map[string]any) bool
	}{
		{"FreeText is a case-insensitive substring", map[string]any{"FreeText": "invalidusernameorPASSWORD"}, Query{FreeText: "invalidusernameorPASSWORD"},
			func(m map[string]any) bool {
				return strings.Contains(strings.ToLower(fmt.Sprint(m)), "invalidusernameorpassword")
			}},
		{"RecordType by name", map[string]any{"RecordType": "SharePointFileOperation"}, Query{RecordType: "SharePointFileOperation"},
			func(m map[string]any) bool { return m["RecordType"] == float64(6) }},
		{"RecordType by name, any case", map[string]any{"RecordType": "azureactivedirectorystslogon"}, Query{RecordType: "15"},
			func(m map[string]any) bool { return m["RecordType"] == float64(15) }},
		{"RecordType by number", map[string]any{"RecordType": 25}, Query{RecordType: "MicrosoftTeams"},
			func(m map[string]any) bool { return m["Workload"] == "MicrosoftTeams" }},
		{"Operations, any case, several", map[string]any{"Operations": []string{"filedownloaded", "MailItemsAccessed"}}, Query{Operations: []string{"FileDownloaded", "mailitemsaccessed"}},
			func(m map[string]any) bool {
				return m["Operation"] == "FileDownloaded" || m["Operation"] == "MailItemsAccessed"
			}},
		{"Operations as a comma string", map[string]any{"Operations": "New-InboxRule,Set-Mailbox"}, Query{Operations: []string{"New-InboxRule", "Set-Mailbox"}},
			func(m map[string]any) bool { return m["RecordType"] == float64(1) }},
		{"UserIds, any case", map[string]any{"UserIds": []string{strings.ToUpper(user)}}, Query{UserIDs: []string{user}},
			func(m map[string]any) bool { return strings.EqualFold(m["UserId"].(string), user) }},
		{"IPAddresses match ClientIP or ActorIpAddress", map[string]any{"IPAddresses": []string{ip}}, Query{IPAddresses: []string{ip}},
			func(m map[string]any) bool {
				return m["ClientIP"] == ip || m["ActorIpAddress"] == ip || m["ClientIPAddress"] == ip
			}},
		{"ObjectIds", map[string]any{"ObjectIds": []string{file["ObjectId"].(string)}}, Query{ObjectIDs: []string{file["ObjectId"].(string)}},
			func(m map[string]any) bool { return m["ObjectId"] == file["ObjectId"] }},
		{"filters combine with AND", map[string]any{"UserIds": []string{user}, "RecordType": "AzureActiveDirectoryStsLogon", "Operations": []string{"UserLoginFailed"}},
			Query{UserIDs: []string{user}, Operations: []string{"UserLoginFailed"}, RecordType: "15"},
			func(m map[string]any) bool { return m["UserId"] == user && m["Operation"] == "UserLoginFailed" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.query
			q.Start, q.End = base.Start, base.End
			truth := e.GroundTruth(q)
			require.True(t, len(truth) > 0 && len(truth) < e.Len(), "ground truth has %d of %d", len(truth), e.Len())
			rows := e.fullPage(t, tok, with(with(window(base.Start, base.End), "ResultSize", 5000), flatten(tc.params)...))
			require.Equal(t, truth[:min(len(truth), 5000)], ids(rows))
			for _, r := range rows {
				require.True(t, tc.holds(r.audit(t)), "row %s does not satisfy the filter", r.AuditData)
			}
			req, _ := e.LastRequest()
			require.True(t, strings.HasSuffix(req.Header.Get("X-AnchorMailbox"), "@"+e.Organization()), "%v", req.Header)
			require.Equal(t, searchCmdlet, req.CmdletName)
			for k := range tc.params {
				require.True(t, req.Parameters[k] != nil, "parameter %s did not reach the request", k)
			}
		})
	}
	t.Run("unknown RecordType is refused", func(t *testing.T) {
		res := e.invoke1(t, tok, with(window(base.Start, base.End), "RecordType", "NoSuchType"))
		require.Equal(t, http.StatusBadRequest, res.Status)
		require.True(t, strings.Contains(res.Err.Message, "RecordType"), res.Err.Message)
	})
}

func flatten(m map[string]any) []any {
	var out []any
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

func TestLargeSetSession(t *testing.T) {
	// Ideal: working continuations and empty pages past the end (live refuses links and
	// restarts, L4 and L9). MaxPageRows: the older name of PageSize must keep working.
	e := setup(t, Options{Records: 2500, Days: 1, Seed: 21, MaxPageRows: 400, Profile: ProfileIdeal})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	q := Query{Start: first, End: last.Add(time.Second)}
	truth := e.GroundTruth(q)
	p := with(window(q.Start, q.End), "ResultSize", 1000, "SessionId", "9e0c1f9e-5d1e-4d55-8f64-9a6d0a5b8e11", "SessionCommand", "ReturnLargeSet")
	var all []row
	var sizes []int
	for range 5 {
		rows := e.fullPage(t, tok, p)
		sizes = append(sizes, len(rows))
		all = append(all, rows...)
	}
	require.Equal(t, []int{1000, 1000, len(truth) - 2000, 0, 0}, sizes)
	for i, r := range all {
		require.Equal(t, i+1, r.index())
		require.Equal(t, len(truth), r.count())
	}
	got := ids(all)
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	want := slices.Clone(truth)
	slices.Sort(want)
	require.Equal(t, want, sorted, "a session returns every matching record once")
	require.True(t, !slices.Equal(got, truth), "ReturnLargeSet pages must not come sorted")

	t.Run("preview pages are sorted", func(t *testing.T) {
		pp := with(window(q.Start, q.End), "ResultSize", 1000, "SessionId", "preview-1", "SessionCommand", "ReturnNextPreviewPage")
		var got []string
		for range 3 {
			got = append(got, ids(e.fullPage(t, tok, pp))...)
		}
		require.Equal(t, truth, got)
	})
}

// capSetup is an emulator whose one hot hour q holds 60,000 records, above the session cap.
func capSetup(t *testing.T) (e *Emulator, q Query, inTruth map[string]bool) {
	hot := time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	// Ideal: empty pages past the end and working continuations (live restarts, L9).
	e = setup(t, Options{Records: 100, Days: 1, Seed: 2, Profile: ProfileIdeal, Hotspots: []Hotspot{{Start: hot, Duration: time.Hour, Count: 60000}}})
	q = Query{Start: hot, End: hot.Add(time.Hour)}
	truth := e.GroundTruth(q)
	require.True(t, len(truth) >= 60000, "hot hour holds %d", len(truth))
	inTruth = map[string]bool{}
	for _, id := range truth {
		inTruth[id] = true
	}
	return e, q, inTruth
}

func TestSessionCapAt50000(t *testing.T) {
	e, q, inTruth := capSetup(t)
	t.Run("session holds 50,000 distinct matches", func(t *testing.T) {
		sr := &searchRequest{q: q, resultSize: 5000, sessionID: "cap-internal", sessionCommand: "ReturnLargeSet"}
		s := e.session(sr)
		require.Equal(t, largeSetCap, len(s.order))
		distinct := map[int32]bool{}
		for _, p := range s.order {
			distinct[p] = true
			require.True(t, inTruth[e.store.id(&e.store.recs[p])], "position %d is not a match", p)
		}
		require.Equal(t, largeSetCap, len(distinct))
		s.cursor = largeSetCap - 5000
		spec := e.selectRows(sr, "")
		last := e.render(spec, 0, len(spec.pos))
		require.Equal(t, 5000, len(last))
		var r row
		require.NoError(t, json.Unmarshal(last[len(last)-1], &r))
		require.Equal(t, largeSetCap, r.index())
		require.Equal(t, largeSetCap, r.count())
		require.Equal(t, 0, len(e.selectRows(sr, "").pos), "past its last row a session answers empty pages")
	})

}

// TestSessionCapAt50000ThroughHTTPFullScale pages 50,000 rows over HTTP: `make test` runs
// *FullScale tests without the race detector, which slows this one tenfold.
func TestSessionCapAt50000ThroughHTTPFullScale(t *testing.T) {
	e, q, _ := capSetup(t)
	tok := e.accessToken(t, 0)
	p := with(window(q.Start, q.End), "ResultSize", 5000, "SessionId", "cap-session", "SessionCommand", "ReturnLargeSet")
	seen := map[string]bool{}
	pages := 0
	for {
		rows := e.fullPage(t, tok, p)
		if len(rows) == 0 {
			break
		}
		pages++
		for _, r := range rows {
			require.Equal(t, largeSetCap, r.count())
			seen[r.Identity] = true
		}
	}
	require.Equal(t, 10, pages)
	require.Equal(t, largeSetCap, len(seen))
	require.Equal(t, 0, len(e.fullPage(t, tok, p)), "past its last row a session answers empty pages")
}

func TestNextLinkSplit(t *testing.T) {
	// Ideal: continuations work (live refuses them, L4).
	e := setup(t, Options{Records: 1000, Days: 1, Seed: 4, PageSize: 100, Profile: ProfileIdeal})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	p := with(window(first, last.Add(time.Second)), "ResultSize", 250)
	res := e.invoke1(t, tok, p)
	require.Equal(t, 100, len(res.Rows))
	require.True(t, strings.HasPrefix(res.NextLink, e.URL()+"/adminapi/beta/"), res.NextLink)
	t.Run("a different body is refused", func(t *testing.T) {
		bad := e.invokeAt(t, tok, res.NextLink, with(p, "ResultSize", 251))
		require.Equal(t, http.StatusBadRequest, bad.Status)
	})
	res2 := e.invokeAt(t, tok, res.NextLink, p)
	require.Equal(t, 100, len(res2.Rows))
	res3 := e.invokeAt(t, tok, res2.NextLink, p)
	require.Equal(t, 50, len(res3.Rows))
	require.Equal(t, "", res3.NextLink)
	all := append(append(res.Rows, res2.Rows...), res3.Rows...)
	for i, r := range all {
		require.Equal(t, i+1, r.index())
	}
	t.Run("a link can be fetched again", func(t *testing.T) {
		again := e.invokeAt(t, tok, res.NextLink, p)
		require.Equal(t, http.StatusOK, again.Status)
		require.Equal(t, ids(res2.Rows), ids(again.Rows))
	})
	t.Run("an unknown link is refused", func(t *testing.T) {
		require.Equal(t, http.StatusBadRequest, e.invokeAt(t, tok, e.URL()+"/adminapi/beta/"+e.Organization()+"/InvokeCommand?$skiptoken=nope", p).Status)
	})
}

func TestRetention(t *testing.T) {
	now := time.Now().UTC()
	// Ideal: the tidy retention text (TestLiveRetentionText covers live, L7).
	e := setup(t, Options{Records: 100, Days: 40, Retention: 30 * 24 * time.Hour, Profile: ProfileIdeal})
	tok := e.accessToken(t, 0)
	res := e.invoke1(t, tok, window(now.Add(-31*24*time.Hour), now))
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.True(t, strings.Contains(res.Err.Message, "retention"), res.Err.Message)
	require.Equal(t, http.StatusOK, e.invoke1(t, tok, window(now.Add(-29*24*time.Hour), now)).Status)
}

func TestSeedRecordFromJSONLines(t *testing.T) {
	text := `{"Actor":[{"ID":"3fa9f28b-eb0e-463a-ba7b-8089fe9991e2","Type":0},{"ID":"user@example.com","Type":5}],"ActorContextId":"ebac1a16-81bf-449b-8d43-5732c3c1d999","ActorIpAddress":"ClientIP","ApplicationId":"00000002-0000-0ff1-ce00-000000000000","AzureActiveDirectoryEventType":1,"ClientIP":"ClientIP","CreationTime":"2021-01-01T23:59:56","ExtendedProperties":[{"Name":"UserAgent","Value":"python-requests/2.18.4"}],"Id":"8133912e-b888-4849-b8fb-070710b35400","LogonError":"InvalidUserNameOrPassword","ObjectId":"00000002-0000-0ff1-ce00-000000000000","Operation":"UserLoginFailed","OrganizationId":"ebac1a16-81bf-449b-8d43-5732c3c1d999","RecordType":15,"ResultStatus":"Failed","UserId":"user@example.com","UserType":0,"Version":1,"Workload":"AzureActiveDirectory"}`
	path := filepath.Join(t.TempDir(), "seed.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(text+"\n\n"), 0o600))
	e := setup(t, Options{Dataset: path})
	rows := e.fullPage(t, e.accessToken(t, 0), map[string]any{"StartDate": "01/01/2021", "EndDate": "01/02/2021", "ResultSize": 1})
	require.Equal(t, 1, len(rows))
	require.Equal(t, text, rows[0].AuditData, "the exact text is served")
	require.Equal(t, "AzureActiveDirectoryStsLogon", rows[0].RecordType)
	require.Equal(t, "8133912e-b888-4849-b8fb-070710b35400", rows[0].Identity)
	require.Equal(t, "user@example.com", rows[0].UserIds)
}

func TestDatasetKeepsUnknownRecordTypeNames(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rec := json.RawMessage(`{"CreationTime":"2026-03-01T12:00:00","Id":"new-1","Operation":"Shiny","RecordType":"BrandNewWorkloadAudit","UserId":"u@x"}`)
	e := setup(t, Options{DatasetRecords: []json.RawMessage{rec, fixedRecord("old-1", t0, "UserLoggedIn", "u@x", "1.1.1.1")}})
	rows := e.fullPage(t, e.accessToken(t, 0), window(t0, t0.Add(time.Second)))
	require.Equal(t, 2, len(rows))
	got := map[string]any{}
	for _, r := range rows {
		got[r.Identity] = r.RecordType
	}
	require.Equal(t, map[string]any{"new-1": "BrandNewWorkloadAudit", "old-1": "AzureActiveDirectoryStsLogon"}, got)
}

func TestRepresentationKnobs(t *testing.T) {
	e := setup(t, Options{Records: 500, Days: 1, VaryRepresentations: true, EchoResultSize: true})
	first, last := e.TimeRange()
	rows := e.fullPage(t, e.accessToken(t, 0), with(window(first, last.Add(time.Second)), "ResultSize", 300))
	kinds := map[string]bool{}
	for _, r := range rows {
		kinds[fmt.Sprintf("%T", r.RecordType)] = true
		if strings.HasPrefix(r.CreationDate, "/Date(") {
			kinds["msdate"] = true
		}
		require.Equal(t, 300, r.count(), "ResultCount echoes ResultSize")
	}
	require.True(t, kinds["float64"] && kinds["string"] && kinds["msdate"], "%v", kinds)
}

func TestGeneratorIsDeterministicAndRealistic(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) }
	a := setup(t, Options{Records: 3000, Seed: 77, Clock: clock})
	b := setup(t, Options{Records: 3000, Seed: 77, Clock: clock})
	first, last := a.TimeRange()
	q := Query{Start: first, End: last.Add(time.Second)}
	ta, tb := a.GroundTruth(q), b.GroundTruth(q)
	require.Equal(t, ta, tb)
	workloads := map[string]int{}
	for _, id := range ta {
		ra, _ := a.Record(id)
		rb, _ := b.Record(id)
		require.Equal(t, string(ra), string(rb))
		var m map[string]any
		require.NoError(t, json.Unmarshal(ra, &m))
		workloads[m["Workload"].(string)]++
		ct, err := time.Parse(timeLayout, m["CreationTime"].(string))
		require.NoError(t, err)
		require.True(t, !ct.Before(clock().Add(-7*24*time.Hour)) && ct.Before(clock()), "CreationTime %s outside the span", ct)
		for _, k := range []string{"Id", "Operation", "OrganizationId", "RecordType", "UserId", "Workload", "UserType", "Version"} {
			require.True(t, m[k] != nil, "%s lacks %s", ra, k)
		}
	}
	require.True(t, len(workloads) >= 8, "workloads %v", workloads)
}
