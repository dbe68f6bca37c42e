package emulator

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// setup starts an emulator for one test and closes it afterwards.
func setup(t *testing.T, opts Options) *Emulator {
	t.Helper()
	e, err := Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// assertionSpec describes a client assertion to build; zero fields take the valid default.
type assertionSpec struct {
	alg        string // PS256 (x5t#S256) or RS256 (x5t)
	thumb      string // header thumbprint override
	urlSafe    bool
	key        *rsa.PrivateKey
	aud        string
	iss, sub   string
	exp, nbf   time.Time
	jti        *string
	noExpClaim bool
}

func (e *Emulator) buildAssertion(t *testing.T, a *app, s assertionSpec) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{
		"aud": firstNonEmpty(s.aud, e.tokenEndpoint(e.tenant.domain)),
		"iss": firstNonEmpty(s.iss, a.clientID),
		"sub": firstNonEmpty(s.sub, a.clientID),
		"exp": now.Add(10 * time.Minute).Unix(),
		"nbf": now.Unix(),
		"jti": uuid.NewString(),
	}
	if !s.exp.IsZero() {
		claims["exp"] = s.exp.Unix()
	}
	if s.noExpClaim {
		delete(claims, "exp")
	}
	if !s.nbf.IsZero() {
		claims["nbf"] = s.nbf.Unix()
	}
	if s.jti != nil {
		if *s.jti == "" {
			delete(claims, "jti")
		} else {
			claims["jti"] = *s.jti
		}
	}
	enc := base64.StdEncoding
	if s.urlSafe {
		enc = base64.RawURLEncoding
	}
	var tok *jwt.Token
	if s.alg == "RS256" {
		tok = jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["x5t"] = firstNonEmpty(s.thumb, enc.EncodeToString(a.sha1))
	} else {
		tok = jwt.NewWithClaims(jwt.SigningMethodPS256, claims)
		tok.Header["x5t#S256"] = firstNonEmpty(s.thumb, enc.EncodeToString(a.sha256))
	}
	key := a.key
	if s.key != nil {
		key = s.key
	}
	out, err := tok.SignedString(crypto.Signer(key))
	require.NoError(t, err)
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tokenRequest posts a token request and returns the status and decoded body.
func (e *Emulator) tokenRequest(t *testing.T, tenantSeg string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := e.HTTPClient().PostForm(e.AuthURL()+"/"+tenantSeg+"/oauth2/v2.0/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func (e *Emulator) tokenForm(clientID, assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {clientID},
		"scope":                 {e.URL() + "/.default"},
		"client_assertion_type": {jwtBearerType},
		"client_assertion":      {assertion},
	}
}

// accessToken gets a token for app i (0 = with the audit role, 1 = without).
func (e *Emulator) accessToken(t *testing.T, i int) string {
	t.Helper()
	a := e.apps[i]
	status, body := e.tokenRequest(t, e.tenant.domain, e.tokenForm(a.clientID, e.buildAssertion(t, a, assertionSpec{})))
	require.Equal(t, http.StatusOK, status, "%v", body)
	return body["access_token"].(string)
}

// invokeResult is a decoded InvokeCommand response.
type invokeResult struct {
	Status   int
	Header   http.Header
	Raw      []byte
	Rows     []row
	NextLink string
	Err      *exoErrorBody
}

type row struct {
	RecordType   any    `json:"RecordType"`
	CreationDate string `json:"CreationDate"`
	UserIds      string `json:"UserIds"`
	Operations   string `json:"Operations"`
	AuditData    string `json:"AuditData"`
	ResultIndex  any    `json:"ResultIndex"`
	ResultCount  any    `json:"ResultCount"`
	Identity     string `json:"Identity"`
	IsValid      bool   `json:"IsValid"`
	ObjectState  string `json:"ObjectState"`
}

func (r row) index() int { return asInt(r.ResultIndex) }
func (r row) count() int { return asInt(r.ResultCount) }

func asInt(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		var n int
		_ = json.Unmarshal([]byte(x), &n)
		return n
	}
	return -999
}

func (r row) audit(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.AuditData), &m))
	return m
}

// invoke calls InvokeCommand with Search-UnifiedAuditLog parameters at url (default the
// emulator's endpoint).
func (e *Emulator) invokeAt(t *testing.T, token, target string, params map[string]any) invokeResult {
	t.Helper()
	body, err := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": searchCmdlet, "Parameters": params}})
	require.NoError(t, err)
	if target == "" {
		target = e.URL() + "/adminapi/beta/" + e.tenant.domain + "/InvokeCommand"
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CmdletName", searchCmdlet)
	req.Header.Set("X-ResponseFormat", "json")
	req.Header.Set("X-AnchorMailbox", "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"+e.tenant.domain)
	resp, err := e.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	res := invokeResult{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if resp.StatusCode == http.StatusOK {
		var page struct {
			Value    []row  `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		require.NoError(t, json.Unmarshal(raw, &page), "%s", raw)
		res.Rows, res.NextLink = page.Value, page.NextLink
	} else if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		// A live 403 is NUL bytes under a JSON content type: Err stays nil then.
		var eb exoError
		if json.Unmarshal(raw, &eb) == nil {
			res.Err = &eb.Error
		}
	}
	return res
}

func (e *Emulator) invoke1(t *testing.T, token string, params map[string]any) invokeResult {
	t.Helper()
	return e.invokeAt(t, token, "", params)
}

// page follows nextLinks and returns every row of one logical page.
func (e *Emulator) fullPage(t *testing.T, token string, params map[string]any) []row {
	t.Helper()
	res := e.invoke1(t, token, params)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
	rows := res.Rows
	for res.NextLink != "" {
		res = e.invokeAt(t, token, res.NextLink, params)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
		rows = append(rows, res.Rows...)
	}
	return rows
}

func ids(rows []row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Identity
	}
	return out
}

func window(start, end time.Time) map[string]any {
	return map[string]any{"StartDate": start.UTC().Format(time.RFC3339), "EndDate": end.UTC().Format(time.RFC3339)}
}

func with(p map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
