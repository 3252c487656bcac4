package demo

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
)

type actType uint8

const (
	actCall actType = iota
	actEmail
	actMeeting
	actDemo
	actTask
	actOther
)

var actTypeNames = [...]string{"call", "email", "meeting", "demo", "task", "other"}

const (
	dirBlank uint8 = iota
	dirOutbound
	dirInbound
)

var directionNames = [...]string{"", "outbound", "inbound"}

const (
	ocBlank uint8 = iota
	ocConnected
	ocVoicemail
	ocNoAnswer
	ocSent
	ocReplied
	ocReceived
	ocHeld
	ocNoShow
	ocCompleted
)

var outcomeNames = [...]string{"", "connected", "left_voicemail", "no_answer", "sent", "replied", "received", "held", "no_show", "completed"}

type activity struct {
	at       int64
	opened   int64 // 0 = blank
	clicked  int64 // 0 = blank
	lead     int32 // local indices, -1 = blank
	opp      int32
	acc      int32
	rep      int32
	dur      int16 // minutes, -1 = blank
	typ      actType
	dir      uint8
	outcome  uint8
	attended int8 // -1 = blank
}

// touch describes how engaged the other side is: deals heading for a win
// answer the phone, open mail and turn up to meetings more often.
type touch struct {
	connect, open, click, reply, attend float64
}

var (
	touchCold = touch{connect: 0.2, open: 0.22, click: 0.15, reply: 0.04, attend: 0.65}
	touchLead = touch{connect: 0.35, open: 0.35, click: 0.2, reply: 0.1, attend: 0.8}
	touchWon  = touch{connect: 0.58, open: 0.48, click: 0.3, reply: 0.25, attend: 0.9}
	touchLost = touch{connect: 0.4, open: 0.3, click: 0.18, reply: 0.1, attend: 0.72}
	touchCust = touch{connect: 0.5, open: 0.4, click: 0.2, reply: 0.2, attend: 0.85}
)

// Activity mixes by deal stage (call, email, meeting, demo, task, other).
var stageMix = [...][]float64{
	stProspecting:   {40, 46, 8, 0, 5, 1},
	stQualification: {38, 44, 12, 0, 5, 1},
	stDiscovery:     {25, 35, 28, 7, 5, 0},
	stProposal:      {20, 40, 15, 15, 10, 0},
	stNegotiation:   {30, 45, 15, 0, 10, 0},
}

// Mixes of the activity that is not tied to a deal or lead, by role.
var roleMix = [...][]float64{
	roleAE:      {35, 45, 6, 0, 12, 2},
	roleSDR:     {52, 40, 0, 0, 5, 3},
	roleManager: {10, 15, 45, 0, 30, 0},
}

// dealTouchesPerDay by segment for deals heading for a win; lost deals get
// 60% of that: activity is a leading indicator of outcome.
var dealTouchesPerDay = [...]float64{segSMB: 0.5, segMid: 0.38, segEnt: 0.3}

// Account-management touches per customer-month.
var customerTouches = [...]float64{segSMB: 0.8, segMid: 1.5, segEnt: 2.5}

// Role weights of monthly activity volume before normalisation to ~210 per
// rep-month: SDRs dial, managers mostly meet.
var roleActivity = [...]float64{roleAE: 1.0, roleSDR: 1.6, roleManager: 0.35}

// activityPerRepMonth is the target mean over all reps and months.
const activityPerRepMonth = 210

// actWeight is the expected activity volume of rep i in month m before
// normalisation: role, skill, ramp-up and time employed.
func (p *plan) actWeight(i, m int) float64 {
	r := &p.reps[i]
	w := roleActivity[r.role] * math.Pow(r.skill, 0.8) * p.activeFrac(i, m)
	if r.hiredDay >= 0 {
		since := float64(p.midMonth(m)-r.from) / (30.44 * daySec)
		switch {
		case since < 1:
			w *= 0.5
		case since < 2:
			w *= 0.8
		}
	}
	return w
}

// genActivities writes every touch: answering leads, working deals, looking
// after customers, and then tops each rep-month up with prospecting and
// admin tasks to that rep's volume.
func (u *unit) genActivities(ctx context.Context) error {
	r := u.rActs
	u.leadActivities(r)
	u.dealActivities(r)
	u.customerActivities(r)
	return u.topUp(ctx)
}

