package server

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
)

// timeFixture is the hand-worked two-rep organisation of package timevalue:
//
//	R1 (T1): 20 h selling, 10 h non-selling (data entry 3, quoting 1, travel 2,
//	         admin 4); won 16,000 → 800 per selling hour
//	R2 (T2 ⊂ T1): 10 h selling, 10 h non-selling (order processing 5,
//	         internal meetings 3, data entry 2); won 3,000 → 300 per selling hour
var timeFixture = filepath.Join("..", "insight", "timevalue", "testdata", "tworeps")

type timeJSON struct {
	By         string `json:"by"`
	Start, End string
	Allocation []struct {
		Period       string             `json:"period"`
		Group        *string            `json:"group"`
		Minutes      map[string]float64 `json:"minutes"`
		SellingShare *float64           `json:"selling_share"`
	} `json:"allocation"`
	Model struct {
		Assumptions struct {
			ReducePercent  float64  `json:"reduce_percent"`
			Categories     []string `json:"categories"`
			ReclaimPercent float64  `json:"reclaim_percent"`
			Productivity   float64  `json:"productivity"`
		} `json:"assumptions"`
		Explanation []string `json:"explanation"`
		Reps        []struct {
			Rep                   string   `json:"rep"`
			RevenuePerSellingHour *float64 `json:"revenue_per_selling_hour"`
			ProjectedGain         *float64 `json:"projected_gain"`
		} `json:"reps"`
		Teams []struct {
			Team          string   `json:"team"`
			ProjectedGain *float64 `json:"projected_gain"`
		} `json:"teams"`
		Total struct {
			ProjectedGain     *float64 `json:"projected_gain"`
			ExtraSellingHours float64  `json:"extra_selling_hours"`
		} `json:"total"`
	} `json:"value_model"`
	DataVersion *int64 `json:"data_version"`
}

func getTime(t *testing.T, base, query string, wantStatus int) (timeJSON, apiErrorJSON) {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/time" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET /api/v1/time%s: %d %s, want %d", query, resp.StatusCode, body, wantStatus)
	}
	var ok timeJSON
	var bad apiErrorJSON
	if wantStatus == http.StatusOK {
		if err := json.Unmarshal(body, &ok); err != nil {
			t.Fatalf("decode: %v\n%s", err, body)
		}
	} else if err := json.Unmarshal(body, &bad); err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	return ok, bad
}

type apiErrorJSON struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Param   string `json:"param"`
	} `json:"error"`
}

