package kpi

import (
	"fmt"
	"strings"
	"time"
)

// Grain is the length of a reporting period.
type Grain string

// Reporting grains.
const (
	Week    Grain = "week"
	Month   Grain = "month"
	Quarter Grain = "quarter"
	Year    Grain = "year"
	All     Grain = "all"
)

// ParseGrain accepts a grain name case-insensitively.
func ParseGrain(s string) (Grain, error) {
	switch g := Grain(strings.ToLower(strings.TrimSpace(s))); g {
	case Week, Month, Quarter, Year, All:
		return g, nil
	}
	return "", fmt.Errorf("unknown period %q (want week, month, quarter, year or all)", s)
}

// Period is one reporting period. Periods are half-open [Start, End); Bucket is
// the unclipped start that SQL's truncation yields, Start and End are clipped to
// the requested range.
type Period struct {
	Label  string
	Bucket time.Time
	Start  time.Time
	End    time.Time
}

// Days is the length of the (clipped) period in days.
func (p Period) Days() float64 { return p.End.Sub(p.Start).Hours() / 24 }

// avgMonthDays is the mean Gregorian month, used to express weeks and clipped
// periods in months.
const avgMonthDays = 30.436875

// Months is the length of the period in months: whole calendar months count as
// such, anything else is days ÷ 30.436875.
func (p Period) Months() float64 {
	y1, m1, d1 := p.Start.Date()
	y2, m2, d2 := p.End.Date()
	if d1 == 1 && d2 == 1 && p.Start.Hour() == 0 && p.End.Hour() == 0 {
		return float64((y2-y1)*12 + int(m2) - int(m1))
	}
	return p.Days() / avgMonthDays
}

// Calendar knows the fiscal year and cuts time into periods.
type Calendar struct {
	// FiscalStartMonth is the month (1-12) in which fiscal quarters and years start.
	FiscalStartMonth int
}

func (c Calendar) shift() int {
	if c.FiscalStartMonth < 1 || c.FiscalStartMonth > 12 {
		return 0
	}
	return c.FiscalStartMonth - 1
}

