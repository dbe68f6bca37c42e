package exoclient

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/o365auditlog/o365auditlog/internal/testcert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/msclient"
)

// Sentinel secrets: no error, Explain text or log line may ever contain them.
const (
	sentinelPassword = "PASSWORD-SENTINEL-7d1e"
	sentinelToken    = "TOKEN-SENTINEL-90f3"
	testTenant       = "contoso.onmicrosoft.com"
	testAppID        = "11111111-2222-3333-4444-555555555555"
)

// The test certificates (internal/testcert), under this package's names.
var (
	testKeys  = testcert.Keys
	makeCert  = testcert.Make
	validCert = testcert.Valid
)

// modernPFX is a PFX of OpenSSL 3's defaults under sentinelPassword.
func modernPFX(t testing.TB, key *rsa.PrivateKey, cert *x509.Certificate, chain ...*x509.Certificate) []byte {
	return testcert.ModernPFX(t, key, cert, sentinelPassword, chain...)
}

// fakeAuthority is an Entra ID authority that really checks the client assertion's
// signature against the registered certificates.
type fakeAuthority struct {
	t          testing.TB
	mu         sync.Mutex
	registered []*x509.Certificate
	tokens     int    // successful token requests
	failStatus int    // when set, answer token requests with this status…
	failBody   string // …and this body
	failTimes  int    // for this many requests (0 = always)
	hang       bool   // token requests never answer (until the client gives up)
	base       string // https://host:port, set once the server runs
	scopeBase  string // the Exchange Online URL the scope must name; default base
}

func (a *fakeAuthority) register(c *x509.Certificate) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.registered = append(a.registered, c)
}

func (a *fakeAuthority) tokenCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tokens
}

func (a *fakeAuthority) serveDiscovery(w http.ResponseWriter, r *http.Request, tenant string) {
	base := a.base + "/" + tenant
	writeJSON(w, 200, map[string]any{
		"authorization_endpoint": base + "/oauth2/v2.0/authorize",
		"token_endpoint":         base + "/oauth2/v2.0/token",
		"issuer":                 base + "/v2.0",
	})
}

func (a *fakeAuthority) serveToken(w http.ResponseWriter, r *http.Request, tenant string) {
	a.mu.Lock()
	if a.hang {
		a.mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		neverAnswer(r, 10*time.Second)
	}
	if a.failStatus != 0 && a.failTimes >= 0 {
		status, body := a.failStatus, a.failBody
		if a.failTimes > 0 {
			a.failTimes--
			if a.failTimes == 0 {
				a.failStatus = 0
			}
		}
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return
	}
	a.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]any{"error": "invalid_request"})
		return
	}
	if err := a.checkAssertion(r.PostForm, a.base+"/"+tenant+"/oauth2/v2.0/token"); err != nil {
		writeJSON(w, 401, map[string]any{"error": "invalid_client",
			"error_description": "AADSTS700027: Client assertion failed signature validation. " + err.Error() + "\r\nTrace ID: x\r\nCorrelation ID: corr-1\r\nTimestamp: 2026-01-01",
			"error_codes":       []int{700027}, "correlation_id": "corr-1"})
		return
	}
	a.mu.Lock()
	a.tokens++
	a.mu.Unlock()
	writeJSON(w, 200, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": sentinelToken})
}

