package kpi

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// Every expected value below is worked out by hand from DESIGN.md ("KPI catalog"
// and "Edge cases, settled"); the arithmetic is in the comment beside it.

const (
	teamCols = "team_id, name, parent_team_id, region"
	repCols  = "rep_id, name, team_id, hired_on, left_on"
	acctCols = "account_id, name, industry, segment, owner_rep_id, created_at"
	oppCols  = "opportunity_id, account_id, owner_rep_id, type, product, stage, status, amount, cost, probability, created_at, close_date"
	actCols  = "activity_id, rep_id, type, occurred_at, direction, lead_id, opportunity_id, account_id, opened_at, clicked_at, attended"
	leadCols = "lead_id, created_at, source, owner_rep_id, first_response_at, opportunity_id, account_id"
	spendCol = "row_key, date, category, source, amount"
	quotaCol = "row_key, rep_id, team_id, period_start, period_end, amount"
	subCols  = "subscription_id, account_id, product, start_date, end_date, mrr"
	npsCols  = "row_key, account_id, responded_at, score"
	timeCols = "row_key, rep_id, date, category, minutes"
)

func monthQuery(from, to string, kpis ...string) Query {
	return Query{KPIs: kpis, Grain: Month, From: day(from), To: day(to)}
}

// ---------------------------------------------------------------------------
// Activity and engagement KPIs.

func seedActivities(f *fixture) {
	f.insert("teams", teamCols,
		[]any{"T1", "Sales", nil, "EMEA"},
		[]any{"T2", "East", "T1", nil},
	)
	f.insert("reps", repCols,
		[]any{"R1", "Ann", "T1", "2025-01-01", nil},
		[]any{"R2", "Bob", "T2", "2025-01-01", nil},
		[]any{"R3", "Cy", "T2", "2025-01-01", nil},
	)
	f.insert("activities", actCols,
		[]any{"A01", "R1", "call", "2026-03-02 09:00:00", nil, nil, nil, nil, nil, nil, nil},
		[]any{"A02", "R1", "call", "2026-03-31 23:59:59", nil, nil, nil, nil, nil, nil, nil},
		[]any{"A03", "R2", "call", "2026-04-01 00:00:00", nil, nil, nil, nil, nil, nil, nil},
		[]any{"A04", "R1", "email", "2026-03-05", "outbound", nil, nil, nil, "2026-03-05 10:00:00", "2026-03-05 10:05:00", nil},
		[]any{"A05", "R2", "email", "2026-03-06", nil, nil, nil, nil, "2026-03-06 08:00:00", nil, nil},
		[]any{"A06", "R2", "email", "2026-03-07", "inbound", nil, nil, nil, "2026-03-07 08:00:00", "2026-03-07 08:01:00", nil},
		[]any{"A07", "R1", "email", "2026-03-08", "outbound", nil, nil, nil, nil, nil, nil},
		[]any{"A08", "R1", "meeting", "2026-03-10", nil, nil, nil, nil, nil, nil, true},
		[]any{"A09", "R2", "demo", "2026-03-11", nil, nil, nil, nil, nil, nil, false},
		[]any{"A10", "R2", "meeting", "2026-03-12", nil, nil, nil, nil, nil, nil, nil},
		[]any{"A11", "R1", "task", "2026-03-13", nil, nil, nil, nil, nil, nil, nil},
		[]any{"A12", "R3", "meeting", "2026-04-15", nil, nil, nil, nil, nil, nil, nil},
	)
}

var activityKPIs = []string{"calls_made", "emails_sent", "meetings_scheduled", "meetings_held",
	"activities_per_rep", "email_open_rate", "email_click_rate", "meeting_attendance_rate"}

func TestActivityKPIsByMonth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedActivities(f)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-03-01", "2026-05-31", activityKPIs...))
	check(t, res, []kc{
		// March: calls A01, A02 (23:59:59 is still March); A03 at 04-01 00:00 is April's.
		at("calls_made", "2026-03", f64(2)),
		at("calls_made", "2026-04", f64(1)), // A03
		at("calls_made", "2026-05", f64(0)), // count over nothing
		// outbound e-mails: A04 (outbound), A05 (blank direction = outbound), A07; A06 is inbound.
		at("emails_sent", "2026-03", f64(3)),
		at("emails_sent", "2026-04", f64(0)),
		// meetings and demos: A08, A09, A10
		at("meetings_scheduled", "2026-03", f64(3)),
		at("meetings_scheduled", "2026-04", f64(1)), // A12
		at("meetings_scheduled", "2026-05", f64(0)),
		// attended = true: A08 only
		at("meetings_held", "2026-03", f64(1)),
		at("meetings_held", "2026-04", f64(0)), // A12 attended blank
		// March: 10 activities (A01 A02 A04..A11) by 2 reps (R1, R2): 10/2 = 5
		at("activities_per_rep", "2026-03", f64(5)),
		at("activities_per_rep", "2026-04", f64(1)), // A03 (R2), A12 (R3): 2/2
		at("activities_per_rep", "2026-05", nullV),  // 0 activities / 0 reps
		// opened outbound: A04, A05 of 3 outbound (A06 inbound does not count): 2/3
		at("email_open_rate", "2026-03", f64(2.0/3)),
		at("email_open_rate", "2026-04", nullV), // no outbound e-mails: 0/0
		// clicked outbound: A04 of 3: 1/3
		at("email_click_rate", "2026-03", f64(1.0/3)),
		at("email_click_rate", "2026-04", nullV),
		// held A08 ÷ meetings with attendance recorded (A08 true, A09 false; A10 blank): 1/2
		at("meeting_attendance_rate", "2026-03", f64(0.5)),
		at("meeting_attendance_rate", "2026-04", nullV), // A12 has attended blank: 0/0
		at("meeting_attendance_rate", "2026-05", nullV),
	})
}

func TestActivityKPIsOtherGrains(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedActivities(f)
	e := f.engine(Config{})

	t.Run("quarter", func(t *testing.T) {
		res := f.eval(e, Query{KPIs: activityKPIs, Grain: Quarter, From: day("2026-01-01"), To: day("2026-06-30")})
		check(t, res, []kc{
			at("calls_made", "2026-Q1", f64(2)),                // A01, A02
			at("calls_made", "2026-Q2", f64(1)),                // A03
			at("activities_per_rep", "2026-Q1", f64(5)),        // 10 activities / 2 reps
			at("activities_per_rep", "2026-Q2", f64(1)),        // 2 / 2
			at("meeting_attendance_rate", "2026-Q1", f64(0.5)), // 1 / 2
			at("email_open_rate", "2026-Q2", nullV),            // 0 / 0
			at("meetings_held", "2026-Q2", f64(0)),             // A12 not attended
			at("emails_sent", "2026-Q1", f64(3)),               // A04 A05 A07
			at("email_click_rate", "2026-Q1", f64(1.0/3)),      // A04 / 3
			at("meetings_scheduled", "2026-Q2", f64(1)),        // A12
		})
	})
	t.Run("week", func(t *testing.T) {
		res := f.eval(e, Query{KPIs: []string{"calls_made", "emails_sent"}, Grain: Week, From: day("2026-03-02"), To: day("2026-04-05")})
		check(t, res, []kc{
			// 2026-03-02 is the Monday of ISO week 10 (2026-01-01 is a Thursday: W01 starts 2025-12-29; +63 days).
			at("calls_made", "2026-W10", f64(1)),  // A01
			at("emails_sent", "2026-W10", f64(3)), // A04 (03-05), A05 (03-06), A07 (03-08, Sunday); A06 inbound
			at("calls_made", "2026-W11", f64(0)),
			// W14 = 03-30..04-05: A02 (03-31) and A03 (04-01)
			at("calls_made", "2026-W14", f64(2)),
		})
	})
	t.Run("year and all", func(t *testing.T) {
		res := f.eval(e, Query{KPIs: []string{"calls_made", "activities_per_rep"}, Grain: Year, From: day("2026-01-01"), To: day("2026-12-31")})
		check(t, res, []kc{
			at("calls_made", "2026", f64(3)),              // A01 A02 A03
			at("activities_per_rep", "2026", f64(12.0/3)), // 12 activities by R1 R2 R3
		})
		res = f.eval(e, Query{KPIs: []string{"calls_made", "activities_per_rep"}, Grain: All, From: day("2026-03-15"), To: day("2026-04-30")})
		check(t, res, []kc{
			at("calls_made", "all", f64(2)), // A02, A03 (A01 is before 03-15)
			// from 03-15: A02 (R1), A03 (R2), A12 (R3): 3 activities / 3 reps
			at("activities_per_rep", "all", f64(1)),
		})
	})
}

