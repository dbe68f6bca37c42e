package emulator

import (
	"fmt"
	"slices"
	"strings"
)

// Entra application permissions, carried by access tokens in the roles claim (L11).
const (
	// PermissionManageAsApp is Exchange Online's app-only permission: InvokeCommand answers
	// 401 to a token without it.
	PermissionManageAsApp = "Exchange.ManageAsApp"
	// PermissionAuditLogsQuery is Microsoft Graph's audit log query permission.
	PermissionAuditLogsQuery = "AuditLogsQuery.Read.All"
)

// Indexes of the apps every emulator registers.
const (
	appReader  = iota // params.json: every permission and the audit role
	appNoRole         // params-noroles.json: Exchange.ManageAsApp only
	appNoGraph        // params-nograph.json: Exchange.ManageAsApp and the audit role
)

// AppSpec describes an application to register.
type AppSpec struct {
	// Name is the app's display name and certificate subject; it also seeds its client id.
	Name string
	// Permissions are the Entra permissions granted (e.g. PermissionManageAsApp).
	Permissions []string
	// AuditRole assigns the Exchange "View-Only Audit Logs" role to the app's service
	// principal; without it Search-UnifiedAuditLog answers 403.
	AuditRole bool
}

// RegisterApp registers an application with its own certificate and returns plugin params
// (DESIGN §3) that authenticate as it. Tests use it for apps the state dir lacks, such as one
// without Exchange.ManageAsApp.
func (e *Emulator) RegisterApp(spec AppSpec) (map[string]any, error) {
	if spec.Name == "" {
		return nil, fmt.Errorf("emulator: an app needs a name")
	}
	a, err := newApp(spec.Name, seededUUID(uint64(e.opts.Seed), 0xa99, hashString(spec.Name)), spec.AuditRole)
	if err != nil {
		return nil, err
	}
	a.roles = slices.Clone(spec.Permissions)
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, old := range e.apps {
		if old.clientID == a.clientID {
			return nil, fmt.Errorf("emulator: an app named %q is already registered", spec.Name)
		}
	}
	e.apps = append(e.apps, a)
	return e.params(a), nil
}

// app returns the i-th registered app.
func (e *Emulator) app(i int) *app {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.apps[i]
}

func (e *Emulator) appByID(id string) *app {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.apps {
		if strings.EqualFold(a.clientID, id) {
			return a
		}
	}
	return nil
}

// hasRole reports whether roles grants the permission p.
func hasRole(roles []string, p string) bool { return slices.Contains(roles, p) }
