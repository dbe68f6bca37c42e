package exoclient

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
	"math/big"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveEndpoints(t *testing.T) {
	base := Config{Organization: testTenant, AppID: testAppID}
	cases := []struct {
		url, authURL     string
		authority, scope string
		disableDiscovery bool
		errField         string
	}{
		{url: "https://outlook.office365.com", authority: "https://login.microsoftonline.com", scope: "https://outlook.office365.com/.default"},
		{url: "https://outlook.office365.com/", authority: "https://login.microsoftonline.com", scope: "https://outlook.office365.com/.default"},
		{url: "https://outlook.office365.us", authority: "https://login.microsoftonline.us", scope: "https://outlook.office365.us/.default"},
		{url: "https://webmail.apps.mil", authority: "https://login.microsoftonline.us", scope: "https://webmail.apps.mil/.default"},
		{url: "https://partner.outlook.cn", authority: "https://login.chinacloudapi.cn", scope: "https://partner.outlook.cn/.default"},
		{url: "https://OUTLOOK.OFFICE365.US", authority: "https://login.microsoftonline.us", scope: "https://OUTLOOK.OFFICE365.US/.default"},
		{url: "https://outlook.office365.com", authURL: "https://login.microsoftonline.us/", authority: "https://login.microsoftonline.us", scope: "https://outlook.office365.com/.default"},
		{url: "https://127.0.0.1:8443", authURL: "https://127.0.0.1:9443", authority: "https://127.0.0.1:9443", scope: "https://127.0.0.1:8443/.default", disableDiscovery: true},
		{url: "http://outlook.office365.com", errField: auditsearch.FieldURL},
		{url: "not a url", errField: auditsearch.FieldURL},
		{url: "https://outlook.office365.com", authURL: "http://login.example", errField: auditsearch.FieldAuthURL},
	}
	for _, tc := range cases {
		t.Run(tc.url+" "+tc.authURL, func(t *testing.T) {
			cfg := base
			cfg.URL, cfg.AuthURL = tc.url, tc.authURL
			ep, err := resolveEndpoints(cfg)
			if tc.errField != "" {
				var ce *ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tc.errField, ce.Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.authority, ep.signIn.Authority)
			assert.Equal(t, tc.scope, ep.scope)
			assert.Equal(t, tc.disableDiscovery, ep.signIn.DisableDiscovery)
		})
	}
	_, err := resolveEndpoints(Config{URL: "https://outlook.office365.com", Organization: "a/b", AppID: "x"})
	require.ErrorContains(t, err, auditsearch.FieldOrganization)
	_, err = resolveEndpoints(Config{URL: "https://outlook.office365.com", Organization: testTenant})
	require.ErrorContains(t, err, auditsearch.FieldAppID)
}

func TestTransportSettings(t *testing.T) {
	c, err := New(Config{URL: "https://outlook.office365.com", Organization: testTenant, AppID: testAppID}, &Options{ConnectOptions: msclient.ConnectOptions{Credential: staticCred{}}})
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, c.http.Timeout)
}

func TestUntrustedServerCertificate(t *testing.T) {
	env := newEnv(t, page())
	opts := env.options()
	opts.RootCAs = nil // the system roots do not know httptest's CA
	c := env.client(opts)
	err := c.Ping(context.Background())
	require.Error(t, err)
	msg := Explain(err)
	assert.Contains(t, msg, "Entra ID")
	assert.Contains(t, msg, "SSL_CERT_FILE")
	assert.Contains(t, msg, "insecure")
	assert.Empty(t, env.sleepLog(), "TLS failures are not retried")
}

func TestInsecureTrustsAnyCertificate(t *testing.T) {
	env := newEnv(t, page())
	key, cert := validCert(t)
	env.auth.register(cert)
	cfg := env.config(modernPFX(t, key, cert))
	cfg.Insecure = true
	opts := env.options()
	opts.RootCAs = nil
	c, err := New(cfg, opts)
	require.NoError(t, err)
	require.NoError(t, c.Ping(context.Background()))
}

