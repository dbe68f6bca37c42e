package auditsearch

import "time"

// Config is the connection settings of a backend, already validated by the caller.
type Config struct {
	// URL is the Exchange Online URL, e.g. https://outlook.office365.com (no trailing slash).
	// Its host picks the cloud.
	URL string
	// GraphURL is Microsoft Graph's base URL (no trailing slash); empty means the one of
	// URL's cloud. Only the Graph backend uses it.
	GraphURL string
	// AuthURL overrides the Entra ID authority host picked from URL's host.
	AuthURL string
	// Organization is the tenant domain or GUID.
	Organization string
	// AppID is the application (client) ID.
	AppID string
	// PFX holds the decoded certificate bytes (base64 already removed); PEM is accepted too.
	PFX []byte
	// Password is the PFX password.
	Password string
	// Insecure trusts any TLS certificate.
	Insecure bool
	// Proxy uses the system proxy from the environment; false = direct connections.
	Proxy bool
	// Timeout bounds each HTTP request. Zero means the backend's default.
	Timeout time.Duration
	// MaxConcurrency is the number of windows fetched in parallel by large searches. Zero
	// means the backend's default.
	MaxConcurrency int
}

// Names of the Config fields a backend may refuse (the Field of its configuration error),
// so that the caller can name its own setting behind each.
const (
	FieldURL          = "URL"
	FieldAuthURL      = "AuthURL"
	FieldOrganization = "Organization"
	FieldAppID        = "AppID"
	FieldGraphURL     = "GraphURL"
)
