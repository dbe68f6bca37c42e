package emulator

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLateArrival(t *testing.T) {
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	// Ideal: 5,000 rows without a session (live caps them at 120, L1).
	e := setup(t, Options{Profile: ProfileIdeal, Records: 2500, Days: 2, Seed: 13, IngestionDelay: 30 * time.Minute, Stragglers: 0.05, StragglerDelay: 6 * time.Hour,
		Clock: func() time.Time { return now }})
	tok := e.accessToken(t, 0)
	first, _ := e.TimeRange()
	q := Query{Start: first, End: now}
	visible := e.GroundTruth(q)
	pending := e.Pending()
	require.True(t, len(pending) > 0, "some records must still be in flight")
	require.True(t, len(visible)+len(pending) == e.Len(), "visible %d + pending %d != %d", len(visible), len(pending), e.Len())

	t.Run("recent records are not visible yet", func(t *testing.T) {
		recent := e.GroundTruth(Query{Start: now.Add(-10 * time.Minute), End: now})
		require.Equal(t, 0, len(recent), "nothing from the last 10 minutes has been ingested")
	})
	t.Run("stragglers hours old are missing", func(t *testing.T) {
		old := 0
		for _, id := range pending {
			b, _ := e.Record(id)
			var rec struct{ CreationTime string }
			require.NoError(t, jsonUnmarshal(b, &rec))
			ct, err := time.Parse(timeLayout, rec.CreationTime)
			require.NoError(t, err)
			if now.Sub(ct) > 2*time.Hour {
				old++
			}
		}
		require.True(t, old > 0, "no straggler older than 2h among %d pending", len(pending))
	})
	t.Run("the service answers what is visible", func(t *testing.T) {
		rows := e.fullPage(t, tok, with(window(q.Start, q.End), "ResultSize", 5000))
		require.Equal(t, visible[:min(5000, len(visible))], ids(rows))
	})
	t.Run("explicit release", func(t *testing.T) {
		require.Equal(t, 1, e.Release(pending[0]))
		require.True(t, slices.Contains(e.GroundTruth(q), pending[0]), "released record must be visible")
	})
	t.Run("clock moves on", func(t *testing.T) {
		e.SetNow(now.Add(24 * time.Hour))
		defer e.SetNow(time.Time{})
		require.Equal(t, e.Len(), len(e.GroundTruth(Query{Start: first, End: now.Add(24 * time.Hour)})))
		require.Equal(t, 0, len(e.Pending()))
	})
	t.Run("release all", func(t *testing.T) {
		e.ReleaseAll()
		require.Equal(t, e.Len(), len(e.GroundTruth(q)))
	})
}
