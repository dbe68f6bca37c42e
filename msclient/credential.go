package msclient

import (
	"context"
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

// Credential gets access tokens for one resource scope (Exchange Online, Graph) and
// replaces itself after the resource refused a token (401), once per refusal however many
// callers saw it. It is safe for concurrent use.
type Credential struct {
	scope   string
	retry   *Retrier
	timeout time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	cred    azcore.TokenCredential
	gen     int
	newCred func() (azcore.TokenCredential, error)
}

// CertificateAuth is what a certificate credential needs.
type CertificateAuth struct {
	// Authority is the Entra ID authority, scheme://host[:port].
	Authority string
	// DisableDiscovery is set for authority hosts Microsoft's instance discovery does not
	// know (AuthorityNeedsNoDiscovery).
	DisableDiscovery bool
	// Tenant is the tenant domain or GUID; AppID the application (client) ID.
	Tenant, AppID string
	// Certificate is the loaded certificate (LoadCertificate).
	Certificate *Certificate
}

// NewCertificateCredential is a Credential for scope from a certificate: token requests go
// through client under retry's rules (azcore's own retries are off); a request is bounded
// by timeout plus the retry budget.
func NewCertificateCredential(scope string, auth CertificateAuth, client *http.Client, retry *Retrier, timeout time.Duration, log *slog.Logger) (*Credential, error) {
	newCred := func() (azcore.TokenCredential, error) {
		return certificateCredential(auth, client, retry)
	}
	return newCredential(scope, newCred, retry, timeout, log)
}

// NewStaticCredential is a Credential for scope over cred (a test seam): after a 401 the
// same credential is asked again, since it cannot be told to drop its cache.
func NewStaticCredential(scope string, cred azcore.TokenCredential, retry *Retrier, timeout time.Duration, log *slog.Logger) (*Credential, error) {
	return newCredential(scope, func() (azcore.TokenCredential, error) { return cred, nil }, retry, timeout, log)
}

func newCredential(scope string, newCred func() (azcore.TokenCredential, error), retry *Retrier, timeout time.Duration, log *slog.Logger) (*Credential, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Credential{scope: scope, retry: retry, timeout: timeout, log: log, newCred: newCred}
	var err error
	if c.cred, err = newCred(); err != nil {
		return nil, err
	}
	return c, nil
}

// certificateCredential builds a fresh azidentity credential (a new instance has an empty
// token cache, which is how a 401 gets a really new token).
func certificateCredential(auth CertificateAuth, client *http.Client, retry *Retrier) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: auth.Authority},
		Transport: &tokenTransport{client: client, retry: retry},
		// Retries live in tokenTransport, under the same policy as the API.
		Retry: policy.RetryOptions{MaxRetries: -1},
	}
	return azidentity.NewClientCertificateCredential(auth.Tenant, auth.AppID, auth.Certificate.Certs, auth.Certificate.Key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions:            co,
			DisableInstanceDiscovery: auth.DisableDiscovery,
			// Sending the chain (x5c) enables subject-name/issuer authentication and is
			// harmless for thumbprint-registered certificates.
			SendCertificateChain: true,
		})
}

// Token returns an access token and the credential generation it came from (for
// Refresh).
func (c *Credential) Token(ctx context.Context) (string, int, error) {
	c.mu.Lock()
	cred, gen := c.cred, c.gen
	c.mu.Unlock()
	// MSAL bounds a token exchange to 30 s when the context has no deadline, which would cut
	// tokenTransport's retries short and report an Entra ID outage as the command running
	// out of time; the retry budget (plus one request) bounds it instead.
	tctx, cancel := context.WithTimeout(ctx, c.retry.Policy.MaxElapsed+c.timeout)
	defer cancel()
	tctx, holder := withNetErrHolder(tctx)
	tok, err := cred.GetToken(tctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return "", gen, tokenError(ctx, err, holder.get())
	}
	return tok.Token, gen, nil
}

// Refresh replaces the credential used for generation gen, once: concurrent callers that
// saw the same 401 share one refresh.
func (c *Credential) Refresh(gen int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil
	}
	cred, err := c.newCred()
	if err != nil {
		return err
	}
	c.cred, c.gen = cred, c.gen+1
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
		return Canceled(ctx, err)
	}
	var authErr *azidentity.AuthenticationFailedError
	if errors.As(err, &authErr) && authErr.RawResponse != nil {
		resp := authErr.RawResponse
		body := readPayload(resp)
		return NewAPIError(Authority, resp.StatusCode, resp.Header, body, "")
	}
	if netErr != nil {
		return &TokenError{Err: netErr}
	}
	return &TokenError{Err: errors.New(Redact(err.Error()))}
}

// readPayload reads an authority error body that azidentity may already have consumed
// (azcore keeps it readable).
func readPayload(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	return b
}
