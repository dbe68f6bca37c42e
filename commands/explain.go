package commands

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"

	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// aadstsActions maps Entra ID (AADSTS) error codes to what the analyst should do.
// Microsoft's own text is always quoted beside it; codes not listed get only that text.
var aadstsActions = map[string]string{
	// Client assertion signed by a key the app does not know (certificate not uploaded,
	// or a different certificate than the one registered).
	"AADSTS700027": "Upload this certificate's public part (.cer) under Certificates & secrets of the app registration, or configure the certificate that is registered there.",
	// Application (client) ID not found in the tenant.
	"AADSTS700016": "Check app_id and organization, and that an administrator consented to the app in this tenant.",
	// Tenant not found (wrong domain or GUID, or the wrong cloud).
	"AADSTS90002": "Check organization (e.g. contoso.onmicrosoft.com or the tenant GUID) and that url matches the tenant's cloud.",
	// Tenant identifier is neither a DNS name nor a GUID.
	"AADSTS900023": "Check organization (e.g. contoso.onmicrosoft.com or the tenant GUID).",
	// Tenant exists but is not in the cloud of this authority.
	"AADSTS90072": "Check organization and that url/auth_url name the tenant's cloud.",
	// Client assertion outside its nbf/exp window: this machine's clock is off.
	"AADSTS700024": "Fix the clock of the machine running the integration (enable NTP) and try again.",
	// The app is disabled in the tenant.
	"AADSTS7000112": "Ask an administrator to enable the application (Enterprise applications > Properties) in the tenant.",
	// The resource (Office 365 Exchange Online) is not known to the tenant or url is wrong.
	"AADSTS500011": "Check url (e.g. https://outlook.office365.com) and that the tenant has Exchange Online.",
	// Subject name/issuer authentication refused this certificate.
	"AADSTS700030": "Use the certificate registered on the app registration, or fix its subject name / issuer trust setting.",
	// Admin consent is missing for the requested permission.
	"AADSTS65001": "Ask an administrator to grant admin consent for Exchange.ManageAsApp on the app registration.",
	// Entra ID is overloaded or failing.
	"AADSTS90033": "Entra ID is temporarily unavailable: try again in a few minutes.",
}

// Explain turns any error of a backend (exoclient, msclient) into the sentence an analyst
// reads: what happened and what to do, in the integration's words (its parameter names).
// The backends state facts only. It never includes secrets.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	for _, explain := range []func(error) (string, bool){
		explainBudget, explainGraph, explainContext, explainConfig, explainCert, explainRetry, explainSession,
		explainAuthority, explainExchange, explainWarning, explainBody, explainNetwork,
	} {
		if s, ok := explain(err); ok {
			return s
		}
	}
	return "Exchange Online search failed: " + msclient.Redact(err.Error()) + ". Check the integration parameters and try again."
}

// explainBudget words the daily Graph budget refusing a submission (backend=graph).
func explainBudget(err error) (string, bool) {
	var be *BudgetError
	if !errors.As(err, &be) {
		return "", false
	}
	if be.Limit <= 0 {
		return "The integration parameter graph_daily_queries is 0, so this instance submits no Microsoft Graph audit queries. " +
			"Raise it (the tenant allows about 200 per rolling 24 hours) or search with backend=exchange.", true
	}
	return fmt.Sprintf("This instance has submitted its %d Microsoft Graph audit queries of the last 24 hours (graph_daily_queries); "+
		"the next one is allowed at %s. Search with backend=exchange until then, or raise graph_daily_queries "+
		"(the tenant allows about 200 per rolling 24 hours).", be.Limit, be.Next.UTC().Format(time.RFC3339)), true
}

// graphReason is why Microsoft Graph could not complete a search, as a clause of the
// incomplete warning.
func graphReason(err error) string {
	var be *BudgetError
	if errors.As(err, &be) {
		if be.Limit <= 0 {
			return "graph_daily_queries is 0"
		}
		return fmt.Sprintf("this instance's %d Graph audit queries per 24 hours (graph_daily_queries) are spent until %s",
			be.Limit, be.Next.UTC().Format(time.RFC3339))
	}
	return strings.TrimSuffix(Explain(err), ".")
}