func (u *unit) add(r *rand.Rand, a activity, tc touch) {
	p := u.p
	switch a.typ {
	case actCall:
		if a.dir == dirBlank {
			a.dir = dirOutbound
			if chance(r, 0.08) {
				a.dir = dirInbound
			}
		}
		switch {
		case a.dir == dirInbound || chance(r, tc.connect):
			a.outcome = ocConnected
			a.dur = int16(clamp(lognormal(r, 7, 0.6), 2, 75))
		case chance(r, 0.5):
			a.outcome, a.dur = ocVoicemail, 1
		default:
			a.outcome, a.dur = ocNoAnswer, 0
		}
	case actEmail:
		if a.dir == dirBlank {
			a.dir = dirOutbound
			if chance(r, 0.12) {
				a.dir = dirInbound
			}
		}
		a.dur = -1
		if a.dir == dirInbound {
			a.outcome = ocReceived
			break
		}
		a.outcome = ocSent
		if chance(r, tc.reply) {
			a.outcome = ocReplied
		}
		if chance(r, tc.open) {
			if o := a.at + int64(clamp(lognormal(r, 90, 1.5), 0.5, 7*24*60)*60); o < p.cal.end {
				a.opened = o
				if chance(r, tc.click) {
					if c := o + int64(clamp(lognormal(r, 2, 1.2), 0.1, 48*60)*60); c < p.cal.end {
						a.clicked = c
					}
				}
			}
		}
	case actMeeting, actDemo:
		if a.typ == actMeeting {
			a.dur = []int16{30, 45, 60}[weighted(r, []float64{50, 20, 30})]
		} else {
			a.dur = []int16{45, 60, 90}[weighted(r, []float64{30, 50, 20})]
		}
		a.attended = -1
		if !chance(r, 0.08) {
			a.attended, a.outcome = 0, ocNoShow
			if chance(r, tc.attend) {
				a.attended, a.outcome = 1, ocHeld
			}
		}
	case actTask:
		a.dur = -1
		if chance(r, 0.85) {
			a.outcome = ocCompleted
		}
	default:
		a.dur, a.outcome, a.dir = -1, ocSent, dirOutbound
	}
	if a.typ != actCall && a.typ != actEmail && a.typ != actOther {
		a.dir = dirBlank
	}
	if a.typ == actMeeting || a.typ == actDemo {
		a.at = quarterHour(a.at, p.cal.start, p.cal.end)
	}
	if a.typ != actMeeting && a.typ != actDemo {
		a.attended = -1
	}
	u.acts = append(u.acts, a)
	u.natural[(int(a.rep)-u.firstRep)*p.cal.nMonths()+p.cal.monthOf(a.at)]++
}

func blank() activity { return activity{lead: -1, opp: -1, acc: -1, attended: -1, dur: -1} }

// leadActivities: the first response (its time is the lead's
// first_response_at), a few follow-ups until the lead is settled, and the
// qualification meeting before conversion.
func (u *unit) leadActivities(r *rand.Rand) {
	p := u.p
	for li := range u.leads {
		l := &u.leads[li]
		if l.firstResp == 0 {
			continue
		}
		owner := int(l.owner)
		first := blank()
		first.at, first.rep, first.lead, first.typ = l.firstResp, l.owner, int32(li), actEmail
		first.dir = dirOutbound
		if chance(r, 0.45) {
			first.typ = actCall
		}
		u.add(r, first, touchLead)
		until := l.settled
		if until == 0 {
			until = p.cal.end
		}
		until = min(until, p.reps[owner].to)
		var n int
		switch l.status {
		case leadConverted:
			n = 2 + poisson(r, 1.2)
		case leadDisqualified:
			n = poisson(r, 0.9)
		default:
			n = poisson(r, 1.6)
		}
		lo := l.firstResp + 600
		if until <= lo {
			continue
		}
		for range n {
			a := blank()
			a.at, a.rep, a.lead = workTime(r, lo, until, u.tz, 0.06), l.owner, int32(li)
			a.typ = actType(weighted(r, []float64{45, 50, 0, 0, 5, 0}))
			u.add(r, a, touchLead)
		}
		if l.status == leadConverted && l.converted <= p.reps[owner].to {
			a := blank()
			a.at = workTime(r, max(lo, l.converted-5*daySec), l.converted, u.tz, 0.03)
			a.rep, a.lead, a.typ = l.owner, int32(li), actMeeting
			u.add(r, a, touchWon)
		}
	}
}

