package demo

import (
	"fmt"
	"math"
)

type segment uint8

const (
	segSMB segment = iota
	segMid
	segEnt
	segMixed // team focus only: a small org's single team sells to everyone
)

var segmentNames = [...]string{"smb", "mid_market", "enterprise"}
var segmentLabels = [...]string{"SMB", "Mid-Market", "Enterprise", "General"}

// segmentMix is the share of a team's accounts in each segment, by focus:
// specialised teams still pick up some deals outside their lane.
var segmentMix = [...][]float64{
	segSMB:   {0.90, 0.09, 0.01},
	segMid:   {0.10, 0.82, 0.08},
	segEnt:   {0.02, 0.15, 0.83},
	segMixed: {0.50, 0.33, 0.17},
}

type role uint8

const (
	roleAE role = iota
	roleSDR
	roleManager
)

var roleNames = [...]string{"ae", "sdr", "manager"}

type regionInfo struct {
	name  string
	tz    int64 // fixed UTC offset of the region's working day, in seconds
	share float64
	legal []string
}

// Fixed offsets stand in for the regions' main cities; activity times are
// generated in local office hours and written in UTC, so "after hours" must
// be judged with these offsets (no DST).
var regionsAll = []regionInfo{
	{"North America", -5 * hourSec, 0.45, []string{"Inc", "LLC", "Corp"}},
	{"EMEA", 1 * hourSec, 0.30, []string{"Ltd", "GmbH", "SA", "BV", "AB"}},
	{"APAC", 8 * hourSec, 0.15, []string{"Pty Ltd", "Pte Ltd", "KK"}},
	{"LATAM", -3 * hourSec, 0.10, []string{"SA", "Ltda", "SRL"}},
}

type team struct {
	name    string
	parent  int // -1 for the root
	region  int // index into regionsAll; -1 for the root
	focus   segment
	leaf    bool
	members []int // rep indices, manager first
}

type rep struct {
	team        int
	role        role
	first, last string
	email       string
	skill       float64
	hiredDay    int64 // -1: hired before the history (hired_on blank)
	leftDay     int64 // -1: still employed at the end
	from, to    int64 // active span [from, to), unix seconds, clipped to the history
	successor   int   // inherits the book on leaving; -1 if never leaves
}

// Team sizes follow the common span of control: one manager per ~8 people,
// about a quarter of them SDRs.
const teamSize = 8

// buildOrg lays out the team tree and the people in it. Everything about a
// rep (skill, name, hiring) comes from that rep's own stream, so a rep's
// skill depends only on the seed and the rep's index.
func (p *plan) buildOrg() {
	nTeams := max(1, int(math.Round(float64(p.cfg.Reps)/teamSize)))
	nRegions := min(len(regionsAll), nTeams)

	p.teams = append(p.teams, team{name: "Global Sales", parent: -1, region: -1})
	for i := range nRegions {
		p.teams = append(p.teams, team{name: regionsAll[i].name, parent: 0, region: i})
	}
	perRegion := regionSplit(nTeams, nRegions)
	sizes := evenSplit(p.cfg.Reps, nTeams)
	focusCycle := []segment{segSMB, segMid, segEnt, segSMB, segMid, segEnt, segSMB, segMid}
	counter := map[string]int{}
	leaf := 0
	for reg, n := range perRegion {
		for range n {
			focus := focusCycle[leaf%len(focusCycle)]
			if nTeams < 3 {
				focus = segMixed
			}
			key := regionsAll[reg].name + " " + segmentLabels[focus]
			counter[key]++
			t := team{
				name:   fmt.Sprintf("%s %d", key, counter[key]),
				parent: 1 + reg, region: reg, focus: focus, leaf: true,
			}
			p.teams = append(p.teams, t)
			p.addMembers(len(p.teams)-1, sizes[leaf])
			leaf++
		}
	}
	p.assignSuccessors()
}

// evenSplit splits total into n near-equal parts, larger ones first.
func evenSplit(total, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = total / n
		if i < total%n {
			out[i]++
		}
	}
	return out
}

// regionSplit spreads n teams over the first k regions by their shares
// (largest remainder), giving every region at least one team.
func regionSplit(n, k int) []int {
	out := make([]int, k)
	var sum float64
	for i := range k {
		sum += regionsAll[i].share
	}
	left := n - k
	rem := make([]float64, k)
	for i := range k {
		exact := float64(left) * regionsAll[i].share / sum
		out[i] = 1 + int(exact)
		rem[i] = exact - math.Floor(exact)
	}
	for given := sumInts(out); given < n; given++ {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
	}
	return out
}