func explainContext(err error) (string, bool) {
	switch {
	case errors.Is(err, context.Canceled):
		return "The command was canceled before Exchange Online answered. Run it again; if it keeps happening, the engine's command timeout may be too short for this date range.", true
	case errors.Is(err, context.DeadlineExceeded):
		return "The command ran out of time before Exchange Online answered. Narrow the date range or raise the engine's command timeout, then run it again.", true
	}
	return "", false
}

func explainConfig(err error) (string, bool) {
	var ce *msclient.ConfigError
	if !errors.As(err, &ce) {
		return "", false
	}
	return fmt.Sprintf("The integration parameter %s %s. Fix it in the integration instance settings.", paramOfField(ce.Field), ce.Problem), true
}

// paramOfField names the integration parameter behind a configuration field a backend
// refused (auditsearch.Config's field names).
func paramOfField(field string) string {
	switch field {
	case auditsearch.FieldURL:
		return "url"
	case auditsearch.FieldAuthURL:
		return "auth_url"
	case auditsearch.FieldOrganization:
		return "organization"
	case auditsearch.FieldAppID:
		return "app_id"
	case auditsearch.FieldGraphURL:
		return "graph_url"
	}
	return field
}

func explainCert(err error) (string, bool) {
	var ce *msclient.CertError
	if !errors.As(err, &ce) {
		return "", false
	}
	switch ce.Problem {
	case msclient.CertNotBase64:
		return "The certificate parameter is not base64 text. Paste the PFX file encoded as base64 (e.g. `base64 -w0 cert.pfx`).", true
	case msclient.CertNotPFX:
		return "The certificate is neither a PFX (PKCS#12) file nor PEM" + detail(ce.Detail) + ". Export the certificate with its private key as a .pfx file, base64-encode it and paste it into the certificate parameter.", true
	case msclient.CertWrongPassword:
		return "The certificate password is wrong, so the PFX file cannot be opened. Enter the password the PFX was exported with.", true
	case msclient.CertNoPrivateKey:
		return "The certificate file holds no private key. Export the certificate together with its private key (a .pfx with the key, not a .cer) and configure that.", true
	case msclient.CertNoCertificate:
		return "The certificate file holds a private key but no certificate. Export the certificate and its key together as a .pfx and configure that.", true
	case msclient.CertKeyMismatch:
		return "The private key in the certificate file does not belong to its certificate. Export the certificate together with its own private key as a .pfx and configure that.", true
	case msclient.CertUnsupportedKey:
		return "The certificate's key is not RSA" + detail(ce.Detail) + "; Entra ID app-only sign-in needs an RSA certificate. Create an RSA certificate, upload its public part to the app registration and configure it here.", true
	case msclient.CertExpired:
		return fmt.Sprintf("The certificate %s expired on %s (it was valid from %s). Create a new certificate, upload its public part to the app registration and configure it here.", ce.Subject, stamp(ce.NotAfter), stamp(ce.NotBefore)), true
	case msclient.CertNotYetValid:
		return fmt.Sprintf("The certificate %s is not valid until %s (it expires %s). Check this machine's clock, or wait until the certificate becomes valid.", ce.Subject, stamp(ce.NotBefore), stamp(ce.NotAfter)), true
	}
	return "", false
}

func explainRetry(err error) (string, bool) {
	var re *msclient.RetryError
	if !errors.As(err, &re) {
		return "", false
	}
	var apiErr *msclient.APIError
	if errors.As(re.Err, &apiErr) && apiErr.Throttled() {
		return fmt.Sprintf("%s kept throttling the requests (%d attempts over %s%s). Lower max_concurrency, narrow the date range, or try again later.",
			apiErr.Source, re.Attempts, re.Elapsed.Round(time.Second), requestIDNote(apiErr)), true
	}
	inner := re.Err
	var tokErr *msclient.TokenError
	if errors.As(err, &tokErr) {
		inner = &msclient.TokenError{Err: re.Err} // keep "Entra ID" as the party that failed
	}
	return fmt.Sprintf("%s (Gave up after %d attempts over %s.)", Explain(inner), re.Attempts, re.Elapsed.Round(time.Second)), true
}

