package graphclient

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/o365auditlog/o365auditlog/msclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// staticToken is a credential handing out one JWT-shaped token with roles.
type staticToken struct{ roles string }

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	enc := base64.RawURLEncoding.EncodeToString
	tok := enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"roles":[`+s.roles+`]}`)) + ".sig"
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fakeGraph serves scripted Graph answers by "METHOD path" and counts requests.
type fakeGraph struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	counts map[string]int
	routes map[string]func(w http.ResponseWriter, r *http.Request, n int)
}

func newFakeGraph(t *testing.T) *fakeGraph {
	f := &fakeGraph{t: t, counts: map[string]int{}, routes: map[string]func(http.ResponseWriter, *http.Request, int){}}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		f.mu.Lock()
		f.counts[key]++
		n := f.counts[key]
		h := f.routes[key]
		f.mu.Unlock()
		if h == nil {
			t.Errorf("unexpected request %s", key)
			http.NotFound(w, r)
			return
		}
		h(w, r, n)
	}))
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGraph) handle(key string, h func(w http.ResponseWriter, r *http.Request, n int)) {
	f.routes[key] = h
}

func (f *fakeGraph) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[key]
}

func (f *fakeGraph) client(t *testing.T, roles string) *Client {
	pool := x509.NewCertPool()
	pool.AddCert(f.srv.Certificate())
	opts := fastPolls()
	opts.RootCAs, opts.Credential = pool, staticToken{roles: roles}
	c, err := New(auditsearch.Config{URL: f.srv.URL, GraphURL: f.srv.URL, Organization: "contoso.onmicrosoft.com", AppID: "app"}, opts)
	require.NoError(t, err)
	return c
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

const (
	qPath   = "/beta/security/auditLog/queries"
	fakeWin = `"filterStartDateTime":"2026-01-01T00:00:00Z","filterEndDateTime":"2026-01-02T00:00:00Z"`
)

func fakeRecord(id, at string) string {
	return fmt.Sprintf(`{"id":"env-%s","createdDateTime":"%sZ","auditLogRecordType":"exchangeAdmin","operation":"Set-Mailbox","userId":"KEY","userPrincipalName":"wrong@x","clientIp":null,`+
		`"auditData":{"@odata.type":"#microsoft.graph.security.auditData","CreationTime":"%s","Id":"%s","RecordType@odata.type":"#Int32","RecordType":1,"UserId":"admin@contoso.com","N":12345678901234567890}}`, id, at, at, id)
}

// scriptQuery makes the fake answer one query q1 that succeeded over fakeWin, created on
// beta after v1.0 refused with 400.
func scriptQuery(f *fakeGraph) {
	f.handle("POST /v1.0/security/auditLog/queries", func(w http.ResponseWriter, _ *http.Request, _ int) {
		reply(w, 400, `{"error":{"code":"BadRequest","message":"Resource not found for the segment 'auditLog'."}}`)
	})
	f.handle("POST "+qPath, func(w http.ResponseWriter, _ *http.Request, _ int) {
		reply(w, 201, `{"id":"q1","status":"notStarted",`+fakeWin+`}`)
	})
	f.handle("GET "+qPath+"/q1", func(w http.ResponseWriter, _ *http.Request, _ int) {
		reply(w, 200, `{"id":"q1","status":"succeeded","isRecordCountLimitExceeded":false,`+fakeWin+`}`)
	})
}

// TestNotReadyRecordsAreRetried: records read just after success may answer 400 "The query
// is not ready": tried again. Pages follow nextLink; repeats inside and across pages are
// dropped; a 400 to the v1.0 create falls back to beta.
func TestNotReadyRecordsAreRetried(t *testing.T) {
	f := newFakeGraph(t)
	scriptQuery(f)
	f.handle("GET "+qPath+"/q1/records", func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case n <= 2:
			reply(w, 400, `{"error":{"code":"BadRequest","message":"The query is not ready"}}`)
		case r.URL.Query().Get("$skiptoken") == "":
			reply(w, 200, `{"value":[`+fakeRecord("a", "2026-01-01T10:00:00")+","+fakeRecord("b", "2026-01-01T11:00:00")+","+fakeRecord("a", "2026-01-01T10:00:00")+
				`],"@odata.nextLink":"`+f.srv.URL+qPath+`/q1/records?$top=1000&$skiptoken=2"}`)
		default:
			reply(w, 200, `{"value":[`+fakeRecord("c", "2026-01-01T11:00:00")+","+fakeRecord("b", "2026-01-01T11:00:00")+`]}`)
		}
	})
	c := f.client(t, `"AuditLogsQuery.Read.All"`)
	q := auditsearch.Query{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	res, err := c.Search(context.Background(), q)
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "c", "a"}, recordIDs(res.Records))
	assert.Equal(t, `{"CreationTime":"2026-01-01T11:00:00","Id":"b","RecordType":1,"UserId":"admin@contoso.com","N":12345678901234567890}`, string(res.Records[0].AuditData))
	assert.Equal(t, "ExchangeAdmin", res.Records[0].RecordType)
	assert.Equal(t, "admin@contoso.com", res.Records[0].UserIDs)
	assert.Equal(t, 4, f.count("GET "+qPath+"/q1/records"))
	assert.Equal(t, 1, f.count("POST /v1.0/security/auditLog/queries"))
	assert.Equal(t, []string{"q1"}, res.QueryIDs)
	// create v1.0 + create beta + one status read + four records reads
	assert.Equal(t, 7, res.Calls)

	_, err = c.Submit(context.Background(), q)
	require.NoError(t, err)
	assert.Equal(t, 1, f.count("POST /v1.0/security/auditLog/queries"), "beta is remembered")
}

// TestForeignNextLinkRefused: a nextLink to another host is not followed (the token would
// go with it); the query is then deleted.
func TestForeignNextLinkRefused(t *testing.T) {
	f := newFakeGraph(t)
	scriptQuery(f)
	f.handle("GET "+qPath+"/q1/records", func(w http.ResponseWriter, _ *http.Request, _ int) {
		reply(w, 200, `{"value":[],"@odata.nextLink":"https://evil.example/steal"}`)
	})
	f.handle("DELETE "+qPath+"/q1", func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(204) })
	c := f.client(t, `"AuditLogsQuery.Read.All"`)
	_, err := c.Search(context.Background(), auditsearch.Query{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)})
	var foreign *ForeignLinkError
	require.True(t, errors.As(err, &foreign), "%v", err)
	assert.Equal(t, "https://evil.example", foreign.Origin)
	assert.Equal(t, 1, f.count("DELETE "+qPath+"/q1"), "the abandoned query is deleted")
}

// TestPingOpaqueToken: a token whose claims cannot be read is checked with one call.
func TestPingWithoutClaims(t *testing.T) {
	f := newFakeGraph(t)
	f.handle("GET /v1.0/security/auditLog/queries", func(w http.ResponseWriter, _ *http.Request, n int) {
		reply(w, 403, `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`)
	})
	pool := x509.NewCertPool()
	pool.AddCert(f.srv.Certificate())
	c, err := New(auditsearch.Config{URL: f.srv.URL, GraphURL: f.srv.URL, Organization: "contoso.onmicrosoft.com", AppID: "app"},
		&Options{ConnectOptions: msclient.ConnectOptions{RootCAs: pool, Credential: opaqueToken{}}})
	require.NoError(t, err)
	err = c.Ping(context.Background())
	var missing *msclient.MissingPermissionError
	require.True(t, errors.As(err, &missing), "%v", err)
	assert.Nil(t, missing.Have, "unknown roles")
	assert.NotContains(t, err.Error(), "OPAQUE")
}

type opaqueToken struct{}

func (opaqueToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "OPAQUE-TOKEN", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestNewClouds: Graph audit search exists in the commercial cloud only; an explicit Graph
// URL that is no cloud's (the emulator's) is taken as given.
func TestNewClouds(t *testing.T) {
	base := auditsearch.Config{Organization: "contoso.onmicrosoft.com", AppID: "app"}
	opts := &Options{ConnectOptions: msclient.ConnectOptions{Credential: opaqueToken{}}}
	cases := []struct {
		name, url, graph, cloud string
		wantGraph               string
	}{
		{name: "commercial", url: "https://outlook.office365.com", wantGraph: "https://graph.microsoft.com"},
		{name: "GCC High", url: "https://outlook.office365.us", cloud: "GCC High"},
		{name: "DoD", url: "https://webmail.apps.mil", cloud: "DoD"},
		{name: "21Vianet", url: "https://partner.outlook.cn", cloud: "21Vianet"},
		{name: "GCC High even with a Graph URL", url: "https://outlook.office365.us", graph: "https://127.0.0.1:1/graph", cloud: "GCC High"},
		{name: "a sovereign Graph URL", url: "https://127.0.0.1:2", graph: "https://graph.microsoft.us", cloud: "GCC High"},
		{name: "emulator", url: "https://127.0.0.1:2", graph: "https://127.0.0.1:2/graph/", wantGraph: "https://127.0.0.1:2/graph"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.URL, cfg.GraphURL = tc.url, tc.graph
			c, err := New(cfg, opts)
			if tc.cloud != "" {
				var un *UnavailableError
				require.True(t, errors.As(err, &un), "%v", err)
				assert.Equal(t, tc.cloud, un.Cloud)
				assert.Contains(t, err.Error(), "do not exist")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantGraph, c.ep.graph.String())
			assert.Equal(t, tc.wantGraph+"/.default", c.ep.scope)
		})
	}
	cfg := base
	cfg.URL, cfg.GraphURL = "https://outlook.office365.com", "http://graph.microsoft.com"
	_, err := New(cfg, opts)
	var ce *msclient.ConfigError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Equal(t, auditsearch.FieldGraphURL, ce.Field)
}

// TestIdealProfileKeepsV1: where v1.0 creates work, no beta call is made.
func TestIdealProfileKeepsV1(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 300, Days: 1, Profile: emulator.ProfileIdeal, GraphCreateInterval: -1})
	c := newClient(t, em, nil, nil)
	for range 2 {
		res, err := c.Search(context.Background(), query(everything(em), 1000))
		require.NoError(t, err)
		assert.Equal(t, truth(em, everything(em), emulator.GraphFilter{}), recordIDs(res.Records))
	}
	assert.Zero(t, em.Stats().GraphV1NotFound)
	assert.False(t, strings.Contains(c.versions(true)[0], "beta"))
}
