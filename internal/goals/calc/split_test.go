package calc

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name     string
		total    float64
		weights  []float64
		decimals int
		want     []float64
	}{
		// 100.00 = 10000 cents; 10000/3 = 3333.33 each; floors 3×3333 = 9999;
		// 1 cent left, equal remainders → lowest index.
		{"equal thirds", 100, []float64{1, 1, 1}, 2, []float64{33.34, 33.33, 33.33}},
		// symmetric: the same split negated.
		{"negative thirds", -100, []float64{1, 1, 1}, 2, []float64{-33.34, -33.33, -33.33}},
		// W = 10; quotas 10×1/10=1, 2, 3, 4: exact, nothing left over.
		{"exact proportions", 10, []float64{1, 2, 3, 4}, 0, []float64{1, 2, 3, 4}},
		// 100 cents, W = 7: quotas 14.2857, 28.5714, 57.1428; floors 14+28+57 = 99;
		// 1 left → largest remainder .5714 (index 1).
		{"largest remainder wins", 1, []float64{1, 2, 4}, 2, []float64{0.14, 0.29, 0.57}},
		// 10/7 = 1.428 each; floors 7×1 = 7; 3 left → indices 0, 1, 2.
		{"ties to lower index", 10, []float64{1, 1, 1, 1, 1, 1, 1}, 0, []float64{2, 2, 2, 1, 1, 1, 1}},
		// quotas 0, 2.5, 2.5; floors 0+2+2 = 4; 1 left; remainders 0, .5, .5 → index 1.
		{"zero weight gets nothing", 5, []float64{0, 1, 1}, 0, []float64{0, 3, 2}},
		// 3.5 each; floors 3+3 = 6; 1 left → index 0.
		{"odd total", 7, []float64{1, 1}, 0, []float64{4, 3}},
		// mirror of the above: −4, −3 (not −3, −4).
		{"odd negative total", -7, []float64{1, 1}, 0, []float64{-4, -3}},
		// float 0.3 = 5404319552844595/2^54 and 0.2 = 3602879701896397/2^54 sum to
		// exactly 0.5, so W = 1; quotas 50, 29.999…, 20.000…; floors 50+29+20 = 99;
		// 1 left → index 1 (remainder .999…).
		{"float weights", 100, []float64{0.5, 0.3, 0.2}, 0, []float64{50, 30, 20}},
		// quota shares 120k:80k:50k of 1000.00: 100000 cents × 120/250 = 48000,
		// × 80/250 = 32000, × 50/250 = 20000.
		{"quota shares", 1000, []float64{120000, 80000, 50000}, 2, []float64{480, 320, 200}},
		// 0.125 is exact in binary: 12.5 cents, half away from zero → 13 cents.
		{"total rounded half up", 0.125, []float64{1}, 2, []float64{0.13}},
		// −12.5 cents → −13 cents.
		{"negative total rounded half away", -0.125, []float64{1}, 2, []float64{-0.13}},
		// the float 1.005 is really 1.00499999999999989341… → 100.4999… cents → 100;
		// 100/2 = 50 cents each.
		{"total rounded on exact binary value", 1.005, []float64{1, 1}, 2, []float64{0.5, 0.5}},
		// 0.004 → 0.4 cents → 0 cents; both parts 0.
		{"total below one unit", 0.004, []float64{1, 1}, 2, []float64{0, 0}},
		{"zero total", 0, []float64{1, 2}, 2, []float64{0, 0}},
		// 1 unit, W = 3; quotas 1/3, 2/3; floors 0, 0; 1 left → remainder 2/3 (index 1).
		{"single unit", 1, []float64{1, 2}, 0, []float64{0, 1}},
		// 1.5 → 2 units (half away); quotas 2/3 and 4/3; floors 0+1; 1 left → index 0 (2/3 > 1/3).
		{"rounded total then split", 1.5, []float64{1, 2}, 0, []float64{1, 1}},
		// 1e12 × 100 = 1e14 cents < 2^50 ≈ 1.126e15: accepted; 1e14/4 = 2.5e13 cents each.
		{"large total", 1e12, []float64{1, 1, 1, 1}, 2, []float64{2.5e11, 2.5e11, 2.5e11, 2.5e11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.total, tt.weights, tt.decimals)
			if err != nil {
				t.Fatalf("Split(%v, %v, %d): %v", tt.total, tt.weights, tt.decimals, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Split(%v, %v, %d) = %v, want %v", tt.total, tt.weights, tt.decimals, got, tt.want)
			}
			for i, v := range got {
				if v == 0 && math.Signbit(v) {
					t.Errorf("part %d is -0", i)
				}
			}
		})
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct {
		name     string
		total    float64
		weights  []float64
		decimals int
	}{
		{"no weights", 10, nil, 2},
		{"negative weight", 10, []float64{1, -1}, 2},
		{"NaN weight", 10, []float64{1, math.NaN()}, 2},
		{"infinite weight", 10, []float64{1, math.Inf(1)}, 2},
		{"all zero", 10, []float64{0, 0}, 2},
		{"negative decimals", 10, []float64{1}, -1},
		{"too many decimals", 10, []float64{1}, 16},
		{"NaN total", math.NaN(), []float64{1}, 2},
		{"infinite total", math.Inf(-1), []float64{1}, 2},
		// 1e14 × 100 = 1e16 cents ≥ 2^50 ≈ 1.126e15.
		{"total too large", 1e14, []float64{1}, 2},
		// 2^50 units exactly is already too many.
		{"total at limit", 1 << 50, []float64{1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Split(tt.total, tt.weights, tt.decimals); err == nil {
				t.Errorf("Split(%v, %v, %d) = %v, want an error", tt.total, tt.weights, tt.decimals, got)
			}
		})
	}
	// Just under the limit: 2^50 − 1 units is accepted and kept whole.
	got, err := Split(1<<50-1, []float64{1}, 0)
	if err != nil || got[0] != 1<<50-1 {
		t.Errorf("Split(2^50-1, [1], 0) = %v, %v; want [2^50-1]", got, err)
	}
}

