package msclient

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// ConnectOptions are the settings every backend client takes for its connection; most
// exist as test seams. The zero value means defaults.
type ConnectOptions struct {
	// HTTPClient replaces the client built from Config; Insecure, Proxy and Timeout are then
	// the caller's business. Default: one client built from Config, shared by token and
	// API requests.
	HTTPClient *http.Client
	// Transport replaces the base transport of the built client (Timeout still applies).
	Transport http.RoundTripper
	// RootCAs replaces the system roots (which honour SSL_CERT_FILE) for TLS verification.
	RootCAs *x509.CertPool
	// Credential replaces the certificate credential; Config.PFX is then not read. After a
	// 401 the same credential is asked again, since the client cannot drop its cache.
	Credential azcore.TokenCredential
	// Logger receives diagnostics (retries, refreshes); never secrets. Default: discard.
	Logger *slog.Logger
	// Now is the clock, for certificate validity and retry budgets. Default time.Now.
	Now func() time.Time
	// Sleep waits between retries; it must return early with an error when ctx ends.
	// Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Retry bounds retries of each HTTP exchange (token requests included).
	Retry RetryPolicy
}

// WithDefaults fills the unset Logger, Now and Sleep.
func (o ConnectOptions) WithDefaults() ConnectOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = SleepCtx
	}
	return o
}

// SignIn is how a configuration signs in to Entra ID.
type SignIn struct {
	// Authority is scheme://host[:port] of Entra ID.
	Authority string
	// DisableDiscovery is set for authority hosts Microsoft's instance discovery does not
	// know.
	DisableDiscovery bool
}

// SignInFor validates the sign-in settings of cfg (AuthURL, Organization, AppID) and
// returns the authority: AuthURL's host when set, else cloudAuthority (the service's
// cloud's). Errors are *ConfigError naming the auditsearch.Config field.
func SignInFor(cfg auditsearch.Config, cloudAuthority string) (SignIn, error) {
	s := SignIn{Authority: cloudAuthority}
	if strings.TrimSpace(cfg.AuthURL) != "" {
		a, err := url.Parse(strings.TrimSpace(cfg.AuthURL))
		if err != nil || a.Scheme != "https" || a.Host == "" {
			return SignIn{}, &ConfigError{Field: auditsearch.FieldAuthURL, Problem: "must be an https URL such as https://login.microsoftonline.us"}
		}
		s.Authority = "https://" + a.Host
	}
	s.DisableDiscovery = AuthorityNeedsNoDiscovery(strings.TrimPrefix(s.Authority, "https://"))
	if cfg.Organization == "" || strings.ContainsAny(cfg.Organization, "/?#@ ") {
		return SignIn{}, &ConfigError{Field: auditsearch.FieldOrganization, Problem: "must be a tenant domain such as contoso.onmicrosoft.com or a tenant GUID"}
	}
	if strings.TrimSpace(cfg.AppID) == "" {
		return SignIn{}, &ConfigError{Field: auditsearch.FieldAppID, Problem: "is required"}
	}
	return s, nil
}

// Conn is a backend's connection to one service: the HTTP client (shared by token and API
// requests), the retrier, and the credential for the service's scope.
type Conn struct {
	HTTP  *http.Client
	Retry *Retrier
	Cred  *Credential
}

// Connect builds the connection for the token scope (e.g. https://outlook.office365.com/.default):
// it loads the certificate from cfg.PFX (PFX of any common encryption, or PEM) unless
// o.Credential replaces it. It makes no network call. o must have its defaults
// (WithDefaults) and cfg.Timeout be set.
func Connect(cfg auditsearch.Config, scope string, signIn SignIn, o ConnectOptions) (*Conn, error) {
	c := &Conn{HTTP: o.HTTPClient}
	if c.HTTP == nil {
		c.HTTP = NewHTTPClient(HTTPSettings{Insecure: cfg.Insecure, Proxy: cfg.Proxy,
			Timeout: cfg.Timeout, RootCAs: o.RootCAs, Transport: o.Transport})
	}
	c.Retry = NewRetrier(o.Retry, o.Now, o.Sleep, o.Logger)
	var err error
	if o.Credential != nil {
		c.Cred, err = NewStaticCredential(scope, o.Credential, c.Retry, cfg.Timeout, o.Logger)
	} else {
		var cert *Certificate
		if cert, err = LoadCertificate(cfg.PFX, cfg.Password, o.Now()); err != nil {
			return nil, err
		}
		auth := CertificateAuth{Authority: signIn.Authority, DisableDiscovery: signIn.DisableDiscovery,
			Tenant: cfg.Organization, AppID: cfg.AppID, Certificate: cert}
		c.Cred, err = NewCertificateCredential(scope, auth, c.HTTP, c.Retry, cfg.Timeout, o.Logger)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}
