package demo

import (
	"math"
	"math/rand/v2"
	"slices"
)

type subscription struct {
	start, end int64 // day numbers; end -1 = active (end_date is the first day without service)
	mrr        int64 // cents
	acc        int32
	product    uint8
}

type npsResponse struct {
	at    int64
	acc   int32
	score int8
}

// customerSpan is the time an account paid us; account management happens in it.
type customerSpan struct {
	from, to int64
	acc      int32
}

// effect is a pending change to an account's subscriptions on a given day.
type effect struct {
	day     int64
	kind    uint8 // effectAdd, effectScale, effectChurn
	product uint8
	value   float64 // mrr delta in cents, or price factor
}

// noChurn is a churn day far enough out to mean never, yet safe to multiply
// by daySec.
const noChurn = int64(1) << 32

const (
	effectAdd uint8 = iota
	effectScale
	effectChurn
)

// plannedDeal is an expansion or renewal decided up front so that churn is
// known before expansions are sold.
type plannedDeal struct {
	created, closeT int64
	anniv           int64 // renewal date (day number)
	typ             oppType
	won             bool
	factor          float64 // renewal price change
}

// genCustomers runs the life of every account after its first win: a
// subscription worth amount/12 a month, expansions, annual renewals (with
// uplifts, contractions and losses), small-business cancellations and NPS
// surveys. Healthier accounts expand more, churn less and score higher.
func (u *unit) genCustomers() {
	n := len(u.opps)
	for oi := range n {
		o := &u.opps[oi]
		if o.typ == otNew && o.status == statusWon {
			u.lifecycle(u.rCust, oi)
		}
	}
}

func (u *unit) lifecycle(r *rand.Rand, oi int) {
	p := u.p
	first := u.opps[oi]
	acc := int(first.acc)
	a := u.accounts[acc]
	h := a.health
	end, endDay := p.cal.end, p.cal.endDay
	startDay := floorDiv(first.closed, daySec)

	// Cancellation outside renewals is a small-business habit.
	hazard := [...]float64{segSMB: 0.014, segMid: 0.003, segEnt: 0.001}[a.segment] * math.Exp(-0.8*h)
	churnDay := noChurn
	if c := startDay + 30 + int64(r.ExpFloat64()/hazard*30.44); c < endDay {
		churnDay = c
	}
	var plans []plannedDeal
	for k := 1; ; k++ {
		anniv := addMonths(startDay, 12*k)
		created := anniv*daySec - int64(uniform(r, 60, 90)*daySec)
		if created >= end || created >= churnDay*daySec {
			break
		}
		renews := chance(r, sigmoid(2.1+1.3*h))
		if a.segment == segSMB {
			// Small customers renew automatically, without an opportunity;
			// the ones who do not simply stop at the anniversary.
			if !renews && anniv < endDay {
				churnDay = min(churnDay, anniv)
				break
			}
			continue
		}
		pl := plannedDeal{created: created, anniv: anniv, typ: otRenewal, factor: 1, won: renews}
		if pl.won {
			pl.closeT = (anniv+int64(math.Round(r.NormFloat64()*10-7)))*daySec + 15*hourSec
			switch x := r.Float64(); {
			case x < 0.15:
				pl.factor = uniform(r, 0.6, 0.92) // contraction: fewer seats
			case x < 0.45:
				pl.factor = uniform(r, 1.03, 1.1) // list-price uplift
			}
		} else {
			pl.closeT = (anniv-int64(uniform(r, 5, 40)))*daySec + 15*hourSec
		}
		pl.closeT = max(pl.closeT, created+daySec)
		plans = append(plans, pl)
		if !pl.won {
			if pl.closeT < end {
				churnDay = min(churnDay, anniv)
			}
			break
		}
	}
	rate := 0.03 * math.Exp(0.5*h) * [...]float64{segSMB: 0.8, segMid: 1.2, segEnt: 1.6}[a.segment]
	stop := min(end, churnDay*daySec-30*daySec)
	for t := (startDay + 45) * daySec; ; {
		t += int64(r.ExpFloat64() / rate * 30.44 * daySec)
		if t >= stop {
			break
		}
		// Within the history: an upsell found on its last days is created then,
		// not after the data ends.
		plans = append(plans, plannedDeal{created: workTime(r, t, min(t+3*daySec, end), u.tz, 0.03), typ: otUpsell})
	}
	slices.SortStableFunc(plans, func(x, y plannedDeal) int { return cmpInt64(x.created, y.created) })

	rows := []int{u.addSub(acc, first.product, startDay, first.amount/12)}
	var pending []effect
	apply := func(until int64) {
		slices.SortStableFunc(pending, func(x, y effect) int { return cmpInt64(x.day, y.day) })
		k := 0
		for ; k < len(pending) && pending[k].day <= until; k++ {
			rows = u.applyEffect(rows, acc, pending[k])
		}
		pending = pending[k:]
	}
	for _, pl := range plans {
		apply(floorDiv(pl.created, daySec))
		owner := p.ownerAt(int(a.owner), pl.created)
		var total int64
		for _, s := range rows {
			total += u.subs[s].mrr
		}
		if total == 0 {
			continue
		}
		o := opp{created: pl.created, acc: int32(acc), owner: int32(owner), typ: pl.typ, variant: -1}
		if pl.typ == otRenewal {
			o.product = u.subs[largest(u.subs, rows)].product
			o.amount = roundAmount(float64(total) / 100 * 12 * pl.factor)
			oc := outcomeLose
			if pl.won {
				oc = outcomeWin
			}
			cycle := float64(floorDiv(pl.closeT, daySec) - floorDiv(pl.created, daySec))
			u.playDeal(r, &o, []stage{stProposal, stNegotiation}, oc, cycle)
			if pl.won && o.status == statusWon && pl.factor != 1 {
				// The new price starts with the new term.
				pending = append(pending, effect{day: max(pl.anniv, floorDiv(o.closed, daySec)), kind: effectScale, value: pl.factor})
			}
		} else {
			u.expansion(r, &o, rows, h, churnDay, &pending)
		}
		u.finishDeal(r, &o)
		u.opps = append(u.opps, o)
	}
	if churnDay < noChurn {
		pending = append(pending, effect{day: churnDay, kind: effectChurn})
	}
	apply(math.MaxInt64)

	to := end
	if churnDay < endDay {
		to = churnDay * daySec
	}
	u.customers = append(u.customers, customerSpan{from: first.closed, to: to, acc: int32(acc)})
	u.surveys(r, acc, startDay, floorDiv(to, daySec), h)
}

