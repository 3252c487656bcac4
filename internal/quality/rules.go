// Package quality is the catalog of CRM data-quality rules: the kinds of
// record that are checked, and for each rule a stable id, a one-line
// description, a severity and the SQL condition that marks a record breaking
// it. The KPI engine's data_quality entity (and so the crm_data_accuracy KPI)
// and the list of failing records are both generated from this one catalog,
// so a score and the records behind it always agree.
//
// The SQL reads "today" from a common table params (today) that the caller
// defines with a bound parameter, so the clock stays injectable.
package quality

import (
	"strconv"
	"strings"
)

// Severity says how sure a rule is that a record is wrong. It orders the
// clean-up; every rule counts the same against the score.
type Severity string

// Severities.
const (
	// Error: the record contradicts itself or points at nothing.
	Error Severity = "error"
	// Warning: the record is probably stale, duplicated or mistyped.
	Warning Severity = "warning"
)

// Rule is one data-quality check.
type Rule struct {
	ID          string   `json:"id"`          // stable: record type prefix, dot, name
	RecordType  string   `json:"record_type"` // the RecordType.Name it checks
	Severity    Severity `json:"severity"`
	Description string   `json:"description"` // one line, what a failing record is
	// Condition is SQL over the record type's columns that is true for a record
	// that breaks the rule; null counts as passing.
	Condition string `json:"condition"`
	// Value is SQL text that shows the offending values, e.g.
	// "status=open; close_date=2026-03-20".
	Value string `json:"-"`
}

// Outlier rule (opp.amount_outlier). Deal sizes are roughly log-normal, so
// the check works on log amounts, among the deals of the same product and
// account segment. An amount is implausible when it lies beyond Tukey's
// far-out fences (Q1 − 3·IQR, Q3 + 3·IQR of the log amounts: 4.7 standard
// deviations from the mean of a normal sample, crossed by one value in
// 400,000) and is also more than ten times away from the group's median, a
// slipped digit being the commonest typing mistake in an amount. Groups of
// fewer than twenty positive amounts are not judged: their quartiles are too
// unsteady to call anything implausible.
const (
	OutlierIQRs     = 3  // far-out fence, in interquartile ranges of log amounts
	OutlierFactor   = 10 // minimum distance from the median, as a factor
	OutlierMinPeers = 20 // fewest deals of a product and segment to judge
)

// today is the start of the current day (UTC), from the caller's params table.
const today = "(SELECT today FROM params)"

// closingStage is true for a stage whose name says the deal is won or lost.
func closingStage(col string) string {
	return "(lower(" + col + ") LIKE '%won%' OR lower(" + col + ") LIKE '%lost%')"
}

// show renders one column as "label=value" ("(blank)" for null).
func show(label, expr string) string {
	return "'" + label + "=' || coalesce(CAST(" + expr + " AS VARCHAR), '(blank)')"
}

// showDate renders the date part of a timestamp column.
func showDate(label, expr string) string { return show(label, "CAST("+expr+" AS DATE)") }

// showAmount renders an amount to the cent.
func showAmount(label, expr string) string { return show(label, "CAST("+expr+" AS DECIMAL(18, 2))") }

// join separates shown values with "; ".
func join(parts ...string) string { return strings.Join(parts, " || '; ' || ") }

