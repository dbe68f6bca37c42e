package exoclient

import (
	"log/slog"
	"net/http"
	"time"

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
	// ConnectOptions are the connection's settings (HTTP client, credential, clock,
	// retries), as every backend takes them.
	msclient.ConnectOptions
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
	gate    *callGate
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
	conn, err := msclient.Connect(cfg, ep.scope, ep.signIn, o.ConnectOptions)
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, ep: ep, http: conn.HTTP, retry: conn.Retry, cred: conn.Cred, log: o.Logger, now: o.Now,
		maxPage: o.MaxPageBytes, maxNext: o.MaxNextLinks, gate: newCallGate()}, nil
}

func withDefaults(opts *Options) *Options {
	o := &Options{}
	if opts != nil {
		*o = *opts
	}
	o.ConnectOptions = o.WithDefaults()
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	if o.MaxNextLinks <= 0 {
		o.MaxNextLinks = 1000
	}
	return o
}
