package demo

import (
	"context"
	"math"
	"math/rand/v2"
)

type account struct {
	created  int64
	name     string
	owner    int32 // the first owner; the file shows whoever holds the book at the end
	health   float64
	industry uint8
	segment  segment
}

type oppType uint8

const (
	otNew oppType = iota
	otUpsell
	otCross
	otRenewal
)

var oppTypeNames = [...]string{"new_business", "upsell", "cross_sell", "renewal"}

type oppStatus uint8

const (
	statusOpen oppStatus = iota
	statusWon
	statusLost
)

var statusNames = [...]string{"open", "won", "lost"}

type stage uint8

// The sales stages in order; a deal enters them one after another (SMB deals
// sometimes skip discovery) and ends in closed_won or closed_lost.
const (
	stProspecting stage = iota
	stQualification
	stDiscovery
	stProposal
	stNegotiation
	stClosedWon
	stClosedLost
)

var stageNames = [...]string{"prospecting", "qualification", "discovery", "proposal", "negotiation", "closed_won", "closed_lost"}

// stageProb is the default win probability of each stage; reps usually enter
// something near it and sometimes leave the field blank.
var stageProb = [...]float64{0.10, 0.20, 0.40, 0.60, 0.80, 1, 0}

type forecastCat uint8

const (
	fcPipeline forecastCat = iota
	fcBestCase
	fcCommit
	fcOmitted
)

var forecastNames = [...]string{"pipeline", "best_case", "commit", "omitted"}

var lostReasons = []string{"price", "competitor", "no_decision", "timing", "no_budget", "product_fit"}
var lostReasonWeights = []float64{22, 24, 25, 10, 10, 9}

type product struct {
	name   string
	factor float64    // deal size relative to the core platform
	margin [2]float64 // gross-margin range of won deals
}

var products = []product{
	{"Core Platform", 1.0, [2]float64{0.72, 0.84}},
	{"Automation Suite", 0.7, [2]float64{0.66, 0.80}},
	{"Analytics Add-on", 0.45, [2]float64{0.70, 0.82}},
	{"Premium Support", 0.25, [2]float64{0.55, 0.68}},
}

var newBizProductWeights = []float64{0.72, 0.16, 0.12, 0}

// segParams size deals by segment: first-year amounts in dollars and won
// sales cycles in days (lost deals die sooner).
type segParam struct {
	amountMedian, amountMin, amountMax float64
	cycleMedian, cycleMin, cycleMax    float64
	winRate                            float64
	prospectsPerMonth                  float64
}

var segParams = [...]segParam{
	segSMB: {11000, 4000, 25000, 28, 12, 60, 0.27, 4},
	segMid: {36000, 18000, 90000, 62, 30, 120, 0.24, 3},
	segEnt: {130000, 75000, 500000, 130, 80, 240, 0.20, 2},
}

// oppsPerAE is the monthly new-business opportunity flow of a ramped AE by
// team focus; ~30% of it is self-sourced, the rest comes from leads.
var oppsPerAE = [...]float64{segSMB: 8, segMid: 5, segEnt: 2.8, segMixed: 5.5}

const selfSourcedShare = 0.3

type stageEntry struct {
	at    int64
	stage stage
}

type opp struct {
	created    int64
	closed     int64 // close instant for won/lost deals, else 0
	expClose   int64 // expected close day (day number) for open deals
	amount     int64 // cents
	cost       int64 // cents, -1 = blank
	stages     []stageEntry
	acc        int32
	owner      int32 // first owner; the file shows the owner at close or at the end
	typ        oppType
	product    uint8
	status     oppStatus
	forecast   forecastCat
	prob       int8  // percent, -1 = blank
	lostReason int8  // -1 = blank
	planWon    bool  // the outcome the deal was heading for, open or not
	quiet      int64 // a stalled deal sees no activity after this instant; 0 = n/a
	variant    int8  // exp_demo_first arm, -1 outside it
}

func (u *unit) newAccount(r *rand.Rand, created int64, owner int) int {
	seg := segment(weighted(r, segmentMix[u.focus]))
	ind := weighted(r, industryWeights)
	a := account{
		created: created, owner: int32(owner), industry: uint8(ind), segment: seg,
		health: r.NormFloat64(),
	}
	if n := len(u.accounts); n > 0 && chance(r, 0.01) {
		// The same company keyed in twice by different people.
		a.name = lookalike(r, u.accounts[r.IntN(n)].name)
	} else {
		a.name = companyName(r, ind, u.region)
	}
	u.accounts = append(u.accounts, a)
	return len(u.accounts) - 1
}

