package demo

import (
	"math"
)

var timeCategories = [...]string{
	"selling", "admin", "quoting", "proposal", "order_processing",
	"data_entry", "training", "travel", "internal_meeting", "other",
}

// Typical shares of logged time by role (same order as timeCategories).
// Reps sell about a third of their time, which is what the selling-time
// analysis is meant to find.
var timeShares = [...][]float64{
	roleAE:      {0.31, 0.11, 0.06, 0.07, 0.04, 0.10, 0.05, 0.06, 0.12, 0.08},
	roleSDR:     {0.40, 0.10, 0.00, 0.01, 0.00, 0.16, 0.08, 0.01, 0.14, 0.10},
	roleManager: {0.15, 0.16, 0.03, 0.05, 0.03, 0.06, 0.08, 0.06, 0.30, 0.08},
}

type timeEntry struct {
	day     int64
	rep     int32
	minutes int32
	cat     uint8
}

// genEffort writes time entries at week grain: one row per rep, week and
// category, dated on the first day of the week the rep worked (normally the
// Monday; later when the history or the rep's employment starts mid-week).
// Daily rows would multiply the file by five without telling a KPI anything
// more. About 6% of rep-weeks are missing, as in any timesheet system.
func (u *unit) genEffort() {
	p := u.p
	firstMonday := p.cal.startDay - int64((weekday(p.cal.startDay)+6)%7)
	for _, ri := range p.teams[u.team].members {
		rep := &p.reps[ri]
		r := newRand(p.cfg.Seed, streamEffort, ri)
		shares := append([]float64(nil), timeShares[rep.role]...)
		if rep.role != roleManager {
			shares[0] *= math.Pow(rep.skill, 0.25)
		}
		if u.focus == segEnt {
			shares[7] *= 1.8 // enterprise reps fly to their customers
		}
		fromDay := max(p.cal.startDay, floorDiv(rep.from, daySec))
		toDay := min(p.cal.endDay, floorDiv(rep.to+daySec-1, daySec))
		for w := firstMonday; w < toDay; w += 7 {
			first, days := int64(-1), 0
			for d := max(w, fromDay); d < min(w+5, toDay); d++ {
				if first < 0 {
					first = d
				}
				days++
			}
			if days == 0 || chance(r, 0.06) {
				continue
			}
			total := clamp(2300+280*r.NormFloat64(), 1200, 3300) * float64(days) / 5
			var sum float64
			noisy := make([]float64, len(shares))
			for c, s := range shares {
				noisy[c] = s * math.Exp(0.25*r.NormFloat64())
				sum += noisy[c]
			}
			for c, s := range noisy {
				m := int32(math.Round(total*s/sum/5) * 5)
				if m > 0 {
					u.times = append(u.times, timeEntry{day: first, rep: int32(ri), minutes: m, cat: uint8(c)})
				}
			}
		}
	}
}
