package exoclient

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseFixedTime: the shapes the service sends are read without parseTime, and read as
// parseTime reads them; the shapes it must judge are left to it.
func TestParseFixedTime(t *testing.T) {
	for _, tc := range []struct {
		in    string
		fixed bool
	}{
		{"2026-12-07T19:23:41", true},
		{"2026-12-07T19:23:41Z", true},
		{"2026-12-07T19:23:41.0000000Z", true},
		{"2026-12-07T19:23:41.5", true},
		{"2026-12-07T19:23:41.123456789Z", true},
		{"2024-02-29T23:59:59", true},
		{"0000-01-01T00:00:00", true},
		{"2026-12-07T19:23:41.1234567891", false}, // ten digits: time.Parse truncates them
		{"2026-12-07T19:23:41.", false},
		{"2026-12-07T19:23:41.Z", false},
		{"2026-12-07T19:23:41ZZ", false},
		{"2026-12-07T19:23:41+01:00", false},
		{"2026-12-07 19:23:41", false},
		{"2026-12-07t19:23:41", false},
		{"2026-12-07T9:23:41", false},
		{"2026-02-29T00:00:00", false},
		{"2023-04-31T00:00:00", false},
		{"2026-00-07T00:00:00", false},
		{"2026-13-07T00:00:00", false},
		{"2026-12-00T00:00:00", false},
		{"2026-12-07T24:00:00", false},
		{"2026-12-07T23:60:00", false},
		{"2026-12-07T23:59:60", false},
		{"2026-1x-07T00:00:00", false},
		{"/Date(0)/", false},
		{"", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, ok := parseFixedTime([]byte(tc.in))
			require.Equal(t, tc.fixed, ok)
			require.Equal(t, parseTime(tc.in), parseTimeBytes([]byte(tc.in)))
		})
	}
}

// FuzzParseTimeBytes: the fixed-layout path reads every input as parseTime does.
func FuzzParseTimeBytes(f *testing.F) {
	for _, s := range []string{"2026-12-07T19:23:41", "2026-12-07T19:23:41.0000000Z", "2024-02-29T23:59:59.5", "1900-02-29T00:00:00Z"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		require.Equal(t, parseTime(string(b)), parseTimeBytes(b))
	})
}