func TestActivityKPIsByDimension(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedActivities(f)
	e := f.engine(Config{})

	res := f.eval(e, Query{KPIs: activityKPIs, By: []string{"rep"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		by("calls_made", "2026-03", []string{"R1"}, f64(2)),              // A01 A02
		by("calls_made", "2026-03", []string{"R2"}, f64(0)),              // R2 has activities but no call
		by("emails_sent", "2026-03", []string{"R1"}, f64(2)),             // A04 A07
		by("emails_sent", "2026-03", []string{"R2"}, f64(1)),             // A05 (A06 inbound)
		by("email_open_rate", "2026-03", []string{"R1"}, f64(0.5)),       // A04 of A04, A07
		by("email_open_rate", "2026-03", []string{"R2"}, f64(1)),         // A05 of A05
		by("activities_per_rep", "2026-03", []string{"R1"}, f64(6)),      // A01 A02 A04 A07 A08 A11 / 1 rep
		by("meeting_attendance_rate", "2026-03", []string{"R1"}, f64(1)), // A08 true / 1 recorded
		by("meeting_attendance_rate", "2026-03", []string{"R2"}, f64(0)), // A09 false / 1 recorded (A10 blank)
	})

	res = f.eval(e, Query{KPIs: []string{"calls_made", "emails_sent", "activities_per_rep"}, By: []string{"team"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		// T1 covers T1 (R1) and its sub-team T2 (R2, R3)
		by("calls_made", "2026-03", []string{"T1"}, f64(2)),
		by("calls_made", "2026-03", []string{"T2"}, f64(0)),
		by("emails_sent", "2026-03", []string{"T1"}, f64(3)),        // A04 A07 (R1) + A05 (R2)
		by("emails_sent", "2026-03", []string{"T2"}, f64(1)),        // A05
		by("activities_per_rep", "2026-03", []string{"T1"}, f64(5)), // 10 / 2
		by("activities_per_rep", "2026-03", []string{"T2"}, f64(4)), // R2: A05 A06 A09 A10 / 1
	})

	res = f.eval(e, Query{KPIs: []string{"activities_per_rep"}, By: []string{"region"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		// T2 has no region and inherits T1's EMEA: all 10 March activities / 2 reps
		by("activities_per_rep", "2026-03", []string{"EMEA"}, f64(5)),
	})
	if len(res.Rows) != 1 {
		t.Errorf("by region: %d rows, want 1 (EMEA)", len(res.Rows))
	}
}

// ---------------------------------------------------------------------------
// Follow-up interval.

func seedFollowUps(f *fixture) {
	f.insert("reps", repCols,
		[]any{"R1", "Ann", nil, nil, nil},
		[]any{"R2", "Bob", nil, nil, nil},
	)
	f.insert("activities", "activity_id, rep_id, type, occurred_at, opportunity_id",
		[]any{"F1", "R1", "call", "2026-03-01 00:00:00", "OA"},
		[]any{"F2", "R1", "email", "2026-03-03 12:00:00", "OA"}, // gap 2.5 d, March, R1
		[]any{"F3", "R2", "call", "2026-03-04 12:00:00", "OA"},  // gap 1.0 d, March, R2
		[]any{"F4", "R1", "call", "2026-04-01 00:00:00", "OA"},  // gap 03-04 12:00 → 04-01 00:00 = 27.5 d, April, R1
		[]any{"G1", "R1", "call", "2026-03-10 00:00:00", "OB"},
		[]any{"G2", "R1", "call", "2026-03-12 00:00:00", "OB"}, // gap 2 d
		[]any{"G3", "R1", "call", "2026-03-20 00:00:00", "OB"}, // gap 8 d
		[]any{"H1", "R2", "call", "2026-03-05 00:00:00", nil},  // no deal: no gap
	)
}

func TestFollowUpDays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedFollowUps(f)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-03-01", "2026-05-31", "follow_up_days"))
	check(t, res, []kc{
		// March gaps 2.5, 1, 2, 8 → sorted 1, 2, 2.5, 8: even count, (2 + 2.5)/2 = 2.25
		at("follow_up_days", "2026-03", f64(2.25)),
		// the gap ending at F4 (04-01 00:00) is April's: 27.5
		at("follow_up_days", "2026-04", f64(27.5)),
		at("follow_up_days", "2026-05", nullV), // median over nothing
	})
	res = f.eval(e, Query{KPIs: []string{"follow_up_days"}, By: []string{"rep"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		// a gap belongs to the later activity's rep: R1 has 2.5, 2, 8 → 2.5; R2 has 1.0
		by("follow_up_days", "2026-03", []string{"R1"}, f64(2.5)),
		by("follow_up_days", "2026-03", []string{"R2"}, f64(1)),
	})
	// A gap ending in the range counts even when its earlier activity is before From.
	res = f.eval(e, monthQuery("2026-04-01", "2026-04-30", "follow_up_days"))
	check(t, res, []kc{at("follow_up_days", "2026-04", f64(27.5))}) // F3 (03-04 12:00) → F4 (04-01)
}

// ---------------------------------------------------------------------------
// Leads and cost per lead.

func seedLeads(f *fixture) {
	f.insert("teams", teamCols, []any{"T1", "Sales", nil, "EMEA"})
	f.insert("reps", repCols,
		[]any{"R1", "Ann", "T1", nil, nil},
		[]any{"R2", "Bob", "T1", nil, nil},
	)
	f.insert("opportunities", oppCols,
		[]any{"O1", nil, "R1", "new_business", nil, "closed won", "won", 100.0, nil, nil, "2026-03-02", "2026-06-01"},
		[]any{"O2", nil, "R1", "new_business", nil, "closed lost", "lost", 100.0, nil, nil, "2026-03-06", "2026-06-02"},
		[]any{"O3", nil, "R2", "new_business", nil, "proposal", "open", 100.0, nil, nil, "2026-03-21", "2026-07-01"},
	)
	f.insert("leads", leadCols,
		[]any{"L1", "2026-03-01 00:00:00", "web", "R1", "2026-03-01 00:30:00", "O1", nil},   // 30 min
		[]any{"L2", "2026-03-05 10:00:00", "web", "R1", "2026-03-05 11:30:00", "O2", nil},   // 90 min
		[]any{"L3", "2026-03-10 00:00:00", "event", "R2", nil, nil, nil},                    // no response
		[]any{"L4", "2026-03-20 00:00:00", "event", "R2", "2026-03-20 00:45:00", "O3", nil}, // 45 min
		[]any{"L5", "2026-04-01 00:00:00", "web", "R1", "2026-04-01 02:00:00", nil, nil},    // April, 120 min
		[]any{"L6", "2026-03-31 23:00:00", nil, "R2", "2026-04-01 01:00:00", nil, nil},      // March, 120 min
	)
	f.insert("spend", spendCol,
		[]any{"SP1", "2026-03-03", "marketing", "web", 300.0},
		[]any{"SP2", "2026-03-15", "marketing", "event", 200.0},
		[]any{"SP3", "2026-03-20", "sales", nil, 1000.0},
		[]any{"SP4", "2026-04-30", "marketing", "web", 150.0},
		[]any{"SP5", "2026-04-10", "tools", nil, 50.0},
	)
}

var leadKPIs = []string{"new_leads", "lead_to_opportunity_rate", "lead_conversion_rate", "lead_response_minutes", "cost_per_lead"}

func TestLeadKPIs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedLeads(f)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-03-01", "2026-05-31", leadKPIs...))
	check(t, res, []kc{
		// March leads: L1 L2 L3 L4 L6 (L6 at 03-31 23:00); L5 at 04-01 00:00 is April's
		at("new_leads", "2026-03", f64(5)),
		at("new_leads", "2026-04", f64(1)),
		at("new_leads", "2026-05", f64(0)),
		// with an opportunity: L1 L2 L4 of 5: 3/5
		at("lead_to_opportunity_rate", "2026-03", f64(0.6)),
		at("lead_to_opportunity_rate", "2026-04", f64(0)), // 0/1
		at("lead_to_opportunity_rate", "2026-05", nullV),  // 0/0
		// whose opportunity is won: L1 (O1) of 5: 1/5
		at("lead_conversion_rate", "2026-03", f64(0.2)),
		at("lead_conversion_rate", "2026-04", f64(0)),
		at("lead_conversion_rate", "2026-05", nullV),
		// response minutes of March leads: 30, 90, 45, 120 (L3 has none) → 30 45 90 120 → (45+90)/2
		at("lead_response_minutes", "2026-03", f64(67.5)),
		at("lead_response_minutes", "2026-04", f64(120)),
		at("lead_response_minutes", "2026-05", nullV),
		// marketing spend ÷ new leads: March (300 + 200; SP3 is sales) / 5 = 100
		at("cost_per_lead", "2026-03", f64(100)),
		at("cost_per_lead", "2026-04", f64(150)), // SP4 150 (SP5 is tools) / 1
		at("cost_per_lead", "2026-05", nullV),    // 0 / 0
	})

	res = f.eval(e, Query{KPIs: []string{"cost_per_lead", "new_leads"}, By: []string{"source"}, Grain: Month, From: day("2026-03-01"), To: day("2026-04-30")})
	check(t, res, []kc{
		by("cost_per_lead", "2026-03", []string{"web"}, f64(150)),   // SP1 300 / (L1, L2)
		by("cost_per_lead", "2026-03", []string{"event"}, f64(100)), // SP2 200 / (L3, L4)
		by("cost_per_lead", "2026-03", []string{blank}, f64(0)),     // no blank-source marketing spend (SP3 is sales) / L6
		by("cost_per_lead", "2026-04", []string{"web"}, f64(150)),   // SP4 150 / L5
		by("cost_per_lead", "2026-04", []string{blank}, nullV),      // SP5 is tools: 0 / 0 leads
		by("new_leads", "2026-03", []string{blank}, f64(1)),         // L6 has a blank source
	})

	res = f.eval(e, Query{KPIs: []string{"lead_to_opportunity_rate", "lead_response_minutes"}, By: []string{"rep"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		by("lead_to_opportunity_rate", "2026-03", []string{"R1"}, f64(1)),     // L1 L2 of L1 L2
		by("lead_to_opportunity_rate", "2026-03", []string{"R2"}, f64(1.0/3)), // L4 of L3 L4 L6
		by("lead_response_minutes", "2026-03", []string{"R1"}, f64(60)),       // 30, 90 → 60
		by("lead_response_minutes", "2026-03", []string{"R2"}, f64(82.5)),     // 45, 120 → 82.5
	})
}

// ---------------------------------------------------------------------------
// Deals, revenue, pipeline and quotas.

func seedDeals(f *fixture) {
	f.insert("teams", teamCols,
		[]any{"T1", "Sales", nil, "EMEA"},
		[]any{"T2", "East", "T1", nil},
		[]any{"T3", "Americas", nil, "NA"},
	)
	f.insert("reps", repCols,
		[]any{"R1", "Ann", "T1", "2025-01-01", nil},
		[]any{"R2", "Bob", "T2", "2025-06-01", nil},
		[]any{"R3", "Cy", "T2", "2026-01-01", nil},
		[]any{"R4", "Di", "T3", "2025-01-01", "2026-04-15"},
	)
	f.insert("accounts", acctCols,
		[]any{"A1", "Acme", "software", "smb", "R1", "2025-06-01"},
		[]any{"A2", "Bolt", "retail", "enterprise", "R1", "2025-06-01"},
		[]any{"A3", "Cog", "software", "mid", "R2", "2025-06-01"},
		[]any{"A4", "Dyn", nil, "smb", "R2", "2025-06-01"},
	)
	f.insert("opportunities", oppCols,
		//        id    acct  rep   type            product  stage          status  amount  cost    prob  created                close
		[]any{"O0", "A4", "R1", "new_business", "core", "closed won", "won", 1500.0, nil, 1.0, "2026-01-20", "2026-02-10"},
		[]any{"O1", "A1", "R1", "new_business", "core", "closed won", "won", 1000.0, 400.0, 1.0, "2026-01-10", "2026-03-05"},
		[]any{"O2", "A2", "R1", "upsell", "addon", "closed won", "won", 2000.0, nil, 1.0, "2026-02-01", "2026-03-20"},
		[]any{"O3", "A1", "R2", "cross_sell", "addon", "closed won", "won", 3000.0, 1000.0, 1.0, "2026-03-01", "2026-03-31 23:00:00"},
		[]any{"O4", "A3", "R2", "new_business", "core", "closed lost", "lost", 500.0, nil, 0.0, "2026-03-02", "2026-03-25"},
		[]any{"O9", "A1", "R3", "new_business", "core", "closed won", "won", 600.0, nil, 1.0, "2026-03-02", "2026-03-12"},
		[]any{"O5", "A3", "R1", "new_business", "core", "closed won", "won", 4000.0, 1000.0, 0.9, "2026-03-15", "2026-04-01 00:00:00"},
		[]any{"O6", "A3", "R1", "renewal", "core", "negotiation", "open", 5000.0, nil, 0.5, "2026-03-10", "2026-03-20"},
		[]any{"O7", "A2", "R2", "new_business", "addon", "proposal", "open", 1000.0, nil, nil, "2026-02-15", "2026-04-15"},
		[]any{"O8", "A4", "R2", "new_business", "core", "closed lost", "lost", 800.0, nil, 0.0, "2026-04-02", "2026-04-20"},
	)
	f.insert("spend", spendCol,
		[]any{"S1", "2026-02-05", "marketing", "web", 200.0},
		[]any{"S2", "2026-03-03", "marketing", "web", 600.0},
		[]any{"S3", "2026-03-18", "sales", nil, 400.0},
		[]any{"S4", "2026-04-01", "tools", nil, 300.0},
		[]any{"S5", "2026-06-10", "marketing", "event", 250.0},
	)
	f.insert("quotas", quotaCol,
		[]any{"Q1", "R1", nil, "2026-01-01", "2026-03-31", 9000.0}, // 90 days
		[]any{"Q2", "R1", nil, "2026-04-01", "2026-06-30", 9100.0}, // 91 days
		[]any{"Q3", "R2", nil, "2026-03-01", "2026-03-31", 2000.0},
		[]any{"Q4", nil, "T1", "2026-01-01", "2026-03-31", 100000.0}, // a team row: not used by quota KPIs
	)
}

var dealKPIs = []string{"win_rate", "opportunity_to_win_ratio", "sales_cycle_days", "sales_cycle_days_median",
	"average_deal_size", "revenue", "revenue_growth", "upsell_cross_sell_revenue", "gross_margin", "new_customers",
	"customer_acquisition_cost", "sales_roi", "pipeline_value", "weighted_pipeline", "pipeline_created",
	"pipeline_coverage", "sales_velocity", "quota_attainment", "reps_at_quota", "workload_balance"}

// dealConfig gives the stage "proposal" (O7 has no probability) a default of 0.2.
var dealConfig = Config{StageProbabilities: map[string]float64{"proposal": 0.2}}

func TestDealKPIsByMonth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDeals(f)
	e := f.engine(dealConfig)
	res := f.eval(e, monthQuery("2025-12-01", "2026-07-31", dealKPIs...))

	// Cycle days (created date → close date): O0 01-20→02-10 = 21; O1 01-10→03-05 = 21+28+5 = 54;
	// O2 02-01→03-20 = 28+19 = 47; O3 03-01→03-31 = 30; O9 03-02→03-12 = 10; O5 03-15→04-01 = 17.
	// Won: Feb O0; Mar O1 O2 O3 O9 (O3 at 03-31 23:00); Apr O5 (at 04-01 00:00). Lost: Mar O4, Apr O8.
	check(t, res, []kc{
		at("win_rate", "2026-01", nullV),    // 0 / (0 + 0)
		at("win_rate", "2026-02", f64(1)),   // 1 / (1 + 0)
		at("win_rate", "2026-03", f64(0.8)), // 4 / (4 + 1)
		at("win_rate", "2026-04", f64(0.5)), // 1 / (1 + 1)
		at("win_rate", "2026-05", nullV),

		// created ÷ won: Jan O1 O0 = 2 / 0; Feb O2 O7 = 2 / 1; Mar O3 O4 O9 O6 O5 = 5 / 4; Apr O8 = 1 / 1
		at("opportunity_to_win_ratio", "2026-01", nullV),
		at("opportunity_to_win_ratio", "2026-02", f64(2)),
		at("opportunity_to_win_ratio", "2026-03", f64(1.25)),
		at("opportunity_to_win_ratio", "2026-04", f64(1)),
		at("opportunity_to_win_ratio", "2026-05", nullV), // 0 / 0

		at("sales_cycle_days", "2026-02", f64(21)),
		at("sales_cycle_days", "2026-03", f64(35.25)), // (54 + 47 + 30 + 10) / 4 = 141/4
		at("sales_cycle_days", "2026-04", f64(17)),
		at("sales_cycle_days", "2026-05", nullV),
		at("sales_cycle_days_median", "2026-03", f64(38.5)), // 10 30 47 54 → (30 + 47)/2
		at("sales_cycle_days_median", "2026-04", f64(17)),
		at("sales_cycle_days_median", "2026-05", nullV),

		at("average_deal_size", "2026-02", f64(1500)),
		at("average_deal_size", "2026-03", f64(1650)), // (1000 + 2000 + 3000 + 600) / 4 = 6600/4
		at("average_deal_size", "2026-04", f64(4000)),
		at("average_deal_size", "2026-05", nullV),

		at("revenue", "2026-01", f64(0)),
		at("revenue", "2026-02", f64(1500)),
		at("revenue", "2026-03", f64(6600)), // 1000 + 2000 + 3000 + 600
		at("revenue", "2026-04", f64(4000)),
		at("revenue", "2026-05", f64(0)),

		at("revenue_growth", "2025-12", nullV),              // 0 / prev (Nov) 0
		at("revenue_growth", "2026-02", nullV),              // 1500 / 0
		at("revenue_growth", "2026-03", f64(3.4)),           // 6600/1500 - 1
		at("revenue_growth", "2026-04", f64(4000.0/6600-1)), // -0.3939…
		at("revenue_growth", "2026-05", f64(-1)),            // 0/4000 - 1
		at("revenue_growth", "2026-06", nullV),              // 0/0

		at("upsell_cross_sell_revenue", "2026-03", f64(5000)), // O2 upsell 2000 + O3 cross_sell 3000
		at("upsell_cross_sell_revenue", "2026-04", f64(0)),    // O5 is new business
		at("upsell_cross_sell_revenue", "2026-05", f64(0)),

		// won deals that give a cost: March O1 (1000, 400), O3 (3000, 1000): (4000 - 1400)/4000
		at("gross_margin", "2026-03", f64(0.65)),
		at("gross_margin", "2026-04", f64(0.75)), // O5 (4000 - 1000)/4000
		at("gross_margin", "2026-02", nullV),     // O0 gives no cost: 0/0
		at("gross_margin", "2026-05", nullV),

		// first ever win per account: A4 O0 (Feb), A1 O1 (Mar; O9 and O3 are later), A2 O2 (Mar), A3 O5 (Apr)
		at("new_customers", "2026-02", f64(1)),
		at("new_customers", "2026-03", f64(2)),
		at("new_customers", "2026-04", f64(1)),
		at("new_customers", "2026-05", f64(0)),

		// all spend ÷ new customers: Feb 200/1; Mar (600 + 400)/2; Apr 300 (S4 on 04-01)/1
		at("customer_acquisition_cost", "2026-02", f64(200)),
		at("customer_acquisition_cost", "2026-03", f64(500)),
		at("customer_acquisition_cost", "2026-04", f64(300)),
		at("customer_acquisition_cost", "2026-05", nullV), // 0/0
		at("customer_acquisition_cost", "2026-06", nullV), // 250/0

		// (won amount - won cost - spend) ÷ spend
		at("sales_roi", "2026-02", f64(6.5)), // (1500 - 0 - 200)/200
		at("sales_roi", "2026-03", f64(4.2)), // (6600 - 1400 - 1000)/1000
		at("sales_roi", "2026-04", f64(9)),   // (4000 - 1000 - 300)/300
		at("sales_roi", "2026-05", nullV),    // spend 0
		at("sales_roi", "2026-06", f64(-1)),  // (0 - 0 - 250)/250

		// open at the period's end X (created < X, not closed before X):
		// end Dec: nothing created; end Jan (02-01): O1 1000 + O0 1500;
		// end Feb (03-01): O1 1000 + O2 2000 + O7 1000 (O0 closed 02-10, O3 created exactly 03-01);
		// end Mar (04-01): O5 4000 (won exactly at 04-01) + O6 5000 + O7 1000;
		// end Apr on: O6 5000 (expected close 03-20 passed, still open) + O7 1000
		at("pipeline_value", "2025-12", f64(0)),
		at("pipeline_value", "2026-01", f64(2500)),
		at("pipeline_value", "2026-02", f64(4000)),
		at("pipeline_value", "2026-03", f64(10000)),
		at("pipeline_value", "2026-04", f64(6000)),
		at("pipeline_value", "2026-07", f64(6000)),
		// × probability (O7 blank → configured proposal 0.2)
		at("weighted_pipeline", "2025-12", f64(0)),
		at("weighted_pipeline", "2026-02", f64(3200)), // 1000×1 + 2000×1 + 1000×0.2
		at("weighted_pipeline", "2026-03", f64(6300)), // 4000×0.9 + 5000×0.5 + 1000×0.2
		at("weighted_pipeline", "2026-04", f64(2700)), // 5000×0.5 + 1000×0.2

		at("pipeline_created", "2026-01", f64(2500)),  // O1 1000 + O0 1500
		at("pipeline_created", "2026-03", f64(13100)), // O3 3000 + O4 500 + O9 600 + O6 5000 + O5 4000
		at("pipeline_created", "2026-04", f64(800)),   // O8
		at("pipeline_created", "2026-05", f64(0)),

		// rep quotas prorated by days: R1 Q1 9000/90 per day, Q2 9100/91 per day; R2 March 2000.
		// Jan 3100, Feb 2800, Mar 3100 + 2000 = 5100, Apr 3000, May 3100, Jul 0; the team row is ignored.
		// coverage = open at the start with close date in the period ÷ quota
		at("pipeline_coverage", "2025-12", nullV),            // 0 / 0
		at("pipeline_coverage", "2026-01", f64(0)),           // nothing open at 01-01: 0/3100
		at("pipeline_coverage", "2026-02", f64(1500.0/2800)), // open at 02-01: O0 (closes 02-10), O1 (03-05)
		at("pipeline_coverage", "2026-03", f64(3000.0/5100)), // open at 03-01: O1 (03-05), O2 (03-20); O7 closes 04-15
		at("pipeline_coverage", "2026-04", f64(5000.0/3000)), // open at 04-01: O5 (04-01), O7 (04-15); O6 (03-20) not in April
		at("pipeline_coverage", "2026-05", f64(0)),           // O6, O7 not due in May: 0/3100
		at("pipeline_coverage", "2026-07", nullV),            // no quota

		// open count × win rate × average deal size ÷ mean cycle days
		at("sales_velocity", "2026-02", f64(3*1.0*1500/21)),    // open O1 O2 O7
		at("sales_velocity", "2026-03", f64(3*0.8*1650/35.25)), // open O5 O6 O7 = 112.34…
		at("sales_velocity", "2026-04", f64(2*0.5*4000/17.0)),  // open O6 O7
		at("sales_velocity", "2026-05", nullV),                 // no win rate

		// revenue ÷ rep quota
		at("quota_attainment", "2026-01", f64(0)),           // 0/3100
		at("quota_attainment", "2026-02", f64(1500.0/2800)), // 0.5357…
		at("quota_attainment", "2026-03", f64(6600.0/5100)), // 1.2941…
		at("quota_attainment", "2026-04", f64(4000.0/3000)),
		at("quota_attainment", "2026-07", nullV), // 0/0

		// share of reps with a quota whose attainment ≥ 1:
		// Mar: R1 3000/3100 < 1, R2 3000/2000 ≥ 1, R3 (600, no quota) left out → 1/2
		at("reps_at_quota", "2026-03", f64(0.5)),
		at("reps_at_quota", "2026-04", f64(1)), // R1 4000/3000; R2 (lost only, no quota) left out
		at("reps_at_quota", "2026-02", f64(0)), // R1 1500/2800
		at("reps_at_quota", "2026-07", nullV),  // nobody has a quota

		// population CV of open pipeline over reps employed at the end (no deals = 0):
		// end Dec: R1 R2 R4 employed (R3 hired 01-01 = X is not before X), all 0 → mean 0 → null
		// end Jan: R1 2500, R2 R3 R4 0 → (x,0,0,0): sd = √3·x/4, mean x/4 → √3
		// end Mar: R1 9000 (O5 + O6), R2 1000 (O7), R3 0, R4 0 (leaves 04-15): mean 2500,
		//          var (6500² + 1500² + 2500² + 2500²)/4 = 14,250,000
		// end Apr: R4 has left; R1 5000, R2 1000, R3 0: mean 2000, var (3000² + 1000² + 2000²)/3
		at("workload_balance", "2025-12", nullV),
		at("workload_balance", "2026-01", f64(math.Sqrt(3))),
		at("workload_balance", "2026-03", f64(math.Sqrt(14250000)/2500)),
		at("workload_balance", "2026-04", f64(math.Sqrt(14000000.0/3)/2000)),
	})
}

func TestDealKPIsOtherGrains(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDeals(f)
	e := f.engine(dealConfig)

	t.Run("quarter", func(t *testing.T) {
		res := f.eval(e, Query{KPIs: dealKPIs, Grain: Quarter, From: day("2026-01-01"), To: day("2026-06-30")})
		check(t, res, []kc{
			at("win_rate", "2026-Q1", f64(5.0/6)),                // won O0 O1 O2 O3 O9, lost O4
			at("win_rate", "2026-Q2", f64(0.5)),                  // O5 won, O8 lost
			at("revenue", "2026-Q1", f64(8100)),                  // 1500 + 6600
			at("revenue_growth", "2026-Q1", nullV),               // Q4 2025 had no revenue
			at("revenue_growth", "2026-Q2", f64(4000.0/8100-1)),  // 4000/8100 - 1
			at("quota_attainment", "2026-Q1", f64(8100.0/11000)), // quota R1 9000 + R2 2000
			at("quota_attainment", "2026-Q2", f64(4000.0/9100)),
			at("pipeline_value", "2026-Q1", f64(10000)),           // as at the end of March
			at("pipeline_value", "2026-Q2", f64(6000)),            // O6 O7 at 07-01
			at("sales_cycle_days_median", "2026-Q1", f64(30)),     // 10 21 30 47 54
			at("sales_cycle_days", "2026-Q1", f64(162.0/5)),       // (21 + 54 + 47 + 30 + 10)/5
			at("new_customers", "2026-Q1", f64(3)),                // A4 A1 A2
			at("opportunity_to_win_ratio", "2026-Q1", f64(9.0/5)), // created 2 + 2 + 5 / won 5
			// reps: R1 revenue O0 1500 + O1 1000 + O2 2000 = 4500 / 9000 < 1;
			// R2 3000 / 2000 ≥ 1; R3 no quota → 1/2
			at("reps_at_quota", "2026-Q1", f64(0.5)),
			// open at 01-01 with close date in Q1: nothing → 0 / 11000
			at("pipeline_coverage", "2026-Q1", f64(0)),
		})
	})
	t.Run("year and all", func(t *testing.T) {
		res := f.eval(e, Query{KPIs: dealKPIs, Grain: Year, From: day("2026-01-01"), To: day("2026-12-31")})
		check(t, res, []kc{
			at("win_rate", "2026", f64(0.75)),                      // 6 won, 2 lost
			at("revenue", "2026", f64(12100)),                      // 8100 + 4000
			at("quota_attainment", "2026", f64(12100.0/20100)),     // quota 9000 + 9100 + 2000
			at("average_deal_size", "2026", f64(12100.0/6)),        // 6 wins
			at("gross_margin", "2026", f64((8000.0-2400)/8000)),    // O1 O3 O5: amount 8000, cost 2400
			at("customer_acquisition_cost", "2026", f64(1750.0/4)), // spend 200+600+400+300+250 / 4 new
		})
		res = f.eval(e, Query{KPIs: dealKPIs, Grain: All, From: day("2026-01-01"), To: day("2026-07-31")})
		check(t, res, []kc{
			at("win_rate", "all", f64(0.75)),
			at("revenue", "all", f64(12100)),
			at("revenue_growth", "all", nullV),     // no previous period for "all"
			at("pipeline_value", "all", f64(6000)), // O6 O7 open at 08-01
		})
	})
	t.Run("week", func(t *testing.T) {
		res := f.eval(e, Query{KPIs: []string{"revenue", "win_rate"}, Grain: Week, From: day("2026-03-02"), To: day("2026-04-05")})
		check(t, res, []kc{
			at("revenue", "2026-W10", f64(1000)), // O1 on 03-05 (week of Monday 03-02)
			at("revenue", "2026-W11", f64(600)),  // O9 03-12
			at("revenue", "2026-W12", f64(2000)), // O2 03-20
			at("win_rate", "2026-W13", f64(0)),   // O4 lost 03-25: 0/1
			at("revenue", "2026-W14", f64(7000)), // O3 03-31 + O5 04-01
			at("win_rate", "2026-W14", f64(1)),
		})
	})
}

func TestDealKPIsByRep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDeals(f)
	e := f.engine(dealConfig)
	res := f.eval(e, Query{KPIs: []string{"quota_attainment", "pipeline_value", "revenue", "win_rate"}, By: []string{"rep"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		by("quota_attainment", "2026-03", []string{"R1"}, f64(3000.0/3100)), // O1 + O2 / 31/90 × 9000
		by("quota_attainment", "2026-03", []string{"R2"}, f64(1.5)),         // O3 3000 / 2000
		by("quota_attainment", "2026-03", []string{"R3"}, nullV),            // O9 600 / no quota
		by("pipeline_value", "2026-03", []string{"R1"}, f64(9000)),          // O5 + O6
		by("pipeline_value", "2026-03", []string{"R2"}, f64(1000)),          // O7
		by("revenue", "2026-03", []string{"R3"}, f64(600)),
		by("win_rate", "2026-03", []string{"R2"}, f64(0.5)), // O3 won, O4 lost
	})
	res = f.eval(e, Query{KPIs: []string{"revenue", "reps_at_quota", "workload_balance"}, By: []string{"team"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		by("revenue", "2026-03", []string{"T1"}, f64(6600)),      // R1 3000 + R2 3000 + R3 600
		by("revenue", "2026-03", []string{"T2"}, f64(3600)),      // R2 3000 + R3 600
		by("reps_at_quota", "2026-03", []string{"T1"}, f64(0.5)), // R1 no, R2 yes, R3 no quota
		by("reps_at_quota", "2026-03", []string{"T2"}, f64(1)),   // R2 yes, R3 left out
		// T2 at the end of March: R2 1000, R3 0 → mean 500, sd 500 → 1
		by("workload_balance", "2026-03", []string{"T2"}, f64(1)),
		// T3: R4 employed with nothing open → mean 0 → null
		by("workload_balance", "2026-03", []string{"T3"}, nullV),
	})
	// A team's quota is the sum of its reps' (the team row Q4 of 100,000 is not used).
	res = f.eval(e, Query{KPIs: []string{"quota_attainment", "pipeline_coverage"}, By: []string{"team"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		by("quota_attainment", "2026-03", []string{"T1"}, f64(6600.0/5100)),  // all revenue / (R1 3100 + R2 2000)
		by("quota_attainment", "2026-03", []string{"T2"}, f64(3600.0/2000)),  // (R2 3000 + R3 600) / R2 2000
		by("pipeline_coverage", "2026-03", []string{"T1"}, f64(3000.0/5100)), // O1 + O2 (R1) due in March
		by("pipeline_coverage", "2026-03", []string{"T2"}, f64(0)),           // O7 (R2) is due in April: 0/2000
	})
}

// ---------------------------------------------------------------------------
// Subscriptions, customers and NPS.

func seedCustomers(f *fixture) {
	f.insert("teams", teamCols,
		[]any{"T1", "Sales", nil, "EMEA"},
		[]any{"T2", "East", "T1", nil},
		[]any{"T3", "Americas", nil, "NA"},
	)
	f.insert("reps", repCols,
		[]any{"R1", "Ann", "T2", nil, nil},
		[]any{"R2", "Bob", "T1", nil, nil},
		[]any{"R3", "Cy", "T3", nil, nil},
	)
	f.insert("accounts", acctCols,
		[]any{"C1", "One", "software", "smb", "R1", nil},
		[]any{"C2", "Two", "retail", "enterprise", "R2", nil},
		[]any{"C3", "Three", nil, nil, nil, nil},
		[]any{"C4", "Four", "software", "mid", "R3", nil},
		[]any{"C5", "Five", "software", "mid", "R1", nil},
	)
	f.insert("subscriptions", subCols,
		[]any{"S1", "C1", "core", "2026-01-01", nil, 100.0},
		[]any{"S2", "C2", "core", "2026-01-15", "2026-04-01", 200.0}, // first day without service 04-01
		[]any{"S3", "C3", "core", "2026-02-10", "2026-03-15", 50.0},
		[]any{"S4", "C1", "addon", "2026-03-05", nil, 30.0},
		[]any{"S5", "C4", "core", "2026-03-20", nil, 80.0},
	)
	f.insert("opportunities", oppCols,
		[]any{"D1", "C1", "R1", "new_business", "core", "closed won", "won", 1000.0, 250.0, 1.0, "2026-02-01", "2026-03-10"},
		[]any{"D2", "C5", "R1", "new_business", "core", "closed won", "won", 2000.0, 1000.0, 1.0, "2026-03-01", "2026-04-10"},
	)
	f.insert("nps_responses", npsCols,
		[]any{"N1", "C1", "2026-03-02", 10},
		[]any{"N2", "C1", "2026-03-03", 9},
		[]any{"N3", "C1", "2026-03-04", 7},
		[]any{"N4", "C4", "2026-03-21", 9},
		[]any{"N5", "C4", "2026-03-22", 3},
		[]any{"N6", "C2", "2026-04-01 00:00:00", 5},
		[]any{"N7", "C2", "2026-04-20", 6},
	)
}

var customerKPIs = []string{"mrr", "arr", "net_revenue_retention", "customer_retention_rate", "churn_rate", "customer_lifetime_value", "nps"}

func TestCustomerKPIsByMonth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedCustomers(f)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-01-01", "2026-05-31", customerKPIs...))
	// Active at X: start_date < X and (end blank or end >= X).
	// 01-01: none (S1 starts at 01-01). 02-01: C1 100, C2 200. 03-01: C1 100, C2 200, C3 50.
	// 04-01: C1 100+30, C2 200 (ends 04-01 = X: still active), C4 80 (S3 ended 03-15).
	// 05-01: C1 130, C4 80. 06-01: the same.
	check(t, res, []kc{
		at("mrr", "2026-01", f64(300)), // at 02-01
		at("mrr", "2026-02", f64(350)),
		at("mrr", "2026-03", f64(410)), // 130 + 200 + 80
		at("mrr", "2026-04", f64(210)),
		at("arr", "2026-03", f64(4920)), // 12 × 410
		at("arr", "2026-05", f64(2520)), // 12 × 210

		// MRR at the end from accounts active at the start ÷ MRR at the start
		at("net_revenue_retention", "2026-01", nullV),          // nothing active at 01-01: 0/0
		at("net_revenue_retention", "2026-02", f64(1)),         // (100 + 200)/300
		at("net_revenue_retention", "2026-03", f64(330.0/350)), // (C1 130 + C2 200 + C3 0)/350
		at("net_revenue_retention", "2026-04", f64(210.0/410)), // (C1 130 + C2 0 + C4 80)/410
		at("net_revenue_retention", "2026-05", f64(1)),         // 210/210

		// customers at the start still customers at the end ÷ customers at the start
		at("customer_retention_rate", "2026-01", nullV),
		at("customer_retention_rate", "2026-02", f64(1)),     // C1 C2 of C1 C2
		at("customer_retention_rate", "2026-03", f64(2.0/3)), // C1 C2 of C1 C2 C3
		// April: C1 C4 of C1 C2 C4 = 2/3. (The table's wording "(customers at end − new
		// customers) ÷ start" with new_customers = C5's first win D2 would give (2-1)/3;
		// the settled rule decides.)
		at("customer_retention_rate", "2026-04", f64(2.0/3)),

		at("churn_rate", "2026-01", nullV),
		at("churn_rate", "2026-02", f64(0)),     // 0/2
		at("churn_rate", "2026-03", f64(1.0/3)), // C3 of 3
		at("churn_rate", "2026-04", f64(1.0/3)), // C2 of 3
		at("churn_rate", "2026-05", f64(0)),

		// (mrr ÷ customers at end) × gross margin ÷ (churn ÷ months)
		// March: (410/3) × (1000-250)/1000 ÷ (1/3 ÷ 1) = 410 × 0.75 = 307.5
		at("customer_lifetime_value", "2026-03", f64(307.5)),
		// April: (210/2) × (2000-1000)/2000 ÷ (1/3) = 105 × 0.5 × 3 = 157.5
		at("customer_lifetime_value", "2026-04", f64(157.5)),
		at("customer_lifetime_value", "2026-05", nullV), // churn 0 (and no margin)
		at("customer_lifetime_value", "2026-02", nullV), // churn 0

		// 100 × (promoters − detractors)/answers: March 10 9 7 9 3 → 100 × (3 − 1)/5
		at("nps", "2026-03", f64(40)),
		at("nps", "2026-04", f64(-100)), // 5 (at 04-01 00:00) and 6: 100 × (0 − 2)/2
		at("nps", "2026-05", nullV),
	})

	res = f.eval(e, monthQuery("2025-12-01", "2025-12-31", "mrr", "arr"))
	check(t, res, []kc{
		at("mrr", "2025-12", f64(0)), // nothing active at 2026-01-01: sum over nothing
		at("arr", "2025-12", f64(0)),
	})
}

func TestCustomerKPIsQuarterAndClipped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedCustomers(f)
	e := f.engine(Config{})

	res := f.eval(e, Query{KPIs: customerKPIs, Grain: Quarter, From: day("2026-04-01"), To: day("2026-06-30")})
	check(t, res, []kc{
		at("mrr", "2026-Q2", f64(210)), // at 07-01: C1 130, C4 80
		at("net_revenue_retention", "2026-Q2", f64(210.0/410)),
		at("customer_retention_rate", "2026-Q2", f64(2.0/3)), // C1 C4 of C1 C2 C4
		at("churn_rate", "2026-Q2", f64(1.0/3)),
		// (210/2) × 0.5 ÷ ((1/3) ÷ 3 months) = 52.5 × 9
		at("customer_lifetime_value", "2026-Q2", f64(472.5)),
		at("nps", "2026-Q2", f64(-100)),
	})

	// March clipped to [03-01, 03-16): 15 days = 15/30.436875 months.
	// Start: C1 100, C2 200, C3 50. At 03-16: S1 100, S4 30, S2 200; S3 ended 03-15; S5 not started.
	res = f.eval(e, monthQuery("2026-03-01", "2026-03-15", customerKPIs...))
	months := 15 / 30.436875
	check(t, res, []kc{
		at("mrr", "2026-03", f64(330)),
		at("net_revenue_retention", "2026-03", f64(330.0/350)),
		at("churn_rate", "2026-03", f64(1.0/3)),
		// (330/2) × 0.75 (D1 closes 03-10) ÷ ((1/3) ÷ (15/30.436875))
		at("customer_lifetime_value", "2026-03", f64(165*0.75/((1.0/3)/months))),
		at("nps", "2026-03", f64(100.0*(2-0)/3)), // 10 9 7 (C4's answers are after 03-15)
	})

	// A week is 7/30.436875 months. W11 = [03-09, 03-16): at 03-09 C1 130, C2 200, C3 50 (ends
	// 03-15); at 03-16 C1 130, C2 200 → churn 1/3, mrr 330 over 2 customers, margin 0.75 (D1 03-10).
	res = f.eval(e, Query{KPIs: customerKPIs, Grain: Week, From: day("2026-03-09"), To: day("2026-03-22")})
	check(t, res, []kc{
		at("customer_lifetime_value", "2026-W11", f64(165*0.75/((1.0/3)/(7/30.436875)))),
		at("churn_rate", "2026-W11", f64(1.0/3)),
		at("mrr", "2026-W12", f64(410)),                   // at 03-23: C1 130, C2 200, C4 80
		at("churn_rate", "2026-W12", f64(0)),              // C1 C2 at 03-16 both stay
		at("customer_lifetime_value", "2026-W12", nullV),  // churn 0 (and no margin)
		at("customer_retention_rate", "2026-W12", f64(1)), // 2/2
		at("net_revenue_retention", "2026-W12", f64(1)),   // (130 + 200)/330
	})
}

func TestCustomerKPIsByDimension(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedCustomers(f)
	e := f.engine(Config{})
	q := monthQuery("2026-03-01", "2026-03-31", "mrr", "nps", "churn_rate")
	q.By = []string{"team"}
	res := f.eval(e, q)
	check(t, res, []kc{
		// subscriptions belong to the account owner: C1 → R1 (T2), C2 → R2 (T1), C4 → R3 (T3)
		by("mrr", "2026-03", []string{"T1"}, f64(330)), // T1 covers T2: 130 + 200
		by("mrr", "2026-03", []string{"T2"}, f64(130)),
		by("mrr", "2026-03", []string{"T3"}, f64(80)),
		by("nps", "2026-03", []string{"T2"}, f64(100.0*2/3)), // C1: 10 9 7
		by("nps", "2026-03", []string{"T3"}, f64(0)),         // C4: 9 3 → 100 × (1 − 1)/2
		by("churn_rate", "2026-03", []string{blank}, f64(1)), // C3 has no owner: churned 1 of 1
		by("churn_rate", "2026-03", []string{"T1"}, f64(0)),  // C1 C2 stay
	})
	q.By = []string{"region"}
	res = f.eval(e, q)
	check(t, res, []kc{
		by("mrr", "2026-03", []string{"EMEA"}, f64(330)), // T2 inherits T1's region
		by("mrr", "2026-03", []string{"NA"}, f64(80)),
	})
}

// ---------------------------------------------------------------------------
// Process KPIs: time entries and CRM data quality.

func seedProcess(f *fixture) {
	f.insert("reps", repCols,
		[]any{"R1", "Ann", nil, nil, nil},
		[]any{"R2", "Bob", nil, nil, nil},
	)
	f.insert("time_entries", timeCols,
		[]any{"E1", "R1", "2026-03-02", "selling", 300.0},
		[]any{"E2", "R1", "2026-03-02", "admin", 60.0},
		[]any{"E3", "R1", "2026-03-02", "data_entry", 40.0},
		[]any{"E4", "R1", "2026-03-03", "quoting", 20.0},
		[]any{"E5", "R1", "2026-03-03", "proposal", 30.0},
		[]any{"E6", "R1", "2026-03-03", "order_processing", 10.0},
		[]any{"E7", "R1", "2026-03-31", "training", 40.0},
		[]any{"E8", "R2", "2026-04-01", "travel", 100.0},
	)
	// Data quality (docs/kpis.md rules), today = 2026-06-15.
	f.insert("accounts", acctCols,
		[]any{"AC1", "Acme Corp", nil, nil, "R1", "2026-03-03"},  // same name as AC2 once case/punctuation go: fails
		[]any{"AC2", "ACME corp.", nil, nil, "R2", "2026-03-04"}, // fails
		[]any{"AC3", "Globex", nil, nil, "R1", "2026-03-05"},     // passes
		[]any{"AC4", "Initech", nil, nil, "GHOST", "2026-04-03"}, // owner does not exist: fails
	)
	f.insert("opportunities", oppCols,
		[]any{"Q1", "AC3", "R1", "new_business", nil, "Closed Won", "won", 1000.0, nil, nil, "2026-03-02", "2026-03-10"},   // passes
		[]any{"Q2", "AC3", "GHOST", "new_business", nil, "Closed Won", "won", 500.0, nil, nil, "2026-03-06", "2026-03-12"}, // owner missing
		[]any{"Q3", "AC3", "R1", "new_business", nil, "Proposal", "open", 700.0, nil, nil, "2026-03-07", "2026-03-20"},     // open, close date before today
		[]any{"Q4", "AC3", "R2", "new_business", nil, "Proposal", "open", 900.0, nil, nil, "2026-04-05", "2026-07-31"},     // passes (April)
	)
	f.insert("leads", leadCols,
		[]any{"LQ1", "2026-03-08 00:00:00", "web", "R1", "2026-03-08 01:00:00", nil, nil}, // passes
		[]any{"LQ2", "2026-03-09 10:00:00", "web", "R2", "2026-03-09 09:00:00", nil, nil}, // responded before creation
	)
	f.insert("activities", "activity_id, rep_id, type, occurred_at, opportunity_id",
		[]any{"X1", "R1", "call", "2026-03-08", "Q1"},          // passes
		[]any{"X2", "GHOST", "call", "2026-03-09", nil},        // rep missing
		[]any{"X4", "R1", "call", "2026-03-10 18:00:00", "Q1"}, // the day Q1 closed: passes
		[]any{"X3", "R1", "call", "2026-04-11", "Q1"},          // after the day its deal closed
	)
	f.insert("opportunity_stages", "row_key, opportunity_id, stage, entered_at",
		[]any{"S1", "Q1", "Proposal", "2026-03-05"},   // passes
		[]any{"S2", "Q1", "Closed Won", "2026-03-10"}, // the closing stage, last: passes
		[]any{"S3", "Q3", "Proposal", "2026-03-01"},   // before Q3 was created (03-07): fails
	)
}

func TestProcessKPIs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedProcess(f)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-03-01", "2026-05-31", "selling_time_share", "admin_time_share", "crm_data_accuracy"))
	check(t, res, []kc{
		// March minutes: 300 + 60 + 40 + 20 + 30 + 10 + 40 = 500; selling 300
		at("selling_time_share", "2026-03", f64(0.6)),
		at("selling_time_share", "2026-04", f64(0)), // travel 100: 0/100
		at("selling_time_share", "2026-05", nullV),  // 0/0
		// admin + data_entry + quoting + proposal + order_processing = 160 of 500
		at("admin_time_share", "2026-03", f64(0.32)),
		at("admin_time_share", "2026-04", f64(0)),
		at("admin_time_share", "2026-05", nullV),
		// March records: accounts AC1 ✗ AC2 ✗ AC3 ✓; deals Q1 ✓ Q2 ✗ Q3 ✗; leads LQ1 ✓ LQ2 ✗;
		// activities X1 ✓ X2 ✗ X4 ✓; stage history S1 ✓ S2 ✓ S3 ✗ → (1+1+1+2+2) = 7 of 14
		at("crm_data_accuracy", "2026-03", f64(7.0/14)),
		at("crm_data_accuracy", "2026-04", f64(1.0/3)), // AC4 ✗, Q4 ✓, X3 ✗
		at("crm_data_accuracy", "2026-05", nullV),      // no records
	})
	res = f.eval(e, Query{KPIs: []string{"selling_time_share", "crm_data_accuracy"}, By: []string{"rep"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		by("selling_time_share", "2026-03", []string{"R1"}, f64(0.6)),
		// R1: AC1 ✗ AC3 ✓ Q1 ✓ Q3 ✗ LQ1 ✓ X1 ✓ X4 ✓, and S1 ✓ S2 ✓ S3 ✗ (the owner of Q1 and
		// Q3's entries) → 7/10; R2: AC2 ✗ LQ2 ✗ → 0/2
		by("crm_data_accuracy", "2026-03", []string{"R1"}, f64(7.0/10)),
		by("crm_data_accuracy", "2026-03", []string{"R2"}, f64(0)),
	})
	// By record type: the score of each kind of record.
	res = f.eval(e, Query{KPIs: []string{"crm_data_accuracy", "selling_time_share"}, By: []string{"record_type"}, Grain: Month, From: day("2026-03-01"), To: day("2026-04-30")})
	check(t, res, []kc{
		by("crm_data_accuracy", "2026-03", []string{"account"}, f64(1.0/3)),       // AC1 ✗ AC2 ✗ AC3 ✓
		by("crm_data_accuracy", "2026-03", []string{"opportunity"}, f64(1.0/3)),   // Q1 ✓ Q2 ✗ Q3 ✗
		by("crm_data_accuracy", "2026-03", []string{"lead"}, f64(1.0/2)),          // LQ1 ✓ LQ2 ✗
		by("crm_data_accuracy", "2026-03", []string{"activity"}, f64(2.0/3)),      // X1 ✓ X2 ✗ X4 ✓
		by("crm_data_accuracy", "2026-03", []string{"stage_history"}, f64(2.0/3)), // S1 ✓ S2 ✓ S3 ✗
		by("crm_data_accuracy", "2026-04", []string{"account"}, f64(0)),           // AC4 ✗
		by("crm_data_accuracy", "2026-04", []string{"opportunity"}, f64(1)),       // Q4 ✓
		by("crm_data_accuracy", "2026-04", []string{"activity"}, f64(0)),          // X3 ✗
	})
	noRow(t, res, "selling_time_share") // time entries have no record type
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "selling_time_share: not available by record_type") {
		t.Errorf("notes %q", res.Notes)
	}
}

// ---------------------------------------------------------------------------
// Settled edge cases.

func TestPeriodAttribution(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil})
	f.insert("accounts", acctCols, []any{"K1", "K", nil, nil, "R1", nil})
	f.insert("opportunities", oppCols,
		// created in March one second before April, won at exactly April's start
		[]any{"B1", "K1", "R1", "new_business", nil, "won", "won", 100.0, nil, nil, "2026-03-31 23:59:59", "2026-04-01 00:00:00"},
		// created at exactly April's start, lost in April
		[]any{"B2", "K1", "R1", "new_business", nil, "lost", "lost", 200.0, nil, nil, "2026-04-01 00:00:00", "2026-04-03"},
		// created in February, won on the last instant of March
		[]any{"B3", "K1", "R1", "new_business", nil, "won", "won", 400.0, nil, nil, "2026-02-10", "2026-03-31 23:59:59.999"},
	)
	f.insert("activities", "activity_id, rep_id, type, occurred_at",
		[]any{"C1", "R1", "call", "2026-03-31 23:59:59.999"},
		[]any{"C2", "R1", "call", "2026-04-01 00:00:00"},
	)
	f.insert("leads", leadCols,
		[]any{"L1", "2026-04-01 00:00:00", "web", "R1", nil, nil, nil},
		[]any{"L2", "2026-03-31 12:00:00", "web", "R1", nil, nil, nil},
	)
	f.insert("spend", spendCol, []any{"S1", "2026-04-01", "marketing", "web", 90.0})
	f.insert("nps_responses", npsCols, []any{"N1", "K1", "2026-04-01 00:00:00", 10})
	f.insert("time_entries", timeCols,
		[]any{"E1", "R1", "2026-04-01", "selling", 60.0},
		[]any{"E2", "R1", "2026-03-31", "admin", 60.0},
	)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-02-01", "2026-04-30", "revenue", "win_rate", "pipeline_created", "new_leads", "calls_made", "cost_per_lead", "nps", "selling_time_share", "sales_cycle_days"))
	check(t, res, []kc{
		// won/lost by close_date
		at("revenue", "2026-03", f64(400)),  // B3 at 03-31 23:59:59.999
		at("revenue", "2026-04", f64(100)),  // B1 at 04-01 00:00
		at("win_rate", "2026-04", f64(0.5)), // B1 won, B2 lost
		at("win_rate", "2026-03", f64(1)),   // B3
		// cycle by UTC calendar dates: B1 03-31 → 04-01 = 1 day
		at("sales_cycle_days", "2026-04", f64(1)),
		// created counts by created_at
		at("pipeline_created", "2026-02", f64(400)), // B3
		at("pipeline_created", "2026-03", f64(100)), // B1 at 03-31 23:59:59
		at("pipeline_created", "2026-04", f64(200)), // B2 at 04-01 00:00
		at("new_leads", "2026-03", f64(1)),          // L2
		at("new_leads", "2026-04", f64(1)),          // L1 at 04-01 00:00
		// activities by occurred_at
		at("calls_made", "2026-03", f64(1)), // C1
		at("calls_made", "2026-04", f64(1)), // C2 at 04-01 00:00
		// spend, NPS and time entries dated 04-01 are April's
		at("cost_per_lead", "2026-04", f64(90)), // 90 / 1 lead
		at("cost_per_lead", "2026-03", f64(0)),  // 0 / 1 lead
		at("nps", "2026-04", f64(100)),
		at("nps", "2026-03", nullV),
		at("selling_time_share", "2026-04", f64(1)), // 60/60
		at("selling_time_share", "2026-03", f64(0)), // 0/60
	})
}

