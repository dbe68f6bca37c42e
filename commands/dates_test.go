package commands

import (
	"testing"
	"time"
)

func utc(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
}

func TestParseDate(t *testing.T) {
	now := testNow // 2024-03-31 12:30:45 UTC
	cases := []struct {
		in   string
		now  time.Time
		want time.Time
	}{
		// relative: every unit, singular and plural, any case, spacing
		{in: "1 minute", want: utc(2024, 3, 31, 12, 29, 45)},
		{in: "90 MINUTES", want: utc(2024, 3, 31, 11, 0, 45)},
		{in: "24 hours", want: utc(2024, 3, 30, 12, 30, 45)},
		{in: "1 Hour", want: utc(2024, 3, 31, 11, 30, 45)},
		{in: "49 hours", want: utc(2024, 3, 29, 11, 30, 45)},
		{in: "3 days", want: utc(2024, 3, 28, 12, 30, 45)},
		{in: "1 day", want: utc(2024, 3, 30, 12, 30, 45)},
		{in: "  2   weeks  ", want: utc(2024, 3, 17, 12, 30, 45)},
		{in: "1week", want: utc(2024, 3, 24, 12, 30, 45)},
		{in: "0 days", want: now},
		{in: "3 days ago", want: utc(2024, 3, 28, 12, 30, 45)},
		// months and years are calendar units clamped to the month's end
		{in: "1 month", want: utc(2024, 2, 29, 12, 30, 45)},                                // leap Feb
		{in: "1 month", now: utc(2023, 3, 31, 0, 0, 0), want: utc(2023, 2, 28, 0, 0, 0)},   // Mar 31 − 1 month
		{in: "1 MONTH", now: utc(2024, 5, 31, 8, 0, 0), want: utc(2024, 4, 30, 8, 0, 0)},   // 31 → 30
		{in: "13 months", want: utc(2023, 2, 28, 12, 30, 45)},                              // across a year
		{in: "3 months", now: utc(2024, 1, 15, 0, 0, 0), want: utc(2023, 10, 15, 0, 0, 0)}, // back over New Year
		{in: "1 year", now: utc(2024, 2, 29, 6, 0, 0), want: utc(2023, 2, 28, 6, 0, 0)},    // Feb 29 − 1 year
		{in: "4 years", now: utc(2024, 2, 29, 6, 0, 0), want: utc(2020, 2, 29, 6, 0, 0)},   // leap to leap
		{in: "2 Years", want: utc(2022, 3, 31, 12, 30, 45)},
		{in: "12 months", now: utc(2024, 12, 31, 0, 0, 0), want: utc(2023, 12, 31, 0, 0, 0)},
		// relative counts from now in UTC whatever now's zone
		{in: "1 hour", now: time.Date(2024, 3, 31, 14, 30, 45, 0, time.FixedZone("x", 2*3600)), want: utc(2024, 3, 31, 11, 30, 45)},
		// MM/dd/yy and MM/dd/yyyy; two-digit years are 20yy
		{in: "01/01/21", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "01/02/21", want: utc(2021, 1, 2, 0, 0, 0)},
		{in: "1/2/99", want: utc(2099, 1, 2, 0, 0, 0)},
		{in: "12/31/2020", want: utc(2020, 12, 31, 0, 0, 0)},
		{in: "02/29/24", want: utc(2024, 2, 29, 0, 0, 0)},
		{in: "02/29/2000", want: utc(2000, 2, 29, 0, 0, 0)},
		{in: "01/01/21 13:45", want: utc(2021, 1, 1, 13, 45, 0)},
		{in: "01/01/2021 13:45:59", want: utc(2021, 1, 1, 13, 45, 59)},
		{in: "01/01/21T08:00:01", want: utc(2021, 1, 1, 8, 0, 1)},
		// yyyy-MM-dd with a space or T; no zone means UTC
		{in: "2021-01-01", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "2021-1-2", want: utc(2021, 1, 2, 0, 0, 0)},
		{in: "2021-01-01 23:59", want: utc(2021, 1, 1, 23, 59, 0)},
		{in: "2021-01-01T23:59:56", want: utc(2021, 1, 1, 23, 59, 56)},
		{in: "2021-01-01t07:08:09", want: utc(2021, 1, 1, 7, 8, 9)},
		{in: "2021-01-01 7:08", want: utc(2021, 1, 1, 7, 8, 0)},
		// RFC 3339 / ISO 8601 with offsets
		{in: "2021-01-01T00:00:00Z", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "2021-01-01T00:00:00z", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "2021-01-01T02:00:00+02:00", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "2020-12-31T19:00:00-05:00", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "2021-01-01T05:30:00+0530", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "2021-01-01T03:00:00+03", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "2021-01-01 02:00:00 +02:00", want: utc(2021, 1, 1, 0, 0, 0)},
		{in: "2021-01-01T00:00:00.5Z", want: utc(2021, 1, 1, 0, 0, 0).Add(500 * time.Millisecond)},
		{in: "2021-01-01T00:00:00.123456789+00:00", want: utc(2021, 1, 1, 0, 0, 0).Add(123456789)},
		{in: "2021-03-01T00:30:00+01:00", want: utc(2021, 2, 28, 23, 30, 0)}, // offset crosses a month
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			n := c.now
			if n.IsZero() {
				n = now
			}
			got, err := ParseDate(c.in, n)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", c.in, err)
			}
			if !got.Equal(c.want) || got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) = %s, want %s (UTC)", c.in, got, c.want)
			}
		})
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, in := range []string{
		"", "now", "yesterday", "3", "days", "3 decades", "-1 day", "+1 day", "1.5 days", "3 days later",
		"2021/01/01", "01-01-2021", "2021-01", "21-01-01", "01/01", "1/1/1", "01/01/02021",
		"2021-00-10", "2021-13-01", "2021-04-31", "2023-02-29", "1900-02-29", "0000-01-01",
		"2021-01-01T", "2021-01-01T10", "2021-01-01T10:60", "2021-01-01T10:00:60", "2021-01-01T25:00",
		"2021-01-01T10:00:00+24:00", "2021-01-01T10:00:00+02:60", "2021-01-01T10:00:00+2", "2021-01-01Z",
		"0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00", "2021-01-01T10:00:00.1234567890Z",
		"2021-01-01\n10:00", "２０２１-01-01",
	} {
		t.Run(in, func(t *testing.T) {
			if got, err := ParseDate(in, testNow); err == nil {
				t.Errorf("ParseDate(%q) = %s, want an error", in, got)
			}
		})
	}
}

