package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGraphTokensCarryGraphRoles(t *testing.T) {
	e := setup(t, fastGraph(Options{Records: 10}))
	assert.Equal(t, []any{PermissionAuditLogsQuery}, claimsOf(t, e.graphToken(t, appReader))["roles"])
	assert.Equal(t, []any{e.GraphURL()}, claimsOf(t, e.graphToken(t, appReader))["aud"])
	for _, i := range []int{appNoRole, appNoGraph} {
		assert.Nil(t, claimsOf(t, e.graphToken(t, i))["roles"], "app %d", i)
	}
	assert.Equal(t, e.GraphURL(), e.Params()["graph_url"])
	for _, p := range []map[string]any{e.ParamsNoRoles(), e.ParamsNoGraph()} {
		assert.Equal(t, e.GraphURL(), p["graph_url"])
	}

	t.Run("a Graph token is refused by Exchange and an Exchange token by Graph", func(t *testing.T) {
		now := time.Now()
		assert.Equal(t, http.StatusUnauthorized, e.invoke1(t, e.graphToken(t, appReader), window(now.Add(-time.Hour), now)).Status)
		res := e.graphCall(t, e.accessToken(t, appReader), http.MethodPost, "/beta/security/auditLog/queries", map[string]any{})
		assert.Equal(t, http.StatusUnauthorized, res.Status, "%s", res.Raw)
		assert.Equal(t, "InvalidAuthenticationToken", res.json(t)["error"].(map[string]any)["code"])
	})
	t.Run("apps without AuditLogsQuery.Read.All get 403", func(t *testing.T) {
		for _, i := range []int{appNoRole, appNoGraph} {
			tok := e.graphToken(t, i)
			for _, path := range []string{"/beta/security/auditLog/queries", "/v1.0/security/auditLog/queries"} {
				res := e.graphCall(t, tok, http.MethodPost, path, map[string]any{})
				assert.Equal(t, http.StatusForbidden, res.Status, "app %d %s: %s", i, path, res.Raw)
			}
			assert.Equal(t, http.StatusForbidden, e.graphCall(t, tok, http.MethodGet, "/beta/security/auditLog/queries/x", nil).Status)
		}
	})
	t.Run("the real Graph resource is accepted too", func(t *testing.T) {
		a := e.app(appReader)
		form := e.tokenForm(a.clientID, e.buildAssertion(t, a, assertionSpec{}))
		form.Set("scope", graphResource+"/.default")
		status, body := e.tokenRequest(t, e.Organization(), form)
		require.Equal(t, http.StatusOK, status, "%v", body)
		assert.Equal(t, []any{PermissionAuditLogsQuery}, claimsOf(t, body["access_token"].(string))["roles"])
	})
}

func TestGraphV1CreateInLiveProfile(t *testing.T) {
	for profile, v1 := range map[string]int{ProfileLive: http.StatusNotFound, ProfileIdeal: http.StatusCreated} {
		t.Run(profile, func(t *testing.T) {
			e := setup(t, fastGraph(Options{Records: 10, Profile: profile}))
			tok := e.graphToken(t, appReader)
			res := e.graphCall(t, tok, http.MethodPost, "/v1.0/security/auditLog/queries", map[string]any{"displayName": "x"})
			assert.Equal(t, v1, res.Status, "%s", res.Raw)
			res = e.graphCall(t, tok, http.MethodPost, "/beta/security/auditLog/queries", map[string]any{"displayName": "x"})
			require.Equal(t, http.StatusCreated, res.Status, "%s", res.Raw)
			id := res.json(t)["id"].(string)
			assert.Equal(t, http.StatusOK, e.graphCall(t, tok, http.MethodGet, "/v1.0/security/auditLog/queries/"+id, nil).Status,
				"a query is readable on both versions")
			assert.Equal(t, map[int]int{http.StatusNotFound: 1, http.StatusCreated: 0}[v1], e.Stats().GraphV1NotFound)
			assert.Equal(t, http.StatusNotFound, e.graphCall(t, tok, http.MethodGet, "/v2.0/security/auditLog/queries/"+id, nil).Status)
			other := e.graphCall(t, tok, http.MethodGet, "/beta/security/alerts", nil)
			assert.Equal(t, http.StatusNotFound, other.Status)
			assert.Contains(t, other.json(t)["error"], "innerError", "Graph's error shape under graph_url")
		})
	}
}

