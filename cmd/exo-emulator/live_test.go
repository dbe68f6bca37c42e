package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"
)

// server is an exo-emulator started in-process by run, as the binary starts it.
type server struct {
	url    string
	dir    string
	client *http.Client
}

func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"-state-dir", dir}, args...), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, 0, <-done)
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	require.True(t, ok, line)
	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}, Timeout: time.Minute}
	return &server{url: url, dir: dir, client: client}
}

func (s *server) params(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, file))
	require.NoError(t, err)
	var p map[string]any
	require.NoError(t, json.Unmarshal(b, &p))
	return p
}

// token gets an Exchange access token for the app of a params file the way a client does.
func (s *server) token(t *testing.T, file string) string {
	t.Helper()
	return s.tokenFor(t, file, s.params(t, file)["url"].(string)+"/.default")
}

// tokenFor gets an access token for scope.
func (s *server) tokenFor(t *testing.T, file, scope string) string {
	t.Helper()
	p := s.params(t, file)
	cert := p["certificate"].(map[string]any)
	pfx, err := base64.StdEncoding.DecodeString(cert["identifier"].(string))
	require.NoError(t, err)
	key, leaf, _, err := pkcs12.DecodeChain(pfx, cert["password"].(string))
	require.NoError(t, err)
	cred, err := azidentity.NewClientCertificateCredential(p["organization"].(string), p["app_id"].(string), []*x509.Certificate{leaf}, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: p["auth_url"].(string)}, Transport: s.client},
			DisableInstanceDiscovery: true,
		})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	require.NoError(t, err)
	return tok.Token
}

// search posts Search-UnifiedAuditLog parameters to target (default the InvokeCommand URL).
func (s *server) search(t *testing.T, token, org, target string, params map[string]any) (int, []byte) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": "Search-UnifiedAuditLog", "Parameters": params}})
	require.NoError(t, err)
	if target == "" {
		target = s.url + "/adminapi/beta/" + org + "/InvokeCommand"
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}

func TestRunLiveProfile(t *testing.T) {
	s := startServer(t, "-profile", "live", "-records", "800", "-days", "1", "-seed", "3", "-nonsession-cap", "40",
		"-page-size", "25", "-continuations", "refused", "-slow", "10ms", "-fault", "slow=0.2", "-fault", "canceled=0")
	org := s.params(t, "params.json")["organization"].(string)
	tok := s.token(t, "params.json")
	end := time.Now().UTC().Add(time.Minute)
	window := map[string]any{"StartDate": end.Add(-25 * time.Hour).Format(time.RFC3339), "EndDate": end.Format(time.RFC3339)}
	with := func(kv ...any) map[string]any {
		p := map[string]any{}
		for k, v := range window {
			p[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i].(string)] = kv[i+1]
		}
		return p
	}
	type body struct {
		Value    []map[string]any `json:"value"`
		Warnings []string         `json:"@adminapi.warnings"`
		NextLink string           `json:"@odata.nextLink"`
	}
	decode := func(raw []byte) (body, map[string]json.RawMessage) {
		var b body
		var keys map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &b), "%s", raw)
		require.NoError(t, json.Unmarshal(raw, &keys))
		return b, keys
	}

	t.Run("non-session calls are capped", func(t *testing.T) {
		status, raw := s.search(t, tok, org, "", with("ResultSize", 500))
		require.Equal(t, http.StatusOK, status, "%s", raw)
		b, keys := decode(raw)
		assert.Len(t, b.Value, 25, "a page of -page-size rows")
		assert.Equal(t, []string{"There are more results available than are currently displayed."}, b.Warnings)
		assert.Contains(t, keys, "adminapi.warnings@odata.type")
		assert.Equal(t, float64(500), b.Value[0]["ResultCount"])
		assert.Equal(t, "#DateTime", b.Value[0]["CreationDate@odata.type"])
		assert.Regexp(t, `\.\d{7}Z$`, b.Value[0]["CreationDate"])

		status, raw = s.search(t, tok, org, b.NextLink, with("ResultSize", 500))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, string(raw), "Expired or Invalid pagination request. Default Expiry time is 00:30:00")
	})
	t.Run("an empty result has no value", func(t *testing.T) {
		status, raw := s.search(t, tok, org, "", map[string]any{"StartDate": "2001-01-01T00:00:00Z", "EndDate": "2001-01-02T00:00:00Z"})
		require.Equal(t, http.StatusOK, status, "%s", raw)
		_, keys := decode(raw)
		assert.NotContains(t, keys, "value")
	})
	t.Run("string lists are refused", func(t *testing.T) {
		status, raw := s.search(t, tok, org, "", with("UserIds", "a@b.c"))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, string(raw), "Cannot process argument transformation on parameter 'UserIds'.")
	})
	t.Run("the role-less app gets NUL bytes", func(t *testing.T) {
		status, raw := s.search(t, s.token(t, "params-noroles.json"), org, "", window)
		assert.Equal(t, http.StatusForbidden, status)
		assert.Equal(t, make([]byte, 32), raw)
	})
	t.Run("the app without Graph permission searches", func(t *testing.T) {
		assert.NotEqual(t, s.params(t, "params.json")["app_id"], s.params(t, "params-nograph.json")["app_id"])
		status, raw := s.search(t, s.token(t, "params-nograph.json"), org, "", with("ResultSize", 5))
		assert.Equal(t, http.StatusOK, status, "%s", raw)
	})
	t.Run("stats count the live behaviours", func(t *testing.T) {
		resp, err := s.client.Get(s.url + "/_emulator/stats")
		require.NoError(t, err)
		defer resp.Body.Close()
		var st struct {
			RefusedContinuations, NonSessionCapped int
			Faults                                 map[string]int
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
		assert.Equal(t, 1, st.RefusedContinuations)
		assert.Equal(t, 1, st.NonSessionCapped)
	})
}
