package emulator

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options configures an Emulator. The zero value serves 10,000 generated records spread over
// the 7 days before Start, without faults, latency, retention or late arrival.
type Options struct {
	// Records is the number of generated records (default 10,000; ignored when a data set is given).
	Records int
	// Days is the span of the generated data set, ending at the clock's time at Start (default 7).
	Days int
	// Seed makes the data set, session shuffles and fault draws deterministic.
	Seed int64
	// Dataset is a JSON Lines file, one AuditData object per line, served instead of generated
	// records. Each line's exact text is kept.
	Dataset string
	// DatasetRecords are AuditData objects served instead of generated records (exact text kept).
	DatasetRecords []json.RawMessage
	// Retention refuses a StartDate older than now minus Retention (0 = no limit).
	Retention time.Duration
	// Latency is added to every InvokeCommand call.
	Latency time.Duration
	// TenantConcurrency limits concurrent InvokeCommand calls per tenant (0 = unlimited);
	// calls beyond it get 429 with the per-tenant concurrency message.
	TenantConcurrency int
	// Faults maps a fault name (see FaultNames) to the fraction (0–1) of calls it hits.
	Faults map[string]float64
	// Clock is the emulator's notion of now for data visibility, retention and the data set's
	// span (default time.Now). Token and assertion lifetimes always use the wall clock, since
	// real clients sign assertions with it.
	Clock func() time.Time
	// Hotspots add bursts of generated records in short windows.
	Hotspots []Hotspot
	// IngestionDelay is the typical time between a record's CreationTime and its visibility
	// (each record gets between 0.5 and 1.5 times it). 0 = visible at once.
	IngestionDelay time.Duration
	// Stragglers is the fraction (0–1) of records that arrive late by up to StragglerDelay.
	Stragglers float64
	// StragglerDelay is the maximum extra delay of a straggler (default 6h when Stragglers > 0).
	StragglerDelay time.Duration
	// Profile is ProfileLive (the default; "" means live), which reproduces what live tenants
	// do (DESIGN §4b), or ProfileIdeal, the tidy service of §4 alone.
	Profile string
	// NonSessionCap is the most rows a call without SessionCommand returns in the live
	// profile, whatever its ResultSize (default 120; negative = no cap; ignored in ideal).
	NonSessionCap int
	// PageSize splits a call's rows into REST pages of this many chained with
	// @odata.nextLink (default 1000 in live; in ideal calls are not split unless it is set;
	// negative = never split).
	PageSize int
	// MaxPageRows is the older name of PageSize, used when PageSize is 0.
	//
	// Deprecated: use PageSize.
	MaxPageRows int
	// Continuations is ContinuationsRefused (the live default: every @odata.nextLink is
	// refused at once with 400, as app-only callers see) or ContinuationsOK (the ideal
	// default: links work for 15 minutes).
	Continuations string
	// SlowDelay is how long a call hit by the slow fault takes (default 90s).
	SlowDelay time.Duration
	// EndDateInclusive makes EndDate inclusive; by default a record at exactly EndDate is
	// excluded ([StartDate, EndDate)).
	EndDateInclusive bool
	// EchoResultSize puts ResultSize in every row's ResultCount instead of the session total,
	// as users report the service began doing in 2026.
	EchoResultSize bool
	// VaryRepresentations makes rows use every representation seen in the wild: RecordType as a
	// number or a name, CreationDate as /Date(ms)/ or RFC 3339, counts as numbers or strings.
	VaryRepresentations bool
	// GraphDelay is how long a Graph audit query runs before it succeeds (default 2s;
	// negative = at once). Its status is notStarted for the first quarter, then running.
	GraphDelay time.Duration
	// GraphRecordLimit is the most records a Graph query returns (default 1,000,000); a query
	// matching more succeeds with isRecordCountLimitExceeded true and a subset.
	GraphRecordLimit int
	// GraphCreateInterval is the least time between two Graph query creates; a create sooner
	// gets 429 + Retry-After (default 1s; negative = no limit).
	GraphCreateInterval time.Duration
	// Prerender writes every record's AuditData, as the JSON string a row carries, once at
	// Start and serves that text: a call then costs the emulator its row envelope only, as
	// a service whose records are stored ready costs a client nothing. Benchmarks use it so
	// that the emulator's CPU, on the cores the client also uses, stays far below the
	// client's. It costs about 1.3 KB of memory per record and some seconds at Start.
	Prerender bool
	// Organization is the tenant domain (default contoso.onmicrosoft.com).
	Organization string
	// TokenIssued, when set, is called with every access token the token endpoint issues,
	// before the client receives it: tests look for those tokens in a client's output.
	TokenIssued func(accessToken string)
	// Logf receives one line per request when set.
	Logf func(format string, args ...any)
}

// Hotspot adds Count generated records spread evenly over [Start, Start+Duration).
type Hotspot struct {
	Start    time.Time
	Duration time.Duration
	Count    int
	// Operation, when set, forces the records' Operation (one the generator knows, e.g.
	// "FileDownloaded"); otherwise they follow the usual mix.
	Operation string
}