func TestGraphQueryLifecycle(t *testing.T) {
	e := setup(t, fastGraph(Options{Records: 3000, Days: 2, GraphDelay: 400 * time.Millisecond}))
	tok := e.graphToken(t, appReader)
	start, end := e.TimeRange()
	end = end.Add(time.Second)
	body := map[string]any{"displayName": "lifecycle", "filterStartDateTime": start.Format(time.RFC3339), "filterEndDateTime": end.Format(time.RFC3339)}
	res := e.graphCall(t, tok, http.MethodPost, "/beta/security/auditLog/queries", body)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Raw)
	created := res.json(t)
	assert.Equal(t, GraphNotStarted, created["status"])
	assert.Equal(t, "lifecycle", created["displayName"])
	assert.Equal(t, []any{}, created["recordTypeFilters"])
	id := created["id"].(string)
	assert.Contains(t, res.Header.Get("Location"), id)

	notReady := e.graphCall(t, tok, http.MethodGet, "/beta/security/auditLog/queries/"+id+"/records", nil)
	assert.Equal(t, http.StatusBadRequest, notReady.Status)
	assert.Equal(t, "The query is not ready", notReady.json(t)["error"].(map[string]any)["message"])

	time.Sleep(150 * time.Millisecond)
	assert.Equal(t, GraphRunning, e.graphCall(t, tok, http.MethodGet, "/beta/security/auditLog/queries/"+id, nil).json(t)["status"])
	done := e.waitQuery(t, tok, id)
	assert.Equal(t, GraphSucceeded, done["status"])
	assert.Equal(t, false, done["isRecordCountLimitExceeded"])
	assert.Equal(t, float64(DefaultGraphRecordLimit), done["recordCountLimit"])
	assert.Equal(t, float64(3000), done["approximateReturnedRecordCount"])

	recs, pages := e.allRecords(t, tok, id, 700)
	assert.Equal(t, 5, pages)
	got := recordIDs(recs)
	want := e.GroundTruth(Query{Start: start, End: end})
	assert.ElementsMatch(t, want, got, "the same records as Exchange")
	assert.NotEqual(t, want, got, "Graph's order is not time order")
	served, ok := e.GraphQueryRecords(id)
	require.True(t, ok)
	assert.Equal(t, got, served)

	st := e.Stats()
	assert.Equal(t, 1, st.GraphQueries)
	assert.Equal(t, 1, st.GraphNotReady)
	assert.Equal(t, 5, st.GraphPages)
	assert.Equal(t, 3000, st.GraphRecords)
	assert.GreaterOrEqual(t, st.GraphStatuses[GraphRunning], 1)
	assert.GreaterOrEqual(t, st.GraphStatuses[GraphSucceeded], 1)

	t.Run("delete frees the query", func(t *testing.T) {
		assert.Equal(t, []string{id}, e.GraphQueryIDs())
		res := e.graphCall(t, tok, http.MethodDelete, "/beta/security/auditLog/queries/"+id, nil)
		assert.Equal(t, http.StatusNoContent, res.Status, "%s", res.Raw)
		assert.Equal(t, http.StatusNotFound, e.graphCall(t, tok, http.MethodGet, "/beta/security/auditLog/queries/"+id, nil).Status)
		assert.Equal(t, http.StatusNotFound, e.graphCall(t, tok, http.MethodDelete, "/beta/security/auditLog/queries/"+id, nil).Status)
		assert.Empty(t, e.GraphQueryIDs())
		assert.Equal(t, 1, e.Stats().GraphDeletes)
	})
}

