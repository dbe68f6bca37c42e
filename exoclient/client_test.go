package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSearchPageSendsTheContractRequest(t *testing.T) {
	env := newEnv(t, page(rowJSON("id-1", "2026-01-01T10:00:00")))
	c := env.client(nil)
	p := SearchParams{
		Start: time.Date(2026, 1, 1, 1, 2, 3, 0, time.FixedZone("x", 3600)), End: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		ResultSize: 5000, SessionID: "s-1", LargeSet: true, Filters: auditsearch.Filters{
			FreeText: "report.docx", RecordType: "SharePointFileOperation",
			IPAddresses: []string{"10.0.0.1"}, Operations: []string{"FileAccessed", "FileDeleted"}, UserIDs: []string{"a@contoso.com"},
			ObjectIDs: []string{"https://contoso.sharepoint.com/x"},
		},
	}
	rows, err := c.SearchPage(context.Background(), p)
	require.NoError(t, err)
	require.Len(t, rows, 1)

	call := env.exo.call(0)
	assert.Equal(t, "/adminapi/beta/"+testTenant+"/InvokeCommand", call.Path)
	h := call.Header
	assert.Equal(t, "Bearer "+sentinelToken, h.Get("Authorization"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	assert.Equal(t, "Search-UnifiedAuditLog", h.Get("X-CmdletName"))
	assert.Equal(t, "json", h.Get("X-ResponseFormat"))
	assert.Equal(t, "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"+testTenant, h.Get("X-AnchorMailbox"))
	_, err = uuid.Parse(h.Get("client-request-id"))
	assert.NoError(t, err, "client-request-id is a uuid")

	var body map[string]map[string]any
	require.NoError(t, json.Unmarshal(call.Body, &body))
	assert.Equal(t, "Search-UnifiedAuditLog", body["CmdletInput"]["CmdletName"])
	assert.Equal(t, map[string]any{
		"StartDate": "2026-01-01T00:02:03Z", "EndDate": "2026-01-02T00:00:00Z", "ResultSize": 5000.0,
		"SessionId": "s-1", "SessionCommand": "ReturnLargeSet", "RecordType": "SharePointFileOperation",
		"FreeText": "report.docx", "IPAddresses": []any{"10.0.0.1"}, "Operations": []any{"FileAccessed", "FileDeleted"},
		"UserIds": []any{"a@contoso.com"}, "ObjectIds": []any{"https://contoso.sharepoint.com/x"},
	}, body["CmdletInput"]["Parameters"])
}

func TestSearchPageOmitsUnsetParameters(t *testing.T) {
	env := newEnv(t, page())
	c := env.client(nil)
	rows, err := c.SearchPage(context.Background(), testParams())
	require.NoError(t, err)
	assert.Empty(t, rows)
	assert.JSONEq(t, `{"CmdletInput":{"CmdletName":"Search-UnifiedAuditLog","Parameters":{"StartDate":"2026-01-01T00:00:00Z","EndDate":"2026-01-02T00:00:00Z","ResultSize":100}}}`,
		string(env.exo.call(0).Body))
}

func TestSearchPageFollowsNextLink(t *testing.T) {
	var base string
	env := newEnv(t,
		func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"value": []json.RawMessage{json.RawMessage(rowJSON("a", "2026-01-01T00:00:01Z"))},
				"@odata.nextLink": base + "/adminapi/beta/" + testTenant + "/InvokeCommand?$skiptoken=2"})
		},
		func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"@odata.nextLink": base + "/adminapi/beta/" + testTenant + "/InvokeCommand?$skiptoken=3",
				"value": []json.RawMessage{json.RawMessage(rowJSON("b", "2026-01-01T00:00:02Z"))}})
		},
		page(rowJSON("c", "2026-01-01T00:00:03Z")),
	)
	base = env.srv.URL
	c := env.client(nil)
	rows, err := c.SearchPage(context.Background(), testParams())
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, []string{"a", "b", "c"}, []string{rows[0].ID, rows[1].ID, rows[2].ID})
	require.Equal(t, 3, env.exo.callCount())
	assert.Equal(t, "$skiptoken=2", env.exo.call(1).Query)
	assert.Equal(t, "$skiptoken=3", env.exo.call(2).Query)
	for i := 1; i < 3; i++ {
		assert.Equal(t, env.exo.call(0).Body, env.exo.call(i).Body, "the same body is POSTed to the nextLink")
		assert.Equal(t, "Search-UnifiedAuditLog", env.exo.call(i).Header.Get("X-CmdletName"))
	}
}