// dealActivities spreads touches over each deal's life by its stage at the
// time; deals heading for a win get more of them, more meetings, faster
// replies. Big deals also see the manager.
func (u *unit) dealActivities(r *rand.Rand) {
	p := u.p
	for oi := range u.opps {
		o := &u.opps[oi]
		to := p.cal.end
		if o.status != statusOpen {
			to = o.closed
		}
		if o.quiet != 0 {
			to = min(to, o.quiet)
		}
		if to <= o.created {
			continue
		}
		seg := u.accounts[o.acc].segment
		rate := dealTouchesPerDay[seg]
		tc := touchWon
		if !o.planWon {
			rate *= 0.6
			tc = touchLost
		}
		if o.typ != otNew {
			rate *= 0.6
		}
		days := float64(to-o.created) / daySec
		n := 1 + poisson(r, rate*days*math.Pow(u.p.reps[o.owner].skill, 0.3))
		for k := range n {
			a := blank()
			a.at = workTime(r, o.created, to, u.tz, 0.07)
			if k == 0 {
				a.at = o.created + r.Int64N(min(to-o.created, 2*hourSec)) // the call that opened it
			}
			a.rep = int32(p.ownerAt(int(o.owner), a.at))
			a.opp, a.acc = int32(oi), o.acc
			mix := stageMix[stageAt(o, a.at)]
			a.typ = actType(weighted(r, mix))
			if o.planWon && (a.typ == actCall || a.typ == actEmail) && chance(r, 0.1) {
				a.typ = actMeeting
			}
			u.add(r, a, tc)
		}
		if o.typ == otNew && seg != segSMB && chance(r, 0.5) {
			for range 1 + r.IntN(2) {
				a := blank()
				a.at = workTime(r, o.created+(to-o.created)/2, to, u.tz, 0.02)
				a.rep, a.opp, a.acc, a.typ = int32(u.manager), int32(oi), o.acc, actMeeting
				u.add(r, a, tc)
			}
		}
	}
}

func stageAt(o *opp, t int64) stage {
	s := o.stages[0].stage
	for _, e := range o.stages {
		if e.at > t || e.stage >= stClosedWon {
			break
		}
		s = e.stage
	}
	return s
}

// customerActivities: check-ins, QBRs and support escalations while an
// account pays.
func (u *unit) customerActivities(r *rand.Rand) {
	p := u.p
	for _, c := range u.customers {
		acc := &u.accounts[c.acc]
		months := float64(c.to-c.from) / (30.44 * daySec)
		for range poisson(r, customerTouches[acc.segment]*months) {
			a := blank()
			a.at = workTime(r, c.from, c.to, u.tz, 0.05)
			a.rep = int32(p.ownerAt(int(acc.owner), a.at))
			a.acc = c.acc
			a.typ = actType(weighted(r, []float64{25, 50, 20, 0, 5, 0}))
			u.add(r, a, touchCust)
		}
	}
}

// topUp fills each rep-month up to the rep's volume with prospecting calls
// and e-mails to accounts, internal meetings and tasks. Volume follows skill,
// so busier reps are also the better ones.
func (u *unit) topUp(ctx context.Context) error {
	p := u.p
	nm := p.cal.nMonths()
	// Accounts are sorted by creation, so "accounts that exist at t" is a prefix.
	created := make([]int64, len(u.accounts))
	own := map[int32][]int32{}
	for i, a := range u.accounts {
		created[i] = a.created
		own[a.owner] = append(own[a.owner], int32(i))
	}
	for _, ri := range p.teams[u.team].members {
		if err := ctx.Err(); err != nil {
			return err
		}
		rep := &p.reps[ri]
		r := newRand(p.cfg.Seed, streamActivities, ri)
		offHours := 0.02 + 0.1*r.Float64()*r.Float64() // a few reps work late a lot
		book := own[int32(ri)]
		mix := roleMix[rep.role]
		for m := range nm {
			a0, b0 := max(p.cal.months[m], rep.from), min(p.cal.months[m+1], rep.to)
			if b0 <= a0 {
				continue
			}
			target := int(math.Round(p.actWeight(ri, m) * p.actNorm * uniform(r, 0.85, 1.15)))
			need := target - int(u.natural[(ri-u.firstRep)*nm+m])
			for range need {
				a := blank()
				a.at = workTime(r, a0, b0, u.tz, offHours)
				a.rep = int32(ri)
				a.typ = actType(weighted(r, mix))
				link := 0.7
				if a.typ == actTask || (rep.role == roleManager && a.typ == actMeeting) {
					link = 0.15 // internal work: CRM updates, 1:1s, pipeline reviews
				}
				if chance(r, link) {
					switch {
					case rep.role == roleAE && len(book) > 0:
						k := sort.Search(len(book), func(i int) bool { return created[book[i]] >= a.at })
						if k > 0 {
							a.acc = book[r.IntN(k)]
						}
					default:
						k := sort.Search(len(created), func(i int) bool { return created[i] >= a.at })
						if k > 0 {
							a.acc = int32(r.IntN(k))
						}
					}
				}
				u.add(r, a, touchCold)
			}
		}
	}
	return nil
}