func TestIsRelativeDate(t *testing.T) {
	for in, want := range map[string]bool{"3 days": true, " 1 YEAR ": true, "01/01/21": false, "": false} {
		if got := IsRelativeDate(in); got != want {
			t.Errorf("IsRelativeDate(%q) = %v", in, got)
		}
	}
}

func TestAddMonthsClamps(t *testing.T) {
	cases := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{utc(2024, 3, 31, 0, 0, 0), -1, utc(2024, 2, 29, 0, 0, 0)},
		{utc(2023, 3, 31, 0, 0, 0), -1, utc(2023, 2, 28, 0, 0, 0)},
		{utc(2024, 1, 31, 0, 0, 0), 1, utc(2024, 2, 29, 0, 0, 0)},
		{utc(2024, 1, 31, 0, 0, 0), -25, utc(2021, 12, 31, 0, 0, 0)},
		{utc(2024, 10, 31, 0, 0, 0), -1, utc(2024, 9, 30, 0, 0, 0)},
		{utc(2100, 3, 29, 0, 0, 0), -1, utc(2100, 2, 28, 0, 0, 0)}, // 2100 is not a leap year
	}
	for _, c := range cases {
		if got := addMonths(c.from, c.n); !got.Equal(c.want) {
			t.Errorf("addMonths(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}