func TestGraphRecordsAreExchangesAuditData(t *testing.T) {
	for _, profile := range []string{ProfileLive, ProfileIdeal} {
		t.Run(profile, func(t *testing.T) {
			e := setup(t, fastGraph(Options{Records: 400, Profile: profile}))
			tok := e.graphToken(t, appReader)
			id := e.createQuery(t, tok, map[string]any{})
			e.waitQuery(t, tok, id)
			recs, _ := e.allRecords(t, tok, id, 1000)
			require.Len(t, recs, 400)
			nested := 0
			for _, r := range recs {
				rid := r.Envelope["id"].(string)
				text, ok := e.Record(rid)
				require.True(t, ok)
				require.Equal(t, string(text), string(stripAnnotations(r.Audit)), "auditData less its annotations is Exchange's AuditData, byte for byte")
				var audit map[string]any
				require.NoError(t, json.Unmarshal(r.Audit, &audit))
				assert.Equal(t, auditDataType, audit["@odata.type"])
				assert.Equal(t, "#Int32", audit["RecordType@odata.type"])
				nested += strings.Count(string(r.Audit), `"@odata.type":"`+nestedJSONType+`"`)

				var ad map[string]any
				require.NoError(t, json.Unmarshal(text, &ad))
				env := r.Envelope
				assert.Equal(t, graphRecordTypeName(int(ad["RecordType"].(float64))), env["auditLogRecordType"])
				assert.Equal(t, ad["Operation"], env["operation"])
				assert.Equal(t, ad["OrganizationId"], env["organizationId"])
				assert.Equal(t, ad["Workload"], env["service"])
				assert.Equal(t, ad["UserId"], env["userPrincipalName"])
				assert.Equal(t, []any{""}, env["administrativeUnits"])
				assert.IsType(t, "", env["userType"])
				assert.Equal(t, ad["CreationTime"].(string)+"Z", env["createdDateTime"])
				if profile == ProfileLive {
					assert.Equal(t, ad["UserKey"], env["userId"], "live: the envelope's userId is the UserKey")
					assert.Nil(t, env["clientIp"])
				} else {
					assert.Equal(t, ad["UserId"], env["userId"])
				}
			}
			assert.Positive(t, nested, "annotations at depth")
		})
	}
}

