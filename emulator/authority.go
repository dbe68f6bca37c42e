package emulator

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// AADSTS codes the token endpoint answers with (code → what the client should do):
//
//	90002   unknown tenant                 → check `organization`
//	700016  unknown application            → check `app_id` and the tenant
//	700027  unknown certificate/signature  → upload the certificate to the app registration
//	700024  assertion outside its lifetime → fix the host clock
//	50027   malformed assertion            → client bug
//	70011   invalid scope                  → the scope must be "<exchange url>/.default"
const (
	aadUnknownTenant  = 90002
	aadUnknownApp     = 700016
	aadBadCertificate = 700027
	aadExpired        = 700024
	aadMalformed      = 50027
	aadBadScope       = 70011
	aadNoCredential   = 7000216
	aadBadGrant       = 70003
)

const (
	assertionSkew    = 5 * time.Minute
	accessTokenLife  = time.Hour
	jwtBearerType    = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	exchangeResource = "https://outlook.office365.com"
	// exchangeAppID is Exchange Online's application id, also a valid resource name.
	exchangeAppID = "00000002-0000-0ff1-ce00-000000000000"
	graphResource = "https://graph.microsoft.com"
	// graphAppID is Microsoft Graph's application id, also a valid resource name.
	graphAppID = "00000003-0000-0000-c000-000000000000"
)

// resolveTenant maps a tenant path segment (domain or GUID, any case) to the tenant.
func (e *Emulator) resolveTenant(s string) bool {
	return strings.EqualFold(s, e.tenant.domain) || strings.EqualFold(s, e.tenant.id)
}

func (e *Emulator) handleOpenIDConfig(w http.ResponseWriter, r *http.Request) {
	t := r.PathValue("tenant")
	if !e.resolveTenant(t) && !isCommonTenant(t) {
		e.writeAADError(w, http.StatusBadRequest, "invalid_tenant", aadUnknownTenant,
			fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", t))
		return
	}
	base := e.AuthURL() + "/" + e.tenant.id
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              e.AuthURL() + "/" + e.tenant.id + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     e.AuthURL() + "/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "tid"},
		"kerberos_endpoint":                     base + "/kerberos",
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"rbac_url":                              "https://pas.windows.net",
	})
}

func isCommonTenant(t string) bool {
	switch strings.ToLower(t) {
	case "common", "organizations":
		return true
	}
	return false
}

func (e *Emulator) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{}})
}

// handleInstanceDiscovery serves /common/discovery/instance, which MSAL calls unless instance
// discovery is disabled.
func (e *Emulator) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	host := strings.TrimPrefix(e.AuthURL(), "https://")
	tenantSeg := e.tenant.domain
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		if parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(ae, "https://"), host+"/"), "/"); len(parts) > 0 && parts[0] != "" {
			tenantSeg = parts[0]
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": e.AuthURL() + "/" + tenantSeg + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []any{map[string]any{
			"preferred_network": host, "preferred_cache": host, "aliases": []string{host},
		}},
	})
}

// aadError is the body Entra ID answers token requests with when it refuses them.
type aadError struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri"`
}

func (e *Emulator) writeAADError(w http.ResponseWriter, status int, kind string, code int, msg string) {
	trace := uuid.NewString()
	corr := uuid.NewString()
	now := time.Now().UTC()
	writeJSON(w, status, aadError{
		Error:         kind,
		Description:   fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", code, msg, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		Codes:         []int{code},
		Timestamp:     now.Format("2006-01-02 15:04:05Z"),
		TraceID:       trace,
		CorrelationID: corr,
		ErrorURI:      e.AuthURL() + "/error?code=" + fmt.Sprint(code),
	})
}

// tokenRefusal is a reason the token endpoint refuses a request.
type tokenRefusal struct {
	status int
	kind   string
	code   int
	msg    string
}

func (t *tokenRefusal) Error() string { return fmt.Sprintf("AADSTS%d: %s", t.code, t.msg) }

