package quality

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/salesops/salesops/internal/store"
)

// RecordType is a kind of CRM record the rules check. Every record has an id,
// a rep (its owner), an account and the instant it is recorded at, which puts
// it in a period.
type RecordType struct {
	Name string `json:"name"` // as in the record_type column
	Doc  string `json:"doc"`  // what one record is, its rep and when it is recorded
}

// RecordTypes lists the record types in the order reports show them.
func RecordTypes() []RecordType {
	return []RecordType{
		{Name: "opportunity", Doc: "a deal; its owner's; recorded when created (created_at)"},
		{Name: "lead", Doc: "a lead; its owner's; recorded when created (created_at)"},
		{Name: "account", Doc: "an account; its owner's; recorded when created (created_at; never, when blank)"},
		{Name: "activity", Doc: "a call, e-mail, meeting, demo or task; its rep's; recorded when it occurred (occurred_at)"},
		{Name: "stage_history", Doc: "an entry of a deal's stage history (id: deal/stage/entered_at); the deal owner's; recorded when entered (entered_at)"},
	}
}

// RecordTypeNames lists the record type names in order.
func RecordTypeNames() []string {
	var names []string
	for _, t := range RecordTypes() {
		names = append(names, t.Name)
	}
	return names
}

// relation is a record type with its SQL: one row per record with record_id,
// rep_id, account_id, recorded_at, and the columns its rules' conditions read.
type relation struct {
	RecordType
	sql string
}

