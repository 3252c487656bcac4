package demo

import (
	"math"
)

// quotaModel describes what a fully ramped AE of average skill books per
// month, by team focus, calibrated on this generator's own output: new
// business after a pipeline build-up (a new book, like the history's start,
// closes nothing for lag months and reaches full speed width months later),
// expansions that grow with the customer base, and renewals of what was won
// a year before (small customers renew automatically, without a deal).
type quotaModel struct {
	newBusiness float64 // dollars per month at the history's start
	lag, width  float64 // pipeline build-up, months
	renewal     float64 // renewal bookings relative to new business a year earlier
}

var quotaModels = [...]quotaModel{
	segSMB:   {28500, 0.5, 2, 0.25},
	segMid:   {47000, 1.2, 3, 0.88},
	segEnt:   {66000, 2.2, 4.5, 0.9},
	segMixed: {40000, 1.0, 3, 0.6},
}

// quotaStretch sets quotas a little above the expected bookings, so the
// average rep attains a bit under 100% and about half make their number.
const quotaStretch = 1.05

// overAssignment is how much more the reps' quotas add up to than the
// region's own number, the usual cushion sales leaders keep.
const overAssignment = 1.1

// build is the share of full new-business bookings a book of age months
// produces.
func build(age float64, qm quotaModel) float64 { return clamp((age-qm.lag)/qm.width, 0, 1) }

// expansionShare: upsells and cross-sells grow with the customer base.
func expansionShare(age float64) float64 { return 0.11 * clamp((age-3)/20, 0, 1.3) }

// growth mirrors the 12% a year by which demand grows.
func growth(m int) float64 { return 1 + 0.12*float64(m)/12 }

type quotaRow struct {
	rep, team int // one of them is -1
	from, to  int64
	amount    int64 // cents
}

// quotas sets a quarterly quota for every AE (managers and SDRs carry none)
// and a quarterly number for each region team. Quotas come from the plan,
// not from the generated deals, so attainment is earned, not fitted.
func (p *plan) quotas() []quotaRow {
	var rows []quotaRow
	nq := len(p.cal.quarters)
	regionSum := make([][]int64, len(regionsAll))
	for i := range regionSum {
		regionSum[i] = make([]int64, nq)
	}
	for i := range p.reps {
		rep := &p.reps[i]
		if rep.role != roleAE {
			continue
		}
		t := &p.teams[rep.team]
		begin := max(rep.from, p.cal.start)
		for qi, q := range p.cal.quarters {
			var dollars float64
			for m := range p.cal.nMonths() {
				if p.cal.months[m] < q.from*daySec || p.cal.months[m] >= q.to*daySec {
					continue
				}
				frac := p.activeFrac(i, m)
				if frac == 0 {
					continue
				}
				mid := p.midMonth(m)
				age := float64(mid-begin) / (30.44 * daySec)
				qm := quotaModels[t.focus]
				expected := qm.newBusiness * (build(age, qm) + expansionShare(age)) * growth(m)
				if age >= 12 {
					expected += qm.renewal * qm.newBusiness * build(age-12, qm) * growth(m-12)
				}
				dollars += expected * quotaStretch * p.ramp(i, mid) * frac
			}
			if dollars < 1000 {
				continue
			}
			cents := int64(math.Round(dollars/1000)) * 100000
			rows = append(rows, quotaRow{rep: i, team: -1, from: q.from, to: q.to, amount: cents})
			regionSum[t.region][qi] += cents
		}
	}
	for ti, t := range p.teams {
		if t.parent != 0 {
			continue
		}
		for qi, q := range p.cal.quarters {
			if s := regionSum[t.region][qi]; s > 0 {
				amount := int64(math.Round(float64(s)/overAssignment/100000)) * 100000
				rows = append(rows, quotaRow{rep: -1, team: ti, from: q.from, to: q.to, amount: amount})
			}
		}
	}
	return rows
}

type spendRow struct {
	day      int64
	category string
	campaign int // -1 = blank
	amount   int64
}

// Sales programme cost per employed rep-month in dollars (travel, commission,
// enablement; not base salaries) and tool licences per seat.
var salesCostPerMonth = [...]float64{roleAE: 4000, roleSDR: 2500, roleManager: 5000}

const toolCostPerSeat = 180

// spend turns the leads each campaign actually produced into its marketing
// cost (so cost per lead by source is meaningful), plus monthly sales and
// tools spend from headcount. leadCounts is indexed by month*campaigns+campaign.
func (p *plan) spend(leadCounts []int64) []spendRow {
	r := newRand(p.cfg.Seed, streamSpend, 0)
	nc := len(p.campaigns)
	var rows []spendRow
	for m := range p.cal.nMonths() {
		day := p.cal.months[m] / daySec
		for c := range nc {
			n := leadCounts[m*nc+c]
			if n == 0 {
				continue
			}
			cpl := sources[p.campaigns[c].source].cpl * lognormal(r, 1, 0.15)
			rows = append(rows, spendRow{day, "marketing", c, int64(math.Round(float64(n) * cpl * 100))})
		}
		var sales, seats float64
		for i := range p.reps {
			f := p.activeFrac(i, m)
			sales += f * salesCostPerMonth[p.reps[i].role]
			seats += f
		}
		rows = append(rows,
			spendRow{day, "sales", -1, int64(math.Round(sales * uniform(r, 0.95, 1.05) * 100))},
			spendRow{day, "tools", -1, int64(math.Round(seats*toolCostPerSeat)) * 100},
		)
	}
	return rows
}