func refuse(status int, kind string, code int, format string, args ...any) *tokenRefusal {
	return &tokenRefusal{status: status, kind: kind, code: code, msg: fmt.Sprintf(format, args...)}
}

func (e *Emulator) handleToken(w http.ResponseWriter, r *http.Request) {
	e.countToken()
	if f := e.faults.drawToken(); f != "" {
		e.countFault(f)
		writeJSON(w, http.StatusInternalServerError, aadError{Error: "temporarily_unavailable",
			Description: "AADSTS90033: A transient error has occurred. Please try again.", Codes: []int{90033},
			Timestamp: time.Now().UTC().Format("2006-01-02 15:04:05Z"), TraceID: uuid.NewString(), CorrelationID: uuid.NewString()})
		return
	}
	tok, err := e.issueToken(r)
	if err != nil {
		var tr *tokenRefusal
		if errors.As(err, &tr) {
			e.logf("token refused: %v", tr)
			e.writeAADError(w, tr.status, tr.kind, tr.code, tr.msg)
			return
		}
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if e.opts.TokenIssued != nil {
		e.opts.TokenIssued(tok)
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": int(accessTokenLife.Seconds()) - 1,
		"ext_expires_in": int(accessTokenLife.Seconds()) - 1, "access_token": tok,
	})
}

func (e *Emulator) issueToken(r *http.Request) (string, error) {
	tenantSeg := r.PathValue("tenant")
	if !e.resolveTenant(tenantSeg) {
		return "", refuse(400, "invalid_request", aadUnknownTenant, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenantSeg)
	}
	if err := r.ParseForm(); err != nil {
		return "", refuse(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	}
	f := r.PostForm
	if g := f.Get("grant_type"); g != "client_credentials" {
		return "", refuse(400, "unsupported_grant_type", aadBadGrant, "The provided value for the input parameter 'grant_type' is not valid. Expected 'client_credentials', got '%s'.", g)
	}
	a := e.appByID(f.Get("client_id"))
	if a == nil {
		return "", refuse(400, "unauthorized_client", aadUnknownApp, "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", f.Get("client_id"), e.tenant.domain)
	}
	if f.Get("client_assertion") == "" || f.Get("client_assertion_type") != jwtBearerType {
		return "", refuse(401, "invalid_client", aadNoCredential, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	if err := e.verifyAssertion(f.Get("client_assertion"), a, tenantSeg); err != nil {
		return "", err
	}
	resource, err := e.checkScope(f.Get("scope"))
	if err != nil {
		return "", err
	}
	return e.signAccessToken(a, resource)
}

// checkScope accepts "<resource>/.default" for Exchange Online (the emulator's own URL or the
// real resource) or Microsoft Graph (GraphURL or the real resource); OIDC scopes MSAL may add
// are ignored.
func (e *Emulator) checkScope(scope string) (string, error) {
	var resource string
	for _, s := range strings.Fields(scope) {
		switch s {
		case "openid", "profile", "offline_access":
			continue
		}
		res, ok := strings.CutSuffix(s, "/.default")
		res = strings.TrimSuffix(res, "/")
		if !ok || resource != "" || !(e.exchangeAudience(res) || e.graphAudience(res)) {
			return "", refuse(400, "invalid_scope", aadBadScope, "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid; expected %s/.default.", scope, e.URL())
		}
		resource = res
	}
	if resource == "" {
		return "", refuse(400, "invalid_scope", aadBadScope, "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %q is not valid; expected %s/.default.", scope, e.URL())
	}
	return resource, nil
}

// exchangeAudience reports whether aud names Exchange Online: the emulator's own URL, the
// real resource URL or Exchange's application id.
func (e *Emulator) exchangeAudience(aud string) bool {
	aud = strings.TrimSuffix(aud, "/")
	return strings.EqualFold(aud, e.URL()) || strings.EqualFold(aud, exchangeResource) || strings.EqualFold(aud, exchangeAppID)
}

// graphAudience reports whether aud names Microsoft Graph: GraphURL, the real resource URL or
// Graph's application id.
func (e *Emulator) graphAudience(aud string) bool {
	aud = strings.TrimSuffix(aud, "/")
	return strings.EqualFold(aud, e.GraphURL()) || strings.EqualFold(aud, graphResource) || strings.EqualFold(aud, graphAppID)
}

// verifyAssertion checks a client assertion the way Entra ID does: the certificate named by
// the thumbprint header must be registered on the app, the signature must verify with it,
// and the claims must name the app and this token endpoint within their lifetime.
func (e *Emulator) verifyAssertion(assertion string, a *app, tenantSeg string) error {
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"PS256", "RS256", "PS384", "PS512", "RS384", "RS512"}), jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
	claims := jwt.MapClaims{}
	var thumbErr error
	_, err := parser.ParseWithClaims(assertion, claims, func(t *jwt.Token) (any, error) {
		if !certMatches(t.Header, a) {
			thumbErr = refuse(401, "invalid_client", aadBadCertificate, "Client assertion failed signature validation. The key was not found. Key thumbprint: %s. Register the certificate on the application '%s'.", headerThumb(t.Header), a.clientID)
			return nil, thumbErr
		}
		return &a.key.PublicKey, nil
	})
	if thumbErr != nil {
		return thumbErr
	}
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return refuse(401, "invalid_client", aadBadCertificate, "Client assertion failed signature validation. The signature does not verify with the registered certificate of application '%s'.", a.clientID)
	case err != nil:
		return refuse(400, "invalid_request", aadMalformed, "JWT token is invalid or malformed: %s.", jwtReason(err))
	}
	return e.checkAssertionClaims(claims, a, tenantSeg)
}

