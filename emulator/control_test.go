package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestControlEndpoints(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	e := setup(t, Options{Records: 800, Days: 1, Seed: 3, IngestionDelay: time.Hour, Clock: func() time.Time { return now }})
	get := func(path string, v any) int {
		resp, err := e.HTTPClient().Get(e.URL() + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
		return resp.StatusCode
	}
	post := func(path string) int {
		resp, err := e.HTTPClient().Post(e.URL()+path, "", nil)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	q := url.Values{"StartDate": {now.Add(-48 * time.Hour).Format(time.RFC3339)}, "EndDate": {now.Format(time.RFC3339)}, "Operations": {"UserLoggedIn,FileAccessed"}}
	var gt struct {
		Count int
		IDs   []string `json:"ids"`
	}
	require.Equal(t, 200, get("/_emulator/ground-truth?"+q.Encode(), &gt))
	want := e.GroundTruth(Query{Start: now.Add(-48 * time.Hour), End: now, Operations: []string{"UserLoggedIn", "FileAccessed"}})
	require.Equal(t, len(want), gt.Count)
	require.Equal(t, want, gt.IDs)

	require.Equal(t, 200, post("/_emulator/clock?now="+now.Add(3*time.Hour).Format(time.RFC3339)))
	require.Equal(t, now.Add(3*time.Hour), e.Now())
	require.Equal(t, 200, get("/_emulator/ground-truth?"+q.Encode(), &gt))
	require.True(t, gt.Count > len(want), "records ingested after the clock moved: %d vs %d", gt.Count, len(want))
	require.Equal(t, 200, post("/_emulator/release?all=true"))
	require.Equal(t, 0, len(e.Pending()))
	var st Stats
	require.Equal(t, http.StatusOK, get("/_emulator/stats", &st))
}