// checkAssertion verifies grant type, scope, client id and the JWT signature (x5t#S256
// with PS256 or x5t with RS256) against the registered certificates.
func (a *fakeAuthority) checkAssertion(form url.Values, audience string) error {
	if form.Get("grant_type") != "client_credentials" || form.Get("client_id") != testAppID {
		return errf("wrong grant_type or client_id")
	}
	if !strings.Contains(" "+form.Get("scope")+" ", " "+cmp.Or(a.scopeBase, a.base)+"/.default ") {
		return errf("wrong scope " + form.Get("scope"))
	}
	tok, err := jwt.Parse(form.Get("client_assertion"), func(tok *jwt.Token) (any, error) {
		a.mu.Lock()
		defer a.mu.Unlock()
		for _, c := range a.registered {
			s256 := sha256.Sum256(c.Raw)
			s1 := sha1.Sum(c.Raw)
			// Entra accepts thumbprints in standard and URL-safe base64; MSAL sends standard.
			match := func(h string, sum []byte) bool {
				v, _ := tok.Header[h].(string)
				return v != "" && (v == base64.StdEncoding.EncodeToString(sum) || v == base64.RawURLEncoding.EncodeToString(sum))
			}
			if (tok.Method.Alg() == "PS256" && match("x5t#S256", s256[:])) || (tok.Method.Alg() == "RS256" && match("x5t", s1[:])) {
				return c.PublicKey, nil
			}
		}
		return nil, errf("certificate not registered")
	}, jwt.WithValidMethods([]string{"PS256", "RS256"}), jwt.WithAudience(audience), jwt.WithIssuer(testAppID), jwt.WithExpirationRequired())
	if err != nil {
		return err
	}
	if sub, _ := tok.Claims.GetSubject(); sub != testAppID {
		return errf("wrong sub")
	}
	return nil
}

type errf string

func (e errf) Error() string { return string(e) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// exoCall is one InvokeCommand request as the fake service saw it.
type exoCall struct {
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	// ProtoMajor is 2 for HTTP/2.
	ProtoMajor int
}

// fakeEXO answers InvokeCommand with scripted responses, in order; the last repeats.
type fakeEXO struct {
	mu      sync.Mutex
	calls   []exoCall
	replies []func(w http.ResponseWriter, r *http.Request)
}

func (e *fakeEXO) serve(w http.ResponseWriter, r *http.Request) {
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(r.Body)
	e.mu.Lock()
	e.calls = append(e.calls, exoCall{Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body.Bytes(), ProtoMajor: r.ProtoMajor})
	n := len(e.calls)
	reply := e.replies[min(n, len(e.replies))-1]
	e.mu.Unlock()
	reply(w, r)
}

func (e *fakeEXO) callCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.calls)
}

func (e *fakeEXO) call(i int) exoCall {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[i]
}