func TestSnapshots(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil})
	f.insert("accounts", acctCols, []any{"K1", "K", nil, nil, "R1", nil}, []any{"K2", "L", nil, nil, "R1", nil}, []any{"K3", "M", nil, nil, "R1", nil})
	f.insert("opportunities", oppCols,
		[]any{"SN1", "K1", "R1", "new_business", nil, "won", "won", 100.0, nil, 1.0, "2026-03-10", "2026-04-05"},
		// open, its expected close date long past
		[]any{"SN2", "K1", "R1", "new_business", nil, "proposal", "open", 200.0, nil, 0.5, "2026-01-10", "2026-02-01"},
		// created exactly at April's start
		[]any{"SN3", "K1", "R1", "new_business", nil, "proposal", "open", 400.0, nil, 0.5, "2026-04-01 00:00:00", "2026-09-01"},
		// lost exactly at April's start
		[]any{"SN4", "K1", "R1", "new_business", nil, "lost", "lost", 800.0, nil, 0.0, "2026-02-01", "2026-04-01 00:00:00"},
	)
	f.insert("subscriptions", subCols,
		[]any{"U1", "K1", nil, "2026-01-01", "2026-04-01", 10.0}, // end_date = end-of-March snapshot
		[]any{"U2", "K2", nil, "2026-04-01", nil, 20.0},          // starts at the snapshot instant
		[]any{"U3", "K3", nil, "2026-02-15", "2026-03-31", 40.0}, // no service from 03-31
	)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-01-01", "2026-05-31", "pipeline_value", "mrr", "churn_rate"))
	check(t, res, []kc{
		at("pipeline_value", "2026-01", f64(200)),  // at 02-01: SN2
		at("pipeline_value", "2026-02", f64(1000)), // at 03-01: SN2 + SN4
		// at 04-01: SN1 (won 04-05, after X) + SN2 (past expected close, still open) + SN4
		// (lost at X, not before X); SN3 (created at X) not yet
		at("pipeline_value", "2026-03", f64(1100)),
		at("pipeline_value", "2026-04", f64(600)), // at 05-01: SN2 + SN3
		at("pipeline_value", "2026-05", f64(600)),
		at("mrr", "2026-02", f64(50)), // at 03-01: U1 10 + U3 40
		at("mrr", "2026-03", f64(10)), // at 04-01: U1 (end 04-01 ≥ X); U2 starts at X; U3 ended 03-31
		at("mrr", "2026-04", f64(20)), // at 05-01: U2
		// customers at 03-01: K1 K3; at 04-01: K1 → churned K3: 1/2
		at("churn_rate", "2026-03", f64(0.5)),
		// at 04-01: K1; at 05-01: K2 → K1 churned: 1/1
		at("churn_rate", "2026-04", f64(1)),
	})
	res = f.eval(e, Query{KPIs: []string{"pipeline_value", "weighted_pipeline"}, Grain: Quarter, From: day("2026-01-01"), To: day("2026-06-30")})
	check(t, res, []kc{
		at("pipeline_value", "2026-Q1", f64(1100)),       // as at 04-01
		at("pipeline_value", "2026-Q2", f64(600)),        // at 07-01: SN2 + SN3
		at("weighted_pipeline", "2026-Q1", f64(100+100)), // SN1 100×1 + SN2 200×0.5 + SN4 800×0
	})
}

