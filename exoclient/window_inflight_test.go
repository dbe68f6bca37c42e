package exoclient

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// TestStreamingWindowsInFlight: a streaming search starts a window only while the windows
// in flight stay within streamRowsInFlight rows (8 windows of 45,000 rows at 5,000 per
// call, whatever max_concurrency is); a collecting search is not held back, and neither
// is a streaming one with no window in flight.
func TestStreamingWindowsInFlight(t *testing.T) {
	each := func(auditsearch.Window, []auditsearch.Record) error { return nil }
	cases := []struct {
		name     string
		each     func(auditsearch.Window, []auditsearch.Record) error
		credible bool
		maxRoom  int // windows that may be in flight together
	}{
		{name: "streaming, credible counts: 44,500-row windows", each: each, credible: true, maxRoom: 8},
		{name: "streaming, counts not credible: 25,000-row windows", each: each, maxRoom: 14},
		{name: "collecting", credible: true, maxRoom: 64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testSearcher(nil, 64)
			s.each = tc.each
			s.defaults()
			if tc.credible {
				s.counts.observe(60000, sessionPageSize)
			}
			room := 0
			for room < 64 && s.roomForWindow(room) {
				room++
			}
			require.Equal(t, tc.maxRoom, room, "windows of %d rows", s.windowRows())
		})
	}
}
