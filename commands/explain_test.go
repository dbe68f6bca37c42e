package commands

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/graphclient"
	"github.com/o365auditlog/o365auditlog/msclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func exoErr(status int, code, msg string) *msclient.APIError {
	return &msclient.APIError{Source: msclient.SourceExchange, Status: status, Code: code, Message: msg, RequestID: "rid-1"}
}

// deadlineErr is last as msclient reports it when the command's deadline passed.
func deadlineErr(last error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	return msclient.Canceled(ctx, last)
}

// throttling marks e as exoclient's response checker does for the concurrency message.
func throttling(e *msclient.APIError) *msclient.APIError {
	e.Throttling = true
	return e
}

func TestExplain(t *testing.T) {
	urlErr := func(err error) error { return &url.Error{Op: "Post", URL: "https://outlook.office365.com/x", Err: err} }
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"nil", nil, nil},
		{"config", &msclient.ConfigError{Field: auditsearch.FieldURL, Problem: "must be an https URL"}, []string{"parameter url must be an https URL", "Fix it"}},
		{"canceled", fmt.Errorf("search: %w", context.Canceled), []string{"canceled", "Run it again"}},
		{"deadline", deadlineErr(exoErr(503, "", "")), []string{"ran out of time", "Narrow the date range"}},
		{"forbidden", exoErr(403, "Forbidden", "Access denied"), []string{"not allowed to run Search-UnifiedAuditLog", "View-Only Audit Logs", "Audit Logs", "Exchange.ManageAsApp", "rid-1"}},
		{"not allowed message on 400", exoErr(400, "", "The user \"app\" is not allowed to call Search-UnifiedAuditLog."), []string{"View-Only Audit Logs", "\"Audit Logs\""}},
		{"unauthorized", exoErr(401, "", "invalid token"), []string{"rejected the access token", "Exchange.ManageAsApp", "organization"}},
		{"retention", exoErr(400, "", "The StartDate is earlier than the audit log retention period."), []string{"beyond the audit log retention", "later start_date"}},
		{"404", exoErr(404, "", "Not Found"), []string{"Check url and organization"}},
		{"500", exoErr(500, "", "Internal"), []string{"failed to answer", "request id", "rid-1"}},
		{"429 alone", exoErr(429, "", "slow"), []string{"throttling", "max_concurrency"}},
		{"throttling out of budget", &msclient.RetryError{Attempts: 8, Elapsed: 3 * time.Minute, Err: exoErr(429, "", "")}, []string{"kept throttling", "8 attempts over 3m0s", "max_concurrency"}},
		{"concurrency out of budget", &msclient.RetryError{Attempts: 3, Elapsed: time.Minute, Err: throttling(exoErr(400, "", "maximum number of concurrent requests per tenant"))}, []string{"kept throttling"}},
		{"5xx out of budget", &msclient.RetryError{Attempts: 8, Elapsed: time.Minute, Err: exoErr(503, "", "")}, []string{"failed to answer", "Gave up after 8 attempts"}},
		{"session lost", fmt.Errorf("%w: %w", auditsearch.ErrSessionLost, exoErr(500, "", "")), []string{"session", "Run the search again"}},
		{"undecodable", &msclient.DecodeError{Err: errors.New("unexpected EOF")}, []string{"could not be read", "Try again"}},
		{"too large", &msclient.PageTooLargeError{Limit: 256 << 20}, []string{"256 MiB", "smaller result_size"}},
		{"unknown authority", urlErr(unknownAuthority), []string{"unknown authority", "SSL_CERT_FILE", "insecure"}},
		{"host name", urlErr(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "outlook.office365.com"}), []string{"does not match its host name", "outlook.office365.com"}},
		{"dns", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "outlook.office365.com", IsNotFound: true}}), []string{"Could not resolve the host outlook.office365.com", "proxy"}},
		{"proxy", urlErr(&net.OpError{Op: "proxyconnect", Net: "tcp", Err: errors.New("connection refused")}), []string{"through the proxy", "HTTPS_PROXY", "proxy parameter"}},
		{"refused", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), []string{"refused the connection", "firewall"}},
		{"timeout", urlErr(timeoutErr{}), []string{"did not answer within the timeout", "timeout parameter"}},
		{"token timeout", &msclient.TokenError{Err: urlErr(timeoutErr{})}, []string{"Entra ID (the sign-in authority) did not answer", "timeout"}},
		{"token other", &msclient.TokenError{Err: errors.New("something odd")}, []string{"Getting an access token from Entra ID failed (something odd)", "Check organization"}},
		{"reset", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), []string{"connection to Exchange Online failed", "try again"}},
		{"authority 5xx", &msclient.APIError{Source: msclient.SourceAuthority, Status: 503, Code: "temporarily_unavailable", Message: "busy"}, []string{"Entra ID refused the token request (HTTP 503 temporarily_unavailable: busy)", "try again in a few minutes"}},
		{"source unset counts as Exchange", &msclient.APIError{Status: 403, Message: "is not allowed to call Search-UnifiedAuditLog"}, []string{"View-Only Audit Logs"}},
		{"other", errors.New("weird"), []string{"weird", "Check the integration parameters"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Explain(tc.err)
			if tc.err == nil {
				assert.Equal(t, "", got)
				return
			}
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			assert.True(t, strings.HasSuffix(strings.TrimSpace(got), ".") || strings.HasSuffix(got, ".)"), "a full sentence:", got)
		})
	}
}