func TestStageDefaultProbability(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil})
	f.insert("opportunities", oppCols,
		[]any{"H1", nil, "R1", "new_business", nil, "closed won", "won", 10.0, nil, nil, "2026-01-01", "2026-01-20"},
		[]any{"H2", nil, "R1", "new_business", nil, "closed lost", "lost", 10.0, nil, nil, "2026-01-01", "2026-01-21"},
		[]any{"H3", nil, "R1", "new_business", nil, "closed won", "won", 10.0, nil, nil, "2026-01-01", "2026-01-22"},
		[]any{"H4", nil, "R1", "new_business", nil, "closed lost", "lost", 10.0, nil, nil, "2026-01-01", "2026-01-23"},
		[]any{"OP", nil, "R1", "new_business", nil, "Proposal", "open", 300.0, nil, nil, "2026-02-01", "2026-04-01"},
		[]any{"OD", nil, "R1", "new_business", nil, "Demo", "open", 100.0, nil, nil, "2026-02-01", "2026-04-01"},
		[]any{"OX", nil, "R1", "new_business", nil, "Proposal", "open", 1000.0, nil, 0.1, "2026-02-01", "2026-04-01"},
	)
	f.insert("opportunity_stages", "row_key, opportunity_id, stage, entered_at",
		[]any{"1", "H1", "proposal", "2026-01-05"},
		[]any{"2", "H2", "proposal", "2026-01-05"},
		[]any{"3", "H3", "proposal", "2026-01-05"},
		[]any{"4", "H1", "demo", "2026-01-03"},
		[]any{"5", "H4", "demo", "2026-01-03"},
	)
	// Default of a stage: share of closed deals that passed through it and were won —
	// proposal: H1 H3 won of H1 H2 H3 = 2/3; demo: H1 won of H1 H4 = 1/2. OX gives its own 0.1.
	e := f.engine(Config{})
	check(t, f.eval(e, monthQuery("2026-02-01", "2026-02-28", "weighted_pipeline")), []kc{
		at("weighted_pipeline", "2026-02", f64(300*2.0/3+100*0.5+1000*0.1)), // 200 + 50 + 100
	})
	// A configured default wins over history.
	e = f.engine(Config{StageProbabilities: map[string]float64{"Proposal": 0.4}})
	check(t, f.eval(e, monthQuery("2026-02-01", "2026-02-28", "weighted_pipeline")), []kc{
		at("weighted_pipeline", "2026-02", f64(300*0.4+100*0.5+1000*0.1)), // 120 + 50 + 100
	})
}

