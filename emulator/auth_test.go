package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"
)

// realCredential builds the credential a client builds from plugin params.
func realCredential(t *testing.T, e *Emulator, params map[string]any, tenantID string, sendChain bool) azcore.TokenCredential {
	t.Helper()
	cert := params["certificate"].(map[string]any)
	pfx, err := base64.StdEncoding.DecodeString(cert["identifier"].(string))
	require.NoError(t, err)
	key, leaf, _, err := pkcs12.DecodeChain(pfx, cert["password"].(string))
	require.NoError(t, err)
	cred, err := azidentity.NewClientCertificateCredential(tenantID, params["app_id"].(string), []*x509.Certificate{leaf}, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: params["auth_url"].(string)},
				Transport: e.HTTPClient(),
			},
			DisableInstanceDiscovery: true,
			SendCertificateChain:     sendChain,
		})
	require.NoError(t, err)
	return cred
}

func TestAzidentityClientGetsTokenAndSearches(t *testing.T) {
	// Ideal: the 403 is JSON with the role in its message (live answers NUL bytes, L5).
	e := setup(t, Options{Records: 200, Seed: 3, Profile: ProfileIdeal})
	cases := []struct {
		name      string
		params    map[string]any
		tenant    string
		sendChain bool
		status    int
	}{
		{"domain tenant", e.Params(), e.Organization(), false, http.StatusOK},
		{"GUID tenant with x5c", e.Params(), e.TenantID(), true, http.StatusOK},
		{"role-less app", e.ParamsNoRoles(), e.Organization(), false, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cred := realCredential(t, e, tc.params, tc.tenant, tc.sendChain)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{tc.params["url"].(string) + "/.default"}})
			require.NoError(t, err)
			first, last := e.TimeRange()
			res := e.invoke1(t, tok.Token, window(first, last.Add(time.Second)))
			require.Equal(t, tc.status, res.Status, "%s", res.Raw)
			if tc.status == http.StatusForbidden {
				require.True(t, strings.Contains(res.Err.Message, "is not allowed to call Search-UnifiedAuditLog"), res.Err.Message)
			} else {
				require.Equal(t, 100, len(res.Rows))
			}
		})
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	e := setup(t, Options{Records: 1})
	for _, tenantSeg := range []string{e.Organization(), e.TenantID(), strings.ToUpper(e.Organization())} {
		resp, err := e.HTTPClient().Get(e.AuthURL() + "/" + tenantSeg + "/v2.0/.well-known/openid-configuration")
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		for _, k := range []string{"issuer", "token_endpoint", "authorization_endpoint", "jwks_uri"} {
			require.True(t, strings.HasPrefix(doc[k].(string), e.AuthURL()+"/"), "%s = %v", k, doc[k])
		}
	}
	resp, err := e.HTTPClient().Get(e.AuthURL() + "/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, err = e.HTTPClient().Get(e.AuthURL() + "/common/discovery/instance?api-version=1.1&authorization_endpoint=" + url.QueryEscape(e.AuthURL()+"/"+e.Organization()+"/oauth2/v2.0/authorize"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestClientAssertion(t *testing.T) {
	// Ideal: a replayed jti is refused (live accepts it, L11).
	e := setup(t, Options{Records: 1, Profile: ProfileIdeal})
	a := e.apps[0]
	foreignKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	foreign, err := newApp("foreign", a.clientID, true)
	require.NoError(t, err)
	empty := ""
	replayed := "fixed-jti-" + a.clientID
	cases := []struct {
		name     string
		tenant   string
		clientID string
		spec     assertionSpec
		scope    string
		status   int
		code     int
	}{
		{name: "PS256 x5t#S256 std base64", spec: assertionSpec{alg: "PS256"}, status: 200},
		{name: "PS256 x5t#S256 URL-safe base64", spec: assertionSpec{alg: "PS256", urlSafe: true}, status: 200},
		{name: "RS256 x5t std base64", spec: assertionSpec{alg: "RS256"}, status: 200},
		{name: "RS256 x5t URL-safe base64", spec: assertionSpec{alg: "RS256", urlSafe: true}, status: 200},
		{name: "tenant GUID audience", tenant: e.TenantID(), spec: assertionSpec{aud: e.tokenEndpoint(e.TenantID())}, status: 200},
		{name: "real Exchange resource scope", scope: exchangeResource + "/.default", status: 200},
		{name: "foreign key, registered thumbprint", spec: assertionSpec{key: foreignKey}, status: 401, code: aadBadCertificate},
		{name: "foreign certificate", spec: assertionSpec{key: foreign.key, thumb: base64.StdEncoding.EncodeToString(foreign.sha256)}, status: 401, code: aadBadCertificate},
		{name: "wrong audience", spec: assertionSpec{aud: "https://login.microsoftonline.com/" + e.Organization() + "/oauth2/v2.0/token"}, status: 400, code: aadMalformed},
		{name: "expired", spec: assertionSpec{exp: time.Now().Add(-10 * time.Minute), nbf: time.Now().Add(-20 * time.Minute)}, status: 400, code: aadExpired},
		{name: "expired within skew is accepted", spec: assertionSpec{exp: time.Now().Add(-2 * time.Minute), nbf: time.Now().Add(-20 * time.Minute)}, status: 200},
		{name: "not yet valid", spec: assertionSpec{nbf: time.Now().Add(20 * time.Minute), exp: time.Now().Add(30 * time.Minute)}, status: 400, code: aadExpired},
		{name: "no exp", spec: assertionSpec{noExpClaim: true}, status: 400, code: aadMalformed},
		{name: "no jti", spec: assertionSpec{jti: &empty}, status: 400, code: aadMalformed},
		{name: "jti first use", spec: assertionSpec{jti: &replayed}, status: 200},
		{name: "jti replayed", spec: assertionSpec{jti: &replayed}, status: 400, code: aadMalformed},
		{name: "iss is not the client", spec: assertionSpec{iss: "someone-else"}, status: 400, code: aadMalformed},
		{name: "unknown app", clientID: "11111111-2222-3333-4444-555555555555", status: 400, code: aadUnknownApp},
		{name: "unknown tenant", tenant: "fabrikam.onmicrosoft.com", status: 400, code: aadUnknownTenant},
		{name: "bad scope", scope: "https://vault.azure.net/.default", status: 400, code: aadBadScope},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := e.tokenForm(firstNonEmpty(tc.clientID, a.clientID), e.buildAssertion(t, a, tc.spec))
			if tc.scope != "" {
				form.Set("scope", tc.scope)
			}
			status, body := e.tokenRequest(t, firstNonEmpty(tc.tenant, e.Organization()), form)
			require.Equal(t, tc.status, status, "%v", body)
			if tc.status == 200 {
				require.True(t, body["access_token"] != "", "no token")
				require.Equal(t, "Bearer", body["token_type"])
				return
			}
			codes, _ := body["error_codes"].([]any)
			require.True(t, len(codes) == 1 && int(codes[0].(float64)) == tc.code, "codes %v, want %d: %v", codes, tc.code, body["error_description"])
			require.True(t, strings.HasPrefix(body["error_description"].(string), "AADSTS"), body["error_description"])
			for _, k := range []string{"error", "timestamp", "trace_id", "correlation_id"} {
				require.True(t, body[k] != nil && body[k] != "", "missing %s", k)
			}
		})
	}
	t.Run("malformed assertion", func(t *testing.T) {
		status, body := e.tokenRequest(t, e.Organization(), e.tokenForm(a.clientID, "not.a.jwt"))
		require.Equal(t, 400, status)
		require.Equal(t, float64(aadMalformed), body["error_codes"].([]any)[0])
	})
}

func TestInvokeCommandRefusesBadTokens(t *testing.T) {
	e := setup(t, Options{Records: 10})
	other := setup(t, Options{Records: 10})
	now := time.Now()
	for name, tok := range map[string]string{
		"no token":           "",
		"garbage":            "abc.def.ghi",
		"another emulator's": other.accessToken(t, 0),
	} {
		t.Run(name, func(t *testing.T) {
			res := e.invoke1(t, tok, window(now.Add(-time.Hour), now))
			require.Equal(t, http.StatusUnauthorized, res.Status)
			require.True(t, strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer "), res.Header)
			require.True(t, res.Err != nil && res.Err.Code != "", "%s", res.Raw)
		})
	}
}

func TestTokenErrorFault(t *testing.T) {
	e := setup(t, Options{Records: 1, Faults: map[string]float64{FaultTokenError: 1}})
	a := e.apps[0]
	status, body := e.tokenRequest(t, e.Organization(), e.tokenForm(a.clientID, e.buildAssertion(t, a, assertionSpec{})))
	require.Equal(t, http.StatusInternalServerError, status, "%v", body)
	require.Equal(t, 1, e.Stats().Faults[FaultTokenError])
}
