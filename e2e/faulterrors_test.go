package e2e

import (
	"context"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errorCase is a configuration a search cannot get through: a fault on every call, or an
// app or a date the service refuses.
type errorCase struct {
	name  string
	opts  emulator.Options
	fault string // the fault at rate 1, if any
	// params are the plugin params (default em.Params()).
	params func(t *testing.T, em *emulator.Emulator) map[string]any
	// want is the exact error text once request ids, elapsed times, the emulator's URL and
	// the service's dates are replaced by <request-id>, <elapsed>, <url> and <date>.
	want string
	// calls is the number of InvokeCommand calls the search makes before it gives up.
	calls int
}

func errorCases() []errorCase {
	retried := func(fault string) emulator.Options {
		return emulator.Options{Faults: map[string]float64{fault: 1}}
	}
	return []errorCase{
		{name: "token-error", fault: emulator.FaultTokenError, opts: retried(emulator.FaultTokenError), calls: 0,
			want: "Entra ID refused the token request (HTTP 500 AADSTS90033: A transient error has occurred. Please try again) " +
				"[request id <request-id>]. Entra ID is temporarily unavailable: try again in a few minutes."},
		{name: "throttle", fault: emulator.FaultThrottle, opts: retried(emulator.FaultThrottle), calls: 8,
			want: "Exchange Online kept throttling the requests (8 attempts over <elapsed> [request id <request-id>]). " +
				"Lower max_concurrency, narrow the date range, or try again later."},
		// The emulator names the transient exceptions in turn, at 400 and 500 alternately:
		// the eighth is ServerInMMException at 500.
		{name: "transient", fault: emulator.FaultTransient, opts: retried(emulator.FaultTransient), calls: 8,
			want: "Exchange Online's back end was temporarily unavailable (ServerInMMException) (HTTP 500 InternalServerError: " +
				"The server is in maintenance mode and cannot process the request) [request id <request-id>]. " +
				"Try again in a few minutes. (Gave up after 8 attempts over <elapsed>.)"},
		{name: "canceled", fault: emulator.FaultCanceled, opts: retried(emulator.FaultCanceled), calls: 8,
			want: "Exchange Online kept answering without records and with a failure warning (WARNING: Failed to process " +
				"request via Sync Search mode. A task was canceled.): the service gave up on the search, usually because " +
				"it ran too long. Try again later, or narrow the date range or the filters. (Gave up after 8 attempts over <elapsed>.)"},
		{name: "no audit role", calls: 1,
			params: func(_ *testing.T, em *emulator.Emulator) map[string]any { return em.ParamsNoRoles() },
			want: "Exchange Online refused the search: the app is not allowed to run Search-UnifiedAuditLog (HTTP 403: Forbidden) " +
				"[request id <request-id>]. Assign the app's service principal the \"View-Only Audit Logs\" or \"Audit Logs\" " +
				"role (e.g. via the Compliance Management role group), make sure the app has the Exchange.ManageAsApp permission " +
				"with admin consent, and allow up to an hour for the change to apply."},
		// The 401 is answered once more with a fresh token before the search gives up.
		{name: "no Exchange.ManageAsApp", calls: 2,
			params: func(t *testing.T, em *emulator.Emulator) map[string]any {
				p, err := em.RegisterApp(emulator.AppSpec{Name: "audit reader without ManageAsApp",
					Permissions: []string{emulator.PermissionAuditLogsQuery}, AuditRole: true})
				require.NoError(t, err)
				return p
			},
			want: "Exchange Online rejected the access token even after getting a fresh one (HTTP 401 Unauthorized: " +
				"Authentication failed: the access token does not grant Exchange.ManageAsApp. Acquire a new token for " +
				"<url>/.default) [request id <request-id>]. Check that the app has the Office 365 Exchange Online permission " +
				"Exchange.ManageAsApp with admin consent, that organization is right, and that url matches the tenant's cloud."},
		// The data set spans two days; the tenant keeps one.
		{name: "start date before retention", opts: emulator.Options{Retention: 24 * time.Hour}, calls: 1,
			want: "Exchange Online refused the start date: it lies before the tenant's audit log retention, and the earliest " +
				"date that can be searched is <rfc3339> (<date> UTC) (HTTP 400 BadRequest: Audit log search argument startDate should be " +
				"after <date> UTC) [request id <request-id>]. Choose a start_date after that date."},
	}
}

// TestFaultErrors: a search that cannot succeed ends in one error entry whose text is the
// exact sentence an analyst reads (what happened and what to do), after the calls the
// retry budget allows and no more, and (debug logs on) without leaking a secret. The
// retried cases wait out the client's backoff (about 40 s to a minute each, 7 s for
// throttling, whose Retry-After is 1 s), so they run in parallel.
func TestFaultErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range errorCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.Records, opts.Days, opts.Seed = 500, 2, 5
			env := newSecretsEnv(t, opts)
			em := env.em
			params := em.Params()
			if tc.params != nil {
				params = tc.params(t, em)
			}
			params, pfx := sentinelCertificate(t, params)
			env.secrets.add(pfxSecrets(pfx)...)
			start, end := window(em)
			began := time.Now()
			out := env.p.search(t, params, map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": 50})
			t.Logf("%s: gave up after %s", tc.name, time.Since(began).Round(100*time.Millisecond))
			env.assertClean(t, out)
			require.Len(t, out.Entries, 1, "one error entry and nothing else: %+v", out.Entries)
			assertClearError(t, out.Entries[0])
			text := out.Entries[0].text()
			assert.Equal(t, tc.want, normalizeError(text, em.URL()), "the exact text")
			assertNoControlCharacters(t, text)
			assert.NotContains(t, text, "Invalid Operation")
			stats := em.Stats()
			assert.Equal(t, tc.calls, stats.InvokeCalls, "InvokeCommand calls")
			if tc.fault != "" {
				assert.Positive(t, stats.Faults[tc.fault], "the fault fired")
			}
			if tc.opts.Retention > 0 {
				assertRetentionDate(t, text, em.Now().Add(-tc.opts.Retention))
			}
		})
	}
}

