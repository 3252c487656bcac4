package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

type leadStatus uint8

const (
	leadNew leadStatus = iota
	leadWorking
	leadQualified
	leadDisqualified
	leadConverted
)

var leadStatusNames = [...]string{"new", "working", "qualified", "disqualified", "converted"}

// sourceInfo describes a lead source. conv is the base lead-to-opportunity
// rate (it differs by source so that "which source converts best" has a real
// answer), cpl the marketing cost per lead used for spend.csv.
type sourceInfo struct {
	name     string
	share    float64
	conv     float64
	cpl      float64
	sdrShare float64 // the rest go straight to an AE
	themes   []campaignTheme
}

type campaignTheme struct {
	name      string
	quarterly bool // a new campaign each calendar quarter, named after it
}

var sources = []sourceInfo{
	{"web", 0.24, 0.09, 85, 0.9, []campaignTheme{{"web_organic", false}, {"web_content", true}}},
	{"paid_search", 0.18, 0.07, 150, 0.9, []campaignTheme{{"ps_brand", false}, {"ps_generic", true}}},
	{"paid_social", 0.10, 0.05, 110, 0.9, []campaignTheme{{"social_linkedin", true}}},
	{"event", 0.12, 0.09, 320, 0.85, []campaignTheme{{"event_webinar", true}, {"event_conference", true}}},
	{"outbound", 0.18, 0.08, 25, 1.0, []campaignTheme{{"outbound_sdr", true}}},
	{"referral", 0.08, 0.22, 120, 0.5, []campaignTheme{{"referral_program", false}}},
	{"partner", 0.10, 0.16, 190, 0.5, []campaignTheme{{"partner_reseller", false}, {"partner_marketplace", false}}},
}

var sourceShares = func() []float64 {
	w := make([]float64, len(sources))
	for i, s := range sources {
		w[i] = s.share
	}
	return w
}()

type campaign struct {
	name   string
	source int
}

// leadsPerAE is monthly inbound+SDR lead volume per fully ramped AE, sized so
// that ~10% conversion feeds about 70% of each AE's new-business pipeline.
var leadsPerAE = [...]float64{segSMB: 56, segMid: 36, segEnt: 20, segMixed: 40}

// seasonality of demand by calendar month (January first): summer and
// December are slow, spring and autumn busy.
var seasonality = []float64{0.95, 1.0, 1.08, 1.0, 1.02, 0.98, 0.88, 0.86, 1.05, 1.1, 1.06, 0.82}

// Experiment names; the call-script test has a real effect, the demo-first
// test has none, so statistics on both can be checked.
const (
	expCallScript    = "exp_call_script"
	expDemoFirst     = "exp_demo_first"
	treatmentUplift  = 1.4 // treatment leads convert 40% more often (≈14% vs 10%)
	leadNeverReplied = 0.03
)

type lead struct {
	created   int64
	firstResp int64 // 0 = never responded
	converted int64 // 0 = not converted
	settled   int64 // when follow-up stopped; 0 = still being worked at the end
	campaign  int32
	owner     int32
	opp       int32 // local opportunity index or -1
	acc       int32 // local account index or -1
	source    uint8
	status    leadStatus
	variant   int8 // -1 outside the experiment, 0 control, 1 treatment
}

// buildCampaigns names every campaign that runs during the history, e.g.
// "ps_generic_2026q1", and lists which are live in each quarter per source.
func (p *plan) buildCampaigns() {
	evergreen := map[string]int{}
	p.quarterCampaigns = make([][][]int, len(p.cal.quarters))
	for qi, q := range p.cal.quarters {
		y, m, _ := civil(q.from)
		p.quarterCampaigns[qi] = make([][]int, len(sources))
		for si, s := range sources {
			for _, th := range s.themes {
				name := th.name
				if th.quarterly {
					name = fmt.Sprintf("%s_%dq%d", th.name, y, (m-1)/3+1)
				}
				ci, ok := evergreen[name]
				if !ok {
					ci = len(p.campaigns)
					p.campaigns = append(p.campaigns, campaign{name: name, source: si})
					evergreen[name] = ci
				}
				p.quarterCampaigns[qi][si] = append(p.quarterCampaigns[qi][si], ci)
			}
		}
	}
}

