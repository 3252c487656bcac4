package trend

import (
	"encoding/binary"
	"math"
	"testing"
)

// fuzzValues turns fuzz bytes into a series. The first byte picks the
// encoding: raw float64 bits (any value, NaN and ±Inf included) or small
// integers (realistic ties, flats and steps). At most 200 values, so each
// case stays quick.
func fuzzValues(data []byte) []float64 {
	if len(data) == 0 {
		return nil
	}
	mode, data := data[0], data[1:]
	var values []float64
	if mode%2 == 0 {
		for len(data) >= 8 && len(values) < 200 {
			values = append(values, math.Float64frombits(binary.LittleEndian.Uint64(data)))
			data = data[8:]
		}
		return values
	}
	for _, b := range data {
		if len(values) == 200 {
			break
		}
		values = append(values, float64(int8(b)))
	}
	return values
}

func FuzzAnomalies(f *testing.F) {
	f.Add([]byte{1, 10, 12, 9, 30, 10, 11, 12, 10, 9, 11, 10, 12, 10, 11}, int16(4), 0.0)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0}, int16(0), 3.5)
	f.Add([]byte{1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, int16(12), -1.0)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, int16(1), math.NaN())
	f.Fuzz(func(t *testing.T, data []byte, season int16, k float64) {
		values := fuzzValues(data)
		r := Anomalies(values, int(season), AnomalyOptions{K: k})
		if len(r.Points) != len(values) {
			t.Fatalf("%d points for %d values", len(r.Points), len(values))
		}
		if math.IsNaN(r.Scale) || math.IsInf(r.Scale, 0) || r.Scale < 0 {
			t.Fatalf("scale %v", r.Scale)
		}
		count := 0
		for i, p := range r.Points {
			v := values[i]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				if p.Status != Missing || p.Expected != nil || p.Score != nil {
					t.Fatalf("missing value %v reported: %+v", v, p)
				}
				continue
			}
			for name, x := range map[string]*float64{"expected": p.Expected, "residual": p.Residual, "score": p.Score} {
				if x != nil && (math.IsNaN(*x) || math.IsInf(*x, 0)) {
					t.Fatalf("point %d (%v): %s %v", i, v, name, *x)
				}
			}
			if p.Score != nil && (p.Status == Anomaly) != (math.Abs(*p.Score) > r.K) {
				t.Fatalf("point %d: status %s with score %v, K %v", i, p.Status, *p.Score, r.K)
			}
			if p.Status == Anomaly {
				count++
			}
		}
		if count != r.Anomalies {
			t.Fatalf("%d anomalies counted, report says %d", count, r.Anomalies)
		}
		// With a zero MAD the RMS fallback bounds the flagged share by
		// Chebyshev: fewer than 1/K² of the residuals can exceed K·RMS.
		if r.ScaleMethod == "rms" && float64(r.Anomalies) > float64(len(values))/(r.K*r.K) {
			t.Fatalf("%d anomalies among %d values with the RMS scale", r.Anomalies, len(values))
		}
	})
}

func FuzzTrend(f *testing.F) {
	f.Add([]byte{1, 1, 3, 2, 5, 4}, int16(0), 0.0)
	f.Add([]byte{1, 1, 2, 2, 3, 2, 4, 1, 2, 2}, int16(2), 0.2)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0x7f}, int16(12), 0.05)
	f.Fuzz(func(t *testing.T, data []byte, season int16, alpha float64) {
		values := fuzzValues(data)
		r := Trend(values, int(season), TrendOptions{Alpha: alpha})
		for name, x := range map[string]float64{"Z": r.Z, "P": r.P, "τ": r.Tau, "slope": r.Slope, "VarS": r.VarS} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("%s = %v", name, x)
			}
		}
		if r.P < 0 || r.P > 1 || r.Tau < -1-1e-12 || r.Tau > 1+1e-12 {
			t.Fatalf("P %v, τ %v", r.P, r.Tau)
		}
		if (r.SlopeLo == nil) != (r.SlopeHi == nil) {
			t.Fatal("one interval limit without the other")
		}
		if r.SlopeLo != nil && !(*r.SlopeLo <= r.Slope && r.Slope <= *r.SlopeHi) {
			t.Fatalf("slope %v outside [%v, %v]", r.Slope, *r.SlopeLo, *r.SlopeHi)
		}
		c := Change(values, int(season))
		if c.PoP != nil && (math.IsInf(c.PoP.Abs, 0) || math.IsNaN(c.PoP.Abs)) {
			t.Fatalf("pop %+v", *c.PoP)
		}
	})
}