func TestSearchPageRefusesNextLinkToAnotherHost(t *testing.T) {
	env := newEnv(t, status(200, `{"value":[],"@odata.nextLink":"https://evil.example/steal"}`))
	c := env.client(nil)
	_, err := c.SearchPage(context.Background(), testParams())
	require.ErrorContains(t, err, "another origin")
	assert.Equal(t, 1, env.exo.callCount())
}

func TestUnauthorizedGetsOneFreshToken(t *testing.T) {
	t.Run("second token succeeds", func(t *testing.T) {
		env := newEnv(t, status(401, `{"error":{"code":"InvalidToken","message":"token expired"}}`), page(rowJSON("a", "2026-01-01T00:00:00Z")))
		c := env.client(nil)
		rows, err := c.SearchPage(context.Background(), testParams())
		require.NoError(t, err)
		assert.Len(t, rows, 1)
		assert.Equal(t, 2, env.auth.tokenCount(), "a new credential instance asked for a new token")
		assert.Equal(t, 2, env.exo.callCount())
	})
	t.Run("still refused", func(t *testing.T) {
		env := newEnv(t, status(401, `{"error":{"code":"InvalidToken","message":"token invalid"}}`))
		c := env.client(nil)
		_, err := c.SearchPage(context.Background(), testParams())
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 401, apiErr.Status)
		assert.Equal(t, 2, env.exo.callCount(), "exactly one retry after 401")
		assert.Equal(t, 2, env.auth.tokenCount())
		assert.Contains(t, Explain(err), "Exchange.ManageAsApp")
	})
}

func TestTokenIsCachedAcrossCalls(t *testing.T) {
	env := newEnv(t, page())
	c := env.client(nil)
	for range 3 {
		_, err := c.SearchPage(context.Background(), testParams())
		require.NoError(t, err)
	}
	assert.Equal(t, 1, env.auth.tokenCount())
}

func TestPing(t *testing.T) {
	env := newEnv(t, page())
	c := env.client(nil)
	require.NoError(t, c.Ping(context.Background()))
	assert.Empty(t, env.discovery, "no instance discovery for a non-Microsoft authority")
	var body struct {
		CmdletInput struct{ Parameters map[string]any }
	}
	require.NoError(t, json.Unmarshal(env.exo.call(0).Body, &body))
	assert.Equal(t, 1.0, body.CmdletInput.Parameters["ResultSize"])
	start, _ := time.Parse(time.RFC3339, body.CmdletInput.Parameters["StartDate"].(string))
	end, _ := time.Parse(time.RFC3339, body.CmdletInput.Parameters["EndDate"].(string))
	assert.Equal(t, time.Minute, end.Sub(start))
}

func TestUnregisteredCertificateIsExplained(t *testing.T) {
	env := newEnv(t, page())
	key, cert := validCert(t) // not registered with the fake authority
	c, err := New(env.config(modernPFX(t, key, cert)), env.options())
	require.NoError(t, err)
	err = c.Ping(context.Background())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, SourceAuthority, apiErr.Source)
	assert.Equal(t, "AADSTS700027", apiErr.Code)
	assert.Equal(t, "corr-1", apiErr.RequestID)
	msg := Explain(err)
	assert.Contains(t, msg, "AADSTS700027")
	assert.Contains(t, msg, "Upload this certificate's public part")
	assert.NotContains(t, msg, "Trace ID")
	assert.Equal(t, 0, env.exo.callCount())
}

