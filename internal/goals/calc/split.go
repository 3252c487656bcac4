package calc

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
)

// maxSplitDecimals is the finest unit Split accepts (10^-15).
const maxSplitDecimals = 15

// maxSplitUnits bounds |total| × 10^decimals. Below 2^50 every whole number of
// units u survives the round trip u → u/10^d (float64) → round(·×10^d) → u, so
// callers can always recover exact integer units from the parts.
const maxSplitUnits = 1 << 50

// Split divides total among parts in proportion to weights, in units of
// 1/10^decimals (e.g. decimals=2 for cents), so that the parts sum exactly to
// total rounded to that unit. Largest-remainder rounding; ties broken by lower
// index. Weights must be >= 0 with a positive sum, else an error; equal split =
// all weights 1. Negative totals work symmetrically.
//
// Details:
//   - total is first rounded to the unit, half away from zero, using its exact
//     binary value (so 1.005, which is really 1.00499999…, rounds to 1.00);
//   - every part then gets the floor of its exact quota (computed with rational
//     arithmetic, no floating-point drift), and the units still missing go one
//     each to the parts with the largest fractional remainders, lower index
//     first on ties;
//   - a part with weight 0 always gets 0, and every part is within one unit of
//     its exact proportional share;
//   - Split(-t, w, d) is exactly the negation of Split(t, w, d);
//   - the parts are returned as float64 values in the unit (units / 10^decimals),
//     so math.Round(part × 10^decimals) gives back the integer units exactly.
//
// Errors: no weights; a weight that is negative, NaN or infinite; all weights
// zero; decimals outside 0..15; total NaN or infinite; or |total| × 10^decimals
// of 2^50 units or more.
func Split(total float64, weights []float64, decimals int) ([]float64, error) {
	if len(weights) == 0 {
		return nil, errors.New("calc: split: no weights")
	}
	if decimals < 0 || decimals > maxSplitDecimals {
		return nil, fmt.Errorf("calc: split: decimals %d outside 0..%d", decimals, maxSplitDecimals)
	}
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return nil, fmt.Errorf("calc: split: total %v is not a finite number", total)
	}
	ws := make([]*big.Rat, len(weights))
	sum := new(big.Rat)
	positive := false
	for i, w := range weights {
		switch {
		case math.IsNaN(w) || math.IsInf(w, 0):
			return nil, fmt.Errorf("calc: split: weight %d is %v, not a finite number", i, w)
		case w < 0:
			return nil, fmt.Errorf("calc: split: weight %d is negative (%v)", i, w)
		case w > 0:
			positive = true
		}
		ws[i] = new(big.Rat).SetFloat64(w)
		sum.Add(sum, ws[i])
	}
	if !positive {
		return nil, errors.New("calc: split: weights sum to zero")
	}

	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)
	units, err := roundToUnits(math.Abs(total), scale)
	if err != nil {
		return nil, err
	}
	negative := total < 0

	// Floors of the exact quotas, and what is left over of each.
	type remainder struct {
		index int
		frac  *big.Rat
	}
	parts := make([]int64, len(ws))
	rems := make([]remainder, len(ws))
	u := new(big.Rat).SetInt64(units)
	var assigned int64
	for i, w := range ws {
		q := new(big.Rat).Mul(u, w)
		q.Quo(q, sum)
		floor := new(big.Int).Quo(q.Num(), q.Denom()) // q >= 0: truncation is the floor
		parts[i] = floor.Int64()                      // <= units, fits
		assigned += parts[i]
		rems[i] = remainder{i, q.Sub(q, new(big.Rat).SetInt(floor))}
	}
	// The remainders sum to units-assigned, each is < 1, so fewer units are left
	// than there are parts with a positive remainder.
	left := units - assigned
	slices.SortStableFunc(rems, func(a, b remainder) int { return b.frac.Cmp(a.frac) })
	for k := int64(0); k < left; k++ {
		parts[rems[k].index]++
	}

	scalef := math.Pow10(decimals) // exact for 0..15
	out := make([]float64, len(parts))
	for i, p := range parts {
		if p == 0 {
			continue // never -0
		}
		v := float64(p) / scalef
		if negative {
			v = -v
		}
		out[i] = v
	}
	return out, nil
}

// roundToUnits returns x × scale rounded half away from zero, computed on the
// exact value of x (x >= 0), or an error when it reaches maxSplitUnits.
func roundToUnits(x float64, scale *big.Int) (int64, error) {
	r := new(big.Rat).SetFloat64(x)
	r.Mul(r, new(big.Rat).SetInt(scale))
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Lsh(m, 1).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() || q.Int64() >= maxSplitUnits {
		return 0, fmt.Errorf("calc: split: total %v is too large for %s units per 1", x, scale)
	}
	return q.Int64(), nil
}