// catalog lists the rules, record type by record type in RecordTypes order.
// Conditions name the columns of their record type's relation (see
// recordTypes).
func catalog() []Rule {
	return []Rule{
		// Deals.
		{ID: "opp.account_missing", RecordType: "opportunity", Severity: Error,
			Description: "Deal without an account, or whose account is not in accounts.csv.",
			Condition:   "NOT account_known",
			Value:       show("account_id", "account_id")},
		{ID: "opp.owner_missing", RecordType: "opportunity", Severity: Error,
			Description: "Deal whose owner is not in reps.csv.",
			Condition:   "NOT owner_known",
			Value:       show("owner_rep_id", "rep_id")},
		{ID: "opp.owner_left", RecordType: "opportunity", Severity: Warning,
			Description: "Deal owned by a rep who has left: still open, or created or closed on or after their left_on.",
			Condition:   "owner_left_on <= " + today + " AND (status = 'open' OR created_at >= owner_left_on OR close_date >= owner_left_on)",
			Value:       join(show("owner_rep_id", "rep_id"), showDate("left_on", "owner_left_on"), show("status", "status"), showDate("close_date", "close_date"))},
		{ID: "opp.amount_nonpositive", RecordType: "opportunity", Severity: Error,
			Description: "Deal amount is zero or negative.",
			Condition:   "amount <= 0",
			Value:       showAmount("amount", "amount")},
		{ID: "opp.amount_outlier", RecordType: "opportunity", Severity: Warning,
			Description: "Deal amount implausible for its product and segment: beyond Q1 − 3·IQR / Q3 + 3·IQR of their log amounts and over 10× from their median (judged with 20 or more deals).",
			Condition:   "peers >= " + strconv.Itoa(OutlierMinPeers) + " AND (log_amount < low_fence OR log_amount > high_fence)",
			Value: join(showAmount("amount", "amount"),
				"'plausible ' || CAST(CAST(exp(low_fence) AS DECIMAL(18, 2)) AS VARCHAR) || '..' || "+
					// Amounts stay below 10^14 (the import's bound): a higher fence means any amount.
					"CAST(CAST(least(exp(high_fence), 1e14) AS DECIMAL(18, 2)) AS VARCHAR)"+
					" || ' among ' || CAST(peers AS VARCHAR) || ' deals of product ' || coalesce(product, '(blank)') || ', segment ' || coalesce(segment, '(blank)')")},
		{ID: "opp.close_date_past", RecordType: "opportunity", Severity: Warning,
			Description: "Open deal whose expected close date has passed.",
			Condition:   "status = 'open' AND close_date < " + today,
			Value:       join(show("status", "status"), showDate("close_date", "close_date"))},
		{ID: "opp.stage_status_mismatch", RecordType: "opportunity", Severity: Error,
			Description: "Stage contradicts status: a lost stage on a won deal, a won stage on a lost one, or a won/lost stage on an open one.",
			Condition: "(status = 'won' AND lower(stage) LIKE '%lost%') OR (status = 'lost' AND lower(stage) LIKE '%won%')" +
				" OR (status = 'open' AND " + closingStage("stage") + ")",
			Value: join(show("stage", "stage"), show("status", "status"))},
		{ID: "opp.closed_before_created", RecordType: "opportunity", Severity: Error,
			Description: "Deal's close date (expected or actual) falls on a day before it was created.",
			Condition:   "CAST(close_date AS DATE) < CAST(created_at AS DATE)",
			Value:       join(show("created_at", "created_at"), showDate("close_date", "close_date"))},

		// Leads.
		{ID: "lead.owner_missing", RecordType: "lead", Severity: Error,
			Description: "Lead without an owner, or whose owner is not in reps.csv.",
			Condition:   "NOT owner_known",
			Value:       show("owner_rep_id", "rep_id")},
		{ID: "lead.owner_left", RecordType: "lead", Severity: Warning,
			Description: "Lead assigned to a rep who had already left (created on or after their left_on).",
			Condition:   "created_at >= owner_left_on",
			Value:       join(show("owner_rep_id", "rep_id"), showDate("left_on", "owner_left_on"), show("created_at", "created_at"))},
		{ID: "lead.response_before_created", RecordType: "lead", Severity: Error,
			Description: "Lead's first response is dated before the lead was created.",
			Condition:   "first_response_at < created_at",
			Value:       join(show("created_at", "created_at"), show("first_response_at", "first_response_at"))},
		{ID: "lead.duplicate_email", RecordType: "lead", Severity: Warning,
			Description: "Another lead has the same e-mail address (case and surrounding spaces ignored).",
			Condition:   "email IS NOT NULL AND same_email > 1",
			Value:       join(show("email", "email"), "CAST(same_email AS VARCHAR) || ' leads share it, the first ' || first_same_email")},
		{ID: "lead.source_missing", RecordType: "lead", Severity: Warning,
			Description: "Lead without a source, so it counts towards no channel.",
			Condition:   "source IS NULL",
			Value:       show("source", "source")},

		// Accounts.
		{ID: "account.owner_missing", RecordType: "account", Severity: Error,
			Description: "Account without an owner, or whose owner is not in reps.csv.",
			Condition:   "NOT owner_known",
			Value:       show("owner_rep_id", "rep_id")},
		{ID: "account.owner_left", RecordType: "account", Severity: Warning,
			Description: "Account still owned by a rep who has left (left_on by today).",
			Condition:   "owner_left_on <= " + today,
			Value:       join(show("owner_rep_id", "rep_id"), showDate("left_on", "owner_left_on"))},
		{ID: "account.duplicate_name", RecordType: "account", Severity: Warning,
			Description: "Another account has the same name once case, spaces and punctuation are ignored.",
			Condition:   "name_key <> '' AND same_name > 1",
			Value:       join(show("name", "name"), "CAST(same_name AS VARCHAR) || ' accounts share it, the first ' || first_same_name")},

		// Activities.
		{ID: "activity.rep_missing", RecordType: "activity", Severity: Error,
			Description: "Activity whose rep is not in reps.csv.",
			Condition:   "NOT rep_known",
			Value:       show("rep_id", "rep_id")},
		{ID: "activity.rep_left", RecordType: "activity", Severity: Warning,
			Description: "Activity dated on or after its rep's left_on.",
			Condition:   "occurred_at >= rep_left_on",
			Value:       join(show("rep_id", "rep_id"), showDate("left_on", "rep_left_on"), show("occurred_at", "occurred_at"))},
		{ID: "activity.opportunity_missing", RecordType: "activity", Severity: Error,
			Description: "Activity on a deal that is not in opportunities.csv.",
			Condition:   "opportunity_id IS NOT NULL AND NOT deal_known",
			Value:       show("opportunity_id", "opportunity_id")},
		{ID: "activity.after_close", RecordType: "activity", Severity: Warning,
			Description: "Activity on a won or lost deal dated after the day the deal closed.",
			Condition:   "deal_status IN ('won', 'lost') AND occurred_at >= CAST(deal_close_date AS DATE) + INTERVAL '1 day'",
			Value: join(show("occurred_at", "occurred_at"), show("opportunity_id", "opportunity_id"),
				show("deal_status", "deal_status"), showDate("close_date", "deal_close_date"))},

		// Stage history.
		{ID: "stage_history.opportunity_missing", RecordType: "stage_history", Severity: Error,
			Description: "Stage-history entry of a deal that is not in opportunities.csv.",
			Condition:   "NOT deal_known",
			Value:       show("opportunity_id", "opportunity_id")},
		{ID: "stage_history.out_of_order", RecordType: "stage_history", Severity: Error,
			Description: "Stage-history entry on a day before the deal was created, after the day it was won or lost, or a won/lost stage followed by later entries.",
			Condition: "CAST(entered_at AS DATE) < CAST(created_at AS DATE)" +
				" OR (status IN ('won', 'lost') AND CAST(entered_at AS DATE) > CAST(close_date AS DATE))" +
				" OR (" + closingStage("stage") + " AND entered_at < last_entered_at)",
			Value: join(show("stage", "stage"), show("entered_at", "entered_at"),
				"CASE WHEN CAST(entered_at AS DATE) < CAST(created_at AS DATE) THEN "+show("before created_at", "created_at")+
					" WHEN status IN ('won', 'lost') AND CAST(entered_at AS DATE) > CAST(close_date AS DATE) THEN "+showDate("after close_date", "close_date")+
					" ELSE "+show("followed by an entry at", "last_entered_at")+" END")},
	}
}

// Rules returns the catalog: every rule, record type by record type.
func Rules() []Rule { return catalog() }

// RuleByID finds a rule.
func RuleByID(id string) (Rule, bool) {
	for _, r := range catalog() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
