package trend

import (
	"math"
	"math/rand/v2"
	"testing"
)

// seasonalSeries is months of 100 + slope·t + 10·sin(2πt/12) plus normal
// noise of standard deviation 1: a swing of ±10 σ that must not be
// mistaken for anomalies. Peaks are at t ≡ 3 (mod 12), troughs at t ≡ 9.
func seasonalSeries(rng *rand.Rand, months int, slope float64) []float64 {
	values := make([]float64, months)
	for t := range values {
		values[t] = 100 + slope*float64(t) + 10*math.Sin(2*math.Pi*float64(t)/12) + rng.NormFloat64()
	}
	return values
}

// alarmStats counts, over seeded trials, the judged points other than the
// injected one, the anomalies among them (false alarms), those at the
// seasonal peaks, and how often the injected point was found on the right
// side.
type alarmStats struct {
	judged, falseAlarms, peakJudged, peakAlarms, found, trials int
}

func (s alarmStats) falseRate() float64 { return float64(s.falseAlarms) / float64(s.judged) }
func (s alarmStats) foundRate() float64 { return float64(s.found) / float64(s.trials) }

// measure makes trials series with gen, adds shift·σ (σ = 1) at a random
// position from first on when shift ≠ 0, and tallies the verdicts.
func measure(t *testing.T, trials, season, first int, shift float64, gen func(*rand.Rand) []float64) alarmStats {
	t.Helper()
	var st alarmStats
	st.trials = trials
	for seed := range trials {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		values := gen(rng)
		at := -1
		if shift != 0 {
			at = first + rng.IntN(len(values)-first)
			values[at] += shift
		}
		r := Anomalies(values, season, AnomalyOptions{})
		for _, p := range r.Points {
			if p.Score == nil {
				continue
			}
			if p.Index == at {
				want := High
				if shift < 0 {
					want = Low
				}
				if p.Status == Anomaly && p.Side == want {
					st.found++
				}
				continue
			}
			st.judged++
			peak := season == 12 && p.Index%12 == 3
			if peak {
				st.peakJudged++
			}
			if p.Status == Anomaly {
				st.falseAlarms++
				if peak {
					st.peakAlarms++
				}
			}
		}
	}
	return st
}

func TestAnomaliesSeasonalNoFalseAlarms(t *testing.T) {
	tests := []struct {
		name   string
		months int
		slope  float64
	}{
		{"36 months", 36, 0},
		{"48 months", 48, 0},
		{"48 months rising", 48, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := measure(t, 400, 12, 12, 0, func(rng *rand.Rand) []float64 {
				return seasonalSeries(rng, tt.months, tt.slope)
			})
			t.Logf("false alarms: %d of %d judged points (%.2f %%); at the seasonal peaks %d of %d",
				st.falseAlarms, st.judged, 100*st.falseRate(), st.peakAlarms, st.peakJudged)
			// Normal noise past 3.5 σ: 0.05 %; the noise in the estimated
			// expected values and scale fattens that a little.
			if st.falseRate() >= 0.01 {
				t.Errorf("false-alarm rate %.4f, want < 1 %% of points", st.falseRate())
			}
			// A peak ten noise σ above the mean would be flagged every
			// time if the season were ignored; here it must be as quiet as
			// any other month.
			if rate := float64(st.peakAlarms) / float64(st.peakJudged); rate >= 0.01 {
				t.Errorf("false-alarm rate at the peaks %.4f, want < 1 %%", rate)
			}
		})
	}
}

func TestAnomaliesSeasonalSpikeFound(t *testing.T) {
	// The injected month's expected value comes from the other two or three
	// years of that month, so its prediction error has a standard deviation
	// of about √(1 + 1/3) = 1.15 σ with 48 months, more with the noise of
	// the estimated scale; a +6 σ month scores about 5 on average. Hence
	// "nearly always" needs about 8 σ at K = 3.5.
	tests := []struct {
		name    string
		months  int
		shift   float64
		atLeast float64
	}{
		{"48 months, +8σ", 48, 8, 0.95},
		{"48 months, −8σ", 48, -8, 0.95},
		{"48 months, +6σ", 48, 6, 0.80},
		{"36 months, +8σ", 36, 8, 0.90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := measure(t, 400, 12, 12, tt.shift, func(rng *rand.Rand) []float64 {
				return seasonalSeries(rng, tt.months, 0)
			})
			t.Logf("found on the right side in %d of %d trials (%.1f %%); other points flagged %.2f %%",
				st.found, st.trials, 100*st.foundRate(), 100*st.falseRate())
			if st.foundRate() < tt.atLeast {
				t.Errorf("found in %.3f of trials, want ≥ %.2f", st.foundRate(), tt.atLeast)
			}
			if st.falseRate() >= 0.01 {
				t.Errorf("false-alarm rate %.4f with a spike, want < 1 %%", st.falseRate())
			}
		})
	}
}