func val(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestTimeAPI(t *testing.T) {
	base := startServer(t, timeFixture)

	// Defaults: all non-selling time −20%, all reclaimed, productivity 1.
	//   R1 10 h × 0.2 = 2 h × 800 = 1,600; R2 10 h × 0.2 = 2 h × 300 = 600; total 2,200.
	got, _ := getTime(t, base, "", http.StatusOK)
	if got.By != "rep" || len(got.Model.Reps) != 2 || got.DataVersion == nil {
		t.Fatalf("answer %+v", got)
	}
	r1, r2 := got.Model.Reps[0], got.Model.Reps[1]
	if r1.Rep != "R1" || !near(val(r1.RevenuePerSellingHour), 800) || !near(val(r1.ProjectedGain), 1600) {
		t.Errorf("R1: rate %v gain %v, want 800 and 1600", val(r1.RevenuePerSellingHour), val(r1.ProjectedGain))
	}
	if r2.Rep != "R2" || !near(val(r2.RevenuePerSellingHour), 300) || !near(val(r2.ProjectedGain), 600) {
		t.Errorf("R2: rate %v gain %v, want 300 and 600", val(r2.RevenuePerSellingHour), val(r2.ProjectedGain))
	}
	if !near(val(got.Model.Total.ProjectedGain), 2200) || !near(got.Model.Total.ExtraSellingHours, 4) {
		t.Errorf("total gain %v from %v h, want 2200 from 4", val(got.Model.Total.ProjectedGain), got.Model.Total.ExtraSellingHours)
	}
	as := got.Model.Assumptions
	if as.ReducePercent != 20 || as.ReclaimPercent != 100 || as.Productivity != 1 || len(as.Categories) != 9 || len(got.Model.Explanation) == 0 {
		t.Errorf("assumptions %+v, explanation %q", as, got.Model.Explanation)
	}
	// R1 in January: 600 selling of 960 minutes = 0.625.
	found := false
	for _, a := range got.Allocation {
		if a.Period == "2026-01" && a.Group != nil && *a.Group == "R1" {
			found = true
			if !near(val(a.SellingShare), 0.625) || a.Minutes["data_entry"] != 180 {
				t.Errorf("R1 January: %+v", a)
			}
		}
	}
	if !found {
		t.Errorf("no R1 January allocation in %+v", got.Allocation)
	}

	// Data entry, order processing and quoting only:
	//   R1 (3 + 1) h × 0.2 = 0.8 h × 800 = 640; R2 (5 + 2) h × 0.2 = 1.4 h × 300 = 420; total 1,060.
	got, _ = getTime(t, base, "?reduce=20&categories=data_entry,order_processing,quoting", http.StatusOK)
	if !near(val(got.Model.Total.ProjectedGain), 1060) || len(got.Model.Assumptions.Categories) != 3 {
		t.Errorf("selected categories: total %v, categories %q; want 1060", val(got.Model.Total.ProjectedGain), got.Model.Assumptions.Categories)
	}

	// By team, half reclaimed at productivity 0.8:
	//   R1 0.8 h × 0.5 × 800 × 0.8 = 256; R2 1.4 h × 0.5 × 300 × 0.8 = 168
	//   T1 (both) = 424; T2 (R2) = 168.
	got, _ = getTime(t, base, "?by=team&period=quarter&categories=data_entry,order_processing,quoting&reclaim=50&productivity=0.8", http.StatusOK)
	teams := map[string]any{}
	for _, tm := range got.Model.Teams {
		teams[tm.Team] = val(tm.ProjectedGain)
	}
	if got.By != "team" || !near(teams["T1"], 424) || !near(teams["T2"], 168) || !near(val(got.Model.Total.ProjectedGain), 424) {
		t.Errorf("by team: %v, total %v; want T1 424, T2 168", teams, val(got.Model.Total.ProjectedGain))
	}

	// team=T2 keeps R2 alone: 600.
	got, _ = getTime(t, base, "?team=T2", http.StatusOK)
	if len(got.Model.Reps) != 1 || !near(val(got.Model.Total.ProjectedGain), 600) {
		t.Errorf("team T2: %+v", got.Model)
	}

	// The cached allocation is shared, the model is not: reduce 50% after 20%
	// on the same data gives 10 h × 0.5 × 800 + 10 h × 0.5 × 300 = 5,500.
	got, _ = getTime(t, base, "?reduce=50", http.StatusOK)
	if !near(val(got.Model.Total.ProjectedGain), 5500) {
		t.Errorf("reduce 50: total %v, want 5500", val(got.Model.Total.ProjectedGain))
	}
}

func TestTimeAPIErrors(t *testing.T) {
	base := startServer(t, timeFixture)
	for _, c := range []struct{ query, param string }{
		{"?by=region", "by"},
		{"?period=fortnight", "period"},
		{"?period=month&period=week", "period"},
		{"?from=2026-13-01", "from"},
		{"?from=2026-02-01&to=2026-01-01", "to"},
		{"?reduce=abc", "reduce"},
		{"?reduce=150", "reduce"},
		{"?reduce=-1", "reduce"},
		{"?reduce=NaN", "reduce"},
		{"?reduce=10&reduce=20", "reduce"},
		{"?reclaim=101", "reclaim"},
		{"?productivity=3", "productivity"},
		{"?productivity=x", "productivity"},
		{"?categories=selling", "categories"},
		{"?categories=data_entry,lunch", "categories"},
		{"?segment=smb", "segment"},
		{"?colour=red", "colour"},
	} {
		_, e := getTime(t, base, c.query, http.StatusBadRequest)
		if e.Error.Code != "bad_request" || e.Error.Param != c.param || e.Error.Message == "" {
			t.Errorf("%s: %+v, want bad_request naming %s", c.query, e.Error, c.param)
		}
	}
}