func jwtReason(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

func (e *Emulator) checkAssertionClaims(c jwt.MapClaims, a *app, tenantSeg string) error {
	str := func(k string) string { s, _ := c[k].(string); return s }
	if aud, err := c.GetAudience(); err != nil || !e.validAudience(aud) {
		return refuse(400, "invalid_client", aadMalformed, "JWT token is invalid or malformed: the audience %v is not the token endpoint %s.", c["aud"], e.tokenEndpoint(tenantSeg))
	}
	if str("iss") != a.clientID || str("sub") != a.clientID {
		return refuse(400, "invalid_client", aadMalformed, "JWT token is invalid or malformed: the 'iss' and 'sub' claims must be the client id '%s'.", a.clientID)
	}
	now := time.Now()
	exp, err := c.GetExpirationTime()
	if err != nil || exp == nil {
		return refuse(400, "invalid_client", aadMalformed, "JWT token is invalid or malformed: the 'exp' claim is missing.")
	}
	if now.After(exp.Add(assertionSkew)) {
		return refuse(400, "invalid_client", aadExpired, "Client assertion is not within its valid time range. Current time: %s, assertion valid until: %s.", now.UTC().Format(time.RFC3339), exp.UTC().Format(time.RFC3339))
	}
	if nbf, err := c.GetNotBefore(); err == nil && nbf != nil && now.Add(assertionSkew).Before(nbf.Time) {
		return refuse(400, "invalid_client", aadExpired, "Client assertion is not within its valid time range. Current time: %s, assertion valid from: %s.", now.UTC().Format(time.RFC3339), nbf.UTC().Format(time.RFC3339))
	}
	jti := str("jti")
	if jti == "" {
		return refuse(400, "invalid_client", aadMalformed, "JWT token is invalid or malformed: the 'jti' claim is missing.")
	}
	// Entra accepts an assertion reused within its lifetime (L11, evidence E16); the ideal
	// profile keeps the stricter one-use reading.
	if !e.live() && !e.rememberJTI(jti, exp.Add(assertionSkew)) {
		return refuse(400, "invalid_client", aadMalformed, "JWT token is invalid or malformed: the assertion (jti %s) was already used.", jti)
	}
	return nil
}

func (e *Emulator) tokenEndpoint(tenantSeg string) string {
	return e.AuthURL() + "/" + tenantSeg + "/oauth2/v2.0/token"
}

// validAudience accepts the token endpoint named with the tenant's domain or GUID (v1 or v2).
func (e *Emulator) validAudience(aud []string) bool {
	for _, a := range aud {
		for _, t := range []string{e.tenant.domain, e.tenant.id} {
			if strings.EqualFold(a, e.tokenEndpoint(t)) || strings.EqualFold(a, e.AuthURL()+"/"+t+"/oauth2/token") {
				return true
			}
		}
	}
	return false
}

func (e *Emulator) rememberJTI(jti string, until time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if len(e.jtis) > 10000 {
		for k, t := range e.jtis {
			if t.Before(now) {
				delete(e.jtis, k)
			}
		}
	}
	if _, seen := e.jtis[jti]; seen {
		return false
	}
	e.jtis[jti] = until
	return true
}

// certMatches reports whether the assertion header names a's certificate by SHA-256
// (x5t#S256) or SHA-1 (x5t) thumbprint, in standard or URL-safe base64, padded or not.
func certMatches(h map[string]any, a *app) bool {
	if s, ok := h["x5t#S256"].(string); ok && s != "" {
		return bytes.Equal(decodeThumb(s), a.sha256)
	}
	if s, ok := h["x5t"].(string); ok && s != "" {
		return bytes.Equal(decodeThumb(s), a.sha1)
	}
	return false
}

func headerThumb(h map[string]any) string {
	if s, ok := h["x5t#S256"].(string); ok {
		return s
	}
	s, _ := h["x5t"].(string)
	return s
}

func decodeThumb(s string) []byte {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	return nil
}

// accessClaims are the claims of the access tokens the emulator issues.
type accessClaims struct {
	TenantID string   `json:"tid"`
	AppID    string   `json:"appid"`
	Roles    []string `json:"roles,omitempty"`
	jwt.RegisteredClaims
}

func (e *Emulator) signAccessToken(a *app, resource string) (string, error) {
	now := time.Now()
	c := accessClaims{TenantID: e.tenant.id, AppID: a.clientID, Roles: resourceRoles(a.roles, e.graphAudience(resource)),
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "https://sts.windows.net/" + e.tenant.id + "/", Audience: jwt.ClaimStrings{resource},
			Subject: a.clientID, IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(accessTokenLife)), ID: uuid.NewString(),
		}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(e.signingKey())
}

