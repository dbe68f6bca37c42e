package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
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
	Retry RetryPolicy
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
	retry   *retrier
	log     *slog.Logger
	now     func() time.Time
	maxPage int64
	maxNext int

	credMu  sync.Mutex
	cred    azcore.TokenCredential
	credGen int
	newCred func() (azcore.TokenCredential, error)
}

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
	c.http = newHTTPClient(cfg, o)
	c.retry = &retrier{policy: o.Retry.withDefaults(), now: o.Now, sleep: o.Sleep, jitter: defaultJitter, log: o.Logger}
	if o.Credential != nil {
		c.newCred = func() (azcore.TokenCredential, error) { return o.Credential, nil }
	} else {
		cert, err := loadCertificate(cfg.PFX, cfg.Password, o.Now())
		if err != nil {
			return nil, err
		}
		c.newCred = func() (azcore.TokenCredential, error) { return c.certificateCredential(cert) }
	}
	if c.cred, err = c.newCred(); err != nil {
		return nil, err
	}
	return c, nil
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
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	if o.MaxNextLinks <= 0 {
		o.MaxNextLinks = 1000
	}
	return o
}

// certificateCredential builds a fresh azidentity credential (a new instance has an empty
// token cache, which is how a 401 gets a really new token).
func (c *Client) certificateCredential(cert *certificate) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: c.ep.authority},
		Transport: &tokenTransport{client: c.http, retry: c.retry},
		// Retries live in tokenTransport, under the same policy as the API.
		Retry: policy.RetryOptions{MaxRetries: -1},
	}
	return azidentity.NewClientCertificateCredential(c.cfg.Organization, c.cfg.AppID, cert.certs, cert.key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions:            co,
			DisableInstanceDiscovery: c.ep.disableDiscovery,
			// Sending the chain (x5c) enables subject-name/issuer authentication and is
			// harmless for thumbprint-registered certificates.
			SendCertificateChain: true,
		})
}

// token returns an access token and the credential generation it came from.
func (c *Client) token(ctx context.Context) (string, int, error) {
	c.credMu.Lock()
	cred, gen := c.cred, c.credGen
	c.credMu.Unlock()
	// MSAL bounds a token exchange to 30 s when the context has no deadline, which would cut
	// tokenTransport's retries short and report an Entra ID outage as the command running
	// out of time; the retry budget (plus one request) bounds it instead.
	tctx, cancel := context.WithTimeout(ctx, c.retry.policy.MaxElapsed+c.cfg.Timeout)
	defer cancel()
	tctx, holder := withNetErrHolder(tctx)
	tok, err := cred.GetToken(tctx, policy.TokenRequestOptions{Scopes: []string{c.ep.scope}})
	if err != nil {
		return "", gen, tokenError(ctx, err, holder.get())
	}
	return tok.Token, gen, nil
}

// refreshCredential replaces the credential used for generation gen, once: concurrent
// callers that saw the same 401 share one refresh.
func (c *Client) refreshCredential(gen int) error {
	c.credMu.Lock()
	defer c.credMu.Unlock()
	if c.credGen != gen {
		return nil
	}
	cred, err := c.newCred()
	if err != nil {
		return err
	}
	c.cred, c.credGen = cred, c.credGen+1
	c.log.Info("access token refused; using a new credential for a fresh token")
	return nil
}

// TokenError is a failure to get an access token that is not an HTTP answer from the
// authority (those are *APIError with Source SourceAuthority).
type TokenError struct {
	Err error
}

// Error implements error.
func (e *TokenError) Error() string { return "getting an access token from Entra ID: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TokenError) Unwrap() error { return e.Err }

// tokenError turns azidentity's error into *APIError (authority answered), the network
// error recorded by tokenTransport, or a context error. azidentity's own text is only
// kept for the rare case with nothing better; it never contains secrets.
func tokenError(ctx context.Context, err, netErr error) error {
	if ctx.Err() != nil {
		return canceled(ctx, err)
	}
	var authErr *azidentity.AuthenticationFailedError
	if errors.As(err, &authErr) && authErr.RawResponse != nil {
		resp := authErr.RawResponse
		body := readPayload(resp)
		return newAPIError(SourceAuthority, resp.StatusCode, resp.Header, body, "")
	}
	if netErr != nil {
		return &TokenError{Err: netErr}
	}
	return &TokenError{Err: errors.New(redact(err.Error()))}
}

// readPayload reads an authority error body that azidentity may already have consumed
// (azcore keeps it readable).
func readPayload(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return b
}