func sumInts(s []int) int {
	t := 0
	for _, v := range s {
		t += v
	}
	return t
}

func (p *plan) addMembers(ti, size int) {
	nSDR := size / 4
	for k := range size {
		ri := len(p.reps)
		rr := newRand(p.cfg.Seed, streamRep, ri)
		r := rep{team: ti, role: roleAE, hiredDay: -1, leftDay: -1, successor: -1}
		switch {
		case k == 0:
			r.role = roleManager
		case k <= nSDR:
			r.role = roleSDR
		}
		// The first draw of a rep's stream is its skill: lognormal with mean 1.
		r.skill = clamp(math.Exp(0.3*rr.NormFloat64()-0.045), 0.4, 2.5)
		r.first, r.last = pick(rr, firstNames), pick(rr, lastNames)
		c := &p.cal
		if r.role != roleManager {
			// Some reps join during the history, some leave: headcount moves.
			if chance(rr, 0.15) && c.endDay-30 > c.startDay+14 {
				r.hiredDay = int64In(rr, c.startDay+14, c.endDay-30)
			}
			leaveP := 0.12
			if r.hiredDay >= 0 {
				leaveP = 0.05
			}
			lo := max(c.startDay+30, r.hiredDay+90)
			if chance(rr, leaveP) && c.endDay-1 > lo {
				r.leftDay = int64In(rr, lo, c.endDay-1)
			}
		}
		r.from, r.to = c.start, c.end
		if r.hiredDay >= 0 {
			r.from = r.hiredDay * daySec
		}
		if r.leftDay >= 0 {
			r.to = r.leftDay * daySec
		}
		local := emailLocal(r.first, r.last)
		email := local + "@example.com"
		for n := 2; p.emails[email]; n++ {
			email = fmt.Sprintf("%s%d@example.com", local, n)
		}
		p.emails[email] = true
		r.email = email
		p.reps = append(p.reps, r)
		p.teams[ti].members = append(p.teams[ti].members, ri)
	}
}

// assignSuccessors hands a leaver's accounts and open deals to a teammate of
// the same role who is employed on the leaving day, preferring the newest
// hire (the replacement); the manager takes over when nobody else can.
func (p *plan) assignSuccessors() {
	for i := range p.reps {
		r := &p.reps[i]
		if r.leftDay < 0 {
			continue
		}
		best, bestFrom := -1, int64(math.MinInt64)
		for _, j := range p.teams[r.team].members {
			o := &p.reps[j]
			if j == i || o.role != r.role || o.from > r.to || o.to <= r.to {
				continue
			}
			if o.from > bestFrom {
				best, bestFrom = j, o.from
			}
		}
		if best < 0 {
			best = p.teams[r.team].members[0]
		}
		r.successor = best
	}
}

// ownerAt follows the chain of successors: whoever holds rep i's book at t.
func (p *plan) ownerAt(i int, t int64) int {
	for t >= p.reps[i].to && p.reps[i].successor >= 0 {
		i = p.reps[i].successor
	}
	return i
}

func (p *plan) activeAt(i int, t int64) bool {
	return t >= p.reps[i].from && t < p.reps[i].to
}

// ramp is a new hire's productivity: a quarter in the first month, full from
// the fourth.
func (p *plan) ramp(i int, t int64) float64 {
	r := &p.reps[i]
	if r.hiredDay < 0 {
		return 1
	}
	months := float64(t-r.from) / (30.44 * daySec)
	return clamp((math.Floor(months)+1)/4, 0.25, 1)
}

// activeFrac is the share of month m during which rep i is employed.
func (p *plan) activeFrac(i, m int) float64 {
	a, b := p.cal.months[m], p.cal.months[m+1]
	lo, hi := max(a, p.reps[i].from), min(b, p.reps[i].to)
	if hi <= lo {
		return 0
	}
	return float64(hi-lo) / float64(b-a)
}

// midMonth is the instant used to evaluate a month's ramp factor.
func (p *plan) midMonth(m int) int64 { return (p.cal.months[m] + p.cal.months[m+1]) / 2 }
