package demo

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// The canonical CSV files, in the order they are opened, with their columns
// exactly as docs/data-contract.md lists them.
const (
	fTeams = iota
	fReps
	fAccounts
	fLeads
	fOpps
	fStages
	fHistory
	fActivities
	fTimeEntries
	fQuotas
	fSpend
	fSubscriptions
	fNPS
	fExperiments
	nFiles
)

var files = [nFiles]struct {
	name   string
	header []string
}{
	fTeams:         {"teams.csv", []string{"team_id", "name", "parent_team_id", "region"}},
	fReps:          {"reps.csv", []string{"rep_id", "name", "email", "team_id", "role", "hired_on", "left_on"}},
	fAccounts:      {"accounts.csv", []string{"account_id", "name", "industry", "segment", "region", "owner_rep_id", "created_at"}},
	fLeads:         {"leads.csv", []string{"lead_id", "created_at", "source", "campaign", "owner_rep_id", "status", "first_response_at", "converted_at", "opportunity_id", "account_id", "email"}},
	fOpps:          {"opportunities.csv", []string{"opportunity_id", "name", "account_id", "owner_rep_id", "type", "product", "stage", "status", "amount", "cost", "probability", "forecast_category", "created_at", "close_date", "lost_reason"}},
	fStages:        {"opportunity_stages.csv", []string{"opportunity_id", "stage", "entered_at"}},
	fHistory:       {"opportunity_history.csv", []string{"opportunity_id", "changed_at", "amount", "close_date", "probability", "forecast_category", "stage"}},
	fActivities:    {"activities.csv", []string{"activity_id", "rep_id", "type", "occurred_at", "duration_minutes", "direction", "outcome", "lead_id", "opportunity_id", "account_id", "opened_at", "clicked_at", "attended"}},
	fTimeEntries:   {"time_entries.csv", []string{"rep_id", "date", "category", "minutes"}},
	fQuotas:        {"quotas.csv", []string{"rep_id", "team_id", "period_start", "period_end", "amount"}},
	fSpend:         {"spend.csv", []string{"date", "category", "source", "campaign", "amount"}},
	fSubscriptions: {"subscriptions.csv", []string{"subscription_id", "account_id", "product", "start_date", "end_date", "mrr"}},
	fNPS:           {"nps_responses.csv", []string{"account_id", "responded_at", "score"}},
	fExperiments:   {"experiment_assignments.csv", []string{"experiment_id", "variant", "subject_type", "subject_id", "assigned_at"}},
}

// Id prefixes and zero-padded widths. Widths fit the default-size org; a
// larger one just gets longer ids, which stay unique.
const (
	idTeam     = "T"
	idRep      = "R"
	idAccount  = "A"
	idLead     = "L"
	idOpp      = "O"
	idActivity = "ACT"
	idSub      = "S"
)

func idWidth(prefix string) int {
	switch prefix {
	case idTeam:
		return 3
	case idRep:
		return 4
	case idAccount, idSub:
		return 6
	case idActivity:
		return 9
	}
	return 7
}

// sink is one CSV file being written under a temporary name; it is renamed
// into place only when the whole generation succeeds.
type sink struct {
	path, tmp string
	f         *os.File
	bw        *bufio.Writer
	cw        *csv.Writer
	rows      int64
	row       rowBuf
}

// rowBuf renders a record's fields back to back into one byte slice and
// hands csv.Writer substrings of a single string: one allocation per row
// instead of one per field.
type rowBuf struct {
	buf  []byte
	ends []int
	rec  []string
}

func (b *rowBuf) mark()                   { b.ends = append(b.ends, len(b.buf)) }
func (b *rowBuf) str(s string)            { b.buf = append(b.buf, s...); b.mark() }
func (b *rowBuf) empty()                  { b.mark() }
func (b *rowBuf) int(n int64)             { b.buf = strconv.AppendInt(b.buf, n, 10); b.mark() }
func (b *rowBuf) date(day int64)          { b.buf = appendDate(b.buf, day); b.mark() }
func (b *rowBuf) timestamp(t int64)       { b.buf = appendTimestamp(b.buf, t); b.mark() }
func (b *rowBuf) id(prefix string, n int) { b.buf = appendID(b.buf, prefix, n); b.mark() }

// optTimestamp writes t, or a blank field for 0.
func (b *rowBuf) optTimestamp(t int64) {
	if t != 0 {
		b.buf = appendTimestamp(b.buf, t)
	}
	b.mark()
}

