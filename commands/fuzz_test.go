package commands

import (
	"testing"
	"time"
)

// FuzzParseDate checks that the date parser never panics, returns UTC instants within years
// 1–9999, and reads its own RFC 3339 output back as the same instant. Seeds are in
// testdata/fuzz/FuzzParseDate.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"24 hours", "01/01/21", "2021-01-01T00:00:00+02:00", "1 month", "02/29/24 23:59:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s, testNow)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %s, not UTC", s, got)
		}
		if got.Year() < 1 || got.Year() > 9999 {
			t.Fatalf("ParseDate(%q) = %s, outside years 1–9999", s, got)
		}
		again, err := ParseDate(got.Format(time.RFC3339Nano), testNow)
		if err != nil || !again.Equal(got) {
			t.Fatalf("ParseDate(%q) = %s, but its RFC 3339 form reads back as %s, %v", s, got, again, err)
		}
	})
}
