package demo

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// histRow is one line of opportunity_history.csv: the values a deal has from
// at on. Fields that did not change are blank (-1).
type histRow struct {
	at     int64
	amount int64 // cents
	close  int64 // expected close, day number
	prob   int8  // percent
	fc     int8  // forecastCat
	stage  int8
}

func blankRow(at int64) histRow {
	return histRow{at: at, amount: -1, close: -1, prob: -1, fc: -1, stage: -1}
}

// closeChange is one move of the expected close date by delta days at at.
type closeChange struct {
	at    int64
	delta int64
}

// defaultForecast is where a rep usually puts a deal in a given stage.
func defaultForecast(s stage) forecastCat {
	switch s {
	case stProposal:
		return fcBestCase
	case stNegotiation:
		return fcCommit
	}
	return fcPipeline
}

// genHistory writes down how every deal's amount, expected close date,
// probability and forecast category moved over its life, ending at the
// values opportunities.csv shows. It runs on its own random stream after the
// deals are final, so it changes nothing else.
func (u *unit) genHistory(r *rand.Rand) {
	u.hist = u.hist[:0]
	u.histEnd = make([]int32, len(u.opps))
	var rows []histRow
	var moves []closeChange
	for i := range u.opps {
		rows, moves = u.dealHistory(r, &u.opps[i], rows[:0], moves[:0])
		u.hist = append(u.hist, rows...)
		u.histEnd[i] = int32(len(u.hist))
	}
}