// resourceRoles are the permissions of roles that a token for Graph (or else Exchange)
// carries: Entra puts in a token only the permissions of the API it is for.
func resourceRoles(roles []string, graph bool) []string {
	var out []string
	for _, r := range roles {
		if strings.HasPrefix(r, "Exchange.") != graph {
			out = append(out, r)
		}
	}
	return out
}

// parseAccessToken returns the claims of a bearer token the emulator issued to this tenant,
// or why it is refused.
func (e *Emulator) parseAccessToken(header string) (*accessClaims, string) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return nil, "missing bearer token"
	}
	var c accessClaims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(raw), &c, func(*jwt.Token) (any, error) { return e.signingKey(), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithLeeway(time.Minute))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, "the access token has expired"
		}
		return nil, "the access token is invalid"
	}
	if !hmac.Equal([]byte(c.TenantID), []byte(e.tenant.id)) {
		return nil, "the access token was issued for another tenant"
	}
	return &c, ""
}

// checkAccessToken returns the app an Exchange bearer token was issued to, or why it is refused.
func (e *Emulator) checkAccessToken(header string) (*app, string) {
	c, why := e.parseAccessToken(header)
	if c == nil {
		return nil, why
	}
	if !slices.ContainsFunc(c.Audience, e.exchangeAudience) {
		return nil, "the access token was issued for another resource"
	}
	a := e.appByID(c.AppID)
	if a == nil {
		return nil, "the access token names an unknown application"
	}
	if !hasRole(c.Roles, PermissionManageAsApp) {
		return nil, "the access token does not grant " + PermissionManageAsApp
	}
	return a, ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
