// Package model describes the entities of the canonical CSV data contract: their
// columns, types, required fields, enumerations and keys. Ingest validates against it,
// the store's schema mirrors it, and the KPI engine names its columns.
package model

import "strings"

// Kind is the type of a column's values.
type Kind int

// Column kinds. Temporal columns are stored as UTC timestamps whether the file gave a
// date or an RFC 3339 instant, so every comparison in the engine is between instants.
const (
	Text     Kind = iota // free text or an identifier
	Enum                 // one of Column.Values, case-insensitive on input, stored lower case
	Time                 // RFC 3339 instant or YYYY-MM-DD (midnight UTC)
	Decimal              // amount, stored exactly to 4 decimal places
	Fraction             // number in [0, 1]
	Number               // non-negative number (minutes)
	Score                // integer 0..10
	Bool                 // true or false
	Email                // an e-mail address: name@domain, stored as given
)

func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Enum:
		return "enumeration"
	case Time:
		return "timestamp"
	case Decimal:
		return "decimal"
	case Fraction:
		return "fraction 0-1"
	case Number:
		return "number"
	case Score:
		return "integer 0-10"
	case Bool:
		return "boolean"
	case Email:
		return "e-mail address"
	}
	return "unknown"
}

// Column is one column of an entity file.
type Column struct {
	Name     string
	Kind     Kind
	Required bool
	Values   []string // allowed values of an Enum column
	Default  string   // value used when an Enum cell is blank ("" keeps it blank)
}

// Entity is one file of the data contract and the table that holds it.
type Entity struct {
	Name    string   // table name and file name without ".csv"
	Columns []Column // in contract order
	// Key lists the columns that identify a row. Importing a row whose key exists
	// replaces the stored row. Entities without a natural id use a composite key.
	Key []string
	// OneOf lists columns of which exactly one must be filled (quotas: rep or team).
	OneOf []string
}

// FileName is the canonical file name of the entity.
func (e *Entity) FileName() string { return e.Name + ".csv" }