func (u *unit) dealHistory(r *rand.Rand, o *opp, rows []histRow, moves []closeChange) ([]histRow, []closeChange) {
	end := u.p.cal.end
	createdDay := floorDiv(o.created, daySec)
	closed := o.status != statusOpen
	stalled := o.quiet != 0

	// Updates other than stage changes happen while the deal is worked:
	// before it closes, before it goes quiet, before the history ends.
	hi := end
	if closed {
		hi = o.closed
	}
	if stalled {
		hi = min(hi, o.quiet)
	}
	lo := o.created + 1
	spanDays := float64(floorDiv(hi-1, daySec) - createdDay)

	// The expected close date the last update left.
	var final int64
	switch {
	case !closed:
		final = o.expClose
	case o.status == statusWon:
		cd := floorDiv(o.closed, daySec)
		final = cd + int64(math.Round(r.NormFloat64()*math.Max(2, 0.08*float64(cd-createdDay))))
	case stalled:
		// Closed out in a clean-up months after its last (long past) date.
		final = floorDiv(o.closed, daySec) - int64(uniform(r, 45, 120))
	default:
		// Lost before it was due.
		cd := floorDiv(o.closed, daySec)
		final = cd + int64(math.Round(float64(cd-createdDay)*uniform(r, -0.1, 1)))
	}
	final = max(final, createdDay)

	// Slips are common, more so for deals that go nowhere; pull-ins are rarer.
	if hi-lo > hourSec {
		lam := 1.0 // still open: the date has been pushed before
		switch {
		case stalled:
			lam = 1.8
		case o.status == statusWon:
			lam = 0.6
		case o.status == statusLost:
			lam = 0.9
		}
		lam *= math.Min(1, spanDays/30)
		scale := math.Max(10, 0.3*spanDays)
		for range poisson(r, lam) {
			d := int64(math.Round(clamp(lognormal(r, scale, 0.5), 5, 120)))
			moves = append(moves, closeChange{workTime(r, lo, hi, u.tz, 0.05), d})
		}
		pPull := 0.12
		if o.status == statusWon {
			pPull = 0.18
		}
		if chance(r, pPull*math.Min(1, spanDays/14)) {
			d := int64(math.Round(clamp(lognormal(r, math.Max(7, 0.15*spanDays), 0.5), 3, 60)))
			moves = append(moves, closeChange{workTime(r, lo, hi, u.tz, 0.05), -d})
		}
		slices.SortStableFunc(moves, func(a, b closeChange) int { return cmp.Compare(a.at, b.at) })
	}
	// Work back from the final date; a move must leave a date no earlier
	// than the day it was made, and the first date no earlier than creation.
	for len(moves) > 0 {
		bad := -1
		c := final
		for k := len(moves) - 1; k >= 0; k-- {
			if c < floorDiv(moves[k].at, daySec) {
				bad = k
				break
			}
			c -= moves[k].delta
		}
		if bad < 0 && c < createdDay {
			// Too much slipping for the time there was: drop the biggest slip.
			bad = 0
			for k := range moves {
				if moves[k].delta > moves[bad].delta {
					bad = k
				}
			}
		}
		if bad < 0 {
			break
		}
		moves = slices.Delete(moves, bad, bad+1)
	}
	first := final
	for _, m := range moves {
		first -= m.delta
	}

	// Amount revisions, worked back from the final amount the same way.
	var revAt [2]int64
	var revFactor [2]float64
	nRev := 0
	if hi-lo > hourSec && chance(r, 0.3) {
		nRev = 1
		if chance(r, 0.25) {
			nRev = 2
		}
		for k := range nRev {
			// Often the price moves with the proposal or in negotiation.
			revAt[k] = workTime(r, lo, hi, u.tz, 0.05)
			if chance(r, 0.5) {
				for _, e := range o.stages[1:] {
					if (e.stage == stProposal || e.stage == stNegotiation) && e.at > lo && e.at < hi && chance(r, 0.6) {
						revAt[k] = e.at
					}
				}
			}
			f := 1 + uniform(r, 0.1, 0.3)
			if chance(r, 0.55) {
				f = 1 - uniform(r, 0.1, 0.3)
			}
			revFactor[k] = f
		}
		if nRev == 2 && revAt[1] < revAt[0] {
			revAt[0], revAt[1] = revAt[1], revAt[0]
		}
	}
	amounts := [3]int64{o.amount, o.amount, o.amount}
	for k := nRev - 1; k >= 0; k-- {
		amounts[k] = max(roundAmount(float64(amounts[k+1])/100/revFactor[k]), 5000)
	}

	prob := func(s stage) int8 {
		if o.prob < 0 {
			return -1 // the rep never fills it in
		}
		return int8(math.Round(stageProb[s] * 100))
	}
	nOpen := len(o.stages)
	if closed {
		nOpen--
	}
	// One row per stage entered, with the probability and forecast category
	// that go with it; an open deal's current stage carries its final values.
	for k, e := range o.stages {
		h := blankRow(e.at)
		h.stage = int8(e.stage)
		h.prob = prob(e.stage)
		h.fc = int8(defaultForecast(e.stage))
		switch {
		case k >= nOpen: // closing
			h.prob = o.prob
			h.fc = int8(o.forecast)
		case k == nOpen-1 && !closed:
			h.prob = o.prob
			if o.forecast != fcOmitted {
				h.fc = int8(o.forecast)
			}
		}
		if k == 0 {
			h.amount, h.close = amounts[0], first
		}
		rows = append(rows, h)
	}
	if !closed && o.forecast == fcOmitted {
		// Written off in a forecast call once past due.
		a := max(o.stages[nOpen-1].at+1, (o.expClose+1)*daySec)
		if a < end {
			h := blankRow(workTime(r, a, min(end, a+30*daySec), u.tz, 0.05))
			h.fc = int8(fcOmitted)
			rows = append(rows, h)
		} else {
			rows[len(rows)-1].fc = int8(fcOmitted)
		}
	}
	c := first
	for _, m := range moves {
		c += m.delta
		h := blankRow(m.at)
		h.close = c
		rows = append(rows, h)
	}
	for k := range nRev {
		h := blankRow(revAt[k])
		h.amount = amounts[k+1]
		rows = append(rows, h)
	}

	// Time order; updates made at the same instant are one row; values that
	// did not change are left blank and rows with nothing left are dropped.
	slices.SortStableFunc(rows, func(a, b histRow) int { return cmp.Compare(a.at, b.at) })
	out := rows[:1]
	for _, h := range rows[1:] {
		p := &out[len(out)-1]
		if h.at != p.at {
			out = append(out, h)
			continue
		}
		if h.amount >= 0 {
			p.amount = h.amount
		}
		if h.close >= 0 {
			p.close = h.close
		}
		if h.prob >= 0 {
			p.prob = h.prob
		}
		if h.fc >= 0 {
			p.fc = h.fc
		}
		if h.stage >= 0 {
			p.stage = h.stage
		}
	}
	cur := out[0]
	n := 1
	for _, h := range out[1:] {
		if h.amount == cur.amount {
			h.amount = -1
		} else if h.amount >= 0 {
			cur.amount = h.amount
		}
		if h.close == cur.close {
			h.close = -1
		} else if h.close >= 0 {
			cur.close = h.close
		}
		if h.prob == cur.prob {
			h.prob = -1
		} else if h.prob >= 0 {
			cur.prob = h.prob
		}
		if h.fc == cur.fc {
			h.fc = -1
		} else if h.fc >= 0 {
			cur.fc = h.fc
		}
		if h.stage == cur.stage {
			h.stage = -1
		} else if h.stage >= 0 {
			cur.stage = h.stage
		}
		if h.amount >= 0 || h.close >= 0 || h.prob >= 0 || h.fc >= 0 || h.stage >= 0 {
			out[n] = h
			n++
		}
	}
	return out[:n], moves
}
