package explain

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestShapleyByHand(t *testing.T) {
	cases := []struct {
		name     string
		old, new []float64
		want     []float64
	}{
		// Two factors, the midpoint rule: a 10→12, b 5→4; product 50 → 48.
		// a: 2 × (5+4)/2 = 9; b: −1 × (10+12)/2 = −11; 9 − 11 = −2.
		{"two", []float64{10, 5}, []float64{12, 4}, []float64{9, -11}},
		// Revenue = closed × win rate × size: 100 × 0.30 × 1,000 = 30,000 →
		// 110 × 0.20 × 1,200 = 26,400 (change −3,600). Closed, the six orders of
		// switching (weights 1/3 alone, 1/6 after one, 1/3 after both):
		//   alone:        10 × 0.30 × 1,000 = 3,000           × 1/3 = 1,000
		//   after rate:   10 × 0.20 × 1,000 = 2,000           × 1/6 = 333.33…
		//   after size:   10 × 0.30 × 1,200 = 3,600           × 1/6 = 600
		//   after both:   10 × 0.20 × 1,200 = 2,400           × 1/3 = 800
		//   closed = 2,733.33…
		// Win rate (−0.10): alone 100×−0.1×1,000 = −10,000 (1/3); after closed
		// 110×−0.1×1,000 = −11,000 (1/6); after size 100×−0.1×1,200 = −12,000 (1/6);
		// after both 110×−0.1×1,200 = −13,200 (1/3):
		//   −3,333.33 − 1,833.33 − 2,000 − 4,400 = −11,566.67
		// Size (+200): alone 100×0.3×200 = 6,000 (1/3); after closed 110×0.3×200 =
		// 6,600 (1/6); after rate 100×0.2×200 = 4,000 (1/6); after both 110×0.2×200 =
		// 4,400 (1/3): 2,000 + 1,100 + 666.67 + 1,466.67 = 5,233.33
		// Sum: 2,733.33 − 11,566.67 + 5,233.33 = −3,600.
		{"revenue", []float64{100, 0.30, 1000}, []float64{110, 0.20, 1200},
			[]float64{2733.3333333333, -11566.6666666667, 5233.3333333333}},
		// A factor that falls to zero still gets its share: 4 × 5 = 20 → 0 × 5.
		{"to zero", []float64{4, 5}, []float64{0, 5}, []float64{-20, 0}},
	}
	for _, c := range cases {
		got := Shapley(c.old, c.new)
		for i := range c.want {
			if math.Abs(got[i]-c.want[i]) > 1e-6 {
				t.Errorf("%s: factor %d = %v, want %v", c.name, i, got[i], c.want[i])
			}
		}
	}
}

func TestMixRateByHand(t *testing.T) {
	// Win rate by team. Base: A won 30 of 100, B 10 of 100 → 40/200 = 0.20.
	// Compared: A 15 of 50, B 30 of 150 → 45/200 = 0.225. Change +0.025.
	// Shares: A 0.5 → 0.25, B 0.5 → 0.75. Rates: A 0.30 → 0.30, B 0.10 → 0.20.
	// R̄ = (0.20 + 0.225)/2 = 0.2125.
	// A: mix (−0.25) × (0.30 − 0.2125) = −0.021875; rate 0.375 × 0 = 0.
	// B: mix (+0.25) × (0.15 − 0.2125) = −0.015625; rate 0.625 × 0.10 = 0.0625.
	// Total: −0.021875 − 0.015625 + 0.0625 = 0.025.
	parts := []Part{{30, 100, 15, 50}, {10, 100, 30, 150}}
	mix, rate, ok := MixRate(parts)
	want := [][2]float64{{-0.021875, 0}, {-0.015625, 0.0625}}
	if !ok {
		t.Fatal("not ok")
	}
	for i, w := range want {
		if math.Abs(mix[i]-w[0]) > 1e-12 || math.Abs(rate[i]-w[1]) > 1e-12 {
			t.Errorf("segment %d: mix %v rate %v, want %v", i, mix[i], rate[i], w)
		}
	}
	// A segment present in one period only is all mix: C appears with 10 won
	// of 20. Base 40/200 = 0.2, compared 50/220; R̄ = (0.2 + 50/220)/2. C's share
	// goes 0 → 20/220 at rate 0.5: mix = 20/220 × (0.5 − R̄) ≈ 0.026033, rate 0.
	mix, rate, ok = MixRate([]Part{{30, 100, 30, 100}, {10, 100, 10, 100}, {0, 0, 10, 20}})
	if wantC := 20.0 / 220 * (0.5 - (0.2+50.0/220)/2); !ok || math.Abs(mix[2]-wantC) > 1e-12 || rate[2] != 0 {
		t.Errorf("new segment: mix %v rate %v, want %v and 0", mix[2], rate[2], wantC)
	}
	if _, _, ok := MixRate([]Part{{1, 0, 0, 0}}); ok {
		t.Error("a numerator with no denominator must not split")
	}
	if _, _, ok := MixRate([]Part{{0, 0, 1, 2}}); ok {
		t.Error("no base denominator must not split")
	}
}

// TestDecompositionsSumExactly is the property: on random inputs, the parts
// always add up to the change.
func TestDecompositionsSumExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		n := 1 + r.IntN(5)
		old, new := make([]float64, n), make([]float64, n)
		p0, p1 := 1.0, 1.0
		for i := range n {
			old[i], new[i] = r.Float64()*100-20, r.Float64()*100-20
			if r.IntN(8) == 0 {
				new[i] = 0
			}
			p0 *= old[i]
			p1 *= new[i]
		}
		sum := 0.0
		for _, c := range Shapley(old, new) {
			sum += c
		}
		if !near(sum, p1-p0) {
			t.Fatalf("trial %d: Shapley parts sum to %v, change is %v (%v → %v)", trial, sum, p1-p0, old, new)
		}

		parts := make([]Part, 1+r.IntN(8))
		var n0, d0, n1, d1 float64
		for i := range parts {
			p := Part{Den0: float64(r.IntN(50)), Den1: float64(r.IntN(50))}
			p.Num0 = math.Floor(p.Den0 * r.Float64())
			p.Num1 = math.Floor(p.Den1 * r.Float64())
			parts[i] = p
			n0, d0, n1, d1 = n0+p.Num0, d0+p.Den0, n1+p.Num1, d1+p.Den1
		}
		mix, rate, ok := MixRate(parts)
		if d0 == 0 || d1 == 0 {
			if ok {
				t.Fatalf("trial %d: split a ratio with a zero denominator", trial)
			}
			continue
		}
		sum = 0
		for i := range parts {
			sum += mix[i] + rate[i]
		}
		if !ok || !near(sum, n1/d1-n0/d0) {
			t.Fatalf("trial %d: mix+rate sum to %v, change is %v (%+v)", trial, sum, n1/d1-n0/d0, parts)
		}
	}
}