func explainSession(err error) (string, bool) {
	var wf *auditsearch.WindowFailedError
	if errors.As(err, &wf) {
		return fmt.Sprintf("Exchange Online kept failing for the time window %s to %s (UTC): %d result sessions in a row broke off midway. "+
			"This is a service problem, not a setting: try again later, or narrow the date range.",
			wf.Window.Start.UTC().Format(time.RFC3339), wf.Window.End.UTC().Format(time.RFC3339), wf.Attempts), true
	}
	if !errors.Is(err, auditsearch.ErrSessionLost) {
		return "", false
	}
	return "A large audit log search session failed midway and could not be resumed. Run the search again; if it keeps failing, narrow the date range.", true
}

func explainAuthority(err error) (string, bool) {
	var apiErr *msclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Source != msclient.SourceAuthority {
		return "", false
	}
	what := fmt.Sprintf("Entra ID refused the token request (HTTP %d", apiErr.Status)
	if apiErr.Code != "" {
		what += " " + apiErr.Code
	}
	if apiErr.Message != "" {
		what += ": " + strings.TrimRight(apiErr.Message, ".")
	}
	what += ")" + requestIDNote(apiErr) + "."
	if action, ok := aadstsActions[apiErr.Code]; ok {
		return what + " " + action, true
	}
	if apiErr.Status >= 500 || apiErr.Status == 429 {
		return what + " Entra ID is having trouble: try again in a few minutes.", true
	}
	return what + " Check organization, app_id and the certificate registered on the app, and look the code up in Microsoft's AADSTS error reference.", true
}

func explainExchange(err error) (string, bool) {
	var apiErr *msclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Source == msclient.SourceAuthority {
		return "", false // an unset Source counts as Exchange Online
	}
	msg := strings.ToLower(apiErr.Message)
	said := serviceSaid(apiErr)
	if m := retentionText.FindStringSubmatch(apiErr.Message); m != nil {
		return "Exchange Online refused the start date: it lies before the tenant's audit log retention, and the earliest date that can be searched is " +
			retentionDate(m[1]) + said + ". Choose a start_date after that date.", true
	}
	for _, a := range exchangeAnswers {
		if a.match(apiErr, msg) {
			what := "Exchange Online " + a.said
			if a.saidOf != nil {
				what = a.saidOf(apiErr)
			}
			return what + said + ". " + a.action, true
		}
	}
	return "Exchange Online refused the search" + said + ". Check the command's arguments (dates, record_type, ip_addresses) against what Search-UnifiedAuditLog accepts.", true
}

// exchangeAnswer is one kind of Exchange Online refusal: how to recognise it (msg is the
// service's text in lower case), what the service did, and what the analyst should do.
type exchangeAnswer struct {
	match func(e *msclient.APIError, msg string) bool
	said  string
	// saidOf replaces said when the sentence depends on the error.
	saidOf func(e *msclient.APIError) string
	action string
}

