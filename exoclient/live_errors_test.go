package exoclient

import (
	"github.com/o365auditlog/o365auditlog/msclient"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiveErrorBodies: the useful text of a live error body is in the internal exception
// or in the details behind a "|Type|" prefix, never "Invalid Operation" (DESIGN §4b L5);
// transient exceptions are retried whatever their status (L6); the retention refusal
// names the earliest date (L7); no control character reaches the analyst.
func TestLiveErrorBodies(t *testing.T) {
	const retention = "Audit log search argument startDate should be after 5/30/2019 8:58:55 PM UTC."
	cases := []struct {
		name        string
		status      int
		body        string
		wantMessage string
		retryable   bool
		explain     []string
	}{
		{name: "internal exception only", status: 400,
			body:        `{"error":{"code":"BadRequest","message":"Invalid Operation","innererror":{"internalexception":{"message":"` + retention + `","type":"System.ArgumentException"}},"@adminapi.warnings":[]}}`,
			wantMessage: retention, explain: []string{"earliest date that can be searched is 2019-05-30T20:58:55Z (5/30/2019 8:58:55 PM UTC)", "start_date"}},
		{name: "details only, typed prefix", status: 400,
			body:        `{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"message":"|Microsoft.Exchange.Management.SystemConfigurationTasks.ArgumentException|` + retention + `"}]}}`,
			wantMessage: retention, explain: []string{"5/30/2019 8:58:55 PM UTC"}},
		{name: "both, internal exception wins", status: 400,
			body:        `{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"message":"|X.YException|details text"}],"innererror":{"internalexception":{"message":"the inner text","type":"X.YException"}}}}`,
			wantMessage: "the inner text"},
		{name: "transient exception as 400", status: 400,
			body:        `{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"message":"|Microsoft.Exchange.Data.Storage.StorageTransientException|Cannot open mailbox."}]}}`,
			wantMessage: "Cannot open mailbox.", retryable: true, explain: []string{"StorageTransientException", "Try again"}},
		{name: "transient exception as 500", status: 500,
			body:        `{"error":{"code":"InternalServerError","message":"Invalid Operation","innererror":{"internalexception":{"message":"Active Directory is overloaded.","type":"Microsoft.Exchange.Data.Directory.DCOverloadedException"}}}}`,
			wantMessage: "Active Directory is overloaded.", retryable: true, explain: []string{"DCOverloadedException"}},
		{name: "403 of NUL bytes", status: 403, body: strings.Repeat("\x00", 32),
			wantMessage: "Forbidden", explain: []string{"View-Only Audit Logs", "Exchange.ManageAsApp"}},
		{name: "empty 403", status: 403, body: "", wantMessage: "Forbidden", explain: []string{"View-Only Audit Logs"}},
		{name: "control characters in the text", status: 400,
			body:        `{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"message":"|A.BException|bad\u0000value\u0007 here\r\nnext"}]}}`,
			wantMessage: "bad value here next"},
		{name: "refused record type", status: 400,
			body:        `{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"message":"|System.Management.Automation.ParameterBindingException|Cannot bind parameter 'RecordType'. Cannot convert value \"Nope\"."}]}}`,
			wantMessage: `Cannot bind parameter 'RecordType'. Cannot convert value "Nope".`, explain: []string{"record_type", "Cannot bind parameter 'RecordType'"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := msclient.NewAPIError(exchange, tc.status, http.Header{}, []byte(tc.body), "rid")
			assert.Equal(t, tc.wantMessage, e.Message)
			retryable := msclient.Classify(e).Retry
			assert.Equal(t, tc.retryable || msclient.RetryableStatus(tc.status), retryable)
			text := Explain(e)
			for _, w := range tc.explain {
				assert.Contains(t, text, w)
			}
			assert.NotContains(t, text, "Invalid Operation")
			for _, r := range text {
				assert.True(t, !unicode.IsControl(r), "control character %U in %q", r, text)
			}
		})
	}
}

// TestWarningsOfFailure: a 200 without rows whose warnings report a failure is a failed
// call (retried), an empty answer with harmless warnings is empty, and rows with a warning
// are kept (DESIGN §4b L3).
func TestWarningsOfFailure(t *testing.T) {
	canceled := `{"@odata.context":"x","adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":["WARNING: Failed to process request via Sync Search mode. A task was canceled."]}`
	env := newEnv(t, status(200, canceled), status(200, canceled), page(rowJSON("a", "2026-01-01T00:00:01Z")))
	rows, err := env.client(nil).SearchPage(t.Context(), testParams())
	require.NoError(t, err)
	assert.Len(t, rows, 1)
	assert.Equal(t, 3, env.exo.callCount())

	benign := `{"@odata.context":"x","@adminapi.warnings":["Informational: nothing to see"]}`
	env = newEnv(t, status(200, benign))
	rows, err = env.client(nil).SearchPage(t.Context(), testParams())
	require.NoError(t, err)
	assert.Empty(t, rows)

	// A session call the service cut short without a continuation lost rows.
	cut := `{"@adminapi.warnings":["There are more results available than are currently displayed."],"value":[` + rowJSON("a", "2026-01-01T00:00:01Z") + `]}`
	env = newEnv(t, status(200, cut))
	p := testParams()
	p.LargeSet, p.SessionID, p.ResultSize = true, testSessionID, 5000
	_, err = env.client(nil).SearchPage(t.Context(), p)
	assert.ErrorIs(t, err, ErrSessionLost)
}