func TestAnomaliesWithoutSeason(t *testing.T) {
	noise := func(rng *rand.Rand) []float64 {
		values := make([]float64, 36)
		for i := range values {
			values[i] = 50 + 0.3*float64(i) + rng.NormFloat64()
		}
		return values
	}
	st := measure(t, 400, 0, DefaultMinHistory, 0, noise)
	t.Logf("no season: false alarms %.2f %% of %d judged points", 100*st.falseRate(), st.judged)
	if st.falseRate() >= 0.01 {
		t.Errorf("false-alarm rate %.4f, want < 1 %%", st.falseRate())
	}
	st = measure(t, 400, 0, DefaultMinHistory, 6, noise)
	t.Logf("no season, +6σ: found in %.1f %% of trials", 100*st.foundRate())
	if st.foundRate() < 0.90 {
		t.Errorf("+6σ found in %.3f of trials, want ≥ 0.90", st.foundRate())
	}
}

func TestAnomaliesWeeklyAndQuarterly(t *testing.T) {
	tests := []struct {
		name            string
		season, periods int
		trials          int
	}{
		{"156 weeks", 52, 156, 60},
		{"20 quarters", 4, 20, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gen := func(rng *rand.Rand) []float64 {
				values := make([]float64, tt.periods)
				for i := range values {
					values[i] = 100 + 10*math.Sin(2*math.Pi*float64(i)/float64(tt.season)) + rng.NormFloat64()
				}
				return values
			}
			st := measure(t, tt.trials, tt.season, tt.season, 0, gen)
			t.Logf("false alarms %.2f %% of %d judged points", 100*st.falseRate(), st.judged)
			if st.falseRate() >= 0.01 {
				t.Errorf("false-alarm rate %.4f, want < 1 %%", st.falseRate())
			}
			st = measure(t, tt.trials, tt.season, tt.season, 8, gen)
			t.Logf("+8σ found in %.1f %% of trials", 100*st.foundRate())
			if st.foundRate() < 0.85 {
				t.Errorf("+8σ found in %.3f of trials, want ≥ 0.85", st.foundRate())
			}
		})
	}
}

// decembers is four years of 100 with noise of σ 2, and December at 200
// (same noise) every year.
func decembers() []float64 {
	rng := rand.New(rand.NewPCG(12, 12))
	values := make([]float64, 48)
	for i := range values {
		values[i] = 100 + 2*rng.NormFloat64()
		if i%12 == 11 {
			values[i] += 100
		}
	}
	return values
}

func TestAnomaliesRecurringPeakIsNormal(t *testing.T) {
	values := decembers()
	r := Anomalies(values, 12, AnomalyOptions{})
	if r.Anomalies != 0 || r.Judged != 36 {
		t.Errorf("got %d anomalies of %d judged, want 0 of 36: %+v", r.Anomalies, r.Judged, r.Ranked())
	}
	// Without the season, the same Decembers are out of line with the
	// months around them.
	r = Anomalies(values, 0, AnomalyOptions{})
	for _, i := range []int{11, 23, 35, 47} {
		if p := r.Points[i]; p.Status != Anomaly || p.Side != High {
			t.Errorf("without season, December %d: %s %s, want a high anomaly", i, p.Status, p.Side)
		}
	}

	// The last December twice as high as the others: that one, high.
	values[47] = 400
	r = Anomalies(values, 12, AnomalyOptions{})
	ranked := r.Ranked()
	if len(ranked) != 1 || ranked[0].Index != 47 || ranked[0].Side != High {
		t.Fatalf("anomalies %+v, want only index 47, high", ranked)
	}
	// Expected: the other Decembers' level, about 200.
	if e := *ranked[0].Expected; e < 190 || e > 210 {
		t.Errorf("expected %v for the last December, want about 200", e)
	}

	// A December that falls to the level of an ordinary month is low.
	values[47] = 100
	r = Anomalies(values, 12, AnomalyOptions{})
	if ranked := r.Ranked(); len(ranked) != 1 || ranked[0].Index != 47 || ranked[0].Side != Low {
		t.Errorf("anomalies %+v, want only index 47, low", ranked)
	}
}

