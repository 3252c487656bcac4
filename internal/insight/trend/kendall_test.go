package trend

import (
	"math"
	"math/rand/v2"
	"testing"
)

// normalTailP is the two-sided p-value 2·(1 − Φ(|z|)) computed without the
// package's erfc: Φ(|z|) − ½ = ∫₀^|z| φ(x) dx by Simpson's rule.
func normalTailP(z float64) float64 {
	z = math.Abs(z)
	const steps = 2000 // even
	h := z / steps
	phi := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	sum := phi(0) + phi(z)
	for i := 1; i < steps; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * phi(float64(i)*h)
	}
	return 1 - 2*(sum*h/3)
}

func TestNormalTailPMatchesTable(t *testing.T) {
	// Standard normal table: Φ(1.96) = 0.97500, Φ(2.00) = 0.97725,
	// Φ(1.00) = 0.84134.
	for _, c := range []struct{ z, p float64 }{{1.96, 0.0500}, {2, 0.0455}, {1, 0.3173}} {
		if got := normalTailP(c.z); !near(got, c.p, 1e-4) {
			t.Errorf("normalTailP(%v) = %v, want %v", c.z, got, c.p)
		}
	}
}

func TestTrendHandWorked(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		season int
		method Method
		n      int
		pairs  int
		s      int
		varS   float64
		z      float64
		tau    float64
		slope  float64
	}{
		{
			// y = 1 3 2 5 4 at t = 0…4.
			// Signs of y_j − y_i by i: 1: + + + + (4); 3: − + + (1);
			// 2: + + (2); 5: − (−1). S = 4 + 1 + 2 − 1 = 6.
			// No ties: VarS = 5·4·15/18 = 300/18 = 16.667.
			// Z = (6 − 1)/√16.667 = 5/4.0825 = 1.2247. τ = 6/10 = 0.6.
			// Slopes (y_j − y_i)/(j − i): 2, ½, 4/3, ¾, −1, 1, ⅓, 3, 1, −1;
			// sorted −1 −1 ⅓ ½ ¾ 1 1 4/3 2 3, median (¾ + 1)/2 = 0.875.
			name: "no ties", values: []float64{1, 3, 2, 5, 4},
			method: MannKendall, n: 5, pairs: 10, s: 6, varS: 300.0 / 18,
			z: 5 / math.Sqrt(300.0/18), tau: 0.6, slope: 0.875,
		},
		{
			// y = 1 2 2 3 2 4 at t = 0…5; 2 appears three times.
			// Signs by i: 1: + + + + + (5); 2: 0 + 0 + (2); 2: + 0 + (2);
			// 3: − + (0); 2: + (1). S = 10.
			// VarS = [6·5·17 − 3·2·11]/18 = (510 − 66)/18 = 444/18 = 24.667.
			// Z = 9/√24.667 = 1.8121.
			// τ-b = 10/√(15·(15 − 3)) = 10/√180 = 0.74536.
			// Slopes: 1 ½ ⅔ ¼ ⅗ | 0 ½ 0 ½ | 1 0 ⅔ | −1 ½ | 2; sorted
			// −1 0 0 0 ¼ ½ ½ ½ ½ ⅗ ⅔ ⅔ 1 1 2, median (8th) ½.
			name: "ties", values: []float64{1, 2, 2, 3, 2, 4},
			method: MannKendall, n: 6, pairs: 15, s: 10, varS: 444.0 / 18,
			z: 9 / math.Sqrt(444.0/18), tau: 10 / math.Sqrt(180), slope: 0.5,
		},
		{
			// A missing period keeps its place in time: y = 1 _ 3 at t = 0, 2.
			// One pair, +; S = 1, VarS = 2·1·9/18 = 1, Z = 0. Slope 2/2 = 1.
			name: "missing kept in time", values: []float64{1, math.NaN(), 3},
			method: MannKendall, n: 2, pairs: 1, s: 1, varS: 1, z: 0, tau: 1, slope: 1,
		},
		{
			// Season 2: odd periods 1 2 3, even periods 10 12 11.
			// Position 0: + + +, S₀ = 3; position 1: + + −, S₁ = 1.
			// S = 4; VarS = 2 · 3·2·11/18 = 2 · 3.6667 = 7.3333;
			// Z = 3/√7.3333 = 1.1078; τ = 4/(3 + 3) = 0.6667.
			// Slopes per period: ½ ½ ½ (position 0), 2/2 = 1, 1/4, −1/2;
			// sorted −½ ¼ ½ ½ ½ 1, median ½.
			name: "seasonal", values: []float64{1, 10, 2, 12, 3, 11}, season: 2,
			method: SeasonalKendall, n: 6, pairs: 6, s: 4, varS: 2 * 66.0 / 18,
			z: 3 / math.Sqrt(2*66.0/18), tau: 4.0 / 6, slope: 0.5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Trend(tt.values, tt.season, TrendOptions{})
			if got.Method != tt.method || got.N != tt.n || got.Pairs != tt.pairs || got.S != tt.s {
				t.Errorf("method, n, pairs, S = %s, %d, %d, %d; want %s, %d, %d, %d",
					got.Method, got.N, got.Pairs, got.S, tt.method, tt.n, tt.pairs, tt.s)
			}
			if !near(got.VarS, tt.varS, 1e-9) || !near(got.Z, tt.z, 1e-9) || !near(got.Tau, tt.tau, 1e-9) {
				t.Errorf("VarS, Z, τ = %v, %v, %v; want %v, %v, %v", got.VarS, got.Z, got.Tau, tt.varS, tt.z, tt.tau)
			}
			if !near(got.Slope, tt.slope, 1e-12) {
				t.Errorf("slope = %v, want %v", got.Slope, tt.slope)
			}
			if want := normalTailP(tt.z); !near(got.P, want, 1e-7) {
				t.Errorf("P = %v, want %v (normal CDF by Simpson's rule)", got.P, want)
			}
		})
	}
}

