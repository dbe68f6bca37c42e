package msclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Application permissions the plugin's apps need, as access tokens name them in their
// roles claim (DESIGN §4b L11, §4c).
const (
	// PermissionManageAsApp is Exchange Online's app-only permission.
	PermissionManageAsApp = "Exchange.ManageAsApp"
	// PermissionAuditLogsQuery is Microsoft Graph's audit log query permission.
	PermissionAuditLogsQuery = "AuditLogsQuery.Read.All"
	// PermissionAuditLogLegacy is Graph's older audit permission: since April 2026 audit
	// queries of an app holding only it return no records, silently.
	PermissionAuditLogLegacy = "AuditLog.Read.All"
)

// ErrNoClaims means an access token is not a JWT whose payload can be read, so its
// permissions are unknown (the token itself is never part of the error).
var ErrNoClaims = errors.New("the access token's claims cannot be read")

// TokenRoles reads the roles claim of a JWT access token without verifying it: the
// resource verifies tokens; the client only wants to know what the token says the app
// may do, to explain a refusal before it happens. A token without the claim has no
// roles (nil, nil).
func TokenRoles(token string) ([]string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, ErrNoClaims
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, ErrNoClaims
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return nil, ErrNoClaims
	}
	return claims.Roles, nil
}

// Roles gets an access token for the credential's scope and returns the application
// permissions it carries (its roles claim).
func (c *Credential) Roles(ctx context.Context) ([]string, error) {
	tok, _, err := c.Token(ctx)
	if err != nil {
		return nil, err
	}
	return TokenRoles(tok)
}

// RequirePermission checks that the credential's token carries permission; otherwise it
// returns a *MissingPermissionError for service, noting legacy when the token holds that
// instead (a permission that looks sufficient but is not). legacy may be empty.
func (c *Credential) RequirePermission(ctx context.Context, service Source, permission, legacy string) error {
	roles, err := c.Roles(ctx)
	if err != nil {
		return err
	}
	return CheckPermission(roles, service, permission, legacy)
}

// CheckPermission is RequirePermission over roles already read.
func CheckPermission(roles []string, service Source, permission, legacy string) error {
	if slices.Contains(roles, permission) {
		return nil
	}
	e := &MissingPermissionError{Service: service, Permission: permission, Have: append([]string{}, roles...)}
	if legacy != "" && slices.Contains(roles, legacy) {
		e.Legacy = legacy
	}
	return e
}

// MissingPermissionError means the app lacks the application permission a service needs:
// its token does not carry it, or the service refused the app (403). It is fixed by
// granting the permission (with admin consent) to the app in Entra ID.
type MissingPermissionError struct {
	// Service is the service that needs the permission, e.g. SourceGraph.
	Service Source
	// Permission is the application permission needed, e.g. AuditLogsQuery.Read.All.
	Permission string
	// Have are the permissions the app's token carries (nil when unknown).
	Have []string
	// Legacy is set when the token holds this older permission instead, with which the
	// service answers without error but returns nothing (Graph's AuditLog.Read.All).
	Legacy string
	// Err is the service's refusal, when it answered one (a 403 *APIError).
	Err error
}

// Error implements error.
func (e *MissingPermissionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the app lacks the %s application permission %s", e.Service, e.Permission)
	if e.Legacy != "" {
		fmt.Fprintf(&b, "; it holds the legacy %s, with which %s returns no records without any error, so %s must be granted",
			e.Legacy, e.Service, e.Permission)
	}
	if e.Have != nil {
		have := "none"
		if len(e.Have) > 0 {
			have = strings.Join(e.Have, ", ")
		}
		fmt.Fprintf(&b, " (the token's permissions: %s)", have)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the service's refusal, if any.
func (e *MissingPermissionError) Unwrap() error { return e.Err }
