package exoclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchPageContinuationFailures: a transient failure on a @odata.nextLink is retried in
// place (the link serves the rest of an already selected page); a link the service refuses
// loses the rest of the call: the session is reported lost, a call without a session
// answers the rows that arrived in a *ContinuationRefusedError naming the REST page size.
func TestSearchPageContinuationFailures(t *testing.T) {
	first := func(base *string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"value": []json.RawMessage{json.RawMessage(rowJSON("a", "2026-01-01T00:00:01Z"))},
				"@odata.nextLink": *base + "/adminapi/beta/" + testTenant + "/InvokeCommand?$skiptoken=2"})
		}
	}
	unavailable := status(503, `{"error":{"code":"ServiceUnavailable","message":"try later"}}`)
	expired := status(400, `{"error":{"code":"BadRequest","message":"The $skiptoken is invalid or has expired"}}`)
	last := page(rowJSON("b", "2026-01-01T00:00:02Z"))

	cases := []struct {
		name        string
		session     bool
		replies     func(base *string) []func(http.ResponseWriter, *http.Request)
		wantIDs     []string
		wantLost    bool
		wantRefused bool
		wantCalls   int
	}{
		{name: "session: 503 on the continuation is retried in place", session: true,
			replies: func(b *string) []func(http.ResponseWriter, *http.Request) {
				return []func(http.ResponseWriter, *http.Request){first(b), unavailable, last}
			},
			wantIDs: []string{"a", "b"}, wantCalls: 3},
		{name: "session: refused continuation loses the session", session: true,
			replies: func(b *string) []func(http.ResponseWriter, *http.Request) {
				return []func(http.ResponseWriter, *http.Request){first(b), expired}
			},
			wantLost: true, wantCalls: 2},
		{name: "no session: refused continuation answers what arrived",
			replies: func(b *string) []func(http.ResponseWriter, *http.Request) {
				return []func(http.ResponseWriter, *http.Request){first(b), expired}
			},
			wantRefused: true, wantIDs: []string{"a"}, wantCalls: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnvLinked(t, tc.replies)
			p := testParams()
			if tc.session {
				p.LargeSet, p.SessionID, p.ResultSize = true, testSessionID, 5000
			}
			rows, err := env.client(nil).SearchPage(context.Background(), p)
			if tc.wantRefused {
				var refused *ContinuationRefusedError
				require.ErrorAs(t, err, &refused)
				assert.Equal(t, 1, refused.PageRows)
				rows = refused.Rows
				err = nil
			}
			if tc.wantLost {
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrSessionLost), "want ErrSessionLost, got %v", err)
				var refused *ContinuationRefusedError
				assert.ErrorAs(t, err, &refused, "a session lost to a refused continuation still says so")
			} else {
				require.NoError(t, err)
				ids := make([]string, len(rows))
				for i, r := range rows {
					ids[i] = r.ID
				}
				assert.Equal(t, tc.wantIDs, ids)
			}
			assert.Equal(t, tc.wantCalls, env.exo.callCount())
		})
	}
}