func TestTeamRollUpAndRegion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDimensions(f)
	e := f.engine(Config{})
	q := monthQuery("2026-03-01", "2026-03-31", "revenue")
	q.By = []string{"team"}
	res := f.eval(e, q)
	check(t, res, []kc{
		by("revenue", "2026-03", []string{"T1"}, f64(700)), // T1 R1 100 + T2 R2 200 + T3 R3 400
		by("revenue", "2026-03", []string{"T2"}, f64(600)), // R2 200 + R3 400
		by("revenue", "2026-03", []string{"T3"}, f64(400)),
		by("revenue", "2026-03", []string{"T4"}, f64(800)),
		by("revenue", "2026-03", []string{blank}, f64(1600)), // R5 has no team
	})
	if len(res.Rows) != 5 {
		t.Errorf("by team: %d rows, want 5", len(res.Rows))
	}
	q.By = []string{"region"}
	res = f.eval(e, q)
	check(t, res, []kc{
		by("revenue", "2026-03", []string{"EMEA"}, f64(300)), // R1 (T1) + R2 (T2 inherits EMEA)
		by("revenue", "2026-03", []string{"DACH"}, f64(400)), // T3 has its own region
		by("revenue", "2026-03", []string{blank}, f64(2400)), // T4 no region (800) + R5 no team (1600)
	})
	q.By = []string{"team", "type"}
	res = f.eval(e, q)
	check(t, res, []kc{
		by("revenue", "2026-03", []string{"T2", "upsell"}, f64(200)),       // P2
		by("revenue", "2026-03", []string{"T2", "new_business"}, f64(400)), // P3
		by("revenue", "2026-03", []string{"T1", "new_business"}, f64(500)), // P1 + P3
	})
}