// TestSplitProperties checks, on seeded random inputs, the properties every
// split must have (see checkSplit) plus: a larger weight never gets less (in
// absolute value),
// equal weights differ by at most one unit with the extra units first, and
// scaling all weights by a power of two changes nothing.
func TestSplitProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		decimals := rng.IntN(5)
		total := (rng.Float64()*2 - 1) * math.Pow(10, float64(rng.IntN(8)))
		n := 1 + rng.IntN(12)
		weights := make([]float64, n)
		for j := range weights {
			switch rng.IntN(4) {
			case 0:
				weights[j] = 0
			case 1:
				weights[j] = float64(1 + rng.IntN(5)) // repeats → ties
			default:
				weights[j] = rng.Float64() * 1000
			}
		}
		weights[rng.IntN(n)] = 1 + rng.Float64() // at least one positive
		got, err := Split(total, weights, decimals)
		if err != nil {
			t.Fatalf("case %d: Split(%v, %v, %d): %v", i, total, weights, decimals, err)
		}
		checkSplit(t, total, weights, decimals, got)

		units := toIntUnits(got, decimals)
		for a := range weights {
			for b := range weights {
				if weights[a] > weights[b] && abs64(units[a]) < abs64(units[b]) {
					t.Fatalf("case %d: weight %v got %d units < weight %v with %d (total %v)",
						i, weights[a], units[a], weights[b], units[b], total)
				}
			}
		}

		scaled := make([]float64, n)
		for j, w := range weights {
			scaled[j] = w * 1024 // exact
		}
		if again, err := Split(total, scaled, decimals); err != nil || !slices.Equal(again, got) {
			t.Fatalf("case %d: scaled weights gave %v, %v; want %v", i, again, err, got)
		}

		equal := make([]float64, n)
		for j := range equal {
			equal[j] = 1
		}
		eq, err := Split(total, equal, decimals)
		if err != nil {
			t.Fatal(err)
		}
		eu := toIntUnits(eq, decimals)
		for j := 1; j < n; j++ {
			d := abs64(eu[j-1]) - abs64(eu[j])
			if d != 0 && d != 1 {
				t.Fatalf("case %d: equal split %v not within one unit with extras first", i, eq)
			}
		}
	}
}