func TestAuthorityErrorsAreExplained(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		want       []string
	}{
		{"app not found", `{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'x' was not found in the directory 'contoso'.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: z","error_codes":[700016]}`, 400,
			[]string{"AADSTS700016", "was not found in the directory", "Check app_id and organization", "admin"}},
		{"tenant not found", `{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'nope' not found.","error_codes":[90002]}`, 400,
			[]string{"AADSTS90002", "Tenant 'nope' not found", "Check organization"}},
		{"clock skew", `{"error":"invalid_client","error_description":"AADSTS700024: Client assertion is not within its valid time range.","error_codes":[700024]}`, 401,
			[]string{"AADSTS700024", "clock"}},
		{"other code", `{"error":"invalid_client","error_description":"AADSTS7000999: Something new happened.","error_codes":[7000999]}`, 400,
			[]string{"AADSTS7000999", "Something new happened", "Check organization, app_id"}},
		{"codes only", `{"error":"invalid_client","error_description":"bad","error_codes":[700027]}`, 401,
			[]string{"AADSTS700027", "Upload this certificate"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, page())
			env.auth.failStatus, env.auth.failBody = tc.status, tc.body
			c := env.client(nil)
			err := c.Ping(context.Background())
			require.Error(t, err)
			msg := Explain(err)
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			assert.Empty(t, env.sleepLog(), "4xx from the authority is not retried")
		})
	}
}

func TestTokenEndpointFailuresAreRetried(t *testing.T) {
	env := newEnv(t, page())
	env.auth.failStatus, env.auth.failBody, env.auth.failTimes = 503, `{"error":"temporarily_unavailable","error_description":"AADSTS90033: busy"}`, 2
	c := env.client(nil)
	require.NoError(t, c.Ping(context.Background()))
	assert.Len(t, env.sleepLog(), 2)
	assert.Equal(t, 1, env.auth.tokenCount())
}

func TestTokenEndpointFailureOutlastingTheBudget(t *testing.T) {
	env := newEnv(t, page())
	env.auth.failStatus, env.auth.failBody = 500, `{"error":"server_error","error_description":"AADSTS90033: overloaded"}`
	opts := env.options()
	opts.Retry = RetryPolicy{MaxAttempts: 3}
	c := env.client(opts)
	err := c.Ping(context.Background())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.Status)
	assert.Contains(t, Explain(err), "Entra ID")
	assert.Len(t, env.sleepLog(), 2, "3 attempts at the token endpoint, none more at the API level")
}

func TestExchangeErrorBody(t *testing.T) {
	env := newEnv(t, status(400, `{"error":{"code":"BadRequest","message":"Invalid RecordType.","details":[{"message":"Value 'Foo' is not valid."}],"innererror":{"x":1}}}`, "request-id", "rid-42"))
	c := env.client(nil)
	_, err := c.SearchPage(context.Background(), testParams())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, &APIError{Source: SourceExchange, Status: 400, Code: "BadRequest", Message: "Invalid RecordType. Value 'Foo' is not valid.", RequestID: "rid-42"}, apiErr)
	assert.Equal(t, 1, env.exo.callCount(), "400 is not retried")
	assert.True(t, strings.HasPrefix(Explain(err), "Exchange Online does not accept this record_type (HTTP 400 BadRequest"))
}

// TestSearchReportsItsCompleteness: the result names its backend and the calls made.
func TestSearchReportsItsCompleteness(t *testing.T) {
	env := newEnv(t, page(rowJSON("id-1", "2026-01-01T10:00:00")))
	c := env.client(nil)
	end := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	res, err := c.Search(context.Background(), Query{Start: end.Add(-24 * time.Hour), End: end, ResultSize: 1})
	require.NoError(t, err)
	assert.Equal(t, auditsearch.BackendExchange, res.Backend)
	assert.Equal(t, env.exo.callCount(), res.Calls)
	assert.Len(t, res.Records, 1)
}