// exchangeAnswers maps Exchange Online's answers to what the analyst should do; the first
// match wins, so the order matters. The service's own status, code, text and request id
// are always quoted beside it.
var exchangeAnswers = []exchangeAnswer{
	// Missing "View-Only Audit Logs" / "Audit Logs" role: 403, or a 400 whose text says the
	// cmdlet is not allowed or unknown (the role brings the cmdlet).
	{match: func(e *msclient.APIError, msg string) bool {
		return e.Status == 403 || strings.Contains(msg, "is not allowed to call search-unifiedauditlog") ||
			strings.Contains(msg, "is not recognized as the name of a cmdlet")
	},
		said:   "refused the search: the app is not allowed to run Search-UnifiedAuditLog",
		action: "Assign the app's service principal the \"View-Only Audit Logs\" or \"Audit Logs\" role (e.g. via the Compliance Management role group), make sure the app has the Exchange.ManageAsApp permission with admin consent, and allow up to an hour for the change to apply."},
	// A start date beyond retention, in the wordings other than retentionText's.
	{match: func(_ *msclient.APIError, msg string) bool {
		return strings.Contains(msg, "retention") || (strings.Contains(msg, "startdate") || strings.Contains(msg, "start date")) &&
			(strings.Contains(msg, "earlier") || strings.Contains(msg, "older") || strings.Contains(msg, "beyond"))
	},
		said:   "refused the start date: it lies beyond the audit log retention of this tenant",
		action: "Choose a later start_date (typically within the last 180 days)."},
	// A transient exception (DCOverloadedException…) that outlasted the retries.
	{match: func(e *msclient.APIError, _ string) bool { return e.Transient() },
		saidOf: func(e *msclient.APIError) string {
			return "Exchange Online's back end was temporarily unavailable (" + shortExceptionType(e) + ")"
		},
		action: "Try again in a few minutes."},
	// An unknown record type.
	{match: func(e *msclient.APIError, msg string) bool {
		return e.Status == 400 && strings.Contains(msg, "recordtype")
	},
		said:   "does not accept this record_type",
		action: "Use a record type name from Microsoft's AuditLogRecordType list (e.g. ExchangeItem, SharePointFileOperation, AzureActiveDirectoryStsLogon) or its number."},
	// A token refused even after a fresh one: missing permission or the wrong cloud.
	{match: func(e *msclient.APIError, _ string) bool { return e.Status == 401 },
		said:   "rejected the access token even after getting a fresh one",
		action: "Check that the app has the Office 365 Exchange Online permission Exchange.ManageAsApp with admin consent, that organization is right, and that url matches the tenant's cloud."},
	// 429 or the per-tenant concurrency message.
	{match: func(e *msclient.APIError, _ string) bool { return e.Throttled() },
		said:   "is throttling the requests",
		action: "Lower max_concurrency or try again later."},
	// The admin API is not there: wrong url or organization.
	{match: func(e *msclient.APIError, _ string) bool { return e.Status == 404 },
		said:   "did not find the admin API for this organization",
		action: "Check url and organization."},
	// Any other server failure.
	{match: func(e *msclient.APIError, _ string) bool { return e.Status >= 500 },
		said:   "failed to answer",
		action: "Try again in a few minutes; if it persists, report the request id to Microsoft."},
}

// retentionDate writes the service's earliest date ("5/30/2019 8:58:55 PM", US order,
// UTC) as RFC 3339, which no analyst misreads, keeping the service's text beside it; a
// date in another shape is quoted as sent.
func retentionDate(text string) string {
	text = strings.TrimSpace(text)
	for _, layout := range []string{"1/2/2006 3:04:05 PM", "1/2/2006 3:04 PM", "1/2/2006 15:04:05", "1/2/2006"} {
		if t, err := time.Parse(layout, text); err == nil {
			return t.UTC().Format(time.RFC3339) + " (" + text + " UTC)"
		}
	}
	return text + " UTC"
}

// retentionText is the live retention refusal (DESIGN §4b L7): "Audit log search argument
// startDate should be after 5/30/2019 8:58:55 PM UTC."; the group is the date.
var retentionText = regexp.MustCompile(`(?i)startDate should be after\s+(\S+?(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?)(?:\s*UTC)?(?:\.|\s|$)`)

// shortExceptionType is the transient exception's class name without its namespace, or a
// generic phrase.
func shortExceptionType(e *msclient.APIError) string {
	if e.TransientException != "" {
		return e.TransientException
	}
	return "a transient exception"
}

func explainWarning(err error) (string, bool) {
	var we *msclient.WarningError
	if !errors.As(err, &we) {
		return "", false
	}
	return "Exchange Online kept answering without records and with a failure warning (" + strings.Join(we.Warnings, " ") +
		"): the service gave up on the search, usually because it ran too long. Try again later, or narrow the date range or the filters.", true
}