func seedDimensions(f *fixture) {
	f.insert("teams", teamCols,
		[]any{"T1", "Europe", nil, "EMEA"},
		[]any{"T2", "North", "T1", nil},
		[]any{"T3", "Germany", "T2", "DACH"},
		[]any{"T4", "Lab", nil, nil},
	)
	f.insert("reps", repCols,
		[]any{"R1", "Ann", "T1", nil, nil},
		[]any{"R2", "Bob", "T2", nil, nil},
		[]any{"R3", "Cy", "T3", nil, nil},
		[]any{"R4", "Di", "T4", nil, nil},
		[]any{"R5", "Ed", nil, nil, nil},
	)
	f.insert("accounts", acctCols,
		[]any{"X1", "Xa", "software", "smb", "R1", nil},
		[]any{"X2", "Xb", nil, "enterprise", "R2", nil},
	)
	f.insert("opportunities", oppCols,
		[]any{"P1", "X1", "R1", "new_business", "core", "won", "won", 100.0, nil, nil, "2026-02-10", "2026-03-10"},
		[]any{"P2", "X2", "R2", "upsell", "addon", "won", "won", 200.0, nil, nil, "2026-02-10", "2026-03-11"},
		[]any{"P3", nil, "R3", "new_business", nil, "won", "won", 400.0, nil, nil, "2026-02-10", "2026-03-12"},
		[]any{"P4", nil, "R4", "new_business", "core", "won", "won", 800.0, nil, nil, "2026-02-10", "2026-03-13"},
		[]any{"P5", nil, "R5", "renewal", "core", "won", "won", 1600.0, nil, nil, "2026-02-10", "2026-03-14"},
	)
	f.insert("leads", leadCols,
		[]any{"LD1", "2026-02-01", "web", "R1", nil, "P1", nil},
		[]any{"LD2", "2026-02-05", "event", "R1", nil, "P1", nil},
		[]any{"LD3", "2026-01-10", "partner", "R2", nil, "P2", nil},
		[]any{"LD4", "2026-01-20", "event", "R2", nil, "P2", nil},
		[]any{"LD5", "2026-03-01", "x'); DROP TABLE reps; --", "R2", nil, nil, nil},
	)
	f.insert("activities", actCols,
		[]any{"AC1", "R1", "call", "2026-03-03", nil, nil, "P1", nil, nil, nil, nil},   // source from P1 (web)
		[]any{"AC2", "R1", "call", "2026-03-04", nil, "LD2", "P2", nil, nil, nil, nil}, // source from its lead (event)
		[]any{"AC3", "R2", "call", "2026-03-05", nil, nil, nil, nil, nil, nil, nil},    // nothing
	)
	f.insert("spend", spendCol, []any{"SP1", "2026-03-02", "marketing", "web", 100.0})
}

func TestDimensions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDimensions(f)
	e := f.engine(Config{})

	t.Run("opportunity source is the earliest lead's", func(t *testing.T) {
		q := monthQuery("2026-03-01", "2026-03-31", "revenue")
		q.By = []string{"source"}
		res := f.eval(e, q)
		check(t, res, []kc{
			by("revenue", "2026-03", []string{"web"}, f64(100)),     // P1: LD1 web (02-01) before LD2 event
			by("revenue", "2026-03", []string{"partner"}, f64(200)), // P2: LD3 partner (01-10) before LD4 event
			by("revenue", "2026-03", []string{blank}, f64(2800)),    // P3 P4 P5 have no lead: 400 + 800 + 1600
		})
		if len(res.Rows) != 3 {
			t.Errorf("by source: %d rows, want 3", len(res.Rows))
		}
	})
	t.Run("activities take product and type from the deal, source from the lead", func(t *testing.T) {
		for _, c := range []struct {
			dim   string
			cases []kc
		}{
			{"source", []kc{
				by("calls_made", "2026-03", []string{"web"}, f64(1)),   // AC1: no lead → P1's source
				by("calls_made", "2026-03", []string{"event"}, f64(1)), // AC2: LD2's source, not P2's (partner)
				by("calls_made", "2026-03", []string{blank}, f64(1)),   // AC3
			}},
			{"product", []kc{
				by("calls_made", "2026-03", []string{"core"}, f64(1)),  // AC1 → P1
				by("calls_made", "2026-03", []string{"addon"}, f64(1)), // AC2 → P2
				by("calls_made", "2026-03", []string{blank}, f64(1)),   // AC3 has no deal
			}},
			{"type", []kc{
				by("calls_made", "2026-03", []string{"new_business"}, f64(1)),
				by("calls_made", "2026-03", []string{"upsell"}, f64(1)),
				by("calls_made", "2026-03", []string{blank}, f64(1)),
			}},
			{"segment", []kc{
				by("calls_made", "2026-03", []string{"smb"}, f64(1)),        // AC1 → P1 → X1
				by("calls_made", "2026-03", []string{"enterprise"}, f64(1)), // AC2 → P2 → X2
				by("calls_made", "2026-03", []string{blank}, f64(1)),
			}},
		} {
			q := monthQuery("2026-03-01", "2026-03-31", "calls_made")
			q.By = []string{c.dim}
			res := f.eval(e, q)
			check(t, res, c.cases)
		}
	})
	t.Run("industry of the deal's account; blank is nil", func(t *testing.T) {
		q := monthQuery("2026-03-01", "2026-03-31", "revenue")
		q.By = []string{"industry"}
		res := f.eval(e, q)
		check(t, res, []kc{
			by("revenue", "2026-03", []string{"software"}, f64(100)), // P1 → X1
			by("revenue", "2026-03", []string{blank}, f64(3000)),     // X2 has no industry (200) + no account (400 + 800 + 1600)
		})
	})
	t.Run("a KPI that cannot take a dimension gives no rows and a note", func(t *testing.T) {
		q := monthQuery("2026-03-01", "2026-03-31", "cost_per_lead", "new_leads")
		q.By = []string{"rep"}
		res := f.eval(e, q)
		noRow(t, res, "cost_per_lead")
		check(t, res, []kc{by("new_leads", "2026-03", []string{"R2"}, f64(1))}) // LD5
		found := false
		for _, n := range res.Notes {
			if strings.Contains(n, "cost_per_lead") {
				found = true
			}
		}
		if !found {
			t.Errorf("notes %q do not mention cost_per_lead", res.Notes)
		}
	})
	t.Run("spend cannot be filtered or scoped by team", func(t *testing.T) {
		for _, q := range []Query{
			{KPIs: []string{"cost_per_lead", "new_leads"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31"), Filters: map[string][]string{"team": {"T1"}}},
			{KPIs: []string{"cost_per_lead", "new_leads"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31"), Teams: []string{"T1"}},
		} {
			res := f.eval(e, q)
			noRow(t, res, "cost_per_lead")
			check(t, res, []kc{at("new_leads", "2026-03", f64(1))}) // LD5: R2's (T2 ⊂ T1), created 03-01
			if len(res.Notes) == 0 {
				t.Errorf("%+v: no note for cost_per_lead", q)
			}
		}
	})
}

func TestQuotaProration(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", "T1", nil, nil})
	f.insert("teams", teamCols, []any{"T1", "Sales", nil, nil})
	f.insert("quotas", quotaCol,
		[]any{"Q1", "R1", nil, "2026-01-01", "2026-03-31", 9000.0}, // 90 days, period_end inclusive
		[]any{"Q2", nil, "T1", "2026-01-01", "2026-01-31", 5000.0}, // team row: serves team goals only
	)
	f.insert("opportunities", oppCols,
		[]any{"W1", nil, "R1", "new_business", nil, "won", "won", 1400.0, nil, nil, "2026-01-01", "2026-01-05"},
		[]any{"W2", nil, "R1", "new_business", nil, "won", "won", 1700.0, nil, nil, "2026-01-01", "2026-01-20"},
		[]any{"W3", nil, "R1", "new_business", nil, "won", "won", 1400.0, nil, nil, "2026-01-01", "2026-02-10"},
	)
	e := f.engine(Config{})
	for _, c := range []struct {
		name string
		q    Query
		want []kc
	}{
		{"months", monthQuery("2026-01-01", "2026-03-31", "quota_attainment"), []kc{
			at("quota_attainment", "2026-01", f64(1)),   // (1400 + 1700) / (31/90 × 9000 = 3100)
			at("quota_attainment", "2026-02", f64(0.5)), // 1400 / (28/90 × 9000 = 2800)
			at("quota_attainment", "2026-03", f64(0)),   // 0 / 3100
		}},
		{"quarter", Query{KPIs: []string{"quota_attainment"}, Grain: Quarter, From: day("2026-01-01"), To: day("2026-03-31")}, []kc{
			at("quota_attainment", "2026-Q1", f64(0.5)), // 4500 / 9000
		}},
		{"clipped", monthQuery("2026-01-15", "2026-01-31", "quota_attainment"), []kc{
			at("quota_attainment", "2026-01", f64(1)), // W2 1700 / (17/90 × 9000 = 1700)
		}},
		{"week", Query{KPIs: []string{"quota_attainment"}, Grain: Week, From: day("2026-01-05"), To: day("2026-01-11")}, []kc{
			at("quota_attainment", "2026-W02", f64(2)), // W1 1400 / (7/90 × 9000 = 700)
		}},
		{"year, past the quota", Query{KPIs: []string{"quota_attainment"}, Grain: Year, From: day("2026-01-01"), To: day("2026-12-31")}, []kc{
			at("quota_attainment", "2026", f64(0.5)), // 4500 / 9000 (only Q1 has a quota)
		}},
	} {
		t.Run(c.name, func(t *testing.T) { check(t, f.eval(e, c.q), c.want) })
	}
}

func TestMedianOfEvenCount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil})
	f.insert("opportunities", oppCols,
		[]any{"M1", nil, "R1", "new_business", nil, "won", "won", 1.0, nil, nil, "2026-03-01", "2026-03-11"},          // 10 days
		[]any{"M2", nil, "R1", "new_business", nil, "won", "won", 1.0, nil, nil, "2026-02-28 23:00:00", "2026-03-15"}, // 02-28 → 03-15: 15 days
	)
	f.insert("leads", leadCols,
		[]any{"L1", "2026-03-02 00:00:00", nil, "R1", "2026-03-02 00:10:00", nil, nil}, // 10 min
		[]any{"L2", "2026-03-03 00:00:00", nil, "R1", "2026-03-03 00:25:30", nil, nil}, // 25.5 min
	)
	f.insert("activities", "activity_id, rep_id, type, occurred_at, opportunity_id",
		[]any{"A1", "R1", "call", "2026-03-01 00:00:00", "M1"},
		[]any{"A2", "R1", "call", "2026-03-02 00:00:00", "M1"}, // 1 day
		[]any{"A3", "R1", "call", "2026-03-06 00:00:00", "M1"}, // 4 days
	)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-03-01", "2026-03-31", "sales_cycle_days_median", "lead_response_minutes", "follow_up_days"))
	check(t, res, []kc{
		at("sales_cycle_days_median", "2026-03", f64(12.5)), // (10 + 15)/2
		at("lead_response_minutes", "2026-03", f64(17.75)),  // (10 + 25.5)/2
		at("follow_up_days", "2026-03", f64(2.5)),           // (1 + 4)/2
	})
}