// TestGraphFiltersAgreeWithExchange checks each filter against Exchange's ground truth for the
// same query.
func TestGraphFiltersAgreeWithExchange(t *testing.T) {
	e := setup(t, fastGraph(Options{Records: 4000, Days: 3}))
	tok := e.graphToken(t, appReader)
	start, end := e.TimeRange()
	end = end.Add(time.Second)
	var sample map[string]any
	text, _ := e.Record(e.GroundTruth(Query{Start: start, End: end, RecordType: "AzureActiveDirectoryStsLogon"})[0])
	require.NoError(t, json.Unmarshal(text, &sample))
	user, op := sample["UserId"].(string), sample["Operation"].(string)
	ip, obj := sample["ClientIP"].(string), sample["ObjectId"].(string)
	mid := start.Add(end.Sub(start) / 2).Truncate(time.Second)

	cases := []struct {
		name string
		body map[string]any
		q    Query
	}{
		{"window", map[string]any{"filterStartDateTime": mid.Format(time.RFC3339), "filterEndDateTime": end.Format(time.RFC3339)}, Query{Start: mid, End: end}},
		{"record type, Graph's PascalCase", map[string]any{"recordTypeFilters": []string{"AzureActiveDirectoryStsLogon"}}, Query{RecordType: "15"}},
		{"record type, docs' camelCase", map[string]any{"recordTypeFilters": []string{"sharePointFileOperation"}}, Query{RecordType: "6"}},
		{"operation", map[string]any{"operationFilters": []string{strings.ToUpper(op)}}, Query{Operations: []string{op}}},
		{"user", map[string]any{"userPrincipalNameFilters": []string{user}}, Query{UserIDs: []string{user}}},
		{"ip", map[string]any{"ipAddressFilters": []string{ip}}, Query{IPAddresses: []string{ip}}},
		{"object", map[string]any{"objectIdFilters": []string{obj}}, Query{ObjectIDs: []string{obj}}},
		{"keyword", map[string]any{"keywordFilter": user}, Query{FreeText: user}},
		{"everything", map[string]any{"userPrincipalNameFilters": []string{user}, "operationFilters": []string{op}, "recordTypeFilters": []string{"AzureActiveDirectoryStsLogon"}},
			Query{UserIDs: []string{user}, Operations: []string{op}, RecordType: "AzureActiveDirectoryStsLogon"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := e.createQuery(t, tok, tc.body)
			require.Equal(t, GraphSucceeded, e.waitQuery(t, tok, id)["status"])
			recs, _ := e.allRecords(t, tok, id, 1000)
			if tc.q.Start.IsZero() {
				tc.q.Start, tc.q.End = start, end
			}
			want := e.GroundTruth(tc.q)
			require.NotEmpty(t, want)
			assert.ElementsMatch(t, want, recordIDs(recs))
		})
	}
	assert.Equal(t, e.GroundTruth(Query{Start: start, End: end, RecordType: "15"}),
		e.GraphGroundTruth(GraphFilter{RecordTypes: []string{"azureActiveDirectoryStsLogon"}}))

	refused := []struct {
		name string
		body map[string]any
	}{
		{"a classic name Graph spells otherwise", map[string]any{"recordTypeFilters": []string{"VivaInsights"}}},
		{"an unknown record type", map[string]any{"recordTypeFilters": []string{"NoSuchType"}}},
		{"an unknown property", map[string]any{"recordTypes": []string{"ExchangeItem"}}},
		{"a list given as a string", map[string]any{"operationFilters": "FileAccessed"}},
		{"a bad date", map[string]any{"filterStartDateTime": "yesterday"}},
		{"an end before the start", map[string]any{"filterStartDateTime": end.Format(time.RFC3339), "filterEndDateTime": start.Format(time.RFC3339)}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			res := e.graphCall(t, tok, http.MethodPost, "/beta/security/auditLog/queries", tc.body)
			assert.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Raw)
		})
	}
}

func TestGraphRecordLimit(t *testing.T) {
	e := setup(t, fastGraph(Options{Records: 500, GraphRecordLimit: 120}))
	tok := e.graphToken(t, appReader)
	id := e.createQuery(t, tok, map[string]any{})
	done := e.waitQuery(t, tok, id)
	assert.Equal(t, GraphSucceeded, done["status"])
	assert.Equal(t, true, done["isRecordCountLimitExceeded"])
	assert.Equal(t, float64(120), done["recordCountLimit"])
	assert.Equal(t, float64(120), done["approximateReturnedRecordCount"])
	recs, _ := e.allRecords(t, tok, id, 50)
	require.Len(t, recs, 120)
	start, end := e.TimeRange()
	all := e.GroundTruth(Query{Start: start, End: end.Add(time.Second)})
	for _, id := range recordIDs(recs) {
		assert.True(t, slices.Contains(all, id))
	}
	assert.Equal(t, 1, e.Stats().GraphTruncated)
}

