package emulator

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPrerenderServesTheSameBytes: an emulator that keeps every record's AuditData
// rendered answers a call without a session and a session's pages with exactly the bytes
// of one that renders them per call, in the live and in the ideal profile.
func TestPrerenderServesTheSameBytes(t *testing.T) {
	for _, profile := range []string{ProfileLive, ProfileIdeal} {
		t.Run(profile, func(t *testing.T) {
			clock := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
			opts := Options{Records: 3000, Days: 3, Seed: 5, Profile: profile, PageSize: -1, Clock: func() time.Time { return clock }}
			plain := setup(t, opts)
			opts.Prerender = true
			ready := setup(t, opts)
			first, last := plain.TimeRange()
			for _, params := range []map[string]any{
				with(window(first, last.Add(time.Second)), "ResultSize", 100),
				with(window(first, last.Add(time.Second)), "ResultSize", 1000, "SessionId", "s-1", "SessionCommand", "ReturnLargeSet"),
			} {
				for page := 0; page < 3; page++ {
					_, want, err := plain.rawInvoke(t, plain.accessToken(t, 0), params)
					require.NoError(t, err)
					_, got, err := ready.rawInvoke(t, ready.accessToken(t, 0), params)
					require.NoError(t, err)
					require.Greater(t, len(want), 10000, "a page with rows")
					// Links name each emulator's own address.
					want = bytes.ReplaceAll(want, []byte(plain.URL()), []byte("https://emulator"))
					got = bytes.ReplaceAll(got, []byte(ready.URL()), []byte("https://emulator"))
					if string(want) != string(got) {
						i := 0
						for i < min(len(want), len(got)) && want[i] == got[i] {
							i++
						}
						t.Fatalf("page %d of %v differs at byte %d: %q vs %q", page+1, params, i, want[max(0, i-80):min(len(want), i+80)], got[max(0, i-80):min(len(got), i+80)])
					}
				}
			}
		})
	}
}