func TestTrendPValueKnownCase(t *testing.T) {
	// 1 3 2 5 4: Z = 1.2247 (above). Table: Φ(1.22) = 0.88877,
	// Φ(1.23) = 0.89065; interpolated Φ(1.2247) = 0.88966, so
	// P = 2·(1 − 0.88966) = 0.2207.
	got := Trend([]float64{1, 3, 2, 5, 4}, 0, TrendOptions{})
	if !near(got.P, 0.2207, 2e-4) {
		t.Errorf("P = %v, want 0.2207", got.P)
	}
	if got.Significant || got.Direction != Flat {
		t.Errorf("verdict = %v %s, want not significant, flat", got.Significant, got.Direction)
	}
	// 0.2207 < 0.3: at α = 0.3 the same series is a significant rise.
	got = Trend([]float64{1, 3, 2, 5, 4}, 0, TrendOptions{Alpha: 0.3})
	if !got.Significant || got.Direction != Up {
		t.Errorf("at α 0.3 verdict = %v %s, want significant, up", got.Significant, got.Direction)
	}
}

func TestTrendSlopeInterval(t *testing.T) {
	// 1 3 2 5 4, α = 0.2: z₀.₉ = 1.28155 (table), VarS = 16.667, so
	// C = 1.28155·4.08248 = 5.23191; N' = 10 slopes.
	// M1 = (10 − 5.23191)/2 = 2.38404; M2 + 1 = (10 + 5.23191)/2 + 1 = 8.61596.
	// Sorted slopes d1…d10 = −1 −1 ⅓ ½ ¾ 1 1 4/3 2 3.
	// Lower = d2 + 0.38404·(d3 − d2) = −1 + 0.38404·4/3 = −0.48795.
	// Upper = d8 + 0.61596·(d9 − d8) = 4/3 + 0.61596·2/3 = 1.74397.
	got := Trend([]float64{1, 3, 2, 5, 4}, 0, TrendOptions{Alpha: 0.2})
	if got.SlopeLo == nil || got.SlopeHi == nil {
		t.Fatal("no interval")
	}
	if !near(*got.SlopeLo, -0.48795, 1e-4) || !near(*got.SlopeHi, 1.74397, 1e-4) {
		t.Errorf("interval = [%v, %v], want [−0.48795, 1.74397]", *got.SlopeLo, *got.SlopeHi)
	}
	// At α = 0.05, C = 1.96·4.08248 = 8.0017 and M1 = 0.999 < 1: five
	// values cannot bound the slope at 95 %.
	got = Trend([]float64{1, 3, 2, 5, 4}, 0, TrendOptions{})
	if got.SlopeLo != nil || got.SlopeHi != nil {
		t.Errorf("interval = [%v, %v], want none", got.SlopeLo, got.SlopeHi)
	}
}