// genNewBusiness opens an opportunity for every converted lead and lets each
// AE source more from a growing list of prospect accounts.
func (u *unit) genNewBusiness(ctx context.Context) error {
	p, r := u.p, u.rDeals
	for li := range u.leads {
		l := &u.leads[li]
		if l.status != leadConverted {
			continue
		}
		owner := int(l.owner)
		if p.reps[owner].role != roleAE {
			if owner = u.pickActive(r, u.aes, l.converted); owner < 0 {
				owner = u.manager
			}
		}
		acc := u.newAccount(r, l.converted, owner)
		l.acc = int32(acc)
		l.opp = int32(u.newBusiness(r, acc, owner, l.converted, true))
	}
	for _, ai := range u.aes {
		if err := ctx.Err(); err != nil {
			return err
		}
		rep := &p.reps[ai]
		var queue []int // unworked prospect accounts, oldest first
		if rep.from < p.cal.end {
			// A new book starts with a list of target accounts.
			hi := min(rep.from+14*daySec, rep.to, p.cal.end)
			for range 10 {
				queue = append(queue, u.newAccount(r, workTime(r, rep.from, hi, u.tz, 0.05), ai))
			}
		}
		for m := range p.cal.nMonths() {
			a, b := max(p.cal.months[m], rep.from), min(p.cal.months[m+1], rep.to)
			if b <= a {
				continue
			}
			frac := p.activeFrac(ai, m)
			seg := u.focus
			if seg == segMixed {
				seg = segMid
			}
			for range poisson(r, segParams[seg].prospectsPerMonth*frac) {
				queue = append(queue, u.newAccount(r, workTime(r, a, b, u.tz, 0.05), ai))
			}
			lam := selfSourcedShare * oppsPerAE[u.focus] * math.Pow(rep.skill, 0.4) *
				p.ramp(ai, p.midMonth(m)) * frac * p.demand(m)
			for range poisson(r, lam) {
				t := workTime(r, a, b, u.tz, 0.05)
				acc := -1
				for k, c := range queue {
					if u.accounts[c].created < t {
						acc = c
						queue = append(queue[:k], queue[k+1:]...)
						break
					}
				}
				if acc < 0 {
					acc = u.newAccount(r, t, ai)
				}
				u.newBusiness(r, acc, ai, t, false)
			}
		}
	}
	return nil
}

// newBusiness creates a first deal with an account. Better reps win more and
// a little bigger; lead-sourced deals start qualified.
func (u *unit) newBusiness(r *rand.Rand, acc, owner int, created int64, fromLead bool) int {
	p := u.p
	seg := u.accounts[acc].segment
	sp := segParams[seg]
	skill := p.reps[owner].skill
	pr := weighted(r, newBizProductWeights)
	f := products[pr].factor
	amount := clamp(lognormal(r, sp.amountMedian*f*math.Pow(skill, 0.2), 0.38), sp.amountMin*f, sp.amountMax*f)
	pWin := clamp(sp.winRate*math.Pow(skill, 0.6), 0.03, 0.7)
	path := []stage{stProspecting, stQualification, stDiscovery, stProposal, stNegotiation}
	if fromLead {
		path = path[1:]
		pWin *= 1.08
	}
	if seg == segSMB && chance(r, 0.3) {
		path = dropStage(path, stDiscovery)
	}
	o := opp{
		created: created, acc: int32(acc), owner: int32(owner), typ: otNew,
		product: uint8(pr), variant: -1,
	}
	if created >= p.expOppFrom {
		o.variant = int8(r.IntN(2)) // exp_demo_first: no real effect on outcomes
	}
	won := lognormal(r, sp.cycleMedian, 0.3)
	cycle := clamp(won, sp.cycleMin, sp.cycleMax)
	switch x := r.Float64(); {
	case x < 0.03:
		u.playDeal(r, &o, path, outcomeStall, cycle)
	case x < 0.03+0.97*pWin:
		u.playDeal(r, &o, path, outcomeWin, cycle)
	default:
		amount *= 1.1 // the big ones are harder to land
		u.playDeal(r, &o, path, outcomeLose, cycle*uniform(r, 0.25, 1.1))
	}
	o.amount = roundAmount(amount)
	u.finishDeal(r, &o)
	u.opps = append(u.opps, o)
	return len(u.opps) - 1
}

