// Package coach builds coaching scorecards: every KPI of a rep against the
// median of the rep's peers (the reps of the same team and role, or of the
// whole organisation), the rep's percentile among them, strengths and
// weaknesses that survive a statistical test rather than the noise of a few
// deals, the change against the previous period, and focus areas derived from
// the funnel by explicit rules that cite the numbers behind them. A manager's
// view lists every rep of a team with their headline verdicts.
//
// All numbers come from the KPI engine: the KPIs of the catalog by rep, and
// for rates the count measures of their numerator and denominator. The rules
// are described in docs/coaching.md.
package coach

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// PeerGroup says whom a rep is compared with.
type PeerGroup string

// Peer groups.
const (
	// PeersTeam compares a rep with the reps of the same team and role.
	PeersTeam PeerGroup = "team"
	// PeersOrg compares a rep with every rep of the same role.
	PeersOrg PeerGroup = "org"
)

// Rules are the thresholds of the verdicts; DefaultRules gives the documented
// ones.
type Rules struct {
	// Alpha is the two-sided significance level of both tests.
	Alpha float64 `json:"alpha"`
	// MinTrials is the smallest denominator (closed deals for win rate,
	// e-mails sent for open rate …) a rate verdict needs, for the rep and for
	// the rest of the peers pooled.
	MinTrials int `json:"min_trials"`
	// MinEffect is the smallest relative difference between the rep's rate
	// and the peers' that counts, however significant: a 0.41 open rate
	// against 0.40 over thousands of e-mails is real but nothing to coach.
	MinEffect float64 `json:"min_effect"`
	// MinRecords is the smallest number of records (won deals, leads …) a
	// level KPI (mean, median, ratio) needs for a verdict, for the rep and
	// for each peer it is compared with; volumes need it for the larger of
	// the rep's and the peers' median.
	MinRecords int `json:"min_records"`
	// MinPeers is the smallest number of other peers with a value.
	MinPeers int `json:"min_peers"`
	// MinSpread floors the peers' standard deviation at this share of their
	// mean, so that peers who happen to agree closely do not make small
	// differences count.
	MinSpread float64 `json:"min_spread"`
}

// DefaultRules are the thresholds documented in docs/coaching.md.
func DefaultRules() Rules {
	return Rules{Alpha: 0.05, MinTrials: 20, MinEffect: 0.10, MinRecords: 10, MinPeers: 3, MinSpread: 0.10}
}

// Options choose the period and the peers.
type Options struct {
	// From and To are inclusive days. Both zero: the last full quarter of the
	// data. To zero: the data's last day. From zero: the start of the quarter
	// containing To.
	From, To time.Time
	// Peers is team (default) or org.
	Peers PeerGroup
	// Rules zero means DefaultRules.
	Rules Rules
}

// ErrUnknownRep is returned for a rep id that is not in reps.csv.
var ErrUnknownRep = errors.New("unknown rep")

// ErrUnknownTeam is returned for a team id that is not in teams.csv.
var ErrUnknownTeam = errors.New("unknown team")

// ErrNoData is returned when there is nothing imported to coach from.
var ErrNoData = errors.New("there is no data to coach from (import some first)")

// Verdict is how a rep stands on one KPI.
type Verdict string

// Verdicts.
const (
	Strength      Verdict = "strength"        // better than the peers, beyond chance
	Weakness      Verdict = "weakness"        // worse than the peers, beyond chance
	Typical       Verdict = "typical"         // within what chance and the peers' spread allow
	NotEnoughData Verdict = "not_enough_data" // too few records or peers to judge
	NoData        Verdict = "no_data"         // the rep has no value
)

// RepInfo describes a rep.
type RepInfo struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Team     *string `json:"team"`
	TeamName *string `json:"team_name"`
	Role     string  `json:"role"`
	HiredOn  *string `json:"hired_on"`
	LeftOn   *string `json:"left_on"`
}

// PeerInfo says whom the rep was compared with.
type PeerInfo struct {
	Group PeerGroup `json:"group"`
	Team  *string   `json:"team"` // the team, for the team group
	Role  string    `json:"role"`
	// Reps are the peers, the rep included: reps of the group and role
	// employed throughout the period.
	Reps []string `json:"reps"`
}

// Summary counts a scorecard's verdicts.
type Summary struct {
	Strengths     int `json:"strengths"`
	Weaknesses    int `json:"weaknesses"`
	Typical       int `json:"typical"`
	NotEnoughData int `json:"not_enough_data"`
	NoData        int `json:"no_data"`
}

