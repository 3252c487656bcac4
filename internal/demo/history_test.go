package demo

import (
	"strconv"
	"testing"
	"time"
)

// TestOpportunityHistory checks opportunity_history.csv against the deals it
// describes: one block of rows per deal in time order, starting at creation
// with every value known then, staying inside the deal's life and ending at
// the values opportunities.csv shows.
func TestOpportunityHistory(t *testing.T) {
	for _, cfg := range []Config{standard, {Seed: 3, Reps: 23, Months: 7, End: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}} {
		files := generated(t, cfg)
		end := cfg.End
		if end.IsZero() {
			end = DefaultEnd
		}
		opps := map[string]map[string]string{}
		for _, o := range files["opportunities.csv"].rows {
			opps[o["opportunity_id"]] = o
		}
		firstStage := map[string]string{}
		for _, s := range files["opportunity_stages.csv"].rows {
			if _, ok := firstStage[s["opportunity_id"]]; !ok {
				firstStage[s["opportunity_id"]] = s["stage"]
			}
		}
		hist := map[string][]map[string]string{}
		var order []string
		for _, h := range files["opportunity_history.csv"].rows {
			id := h["opportunity_id"]
			if opps[id] == nil {
				t.Fatalf("history of %s, which is not in opportunities.csv", id)
			}
			if rows := hist[id]; rows == nil {
				order = append(order, id)
			} else if order[len(order)-1] != id {
				t.Fatalf("%s: history rows not together", id)
			}
			hist[id] = append(hist[id], h)
		}
		if len(hist) != len(opps) {
			t.Errorf("%d of %d deals have a history", len(hist), len(opps))
		}
		var multi, slipped, pulled, revised int
		for id, rows := range hist {
			o := opps[id]
			created := ts(t, o["created_at"])
			// changed_at stays in [created_at, close_date] (the whole closing
			// day) for closed deals and in [created_at, end) for open ones.
			limit := end
			if o["status"] != "open" {
				limit = ts(t, o["close_date"]).AddDate(0, 0, 1)
			}
			first := rows[0]
			if first["changed_at"] != o["created_at"] {
				t.Errorf("%s: history starts %s, created %s", id, first["changed_at"], o["created_at"])
			}
			if first["amount"] == "" || first["close_date"] == "" || first["forecast_category"] == "" || first["stage"] != firstStage[id] {
				t.Errorf("%s: first history row incomplete: %v", id, first)
			}
			if ts(t, first["close_date"]).Before(created.Truncate(24 * time.Hour)) {
				t.Errorf("%s: expected to close %s before it was created", id, first["close_date"])
			}
			last := map[string]string{}
			var prevAt time.Time
			var prevAmount float64
			for k, h := range rows {
				at := ts(t, h["changed_at"])
				if at.Before(created) || !at.Before(limit) {
					t.Errorf("%s: changed at %s outside [%s, %s)", id, h["changed_at"], o["created_at"], limit.Format(time.RFC3339))
				}
				if k > 0 && !at.After(prevAt) {
					t.Errorf("%s: history not in time order at %s", id, h["changed_at"])
				}
				prevAt = at
				if k > 0 && h["amount"] == "" && h["close_date"] == "" && h["probability"] == "" && h["forecast_category"] == "" && h["stage"] == "" {
					t.Errorf("%s: history row at %s changes nothing", id, h["changed_at"])
				}
				if v := h["close_date"]; v != "" && last["close_date"] != "" {
					if v > last["close_date"] {
						slipped++
					} else if v < last["close_date"] {
						pulled++
					}
				}
				if v := h["amount"]; v != "" {
					a, _ := strconv.ParseFloat(v, 64)
					if k > 0 {
						revised++
						if r := a / prevAmount; r < 0.6 || r > 1.45 {
							t.Errorf("%s: amount revised from %v to %v", id, prevAmount, a)
						}
					}
					prevAmount = a
				}
				for col, v := range h {
					if v != "" {
						last[col] = v
					}
				}
			}
			if len(rows) >= 2 {
				multi++
			}
			want, _ := strconv.ParseFloat(o["amount"], 64)
			if prevAmount != want {
				t.Errorf("%s: history ends at amount %v, deal says %v", id, prevAmount, want)
			}
			if last["stage"] != o["stage"] || last["forecast_category"] != o["forecast_category"] || last["probability"] != o["probability"] {
				t.Errorf("%s: history ends at %s/%s/%s, deal says %s/%s/%s", id, last["stage"], last["forecast_category"],
					last["probability"], o["stage"], o["forecast_category"], o["probability"])
			}
			if o["status"] == "open" && last["close_date"] != o["close_date"] {
				t.Errorf("%s: history ends expecting %s, deal says %s", id, last["close_date"], o["close_date"])
			}
		}
		n := float64(len(hist))
		if float64(multi)/n < 0.5 {
			t.Errorf("only %d of %d deals changed after creation", multi, len(hist))
		}
		if float64(slipped)/n < 0.1 || pulled == 0 || float64(pulled) >= float64(slipped) {
			t.Errorf("close dates moved out %d and in %d times over %d deals", slipped, pulled, len(hist))
		}
		if float64(revised)/n < 0.05 {
			t.Errorf("amounts revised only %d times over %d deals", revised, len(hist))
		}
	}
}