// Column returns the named column and whether it exists.
func (e *Entity) Column(name string) (Column, bool) {
	for _, c := range e.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// CompositeKey reports whether the entity's key spans several columns; such tables
// carry a derived row_key column so that upserts stay a single-column set operation.
func (e *Entity) CompositeKey() bool { return len(e.Key) > 1 }

// Allowed reports whether v (already lower case) is one of c's enumeration values.
func (c Column) Allowed(v string) bool {
	for _, a := range c.Values {
		if a == v {
			return true
		}
	}
	return false
}

// Enumerations of the data contract.
var (
	RepRoles           = []string{"ae", "sdr", "manager", "other"}
	OpportunityTypes   = []string{"new_business", "upsell", "cross_sell", "renewal"}
	OpportunityStatus  = []string{"open", "won", "lost"}
	ForecastCategories = []string{"pipeline", "best_case", "commit", "omitted"}
	ActivityTypes      = []string{"call", "email", "meeting", "demo", "task", "other"}
	Directions         = []string{"outbound", "inbound"}
	TimeCategories     = []string{"selling", "admin", "quoting", "proposal", "order_processing", "data_entry", "training", "travel", "internal_meeting", "other"}
	SpendCategories    = []string{"marketing", "sales", "tools"}
	SubjectTypes       = []string{"lead", "opportunity", "account", "rep"}
)

func req(name string, k Kind) Column { return Column{Name: name, Kind: k, Required: true} }
func opt(name string, k Kind) Column { return Column{Name: name, Kind: k} }
func enum(name string, required bool, def string, values []string) Column {
	return Column{Name: name, Kind: Enum, Required: required, Values: values, Default: def}
}

// Entities lists every entity of the data contract in load order: referenced
// entities come before the ones that reference them.
var Entities = []*Entity{
	{Name: "teams", Key: []string{"team_id"}, Columns: []Column{
		req("team_id", Text), req("name", Text), opt("parent_team_id", Text), opt("region", Text),
	}},
	{Name: "reps", Key: []string{"rep_id"}, Columns: []Column{
		req("rep_id", Text), req("name", Text), opt("email", Text), opt("team_id", Text),
		enum("role", false, "ae", RepRoles), opt("hired_on", Time), opt("left_on", Time),
	}},
	{Name: "accounts", Key: []string{"account_id"}, Columns: []Column{
		req("account_id", Text), req("name", Text), opt("industry", Text), opt("segment", Text),
		opt("region", Text), opt("owner_rep_id", Text), opt("created_at", Time),
	}},
	{Name: "leads", Key: []string{"lead_id"}, Columns: []Column{
		req("lead_id", Text), req("created_at", Time), opt("source", Text), opt("campaign", Text),
		opt("owner_rep_id", Text), opt("status", Text), opt("first_response_at", Time),
		opt("converted_at", Time), opt("opportunity_id", Text), opt("account_id", Text),
		// Added after the first release (migration 006), hence last; files
		// without it import as before.
		opt("email", Email),
	}},
	{Name: "opportunities", Key: []string{"opportunity_id"}, Columns: []Column{
		req("opportunity_id", Text), opt("name", Text), opt("account_id", Text), req("owner_rep_id", Text),
		enum("type", false, "new_business", OpportunityTypes), opt("product", Text), req("stage", Text),
		enum("status", true, "", OpportunityStatus), req("amount", Decimal), opt("cost", Decimal),
		opt("probability", Fraction), enum("forecast_category", false, "", ForecastCategories),
		req("created_at", Time), req("close_date", Time), opt("lost_reason", Text),
	}},
	{Name: "opportunity_stages", Key: []string{"opportunity_id", "stage", "entered_at"}, Columns: []Column{
		req("opportunity_id", Text), req("stage", Text), req("entered_at", Time),
	}},
	// Optional history of a deal's amount, expected close date, probability and
	// forecast category: the values from changed_at on. Point-in-time questions
	// (the pipeline as it stood, the waterfall) read it; without it, today's
	// values stand for every moment.
	{Name: "opportunity_history", Key: []string{"opportunity_id", "changed_at"}, Columns: []Column{
		req("opportunity_id", Text), req("changed_at", Time), opt("amount", Decimal), opt("close_date", Time),
		opt("probability", Fraction), enum("forecast_category", false, "", ForecastCategories), opt("stage", Text),
	}},
	{Name: "activities", Key: []string{"activity_id"}, Columns: []Column{
		req("activity_id", Text), req("rep_id", Text), enum("type", true, "", ActivityTypes),
		req("occurred_at", Time), opt("duration_minutes", Number), enum("direction", false, "", Directions),
		opt("outcome", Text), opt("lead_id", Text), opt("opportunity_id", Text), opt("account_id", Text),
		opt("opened_at", Time), opt("clicked_at", Time), opt("attended", Bool),
	}},
	{Name: "time_entries", Key: []string{"rep_id", "date", "category"}, Columns: []Column{
		req("rep_id", Text), req("date", Time), enum("category", true, "", TimeCategories), req("minutes", Number),
	}},
	{Name: "quotas", Key: []string{"rep_id", "team_id", "period_start", "period_end"}, OneOf: []string{"rep_id", "team_id"}, Columns: []Column{
		opt("rep_id", Text), opt("team_id", Text), req("period_start", Time), req("period_end", Time), req("amount", Decimal),
	}},
	{Name: "spend", Key: []string{"date", "category", "source", "campaign"}, Columns: []Column{
		req("date", Time), enum("category", false, "marketing", SpendCategories), opt("source", Text),
		opt("campaign", Text), req("amount", Decimal),
	}},
	{Name: "subscriptions", Key: []string{"subscription_id"}, Columns: []Column{
		req("subscription_id", Text), req("account_id", Text), opt("product", Text), req("start_date", Time),
		opt("end_date", Time), req("mrr", Decimal),
	}},
	{Name: "nps_responses", Key: []string{"account_id", "responded_at"}, Columns: []Column{
		req("account_id", Text), req("responded_at", Time), req("score", Score),
	}},
	{Name: "experiment_assignments", Key: []string{"experiment_id", "subject_type", "subject_id"}, Columns: []Column{
		req("experiment_id", Text), req("variant", Text), enum("subject_type", true, "", SubjectTypes),
		req("subject_id", Text), opt("assigned_at", Time),
	}},
}

// EntityByName finds an entity by its name or file name, case-insensitively.
func EntityByName(name string) (*Entity, bool) {
	name = strings.ToLower(strings.TrimSuffix(strings.ToLower(name), ".csv"))
	for _, e := range Entities {
		if e.Name == name {
			return e, true
		}
	}
	return nil, false
}

// EntityNames lists the entity names in load order.
func EntityNames() []string {
	names := make([]string, len(Entities))
	for i, e := range Entities {
		names[i] = e.Name
	}
	return names
}