var unknownAuthority = x509.UnknownAuthorityError{}

// TestEveryCertProblemIsExplained keeps the msclient.CertProblem list and Explain in step.
func TestEveryCertProblemIsExplained(t *testing.T) {
	for p := msclient.CertNotBase64; p <= msclient.CertNotYetValid; p++ {
		e := &msclient.CertError{Problem: p, Subject: "CN=x", NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1, 0)}
		s, ok := explainCert(e)
		assert.True(t, ok && len(s) > 40, p)
		assert.True(t, e.Error() != "certificate cannot be used", p)
	}
}

// TestExplainServiceInstability: failures caused by the service, not by the settings, must
// not send the analyst to the integration parameters; they say to retry later or narrow
// the search.
func TestExplainServiceInstability(t *testing.T) {
	w := auditsearch.Window{Start: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)}
	failed := fmt.Errorf("search window %s: %w", w, &auditsearch.WindowFailedError{Window: w, Attempts: 8, Last: "call 2: bogus row"})
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"window failed", failed, []string{"Exchange Online kept failing", "2026-01-02T03:00:00Z to 2026-01-02T04:00:00Z",
			fmt.Sprintf("%d result sessions", 8), "try again later", "narrow the date range"}},
		{"window failed inside a retry", &msclient.RetryError{Attempts: 2, Elapsed: time.Second, Err: failed}, []string{"kept failing", "try again later"}},
		{"5xx out of budget", &msclient.RetryError{Attempts: 8, Elapsed: time.Minute, Err: exoErr(502, "", "Bad Gateway")}, []string{"failed to answer", "Try again in a few minutes"}},
		{"undecodable out of budget", &msclient.RetryError{Attempts: 8, Elapsed: time.Minute, Err: &msclient.DecodeError{Err: errors.New("unexpected EOF")}}, []string{"could not be read", "Try again"}},
		{"token endpoint 500 out of budget", &msclient.RetryError{Attempts: 4, Elapsed: time.Minute, Err: &msclient.APIError{Source: msclient.SourceAuthority, Status: 500, Code: "AADSTS90033", Message: "A transient error has occurred"}}, []string{"Entra ID", "try again in a few minutes"}},
		{"session lost", fmt.Errorf("%w: %w", auditsearch.ErrSessionLost, exoErr(500, "", "")), []string{"Run the search again", "narrow the date range"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Explain(tc.err)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			assert.NotContains(t, got, "Check the integration parameters")
			assert.NotContains(t, got, "no trustworthy session", "internal jargon stays in the logs")
		})
	}
	var wf *auditsearch.WindowFailedError
	require.ErrorAs(t, failed, &wf)
	assert.Contains(t, failed.Error(), "no trustworthy session after", "the log text is unchanged")
}

