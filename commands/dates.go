package commands

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dateExpected is what start_date and end_date accept (DESIGN §5), for error messages.
const dateExpected = `a relative time "N unit" (N minutes, hours, days, weeks, months or years ago, ` +
	`e.g. "3 days") or a date: MM/dd/yy, MM/dd/yyyy or yyyy-MM-dd, optionally followed by HH:mm[:ss] ` +
	`after a space or a T, or RFC 3339 with an offset such as 2021-01-31T13:45:00+02:00 ` +
	`(no zone means UTC)`

// maxRelative bounds N in "N unit" so the arithmetic cannot overflow; the result must still
// fall in years 1–9999.
const maxRelative = 999_999_999

var (
	relativeRe = regexp.MustCompile(`(?i)^(\d+)[ \t]*(minute|hour|day|week|month|year)s?(?:[ \t]+ago)?$`)
	// timePart is HH:mm[:ss[.fraction]] with an optional zone (Z or ±hh[[:]mm]).
	timePart = `(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)? ?([Zz]|[+-]\d{2}(?::?\d{2})?)?`
	usDateRe = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:(?:[Tt]| +)` + timePart + `)?$`)
	isoDate  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]| +)` + timePart + `)?$`)
)

// dateError says why a date argument was rejected; problem is empty when the text matches no
// form of the grammar at all.
type dateError struct{ problem string }

func (e *dateError) Error() string {
	if e.problem == "" {
		return "unrecognised date"
	}
	return e.problem
}

// IsRelativeDate reports whether s uses the relative form "N unit".
func IsRelativeDate(s string) bool {
	return relativeRe.MatchString(strings.TrimSpace(s))
}

// ParseDate reads one start_date/end_date value (DESIGN §5) and returns the instant in UTC.
// Relative values count back from now; month and year units are calendar units clamped to the
// month's last day (Mar 31 − 1 month = Feb 28/29). Two-digit years are 20yy.
func ParseDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if m := relativeRe.FindStringSubmatch(s); m != nil {
		return relativeDate(m[1], strings.ToLower(m[2]), now.UTC())
	}
	if m := usDateRe.FindStringSubmatch(s); m != nil {
		year := m[3]
		if len(year) == 2 {
			year = "20" + year
		}
		return absoluteDate(year, m[1], m[2], m[4:])
	}
	if m := isoDate.FindStringSubmatch(s); m != nil {
		return absoluteDate(m[1], m[2], m[3], m[4:])
	}
	return time.Time{}, &dateError{}
}

func relativeDate(count, unit string, now time.Time) (time.Time, error) {
	n, err := strconv.Atoi(count)
	if err != nil || n > maxRelative {
		return time.Time{}, &dateError{problem: fmt.Sprintf("%s is too many %ss", count, unit)}
	}
	var t time.Time
	switch unit {
	case "minute":
		t = now.AddDate(0, 0, -(n / 1440)).Add(-time.Duration(n%1440) * time.Minute)
	case "hour":
		t = now.AddDate(0, 0, -(n / 24)).Add(-time.Duration(n%24) * time.Hour)
	case "day":
		t = now.AddDate(0, 0, -n)
	case "week":
		t = now.AddDate(0, 0, -7*n)
	case "month":
		t = addMonths(now, -n)
	case "year":
		t = addMonths(now, -12*n)
	}
	if t.Year() < 1 {
		return time.Time{}, &dateError{problem: "that is before year 1"}
	}
	return t, nil
}

// addMonths moves t by n calendar months, clamping the day to the target month's last day,
// unlike time.AddDate, which would turn Mar 31 − 1 month into Mar 3.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := y*12 + int(m) - 1 + n
	ny, nm := total/12, total%12
	if nm < 0 {
		ny, nm = ny-1, nm+12
	}
	month := time.Month(nm + 1)
	d = min(d, daysIn(ny, month))
	hh, mm, ss := t.Clock()
	return time.Date(ny, month, d, hh, mm, ss, t.Nanosecond(), time.UTC)
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// absoluteDate validates and assembles the fields matched by usDateRe or isoDate; clock holds
// hour, minute, second, fraction and zone (each possibly empty).
func absoluteDate(year, month, day string, clock []string) (time.Time, error) {
	y, mo, d := atoi(year), atoi(month), atoi(day)
	if y < 1 {
		return time.Time{}, &dateError{problem: "year 0 does not exist"}
	}
	if mo < 1 || mo > 12 {
		return time.Time{}, &dateError{problem: fmt.Sprintf("month %d does not exist", mo)}
	}
	if last := daysIn(y, time.Month(mo)); d < 1 || d > last {
		return time.Time{}, &dateError{problem: fmt.Sprintf("%s %d has no day %d", time.Month(mo), y, d)}
	}
	hh, mm, ss := atoi(clock[0]), atoi(clock[1]), atoi(clock[2])
	if hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, &dateError{problem: fmt.Sprintf("%s:%s is not a time of day", clock[0], clock[1])}
	}
	nanos := 0
	if frac := clock[3]; frac != "" {
		nanos = atoi((frac + "000000000")[:9])
	}
	loc, err := zone(clock[4])
	if err != nil {
		return time.Time{}, err
	}
	t := time.Date(y, time.Month(mo), d, hh, mm, ss, nanos, loc).UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, &dateError{problem: "that is outside years 1–9999 in UTC"}
	}
	return t, nil
}

// zone reads Z or ±hh[[:]mm]; empty means UTC.
func zone(z string) (*time.Location, error) {
	if z == "" || z == "Z" || z == "z" {
		return time.UTC, nil
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	h, m := atoi(digits[:2]), 0
	if len(digits) == 4 {
		m = atoi(digits[2:])
	}
	if h > 23 || m > 59 {
		return nil, &dateError{problem: fmt.Sprintf("%s is not a UTC offset", z)}
	}
	secs := (h*60 + m) * 60
	if z[0] == '-' {
		secs = -secs
	}
	return time.FixedZone(z, secs), nil
}

// atoi reads a run of ASCII digits already matched by a regexp; empty is 0.
func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
