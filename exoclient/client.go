package exoclient

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// DefaultTimeout is the per-request timeout when Config.Timeout is zero: the Exchange Online
// module's own, since one call may legitimately take many minutes (DESIGN §4b L8).
const DefaultTimeout = 960 * time.Second

// DefaultMaxPageBytes bounds one response body.
const DefaultMaxPageBytes = 256 << 20

// Options are optional settings of New; nil means defaults. Most exist as test seams.
type Options struct {
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
	Retry msclient.RetryPolicy
	// MaxPageBytes bounds one response body. Default DefaultMaxPageBytes (256 MiB).
	MaxPageBytes int64
	// MaxNextLinks bounds the @odata.nextLink continuations of one call. Default 1000.
	MaxNextLinks int
}

// Client talks to one tenant's Exchange Online admin API. It is safe for concurrent use.
type Client struct {
	cfg     auditsearch.Config
	ep      endpoints
	http    *http.Client
	retry   *msclient.Retrier
	cred    *msclient.Credential
	log     *slog.Logger
	now     func() time.Time
	maxPage int64
	maxNext int
}

// Client implements the search interface commands uses.
var _ auditsearch.Searcher = (*Client)(nil)

// New builds a client: it validates the URLs, loads the certificate from cfg.PFX (PFX of
// any common encryption, or PEM), builds the credential and the one HTTP client. It makes
// no network call.
func New(cfg auditsearch.Config, opts *Options) (*Client, error) {
	o := withDefaults(opts)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	ep, err := resolveEndpoints(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, ep: ep, log: o.Logger, now: o.Now, maxPage: o.MaxPageBytes, maxNext: o.MaxNextLinks}
	c.http = o.HTTPClient
	if c.http == nil {
		c.http = msclient.NewHTTPClient(msclient.HTTPSettings{Insecure: cfg.Insecure, Proxy: cfg.Proxy,
			Timeout: cfg.Timeout, RootCAs: o.RootCAs, Transport: o.Transport})
	}
	c.retry = msclient.NewRetrier(o.Retry, o.Now, o.Sleep, o.Logger)
	if o.Credential != nil {
		c.cred, err = msclient.NewStaticCredential(ep.scope, o.Credential, c.retry, cfg.Timeout, o.Logger)
	} else {
		c.cred, err = c.certificateCredential(o.Now())
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// certificateCredential loads the certificate of the configuration and makes the
// credential for Exchange Online's scope from it.
func (c *Client) certificateCredential(now time.Time) (*msclient.Credential, error) {
	cert, err := msclient.LoadCertificate(c.cfg.PFX, c.cfg.Password, now)
	if err != nil {
		return nil, err
	}
	auth := msclient.CertificateAuth{Authority: c.ep.authority, DisableDiscovery: c.ep.disableDiscovery,
		Tenant: c.cfg.Organization, AppID: c.cfg.AppID, Certificate: cert}
	return msclient.NewCertificateCredential(c.ep.scope, auth, c.http, c.retry, c.cfg.Timeout, c.log)
}

func withDefaults(opts *Options) *Options {
	o := &Options{}
	if opts != nil {
		*o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	if o.MaxNextLinks <= 0 {
		o.MaxNextLinks = 1000
	}
	return o
}