func TestFiscalYear(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil})
	f.insert("opportunities", oppCols,
		[]any{"F1", nil, "R1", "new_business", nil, "won", "won", 100.0, nil, nil, "2026-02-01", "2026-02-15"},
		[]any{"F2", nil, "R1", "new_business", nil, "won", "won", 200.0, nil, nil, "2026-03-01", "2026-04-02"},
		[]any{"F3", nil, "R1", "new_business", nil, "won", "won", 400.0, nil, nil, "2025-03-01", "2025-04-01"},
	)
	e := f.engine(Config{Calendar: Calendar{FiscalStartMonth: 4}})
	for _, c := range []struct {
		name string
		q    Query
		want []kc
	}{
		// Fiscal year April–March, labelled by the calendar year in which it ends.
		{"quarter", Query{KPIs: []string{"revenue", "revenue_growth"}, Grain: Quarter, From: day("2026-01-01"), To: day("2026-06-30")}, []kc{
			at("revenue", "2026-Q4", f64(100)),      // 2026-02-15: Jan–Mar 2026 is Q4 of FY Apr 2025–Mar 2026
			at("revenue", "2027-Q1", f64(200)),      // 2026-04-02: Q1 of FY 2027
			at("revenue_growth", "2027-Q1", f64(1)), // 200/100 - 1
		}},
		{"year", Query{KPIs: []string{"revenue", "revenue_growth"}, Grain: Year, From: day("2025-04-01"), To: day("2027-03-31")}, []kc{
			at("revenue", "2026", f64(500)),                // F3 (2025-04-01) + F1 (2026-02-15)
			at("revenue", "2027", f64(200)),                // F2
			at("revenue_growth", "2026", nullV),            // FY 2025 had nothing
			at("revenue_growth", "2027", f64(200.0/500-1)), // -0.6
		}},
	} {
		t.Run(c.name, func(t *testing.T) { check(t, f.eval(e, c.q), c.want) })
	}

	// Fiscal year from February: quarters Feb–Apr, May–Jul, Aug–Oct, Nov–Jan.
	g := newFixture(t)
	g.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil})
	g.insert("opportunities", oppCols,
		[]any{"H1", nil, "R1", "new_business", nil, "won", "won", 100.0, nil, nil, "2026-01-01", "2026-01-15"},
		[]any{"H2", nil, "R1", "new_business", nil, "won", "won", 200.0, nil, nil, "2026-01-01", "2026-02-01"},
		[]any{"H3", nil, "R1", "new_business", nil, "won", "won", 400.0, nil, nil, "2026-01-01", "2026-04-30 23:00:00"},
		[]any{"H4", nil, "R1", "new_business", nil, "won", "won", 800.0, nil, nil, "2026-01-01", "2026-05-01"},
	)
	e2 := g.engine(Config{Calendar: Calendar{FiscalStartMonth: 2}})
	check(t, g.eval(e2, Query{KPIs: []string{"revenue"}, Grain: Quarter, From: day("2026-01-01"), To: day("2026-06-30")}), []kc{
		at("revenue", "2026-Q4", f64(100)), // H1: Nov 2025–Jan 2026, last quarter of FY Feb 2025–Jan 2026
		at("revenue", "2027-Q1", f64(600)), // H2 + H3: Feb–Apr 2026
		at("revenue", "2027-Q2", f64(800)), // H4
	})
	check(t, g.eval(e2, Query{KPIs: []string{"revenue"}, Grain: Year, From: day("2026-01-01"), To: day("2026-06-30")}), []kc{
		at("revenue", "2026", f64(100)),  // FY ending Jan 2026
		at("revenue", "2027", f64(1400)), // 200 + 400 + 800
	})

	// The calendar itself.
	for _, c := range []struct {
		start int
		g     Grain
		t     string
		want  string
	}{
		{4, Quarter, "2026-02-15", "2026-Q4"},
		{4, Year, "2026-02-15", "2026"},
		{4, Quarter, "2026-04-02", "2027-Q1"},
		{4, Year, "2026-04-02", "2027"},
		{4, Quarter, "2026-03-31", "2026-Q4"},
		{4, Quarter, "2025-12-31", "2026-Q3"},
		{1, Quarter, "2026-02-15", "2026-Q1"},
		{0, Year, "2026-12-31", "2026"},
		{2, Quarter, "2026-01-15", "2026-Q4"}, // FY Feb 2025–Jan 2026, Q4 = Nov–Jan
		{2, Quarter, "2026-02-01", "2027-Q1"},
		{2, Quarter, "2026-04-30", "2027-Q1"}, // Q1 = Feb–Apr
		{2, Quarter, "2026-05-01", "2027-Q2"},
		{10, Year, "2026-09-30", "2026"},
		{10, Year, "2026-10-01", "2027"},
		{0, Month, "2026-03-31", "2026-03"},
	} {
		cal := Calendar{FiscalStartMonth: c.start}
		if got := cal.Label(c.g, cal.BucketStart(c.g, day(c.t))); got != c.want {
			t.Errorf("fiscal start %d, %s of %s = %q, want %q", c.start, c.g, c.t, got, c.want)
		}
	}
}

func TestISOWeekLabels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ t, want string }{
		{"2026-01-01", "2026-W01"}, // Thursday: week 1 of 2026
		{"2025-12-29", "2026-W01"}, // its Monday
		{"2025-12-28", "2025-W52"},
		{"2027-01-01", "2026-W53"}, // Friday: 2026 has 53 ISO weeks
		{"2027-01-04", "2027-W01"},
		{"2026-03-02", "2026-W10"},
	} {
		cal := Calendar{}
		if got := cal.Label(Week, cal.BucketStart(Week, day(c.t))); got != c.want {
			t.Errorf("week of %s = %q, want %q", c.t, got, c.want)
		}
	}
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil})
	f.insert("activities", "activity_id, rep_id, type, occurred_at",
		[]any{"W1", "R1", "call", "2026-01-01 10:00:00"},
		[]any{"W2", "R1", "call", "2025-12-29 00:00:00"},
		[]any{"W3", "R1", "call", "2027-01-01 10:00:00"},
		[]any{"W4", "R1", "call", "2027-01-03 23:59:59"},
		[]any{"W5", "R1", "call", "2027-01-04 00:00:00"},
	)
	e := f.engine(Config{})
	res := f.eval(e, Query{KPIs: []string{"calls_made"}, Grain: Week, From: day("2025-12-29"), To: day("2026-01-04")})
	check(t, res, []kc{at("calls_made", "2026-W01", f64(2))}) // W1, W2
	res = f.eval(e, Query{KPIs: []string{"calls_made"}, Grain: Week, From: day("2026-12-28"), To: day("2027-01-10")})
	check(t, res, []kc{
		at("calls_made", "2026-W53", f64(2)), // W3, W4 (Sunday 2027-01-03)
		at("calls_made", "2027-W01", f64(1)), // W5
	})
}

func TestFromToClipping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil})
	f.insert("activities", "activity_id, rep_id, type, occurred_at",
		[]any{"C1", "R1", "call", "2026-01-10"},          // before From
		[]any{"C2", "R1", "call", "2026-01-15 00:00:00"}, // From itself
		[]any{"C3", "R1", "call", "2026-01-31 12:00:00"},
		[]any{"C4", "R1", "call", "2026-02-10 23:00:00"}, // To is inclusive
		[]any{"C5", "R1", "call", "2026-02-11 00:00:00"}, // after To
	)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-01-15", "2026-02-10", "calls_made"))
	check(t, res, []kc{
		at("calls_made", "2026-01", f64(2)), // C2, C3
		at("calls_made", "2026-02", f64(1)), // C4
	})
	want := map[string][2]time.Time{
		"2026-01": {day("2026-01-15"), day("2026-02-01")},
		"2026-02": {day("2026-02-01"), day("2026-02-11")},
	}
	if len(res.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(res.Rows))
	}
	for _, r := range res.Rows {
		w := want[r.Period.Label]
		if !r.Period.Start.Equal(w[0]) || !r.Period.End.Equal(w[1]) {
			t.Errorf("period %s = [%s, %s), want [%s, %s)", r.Period.Label, r.Period.Start, r.Period.End, w[0], w[1])
		}
	}
	// A clipped period's end snapshot is taken at its clipped end (02-11).
	f.insert("opportunities", oppCols,
		[]any{"K1", nil, "R1", "new_business", nil, "open", "open", 100.0, nil, nil, "2026-02-10 12:00:00", "2026-05-01"},
		[]any{"K2", nil, "R1", "new_business", nil, "open", "open", 200.0, nil, nil, "2026-02-11 00:00:00", "2026-05-01"},
		[]any{"K3", nil, "R1", "new_business", nil, "won", "won", 400.0, nil, nil, "2026-01-20 00:00:00", "2026-02-11 00:00:00"},
	)
	check(t, f.eval(e, monthQuery("2026-01-15", "2026-02-10", "pipeline_value")), []kc{
		at("pipeline_value", "2026-01", f64(400)), // at 02-01: K3
		at("pipeline_value", "2026-02", f64(500)), // at 02-11: K1 + K3 (won at 02-11, not before it); K2 created at 02-11
	})
	// period_months of a clipped period is days ÷ 30.436875
	if got, want := res.Rows[0].Period.Months(), 17/30.436875; math.Abs(got-want) > 1e-12 {
		t.Errorf("January clipped to 17 days: %v months, want %v", got, want)
	}
	if got := (Period{Start: day("2026-02-01"), End: day("2026-03-01")}).Months(); got != 1 {
		t.Errorf("whole February: %v months, want 1", got)
	}
	if got := (Period{Start: day("2026-01-01"), End: day("2026-04-01")}).Months(); got != 3 {
		t.Errorf("whole quarter: %v months, want 3", got)
	}
	if got, want := (Period{Start: day("2026-03-02"), End: day("2026-03-09")}).Months(), 7/30.436875; math.Abs(got-want) > 1e-12 {
		t.Errorf("week: %v months, want %v", got, want)
	}
}

