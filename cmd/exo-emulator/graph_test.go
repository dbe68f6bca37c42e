package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// graph sends a Graph request under graph_url and decodes the JSON answer (nil when empty).
func (s *server) graph(t *testing.T, token, method, path string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	u := path
	if !strings.HasPrefix(u, "https://") {
		u = s.params(t, "params.json")["graph_url"].(string) + path
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
	}
	return resp.StatusCode, resp.Header, m
}

func (s *server) graphToken(t *testing.T, file string) string {
	t.Helper()
	return s.tokenFor(t, file, s.params(t, file)["graph_url"].(string)+"/.default")
}

func (s *server) stats(t *testing.T) map[string]any {
	t.Helper()
	resp, err := s.client.Get(s.url + "/_emulator/stats")
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	return m
}

const queries = "/beta/security/auditLog/queries"

func TestRunGraph(t *testing.T) {
	s := startServer(t, "-records", "300", "-days", "1", "-graph-delay", "300ms", "-graph-record-limit", "120")
	tok := s.graphToken(t, "params.json")
	for _, f := range []string{"params.json", "params-noroles.json", "params-nograph.json"} {
		assert.True(t, strings.HasPrefix(s.params(t, f)["graph_url"].(string), s.url), "%s graph_url is on the emulator", f)
	}

	status, _, _ := s.graph(t, tok, http.MethodPost, "/v1.0/security/auditLog/queries", map[string]any{"displayName": "v1"})
	assert.Equal(t, http.StatusNotFound, status, "live: v1.0 create answers 404")
	status, _, q := s.graph(t, tok, http.MethodPost, queries, map[string]any{"displayName": "beta"})
	require.Equal(t, http.StatusCreated, status)
	assert.Equal(t, "notStarted", q["status"])
	id := q["id"].(string)

	status, hdr, _ := s.graph(t, tok, http.MethodPost, queries, map[string]any{})
	assert.Equal(t, http.StatusTooManyRequests, status, "creates faster than 1 per second")
	assert.Equal(t, "1", hdr.Get("Retry-After"))

	status, _, body := s.graph(t, tok, http.MethodGet, queries+"/"+id+"/records", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "The query is not ready", body["error"].(map[string]any)["message"])

	deadline := time.Now().Add(10 * time.Second)
	for q["status"] != "succeeded" {
		require.True(t, time.Now().Before(deadline), "query never succeeded: %v", q)
		time.Sleep(50 * time.Millisecond)
		status, _, q = s.graph(t, tok, http.MethodGet, queries+"/"+id, nil)
		require.Equal(t, http.StatusOK, status)
	}
	assert.Equal(t, true, q["isRecordCountLimitExceeded"])
	assert.Equal(t, float64(120), q["recordCountLimit"])
	assert.Equal(t, float64(120), q["approximateReturnedRecordCount"])

	n, next := 0, queries+"/"+id+"/records?$top=50"
	for next != "" {
		status, _, page := s.graph(t, tok, http.MethodGet, next, nil)
		require.Equal(t, http.StatusOK, status)
		for _, v := range page["value"].([]any) {
			r := v.(map[string]any)
			audit := r["auditData"].(map[string]any)
			assert.Equal(t, audit["UserKey"], r["userId"], "live: userId is the UserKey")
			assert.Equal(t, audit["UserId"], r["userPrincipalName"])
			assert.Nil(t, r["clientIp"])
			assert.NotEmpty(t, audit["@odata.type"])
			n++
		}
		next, _ = page["@odata.nextLink"].(string)
	}
	assert.Equal(t, 120, n)

	status, _, _ = s.graph(t, tok, http.MethodDelete, queries+"/"+id, nil)
	assert.Equal(t, http.StatusNoContent, status)

	for _, f := range []string{"params-noroles.json", "params-nograph.json"} {
		status, _, _ := s.graph(t, s.graphToken(t, f), http.MethodPost, queries, map[string]any{})
		assert.Equal(t, http.StatusForbidden, status, f)
	}

	st := s.stats(t)
	assert.Equal(t, float64(1), st["GraphQueries"])
	assert.Equal(t, float64(1), st["GraphV1NotFound"])
	assert.Equal(t, float64(1), st["GraphThrottledCreates"])
	assert.Equal(t, float64(1), st["GraphDeletes"])
	assert.Equal(t, float64(1), st["GraphTruncated"])
	assert.Equal(t, float64(120), st["GraphRecords"])
}

func TestRunGraphFaults(t *testing.T) {
	s := startServer(t, "-records", "20", "-days", "1", "-graph-delay", "0", "-graph-create-interval", "0", "-fault", "graph-fail=1")
	tok := s.graphToken(t, "params.json")
	status, _, q := s.graph(t, tok, http.MethodPost, queries, map[string]any{})
	require.Equal(t, http.StatusCreated, status)
	status, _, q = s.graph(t, tok, http.MethodGet, queries+"/"+q["id"].(string), nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "failed", q["status"])
	status, _, _ = s.graph(t, tok, http.MethodPost, queries, map[string]any{})
	assert.Equal(t, http.StatusCreated, status, "-graph-create-interval 0 lifts the create limit")

	th := startServer(t, "-records", "20", "-days", "1", "-fault", "graph-throttle=1")
	status, hdr, _ := th.graph(t, th.graphToken(t, "params.json"), http.MethodPost, queries, map[string]any{})
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.NotEmpty(t, hdr.Get("Retry-After"))
}

func TestRunGraphFlagsRefused(t *testing.T) {
	assert.Equal(t, 2, run(t.Context(), []string{"-state-dir", t.TempDir(), "-graph-record-limit", "0"}, io.Discard, io.Discard))
}
