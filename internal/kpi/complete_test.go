package kpi

import (
	"testing"
	"time"
)

func TestCompletePeriods(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cal := Calendar{FiscalStartMonth: 1}
	cases := []struct {
		name             string
		g                Grain
		n                int
		asOf, start, end string // end: the day after the last data
		wantFrom, wantTo string
		wantOK           bool
	}{
		// Two stray days of October do not make October a period to judge.
		{"stray days", Month, 3, "2026-11-23", "2024-10-01", "2026-10-03", "2026-07-01", "2026-09-30", true},
		// Live data: today's month is not over.
		{"live", Month, 2, "2026-09-17", "2024-10-01", "2026-09-17", "2026-07-01", "2026-08-31", true},
		// Not before the data starts.
		{"short history", Month, 36, "2026-11-23", "2026-08-15", "2026-10-01", "2026-08-01", "2026-09-30", true},
		// Data to Wednesday 30 September: the week of 28 September is not over;
		// the last whole week is 21–27 September.
		{"weeks", Week, 1, "2026-11-23", "2026-01-01", "2026-10-01", "2026-09-21", "2026-09-27", true},
		{"nothing complete", Month, 3, "2026-08-10", "2026-08-01", "2026-08-10", "", "", false},
	}
	for _, c := range cases {
		from, to, ok := cal.CompletePeriods(c.g, c.n, d(c.asOf), d(c.start), d(c.end))
		if ok != c.wantOK || (ok && (!from.Equal(d(c.wantFrom)) || !to.Equal(d(c.wantTo)))) {
			t.Errorf("%s: %s – %s (ok %v), want %s – %s (ok %v)", c.name, from.Format("2006-01-02"), to.Format("2006-01-02"), ok, c.wantFrom, c.wantTo, c.wantOK)
		}
	}
	if Month.Season() != 12 || Quarter.Season() != 4 || Week.Season() != 52 || Year.Season() != 0 {
		t.Error("seasons")
	}
}
