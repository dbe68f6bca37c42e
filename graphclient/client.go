package graphclient

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// Defaults of Options and Config.
const (
	// DefaultTimeout is the per-request timeout when Config.Timeout is zero. Graph answers
	// each call quickly; the waiting is done by polling.
	DefaultTimeout = 120 * time.Second
	// DefaultPollInitial is the first wait before a query's status is read: queries take
	// seconds to many minutes (PAX polls from 15 s).
	DefaultPollInitial = 15 * time.Second
	// DefaultPollMax is the longest wait between two status reads.
	DefaultPollMax = 60 * time.Second
	// DefaultMaxWait bounds how long one query is waited for (PAX gives up at 240 min).
	DefaultMaxWait = 4 * time.Hour
	// DefaultResultSize is the number of newest records Search returns when
	// Query.ResultSize is zero or less: the Exchange Online backend's.
	DefaultResultSize = 5000
	// DefaultMaxConcurrency is the number of queries waited for and read in parallel when
	// Config.MaxConcurrency is zero.
	DefaultMaxConcurrency = 4
	// DefaultMaxPageBytes bounds one response body.
	DefaultMaxPageBytes = 64 << 20
	// pageTop is the records asked per page ($top; the service's most).
	pageTop = 1000
)

// Options are optional settings of New; nil means defaults. Most exist as test seams.
type Options struct {
	// ConnectOptions are the connection's settings (HTTP client, credential, clock, sleep
	// between polls and retries), as every backend takes them.
	msclient.ConnectOptions
	// Budget admits each query submission (nil: unlimited).
	Budget auditsearch.Budget
	// PollInitial is the wait before a query's first status read, and the first interval
	// between reads. Default DefaultPollInitial (15 s).
	PollInitial time.Duration
	// PollMax caps the interval between status reads, which grows by half each read.
	// Default DefaultPollMax (60 s), or PollInitial when that is larger.
	PollMax time.Duration
	// MaxWait bounds the wait for one query. Default DefaultMaxWait (4 h).
	MaxWait time.Duration
	// NotReadyRetries is how many times a records read answered "The query is not ready"
	// (after the query succeeded) is tried again, PollInitial apart. Default 5.
	NotReadyRetries int
	// MaxPageBytes bounds one response body. Default DefaultMaxPageBytes (64 MiB).
	MaxPageBytes int64
}

// Client talks to one tenant's Microsoft Graph audit log query API. It is safe for
// concurrent use; it lives for one command (it remembers which API version works).
type Client struct {
	cfg    auditsearch.Config
	ep     endpoints
	http   *http.Client
	retry  *msclient.Retrier
	cred   *msclient.Credential
	log    *slog.Logger
	opts   *Options
	budget auditsearch.Budget

	mu          sync.Mutex
	version     string // the version creates worked on; "" until one did
	readVersion string // the version reads of queries created elsewhere worked on
	create      sync.Mutex
}

// Client implements the asynchronous search interface commands uses.
var _ auditsearch.AsyncSearcher = (*Client)(nil)

// New builds a client: it validates the URLs and decides whether Graph audit search
// exists in the configured cloud (*UnavailableError when not), loads the certificate
// from cfg.PFX (the Exchange Online app's: same app, scope <graph>/.default), and builds
// the credential and the one HTTP client. It makes no network call.
func New(cfg auditsearch.Config, opts *Options) (*Client, error) {
	o := withDefaults(opts)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = DefaultMaxConcurrency
	}
	ep, err := resolveEndpoints(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := msclient.Connect(cfg, ep.scope, ep.signIn, o.ConnectOptions)
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, ep: ep, log: o.Logger, opts: o, budget: o.Budget, http: conn.HTTP, retry: conn.Retry, cred: conn.Cred}, nil
}

func withDefaults(opts *Options) *Options {
	o := &Options{}
	if opts != nil {
		*o = *opts
	}
	o.ConnectOptions = o.WithDefaults()
	if o.PollInitial <= 0 {
		o.PollInitial = DefaultPollInitial
	}
	if o.PollMax <= 0 {
		o.PollMax = DefaultPollMax
	}
	o.PollMax = max(o.PollMax, o.PollInitial)
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.NotReadyRetries <= 0 {
		o.NotReadyRetries = 5
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	return o
}
