package e2e

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// incident is one fetch-incidents incident as the engine reads it.
type incident struct {
	Name     string `json:"name"`
	Occurred string `json:"occurred"`
	RawJSON  string `json:"rawJSON"`
	Type     string `json:"type"`
}

// fetchOnce runs one fetch-incidents and returns its incidents, or the exception text.
func fetchOnce(t *testing.T, p *plugin, params map[string]any) ([]incident, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := p.exec(ctx, "fetch-incidents", params, nil)
	if out.Exception != "" {
		require.Empty(t, out.Entries, "a failed fetch sends no entries")
		return nil, out.Exception
	}
	require.Len(t, out.Entries, 1, "stderr:\n%s", out.Stderr)
	e := out.Entries[0]
	require.Equal(t, 1, e.Type)
	require.Equal(t, "json", e.ContentsFormat)
	var incidents []incident
	require.NoError(t, json.Unmarshal([]byte(e.text()), &incidents), "Contents must be the JSON text of the list: %s", e.Contents)
	return incidents, ""
}

// TestFetchCycles runs many fetch cycles through the binary while the emulator's clock moves
// and records arrive late and out of order (ingestion delay plus stragglers, all within the
// lookback), with a backlog larger than max_fetch, faults injected, plugin restarts carrying
// the state like an engine, and failing cycles. The union of incidents must be the ground
// truth exactly, with no Id twice, and the state must stay bounded.
func TestFetchCycles(t *testing.T) {
	realStart := time.Now().UTC().Truncate(time.Second)
	em := startEmulator(t, emulator.Options{
		Records: 1500, Days: 1, Seed: 11,
		IngestionDelay: 10 * time.Minute, Stragglers: 0.25, StragglerDelay: 40 * time.Minute, // at most 55m late
		Hotspots: []emulator.Hotspot{{Start: realStart.Add(-50 * time.Minute), Duration: 50 * time.Minute, Count: 400}},
	})
	// The data set ends at realStart; the plugin's clock is the real one. The emulator's
	// clock starts an hour behind, so the last hour of records (and the late ones before it)
	// arrive as it moves forward, cycle after cycle.
	virtual := realStart.Add(-time.Hour)
	em.SetNow(virtual)
	require.NoError(t, em.SetFaults(map[string]float64{"throttle": 0.05, "unavailable": 0.05, "bogus-page": 0.05}))

	const maxFetch = 250
	params := em.Params()
	maps.Copy(params, map[string]any{
		"first_fetch": "2 days", "max_fetch": maxFetch, "fetch_lookback": "3 hours", "incidentType": "O365 Audit",
	})
	noRoles := em.ParamsNoRoles()
	maps.Copy(noRoles, map[string]any{"first_fetch": "2 days", "max_fetch": maxFetch, "fetch_lookback": "3 hours"})

	p := startPlugin(t, em)
	seen := map[string]int{} // Id → cycle that emitted it
	failures, quietCycles, caughtUp := 0, 0, -1
	for cycle := 0; cycle < 120 && quietCycles < 3; cycle++ {
		if cycle > 0 && cycle%7 == 0 { // an engine restarts the container: the state lives on
			p = startPluginWith(t, em, p.store)
		}
		switch cycle {
		case 5: // an app without the audit role
			before := string(p.lastRun())
			_, exc := fetchOnce(t, p, noRoles)
			require.NotEmpty(t, exc, "a fetch without the audit role must fail")
			assert.Equal(t, before, string(p.lastRun()), "a failed fetch leaves the state untouched")
			failures++
			continue
		case 14: // a fresh process cannot get a token
			require.NoError(t, em.SetFaults(map[string]float64{"token-error": 1}))
			before := string(p.lastRun())
			_, exc := fetchOnce(t, p, params)
			require.NotEmpty(t, exc, "a fetch without a token must fail")
			assert.Equal(t, before, string(p.lastRun()))
			require.NoError(t, em.SetFaults(map[string]float64{"throttle": 0.05, "unavailable": 0.05, "bogus-page": 0.05}))
			failures++
		}
		incidents, exc := fetchOnce(t, p, params)
		if exc != "" { // faults may exhaust the retries: the next cycle goes on from the same state
			t.Logf("cycle %d failed: %s", cycle, exc)
			continue
		}
		require.LessOrEqual(t, len(incidents), maxFetch)
		checkIncidents(t, em, incidents, cycle, seen)
		if caughtUp < 0 && len(incidents) < maxFetch {
			caughtUp = cycle // the backlog is done: what comes next arrived late
		}
		if len(incidents) == 0 && virtual.After(realStart.Add(time.Hour)) {
			quietCycles++
		}
		if !virtual.After(realStart.Add(time.Hour)) {
			virtual = virtual.Add(5 * time.Minute)
			em.SetNow(virtual)
		}
		checkState(t, p.lastRun(), len(seen))
	}
	require.Equal(t, 2, failures)
	faults := em.Stats().Faults
	t.Logf("faults applied: %v", faults)
	assert.Positive(t, faults["throttle"]+faults["unavailable"]+faults["bogus-page"], "faults were injected")
	require.Empty(t, em.Pending(), "every record has arrived by the end")

	truth := em.GroundTruth(emulator.Query{Start: realStart.AddDate(0, 0, -2), End: time.Now().UTC()})
	require.Len(t, truth, em.Len())
	slices.Sort(truth)
	got := slices.Sorted(maps.Keys(seen))
	assert.Equal(t, truth, got, "the union of the incidents is the ground truth")
	late := 0
	for _, c := range seen {
		if c > caughtUp {
			late++
		}
	}
	t.Logf("backlog done at cycle %d; %d incidents came later", caughtUp, late)
	assert.Greater(t, late, 50, "records kept arriving after the backlog was done")
}