// Test is the evidence behind a verdict.
type Test struct {
	// Method is two_proportion (rates) or prediction_interval (volumes and
	// levels).
	Method string `json:"method"`

	Successes     *float64 `json:"successes,omitempty"`
	Trials        *float64 `json:"trials,omitempty"`
	PeerSuccesses *float64 `json:"peer_successes,omitempty"`
	PeerTrials    *float64 `json:"peer_trials,omitempty"`
	PeerRate      *float64 `json:"peer_rate,omitempty"` // the rest of the peers pooled
	CILow         *float64 `json:"ci_low,omitempty"`    // Wilson 95% interval of the rep's rate
	CIHigh        *float64 `json:"ci_high,omitempty"`
	Z             *float64 `json:"z,omitempty"`
	PValue        *float64 `json:"p_value,omitempty"` // of either test

	// Support is the number of records behind the rep's value (absent when
	// the catalog has no count for them).
	Support  *float64 `json:"support,omitempty"`
	PeerMean *float64 `json:"peer_mean,omitempty"` // the other peers' mean
	PeerSD   *float64 `json:"peer_sd,omitempty"`   // their standard deviation (floored)
	Low      *float64 `json:"low,omitempty"`       // the prediction interval
	High     *float64 `json:"high,omitempty"`

	PeersUsed int `json:"peers_used"`
}

// Trend is the change against the previous period.
type Trend struct {
	Previous    *float64 `json:"previous"`
	Change      *float64 `json:"change"`
	ChangeRatio *float64 `json:"change_ratio"`
	// Direction is better, worse or unchanged by the KPI's direction; null
	// when either value is missing.
	Direction *string `json:"direction"`
	// Significant says whether a rate's change passes the two-proportion
	// test (both periods with enough trials); null for other KPIs.
	Significant *bool    `json:"significant"`
	PValue      *float64 `json:"p_value,omitempty"`
}

// KPIResult is one line of a scorecard.
type KPIResult struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Category   string   `json:"category"`
	Unit       string   `json:"unit"`
	Direction  string   `json:"direction"`
	Indicator  string   `json:"indicator"`
	Kind       Kind     `json:"kind"`
	Value      *float64 `json:"value"`
	TeamMedian *float64 `json:"team_median"` // median over the peers, the rep included
	Percentile *float64 `json:"percentile"`  // share of the other peers the rep beats (ties half)
	Peers      int      `json:"peers"`       // other peers with a value
	Verdict    Verdict  `json:"verdict"`
	Reason     string   `json:"reason"`
	Test       *Test    `json:"test"`
	Trend      Trend    `json:"trend"`
}

// Evidence is one number a focus area cites.
type Evidence struct {
	KPI        string   `json:"kpi"`
	Name       string   `json:"name"`
	Unit       string   `json:"unit"`
	Value      *float64 `json:"value"`
	TeamMedian *float64 `json:"team_median"`
	Percentile *float64 `json:"percentile"`
	Verdict    Verdict  `json:"verdict"`
}

// Focus is a suggested focus area and the numbers that triggered it.
type Focus struct {
	Area     string     `json:"area"`
	Title    string     `json:"title"`
	Rule     string     `json:"rule"`
	Message  string     `json:"message"`
	Advice   string     `json:"advice"`
	Evidence []Evidence `json:"evidence"`
}

// Report is a rep's coaching scorecard.
type Report struct {
	Rep      RepInfo        `json:"rep"`
	Peers    PeerInfo       `json:"peers"`
	Period   kpi.PeriodJSON `json:"period"`
	Previous kpi.PeriodJSON `json:"previous"`
	// Partial is true when the rep was employed for only part of the
	// period: volumes are then not judged.
	Partial    bool        `json:"partial"`
	Summary    Summary     `json:"summary"`
	KPIs       []KPIResult `json:"kpis"`
	Strengths  []string    `json:"strengths"`
	Weaknesses []string    `json:"weaknesses"`
	Focus      []Focus     `json:"focus"`
	Notes      []string    `json:"notes"`
	Rules      Rules       `json:"rules"`
}

