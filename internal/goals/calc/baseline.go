package calc

import (
	"fmt"
	"slices"
)

// TrailingMean is the mean of the last n values of history (oldest first);
// error when history has fewer than n values or n < 1.
func TrailingMean(history []float64, n int) (float64, error) {
	w, err := trailing(history, n)
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	return sum / float64(n), nil
}

// TrailingMedian is the median of the last n values of history (oldest first);
// error when history has fewer than n values or n < 1. Median of even count
// averages the middle two.
func TrailingMedian(history []float64, n int) (float64, error) {
	w, err := trailing(history, n)
	if err != nil {
		return 0, err
	}
	s := slices.Clone(w)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2], nil
	}
	return (s[n/2-1] + s[n/2]) / 2, nil
}

// trailing returns the last n values of history without copying.
func trailing(history []float64, n int) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("calc: baseline: n must be at least 1, got %d", n)
	}
	if len(history) < n {
		return nil, fmt.Errorf("calc: baseline: need %d periods of history, have %d", n, len(history))
	}
	return history[len(history)-n:], nil
}