// checkIncidents checks one cycle's incidents (oldest first, exact AuditData, named, typed)
// and records their Ids, failing on any Id already emitted.
func checkIncidents(t *testing.T, em *emulator.Emulator, incidents []incident, cycle int, seen map[string]int) {
	t.Helper()
	var last time.Time
	for _, inc := range incidents {
		var rec struct {
			ID        string `json:"Id"`
			Operation string `json:"Operation"`
		}
		require.NoError(t, json.Unmarshal([]byte(inc.RawJSON), &rec))
		if c, dup := seen[rec.ID]; dup {
			t.Fatalf("cycle %d: %s already emitted in cycle %d", cycle, rec.ID, c)
		}
		seen[rec.ID] = cycle
		occurred, err := time.Parse(time.RFC3339, inc.Occurred)
		require.NoError(t, err)
		require.False(t, occurred.Before(last), "cycle %d: not oldest first", cycle)
		last = occurred
		raw, ok := em.Record(rec.ID)
		require.True(t, ok)
		require.Equal(t, string(raw), inc.RawJSON, "rawJSON is the AuditData text")
		require.Contains(t, inc.Name, rec.Operation)
		require.Equal(t, "O365 Audit", inc.Type)
	}
}

// checkState: the state is the documented shape, under 1 MiB, its seen set no larger than
// what was emitted.
func checkState(t *testing.T, raw json.RawMessage, emitted int) {
	t.Helper()
	require.Less(t, len(raw), 1<<20)
	var st struct {
		Version   int                 `json:"version"`
		HighWater string              `json:"high_water"`
		Seen      map[string][]string `json:"seen"`
	}
	require.NoError(t, json.Unmarshal(raw, &st), "state %s", raw)
	require.Equal(t, 1, st.Version)
	_, err := time.Parse(time.RFC3339Nano, st.HighWater)
	require.NoError(t, err)
	n := 0
	for _, ids := range st.Seen {
		n += len(ids)
	}
	require.LessOrEqual(t, n, emitted)
}