// TestHTMLErrorPageAsText: a gateway's HTML error page reaches the analyst as its words.
func TestHTMLErrorPageAsText(t *testing.T) {
	body := `<html><head><title>504 Gateway Timeout</title><style>p{color:red}</style></head><body><h1>Gateway Timeout</h1>` +
		`<p>The service is temporarily unable to process the request.</p><script>alert(1)</script></body></html>`
	got := msclient.PlainText([]byte(body))
	assert.Equal(t, "504 Gateway Timeout Gateway Timeout The service is temporarily unable to process the request.", got)
	assert.Equal(t, "a < b and c > d", msclient.PlainText([]byte("a < b and c > d")), "text that is not HTML is kept")
	msg := Explain(&msclient.RetryError{Attempts: 8, Elapsed: time.Minute, Err: msclient.NewAPIError(msclient.Service{Source: msclient.SourceExchange}, 504, http.Header{}, []byte(body), "rid")})
	assert.NotContains(t, msg, "<")
	assert.Contains(t, msg, "HTTP 504")
}

// TestTokenConnectionReset: a connection to Entra ID that broke is worded as such, not as
// a refused sign-in.
func TestTokenConnectionReset(t *testing.T) {
	err := &msclient.TokenError{Err: &url.Error{Op: "Post", URL: "https://login.microsoftonline.com/x", Err: syscall.ECONNRESET}}
	got := Explain(err)
	assert.Contains(t, got, "The connection to Entra ID (the sign-in authority) failed")
}

// The Graph backend's errors are worded for the analyst: what happened, what to do.
func TestExplainGraph(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"no permission", &msclient.MissingPermissionError{Service: msclient.SourceGraph, Permission: msclient.PermissionAuditLogsQuery, Have: []string{}},
			[]string{"lacks the Microsoft Graph application permission AuditLogsQuery.Read.All", "admin consent", "backend=exchange"}},
		{"legacy permission", &msclient.MissingPermissionError{Service: msclient.SourceGraph, Permission: msclient.PermissionAuditLogsQuery, Legacy: msclient.PermissionAuditLogLegacy},
			[]string{"only the legacy AuditLog.Read.All", "no records without any error", "Grant the application permission AuditLogsQuery.Read.All"}},
		{"no ManageAsApp", fmt.Errorf("ping: %w", &msclient.MissingPermissionError{Service: msclient.SourceExchange, Permission: msclient.PermissionManageAsApp}),
			[]string{"lacks the Exchange Online application permission Exchange.ManageAsApp"}},
		{"sovereign cloud", &graphclient.UnavailableError{Cloud: "GCC High", Host: "outlook.office365.us"},
			[]string{"do not exist in the GCC High cloud (outlook.office365.us)", "backend=exchange"}},
		{"record type", &graphclient.RecordTypeError{RecordType: "MicrosoftTeamsAddOns"},
			[]string{"MicrosoftTeamsAddOns has no Microsoft Graph name", "backend=exchange or auto"}},
		{"failed", fmt.Errorf("wait: %w", &graphclient.QueryFailedError{ID: "q-1", Status: "failed"}),
			[]string{"query q-1 ended failed", "Run the search again"}},
		{"timeout", &graphclient.QueryTimeoutError{ID: "q-2", Status: "running", Waited: 4 * time.Hour},
			[]string{"still running after 4h0m0s", "polling=true"}},
		{"gone", &graphclient.QueryNotFoundError{ID: "q-3", Err: errors.New("404")},
			[]string{"q-3 no longer exists", "without query_id"}},
		{"refused", &msclient.APIError{Source: msclient.SourceGraph, Status: 500, Message: "Internal error."},
			[]string{"Microsoft Graph refused the audit query request (HTTP 500: Internal error)", "backend=exchange"}},
		{"budget", fmt.Errorf("submit: %w", &BudgetError{Limit: 150, Next: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}),
			[]string{"its 150 Microsoft Graph audit queries", "allowed at 2026-12-08T09:00:00Z"}},
		{"graph_url", &msclient.ConfigError{Field: auditsearch.FieldGraphURL, Problem: "must be an https URL"},
			[]string{"The integration parameter graph_url must be an https URL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Explain(c.err)
			for _, w := range c.want {
				assert.Contains(t, got, w)
			}
			assert.NotContains(t, got, "Exchange Online search failed", "a specific sentence, not the fallback")
		})
	}
}
