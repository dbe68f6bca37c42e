package exoclient

import "time"

// parseTimeBytes is parseTime of b. Nearly every record's CreationTime is
// "2006-01-02T15:04:05" (no zone), which parseTime only reaches after RFC3339Nano has
// failed on it, and a failed time.Parse allocates its error: two allocations and a
// general layout walk per record (issue 15). That shape, with an optional fraction and
// "Z", is read here directly; anything else goes to parseTime.
func parseTimeBytes(b []byte) time.Time {
	if t, ok := parseFixedTime(b); ok {
		return t
	}
	return parseTime(string(b))
}

// parseFixedTime reads "YYYY-MM-DDTHH:MM:SS", then optionally '.' and 1 to 9 digits,
// then optionally 'Z', as UTC. ok is false for anything else, out-of-range fields
// included: parseTime decides those.
func parseFixedTime(b []byte) (t time.Time, ok bool) {
	const n = len("2006-01-02T15:04:05")
	if len(b) < n || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return t, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	nsec, ok7 := fraction(b[n:])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month < 1 || month > 12 || hour > 23 || minute > 59 || sec > 59 {
		return t, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t, day >= 1 && t.Day() == day // a day past the month's end rolls over: not this shape's to judge
}

// fraction reads what may follow the seconds: nothing, or '.' and 1 to 9 digits, either
// optionally followed by 'Z'; it returns the nanoseconds.
func fraction(b []byte) (nsec int, ok bool) {
	if len(b) > 0 && b[len(b)-1] == 'Z' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return 0, true
	}
	if b[0] != '.' || len(b) < 2 || len(b) > 10 {
		return 0, false
	}
	nsec, ok = digits(b[1:])
	for range 10 - len(b) { // scale to nanoseconds: ".5" is 500000000
		nsec *= 10
	}
	return nsec, ok
}

// digits is the value of b, which must be all ASCII digits.
func digits(b []byte) (n int, ok bool) {
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