// serviceSaid quotes the service's status, code, message and request id.
func serviceSaid(e *msclient.APIError) string {
	s := fmt.Sprintf(" (HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + strings.TrimRight(e.Message, ".")
	}
	return s + ")" + requestIDNote(e)
}

func requestIDNote(e *msclient.APIError) string {
	if e.RequestID == "" {
		return ""
	}
	return " [request id " + e.RequestID + "]"
}

func explainBody(err error) (string, bool) {
	var big *msclient.PageTooLargeError
	if errors.As(err, &big) {
		return fmt.Sprintf("Exchange Online sent a page larger than %d MiB. Use a smaller result_size or a narrower date range.", big.Limit>>20), true
	}
	var dec *msclient.DecodeError
	if errors.As(err, &dec) {
		return "Exchange Online sent an answer that could not be read (" + msclient.Redact(dec.Err.Error()) + "). Try again; if it persists, check that url points to Exchange Online and not to a proxy or login page.", true
	}
	return "", false
}

// brokenConnection reports a connection that broke or stalled after it was made: a failure
// msclient.Classify would retry, judged on the network error itself when it came from the
// token request (a token failure as such is never retried by the caller).
func brokenConnection(err error, tokErr *msclient.TokenError) bool {
	if tokErr != nil {
		err = tokErr.Err
	}
	return msclient.Classify(err).Retry
}

func explainNetwork(err error) (string, bool) {
	where := "Exchange Online"
	var tokErr *msclient.TokenError
	if errors.As(err, &tokErr) {
		where = "Entra ID (the sign-in authority)"
	}
	var (
		unknownCA x509.UnknownAuthorityError
		verifyErr *tls.CertificateVerificationError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		dnsErr    *net.DNSError
		opErr     *net.OpError
		netErr    net.Error
	)
	switch {
	case errors.As(err, &hostErr):
		return fmt.Sprintf("The TLS certificate of %s does not match its host name (%s). Check url/auth_url; enable insecure only for a trusted test endpoint.", where, hostErr.Host), true
	case errors.As(err, &invalid):
		return fmt.Sprintf("The TLS certificate of %s is not valid (%s). Check this machine's clock and url/auth_url; enable insecure only for a trusted test endpoint.", where, invalid.Error()), true
	case errors.As(err, &unknownCA), errors.As(err, &verifyErr):
		return fmt.Sprintf("The TLS certificate of %s is signed by an unknown authority (often a TLS-inspecting proxy). Add that CA to the trusted roots (e.g. point SSL_CERT_FILE at a bundle that includes it) or, only for testing, enable insecure.", where), true
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return fmt.Sprintf("Could not connect to %s through the proxy (%s). Check HTTPS_PROXY/NO_PROXY on the engine, or clear the proxy parameter to connect directly.", where, opErr.Err), true
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("Could not resolve the host %s of %s. Check url/auth_url and the engine's DNS; if the network needs a proxy, enable the proxy parameter.", dnsErr.Name, where), true
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("%s refused the connection. Check url/auth_url and any firewall between the engine and Microsoft; if the network needs a proxy, enable the proxy parameter.", where), true
	case errors.As(err, &netErr) && netErr.Timeout():
		var te *msclient.TimeoutError
		if errors.As(err, &te) {
			return fmt.Sprintf("%s did not answer within the timeout of %s. Raise the timeout parameter, narrow the date range, or check the network path (proxy, firewall).", where, te.After), true
		}
		return fmt.Sprintf("%s did not answer within the timeout. Raise the timeout parameter, narrow the date range, or check the network path (proxy, firewall).", where), true
	case errors.As(err, &opErr), brokenConnection(err, tokErr):
		return fmt.Sprintf("The connection to %s failed (%s). Check the network path (proxy, firewall) and try again.", where, msclient.Redact(err.Error())), true
	case tokErr != nil:
		return "Getting an access token from Entra ID failed (" + msclient.Redact(tokErr.Err.Error()) + "). Check organization, app_id, auth_url and the certificate.", true
	}
	return "", false
}

func detail(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
