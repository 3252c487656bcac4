package insight

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/salesops/salesops/internal/alerts"
	"github.com/salesops/salesops/internal/goals"
	"github.com/salesops/salesops/internal/goals/calc"
	"github.com/salesops/salesops/internal/insight/trend"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// Item is one finding of the feed.
type Item struct {
	Kind     string            `json:"kind"`     // anomaly, trend, goal, alert
	Severity string            `json:"severity"` // bad, good, info
	Text     string            `json:"text"`
	KPI      string            `json:"kpi,omitempty"`
	Period   string            `json:"period,omitempty"`
	Filters  map[string]string `json:"filters,omitempty"`
	Score    float64           `json:"score"` // for ranking: robust deviations, |z|, or a fixed weight
}

// Feed is what deserves a look across the catalog for a scope: the latest
// period's anomalies, significant trends over the series, goals at risk or off
// track, and open alerts — the bad news first, each ranked by its strength.
func Feed(ctx context.Context, eng *kpi.Engine, st store.Store, q Query) ([]Item, error) {
	analyses, err := Analyse(ctx, eng, q)
	if err != nil {
		return nil, err
	}
	filters := map[string]string{}
	for k, v := range q.Filters {
		filters[k] = strings.Join(v, ",")
	}
	var items []Item
	for _, a := range analyses {
		if len(a.Anomalies.Points) == 0 {
			continue
		}
		last := len(a.Anomalies.Points) - 1
		if p := a.Anomalies.Points[last]; p.Status == trend.Anomaly && p.Score != nil && a.Values[last] != nil {
			good := (p.Side == trend.High) == (a.KPI.Direction == "higher")
			items = append(items, Item{Kind: "anomaly", Severity: severity(good), KPI: a.KPI.ID, Period: a.Periods[last], Filters: filters,
				Score: math.Abs(*p.Score),
				Text: fmt.Sprintf("%s was unusually %s in %s: %s against about %s expected from its history", a.KPI.Name, p.Side, a.Periods[last],
					kpi.Readable(a.KPI.Unit, a.Values[last]), kpi.Readable(a.KPI.Unit, p.Expected))})
		}
		if t := a.Trend; t.Significant && t.RelSlope != nil && math.Abs(*t.RelSlope) >= 0.005 {
			good := (t.Direction == trend.Up) == (a.KPI.Direction == "higher")
			items = append(items, Item{Kind: "trend", Severity: severity(good), KPI: a.KPI.ID, Period: a.Periods[len(a.Periods)-1], Filters: filters,
				Score: math.Abs(t.Z),
				Text: fmt.Sprintf("%s has trended %s over the last %d %ss, about %+.1f%% a %s (p = %.3f)", a.KPI.Name, t.Direction, t.N,
					a.Grain, 100**t.RelSlope, a.Grain, t.P)})
		}
	}
	if st != nil {
		more, err := goalsAndAlerts(ctx, eng, st, q.Filters)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	rank := map[string]int{"bad": 0, "info": 1, "good": 2}
	sort.SliceStable(items, func(i, j int) bool {
		if rank[items[i].Severity] != rank[items[j].Severity] {
			return rank[items[i].Severity] < rank[items[j].Severity]
		}
		return items[i].Score > items[j].Score
	})
	if items == nil {
		items = []Item{}
	}
	return items, nil
}

func severity(good bool) string {
	if good {
		return "good"
	}
	return "bad"
}

// goalsAndAlerts adds the goals in progress that are at risk or off track (as
// of today, like 'salesops goals status') and the open alerts.
//
// With a scope, only the goals and alerts of exactly that scope are listed: a
// team's goal for that team, an alert whose rule watches that scope.
func goalsAndAlerts(ctx context.Context, eng *kpi.Engine, st store.Store, filters map[string][]string) ([]Item, error) {
	goalScope, alertSubject := "org", "org"
	if len(filters) > 0 {
		goalScope, alertSubject = "", ""
		var parts []string
		for _, k := range sortedDims(filters) {
			parts = append(parts, k+"="+strings.Join(filters[k], ","))
		}
		alertSubject = strings.Join(parts, ",")
		for _, kind := range []string{"team", "rep"} {
			if v := filters[kind]; len(filters) == 1 && len(v) == 1 {
				goalScope = kind + ":" + v[0]
			}
		}
	}
	var items []Item
	list, err := goals.Stored(ctx, st)
	if err != nil {
		return nil, err
	}
	at := eng.Today().AddDate(0, 0, 1) // the end of today
	tr := &goals.Tracker{Eng: eng}
	for _, g := range list {
		if at.Before(g.Start) || !at.Before(g.End) || g.Scope != goalScope {
			continue
		}
		s, err := tr.Status(ctx, g, at)
		if err != nil {
			return nil, err
		}
		if s.State != calc.AtRisk && s.State != calc.OffTrack {
			continue
		}
		score := 5.0 // off track above any ordinary anomaly
		if s.State == calc.AtRisk {
			score = 3
		}
		target, actual, projected := s.Target, s.Actual, s.Projected
		items = append(items, Item{Kind: "goal", Severity: "bad", KPI: g.KPI, Period: g.Period, Score: score,
			Filters: scopeFilter(g.Scope),
			Text: fmt.Sprintf("Goal %s is %s: %s of %s so far, on pace for %s", g.ID, strings.ReplaceAll(string(s.State), "_", " "),
				kpi.Readable(s.Unit, &actual), kpi.Readable(s.Unit, &target), kpi.Readable(s.Unit, &projected))})
	}
	open, err := alerts.History(ctx, st, alerts.HistoryQuery{Limit: 20})
	if err != nil {
		return nil, err
	}
	for _, ev := range open {
		if ev.Subject != alertSubject && !(alertSubject == "org" && strings.HasPrefix(ev.Subject, "goal:")) {
			continue
		}
		items = append(items, Item{Kind: "alert", Severity: "bad", KPI: ev.KPI, Period: ev.Period, Score: 4, Text: "Alert " + ev.Rule + ": " + ev.Message})
	}
	return items, nil
}

func sortedDims(f map[string][]string) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scopeFilter turns a goal's scope (org, team:ID, rep:ID) into filters.
func scopeFilter(scope string) map[string]string {
	kind, id, ok := strings.Cut(scope, ":")
	if !ok {
		return nil
	}
	return map[string]string{kind: id}
}
