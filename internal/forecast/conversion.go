package forecast

import (
	"sort"
	"time"
)

// HistoricalConversion forecasts from how pipeline has converted before.
const HistoricalConversion = "historical_conversion"

// Defaults of the historical-conversion method.
const (
	// conversionLookback is how many past month starts the conversion rates are
	// pooled over: a year, so every season counts once.
	conversionLookback = 12
	// creationLookback is how many recent months set the rate at which new
	// pipeline is created: short, so a growing team is followed.
	creationLookback = 3
)

// flow holds, month by month, the pipeline that was open at each month's start
// and what became of it, and the pipeline created in each month and what
// became of that: the raw material of the historical-conversion method.
//
// Months are indexed from the first month with data; open[i][s] is the amount
// (as it stood then) of deals open at month i's start in stage s, and
// openWon[i][s][j] the final amount of those of them won in month i+j.
// created[c] is the amount created in month c and createdWon[c][l] the final
// amount of those deals won in month c+l.
type flow struct {
	months     []time.Time // month starts; months[len-1] is the end of the last
	stages     []string    // stage names; index 0 is "" (stage not on record)
	open       [][]float64
	openWon    [][][]float64
	created    []float64
	createdWon [][]float64
	horizon    int // j and l run below horizon
	lookback   int // month starts the rates pool over (conversionLookback)
}

// buildFlow passes once over the deals. months are consecutive month starts
// (the last one closing the range) and horizon bounds how many months ahead a
// rate is kept.
func buildFlow(deals []*pitDeal, months []time.Time, horizon int) *flow {
	n := len(months) - 1
	f := &flow{months: months, stages: []string{""}, horizon: horizon, lookback: conversionLookback,
		open: make([][]float64, n), openWon: make([][][]float64, n),
		created: make([]float64, n), createdWon: make([][]float64, n)}
	stageIdx := map[string]int{"": 0}
	for c := range n {
		f.createdWon[c] = make([]float64, horizon)
	}
	index := func(t time.Time) int { // the month holding t; −1 before, n after
		return sort.Search(len(months), func(i int) bool { return months[i].After(t) }) - 1
	}
	for _, d := range deals {
		c := index(d.created)
		k := n // the month the deal closed in; n while open
		if !d.closed.IsZero() {
			k = index(d.closed)
		}
		if c >= 0 && c < n {
			f.created[c] += d.amountAt(d.created.Add(time.Nanosecond))
			if d.won && k < n && k-c < horizon {
				f.createdWon[c][k-c] += d.amount
			}
		}
		// Open at the start of month i: created before it, not closed before it.
		for i := max(c+1, 0); i < n && i <= k; i++ {
			s := d.stageAt(months[i])
			si, ok := stageIdx[s]
			if !ok {
				si = len(f.stages)
				stageIdx[s] = si
				f.stages = append(f.stages, s)
			}
			for len(f.open[i]) <= si {
				f.open[i] = append(f.open[i], 0)
				f.openWon[i] = append(f.openWon[i], make([]float64, horizon))
			}
			f.open[i][si] += d.amountAt(months[i])
			if d.won && k < n && k-i < horizon {
				f.openWon[i][si][k-i] += d.amount
			}
		}
	}
	return f
}

// openRate is the share of the amount open at a month's start in stage s that
// was won j months later (0 = within that month), pooled over the month
// starts in the lookback before t whose outcome j months on is known by t.
// It falls back to the rate over all stages when the stage has no history.
func (f *flow) openRate(t, s, j int) (float64, bool) {
	var won, open, allWon, allOpen float64
	for i := max(t-f.lookback-j, 0); i+j < t; i++ {
		for si := range f.open[i] {
			allOpen += f.open[i][si]
			allWon += f.openWon[i][si][j]
			if si == s {
				open += f.open[i][si]
				won += f.openWon[i][si][j]
			}
		}
	}
	switch {
	case open > 0:
		return won / open, true
	case allOpen > 0:
		return allWon / allOpen, true
	}
	return 0, false
}

// cohortRate is the share of the amount created in a month that was won l
// months later, pooled over the months in the lookback before t whose outcome
// l months on is known by t.
func (f *flow) cohortRate(t, l int) (float64, bool) {
	var won, created float64
	for c := max(t-f.lookback-l, 0); c+l < t; c++ {
		created += f.created[c]
		won += f.createdWon[c][l]
	}
	if created == 0 {
		return 0, false
	}
	return won / created, true
}

// conversionForecast is the won amount expected in month t+j, as seen at month
// t's start: the pipeline open then, stage by stage, at the rate such pipeline
// was won j months on, plus the pipeline still to be created in months t..t+j
// (at the recent creation rate) at the rate a month's new pipeline was won
// l months on. ok is false when month t has no converted history behind it.
func (f *flow) conversionForecast(t, j int) (value float64, ok bool) {
	if t <= 0 || t >= len(f.open) || j >= f.horizon {
		return 0, false
	}
	for s, amount := range f.open[t] {
		if amount == 0 {
			continue
		}
		r, rok := f.openRate(t, s, j)
		if !rok {
			return 0, false
		}
		value += amount * r
	}
	var recent float64
	nm := 0
	for c := max(t-creationLookback, 0); c < t; c++ {
		recent += f.created[c]
		nm++
	}
	recent /= float64(nm)
	for l := 0; l <= j; l++ {
		r, rok := f.cohortRate(t, l)
		if !rok {
			return 0, false
		}
		value += recent * r
	}
	return value, true
}