// relations lists the record types with their SQL, in report order. The
// dialect spells the quantiles of the outlier rule.
func relations(d store.Dialect) []relation {
	// ln is only taken of positive amounts: DuckDB refuses the logarithm of
	// zero even in rows a filter drops.
	logAmount := "ln(CASE WHEN po.amount > 0 THEN po.amount END)"
	sql := map[string]string{
		// peers holds, per product and segment, the log-amount fences of the
		// outlier rule (see OutlierIQRs).
		"opportunity": `
    SELECT o.opportunity_id AS record_id, o.owner_rep_id AS rep_id, o.account_id, o.created_at AS recorded_at,
           o.amount, CASE WHEN o.amount > 0 THEN ln(o.amount) END AS log_amount,
           o.status, o.stage, o.product, ac.segment, o.created_at, o.close_date,
           ac.account_id IS NOT NULL AS account_known,
           r.rep_id IS NOT NULL AS owner_known, r.left_on AS owner_left_on,
           pe.peers, pe.low_fence, pe.high_fence
    FROM opportunities o
    LEFT JOIN accounts ac ON ac.account_id = o.account_id
    LEFT JOIN reps r ON r.rep_id = o.owner_rep_id
    LEFT JOIN (
        SELECT product, segment, peers,
               least(q1 - ` + num(OutlierIQRs) + ` * (q3 - q1), mid - ` + num(math.Log(OutlierFactor)) + `) AS low_fence,
               greatest(q3 + ` + num(OutlierIQRs) + ` * (q3 - q1), mid + ` + num(math.Log(OutlierFactor)) + `) AS high_fence
        FROM (
            SELECT po.product, pa.segment, count(*) AS peers,
                   ` + d.Quantile(logAmount, 0.25) + ` AS q1,
                   ` + d.Median(logAmount) + ` AS mid,
                   ` + d.Quantile(logAmount, 0.75) + ` AS q3
            FROM opportunities po LEFT JOIN accounts pa ON pa.account_id = po.account_id
            WHERE po.amount > 0
            GROUP BY po.product, pa.segment
        ) quartiles
    ) pe ON pe.product IS NOT DISTINCT FROM o.product AND pe.segment IS NOT DISTINCT FROM ac.segment`,
		"lead": `
    SELECT l.lead_id AS record_id, l.owner_rep_id AS rep_id, l.account_id, l.created_at AS recorded_at,
           l.created_at, l.first_response_at, l.source, l.email,
           r.rep_id IS NOT NULL AS owner_known, r.left_on AS owner_left_on,
           count(*) OVER (PARTITION BY lower(trim(l.email))) AS same_email,
           first_value(l.lead_id) OVER (PARTITION BY lower(trim(l.email)) ORDER BY l.created_at, l.lead_id) AS first_same_email
    FROM leads l
    LEFT JOIN reps r ON r.rep_id = l.owner_rep_id`,
		// name_key keeps the letters and digits of any script, lower-cased.
		"account": `
    SELECT c.account_id AS record_id, c.owner_rep_id AS rep_id, c.account_id, c.created_at AS recorded_at,
           c.name, c.name_key,
           r.rep_id IS NOT NULL AS owner_known, r.left_on AS owner_left_on,
           count(*) OVER (PARTITION BY c.name_key) AS same_name,
           first_value(c.account_id) OVER (PARTITION BY c.name_key ORDER BY c.created_at NULLS LAST, c.account_id) AS first_same_name
    FROM (
        SELECT account_id, name, owner_rep_id, created_at, regexp_replace(lower(name), '[^\pL\pN]', '', 'g') AS name_key
        FROM accounts
    ) c
    LEFT JOIN reps r ON r.rep_id = c.owner_rep_id`,
		"activity": `
    SELECT a.activity_id AS record_id, a.rep_id, coalesce(a.account_id, o.account_id, l.account_id) AS account_id,
           a.occurred_at AS recorded_at, a.occurred_at, a.opportunity_id,
           r.rep_id IS NOT NULL AS rep_known, r.left_on AS rep_left_on,
           o.opportunity_id IS NOT NULL AS deal_known, o.status AS deal_status, o.close_date AS deal_close_date
    FROM activities a
    LEFT JOIN reps r ON r.rep_id = a.rep_id
    LEFT JOIN opportunities o ON o.opportunity_id = a.opportunity_id
    LEFT JOIN leads l ON l.lead_id = a.lead_id`,
		"stage_history": `
    SELECT s.opportunity_id || '/' || s.stage || '/' || CAST(s.entered_at AS VARCHAR) AS record_id,
           o.owner_rep_id AS rep_id, o.account_id, s.entered_at AS recorded_at,
           s.opportunity_id, s.stage, s.entered_at,
           o.opportunity_id IS NOT NULL AS deal_known, o.status, o.created_at, o.close_date,
           max(s.entered_at) OVER (PARTITION BY s.opportunity_id) AS last_entered_at
    FROM opportunity_stages s
    LEFT JOIN opportunities o ON o.opportunity_id = s.opportunity_id`,
	}
	var out []relation
	for _, t := range RecordTypes() {
		out = append(out, relation{RecordType: t, sql: sql[t.Name]})
	}
	return out
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', 17, 64) }

// rulesOf returns the rules of a record type, in catalog order.
func rulesOf(recordType string) []Rule {
	var out []Rule
	for _, r := range catalog() {
		if r.RecordType == recordType {
			out = append(out, r)
		}
	}
	return out
}

// failsSQL is a rule's condition with null read as passing.
func failsSQL(r Rule) string { return "coalesce((" + r.Condition + "), FALSE)" }

// RecordsSQL is a relation with one row per record of every type:
// record_type, record_id, rep_id, account_id, recorded_at, and passed (true
// when the record breaks no rule). It reads params (today).
func RecordsSQL(d store.Dialect) string {
	var parts []string
	for _, t := range relations(d) {
		var fails []string
		for _, r := range rulesOf(t.Name) {
			fails = append(fails, failsSQL(r))
		}
		passed := "TRUE"
		if len(fails) > 0 {
			passed = "NOT (" + strings.Join(fails, "\n             OR ") + ")"
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%s' AS record_type, record_id, rep_id, account_id, recorded_at,
       %s AS passed
FROM (%s
) %s_records`, t.Name, passed, t.sql, t.Name))
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// FailuresSQL is a relation with one row per record and rule it breaks:
// record_type, record_id, rep_id, account_id, recorded_at, rule_id and value
// (the offending values as text). It reads params (today). A record appears
// here exactly when RecordsSQL says it has not passed.
func FailuresSQL(d store.Dialect) string {
	var parts []string
	for _, t := range relations(d) {
		rules := rulesOf(t.Name)
		if len(rules) == 0 {
			continue
		}
		var ids, values, fails []string
		for _, r := range rules {
			ids = append(ids, "('"+r.ID+"')")
			values = append(values, "WHEN '"+r.ID+"' THEN "+r.Value)
			fails = append(fails, "WHEN '"+r.ID+"' THEN "+failsSQL(r))
		}
		// One pass over the records: each is paired with each of its rules and
		// kept for those it breaks.
		parts = append(parts, fmt.Sprintf(`SELECT '%s' AS record_type, x.record_id, x.rep_id, x.account_id, x.recorded_at, k.rule_id,
       CASE k.rule_id
           %s
       END AS value
FROM (%s
) x CROSS JOIN (VALUES %s) k (rule_id)
WHERE CASE k.rule_id
          %s
      END`, t.Name, strings.Join(values, "\n           "), t.sql, strings.Join(ids, ", "), strings.Join(fails, "\n          ")))
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// ExtentSQL finds the first and the last instant at which any record is
// recorded (deals, leads and accounts created, activities, stage changes):
// the default range of a data-quality report, which unlike the KPI engine's
// data range includes accounts and stage history.
const ExtentSQL = `SELECT min(lo), max(hi) FROM (
    SELECT min(created_at) AS lo, max(created_at) AS hi FROM opportunities
    UNION ALL SELECT min(created_at), max(created_at) FROM leads
    UNION ALL SELECT min(created_at), max(created_at) FROM accounts
    UNION ALL SELECT min(occurred_at), max(occurred_at) FROM activities
    UNION ALL SELECT min(entered_at), max(entered_at) FROM opportunity_stages
) extent`