// Emulator is a running Exchange Online + Entra ID emulator.
type Emulator struct {
	opts     Options
	srv      *http.Server
	ln       net.Listener
	url      string
	ca       *authorityCA
	tenant   tenant
	apps     []*app
	store    *store
	faults   *faultPlan
	tokenKey []byte

	mu           sync.Mutex
	fixedNow     time.Time
	transientSeq int
	sessions     map[string]*session
	nextLinks    map[string]*pendingPage
	jtis         map[string]time.Time
	inflight     map[string]int
	stats        Stats
	graph        *graphState
	requests     []Request
	callSeq      uint64
	closeOnce    sync.Once
	clientOnce   sync.Once
	client       *http.Client
}

// Start builds the data set and serves over TLS on 127.0.0.1 with a fresh CA.
func Start(opts Options) (*Emulator, error) {
	return StartOn("127.0.0.1:0", opts)
}

// StartOn is Start on a given listen address (a loopback host:port).
func StartOn(addr string, opts Options) (*Emulator, error) {
	opts = withDefaults(opts)
	if err := validateProfile(opts); err != nil {
		return nil, err
	}
	if err := validateFaults(opts.Faults); err != nil {
		return nil, err
	}
	e := &Emulator{
		opts:      opts,
		sessions:  map[string]*session{},
		nextLinks: map[string]*pendingPage{},
		jtis:      map[string]time.Time{},
		inflight:  map[string]int{},
		graph:     &graphState{queries: map[string]*graphQuery{}},
	}
	e.stats.Faults = map[string]int{}
	e.stats.GraphStatuses = map[string]int{}
	if err := e.init(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen %s: %w", addr, err)
	}
	e.ln = ln
	e.url = "https://" + ln.Addr().String()
	e.srv = &http.Server{
		Handler:           e.routes(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{e.ca.serverCert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = e.srv.ServeTLS(ln, "", "") }()
	return e, nil
}

func withDefaults(o Options) Options {
	if o.Records == 0 && o.Dataset == "" && o.DatasetRecords == nil {
		o.Records = 10000
	}
	if o.Days <= 0 {
		o.Days = 7
	}
	if o.Stragglers > 0 && o.StragglerDelay <= 0 {
		o.StragglerDelay = 6 * time.Hour
	}
	switch {
	case o.GraphDelay == 0:
		o.GraphDelay = DefaultGraphDelay
	case o.GraphDelay < 0:
		o.GraphDelay = 0
	}
	if o.GraphRecordLimit <= 0 {
		o.GraphRecordLimit = DefaultGraphRecordLimit
	}
	if o.GraphCreateInterval == 0 {
		o.GraphCreateInterval = DefaultGraphCreateInterval
	}
	if o.Organization == "" {
		o.Organization = "contoso.onmicrosoft.com"
	}
	return profileDefaults(o)
}

func (e *Emulator) init() error {
	var err error
	if e.ca, err = newAuthorityCA(); err != nil {
		return err
	}
	e.tenant = newTenant(e.opts.Organization, e.opts.Seed)
	if e.apps, err = newApps(e.opts.Seed); err != nil {
		return err
	}
	e.tokenKey = randomBytes(32)
	e.faults = newFaultPlan(e.opts.Seed, e.opts.Faults)
	e.store, err = buildStore(e.opts, e.tenant, e.Now())
	return err
}

// Close stops the server and drops every session.
func (e *Emulator) Close() error {
	var err error
	e.closeOnce.Do(func() {
		err = e.srv.Close()
		if e.client != nil {
			e.client.CloseIdleConnections()
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	})
	return err
}

// URL is the Exchange Online base URL (the plugin's `url` param).
func (e *Emulator) URL() string { return e.url }

// AuthURL is the Entra ID authority host (the plugin's `auth_url` param); the same server.
func (e *Emulator) AuthURL() string { return e.url }

// GraphURL is the Microsoft Graph base URL (the plugin's `graph_url` param): a path prefix on
// the same server, so that one CA and one listener serve every API.
func (e *Emulator) GraphURL() string { return e.url + graphPrefix }

// Organization is the tenant domain.
func (e *Emulator) Organization() string { return e.tenant.domain }

// TenantID is the tenant GUID, accepted wherever the domain is.
func (e *Emulator) TenantID() string { return e.tenant.id }

// CAPEM is the PEM of the CA that signed the server certificate (write it to SSL_CERT_FILE).
func (e *Emulator) CAPEM() []byte { return e.ca.pem }

// CertPool holds the emulator's CA.
func (e *Emulator) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(e.ca.cert)
	return p
}

// HTTPClient is an http.Client trusting the emulator's CA (one shared client, so
// connections are reused).
func (e *Emulator) HTTPClient() *http.Client {
	e.clientOnce.Do(func() {
		e.client = &http.Client{Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: e.CertPool(), MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2:   true,
			MaxIdleConnsPerHost: 16,
		}, Timeout: 5 * time.Minute}
	})
	return e.client
}

// Now is the emulator's clock: SetNow's value if set, else Options.Clock, else time.Now.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	fixed := e.fixedNow
	e.mu.Unlock()
	if !fixed.IsZero() {
		return fixed
	}
	if e.opts.Clock != nil {
		return e.opts.Clock()
	}
	return time.Now()
}

// SetNow fixes the emulator's clock at t (the zero time returns to Options.Clock/time.Now).
func (e *Emulator) SetNow(t time.Time) {
	e.mu.Lock()
	e.fixedNow = t
	e.mu.Unlock()
}

func (e *Emulator) logf(format string, args ...any) {
	if e.opts.Logf != nil {
		e.opts.Logf(format, args...)
	}
}