// ShiftMonths is how many months fiscal quarters and years are shifted from the
// calendar's.
func (c Calendar) ShiftMonths(g Grain) int {
	switch g {
	case Quarter:
		return c.shift() % 3
	case Year:
		return c.shift()
	}
	return 0
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Season is the number of periods of grain g in a year, for seasonal
// comparisons; 0 for a year or all time, which have none.
func (g Grain) Season() int {
	return map[Grain]int{Week: 52, Month: 12, Quarter: 4}[g]
}

// CompletePeriods is the range of up to n periods of grain g ending with the
// last one complete both before asOf and within the data [dataStart,
// dataEnd) — a period the data stops part-way through (the current month, or
// two stray days of the next) would read as a collapse — and never starting
// before the data does (those periods would read as zeros). to is the last
// day of the last period; ok is false when no period qualifies. A zero
// dataStart or dataEnd sets no bound.
func (c Calendar) CompletePeriods(g Grain, n int, asOf, dataStart, dataEnd time.Time) (from, to time.Time, ok bool) {
	end := c.BucketStart(g, asOf)
	if !dataEnd.IsZero() && dataEnd.Before(end) {
		end = c.BucketStart(g, dataEnd) // dataEnd is the day after the last data
	}
	start := end
	for range n {
		start = c.BucketStart(g, start.Add(-time.Nanosecond))
	}
	if first := c.BucketStart(g, dataStart); !dataStart.IsZero() && start.Before(first) {
		start = first
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, false
	}
	return start, end.AddDate(0, 0, -1), true
}

// BucketStart is the start of the period of grain g containing t.
func (c Calendar) BucketStart(g Grain, t time.Time) time.Time {
	t = t.UTC()
	switch g {
	case Week:
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		wd := (int(d.Weekday()) + 6) % 7 // Monday = 0
		return d.AddDate(0, 0, -wd)
	case Month:
		return monthStart(t)
	case Quarter, Year:
		n := 3
		if g == Year {
			n = 12
		}
		s := c.ShiftMonths(g)
		shifted := monthStart(t).AddDate(0, -s, 0)
		m := (int(shifted.Month()) - 1) / n * n
		return time.Date(shifted.Year(), time.Month(m+1), 1, 0, 0, 0, 0, time.UTC).AddDate(0, s, 0)
	}
	return time.Time{}
}

// next is the start of the period after the one starting at b.
func next(g Grain, b time.Time) time.Time {
	switch g {
	case Week:
		return b.AddDate(0, 0, 7)
	case Month:
		return b.AddDate(0, 1, 0)
	case Quarter:
		return b.AddDate(0, 3, 0)
	case Year:
		return b.AddDate(1, 0, 0)
	}
	return b
}

// Label names the period starting at bucket b: 2026-W05, 2026-03, 2026-Q1, 2026.
// A fiscal year is labelled by the calendar year in which it ends.
func (c Calendar) Label(g Grain, b time.Time) string {
	switch g {
	case Week:
		y, w := b.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case Month:
		return b.Format("2006-01")
	case Quarter:
		fyEnd := c.fiscalYearEnd(b)
		fyStart := fyEnd.AddDate(-1, 0, 0)
		q := (int(b.Month())-int(fyStart.Month())+12)%12/3 + 1
		return fmt.Sprintf("%d-Q%d", fyEnd.AddDate(0, 0, -1).Year(), q)
	case Year:
		return fmt.Sprintf("%d", c.fiscalYearEnd(b).AddDate(0, 0, -1).Year())
	}
	return "all"
}

// fiscalYearEnd is the exclusive end of the fiscal year containing t.
func (c Calendar) fiscalYearEnd(t time.Time) time.Time {
	return c.BucketStart(Year, t).AddDate(1, 0, 0)
}

// Periods cuts [from, to) into periods of grain g, clipped to the range.
func (c Calendar) Periods(g Grain, from, to time.Time) []Period {
	if !from.Before(to) {
		return nil
	}
	if g == All {
		return []Period{{Label: "all", Bucket: from, Start: from, End: to}}
	}
	if _, err := ParseGrain(string(g)); err != nil || g != Grain(strings.ToLower(string(g))) {
		return nil
	}
	var ps []Period
	for b := c.BucketStart(g, from); b.Before(to); b = next(g, b) {
		p := Period{Label: c.Label(g, b), Bucket: b, Start: b, End: next(g, b)}
		if p.Start.Before(from) {
			p.Start = from
		}
		if p.End.After(to) {
			p.End = to
		}
		ps = append(ps, p)
	}
	return ps
}

// Before returns the period preceding the first of ps (unclipped), used to give
// growth formulas a prior value.
func (c Calendar) Before(g Grain, first Period) (Period, bool) {
	if g == All {
		return Period{}, false
	}
	var b time.Time
	switch g {
	case Week:
		b = first.Bucket.AddDate(0, 0, -7)
	case Month:
		b = first.Bucket.AddDate(0, -1, 0)
	case Quarter:
		b = first.Bucket.AddDate(0, -3, 0)
	case Year:
		b = first.Bucket.AddDate(-1, 0, 0)
	}
	return Period{Label: c.Label(g, b), Bucket: b, Start: b, End: first.Bucket}, true
}

// ParseLabel reads a period label — 2026 (year), 2026-Q1 (quarter), 2026-03
// (month) or 2026-W05 (ISO week) — into its grain and unclipped period. Years
// and quarters are fiscal: a fiscal year is labelled by the year it ends in.
func (c Calendar) ParseLabel(label string) (Grain, Period, error) {
	bad := func() (Grain, Period, error) {
		return "", Period{}, fmt.Errorf("period %q: want a label like 2026, 2026-Q1, 2026-03 or 2026-W05", label)
	}
	var y, n int
	var g Grain
	var start time.Time
	switch {
	case len(label) == 4:
		if _, err := fmt.Sscanf(label, "%4d", &y); err != nil {
			return bad()
		}
		g, start = Year, c.fiscalYearStart(y)
	case len(label) == 7 && label[5] == 'Q':
		if _, err := fmt.Sscanf(label, "%4d-Q%1d", &y, &n); err != nil || n < 1 || n > 4 {
			return bad()
		}
		g, start = Quarter, c.fiscalYearStart(y).AddDate(0, 3*(n-1), 0)
	case len(label) == 8 && label[5] == 'W':
		if _, err := fmt.Sscanf(label, "%4d-W%2d", &y, &n); err != nil || n < 1 || n > 53 {
			return bad()
		}
		// ISO week 1 is the week holding January 4th.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		start = c.BucketStart(Week, jan4).AddDate(0, 0, 7*(n-1))
		if yy, ww := start.ISOWeek(); yy != y || ww != n {
			return bad() // week 53 of a year that has 52
		}
		g = Week
	case len(label) == 7 && label[4] == '-':
		if _, err := fmt.Sscanf(label, "%4d-%2d", &y, &n); err != nil || n < 1 || n > 12 {
			return bad()
		}
		g, start = Month, time.Date(y, time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	default:
		return bad()
	}
	if y < 1900 || y > 9999 {
		return bad()
	}
	return g, Period{Label: c.Label(g, start), Bucket: start, Start: start, End: next(g, start)}, nil
}

// fiscalYearStart is the first day of the fiscal year labelled y.
func (c Calendar) fiscalYearStart(y int) time.Time {
	s := c.shift()
	if s == 0 {
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y-1, time.Month(s+1), 1, 0, 0, 0, 0, time.UTC)
}