// checkSplit asserts what must hold for any successful Split: one finite part
// per weight, each a whole number of units, summing exactly to total rounded
// (half away from zero) to the unit; each part within one unit of its exact
// share, with the sign of total; weight 0 gets 0; and Split(−total) mirrors it.
func checkSplit(t *testing.T, total float64, weights []float64, decimals int, got []float64) {
	t.Helper()
	if len(got) != len(weights) {
		t.Fatalf("Split(%v, %v, %d): %d parts, want %d", total, weights, decimals, len(got), len(weights))
	}
	scale := math.Pow10(decimals)
	for i, v := range got {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("Split(%v, %v, %d): part %d is %v", total, weights, decimals, i, v)
		}
		if u := math.Round(v * scale); u/scale != v {
			t.Fatalf("Split(%v, %v, %d): part %d = %v is not a whole number of units", total, weights, decimals, i, v)
		}
	}
	units := toIntUnits(got, decimals)
	var sum int64
	for _, u := range units {
		sum += u
	}

	// |sum − total×10^d| <= 1/2, exactly; at exactly 1/2, sum is the one away from zero.
	exact := new(big.Rat).SetFloat64(total)
	exact.Mul(exact, new(big.Rat).SetFloat64(scale)) // 10^d, d <= 15, is exact in float64
	diff := new(big.Rat).Sub(new(big.Rat).SetInt64(sum), exact)
	half := big.NewRat(1, 2)
	switch c := new(big.Rat).Abs(diff).Cmp(half); {
	case c > 0:
		t.Fatalf("Split(%v, %v, %d): parts sum to %d units, total is %s units", total, weights, decimals, sum, exact.FloatString(3))
	case c == 0 && new(big.Rat).SetInt64(abs64(sum)).Cmp(new(big.Rat).Abs(exact)) < 0:
		t.Fatalf("Split(%v, %v, %d): tie not rounded away from zero: %d", total, weights, decimals, sum)
	}

	w := new(big.Rat)
	for _, x := range weights {
		w.Add(w, new(big.Rat).SetFloat64(x))
	}
	for i, u := range units {
		if weights[i] == 0 && u != 0 {
			t.Fatalf("Split(%v, %v, %d): zero weight %d got %d units", total, weights, decimals, i, u)
		}
		if (u > 0 && total < 0) || (u < 0 && total > 0) {
			t.Fatalf("Split(%v, %v, %d): part %d has the wrong sign", total, weights, decimals, i)
		}
		q := new(big.Rat).Mul(new(big.Rat).SetInt64(sum), new(big.Rat).SetFloat64(weights[i]))
		q.Quo(q, w)
		d := new(big.Rat).Sub(new(big.Rat).SetInt64(u), q)
		if d.Abs(d).Cmp(big.NewRat(1, 1)) >= 0 {
			t.Fatalf("Split(%v, %v, %d): part %d = %d units, exact share %s", total, weights, decimals, i, u, q.FloatString(3))
		}
	}

	mirror, err := Split(-total, weights, decimals)
	if err != nil {
		t.Fatalf("Split(%v, …) failed after Split(%v, …) succeeded: %v", -total, total, err)
	}
	for i := range got {
		if mirror[i] != -got[i] {
			t.Fatalf("Split(%v) = %v is not the mirror of Split(%v) = %v", -total, mirror, total, got)
		}
	}
}

func toIntUnits(parts []float64, decimals int) []int64 {
	scale := math.Pow10(decimals)
	out := make([]int64, len(parts))
	for i, v := range parts {
		out[i] = int64(math.Round(v * scale))
	}
	return out
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// FuzzSplit feeds arbitrary totals, decimals and weights (bytes as weights in
// eighths, plus one arbitrary float64 weight): Split must either report an
// error for input that is actually invalid, or return parts that pass
// checkSplit — never panic, never NaN.
func FuzzSplit(f *testing.F) {
	f.Add(100.0, uint8(2), []byte{8, 8, 8}, 0.0)
	f.Add(-7.0, uint8(0), []byte{1, 1}, 0.0)
	f.Add(0.125, uint8(2), []byte{}, 1.0)
	f.Add(1e12, uint8(2), []byte{0, 255, 3}, 1e-300)
	f.Add(math.MaxFloat64, uint8(15), []byte{1}, 1e308)
	f.Add(123456.789, uint8(17), []byte{0}, -1.0)
	f.Add(5e-324, uint8(15), []byte{0, 0}, 0.0)
	f.Fuzz(func(t *testing.T, total float64, dec uint8, raw []byte, extra float64) {
		decimals := int(dec % 18)
		if len(raw) > 64 {
			raw = raw[:64]
		}
		weights := make([]float64, 0, len(raw)+1)
		for _, b := range raw {
			weights = append(weights, float64(b)/8)
		}
		weights = append(weights, extra)

		got, err := Split(total, weights, decimals)
		if err != nil {
			if !splitInputInvalid(total, weights, decimals) {
				t.Fatalf("Split(%v, %v, %d): unexpected error %v", total, weights, decimals, err)
			}
			return
		}
		if splitInputInvalid(total, weights, decimals) {
			t.Fatalf("Split(%v, %v, %d) = %v, want an error", total, weights, decimals, got)
		}
		checkSplit(t, total, weights, decimals, got)
	})
}

// splitInputInvalid restates Split's documented error conditions independently.
func splitInputInvalid(total float64, weights []float64, decimals int) bool {
	if len(weights) == 0 || decimals < 0 || decimals > 15 || math.IsNaN(total) || math.IsInf(total, 0) {
		return true
	}
	positive := false
	for _, w := range weights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return true
		}
		positive = positive || w > 0
	}
	if !positive {
		return true
	}
	// Too large: |total|×10^d rounds to 2^50 units or more, i.e. >= 2^50 − 1/2.
	x := new(big.Rat).SetFloat64(math.Abs(total))
	x.Mul(x, new(big.Rat).SetFloat64(math.Pow10(decimals)))
	limit := new(big.Rat).Sub(new(big.Rat).SetInt64(1<<50), big.NewRat(1, 2))
	return x.Cmp(limit) >= 0
}
