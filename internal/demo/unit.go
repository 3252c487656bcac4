package demo

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
)

// unit is one leaf team's share of every file. Teams are independent (leads,
// accounts and deals stay inside the team), so units can be generated in
// parallel and written in team order; memory is bounded by a team's history,
// never by the size of the organisation.
type unit struct {
	p        *plan
	team     int
	focus    segment
	region   int
	tz       int64
	manager  int
	firstRep int
	aes      []int
	sdrs     []int

	rLeads, rDeals, rCust, rActs *rand.Rand

	accounts  []account
	leads     []lead
	opps      []opp
	subs      []subscription
	nps       []npsResponse
	customers []customerSpan
	acts      []activity
	natural   []int32 // activities per (rep, month) before top-up
	times     []timeEntry
	hist      []histRow // opportunity_history rows of all deals, deal by deal
	histEnd   []int32   // end of each deal's rows in hist
	leadEmail []string  // e-mail of each lead, in lead order
}

func (p *plan) generateUnit(ctx context.Context, k int) (*unit, error) {
	ti := p.units[k]
	t := &p.teams[ti]
	u := &unit{
		p: p, team: ti, focus: t.focus, region: t.region,
		tz: regionsAll[t.region].tz, manager: t.members[0], firstRep: t.members[0],
		rLeads: newRand(p.cfg.Seed, streamLeads, ti),
		rDeals: newRand(p.cfg.Seed, streamDeals, ti),
		rCust:  newRand(p.cfg.Seed, streamCustomers, ti),
		rActs:  newRand(p.cfg.Seed, streamActivities, 1<<30+ti),
	}
	for _, ri := range t.members {
		switch p.reps[ri].role {
		case roleAE:
			u.aes = append(u.aes, ri)
		case roleSDR:
			u.sdrs = append(u.sdrs, ri)
		}
	}
	u.natural = make([]int32, len(t.members)*p.cal.nMonths())
	u.genLeads()
	if err := u.genNewBusiness(ctx); err != nil {
		return nil, err
	}
	u.genCustomers()
	u.sortRecords()
	// History has a stream of its own: adding it changed no other file.
	u.genHistory(newRand(p.cfg.Seed, streamHistory, ti))
	// So have lead e-mails.
	u.genLeadEmails(newRand(p.cfg.Seed, streamLeadEmails, ti))
	if err := u.genActivities(ctx); err != nil {
		return nil, err
	}
	slices.SortStableFunc(u.acts, func(a, b activity) int { return cmp.Compare(a.at, b.at) })
	u.genEffort()
	return u, ctx.Err()
}

// sortRecords puts accounts, leads, opportunities, subscriptions and NPS
// answers in time order, so ids rise with time inside a team, and rewrites
// the references between them.
func (u *unit) sortRecords() {
	accMap := order(len(u.accounts), func(i, j int) int { return cmp.Compare(u.accounts[i].created, u.accounts[j].created) })
	u.accounts = permute(u.accounts, accMap)
	oppMap := order(len(u.opps), func(i, j int) int { return cmp.Compare(u.opps[i].created, u.opps[j].created) })
	u.opps = permute(u.opps, oppMap)
	leadMap := order(len(u.leads), func(i, j int) int { return cmp.Compare(u.leads[i].created, u.leads[j].created) })
	u.leads = permute(u.leads, leadMap)
	for i := range u.opps {
		u.opps[i].acc = accMap[u.opps[i].acc]
	}
	for i := range u.leads {
		if l := &u.leads[i]; l.opp >= 0 {
			l.opp, l.acc = oppMap[l.opp], accMap[l.acc]
		}
	}
	for i := range u.subs {
		u.subs[i].acc = accMap[u.subs[i].acc]
	}
	for i := range u.nps {
		u.nps[i].acc = accMap[u.nps[i].acc]
	}
	for i := range u.customers {
		u.customers[i].acc = accMap[u.customers[i].acc]
	}
	slices.SortStableFunc(u.subs, func(a, b subscription) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.acc, b.acc))
	})
	slices.SortStableFunc(u.nps, func(a, b npsResponse) int { return cmp.Compare(a.at, b.at) })
}

// order returns, for each old index, its position after a stable sort.
func order(n int, less func(i, j int) int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return less(int(a), int(b)) })
	pos := make([]int32, n)
	for newPos, old := range idx {
		pos[old] = int32(newPos)
	}
	return pos
}

func permute[T any](s []T, pos []int32) []T {
	out := make([]T, len(s))
	for old, newPos := range pos {
		out[newPos] = s[old]
	}
	return out
}