func dropStage(path []stage, s stage) []stage {
	out := make([]stage, 0, len(path))
	for _, x := range path {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// roundAmount rounds dollars to the nearest $50 as quotes usually are, in cents.
func roundAmount(dollars float64) int64 { return int64(math.Round(dollars/50)) * 5000 }

type outcome uint8

const (
	outcomeWin outcome = iota
	outcomeLose
	outcomeStall // stuck in a stage, never closed: the stale pipeline every CRM has
)

// playDeal lays out the stage history of a deal created at o.created that
// would close (or stall) after cycle days, then cuts it at the end of the
// history: whatever has not happened by then is still open.
func (u *unit) playDeal(r *rand.Rand, o *opp, path []stage, oc outcome, cycle float64) {
	end := u.p.cal.end
	o.planWon = oc == outcomeWin
	createdDay := floorDiv(o.created, daySec)
	closeDay := createdDay + int64(math.Round(cycle))
	closeT := workTime(r, closeDay*daySec, closeDay*daySec+daySec, u.tz, 0.03)
	if closeT <= o.created+hourSec {
		closeT = o.created + hourSec + r.Int64N(4*hourSec)
	}
	reached := len(path)
	switch oc {
	case outcomeLose:
		// Most deals die early; few make it to negotiation.
		w := []float64{3, 3, 2.5, 2, 1.5}[:len(path)]
		reached = 1 + weighted(r, w)
	case outcomeStall:
		reached = 1 + r.IntN(len(path))
	}
	last := closeT
	if oc == outcomeStall {
		last = o.created + int64(float64(closeT-o.created)*uniform(r, 0.2, 0.8))
	}
	// Stage entries split [created, last) in random proportions.
	cum := make([]float64, reached)
	var sum float64
	for i := range cum {
		sum += r.ExpFloat64() + 0.2
		cum[i] = sum
	}
	if oc == outcomeStall {
		sum += r.ExpFloat64() + 0.2
	}
	o.stages = o.stages[:0]
	prev := int64(-1)
	for i := range reached {
		at := o.created
		if i > 0 {
			at = o.created + int64(float64(last-o.created)*cum[i-1]/sum)
			at = max(at, prev+60)
		}
		prev = at
		o.stages = append(o.stages, stageEntry{at, path[i]})
	}
	switch oc {
	case outcomeWin:
		o.stages = append(o.stages, stageEntry{closeT, stClosedWon})
	case outcomeLose:
		o.stages = append(o.stages, stageEntry{closeT, stClosedLost})
	case outcomeStall:
		// Activity dies down at the stall; a pipeline clean-up closes the
		// deal as lost a few months after its planned close, so only the
		// recently stalled remain open (and past due) at the end.
		o.quiet = last + int64(uniform(r, 3, 21)*daySec)
		cleanup := closeT + int64(uniform(r, 45, 120)*daySec)
		cleanup = workTime(r, cleanup, cleanup+daySec, u.tz, 0.02)
		o.stages = append(o.stages, stageEntry{cleanup, stClosedLost})
		closeT = cleanup
	}
	for len(o.stages) > 1 && o.stages[len(o.stages)-1].at >= end {
		o.stages = o.stages[:len(o.stages)-1]
	}
	switch o.stages[len(o.stages)-1].stage {
	case stClosedWon:
		o.status, o.closed = statusWon, closeT
	case stClosedLost:
		o.status, o.closed = statusLost, closeT
	default:
		o.status = statusOpen
		// The rep's guess at the close date: roughly right, sometimes already
		// in the past for deals nobody has updated.
		jitter := int64(math.Round(r.NormFloat64() * 0.12 * cycle))
		o.expClose = max(createdDay, floorDiv(closeT, daySec)+jitter)
	}
}

// finishDeal fills the fields a rep maintains by hand: probability,
// forecast category, cost and loss reason.
func (u *unit) finishDeal(r *rand.Rand, o *opp) {
	st := o.stages[len(o.stages)-1].stage
	o.prob, o.lostReason, o.cost = -1, -1, -1
	if !chance(r, 0.2) {
		pr := stageProb[st]
		if o.status == statusOpen {
			pr = clamp(pr+0.05*math.Round(r.NormFloat64()), 0.05, 0.95)
		}
		o.prob = int8(math.Round(pr * 100))
	}
	switch o.status {
	case statusWon:
		o.forecast = fcCommit
		if chance(r, 0.88) {
			m := products[o.product].margin
			o.cost = int64(math.Round(float64(o.amount) * (1 - uniform(r, m[0], m[1]))))
		}
	case statusLost:
		o.forecast = fcOmitted
		switch {
		case o.quiet != 0:
			o.lostReason = 2 // no_decision: closed out in a clean-up
		case !chance(r, 0.04):
			o.lostReason = int8(weighted(r, lostReasonWeights))
		}
	default:
		x := r.Float64()
		switch st {
		case stProspecting, stQualification:
			o.forecast = fcPipeline
		case stDiscovery:
			o.forecast = fcPipeline
			if x < 0.3 {
				o.forecast = fcBestCase
			}
		case stProposal:
			o.forecast = fcBestCase
			if x < 0.15 {
				o.forecast = fcCommit
			} else if x < 0.3 {
				o.forecast = fcPipeline
			}
		default:
			o.forecast = fcCommit
			if x < 0.35 {
				o.forecast = fcBestCase
			}
		}
		if o.expClose < u.p.cal.endDay && chance(r, 0.4) {
			o.forecast = fcOmitted // past due and written off in the forecast call
		}
	}
}
