package kpi

import (
	"testing"
	"time"
)

func TestParseLabel(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	tests := []struct {
		name       string
		fiscal     int
		label      string
		grain      Grain
		start, end string
	}{
		{"calendar year", 1, "2026", Year, "2026-01-01", "2027-01-01"},
		{"calendar quarter", 1, "2026-Q2", Quarter, "2026-04-01", "2026-07-01"},
		{"month", 1, "2026-03", Month, "2026-03-01", "2026-04-01"},
		// 2026-01-01 is a Thursday, so ISO week 1 starts Monday 2025-12-29.
		{"iso week 1", 1, "2026-W01", Week, "2025-12-29", "2026-01-05"},
		// 2026 has 53 ISO weeks (it starts on a Thursday): W53 starts 2026-12-28.
		{"iso week 53", 1, "2026-W53", Week, "2026-12-28", "2027-01-04"},
		// Fiscal year from April, labelled by the year it ends in: FY2026 = Apr 2025 – Mar 2026.
		{"fiscal year", 4, "2026", Year, "2025-04-01", "2026-04-01"},
		{"fiscal Q1", 4, "2026-Q1", Quarter, "2025-04-01", "2025-07-01"},
		{"fiscal Q4", 4, "2026-Q4", Quarter, "2026-01-01", "2026-04-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Calendar{FiscalStartMonth: tt.fiscal}
			g, p, err := c.ParseLabel(tt.label)
			if err != nil {
				t.Fatal(err)
			}
			if g != tt.grain || !p.Start.Equal(d(tt.start)) || !p.End.Equal(d(tt.end)) || p.Label != tt.label {
				t.Errorf("got %s %s [%s, %s), want %s %s [%s, %s)", g, p.Label, p.Start.Format("2006-01-02"), p.End.Format("2006-01-02"), tt.grain, tt.label, tt.start, tt.end)
			}
		})
	}
	for _, bad := range []string{"", "26", "2026-Q5", "2026-13", "2025-W53", "2026-W00", "20x6", "2026/03", "2026-Q1x"} {
		if _, _, err := (Calendar{FiscalStartMonth: 1}).ParseLabel(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestCumulative(t *testing.T) {
	c, err := LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	// Sums and counts of rows by their instant add up over a period; rates,
	// averages and snapshots do not.
	for id, want := range map[string]bool{
		"revenue": true, "calls_made": true, "pipeline_created": true, "new_customers": true, "upsell_cross_sell_revenue": true,
		"win_rate": false, "average_deal_size": false, "mrr": false, "arr": false, "pipeline_value": false,
		"sales_cycle_days": false, "quota_attainment": false, "revenue_growth": false, "nope": false,
	} {
		if got := c.Cumulative(id); got != want {
			t.Errorf("Cumulative(%s) = %v, want %v", id, got, want)
		}
	}
}
