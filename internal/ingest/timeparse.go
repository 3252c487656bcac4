package ingest

import (
	"errors"
	"time"
)

// timeFormats is quoted in error messages so that a user can fix the file
// without reading the documentation.
const timeFormats = "RFC 3339 like 2026-03-31T14:05:00Z or 2026-03-31T16:05:00+02:00, YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS (UTC)"

var errTimeFormat = errors.New("not a time in a known format (" + timeFormats + ")")

// ParseTime parses the timestamps of the data contract: RFC 3339 with any offset
// (converted to UTC) and optional fractional seconds, "YYYY-MM-DD" (midnight UTC)
// and "YYYY-MM-DD HH:MM:SS" (UTC). The result is always in UTC.
func ParseTime(s string) (time.Time, error) {
	// CRM exports are dominated by the two zone-less shapes below; parsing them by
	// hand instead of through time.Parse is several times faster and matters at
	// millions of rows.
	switch len(s) {
	case 10:
		if y, mo, d, ok := parseDate(s); ok {
			return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), nil
		}
	case 19, 20:
		if (s[10] == 'T' && len(s) == 20 && s[19] == 'Z') || (s[10] == ' ' && len(s) == 19) {
			if y, mo, d, ok := parseDate(s[:10]); ok {
				if h, mi, sec, ok := parseClock(s[11:19]); ok {
					return time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), nil
				}
			}
			// A malformed fast-path candidate can still be nothing else, except
			// that time.Parse gives the precise reason; fall through to it.
		}
	}
	if len(s) >= 11 && s[10] == ' ' {
		t, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			return time.Time{}, errTimeFormat
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errTimeFormat
	}
	return t.UTC(), nil
}

// parseDate reads "YYYY-MM-DD" and checks that the day exists in that month.
func parseDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// parseClock reads "HH:MM:SS"; leap seconds are refused as time.Parse does.
func parseClock(s string) (h, m, sec int, ok bool) {
	if len(s) != 8 || s[2] != ':' || s[5] != ':' {
		return 0, 0, 0, false
	}
	h, ok1 := digits(s[0:2])
	m, ok2 := digits(s[3:5])
	sec, ok3 := digits(s[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, 0, 0, false
	}
	return h, m, sec, true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