// optID writes the id of a 1-based sequence number, or blank for n <= 0.
func (b *rowBuf) optID(prefix string, n int) {
	if n > 0 {
		b.buf = appendID(b.buf, prefix, n)
	}
	b.mark()
}

// money writes cents as a decimal with exactly two places.
func (b *rowBuf) money(cents int64) {
	if cents < 0 {
		b.buf = append(b.buf, '-')
		cents = -cents
	}
	b.buf = strconv.AppendInt(b.buf, cents/100, 10)
	b.buf = append(b.buf, '.')
	b.buf = append2(b.buf, int(cents%100))
	b.mark()
}

func appendID(b []byte, prefix string, n int) []byte {
	b = append(b, prefix...)
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(n), 10)
	for i := len(s); i < idWidth(prefix); i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func (s *sink) flushRow() error {
	b := &s.row
	str := string(b.buf)
	b.rec = b.rec[:0]
	start := 0
	for _, e := range b.ends {
		b.rec = append(b.rec, str[start:e])
		start = e
	}
	b.buf, b.ends = b.buf[:0], b.ends[:0]
	s.rows++
	return s.cw.Write(b.rec)
}

type output struct {
	sinks                                        [nFiles]*sink
	nextAcc, nextLead, nextOpp, nextAct, nextSub int
	leadCounts                                   []int64 // month*campaigns+campaign
	committed                                    bool
}

func createOutput(dir string) (*output, error) {
	o := &output{}
	for i, f := range files {
		path := filepath.Join(dir, f.name)
		tmp := filepath.Join(dir, "."+f.name+".partial")
		fh, err := os.Create(tmp)
		if err != nil {
			o.discard()
			return nil, fmt.Errorf("demo: %w", err)
		}
		size := 1 << 20
		if i == fActivities {
			size = 8 << 20
		}
		bw := bufio.NewWriterSize(fh, size)
		// csv.NewWriter reuses a *bufio.Writer this large instead of adding its own.
		s := &sink{path: path, tmp: tmp, f: fh, bw: bw, cw: csv.NewWriter(bw)}
		o.sinks[i] = s
		if err := s.cw.Write(f.header); err != nil {
			o.discard()
			return nil, fmt.Errorf("demo: %s: %w", f.name, err)
		}
	}
	return o, nil
}