func TestTrendMonotone(t *testing.T) {
	up := make([]float64, 20)
	down := make([]float64, 20)
	for i := range up {
		up[i] = 10 + 2*float64(i)
		down[i] = -2 * float64(i)
	}
	// 20 rising values: S = 190 (every pair), VarS = 20·19·45/18 = 950,
	// Z = 189/√950 = 6.132, P ≈ 8.7e−10. Every slope is 2, so the slope and
	// both interval limits are 2; median |value| = (28 + 30)/2 = 29.
	tests := []struct {
		name   string
		values []float64
		dir    Direction
		s      int
		slope  float64
		rel    float64
	}{
		{"up", up, Up, 190, 2, 2.0 / 29},
		// |value| 0…38, median (18 + 20)/2 = 19.
		{"down", down, Down, -190, -2, -2.0 / 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Trend(tt.values, 0, TrendOptions{})
			if got.Direction != tt.dir || !got.Significant || got.S != tt.s {
				t.Errorf("direction, significant, S = %s, %v, %d; want %s, true, %d", got.Direction, got.Significant, got.S, tt.dir, tt.s)
			}
			if !near(math.Abs(got.Z), 189/math.Sqrt(950), 1e-9) || got.P > 1e-8 {
				t.Errorf("Z, P = %v, %v; want ±6.132, < 1e−8", got.Z, got.P)
			}
			if got.Slope != tt.slope || got.SlopeLo == nil || *got.SlopeLo != tt.slope || *got.SlopeHi != tt.slope {
				t.Errorf("slope %v in [%v, %v], want %v in [%[4]v, %[4]v]", got.Slope, got.SlopeLo, got.SlopeHi, tt.slope)
			}
			if got.RelSlope == nil || !near(*got.RelSlope, tt.rel, 1e-12) {
				t.Errorf("rel slope = %v, want %v", got.RelSlope, tt.rel)
			}
			if math.Abs(got.Tau) != 1 {
				t.Errorf("τ = %v, want ±1", got.Tau)
			}
		})
	}
}

func TestTrendSeasonalPatternIsNotATrend(t *testing.T) {
	// Sales that build up through the year and reset: 100, 110, …, 210,
	// twice. Plain Mann–Kendall: within each year all 66 pairs rise (132);
	// across the years sign(q − p) over all positions p, q sums to 0. So
	// S = 132, and with twelve pairs of ties VarS = (24·23·53 − 12·2·1·9)/18
	// = (29256 − 216)/18 = 1613.33, Z = 131/√1613.33 = 3.2614, P = 0.0011:
	// "up". The seasonal test compares each month with itself a year later:
	// all ties, S = 0, flat.
	values := make([]float64, 24)
	for i := range values {
		values[i] = 100 + 10*float64(i%12)
	}
	got := Trend(values, 12, TrendOptions{})
	if got.Method != SeasonalKendall || got.Direction != Flat || got.S != 0 || got.P != 1 || got.Slope != 0 {
		t.Errorf("seasonal verdict %s %s S=%d P=%v slope=%v; want seasonal-kendall flat S=0 P=1 slope=0",
			got.Method, got.Direction, got.S, got.P, got.Slope)
	}
	plain := got.NonSeasonal
	if plain == nil {
		t.Fatal("no non-seasonal test")
	}
	if plain.S != 132 || !near(plain.VarS, 29040.0/18, 1e-9) || !near(plain.Z, 131/math.Sqrt(29040.0/18), 1e-9) {
		t.Errorf("plain S, VarS, Z = %d, %v, %v; want 132, 1613.33, 3.2614", plain.S, plain.VarS, plain.Z)
	}
	if want := normalTailP(plain.Z); !near(plain.P, want, 1e-7) || plain.P > 0.05 {
		t.Errorf("plain P = %v, want %v (< 0.05)", plain.P, want)
	}

	// Without the season the same series reads as a rise.
	if got := Trend(values, 0, TrendOptions{}); got.Direction != Up || got.Method != MannKendall {
		t.Errorf("without season: %s %s, want mann-kendall up", got.Method, got.Direction)
	}
	// With a season but under two seasons of data: plain test, and a note.
	got = Trend(values[:20], 12, TrendOptions{})
	if got.Method != MannKendall || got.NonSeasonal != nil || got.Note == "" {
		t.Errorf("20 months, season 12: %s, non-seasonal %v, note %q; want mann-kendall alone with a note", got.Method, got.NonSeasonal, got.Note)
	}
}

