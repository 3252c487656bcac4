package demo

import (
	"math/rand/v2"
	"time"
)

const (
	daySec  = 86400
	hourSec = 3600
)

// calendar holds the history window as unix seconds so that the hot paths
// (millions of activities) never touch time.Time.
type calendar struct {
	start, end       int64   // [start, end) in unix seconds
	startDay, endDay int64   // the same as day numbers since 1970-01-01
	months           []int64 // month boundaries, len = months+1
	quarters         []period
}

// period is a half-open span of days [from, to).
type period struct{ from, to int64 }

func newCalendar(end time.Time, months int) calendar {
	start := end.AddDate(0, -months, 0)
	c := calendar{start: start.Unix(), end: end.Unix()}
	c.startDay, c.endDay = c.start/daySec, c.end/daySec
	for m := 0; m <= months; m++ {
		c.months = append(c.months, start.AddDate(0, m, 0).Unix())
	}
	// Calendar quarters clipped to the window: quotas for a partial quarter at
	// either edge cover only the days inside the history.
	q := time.Date(start.Year(), start.Month()-(start.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
	for q.Before(end) {
		next := q.AddDate(0, 3, 0)
		from, to := max(q.Unix(), c.start), min(next.Unix(), c.end)
		c.quarters = append(c.quarters, period{from / daySec, to / daySec})
		q = next
	}
	return c
}

func (c *calendar) nMonths() int { return len(c.months) - 1 }

// monthOf returns the index of the month containing t, clamped to the window.
func (c *calendar) monthOf(t int64) int {
	lo, hi := 0, len(c.months)-2
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if c.months[mid] <= t {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// addMonths moves a day number by whole calendar months (anniversaries).
func addMonths(day int64, n int) int64 {
	return time.Unix(day*daySec, 0).UTC().AddDate(0, n, 0).Unix() / daySec
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// weekday of a day number, 0 = Sunday (1970-01-01 was a Thursday).
func weekday(day int64) int {
	w := (day + 4) % 7
	if w < 0 {
		w += 7
	}
	return int(w)
}

func isWeekend(day int64) bool { w := weekday(day); return w == 0 || w == 6 }

// officeHourWeights shapes a working day from 08:00 to 18:00 local time: a
// busy morning, a lunch dip and a busy early afternoon.
var officeHourWeights = []float64{4, 8, 9, 8, 5, 6, 8, 8, 6, 3}

// workTime draws an instant in [a, b) at which someone in the UTC offset tz
// would plausibly work: weekday office hours, except for the share offHours
// spent early, late or at the weekend. Very short spans fall back to uniform.
func workTime(r *rand.Rand, a, b, tz int64, offHours float64) int64 {
	if b-a <= 4*hourSec {
		return int64In(r, a, b)
	}
	d0, d1 := floorDiv(a+tz, daySec), floorDiv(b-1+tz, daySec)
	for range 8 {
		d := d0 + r.Int64N(d1-d0+1)
		var sec int64
		if chance(r, offHours) {
			if isWeekend(d) {
				sec = int64In(r, 9*hourSec, 18*hourSec)
			} else if chance(r, 0.35) {
				sec = int64In(r, 6*hourSec, 8*hourSec)
			} else {
				sec = int64In(r, 18*hourSec, 23*hourSec)
			}
		} else {
			if isWeekend(d) {
				continue
			}
			sec = int64(8+weighted(r, officeHourWeights))*hourSec + r.Int64N(hourSec)
		}
		if t := d*daySec + sec - tz; t >= a && t < b {
			return t
		}
	}
	return int64In(r, a, b)
}

// quarterHour snaps meetings to the quarter hour, as calendars do, unless
// that would leave [a, b).
func quarterHour(t, a, b int64) int64 {
	s := t - t%900
	if s < a {
		s += 900
	}
	if s < a || s >= b {
		return t
	}
	return s
}

// appendTimestamp writes t as RFC 3339 in UTC ("2006-01-02T15:04:05Z"); it is
// hand-rolled because time.AppendFormat dominates the profile at 10M rows.
func appendTimestamp(b []byte, t int64) []byte {
	day := floorDiv(t, daySec)
	s := t - day*daySec
	b = appendDate(b, day)
	b = append(b, 'T')
	b = append2(b, int(s/3600))
	b = append(b, ':')
	b = append2(b, int(s/60%60))
	b = append(b, ':')
	b = append2(b, int(s%60))
	return append(b, 'Z')
}

// appendDate writes a day number as YYYY-MM-DD (civil-from-days after
// Howard Hinnant).
func appendDate(b []byte, day int64) []byte {
	y, m, d := civil(day)
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func civil(z int64) (y, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}