// commit flushes every file and moves it into place.
func (o *output) commit() error {
	var errs []error
	for _, s := range o.sinks {
		s.cw.Flush()
		errs = append(errs, s.cw.Error(), s.bw.Flush(), s.f.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, s := range o.sinks {
		if err := os.Rename(s.tmp, s.path); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	o.committed = true
	return nil
}

// discard removes whatever was written when generation fails or is cancelled.
func (o *output) discard() {
	if o.committed {
		return
	}
	for _, s := range o.sinks {
		if s != nil {
			s.f.Close()
			os.Remove(s.tmp)
		}
	}
}

func (o *output) stats() Stats {
	st := Stats{Rows: map[string]int64{}}
	for i, s := range o.sinks {
		st.Rows[files[i].name] = s.rows
	}
	return st
}

func (o *output) writeOrg(p *plan) error {
	s := o.sinks[fTeams]
	for i, t := range p.teams {
		s.row.id(idTeam, i+1)
		s.row.str(t.name)
		s.row.optID(idTeam, t.parent+1)
		if t.region >= 0 {
			s.row.str(regionsAll[t.region].name)
		} else {
			s.row.empty()
		}
		if err := s.flushRow(); err != nil {
			return err
		}
	}
	s = o.sinks[fReps]
	for i, r := range p.reps {
		s.row.id(idRep, i+1)
		s.row.str(r.first + " " + r.last)
		s.row.str(r.email)
		s.row.id(idTeam, r.team+1)
		s.row.str(roleNames[r.role])
		optDate(&s.row, r.hiredDay)
		optDate(&s.row, r.leftDay)
		if err := s.flushRow(); err != nil {
			return err
		}
	}
	s = o.sinks[fQuotas]
	for _, q := range p.quotas() {
		s.row.optID(idRep, q.rep+1)
		s.row.optID(idTeam, q.team+1)
		s.row.date(q.from)
		s.row.date(q.to - 1) // period_end is the quarter's last day, inclusive
		s.row.money(q.amount)
		if err := s.flushRow(); err != nil {
			return err
		}
	}
	return nil
}

func optDate(b *rowBuf, day int64) {
	if day >= 0 {
		b.buf = appendDate(b.buf, day)
	}
	b.mark()
}

// writeUnit renders one team's records, turning team-local indices into
// file-wide ids.
func (o *output) writeUnit(p *plan, u *unit) error {
	accBase, leadBase, oppBase := o.nextAcc, o.nextLead, o.nextOpp
	accID := func(i int32) int {
		if i < 0 {
			return 0
		}
		return accBase + int(i) + 1
	}
	leadID := func(i int32) int {
		if i < 0 {
			return 0
		}
		return leadBase + int(i) + 1
	}
	oppID := func(i int32) int {
		if i < 0 {
			return 0
		}
		return oppBase + int(i) + 1
	}
	last := p.cal.end - 1
	region := regionsAll[u.region].name

	s := o.sinks[fAccounts]
	for i := range u.accounts {
		a := &u.accounts[i]
		s.row.id(idAccount, accID(int32(i)))
		s.row.str(a.name)
		s.row.str(industryNames[a.industry])
		s.row.str(segmentNames[a.segment])
		s.row.str(region)
		s.row.id(idRep, p.ownerAt(int(a.owner), last)+1)
		s.row.timestamp(a.created)
		if err := s.flushRow(); err != nil {
			return err
		}
	}
	o.nextAcc += len(u.accounts)

	s = o.sinks[fLeads]
	nc := len(p.campaigns)
	for i := range u.leads {
		l := &u.leads[i]
		s.row.id(idLead, leadID(int32(i)))
		s.row.timestamp(l.created)
		s.row.str(sources[l.source].name)
		s.row.str(p.campaigns[l.campaign].name)
		s.row.id(idRep, int(l.owner)+1)
		s.row.str(leadStatusNames[l.status])
		s.row.optTimestamp(l.firstResp)
		s.row.optTimestamp(l.converted)
		s.row.optID(idOpp, oppID(l.opp))
		s.row.optID(idAccount, accID(l.acc))
		s.row.str(u.leadEmail[i])
		if err := s.flushRow(); err != nil {
			return err
		}
		o.leadCounts[p.cal.monthOf(l.created)*nc+int(l.campaign)]++
	}
	o.nextLead += len(u.leads)

	s, st, hs := o.sinks[fOpps], o.sinks[fStages], o.sinks[fHistory]
	for i := range u.opps {
		op := &u.opps[i]
		id := oppID(int32(i))
		s.row.id(idOpp, id)
		s.row.str(oppName(u, op))
		s.row.id(idAccount, accID(op.acc))
		at := last
		if op.status != statusOpen {
			at = op.closed
		}
		s.row.id(idRep, p.ownerAt(int(op.owner), at)+1)
		s.row.str(oppTypeNames[op.typ])
		s.row.str(products[op.product].name)
		s.row.str(stageNames[op.stages[len(op.stages)-1].stage])
		s.row.str(statusNames[op.status])
		s.row.money(op.amount)
		if op.cost >= 0 {
			s.row.money(op.cost)
		} else {
			s.row.empty()
		}
		if op.prob >= 0 {
			s.row.str(probText(op.prob))
		} else {
			s.row.empty()
		}
		s.row.str(forecastNames[op.forecast])
		s.row.timestamp(op.created)
		if op.status == statusOpen {
			s.row.date(op.expClose)
		} else {
			s.row.date(floorDiv(op.closed, daySec))
		}
		if op.lostReason >= 0 {
			s.row.str(lostReasons[op.lostReason])
		} else {
			s.row.empty()
		}
		if err := s.flushRow(); err != nil {
			return err
		}
		for _, e := range op.stages {
			st.row.id(idOpp, id)
			st.row.str(stageNames[e.stage])
			st.row.timestamp(e.at)
			if err := st.flushRow(); err != nil {
				return err
			}
		}
		from := 0
		if i > 0 {
			from = int(u.histEnd[i-1])
		}
		for _, h := range u.hist[from:u.histEnd[i]] {
			hs.row.id(idOpp, id)
			hs.row.timestamp(h.at)
			if h.amount >= 0 {
				hs.row.money(h.amount)
			} else {
				hs.row.empty()
			}
			optDate(&hs.row, h.close)
			if h.prob >= 0 {
				hs.row.str(probText(h.prob))
			} else {
				hs.row.empty()
			}
			if h.fc >= 0 {
				hs.row.str(forecastNames[h.fc])
			} else {
				hs.row.empty()
			}
			if h.stage >= 0 {
				hs.row.str(stageNames[h.stage])
			} else {
				hs.row.empty()
			}
			if err := hs.flushRow(); err != nil {
				return err
			}
		}
	}
	o.nextOpp += len(u.opps)

	s = o.sinks[fActivities]
	for i := range u.acts {
		a := &u.acts[i]
		o.nextAct++
		s.row.id(idActivity, o.nextAct)
		s.row.id(idRep, int(a.rep)+1)
		s.row.str(actTypeNames[a.typ])
		s.row.timestamp(a.at)
		if a.dur >= 0 {
			s.row.int(int64(a.dur))
		} else {
			s.row.empty()
		}
		s.row.str(directionNames[a.dir])
		s.row.str(outcomeNames[a.outcome])
		s.row.optID(idLead, leadID(a.lead))
		s.row.optID(idOpp, oppID(a.opp))
		s.row.optID(idAccount, accID(a.acc))
		s.row.optTimestamp(a.opened)
		s.row.optTimestamp(a.clicked)
		switch a.attended {
		case 0:
			s.row.str("false")
		case 1:
			s.row.str("true")
		default:
			s.row.empty()
		}
		if err := s.flushRow(); err != nil {
			return err
		}
	}

	s = o.sinks[fSubscriptions]
	for i := range u.subs {
		sub := &u.subs[i]
		o.nextSub++
		s.row.id(idSub, o.nextSub)
		s.row.id(idAccount, accID(sub.acc))
		s.row.str(products[sub.product].name)
		s.row.date(sub.start)
		optDate(&s.row, sub.end)
		s.row.money(sub.mrr)
		if err := s.flushRow(); err != nil {
			return err
		}
	}

	s = o.sinks[fNPS]
	for _, n := range u.nps {
		s.row.id(idAccount, accID(n.acc))
		s.row.timestamp(n.at)
		s.row.int(int64(n.score))
		if err := s.flushRow(); err != nil {
			return err
		}
	}

	s = o.sinks[fExperiments]
	variants := [2]string{"control", "treatment"}
	for i := range u.leads {
		if l := &u.leads[i]; l.variant >= 0 {
			s.row.str(expCallScript)
			s.row.str(variants[l.variant])
			s.row.str("lead")
			s.row.id(idLead, leadID(int32(i)))
			s.row.timestamp(l.created)
			if err := s.flushRow(); err != nil {
				return err
			}
		}
	}
	for i := range u.opps {
		if op := &u.opps[i]; op.variant >= 0 {
			s.row.str(expDemoFirst)
			s.row.str(variants[op.variant])
			s.row.str("opportunity")
			s.row.id(idOpp, oppID(int32(i)))
			s.row.timestamp(op.created)
			if err := s.flushRow(); err != nil {
				return err
			}
		}
	}

	s = o.sinks[fTimeEntries]
	for _, t := range u.times {
		s.row.id(idRep, int(t.rep)+1)
		s.row.date(t.day)
		s.row.str(timeCategories[t.cat])
		s.row.int(int64(t.minutes))
		if err := s.flushRow(); err != nil {
			return err
		}
	}
	return nil
}

// probText writes a percentage as the fraction the contract wants ("0.35").
func probText(pct int8) string { return strconv.FormatFloat(float64(pct)/100, 'f', -1, 64) }

func oppName(u *unit, o *opp) string {
	name := u.accounts[o.acc].name + " - " + products[o.product].name
	switch o.typ {
	case otUpsell:
		name += " expansion"
	case otCross:
		name += " add-on"
	case otRenewal:
		y, _, _ := civil(floorDiv(o.created, daySec) + 90)
		name += " renewal " + strconv.Itoa(y)
	}
	return name
}

func (o *output) writeSpend(p *plan) error {
	s := o.sinks[fSpend]
	for _, r := range p.spend(o.leadCounts) {
		s.row.date(r.day)
		s.row.str(r.category)
		if r.campaign >= 0 {
			c := p.campaigns[r.campaign]
			s.row.str(sources[c.source].name)
			s.row.str(c.name)
		} else {
			s.row.empty()
			s.row.empty()
		}
		s.row.money(r.amount)
		if err := s.flushRow(); err != nil {
			return err
		}
	}
	return nil
}