// reply builders
func status(code int, body string, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func page(rows ...string) func(http.ResponseWriter, *http.Request) {
	return status(200, `{"value":[`+strings.Join(rows, ",")+`]}`)
}

// rowJSON is a service row whose AuditData string holds a record with id and time.
func rowJSON(id, created string) string {
	audit := `{"CreationTime":"` + created + `","Id":"` + id + `","Operation":"UserLoggedIn","RecordType":15,"Big":12345678901234567890}`
	b, _ := json.Marshal(map[string]any{"RecordType": "AzureActiveDirectoryStsLogon", "CreationDate": created, "UserIds": "a@contoso.com",
		"Operations": "UserLoggedIn", "AuditData": audit, "ResultIndex": 1, "ResultCount": 1, "Identity": id})
	return string(b)
}

// neverAnswer holds the request until the client leaves (at most limit), then drops the
// connection without a response. Returning instead would write an empty 200, which a
// client racing its own timeout can still read.
func neverAnswer(r *http.Request, limit time.Duration) {
	select {
	case <-r.Context().Done():
	case <-time.After(limit):
	}
	panic(http.ErrAbortHandler)
}

// testSessionID is the SessionId of the tests' large-set calls.
const testSessionID = "6f1c1c44-4bd5-4c35-9a53-2b3c7a8c7a11"

// newEnvLinked is newEnv for replies that need the test server's URL (a continuation link
// on it): base is set once the server is up, before any call.
func newEnvLinked(t *testing.T, replies func(base *string) []func(http.ResponseWriter, *http.Request)) *testEnv {
	t.Helper()
	var base string
	env := newEnv(t, replies(&base)...)
	base = env.srv.URL
	return env
}

// testEnv is a TLS server playing both Entra ID and Exchange Online, plus a client.
type testEnv struct {
	t      *testing.T
	srv    *httptest.Server
	auth   *fakeAuthority
	exo    *fakeEXO
	sleeps []time.Duration
	logs   *bytes.Buffer
	mu     sync.Mutex
	// discovery lists the hosts MSAL asked for instance discovery.
	discovery []string
}

func newEnv(t *testing.T, replies ...func(http.ResponseWriter, *http.Request)) *testEnv {
	t.Helper()
	return newEnvWith(t, serverOpts{}, replies...)
}

// serverOpts vary the test server: HTTP/2 offered (which the client declines), or a TLS
// configuration of its own (a certificate for Microsoft host names).
type serverOpts struct {
	h2  bool
	tls *tls.Config
}

func newEnvWith(t *testing.T, so serverOpts, replies ...func(http.ResponseWriter, *http.Request)) *testEnv {
	t.Helper()
	env := &testEnv{t: t, auth: &fakeAuthority{t: t}, exo: &fakeEXO{replies: replies}, logs: new(bytes.Buffer)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		env.auth.serveDiscovery(w, r, r.PathValue("tenant"))
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		env.auth.serveToken(w, r, r.PathValue("tenant"))
	})
	mux.HandleFunc("POST /adminapi/beta/{org}/InvokeCommand", env.exo.serve)
	mux.HandleFunc("GET /common/discovery/instance", func(w http.ResponseWriter, r *http.Request) {
		// MSAL's instance discovery, used for Microsoft authority hosts.
		env.mu.Lock()
		env.discovery = append(env.discovery, r.Host)
		env.mu.Unlock()
		host := strings.TrimPrefix(env.auth.base, "https://")
		writeJSON(w, 200, map[string]any{"api-version": "1.1",
			"tenant_discovery_endpoint": env.auth.base + "/" + testTenant + "/v2.0/.well-known/openid-configuration",
			"metadata":                  []map[string]any{{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}}})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	env.srv = httptest.NewUnstartedServer(mux)
	env.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected in some tests
	env.srv.EnableHTTP2 = so.h2
	env.srv.TLS = so.tls
	env.srv.StartTLS()
	t.Cleanup(env.srv.Close)
	env.auth.base = env.srv.URL
	return env
}

func (env *testEnv) config(pfx []byte) Config {
	return Config{URL: env.srv.URL, AuthURL: env.srv.URL, Organization: testTenant, AppID: testAppID,
		PFX: pfx, Password: sentinelPassword, Timeout: 10 * time.Second}
}

func (env *testEnv) options() *Options {
	pool := x509.NewCertPool()
	pool.AddCert(env.srv.Certificate())
	return &Options{ConnectOptions: msclient.ConnectOptions{
		RootCAs: pool,
		Logger:  slog.New(slog.NewTextHandler(&lockedWriter{mu: &env.mu, w: env.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep: func(ctx context.Context, d time.Duration) error {
			env.mu.Lock()
			env.sleeps = append(env.sleeps, d)
			env.mu.Unlock()
			return ctx.Err()
		},
	}}
}

// client builds a client with a registered certificate.
func (env *testEnv) client(opts *Options) *Client {
	env.t.Helper()
	key, cert := validCert(env.t)
	env.auth.register(cert)
	if opts == nil {
		opts = env.options()
	}
	c, err := New(env.config(modernPFX(env.t, key, cert)), opts)
	require.NoError(env.t, err)
	return c
}

func (env *testEnv) sleepLog() []time.Duration {
	env.mu.Lock()
	defer env.mu.Unlock()
	return append([]time.Duration(nil), env.sleeps...)
}

func (env *testEnv) logText() string {
	env.mu.Lock()
	defer env.mu.Unlock()
	return env.logs.String()
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

func testParams() SearchParams {
	return SearchParams{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), ResultSize: 100}
}