var (
	requestIDShape = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	elapsedShape   = regexp.MustCompile(`over [0-9hms.]*[hms]`)
	// dotNetDateShape is .NET's invariant "G" format, in which the service writes dates.
	dotNetDateShape = regexp.MustCompile(`\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M`)
	// rfc3339Shape is the same date as the plugin restates it.
	rfc3339Shape = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z`)
)

// normalizeError replaces what changes from run to run in an error text.
func normalizeError(text, url string) string {
	text = strings.ReplaceAll(text, url, "<url>")
	text = requestIDShape.ReplaceAllString(text, "<request-id>")
	text = elapsedShape.ReplaceAllString(text, "over <elapsed>")
	text = rfc3339Shape.ReplaceAllString(text, "<rfc3339>")
	return dotNetDateShape.ReplaceAllString(text, "<date>")
}

// assertRetentionDate: the date the error names is the tenant's retention limit.
func assertRetentionDate(t *testing.T, text string, earliest time.Time) {
	t.Helper()
	m := dotNetDateShape.FindString(text)
	require.NotEmpty(t, m, "the error names the earliest date")
	named, err := time.Parse("1/2/2006 3:04:05 PM", m)
	require.NoError(t, err)
	assert.WithinDuration(t, earliest, named, time.Minute)
}

func assertNoControlCharacters(t *testing.T, text string) {
	t.Helper()
	for _, r := range text {
		if r < 0x20 || r == 0x7f {
			t.Errorf("control character %U in %q", r, text)
			return
		}
	}
}

// TestSlowResponsesBeyondTimeout: every InvokeCommand answer takes longer than `timeout`; the
// search ends (after its bounded retries) in a clear error naming the timeout, not a hang,
// and (debug logs on) no secret or token leaks on the way.
func TestSlowResponsesBeyondTimeout(t *testing.T) {
	t.Parallel()
	env := newSecretsEnv(t, emulator.Options{Records: 200, Days: 1, Seed: 5, Latency: 3 * time.Second})
	params, pfx := sentinelCertificate(t, env.em.Params())
	env.secrets.add(pfxSecrets(pfx)...)
	start, end := window(env.em)
	params["timeout"] = "1"
	began := time.Now()
	out := env.p.search(t, params, map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": 50})
	env.assertClean(t, out)
	t.Logf("gave up after %s", time.Since(began).Round(time.Second))
	errs := out.errors()
	require.Len(t, errs, 1, "entries: %+v", out.Entries)
	assertClearError(t, out.Entries[0])
	assert.Contains(t, errs[0], "did not answer within the timeout of 1s")
	assert.Contains(t, errs[0], "Raise the timeout parameter")
}

// TestSIGTERMDuringSearch: SIGTERM while a slow search runs makes the binary write an error
// entry and completed, then exit 0 promptly.
func TestSIGTERMDuringSearch(t *testing.T) {
	t.Parallel()
	em := startEmulator(t, emulator.Options{Records: 200, Days: 1, Seed: 5, Latency: 20 * time.Second})
	p := startPlugin(t, em)
	start, end := window(em)
	go func() {
		for deadline := time.Now().Add(time.Minute); em.Stats().InvokeCalls == 0 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := p.exec(ctx, "o365-auditlog-search", em.Params(), map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": 50})
	signalled := time.Now()
	errs := out.errors()
	require.Len(t, errs, 1, "entries: %+v", out.Entries)
	assertClearError(t, out.Entries[0])
	assert.Contains(t, errs[0], "cancel")

	require.NoError(t, p.Wait(15*time.Second), "exit status 0 within 15 s of SIGTERM")
	assert.Less(t, time.Since(signalled), 5*time.Second)
}
