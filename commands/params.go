package commands

import (
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Defaults of the integration parameters (DESIGN §3).
const (
	DefaultURL = "https://outlook.office365.com"
	// DefaultTimeout is the Exchange Online PowerShell module's own per-request timeout: one
	// Search-UnifiedAuditLog call may legitimately run many minutes (DESIGN §4b L8, with
	// HighCompleteness on for every query), and a shorter default would cut it and retry
	// it in vain.
	DefaultTimeout        = 960 * time.Second
	DefaultMaxConcurrency = 4
	// DefaultBackend searches Exchange Online and completes through Graph what it cannot
	// return (DESIGN §5 backend).
	DefaultBackend = BackendAuto
	// DefaultGraphDailyQueries leaves a margin under the ≥ 200 Graph audit query
	// submissions a tenant gets per rolling 24 hours, for other tools of the tenant.
	DefaultGraphDailyQueries = 150
	// maxTimeoutSeconds keeps timeout a sane time.Duration.
	maxTimeoutSeconds = 86400
)

var (
	guidRe = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
	// domainRe is a DNS name of two or more labels (letters, digits, inner hyphens) whose last
	// label starts with a letter, e.g. contoso.onmicrosoft.com.
	domainRe = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
)

// Backend names, as the `backend` param and argument take them.
const (
	BackendAuto     = "auto"
	BackendExchange = auditsearch.BackendExchange
	BackendGraph    = auditsearch.BackendGraph
)

// Instance is an integration instance's validated parameters: the connection settings the
// backends share and the search's own.
type Instance struct {
	auditsearch.Config
	// Backend is auto, exchange or graph.
	Backend string
	// GraphDailyQueries is the most Graph audit queries the instance submits per rolling
	// 24 hours.
	GraphDailyQueries int
}

// ParseInstance validates every parameter of the instance (ParseParams and the search's:
// backend, graph_daily_queries), each offending one named in one error.
func ParseInstance(params map[string]any) (Instance, error) {
	var in Instance
	err := validateAll(
		func() (err error) { in.Config, err = ParseParams(params); return },
		func() (err error) {
			in.Backend, err = backendValue(paramError, "backend", params["backend"], DefaultBackend)
			return
		},
		func() (err error) {
			in.GraphDailyQueries, err = graphDailyQueriesParam(params["graph_daily_queries"])
			return
		},
	)
	if err != nil {
		return Instance{}, err
	}
	return in, nil
}

// backendValue reads a backend name (any case) for the param or the argument name.
func backendValue(fail func(string, any, string) *ValidationError, name string, v any, def string) (string, error) {
	if absent(v) {
		return def, nil
	}
	s, ok := scalarText(v)
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case !ok:
	case s == BackendAuto, s == BackendExchange, s == BackendGraph:
		return s, nil
	case s == "exo", s == "exchangeonline":
		return BackendExchange, nil
	}
	return "", fail(name, v, "auto (Exchange Online, completed through Microsoft Graph), exchange or graph")
}

func graphDailyQueriesParam(v any) (int, error) {
	if absent(v) {
		return DefaultGraphDailyQueries, nil
	}
	n, ok := intValue(v)
	if !ok || n < 0 || n > 10000 {
		return 0, paramError("graph_daily_queries", v, "a whole number of Graph audit queries per rolling 24 hours, from 0 (never use Graph) to 10000 (default 150)")
	}
	return n, nil
}