func TestTrendSeasonalFindsTrendUnderSeason(t *testing.T) {
	// A rise of 0.5 a month under a swing of ±20: every month is 6 higher
	// than a year before, so every within-position slope is 6/12 = 0.5.
	values := make([]float64, 36)
	for i := range values {
		values[i] = 100 + 0.5*float64(i) + 20*math.Sin(2*math.Pi*float64(i)/12)
	}
	got := Trend(values, 12, TrendOptions{})
	if got.Method != SeasonalKendall || got.Direction != Up || !near(got.Slope, 0.5, 1e-9) {
		t.Errorf("got %s %s slope %v, want seasonal-kendall up slope 0.5", got.Method, got.Direction, got.Slope)
	}
	// Twelve positions of three rising values: S = 12·3 = 36,
	// VarS = 12·(3·2·11/18) = 44, Z = 35/√44 = 5.2764.
	if got.S != 36 || !near(got.VarS, 44, 1e-9) || !near(got.Z, 35/math.Sqrt(44), 1e-9) {
		t.Errorf("S, VarS, Z = %d, %v, %v; want 36, 44, 5.2764", got.S, got.VarS, got.Z)
	}
}

// falsePositiveShare is the share of n seeded white-noise series of the
// given length that Trend calls significant at 5 %.
func falsePositiveShare(n, length, season int) float64 {
	rng := rand.New(rand.NewPCG(2024, uint64(length)))
	calls := 0
	values := make([]float64, length)
	for range n {
		for i := range values {
			values[i] = 50 + 10*rng.NormFloat64()
		}
		if Trend(values, season, TrendOptions{}).Significant {
			calls++
		}
	}
	return float64(calls) / float64(n)
}

func TestTrendNoiseIsMostlyFlat(t *testing.T) {
	// The seasonal test is conservative with few years: each month's S
	// comes from four values and takes few distinct values, so the
	// continuity-corrected Z reaches 1.96 less often than the nominal 5 %
	// (3.5 % over 5,000 series of 48 months; 2.2 % with 36).
	tests := []struct {
		name           string
		length, season int
		lo, hi         float64
	}{
		{"24 values, no season", 24, 0, 0.02, 0.09},
		{"60 values, no season", 60, 0, 0.02, 0.09},
		{"48 months, seasonal Kendall", 48, 12, 0.01, 0.09},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			share := falsePositiveShare(500, tt.length, tt.season)
			t.Logf("significant at 0.05 in %.1f %% of 500 noise series", 100*share)
			if share < tt.lo || share > tt.hi {
				t.Errorf("share significant = %.3f, want %.2f–%.2f (nominal 0.05)", share, tt.lo, tt.hi)
			}
		})
	}
}

func TestTrendEdgeCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		values []float64
		season int
		n      int
		slope  float64
		rel    bool // RelSlope set
	}{
		{"empty", nil, 0, 0, 0, false},
		{"one value", []float64{5}, 0, 1, 0, true},
		{"all missing", []float64{nan, nan, math.Inf(-1)}, 12, 0, 0, false},
		{"all equal", []float64{7, 7, 7, 7, 7, 7}, 0, 6, 0, true},
		{"all zero", []float64{0, 0, 0, 0}, 0, 4, 0, false},
		// −1 −3 −5 −7: slope −2 per period.
		{"negative", []float64{-1, -3, -5, -7}, 0, 4, -2, true},
		{"fewer points than a season", []float64{1, 2, 3, 4, 5}, 12, 5, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Trend(tt.values, tt.season, TrendOptions{})
			if got.N != tt.n || got.Slope != tt.slope || (got.RelSlope != nil) != tt.rel {
				t.Errorf("n, slope, rel slope = %d, %v, %v; want %d, %v, set %v", got.N, got.Slope, got.RelSlope, tt.n, tt.slope, tt.rel)
			}
			if math.IsNaN(got.Z) || math.IsNaN(got.P) || got.P < 0 || got.P > 1 || math.IsNaN(got.Tau) {
				t.Errorf("Z, P, τ = %v, %v, %v; want numbers, P in [0, 1]", got.Z, got.P, got.Tau)
			}
			if tt.n < 3 && got.Direction != Flat {
				t.Errorf("direction = %s with %d values, want flat", got.Direction, tt.n)
			}
		})
	}
}

func TestTrendHugeValues(t *testing.T) {
	// Differences of these overflow float64; the slopes must not.
	got := Trend([]float64{-math.MaxFloat64, 0, math.MaxFloat64}, 0, TrendOptions{})
	if math.IsInf(got.Slope, 0) || math.IsNaN(got.Slope) || got.Slope <= 0 {
		t.Errorf("slope = %v, want a finite positive number", got.Slope)
	}
}