func (p *plan) quarterOf(t int64) int {
	d := floorDiv(t, daySec)
	for i, q := range p.cal.quarters {
		if d < q.to {
			return i
		}
	}
	return len(p.cal.quarters) - 1
}

// demand is the seasonal and growth multiplier of lead flow in month m: the
// business grows ~12% a year.
func (p *plan) demand(m int) float64 {
	_, mon, _ := civil(p.cal.months[m] / daySec)
	return seasonality[mon-1] / 0.983 * growth(m)
}

// genLeads creates the team's leads month by month.
func (u *unit) genLeads() {
	p, r := u.p, u.rLeads
	for m := range p.cal.nMonths() {
		var lam float64
		for _, ri := range u.aes {
			lam += leadsPerAE[u.focus] * p.ramp(ri, p.midMonth(m)) * p.activeFrac(ri, m)
		}
		n := poisson(r, lam*p.demand(m))
		for range n {
			u.newLead(r, p.cal.months[m], p.cal.months[m+1])
		}
	}
}

func (u *unit) newLead(r *rand.Rand, a, b int64) {
	p := u.p
	l := lead{opp: -1, acc: -1, variant: -1}
	src := weighted(r, sourceShares)
	l.source = uint8(src)
	if chance(r, 0.35) {
		l.created = int64In(r, a, b) // forms and ads arrive around the clock
	} else {
		l.created = workTime(r, a, b, u.tz, 0.08)
	}
	q := p.quarterOf(l.created)
	cs := p.quarterCampaigns[q][src]
	l.campaign = int32(cs[r.IntN(len(cs))])

	owner := -1
	if chance(r, sources[src].sdrShare) {
		owner = u.pickActive(r, u.sdrs, l.created)
	}
	if owner < 0 {
		owner = u.pickActive(r, u.aes, l.created)
	}
	if owner < 0 {
		owner = u.manager
	}
	l.owner = int32(owner)
	if l.created >= p.expLeadFrom {
		l.variant = int8(r.IntN(2))
	}

	skill := p.reps[owner].skill
	end := p.cal.end
	if !chance(r, leadNeverReplied/skill) {
		// Good reps answer within minutes; nights and weekends wait for the
		// next morning unless someone is keen.
		start := nextOpening(l.created, u.tz)
		if chance(r, 0.25) {
			start = l.created
		}
		delay := clamp(lognormal(r, 35/math.Pow(skill, 1.5), 1.5), 1, 15*24*60)
		resp := start + int64(delay*60)
		if !inOffice(resp, u.tz) && chance(r, 0.75) {
			resp = nextOpening(resp, u.tz) + r.Int64N(90*60)
		}
		if resp < end && p.activeAt(owner, resp) {
			l.firstResp = resp
		}
	}

	age := end - l.created
	if l.firstResp == 0 {
		l.status = leadNew
		if age > 30*daySec && chance(r, 0.6) {
			l.status = leadDisqualified
		}
		u.leads = append(u.leads, l)
		return
	}
	minutes := float64(l.firstResp-l.created) / 60
	speed := 0.75
	switch {
	case minutes <= 5:
		speed = 1.3
	case minutes <= 60:
		speed = 1.12
	case minutes <= 24*60:
		speed = 1.0
	}
	pConv := sources[src].conv * speed * math.Sqrt(skill)
	if l.variant == 1 {
		pConv *= treatmentUplift
	}
	if chance(r, pConv) {
		conv := l.firstResp + int64(clamp(lognormal(r, 4, 0.8), 0.1, 40)*daySec)
		conv = workTime(r, conv, conv+2*daySec, u.tz, 0.03)
		switch {
		case conv < end:
			l.status, l.converted, l.settled = leadConverted, conv, conv
		case l.firstResp+daySec < end:
			l.status = leadQualified // handed over, meeting not yet held
		default:
			l.status = leadWorking
		}
		u.leads = append(u.leads, l)
		return
	}
	settle := l.firstResp + int64(clamp(lognormal(r, 6, 0.7), 0.5, 60)*daySec)
	if settle >= end {
		l.status = leadWorking
	} else {
		l.settled = settle
		switch x := r.Float64(); {
		case x < 0.9:
			l.status = leadDisqualified
		case x < 0.95:
			l.status = leadQualified // qualified but never taken up: CRM debris
		default:
			l.status = leadWorking // stale: nobody closed it out
		}
	}
	u.leads = append(u.leads, l)
}