// TeamInfo names a team.
type TeamInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RepHeadline is one rep's line in the manager's view.
type RepHeadline struct {
	Rep           RepInfo  `json:"rep"`
	Partial       bool     `json:"partial"`
	Peers         int      `json:"peers"` // peers compared with, the rep excluded
	Summary       Summary  `json:"summary"`
	Strengths     []string `json:"strengths"`
	Weaknesses    []string `json:"weaknesses"`
	TopFocus      *Focus   `json:"top_focus"`
	FocusAreas    []string `json:"focus_areas"`
	WinRate       *float64 `json:"win_rate"`
	WinRateMedian *float64 `json:"win_rate_team_median"`
}

// TeamReport is the manager's view of a team: every rep employed in the
// period (the team's sub-teams included) with their headline verdicts.
type TeamReport struct {
	Team     TeamInfo       `json:"team"`
	Peers    PeerGroup      `json:"peers"`
	Period   kpi.PeriodJSON `json:"period"`
	Previous kpi.PeriodJSON `json:"previous"`
	Reps     []RepHeadline  `json:"reps"`
	Notes    []string       `json:"notes"`
	Rules    Rules          `json:"rules"`
}

// Coach computes scorecards from an engine.
type Coach struct {
	eng   *kpi.Engine
	st    store.Store
	specs []*spec
	skips []skipped
}

// New reads the engine's catalog (custom KPIs included) and returns a Coach.
// The store is read for the roster (reps, teams) only; every number comes
// from the engine.
func New(eng *kpi.Engine, st store.Store) *Coach {
	specs, skips := classify(eng.Catalog())
	return &Coach{eng: eng, st: st, specs: specs, skips: skips}
}

func (o *Options) normalise() error {
	switch o.Peers {
	case "":
		o.Peers = PeersTeam
	case PeersTeam, PeersOrg:
	default:
		return &kpi.QueryError{Param: "peers", Msg: fmt.Sprintf("%q: want team or org", o.Peers)}
	}
	if o.Rules == (Rules{}) {
		o.Rules = DefaultRules()
	}
	return nil
}

// Rep is the coaching scorecard of one rep.
func (c *Coach) Rep(ctx context.Context, id string, o Options) (*Report, error) {
	if err := o.normalise(); err != nil {
		return nil, err
	}
	ro, err := c.roster(ctx)
	if err != nil {
		return nil, err
	}
	p, ok := ro.reps[id]
	if !ok {
		return nil, fmt.Errorf("%w %q (see reps.csv or GET /api/v1/dimensions)", ErrUnknownRep, id)
	}
	w, err := c.window(ctx, o)
	if err != nil {
		return nil, err
	}
	peers := ro.peers(p, o.Peers, w)
	vals, notes, err := c.evaluate(ctx, w, peers)
	if err != nil {
		return nil, err
	}
	return c.report(p, peers, o, w, vals, notes), nil
}

// Team is the manager's view of a team.
func (c *Coach) Team(ctx context.Context, id string, o Options) (*TeamReport, error) {
	t, w, reports, notes, err := c.teamReports(ctx, id, &o)
	if err != nil {
		return nil, err
	}
	tr := &TeamReport{Team: t, Peers: o.Peers, Period: w.cur.JSON(), Previous: w.prev.JSON(),
		Reps: []RepHeadline{}, Notes: notes, Rules: o.Rules}
	for _, r := range reports {
		h := RepHeadline{Rep: r.Rep, Partial: r.Partial, Peers: len(r.Peers.Reps) - 1, Summary: r.Summary,
			Strengths: r.Strengths, Weaknesses: r.Weaknesses, FocusAreas: []string{}}
		for i := range r.Focus {
			h.FocusAreas = append(h.FocusAreas, r.Focus[i].Area)
		}
		if len(r.Focus) > 0 {
			h.TopFocus = &r.Focus[0]
		}
		for _, k := range r.KPIs {
			if k.ID == "win_rate" {
				h.WinRate, h.WinRateMedian = k.Value, k.TeamMedian
			}
		}
		tr.Reps = append(tr.Reps, h)
	}
	return tr, nil
}