func TestGraphPaging(t *testing.T) {
	e := setup(t, fastGraph(Options{Records: 2500}))
	tok := e.graphToken(t, appReader)
	id := e.createQuery(t, tok, map[string]any{})
	e.waitQuery(t, tok, id)
	base := "/beta/security/auditLog/queries/" + id + "/records"
	for _, top := range []string{"", "?$top=5000"} {
		res := e.graphCall(t, tok, http.MethodGet, base+top, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
		m := res.json(t)
		assert.Len(t, m["value"], graphMaxTop, "pages hold at most 1000 records")
		assert.Contains(t, m["@odata.nextLink"], "$top=1000")
	}
	recs, pages := e.allRecords(t, tok, id, 1000)
	assert.Len(t, recs, 2500)
	assert.Equal(t, 3, pages)
	for _, bad := range []string{"?$top=0", "?$top=x", "?$skiptoken=nonsense"} {
		assert.Equal(t, http.StatusBadRequest, e.graphCall(t, tok, http.MethodGet, base+bad, nil).Status, bad)
	}
	assert.Equal(t, http.StatusNotFound, e.graphCall(t, tok, http.MethodGet, "/beta/security/auditLog/queries/nope/records", nil).Status)
}

func TestGraphCreateThrottling(t *testing.T) {
	e := setup(t, Options{Records: 10, GraphDelay: 50 * time.Millisecond})
	tok := e.graphToken(t, appReader)
	e.createQuery(t, tok, map[string]any{})
	res := e.graphCall(t, tok, http.MethodPost, "/beta/security/auditLog/queries", map[string]any{})
	assert.Equal(t, http.StatusTooManyRequests, res.Status, "%s", res.Raw)
	assert.Equal(t, "1", res.Header.Get("Retry-After"))
	assert.Equal(t, 1, e.Stats().GraphThrottledCreates)
	time.Sleep(time.Second)
	e.createQuery(t, tok, map[string]any{})
	assert.Equal(t, 2, e.Stats().GraphQueries)
}

func TestGraphFaults(t *testing.T) {
	t.Run("graph-fail", func(t *testing.T) {
		e := setup(t, fastGraph(Options{Records: 10, Faults: map[string]float64{FaultGraphFail: 1}}))
		tok := e.graphToken(t, appReader)
		id := e.createQuery(t, tok, map[string]any{})
		assert.Equal(t, GraphFailed, e.waitQuery(t, tok, id)["status"])
		res := e.graphCall(t, tok, http.MethodGet, "/beta/security/auditLog/queries/"+id+"/records", nil)
		assert.Equal(t, http.StatusBadRequest, res.Status)
		assert.Equal(t, 1, e.Stats().Faults[FaultGraphFail])
		assert.Equal(t, 1, e.Stats().GraphStatuses[GraphFailed])
		now := time.Now()
		assert.Equal(t, http.StatusOK, e.invoke1(t, e.accessToken(t, appReader), window(now.Add(-time.Hour), now)).Status, "Exchange is untouched")
	})
	t.Run("graph-throttle", func(t *testing.T) {
		e := setup(t, fastGraph(Options{Records: 10}))
		tok := e.graphToken(t, appReader)
		id := e.createQuery(t, tok, map[string]any{})
		require.NoError(t, e.SetFaults(map[string]float64{FaultGraphThrottle: 1, FaultThrottle: 1}), "Graph's rates do not count against InvokeCommand's")
		for _, c := range []struct{ method, path string }{
			{http.MethodPost, "/beta/security/auditLog/queries"},
			{http.MethodGet, "/beta/security/auditLog/queries/" + id},
			{http.MethodGet, "/beta/security/auditLog/queries/" + id + "/records"},
		} {
			res := e.graphCall(t, tok, c.method, c.path, map[string]any{})
			assert.Equal(t, http.StatusTooManyRequests, res.Status, "%s %s", c.method, c.path)
			assert.NotEmpty(t, res.Header.Get("Retry-After"))
		}
		require.NoError(t, e.SetFaults(nil))
		assert.Equal(t, GraphSucceeded, e.waitQuery(t, tok, id)["status"])
		assert.Equal(t, 3, e.Stats().Faults[FaultGraphThrottle])
	})
	t.Run("injected", func(t *testing.T) {
		e := setup(t, fastGraph(Options{Records: 10}))
		tok := e.graphToken(t, appReader)
		require.Error(t, e.InjectGraph(FaultThrottle))
		require.NoError(t, e.InjectGraph(FaultGraphThrottle, FaultGraphFail))
		res := e.graphCall(t, tok, http.MethodPost, "/beta/security/auditLog/queries", map[string]any{})
		assert.Equal(t, http.StatusTooManyRequests, res.Status)
		failed := e.createQuery(t, tok, map[string]any{})
		ok := e.createQuery(t, tok, map[string]any{})
		assert.Equal(t, GraphFailed, e.waitQuery(t, tok, failed)["status"])
		assert.Equal(t, GraphSucceeded, e.waitQuery(t, tok, ok)["status"])
	})
}
