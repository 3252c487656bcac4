package trend

import (
	"math"
	"math/rand/v2"
	"testing"
)

func benchSeries(n, season int) []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	values := make([]float64, n)
	for i := range values {
		values[i] = 100 + 10*math.Sin(2*math.Pi*float64(i)/float64(season)) + rng.NormFloat64()
	}
	return values
}

func BenchmarkAnomalies(b *testing.B) {
	for _, c := range []struct {
		name            string
		periods, season int
	}{{"48 months", 48, 12}, {"520 weeks", 520, 52}} {
		values := benchSeries(c.periods, c.season)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Anomalies(values, c.season, AnomalyOptions{})
			}
		})
	}
}

func BenchmarkTrend(b *testing.B) {
	values := benchSeries(520, 52)
	for b.Loop() {
		Trend(values, 52, TrendOptions{})
	}
}