func TestRevenueGrowthFirstPeriod(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("reps", repCols, []any{"R1", "Ann", nil, nil, nil}, []any{"R2", "Bob", nil, nil, nil})
	f.insert("opportunities", oppCols,
		[]any{"G1", nil, "R1", "new_business", nil, "won", "won", 1000.0, nil, nil, "2026-01-01", "2026-02-10"},
		[]any{"G2", nil, "R1", "new_business", nil, "won", "won", 1500.0, nil, nil, "2026-01-01", "2026-03-10"},
		[]any{"G3", nil, "R2", "new_business", nil, "won", "won", 500.0, nil, nil, "2026-01-01", "2026-03-11"},
		[]any{"G4", nil, "R2", "new_business", nil, "won", "won", 400.0, nil, nil, "2026-01-01", "2026-02-11"},
	)
	e := f.engine(Config{})
	for _, c := range []struct {
		name string
		q    Query
		want []kc
	}{
		{"month", monthQuery("2026-03-01", "2026-03-31", "revenue_growth"), []kc{
			at("revenue_growth", "2026-03", f64(2000.0/1400-1)), // March 1500 + 500 over February 1000 + 400
		}},
		{"by rep", Query{KPIs: []string{"revenue_growth"}, By: []string{"rep"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")}, []kc{
			by("revenue_growth", "2026-03", []string{"R1"}, f64(0.5)),  // 1500/1000 - 1
			by("revenue_growth", "2026-03", []string{"R2"}, f64(0.25)), // 500/400 - 1
		}},
		{"quarter", Query{KPIs: []string{"revenue_growth"}, Grain: Quarter, From: day("2026-04-01"), To: day("2026-06-30")}, []kc{
			at("revenue_growth", "2026-Q2", f64(-1)), // 0 / 3400 - 1
		}},
		// The first period clipped to [03-11, 04-01): G2 (03-10) is outside the range, whether
		// or not the query also asks for a KPI that needs the previous period.
		{"clipped first period", monthQuery("2026-03-11", "2026-03-31", "revenue", "revenue_growth"), []kc{
			at("revenue", "2026-03", f64(500)),                 // G3 only
			at("revenue_growth", "2026-03", f64(500.0/1400-1)), // 500 over the whole February (1000 + 400), minus 1
		}},
		{"clipped first period, revenue alone", monthQuery("2026-03-11", "2026-03-31", "revenue"), []kc{
			at("revenue", "2026-03", f64(500)), // G3 only
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := f.eval(e, c.q)
			check(t, res, c.want)
			if len(res.Rows) != len(c.want) {
				t.Errorf("%d rows, want %d (the extra prior period must not be reported)", len(res.Rows), len(c.want))
			}
		})
	}
}

func TestRepsAtQuotaAndWorkloadBalance(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.insert("teams", teamCols, []any{"T1", "Sales", nil, nil})
	f.insert("reps", repCols,
		[]any{"RA", "A", "T1", "2025-01-01", nil},
		[]any{"RB", "B", "T1", "2025-01-01", nil},
		[]any{"RC", "C", "T1", "2025-01-01", nil},          // no quota
		[]any{"RD", "D", "T1", "2025-01-01", "2026-03-15"}, // left in March
		[]any{"RE", "E", "T1", "2026-04-10", nil},          // hired after March
	)
	f.insert("quotas", quotaCol,
		[]any{"QA", "RA", nil, "2026-03-01", "2026-03-31", 1000.0},
		[]any{"QB", "RB", nil, "2026-03-01", "2026-03-31", 1000.0},
		[]any{"QD", "RD", nil, "2026-03-01", "2026-03-31", 1000.0},
	)
	f.insert("opportunities", oppCols,
		[]any{"WA", nil, "RA", "new_business", nil, "won", "won", 1200.0, nil, nil, "2026-02-01", "2026-03-05"},
		[]any{"WB", nil, "RB", "new_business", nil, "won", "won", 500.0, nil, nil, "2026-02-01", "2026-03-05"},
		[]any{"WC", nil, "RC", "new_business", nil, "won", "won", 5000.0, nil, nil, "2026-02-01", "2026-03-05"},
		[]any{"PA", nil, "RA", "new_business", nil, "open", "open", 3000.0, nil, 0.5, "2026-02-01", "2026-05-05"},
		[]any{"PB", nil, "RB", "new_business", nil, "open", "open", 1000.0, nil, 0.5, "2026-02-01", "2026-05-05"},
		[]any{"PD", nil, "RD", "new_business", nil, "open", "open", 2000.0, nil, 0.5, "2026-02-01", "2026-05-05"},
		[]any{"PE", nil, "RE", "new_business", nil, "open", "open", 4000.0, nil, 0.5, "2026-02-01", "2026-05-05"},
	)
	e := f.engine(Config{})
	res := f.eval(e, monthQuery("2026-03-01", "2026-03-31", "reps_at_quota", "workload_balance", "quota_attainment"))
	check(t, res, []kc{
		// RA 1200/1000 ≥ 1; RB 500/1000; RD 0/1000 (has a quota); RC has no quota → left out: 1/3
		at("reps_at_quota", "2026-03", f64(1.0/3)),
		// employed at 04-01: RA 3000, RB 1000, RC 0 (RD left 03-15, RE hired 04-10):
		// mean 4000/3, population variance ((5/3)² + (1/3)² + (4/3)²)/3 × 1000² = 14/9 × 10⁶,
		// sd = √14/3 × 1000 → CV = √14/4
		at("workload_balance", "2026-03", f64(math.Sqrt(14)/4)),
		// revenue of every rep ÷ rep quotas: (1200 + 500 + 5000) / 3000
		at("quota_attainment", "2026-03", f64(6700.0/3000)),
	})
	res = f.eval(e, Query{KPIs: []string{"reps_at_quota", "workload_balance"}, By: []string{"team"}, Grain: Month, From: day("2026-03-01"), To: day("2026-03-31")})
	check(t, res, []kc{
		by("reps_at_quota", "2026-03", []string{"T1"}, f64(1.0/3)),
		by("workload_balance", "2026-03", []string{"T1"}, f64(math.Sqrt(14)/4)),
	})
}

func TestFiltersAndScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDimensions(f)
	e := f.engine(Config{})
	for _, c := range []struct {
		name    string
		filters map[string][]string
		teams   []string
		want    *float64
	}{
		{"no filter", nil, nil, f64(3100)},                                                // 100 + 200 + 400 + 800 + 1600
		{"team T1 keeps its subtree", map[string][]string{"team": {"T1"}}, nil, f64(700)}, // R1 R2 R3
		{"team T2", map[string][]string{"team": {"T2"}}, nil, f64(600)},                   // R2 R3
		{"two teams", map[string][]string{"team": {"T3", "T4"}}, nil, f64(1200)},          // R3 + R4
		{"region", map[string][]string{"region": {"EMEA"}}, nil, f64(300)},                // R1, R2
		{"type", map[string][]string{"type": {"upsell", "renewal"}}, nil, f64(1800)},      // P2 + P5
		{"rep", map[string][]string{"rep": {"R4"}}, nil, f64(800)},
		{"team and type", map[string][]string{"team": {"T2"}, "type": {"new_business"}}, nil, f64(400)}, // P3
		{"scope T2", nil, []string{"T2"}, f64(600)},
		{"scope T3 and T4", nil, []string{"T3", "T4"}, f64(1200)},
		{"scope and filter", map[string][]string{"team": {"T1"}}, []string{"T3"}, f64(400)},
		{"empty scope sees nothing", nil, []string{}, f64(0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := monthQuery("2026-03-01", "2026-03-31", "revenue")
			q.Filters, q.Teams = c.filters, c.teams
			check(t, f.eval(e, q), []kc{at("revenue", "2026-03", c.want)})
		})
	}

	t.Run("unknown team is an error, not a team with nothing in it", func(t *testing.T) {
		q := monthQuery("2026-03-01", "2026-03-31", "revenue")
		q.Filters = map[string][]string{"team": {"T1", "nope"}}
		var qe *QueryError
		if _, err := e.Evaluate(context.Background(), q); !errors.As(err, &qe) || qe.Param != "team" || !strings.Contains(qe.Msg, `"nope"`) {
			t.Errorf("Evaluate = %v, want a QueryError naming team nope", err)
		}
	})

	t.Run("scope with by team", func(t *testing.T) {
		q := monthQuery("2026-03-01", "2026-03-31", "revenue")
		q.Teams = []string{"T2"}
		q.By = []string{"team"}
		res := f.eval(e, q)
		// only R2 (T2) and R3 (T3) count; T1's row rolls them up
		check(t, res, []kc{
			by("revenue", "2026-03", []string{"T1"}, f64(600)),
			by("revenue", "2026-03", []string{"T2"}, f64(600)),
			by("revenue", "2026-03", []string{"T3"}, f64(400)),
		})
	})

	t.Run("errors", func(t *testing.T) {
		ctx := context.Background()
		var qe *QueryError
		_, err := e.Evaluate(ctx, Query{KPIs: []string{"revenue"}, By: []string{"colour"}})
		if !errors.As(err, &qe) {
			t.Errorf("by unknown dimension: err = %v, want *QueryError", err)
		} else if qe.Param != "by" || !strings.Contains(qe.Msg, "colour") {
			t.Errorf("by unknown dimension: %+v", qe)
		}
		_, err = e.Evaluate(ctx, Query{KPIs: []string{"revenue"}, Filters: map[string][]string{"colour": {"red"}}})
		if !errors.As(err, &qe) {
			t.Errorf("filter on unknown dimension: err = %v, want *QueryError", err)
		} else if !strings.Contains(qe.Error(), "colour") {
			t.Errorf("filter on unknown dimension: %v", qe)
		}
		_, err = e.Evaluate(ctx, Query{KPIs: []string{"revenue"}, By: []string{"rep", "rep"}})
		if !errors.As(err, &qe) {
			t.Errorf("dimension twice: err = %v, want *QueryError", err)
		}
		_, err = e.Evaluate(ctx, Query{KPIs: []string{"revenue"}, Grain: "fortnight"})
		if !errors.As(err, &qe) {
			t.Errorf("unknown grain: err = %v, want *QueryError", err)
		}
		_, err = e.Evaluate(ctx, Query{KPIs: []string{"revenue"}, From: day("2026-03-10"), To: day("2026-03-01")})
		if !errors.As(err, &qe) {
			t.Errorf("from after to: err = %v, want *QueryError", err)
		}
		_, err = e.Evaluate(ctx, Query{KPIs: []string{"revenue", "no_such_kpi"}})
		if !errors.Is(err, ErrUnknownKPI) {
			t.Errorf("unknown KPI: err = %v, want ErrUnknownKPI", err)
		} else if !strings.Contains(err.Error(), "no_such_kpi") {
			t.Errorf("unknown KPI error %q does not name it", err)
		}
	})
}

func TestSQLInjection(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedDimensions(f)
	e := f.engine(Config{})
	const evil = "x'); DROP TABLE reps; --"
	countReps := func() int {
		var n int
		if err := f.st.DB().QueryRow("SELECT count(*) FROM reps").Scan(&n); err != nil {
			t.Fatalf("reps table: %v", err)
		}
		return n
	}
	for _, dim := range Dimensions {
		kpis := []string{"revenue", "calls_made"}
		if dim == "record_type" {
			kpis = []string{"measure:dq_records"} // only data quality records have a type
		}
		q := monthQuery("2026-03-01", "2026-03-31", kpis...)
		q.Filters = map[string][]string{dim: {evil, evil + `"`, `'; DELETE FROM opportunities; --`}}
		if dim == "team" {
			// Teams are looked up first: no such team, and nothing run.
			var qe *QueryError
			if _, err := e.Evaluate(context.Background(), q); !errors.As(err, &qe) || qe.Param != "team" {
				t.Errorf("team %q: %v, want a QueryError", evil, err)
			}
			continue
		}
		res := f.eval(e, q)
		for _, k := range kpis {
			check(t, res, []kc{at(k, "2026-03", f64(0))}) // no record has that value
		}
	}
	q := monthQuery("2026-03-01", "2026-03-31", "revenue")
	q.Teams = []string{evil}
	check(t, f.eval(e, q), []kc{at("revenue", "2026-03", f64(0))})

	// A stored dimension value with SQL in it is just a value.
	q = monthQuery("2026-03-01", "2026-03-31", "new_leads")
	q.By = []string{"source"}
	check(t, f.eval(e, q), []kc{by("new_leads", "2026-03", []string{evil}, f64(1))}) // LD5
	q.By = nil
	q.Filters = map[string][]string{"source": {evil}}
	check(t, f.eval(e, q), []kc{at("new_leads", "2026-03", f64(1))})

	if n := countReps(); n != 5 {
		t.Errorf("reps: %d rows, want 5", n)
	}
	var n int
	if err := f.st.DB().QueryRow("SELECT count(*) FROM opportunities").Scan(&n); err != nil || n != 5 {
		t.Errorf("opportunities: %d rows (%v), want 5", n, err)
	}
}

func TestEmptyDatabase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.engine(Config{})
	// Without a range and without data there is nothing to report.
	res := f.eval(e, Query{})
	if len(res.Rows) != 0 || len(res.Notes) == 0 {
		t.Errorf("empty database: %d rows, notes %q; want no rows and a note", len(res.Rows), res.Notes)
	}
	// With a range every KPI reports its empty value: counts and sums 0, the rest null.
	res = f.eval(e, monthQuery("2026-03-01", "2026-03-31"))
	zero := map[string]bool{"calls_made": true, "emails_sent": true, "meetings_scheduled": true, "meetings_held": true,
		"new_leads": true, "revenue": true, "upsell_cross_sell_revenue": true, "new_customers": true, "mrr": true, "arr": true,
		"pipeline_value": true, "weighted_pipeline": true, "pipeline_created": true}
	var cases []kc
	cat, err := LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range cat.KPIs() {
		if zero[k.ID] {
			cases = append(cases, at(k.ID, "2026-03", f64(0)))
		} else {
			cases = append(cases, at(k.ID, "2026-03", nullV))
		}
	}
	check(t, res, cases)
}
