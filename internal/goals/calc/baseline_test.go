package calc

import "testing"

func TestTrailing(t *testing.T) {
	history := []float64{10, 20, 30, 40, 100}
	tests := []struct {
		name      string
		history   []float64
		n         int
		mean, med float64
	}{
		// last 3: 30, 40, 100 → mean 170/3 = 56.666…, median 40
		{"odd window", history, 3, 170.0 / 3, 40},
		// last 4: 20, 30, 40, 100 → mean 190/4 = 47.5, median (30+40)/2 = 35
		{"even window", history, 4, 47.5, 35},
		// all 5: 200/5 = 40, median 30
		{"whole history", history, 5, 40, 30},
		// last 1: 100
		{"one period", history, 1, 100, 100},
		// unsorted: 5, 1, 4, 2 → mean 12/4 = 3; sorted 1, 2, 4, 5 → (2+4)/2 = 3
		{"unsorted", []float64{5, 1, 4, 2}, 4, 3, 3},
		// last 2 of 9, 1, 8: 1, 8 → mean 4.5, median (1+8)/2 = 4.5
		{"ignores older", []float64{9, 1, 8}, 2, 4.5, 4.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := append([]float64(nil), tt.history...)
			mean, err := TrailingMean(tt.history, tt.n)
			if err != nil || !near(mean, tt.mean) {
				t.Errorf("TrailingMean(%v, %d) = %v, %v; want %v", tt.history, tt.n, mean, err, tt.mean)
			}
			med, err := TrailingMedian(tt.history, tt.n)
			if err != nil || !near(med, tt.med) {
				t.Errorf("TrailingMedian(%v, %d) = %v, %v; want %v", tt.history, tt.n, med, err, tt.med)
			}
			for i := range orig {
				if orig[i] != tt.history[i] {
					t.Fatalf("history modified: %v, was %v", tt.history, orig)
				}
			}
		})
	}
	for _, c := range []struct {
		h []float64
		n int
	}{{history, 0}, {history, -1}, {history, 6}, {nil, 1}} {
		if _, err := TrailingMean(c.h, c.n); err == nil {
			t.Errorf("TrailingMean(%v, %d): want an error", c.h, c.n)
		}
		if _, err := TrailingMedian(c.h, c.n); err == nil {
			t.Errorf("TrailingMedian(%v, %d): want an error", c.h, c.n)
		}
	}
}