// ParseParams validates the integration instance's parameters and turns them into the client
// configuration, before any network call. Values may be strings, booleans or JSON numbers;
// certificate is XSOAR's credentials object {"identifier","password"} or a plain string. The
// error is a *ValidationError naming the invalid parameter, or ValidationErrors naming each
// when several are; it never repeats a certificate or password.
func ParseParams(params map[string]any) (auditsearch.Config, error) {
	var cfg auditsearch.Config
	err := validateAll(
		func() (err error) { cfg.URL, err = httpsURLParam(params, "url", DefaultURL); return },
		func() (err error) { cfg.Organization, err = organizationParam(params["organization"]); return },
		func() (err error) { cfg.AppID, err = appIDParam(params["app_id"]); return },
		func() (err error) { cfg.PFX, cfg.Password, err = certificateParam(params); return },
		func() (err error) { cfg.AuthURL, err = httpsURLParam(params, "auth_url", ""); return },
		func() (err error) { cfg.GraphURL, err = httpsURLParam(params, "graph_url", ""); return },
		func() (err error) { cfg.Insecure, err = boolParam(params, "insecure"); return },
		func() (err error) { cfg.Proxy, err = boolParam(params, "proxy"); return },
		func() (err error) { cfg.Timeout, err = timeoutParam(params["timeout"]); return },
		func() (err error) { cfg.MaxConcurrency, err = maxConcurrencyParam(params["max_concurrency"]); return },
	)
	if err != nil {
		return auditsearch.Config{}, err
	}
	return cfg, nil
}

// httpsURLParam reads an https URL with a host, without a trailing slash; def replaces an
// absent value ("" = optional).
func httpsURLParam(params map[string]any, name, def string) (string, error) {
	const expected = "an https URL with a host, e.g. https://outlook.office365.com"
	v := params[name]
	if absent(v) {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", paramError(name, v, expected)
	}
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", paramError(name, v, expected)
	case !strings.EqualFold(u.Scheme, "https") || u.Host == "" || u.Hostname() == "":
		return "", paramError(name, v, expected)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, "?") || strings.Contains(s, "#"):
		e := paramError(name, v, expected)
		e.Problem = "it carries a user name, a query or a fragment"
		return "", e
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func organizationParam(v any) (string, error) {
	const expected = "the tenant's domain, e.g. contoso.onmicrosoft.com, or its tenant ID (a GUID)"
	if absent(v) {
		return "", &ValidationError{Kind: "parameter", Name: "organization", Missing: true, Expected: expected}
	}
	s, ok := v.(string)
	s = strings.TrimSpace(s)
	if !ok || len(s) > 253 || !guidRe.MatchString(s) && !domainRe.MatchString(s) {
		return "", paramError("organization", v, expected)
	}
	return s, nil
}

func appIDParam(v any) (string, error) {
	const expected = "the application (client) ID from the Azure portal"
	if absent(v) {
		return "", &ValidationError{Kind: "parameter", Name: "app_id", Missing: true, Expected: expected}
	}
	s, ok := v.(string)
	s = strings.TrimSpace(s)
	if !ok || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", paramError("app_id", v, expected)
	}
	return s, nil
}

func boolParam(params map[string]any, name string) (bool, error) {
	v := params[name]
	if absent(v) {
		return false, nil
	}
	b, ok := boolValue(v)
	if !ok {
		return false, paramError(name, v, "true or false")
	}
	return b, nil
}

func timeoutParam(v any) (time.Duration, error) {
	if absent(v) {
		return DefaultTimeout, nil
	}
	s, ok := scalarText(v)
	secs, err := strconv.ParseFloat(s, 64)
	if _, isBool := v.(bool); !ok || isBool || err != nil || math.IsNaN(secs) || secs <= 0 || secs > maxTimeoutSeconds {
		return 0, paramError("timeout", v, "a positive number of seconds, at most 86400 (default 960)")
	}
	d := time.Duration(secs * float64(time.Second))
	if d <= 0 {
		return 0, paramError("timeout", v, "a positive number of seconds, at most 86400 (default 960)")
	}
	return d, nil
}

func maxConcurrencyParam(v any) (int, error) {
	if absent(v) {
		return DefaultMaxConcurrency, nil
	}
	n, ok := intValue(v)
	if !ok || n < 1 || n > 16 {
		return 0, paramError("max_concurrency", v, "an integer from 1 to 16")
	}
	return n, nil
}
