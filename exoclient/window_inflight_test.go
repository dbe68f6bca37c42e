package exoclient

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// TestStreamingWindowsInFlight: a streaming search starts a window only while the windows
// in flight stay within streamRowsInFlight rows (6 windows of 44,500 rows at 5,000 per
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
		{name: "streaming, credible counts: 44,500-row windows", each: each, credible: true, maxRoom: 6},
		{name: "streaming, counts not credible: 25,000-row windows", each: each, maxRoom: 11},
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
			for room < 64 && s.roomForWindow(room, room*s.windowRows()) {
				room++
			}
			require.Equal(t, tc.maxRoom, room, "windows of %d rows", s.windowRows())
		})
	}
}

// TestStreamingRowsHeld: the rows a window in flight counts for are those it was sized
// for until its first page states its size, then that size; a done window counts for
// nothing. Room for one more window follows the sum.
func TestStreamingRowsHeld(t *testing.T) {
	s := testSearcher(nil, 16)
	s.each = func(auditsearch.Window, []auditsearch.Record) error { return nil }
	s.defaults()
	s.counts.observe(60000, sessionPageSize)
	want := s.windowRows() // 44,500
	run := &windowRun{}
	windows := make([]auditsearch.Window, 6)
	for i := range windows {
		windows[i] = auditsearch.Window{Start: testEpoch.Add(time.Duration(i) * time.Hour), End: testEpoch.Add(time.Duration(i+1) * time.Hour)}
		run.hold(windows[i], want)
	}
	require.Equal(t, 6*want, run.rowsHeld)
	require.False(t, s.roomForWindow(6, run.rowsHeld), "six windows of %d rows fill %d", want, streamRowsInFlight)
	for _, w := range windows[:3] {
		run.hold(w, 30000) // their first pages: smaller than planned
	}
	require.Equal(t, 3*want+3*30000, run.rowsHeld)
	require.True(t, s.roomForWindow(6, run.rowsHeld), "room once the counts show smaller windows")
	for _, w := range windows[3:] {
		run.hold(w, 50000) // bigger than planned
	}
	require.Equal(t, 3*30000+3*50000, run.rowsHeld)
	require.False(t, s.roomForWindow(6, run.rowsHeld), "no room once the counts show bigger windows")
	run.hold(windows[3], 0) // done
	require.Equal(t, 3*30000+2*50000, run.rowsHeld)
	require.True(t, s.roomForWindow(5, run.rowsHeld))
	require.Len(t, run.held, 5)
}
