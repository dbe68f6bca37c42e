package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// graphToken gets a Graph token for app i.
func (e *Emulator) graphToken(t *testing.T, i int) string {
	t.Helper()
	a := e.app(i)
	form := e.tokenForm(a.clientID, e.buildAssertion(t, a, assertionSpec{}))
	form.Set("scope", e.GraphURL()+"/.default")
	status, body := e.tokenRequest(t, e.Organization(), form)
	require.Equal(t, http.StatusOK, status, "%v", body)
	return body["access_token"].(string)
}

// graphResult is one Graph answer.
type graphResult struct {
	Status int
	Header http.Header
	Raw    []byte
}

func (g graphResult) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(g.Raw, &m), "%s", g.Raw)
	return m
}

// graphCall sends a Graph request; path is relative to GraphURL unless it is a full URL.
func (e *Emulator) graphCall(t *testing.T, token, method, path string, body any) graphResult {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	u := path
	if !strings.HasPrefix(u, "https://") {
		u = e.GraphURL() + path
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return graphResult{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
}

// createQuery creates a query on beta and returns its id.
func (e *Emulator) createQuery(t *testing.T, token string, body map[string]any) string {
	t.Helper()
	res := e.graphCall(t, token, http.MethodPost, "/beta/security/auditLog/queries", body)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Raw)
	return res.json(t)["id"].(string)
}

// waitQuery polls a query until it leaves notStarted/running and returns its last body.
func (e *Emulator) waitQuery(t *testing.T, token, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := e.graphCall(t, token, http.MethodGet, "/beta/security/auditLog/queries/"+id, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
		m := res.json(t)
		if s := m["status"]; s != GraphNotStarted && s != GraphRunning {
			return m
		}
		require.True(t, time.Now().Before(deadline), "query %s never finished", id)
		time.Sleep(20 * time.Millisecond)
	}
}

// graphRecord is one decoded record with its auditData text as served.
type graphRecord struct {
	Envelope map[string]any
	Audit    json.RawMessage
}

// allRecords pages through a query's records $top at a time.
func (e *Emulator) allRecords(t *testing.T, token, id string, top int) ([]graphRecord, int) {
	t.Helper()
	next := "/beta/security/auditLog/queries/" + id + "/records?$top=" + itoa(top)
	var out []graphRecord
	pages := 0
	for next != "" {
		res := e.graphCall(t, token, http.MethodGet, next, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"@odata.nextLink"`
		}
		require.NoError(t, json.Unmarshal(res.Raw, &page))
		require.LessOrEqual(t, len(page.Value), top)
		for _, v := range page.Value {
			var env map[string]any
			var audit struct {
				AuditData json.RawMessage `json:"auditData"`
			}
			require.NoError(t, json.Unmarshal(v, &env))
			require.NoError(t, json.Unmarshal(v, &audit))
			out = append(out, graphRecord{Envelope: env, Audit: audit.AuditData})
		}
		next = page.NextLink
		pages++
	}
	return out, pages
}

// annotationRE matches one OData annotation member as the emulator writes them.
var annotationRE = regexp.MustCompile(`"[^"]*@odata\.type":"[^"]*",?`)

// stripAnnotations removes the annotations textually, leaving every other byte.
func stripAnnotations(b []byte) []byte { return annotationRE.ReplaceAll(b, nil) }

func recordIDs(rs []graphRecord) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Envelope["id"].(string)
	}
	return out
}

// fastGraph are options for Graph tests: short queries and no create spacing.
func fastGraph(o Options) Options {
	if o.GraphDelay == 0 {
		o.GraphDelay = 100 * time.Millisecond
	}
	if o.GraphCreateInterval == 0 {
		o.GraphCreateInterval = -1
	}
	return o
}
