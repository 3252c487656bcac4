package kpi

import (
	"sort"
	"strings"

	"github.com/salesops/salesops/internal/quality"
	"github.com/salesops/salesops/internal/store"
)

// Dimensions a KPI can be broken down by. record_type only cuts the data
// quality records (crm_data_accuracy by opportunity, lead, account, …).
var Dimensions = []string{"rep", "team", "region", "segment", "industry", "source", "product", "type", "record_type"}

// isDimension reports whether d names a dimension.
func isDimension(d string) bool {
	for _, x := range Dimensions {
		if x == d {
			return true
		}
	}
	return false
}

// fragment is a piece of SQL with the joins and common tables it needs.
type fragment struct {
	sql   string
	joins []string // names of entity joins, in dependency order
}

// entity is a source of rows that measures aggregate: a table of the data
// contract, or a derived relation (follow-up gaps, account-periods, data quality).
// Its SQL is fixed here; users choose among its columns by name.
type entity struct {
	name  string
	doc   string
	from  string // FROM item with alias
	ctes  []string
	joins map[string]fragment // join name → JOIN clause (deps listed in joins)
	// times maps a column to its SQL for flow attribution (row counts in the
	// period containing that instant).
	times map[string]string
	// validFrom/validTo make the entity a snapshot: a row exists at instant X when
	// validFrom < X (or validFrom is null) and (validTo is null or validTo >= X).
	validFrom, validTo string
	// periodic entities already yield one row per period in column pkey.
	periodic bool
	columns  map[string]fragment
	dims     map[string]fragment
	// rep and team are how scope and the team filter reach this entity's rows.
	team fragment
}

// Common tables, named so that several entities can ask for the same one.
var commonTables = map[string]string{
	"team_tree": `team_tree (ancestor, descendant, depth) AS (
    SELECT ancestor, descendant, min(depth) FROM (
        WITH RECURSIVE walk (ancestor, descendant, depth) AS (
            SELECT team_id, team_id, 0 FROM teams
            UNION ALL
            SELECT w.ancestor, t.team_id, w.depth + 1
            FROM walk w JOIN teams t ON t.parent_team_id = w.descendant
            WHERE w.depth < 64
        )
        SELECT ancestor, descendant, depth FROM walk
    ) closure
    GROUP BY ancestor, descendant
)`,
	// A team's region is its own, else that of its nearest ancestor that has one.
	"team_region": `team_region (team_id, region) AS (
    SELECT DISTINCT tt.descendant, first_value(t.region) OVER (PARTITION BY tt.descendant ORDER BY tt.depth)
    FROM team_tree tt JOIN teams t ON t.team_id = tt.ancestor
    WHERE t.region IS NOT NULL
)`,
	// An opportunity's source is that of the earliest lead converted into it.
	"opp_source": `opp_source (opportunity_id, source) AS (
    SELECT opportunity_id, source FROM (
        SELECT opportunity_id, source, row_number() OVER (PARTITION BY opportunity_id ORDER BY created_at, lead_id) AS rn
        FROM leads WHERE opportunity_id IS NOT NULL
    ) ranked WHERE rn = 1
)`,
	// The first won opportunity of each account makes it a new customer.
	"first_wins": `first_wins (opportunity_id) AS (
    SELECT opportunity_id FROM (
        SELECT opportunity_id, row_number() OVER (PARTITION BY account_id ORDER BY close_date, opportunity_id) AS rn
        FROM opportunities WHERE status = 'won' AND account_id IS NOT NULL
    ) ranked WHERE rn = 1
)`,
	// Default win probability of a stage when a deal gives none: the configured
	// value, else the share of closed deals that passed through the stage and were won.
	"stage_defaults": `stage_defaults (stage, probability) AS (
    SELECT coalesce(h.stage, c.stage), coalesce(c.probability, h.probability) FROM (
        SELECT s.stage, avg(CASE WHEN o.status = 'won' THEN 1.0 ELSE 0.0 END) AS probability
        FROM (
            SELECT opportunity_id, lower(stage) AS stage FROM opportunity_stages
            UNION
            SELECT opportunity_id, lower(stage) FROM opportunities
        ) s JOIN opportunities o ON o.opportunity_id = s.opportunity_id
        WHERE o.status IN ('won', 'lost')
        GROUP BY s.stage
    ) h FULL OUTER JOIN configured_stages c ON c.stage = h.stage
)`,
}

// cteDeps lists the common tables each common table reads.
var cteDeps = map[string][]string{
	"team_region":    {"team_tree"},
	"stage_defaults": {"configured_stages"},
}