func TestAnomaliesRanked(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	values := seasonalSeries(rng, 48, 0)
	values[20] += 12
	values[30] -= 25
	values[40] += 18
	r := Anomalies(values, 12, AnomalyOptions{})
	ranked := r.Ranked()
	// This seed also puts month 25 at about −4 robust σ by chance: a
	// genuine false alarm, ranked after the injected ones.
	if len(ranked) < 3 || len(ranked) != r.Anomalies {
		t.Fatalf("ranked %d of %d anomalies, want at least the three injected", len(ranked), r.Anomalies)
	}
	wantOrder := []struct {
		index int
		side  Side
	}{{30, Low}, {40, High}, {20, High}}
	for i, w := range wantOrder {
		if ranked[i].Index != w.index || ranked[i].Side != w.side {
			t.Errorf("rank %d: index %d %s, want %d %s", i, ranked[i].Index, ranked[i].Side, w.index, w.side)
		}
	}
	for i := 1; i < len(ranked); i++ {
		if math.Abs(*ranked[i].Score) > math.Abs(*ranked[i-1].Score) {
			t.Errorf("rank %d scores %v above rank %d", i, *ranked[i].Score, i-1)
		}
	}
}

func TestAnomaliesEdgeCases(t *testing.T) {
	nan := math.NaN()
	constant := make([]float64, 48)
	for i := range constant {
		constant[i] = 5
	}
	linear := make([]float64, 30)
	for i := range linear {
		linear[i] = 0.1 * float64(i)
	}
	// Thirty values of 10 and one of 50: MAD 0, so the RMS residual is
	// the scale: only the 50 is off (by 40), RMS = 40/√30 = 7.30,
	// score 40/7.30 = 5.48 > 3.5.
	oneOff := make([]float64, 30)
	for i := range oneOff {
		oneOff[i] = 10
	}
	oneOff[20] = 50
	// A weekly count that is mostly 0 with a 1 now and then: MAD 0. A flood
	// of "anomalous 1s" must not follow.
	counts := make([]float64, 60)
	for i := range counts {
		if i%6 == 0 {
			counts[i] = 1
		}
	}

	tests := []struct {
		name        string
		values      []float64
		season      int
		judged      int
		anomalies   []int
		scaleMethod string
		noteWanted  bool
	}{
		{name: "empty", values: nil, season: 12, noteWanted: true},
		{name: "one value", values: []float64{3}, season: 0, noteWanted: true},
		{name: "fewer points than a season", values: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, season: 12, noteWanted: true},
		{name: "all missing", values: []float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}, season: 0, noteWanted: true},
		{name: "all equal", values: constant, season: 12, judged: 36, scaleMethod: "floor"},
		{name: "exactly linear", values: linear, season: 0, judged: 22, scaleMethod: "floor"},
		{name: "one off a constant", values: oneOff, season: 0, judged: 22, anomalies: []int{20}, scaleMethod: "rms"},
		{name: "mostly zero counts", values: counts, season: 0, judged: 52, scaleMethod: "rms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Anomalies(tt.values, tt.season, AnomalyOptions{})
			if len(r.Points) != len(tt.values) {
				t.Fatalf("%d points for %d values", len(r.Points), len(tt.values))
			}
			var got []int
			for _, p := range r.Points {
				if p.Status == Anomaly {
					got = append(got, p.Index)
				}
				if p.Score != nil && (math.IsNaN(*p.Score) || math.IsInf(*p.Score, 0)) {
					t.Errorf("point %d score %v", p.Index, *p.Score)
				}
			}
			if r.Judged != tt.judged || !equalInts(got, tt.anomalies) || r.ScaleMethod != tt.scaleMethod {
				t.Errorf("judged %d, anomalies %v, scale by %q; want %d, %v, %q",
					r.Judged, got, r.ScaleMethod, tt.judged, tt.anomalies, tt.scaleMethod)
			}
			if (r.Note != "") != tt.noteWanted {
				t.Errorf("note %q, want one: %v", r.Note, tt.noteWanted)
			}
		})
	}
}

func TestAnomaliesMissingValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	values := seasonalSeries(rng, 48, 0)
	for _, i := range []int{5, 17, 18, 30, 47} {
		values[i] = math.NaN()
	}
	values[6] = math.Inf(1)
	values[40] += 15
	r := Anomalies(values, 12, AnomalyOptions{})
	for _, i := range []int{5, 6, 17, 18, 30, 47} {
		p := r.Points[i]
		if p.Status != Missing || p.Expected != nil || p.Score != nil || p.Side != "" {
			t.Errorf("missing point %d reported: %+v", i, p)
		}
	}
	if p := r.Points[40]; p.Status != Anomaly || p.Side != High {
		t.Errorf("point 40 (+15σ) is %s %s, want a high anomaly", p.Status, p.Side)
	}
	if r.Anomalies != 1 {
		t.Errorf("%d anomalies, want 1: %+v", r.Anomalies, r.Ranked())
	}
}

func TestAnomaliesWarmup(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	values := seasonalSeries(rng, 36, 0)
	values[0] = math.NaN()
	values[3] += 30 // in the first year: too early to judge
	r := Anomalies(values, 12, AnomalyOptions{})
	for i, p := range r.Points {
		switch {
		case i == 0:
			if p.Status != Missing {
				t.Errorf("point 0: %s, want missing", p.Status)
			}
		case i < 12 || i == 12: // 12 has no earlier January: 0 is missing
			if p.Status != Warmup || p.Score != nil {
				t.Errorf("point %d: %s score %v, want warmup without score", i, p.Status, p.Score)
			}
		default:
			if p.Status != Normal && p.Status != Anomaly {
				t.Errorf("point %d: %s, want judged", i, p.Status)
			}
		}
	}
	// The wild first-year month is left out of the others' estimates, so
	// the same month a year later is not dragged into an alarm.
	if p := r.Points[15]; p.Status != Normal {
		t.Errorf("point 15: %s, want normal", p.Status)
	}

	// Without a season, the first MinHistory values are warm-up.
	r = Anomalies(values[1:], 0, AnomalyOptions{MinHistory: 10})
	for i, p := range r.Points {
		if judged := p.Score != nil; judged != (i >= 10) {
			t.Errorf("no season, point %d judged %v", i, judged)
		}
	}
}

func TestAnomaliesInvariance(t *testing.T) {
	// Scores do not depend on the unit or the zero of the KPI: shifting
	// the series to negative values or scaling it by a power of two (exact
	// in floating point) gives the same verdicts.
	rng := rand.New(rand.NewPCG(5, 5))
	values := seasonalSeries(rng, 48, 0.3)
	values[30] += 9
	base := Anomalies(values, 12, AnomalyOptions{})
	shifted := make([]float64, len(values))
	scaled := make([]float64, len(values))
	for i, v := range values {
		shifted[i] = v - 1000
		scaled[i] = v * 1024
	}
	for name, r := range map[string]AnomalyReport{
		"shifted": Anomalies(shifted, 12, AnomalyOptions{}),
		"scaled":  Anomalies(scaled, 12, AnomalyOptions{}),
	} {
		for i, p := range r.Points {
			b := base.Points[i]
			if p.Status != b.Status || (p.Score == nil) != (b.Score == nil) ||
				(p.Score != nil && !near(*p.Score, *b.Score, 1e-6)) {
				t.Errorf("%s point %d: %s %v, want %s %v", name, i, p.Status, p.Score, b.Status, b.Score)
			}
		}
	}
	if base.Points[30].Status != Anomaly {
		t.Errorf("point 30 is %s, want an anomaly", base.Points[30].Status)
	}
}

func TestAnomaliesOptions(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	values := seasonalSeries(rng, 48, 0)
	values[30] += 4.5
	def := Anomalies(values, 12, AnomalyOptions{})
	loose := Anomalies(values, 12, AnomalyOptions{K: 2.5})
	if def.K != DefaultK || loose.K != 2.5 {
		t.Errorf("K = %v and %v, want %v and 2.5", def.K, loose.K, DefaultK)
	}
	if loose.Anomalies < def.Anomalies {
		t.Errorf("K 2.5 gives %d anomalies, fewer than K 3.5's %d", loose.Anomalies, def.Anomalies)
	}
	for _, p := range loose.Points {
		if p.Score != nil && (p.Status == Anomaly) != (math.Abs(*p.Score) > 2.5) {
			t.Errorf("point %d: status %s with score %v at K 2.5", p.Index, p.Status, *p.Score)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