// teamReports is the full scorecard of every rep of a team (its sub-teams
// included) employed at some time in the period, from one evaluation.
func (c *Coach) teamReports(ctx context.Context, id string, o *Options) (TeamInfo, window, []*Report, []string, error) {
	if err := o.normalise(); err != nil {
		return TeamInfo{}, window{}, nil, nil, err
	}
	ro, err := c.roster(ctx)
	if err != nil {
		return TeamInfo{}, window{}, nil, nil, err
	}
	t, ok := ro.teams[id]
	if !ok {
		return TeamInfo{}, window{}, nil, nil, fmt.Errorf("%w %q (see teams.csv or GET /api/v1/dimensions)", ErrUnknownTeam, id)
	}
	info := TeamInfo{ID: t.id, Name: t.name}
	w, err := c.window(ctx, *o)
	if err != nil {
		return info, window{}, nil, nil, err
	}
	in := ro.subtree(id)
	var members []*person
	union := map[string]bool{}
	groups := map[string][]string{}
	for _, p := range ro.list {
		if p.team == nil || !in[*p.team] || !p.employedDuring(w.cur.Start, w.cur.End) {
			continue
		}
		members = append(members, p)
		groups[p.id] = ro.peers(p, o.Peers, w)
		for _, q := range groups[p.id] {
			union[q] = true
		}
	}
	if len(members) == 0 {
		return info, w, nil, []string{fmt.Sprintf("no rep of team %s was employed in %s", id, w.cur.Label)}, nil
	}
	vals, notes, err := c.evaluate(ctx, w, sortedKeys(union))
	if err != nil {
		return info, w, nil, nil, err
	}
	reports := make([]*Report, len(members))
	for i, p := range members {
		reports[i] = c.report(p, groups[p.id], *o, w, vals, notes)
	}
	if notes == nil {
		notes = []string{}
	}
	return info, w, reports, notes, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// window is the period coached and the one before it.
type window struct {
	grain     kpi.Grain // All when the range is not one calendar period
	cur, prev kpi.Period
}

// lastDay is the inclusive last day of the current period.
func (w window) lastDay() time.Time { return w.cur.End.AddDate(0, 0, -1) }

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// window resolves the options to the coached period and the previous one:
// the previous calendar period when the range is exactly one quarter, month,
// year or ISO week, else the same number of days just before.
func (c *Coach) window(ctx context.Context, o Options) (window, error) {
	cal := c.eng.Calendar()
	from, to := o.From, o.To
	if from.IsZero() || to.IsZero() {
		_, hi, err := c.eng.Extent(ctx)
		if err != nil {
			return window{}, err
		}
		if hi.IsZero() {
			return window{}, ErrNoData
		}
		switch {
		case from.IsZero() && to.IsZero():
			end := cal.BucketStart(kpi.Quarter, hi)
			from = cal.BucketStart(kpi.Quarter, end.AddDate(0, 0, -1))
			to = end.AddDate(0, 0, -1)
		case to.IsZero():
			to = hi.AddDate(0, 0, -1)
		default:
			from = cal.BucketStart(kpi.Quarter, to)
		}
	}
	from, to = dayOf(from), dayOf(to)
	if to.Before(from) {
		return window{}, &kpi.QueryError{Param: "from", Msg: fmt.Sprintf("from %s is after to %s", from.Format(time.DateOnly), to.Format(time.DateOnly))}
	}
	end := to.AddDate(0, 0, 1)
	for _, g := range []kpi.Grain{kpi.Quarter, kpi.Month, kpi.Year, kpi.Week} {
		ps := cal.Periods(g, from, end)
		if len(ps) == 1 && ps[0].Bucket.Equal(from) && cal.BucketStart(g, end).Equal(end) {
			prev, _ := cal.Before(g, ps[0])
			return window{grain: g, cur: ps[0], prev: prev}, nil
		}
	}
	days := int(end.Sub(from).Hours()/24 + 0.5)
	pFrom := from.AddDate(0, 0, -days)
	label := func(a, b time.Time) string {
		return a.Format(time.DateOnly) + ".." + b.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return window{grain: kpi.All,
		cur:  kpi.Period{Label: label(from, end), Bucket: from, Start: from, End: end},
		prev: kpi.Period{Label: label(pFrom, from), Bucket: pFrom, Start: pFrom, End: from},
	}, nil
}

// values are engine results by period (0 current, 1 previous), rep and KPI
// or measure id ("measure:won_count").
type values [2]map[string]map[string]float64

func (v values) get(period int, rep, id string) (float64, bool) {
	x, ok := v[period][rep][id]
	return x, ok
}

// evaluate asks the engine for every KPI of the catalog and the measures the
// tests need, by rep, for the reps given, in both periods.
func (c *Coach) evaluate(ctx context.Context, w window, reps []string) (values, []string, error) {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, sp := range c.specs {
		add(sp.kpi.ID)
	}
	for _, sp := range c.specs {
		for _, m := range slices.Concat(sp.num, sp.den, sp.support) {
			add("measure:" + m)
		}
	}
	var out values
	out[0], out[1] = map[string]map[string]float64{}, map[string]map[string]float64{}
	q := kpi.Query{KPIs: ids, By: []string{"rep"}, Filters: map[string][]string{"rep": reps}}
	var notes []string
	collect := func(res *kpi.Result, period func(kpi.Period) int) {
		for _, row := range res.Rows {
			i := period(*row.Period)
			if i < 0 || row.Value == nil || row.Dims[0] == nil {
				continue
			}
			rep := *row.Dims[0]
			if out[i][rep] == nil {
				out[i][rep] = map[string]float64{}
			}
			out[i][rep][row.KPI] = *row.Value
		}
		for _, n := range res.Notes {
			if !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
	}
	if w.grain != kpi.All {
		q.Grain, q.From, q.To = w.grain, w.prev.Start, w.lastDay()
		res, err := c.eng.Evaluate(ctx, q)
		if err != nil {
			return out, nil, err
		}
		collect(res, func(p kpi.Period) int {
			switch {
			case p.Bucket.Equal(w.cur.Bucket):
				return 0
			case p.Bucket.Equal(w.prev.Bucket):
				return 1
			}
			return -1
		})
	} else {
		for i, p := range []kpi.Period{w.cur, w.prev} {
			q.Grain, q.From, q.To = kpi.All, p.Start, p.End.AddDate(0, 0, -1)
			res, err := c.eng.Evaluate(ctx, q)
			if err != nil {
				return out, nil, err
			}
			collect(res, func(kpi.Period) int { return i })
		}
	}
	var kept []string
	for _, n := range notes {
		if strings.HasPrefix(n, "measure:") {
			continue // a building block of a KPI that is left out itself
		}
		kept = append(kept, n)
	}
	return out, kept, nil
}

// report builds one rep's scorecard from evaluated values; engineNotes are
// the engine's notes on KPIs it left out (not available by rep).
func (c *Coach) report(p *person, peers []string, o Options, w window, vals values, engineNotes []string) *Report {
	r := &Report{
		Rep:    p.info(),
		Peers:  PeerInfo{Group: o.Peers, Role: p.role, Reps: peers},
		Period: w.cur.JSON(), Previous: w.prev.JSON(),
		Partial:    !p.employedThroughout(w.cur.Start, w.lastDay()),
		KPIs:       []KPIResult{},
		Strengths:  []string{},
		Weaknesses: []string{},
		Focus:      []Focus{},
		Notes:      []string{},
		Rules:      o.Rules,
	}
	if o.Peers == PeersTeam {
		r.Peers.Team = p.team
		if p.team == nil {
			r.Notes = append(r.Notes, "the rep belongs to no team, so has no team peers; compare with the organisation (peers=org)")
		}
	}
	if r.Partial {
		r.Notes = append(r.Notes, fmt.Sprintf("%s was employed for only part of %s; volumes are not judged against peers who were there throughout", p.id, w.cur.Label))
	}
	if len(peers)-1 < o.Rules.MinPeers {
		r.Notes = append(r.Notes, fmt.Sprintf("only %d other %s(s) in the peer group: verdicts need at least %d; try peers=org", len(peers)-1, p.role, o.Rules.MinPeers))
	}
	for _, sk := range c.skips {
		r.Notes = append(r.Notes, sk.id+": "+sk.why+"; left out")
	}
	others := make([]string, 0, len(peers))
	for _, q := range peers {
		if q != p.id {
			others = append(others, q)
		}
	}
	for _, sp := range c.specs {
		if hasNote(engineNotes, sp.kpi.ID) {
			continue // not available by rep: the note says why
		}
		res := judge{sp: sp, rep: p.id, peers: peers, others: others, vals: vals, rules: o.Rules, partial: r.Partial}.assess()
		switch res.Verdict {
		case Strength:
			r.Summary.Strengths++
			r.Strengths = append(r.Strengths, sp.kpi.ID)
		case Weakness:
			r.Summary.Weaknesses++
			r.Weaknesses = append(r.Weaknesses, sp.kpi.ID)
		case Typical:
			r.Summary.Typical++
		case NotEnoughData:
			r.Summary.NotEnoughData++
		case NoData:
			r.Summary.NoData++
		}
		r.KPIs = append(r.KPIs, res)
	}
	r.Notes = append(r.Notes, engineNotes...)
	r.Focus = focusAreas(r.KPIs)
	return r
}

func hasNote(notes []string, id string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, id+":") {
			return true
		}
	}
	return false
}