// inOffice reports whether t falls in weekday office hours in zone tz.
func inOffice(t, tz int64) bool {
	l := t + tz
	d := floorDiv(l, daySec)
	s := l - d*daySec
	return !isWeekend(d) && s >= 8*hourSec && s < 18*hourSec
}

// nextOpening is t if the office is open, else 08:00 local on the next
// working day.
func nextOpening(t, tz int64) int64 {
	if inOffice(t, tz) {
		return t
	}
	l := t + tz
	d := floorDiv(l, daySec)
	if l-d*daySec >= 8*hourSec {
		d++
	}
	for isWeekend(d) {
		d++
	}
	return d*daySec + 8*hourSec - tz
}

// pickActive chooses uniformly among the reps of a role employed at t.
func (u *unit) pickActive(r *rand.Rand, reps []int, t int64) int {
	n := 0
	for _, ri := range reps {
		if u.p.activeAt(ri, t) {
			n++
		}
	}
	if n == 0 {
		return -1
	}
	k := r.IntN(n)
	for _, ri := range reps {
		if u.p.activeAt(ri, t) {
			if k == 0 {
				return ri
			}
			k--
		}
	}
	return -1
}

// leadDuplicate is the share of leads that are the same person arriving again
// (a second form, a second event badge scan) and so repeat an earlier lead's
// e-mail: the duplicates the data-quality rule lead.duplicate_email finds.
const leadDuplicate = 0.012

// genLeadEmails gives every lead (in final, time order) a plausible address:
// the person at their company's domain (the account's, once converted). A
// few repeat an earlier lead's address, some of them typed in capitals.
func (u *unit) genLeadEmails(r *rand.Rand) {
	u.leadEmail = make([]string, len(u.leads))
	for i := range u.leads {
		l := &u.leads[i]
		if i > 0 && chance(r, leadDuplicate) {
			e := u.leadEmail[r.IntN(i)]
			if chance(r, 0.3) {
				e = strings.ToUpper(e)
			}
			u.leadEmail[i] = e
			continue
		}
		company := ""
		if l.acc >= 0 {
			company = u.accounts[l.acc].name
		} else {
			company = companyName(r, weighted(r, industryWeights), u.region)
		}
		u.leadEmail[i] = emailLocal(pick(r, firstNames), pick(r, lastNames)) + "@" + emailDomain(company)
	}
}

// emailDomain turns a company name into a web domain: "Bluewave Logistics
// Ltd" becomes bluewavelogistics.com. Legal forms and "& Co" are dropped, and
// so is everything after a comma; the lookalike spellings of one company
// ("BLUEWAVE LOGISTICS LTD.") give the same domain.
func emailDomain(company string) string {
	company, _, _ = strings.Cut(company, ",")
	var b strings.Builder
	words := 0
	for _, w := range strings.Fields(company) {
		w = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, strings.ToLower(asciiFold.Replace(w)))
		if w == "" || legalForms[w] {
			continue
		}
		b.WriteString(w)
		if words++; words == 2 {
			break
		}
	}
	if b.Len() == 0 {
		b.WriteString("company")
	}
	return b.String() + ".com"
}

// legalForms are the lower-cased legal suffixes of regionsAll, and "co".
var legalForms = func() map[string]bool {
	m := map[string]bool{"co": true}
	for _, r := range regionsAll {
		for _, l := range r.legal {
			for _, w := range strings.Fields(strings.ToLower(l)) {
				m[w] = true
			}
		}
	}
	return m
}()