// expansion sells more of a product the account has (upsell) or one it
// lacks (cross-sell). Deals that would land after the account churns are lost.
func (u *unit) expansion(r *rand.Rand, o *opp, rows []int, h float64, churnDay int64, pending *[]effect) {
	a := u.accounts[o.acc]
	owned := map[uint8]bool{}
	for _, s := range rows {
		owned[u.subs[s].product] = true
	}
	var lacking []uint8
	for i := range products {
		if !owned[uint8(i)] {
			lacking = append(lacking, uint8(i))
		}
	}
	sp := segParams[a.segment]
	if len(lacking) > 0 && chance(r, 0.45) {
		o.typ = otCross
		o.product = lacking[r.IntN(len(lacking))]
		f := products[o.product].factor
		o.amount = roundAmount(clamp(lognormal(r, sp.amountMedian*f*0.6, 0.4), sp.amountMin*f*0.3, sp.amountMax*f))
	} else {
		o.typ = otUpsell
		s := u.subs[rows[r.IntN(len(rows))]]
		o.product = s.product
		o.amount = roundAmount(float64(s.mrr) / 100 * 12 * clamp(lognormal(r, 0.25, 0.5), 0.05, 1.5))
	}
	o.amount = max(o.amount, 50*100)
	skill := u.p.reps[o.owner].skill
	pWin := clamp(0.42*math.Pow(skill, 0.3)*math.Exp(0.25*h), 0.1, 0.8)
	cycle := clamp(lognormal(r, sp.cycleMedian*0.55, 0.3), 7, sp.cycleMax)
	oc := outcomeLose
	if chance(r, pWin) && floorDiv(o.created, daySec)+int64(cycle)+2 < churnDay {
		oc = outcomeWin
	} else {
		cycle *= uniform(r, 0.3, 1)
	}
	u.playDeal(r, o, []stage{stDiscovery, stProposal, stNegotiation}, oc, cycle)
	if o.status == statusWon {
		*pending = append(*pending, effect{
			day: floorDiv(o.closed, daySec), kind: effectAdd, product: o.product,
			value: float64(o.amount) / 12,
		})
	}
}

func (u *unit) addSub(acc int, product uint8, start, mrr int64) int {
	u.subs = append(u.subs, subscription{start: start, end: -1, mrr: mrr, acc: int32(acc), product: product})
	return len(u.subs) - 1
}

// applyEffect changes the active rows of an account. A price change or an
// upsell ends the old row and opens a new one on the same day, so the file
// shows the mrr history as consecutive rows.
func (u *unit) applyEffect(rows []int, acc int, e effect) []int {
	if e.day >= u.p.cal.endDay && e.kind != effectChurn {
		return rows // takes effect after the history
	}
	replace := func(k int, mrr int64) {
		s := &u.subs[rows[k]]
		if s.start >= e.day {
			s.mrr = mrr
			return
		}
		s.end = e.day
		rows[k] = u.addSub(acc, s.product, e.day, mrr)
	}
	switch e.kind {
	case effectChurn:
		for _, s := range rows {
			u.subs[s].end = max(e.day, u.subs[s].start+1)
		}
		return nil
	case effectScale:
		for k, s := range rows {
			replace(k, int64(math.Round(float64(u.subs[s].mrr)*e.value)))
		}
	case effectAdd:
		for k, s := range rows {
			if u.subs[s].product == e.product {
				replace(k, u.subs[s].mrr+int64(math.Round(e.value)))
				return rows
			}
		}
		rows = append(rows, u.addSub(acc, e.product, e.day, int64(math.Round(e.value))))
	}
	return rows
}

func largest(subs []subscription, rows []int) int {
	best := rows[0]
	for _, s := range rows[1:] {
		if subs[s].mrr > subs[best].mrr {
			best = s
		}
	}
	return best
}

// surveys sends an NPS survey 90 days after go-live and every six months
// after that, to more contacts at bigger accounts.
func (u *unit) surveys(r *rand.Rand, acc int, from, to int64, h float64) {
	contacts := [...]int{segSMB: 1, segMid: 2, segEnt: 3}[u.accounts[acc].segment]
	for wave := from + 90; wave < to; wave += 182 {
		for range contacts {
			if !chance(r, 0.35) {
				continue
			}
			at := workTime(r, wave*daySec, (wave+14)*daySec, u.tz, 0.1)
			if at >= to*daySec || at >= u.p.cal.end {
				continue
			}
			score := int8(clamp(math.Round(8.2+1.2*h+1.3*r.NormFloat64()), 0, 10))
			u.nps = append(u.nps, npsResponse{at: at, acc: int32(acc), score: score})
		}
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