func TestRequestTimeout(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		neverAnswer(r, 5*time.Second)
	})
	key, cert := validCert(t)
	env.auth.register(cert)
	cfg := env.config(modernPFX(t, key, cert))
	cfg.Timeout = 300 * time.Millisecond
	opts := env.options()
	opts.Retry = RetryPolicy{MaxAttempts: 2}
	c, err := New(cfg, opts)
	require.NoError(t, err)
	_, err = c.SearchPage(context.Background(), testParams())
	var re *RetryError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 2, env.exo.callCount(), "a timeout is retried")
	assert.Contains(t, Explain(err), "did not answer within the timeout")
}

func TestTokenRequestTimeout(t *testing.T) {
	env := newEnv(t, page())
	env.auth.hang = true
	key, cert := validCert(t)
	cfg := env.config(modernPFX(t, key, cert))
	cfg.Timeout = 300 * time.Millisecond
	opts := env.options()
	opts.Retry = RetryPolicy{MaxAttempts: 2}
	c, err := New(cfg, opts)
	require.NoError(t, err)
	err = c.Ping(context.Background())
	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	assert.Len(t, env.sleepLog(), 1, "the token request was retried once")
	assert.Contains(t, Explain(err), "Entra ID (the sign-in authority) did not answer within the timeout of 300ms")
	assert.Equal(t, 0, env.exo.callCount())
}

func TestDNSFailureReachesExplain(t *testing.T) {
	env := newEnv(t, page())
	opts := env.options()
	opts.Transport = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}}
	c := env.client(opts)
	err := c.Ping(context.Background())
	var tokErr *TokenError
	require.ErrorAs(t, err, &tokErr)
	var dnsErr *net.DNSError
	require.True(t, errors.As(err, &dnsErr), "the DNS error survives azidentity")
	assert.Contains(t, Explain(err), "Could not resolve the host 127.0.0.1 of Entra ID")
}

// staticCred is a TokenCredential seam for tests that need no authority.
type staticCred struct{}

func (staticCred) GetToken(context.Context, policyTokenOptions) (accessToken, error) {
	return accessToken{Token: sentinelToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

type (
	policyTokenOptions = policy.TokenRequestOptions
	accessToken        = azcore.AccessToken
)

// TestGovernmentCloudEndToEnd checks the cloud picked from url: with url
// https://outlook.office365.us the token comes from login.microsoftonline.us (a known
// Microsoft host, so MSAL's instance discovery stays on) with scope
// https://outlook.office365.us/.default. Every host name is dialled to the test server,
// whose certificate names both hosts.
func TestGovernmentCloudEndToEnd(t *testing.T) {
	caKey := testKeys()[1]
	ca := makeCert(t, caKey, "test root", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil, nil)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "gov"},
		DNSNames: []string{"login.microsoftonline.us", "outlook.office365.us"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &testKeys()[2].PublicKey, caKey)
	require.NoError(t, err)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: testKeys()[2]}}}

	env := newEnvWith(t, serverOpts{tls: serverTLS}, page(rowJSON("gov-1", "2026-01-01T00:00:00Z")))
	env.auth.base, env.auth.scopeBase = "https://login.microsoftonline.us", "https://outlook.office365.us"
	key, cert := validCert(t)
	env.auth.register(cert)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	var dialled []string
	var mu sync.Mutex
	opts := env.options()
	opts.Transport = &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialled = append(dialled, addr)
			mu.Unlock()
			return (&net.Dialer{}).DialContext(ctx, network, env.srv.Listener.Addr().String())
		},
	}
	cfg := Config{URL: "https://outlook.office365.us", Organization: testTenant, AppID: testAppID, PFX: modernPFX(t, key, cert), Password: sentinelPassword}
	c, err := New(cfg, opts)
	require.NoError(t, err)
	rows, err := c.SearchPage(context.Background(), testParams())
	require.NoError(t, err, Explain(err))
	require.Len(t, rows, 1)
	assert.Equal(t, 1, env.auth.tokenCount())
	mu.Lock()
	defer mu.Unlock()
	for _, a := range dialled {
		assert.True(t, a == "login.microsoftonline.us:443" || a == "outlook.office365.us:443", "dialled", a)
	}
	env.mu.Lock()
	t.Logf("instance discovery asked of %v; dialled %v", env.discovery, dialled)
	env.mu.Unlock()
}