// repJoins are the joins every entity with an owning rep shares.
func repJoins(repExpr string, extra map[string]fragment) map[string]fragment {
	var via []string
	if strings.HasPrefix(repExpr, "ac.") {
		via = []string{"account"} // the account's owner
	}
	j := map[string]fragment{
		"rep":         {sql: "LEFT JOIN reps r ON r.rep_id = " + repExpr, joins: via},
		"team_tree":   {sql: "LEFT JOIN team_tree tt ON tt.descendant = r.team_id", joins: []string{"rep"}},
		"team_region": {sql: "LEFT JOIN team_region tr ON tr.team_id = r.team_id", joins: []string{"rep"}},
	}
	for k, v := range extra {
		j[k] = v
	}
	return j
}

func repDims(repExpr string, extra map[string]fragment) map[string]fragment {
	var via []string
	if strings.HasPrefix(repExpr, "ac.") {
		via = []string{"account"}
	}
	d := map[string]fragment{
		"rep":    {sql: repExpr, joins: via},
		"team":   {sql: "tt.ancestor", joins: []string{"team_tree"}},
		"region": {sql: "tr.region", joins: []string{"team_region"}},
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

func cols(alias string, names ...string) map[string]fragment {
	m := map[string]fragment{}
	for _, n := range names {
		m[n] = fragment{sql: alias + "." + n}
	}
	return m
}

// with returns a new map holding m's entries and extra's.
func with(m map[string]fragment, extra map[string]fragment) map[string]fragment {
	out := make(map[string]fragment, len(m)+len(extra))
	for k, v := range m {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

var teamOfRep = fragment{sql: "r.team_id", joins: []string{"rep"}}

// entities builds the entity definitions for a dialect.
func entities(d store.Dialect) map[string]*entity {
	acct := func(expr string) fragment {
		return fragment{sql: "LEFT JOIN accounts ac ON ac.account_id = " + expr}
	}
	accountDims := map[string]fragment{
		"segment":  {sql: "ac.segment", joins: []string{"account"}},
		"industry": {sql: "ac.industry", joins: []string{"account"}},
	}
	es := []*entity{
		{
			name: "activities",
			doc:  "calls, e-mails, meetings, demos and tasks, attributed by occurred_at",
			from: "activities a",
			joins: repJoins("a.rep_id", map[string]fragment{
				"opp":     {sql: "LEFT JOIN opportunities ao ON ao.opportunity_id = a.opportunity_id"},
				"lead":    {sql: "LEFT JOIN leads al ON al.lead_id = a.lead_id"},
				"oppsrc":  {sql: "LEFT JOIN opp_source aos ON aos.opportunity_id = a.opportunity_id"},
				"account": {sql: acct("coalesce(a.account_id, ao.account_id, al.account_id)").sql, joins: []string{"opp", "lead"}},
			}),
			times: map[string]string{"occurred_at": "a.occurred_at"},
			columns: cols("a", "activity_id", "rep_id", "type", "occurred_at", "duration_minutes", "direction",
				"outcome", "lead_id", "opportunity_id", "account_id", "opened_at", "clicked_at", "attended"),
			dims: repDims("a.rep_id", with(accountDims, map[string]fragment{
				"source":  {sql: "coalesce(al.source, aos.source)", joins: []string{"lead", "oppsrc"}},
				"product": {sql: "ao.product", joins: []string{"opp"}},
				"type":    {sql: "ao.type", joins: []string{"opp"}},
			})),
			team: teamOfRep,
		},
		{
			name: "follow_ups",
			doc:  "gaps between consecutive activities on the same opportunity, attributed to the later activity",
			from: `(
    SELECT activity_id, rep_id, lead_id, opportunity_id, account_id, occurred_at,
           ` + d.SecondsBetween("prev_at", "occurred_at") + ` / 86400.0 AS gap_days
    FROM (
        SELECT activity_id, rep_id, lead_id, opportunity_id, account_id, occurred_at,
               lag(occurred_at) OVER (PARTITION BY opportunity_id ORDER BY occurred_at, activity_id) AS prev_at
        FROM activities WHERE opportunity_id IS NOT NULL
    ) ordered WHERE prev_at IS NOT NULL
) f`,
			joins: repJoins("f.rep_id", map[string]fragment{
				"opp":     {sql: "LEFT JOIN opportunities ao ON ao.opportunity_id = f.opportunity_id"},
				"lead":    {sql: "LEFT JOIN leads al ON al.lead_id = f.lead_id"},
				"oppsrc":  {sql: "LEFT JOIN opp_source aos ON aos.opportunity_id = f.opportunity_id"},
				"account": {sql: acct("coalesce(f.account_id, ao.account_id, al.account_id)").sql, joins: []string{"opp", "lead"}},
			}),
			times:   map[string]string{"occurred_at": "f.occurred_at"},
			columns: cols("f", "activity_id", "rep_id", "opportunity_id", "occurred_at", "gap_days"),
			dims: repDims("f.rep_id", with(accountDims, map[string]fragment{
				"source":  {sql: "coalesce(al.source, aos.source)", joins: []string{"lead", "oppsrc"}},
				"product": {sql: "ao.product", joins: []string{"opp"}},
				"type":    {sql: "ao.type", joins: []string{"opp"}},
			})),
			team: teamOfRep,
		},
		{
			name: "leads",
			doc:  "leads, attributed by created_at (or another of their instants)",
			from: "leads l",
			joins: repJoins("l.owner_rep_id", map[string]fragment{
				"account": acct("l.account_id"),
				"lopp":    {sql: "LEFT JOIN opportunities lo ON lo.opportunity_id = l.opportunity_id"},
			}),
			times: map[string]string{"created_at": "l.created_at", "first_response_at": "l.first_response_at", "converted_at": "l.converted_at"},
			columns: with(cols("l", "lead_id", "created_at", "source", "campaign", "owner_rep_id", "status",
				"first_response_at", "converted_at", "opportunity_id", "account_id"), map[string]fragment{
				"response_minutes":   {sql: d.SecondsBetween("l.created_at", "l.first_response_at") + " / 60.0"},
				"opportunity_status": {sql: "lo.status", joins: []string{"lopp"}},
			}),
			dims: repDims("l.owner_rep_id", with(accountDims, map[string]fragment{
				"source": {sql: "l.source"},
			})),
			team: teamOfRep,
		},
		{
			name: "opportunities",
			doc:  "deals: flows by created_at or close_date, or open deals as a snapshot",
			from: "opportunities o",
			joins: repJoins("o.owner_rep_id", map[string]fragment{
				"account":   acct("o.account_id"),
				"oppsrc":    {sql: "LEFT JOIN opp_source os ON os.opportunity_id = o.opportunity_id"},
				"firstwin":  {sql: "LEFT JOIN first_wins fw ON fw.opportunity_id = o.opportunity_id"},
				"stagedefs": {sql: "LEFT JOIN stage_defaults sd ON sd.stage = lower(o.stage)"},
			}),
			times:     map[string]string{"created_at": "o.created_at", "close_date": "o.close_date"},
			validFrom: "o.created_at",
			validTo:   "CASE WHEN o.status IN ('won', 'lost') THEN o.close_date END",
			columns: with(cols("o", "opportunity_id", "name", "account_id", "owner_rep_id", "type", "product", "stage",
				"status", "amount", "cost", "probability", "forecast_category", "created_at", "close_date", "lost_reason"),
				map[string]fragment{
					"cycle_days":            {sql: d.DaysBetween("o.created_at", "o.close_date")},
					"effective_probability": {sql: "coalesce(o.probability, sd.probability)", joins: []string{"stagedefs"}},
					"first_win":             {sql: "(fw.opportunity_id IS NOT NULL)", joins: []string{"firstwin"}},
					"period_start":          {sql: "p.pstart"},
					"period_end":            {sql: "p.pend"},
				}),
			dims: repDims("o.owner_rep_id", with(accountDims, map[string]fragment{
				"source":  {sql: "os.source", joins: []string{"oppsrc"}},
				"product": {sql: "o.product"},
				"type":    {sql: "o.type"},
			})),
			team: teamOfRep,
		},
		{
			name:    "spend",
			doc:     "marketing, sales and tools spend, attributed by date; only by source",
			from:    "spend s",
			joins:   map[string]fragment{},
			times:   map[string]string{"date": "s.date"},
			columns: cols("s", "date", "category", "source", "campaign", "amount"),
			dims:    map[string]fragment{"source": {sql: "s.source"}},
		},
		{
			name:    "time_entries",
			doc:     "logged minutes by category, attributed by date",
			from:    "time_entries te",
			joins:   repJoins("te.rep_id", nil),
			times:   map[string]string{"date": "te.date"},
			columns: cols("te", "rep_id", "date", "category", "minutes"),
			dims:    repDims("te.rep_id", nil),
			team:    teamOfRep,
		},
		{
			name: "nps_responses",
			doc:  "NPS answers, attributed by responded_at; they belong to the account owner",
			from: "nps_responses n",
			joins: repJoins("ac.owner_rep_id", map[string]fragment{
				"account": acct("n.account_id"),
			}),
			times:   map[string]string{"responded_at": "n.responded_at"},
			columns: cols("n", "account_id", "responded_at", "score"),
			dims:    repDims("ac.owner_rep_id", accountDims),
			team:    teamOfRep,
		},
		{
			name: "subscriptions",
			doc:  "subscriptions: a snapshot of those active at an instant, or flows by start_date",
			from: "subscriptions sb",
			joins: repJoins("ac.owner_rep_id", map[string]fragment{
				"account": acct("sb.account_id"),
			}),
			times:     map[string]string{"start_date": "sb.start_date", "end_date": "sb.end_date"},
			validFrom: "sb.start_date",
			validTo:   "sb.end_date",
			columns:   cols("sb", "subscription_id", "account_id", "product", "start_date", "end_date", "mrr"),
			dims: repDims("ac.owner_rep_id", with(accountDims, map[string]fragment{
				"product": {sql: "sb.product"},
			})),
			team: teamOfRep,
		},
		{
			name:      "reps",
			doc:       "reps employed at an instant (hired_on before it, left_on not before it)",
			from:      "reps rp",
			joins:     repJoins("rp.rep_id", nil),
			validFrom: "rp.hired_on",
			validTo:   "rp.left_on",
			columns:   cols("rp", "rep_id", "name", "team_id", "role", "hired_on", "left_on"),
			dims:      repDims("rp.rep_id", nil),
			team:      teamOfRep,
		},
		{
			name: "quotas",
			doc:  "quota rows prorated by days of overlap with each period",
			from: `(
    SELECT p.pkey, qq.rep_id, qq.team_id, qq.amount,
           qq.amount * ` + d.DaysBetween("greatest(qq.period_start, p.pstart)", "least(qq.period_end + INTERVAL '1 day', p.pend)") +
				` / ` + d.DaysBetween("qq.period_start", "qq.period_end + INTERVAL '1 day'") + ` AS prorated_amount
    FROM quotas qq JOIN periods p
      ON qq.period_start < p.pend AND qq.period_end + INTERVAL '1 day' > p.pstart
) q`,
			periodic: true,
			joins:    repJoins("q.rep_id", nil),
			columns:  cols("q", "rep_id", "team_id", "amount", "prorated_amount"),
			dims:     repDims("q.rep_id", nil),
			team:     teamOfRep,
		},
		{
			name: "customers",
			doc:  "accounts with subscriptions, one row per period: MRR and activity at the period's start and end",
			from: `(
    SELECT p.pkey, sb.account_id,
           sum(sb.mrr) FILTER (WHERE sb.start_date < p.pstart AND (sb.end_date IS NULL OR sb.end_date >= p.pstart)) AS mrr_start,
           sum(sb.mrr) FILTER (WHERE sb.start_date < p.pend AND (sb.end_date IS NULL OR sb.end_date >= p.pend)) AS mrr_end,
           count(*) FILTER (WHERE sb.start_date < p.pstart AND (sb.end_date IS NULL OR sb.end_date >= p.pstart)) > 0 AS active_start,
           count(*) FILTER (WHERE sb.start_date < p.pend AND (sb.end_date IS NULL OR sb.end_date >= p.pend)) > 0 AS active_end
    FROM subscriptions sb JOIN periods p
      ON sb.start_date < p.pend AND (sb.end_date IS NULL OR sb.end_date >= p.pstart)
    GROUP BY p.pkey, sb.account_id
) cu`,
			periodic: true,
			joins: repJoins("ac.owner_rep_id", map[string]fragment{
				"account": acct("cu.account_id"),
			}),
			columns: cols("cu", "account_id", "mrr_start", "mrr_end", "active_start", "active_end"),
			dims:    repDims("ac.owner_rep_id", accountDims),
			team:    teamOfRep,
		},
		{
			// Generated from the rule catalog of package quality, which also
			// lists the failing records: a record passes when it breaks no rule.
			name:    "data_quality",
			doc:     "every deal, lead, account, activity and stage-history entry with whether it passes every data-quality rule, attributed by when it was recorded",
			from:    "(\n" + quality.RecordsSQL(d) + "\n) dq",
			ctes:    []string{"params"},
			joins:   repJoins("dq.rep_id", map[string]fragment{"account": acct("dq.account_id")}),
			times:   map[string]string{"recorded_at": "dq.recorded_at"},
			columns: cols("dq", "record_type", "record_id", "rep_id", "account_id", "recorded_at", "passed"),
			dims: repDims("dq.rep_id", with(accountDims, map[string]fragment{
				"record_type": {sql: "dq.record_type"},
			})),
			team: teamOfRep,
		},
	}
	m := map[string]*entity{}
	for _, e := range es {
		if e.joins == nil {
			e.joins = map[string]fragment{}
		}
		// Every join that reads a common table asks for it through ctesOfJoin.
		m[e.name] = e
	}
	return m
}

// ctesOfJoin names the common tables a join reads.
var ctesOfJoin = map[string][]string{
	"team_tree":   {"team_tree"},
	"team_region": {"team_tree", "team_region"},
	"oppsrc":      {"opp_source"},
	"firstwin":    {"first_wins"},
	"stagedefs":   {"configured_stages", "stage_defaults"},
}

// entityNames lists entity names, sorted, for messages.
func entityNames(es map[string]*entity) string {
	var names []string
	for n := range es {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// columnNames lists an entity's columns, sorted, for messages.
func (e *entity) columnNames() string {
	var names []string
	for n := range e.columns {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
