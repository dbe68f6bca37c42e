package msclient

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func jwtWith(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(payload)) + ".c2ln"
}

func TestTokenRoles(t *testing.T) {
	roles, err := TokenRoles(jwtWith(`{"aud":"x","roles":["Exchange.ManageAsApp","AuditLogsQuery.Read.All"]}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"Exchange.ManageAsApp", "AuditLogsQuery.Read.All"}, roles)

	roles, err = TokenRoles(jwtWith(`{"aud":"x"}`))
	require.NoError(t, err)
	assert.Empty(t, roles)

	for name, tok := range map[string]string{"opaque": "TOKEN-SENTINEL-90f3", "bad base64": "a.!!!.c", "not json": jwtWith("nope")} {
		_, err := TokenRoles(tok)
		assert.ErrorIs(t, err, ErrNoClaims, name)
		assert.NotContains(t, err.Error(), "SENTINEL", name)
	}
}

func TestCheckPermission(t *testing.T) {
	cases := []struct {
		name   string
		roles  []string
		want   bool
		legacy string
		text   string
	}{
		{name: "held", roles: []string{PermissionAuditLogsQuery}, want: false},
		{name: "legacy only", roles: []string{PermissionAuditLogLegacy}, want: true, legacy: PermissionAuditLogLegacy, text: "returns no records"},
		{name: "none", roles: nil, want: true, text: "lacks the Microsoft Graph application permission AuditLogsQuery.Read.All"},
		{name: "others", roles: []string{PermissionManageAsApp}, want: true, text: "Exchange.ManageAsApp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckPermission(c.roles, SourceGraph, PermissionAuditLogsQuery, PermissionAuditLogLegacy)
			if !c.want {
				assert.NoError(t, err)
				return
			}
			var mp *MissingPermissionError
			require.True(t, errors.As(err, &mp), "%v", err)
			assert.Equal(t, PermissionAuditLogsQuery, mp.Permission)
			assert.Equal(t, c.legacy, mp.Legacy)
			assert.Contains(t, err.Error(), c.text)
		})
	}
}

func TestMissingPermissionIsAuth(t *testing.T) {
	err := &MissingPermissionError{Service: SourceGraph, Permission: PermissionAuditLogsQuery, Err: &APIError{Source: SourceGraph, Status: 403}}
	v := Classify(err)
	assert.True(t, v.Auth && v.Fatal && !v.Retry, "%+v", v)
}
