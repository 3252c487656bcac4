package goals

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/store"
)

// Benchmark is where peers stand on a KPI: the quartiles of a published
// distribution, for one segment ("" for all).
type Benchmark struct {
	KPI     string  `json:"kpi"`
	Segment string  `json:"segment"`
	P25     float64 `json:"p25"`
	P50     float64 `json:"p50"`
	P75     float64 `json:"p75"`
	Source  string  `json:"source"`
}

// benchmarkColumns is the header of a benchmarks file.
var benchmarkColumns = []string{"kpi", "segment", "p25", "p50", "p75", "source"}

// ImportBenchmarks reads a benchmarks CSV file (kpi, segment, p25, p50, p75,
// source) and replaces the stored benchmarks of the KPI and segment pairs it
// holds. Every bad value is reported as file:line: column: message and nothing
// is stored.
func ImportBenchmarks(ctx context.Context, st store.Store, cat *kpi.Catalog, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("benchmarks: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return 0, fmt.Errorf("%s:1: header: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var probs []string
	for _, c := range benchmarkColumns {
		if _, ok := col[c]; !ok {
			probs = append(probs, fmt.Sprintf("%s:1: header: missing column %q", path, c))
		}
	}
	if len(probs) > 0 {
		return 0, errors.New(strings.Join(probs, "\n"))
	}
	var rows []Benchmark
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s:%d: %v", path, line, err))
			break
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		b := Benchmark{KPI: get("kpi"), Segment: get("segment"), Source: get("source")}
		bad := func(c, format string, args ...any) {
			probs = append(probs, fmt.Sprintf("%s:%d: %s: %s", path, line, c, fmt.Sprintf(format, args...)))
		}
		if _, ok := cat.KPI(b.KPI); !ok {
			bad("kpi", "%q is not a KPI of the catalog", b.KPI)
		}
		if b.Source == "" {
			bad("source", "required: say where the figures come from")
		}
		ok := true
		for _, q := range []struct {
			name string
			dst  *float64
		}{{"p25", &b.P25}, {"p50", &b.P50}, {"p75", &b.P75}} {
			v, err := strconv.ParseFloat(get(q.name), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				bad(q.name, "%q is not a number", get(q.name))
				ok = false
				continue
			}
			*q.dst = v
		}
		if ok && !(b.P25 <= b.P50 && b.P50 <= b.P75) {
			bad("p50", "quartiles out of order: p25 %g, p50 %g, p75 %g", b.P25, b.P50, b.P75)
		}
		key := b.KPI + "\x1f" + b.Segment
		if first, dup := seen[key]; dup {
			bad("kpi", "%s for segment %q already given on line %d", b.KPI, b.Segment, first)
		}
		seen[key] = line
		rows = append(rows, b)
		if len(probs) >= 100 {
			break
		}
	}
	if len(probs) > 0 {
		return 0, fmt.Errorf("%s\nbenchmarks refused: %d problem(s); nothing was stored", strings.Join(probs, "\n"), len(probs))
	}
	err = st.InTx(ctx, func(tx *sql.Tx) error {
		for _, b := range rows {
			if _, err := tx.ExecContext(ctx, `DELETE FROM benchmarks WHERE kpi = ? AND segment = ?`, b.KPI, b.Segment); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO benchmarks (kpi, segment, p25, p50, p75, source) VALUES (?, ?, ?, ?, ?, ?)`,
				b.KPI, b.Segment, b.P25, b.P50, b.P75, b.Source); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("benchmarks: %w", err)
	}
	return len(rows), nil
}

// StoredBenchmarks lists the benchmarks, keyed by KPI and segment.
func StoredBenchmarks(ctx context.Context, st store.Store) (map[string]Benchmark, error) {
	rows, err := st.Query(ctx, `SELECT kpi, segment, p25, p50, p75, source FROM benchmarks`)
	if err != nil {
		return nil, fmt.Errorf("read benchmarks: %w", err)
	}
	defer rows.Close()
	out := map[string]Benchmark{}
	for rows.Next() {
		var b Benchmark
		if err := rows.Scan(&b.KPI, &b.Segment, &b.P25, &b.P50, &b.P75, &b.Source); err != nil {
			return nil, fmt.Errorf("read benchmarks: %w", err)
		}
		out[b.KPI+"\x1f"+b.Segment] = b
	}
	return out, rows.Err()
}

// Percentile places a value in a benchmark's distribution by linear
// interpolation between its quartiles, extended past p25 and p75 with the
// nearest interquartile slope and clamped to [0, 100]. A flat distribution
// (all quartiles equal) gives 50 for that value, 0 below and 100 above.
func (b Benchmark) Percentile(v float64) float64 {
	qs := []struct{ p, x float64 }{{25, b.P25}, {50, b.P50}, {75, b.P75}}
	if b.P25 == b.P75 {
		switch {
		case v < b.P25:
			return 0
		case v > b.P75:
			return 100
		}
		return 50
	}
	seg := func(a, c struct{ p, x float64 }) float64 {
		if c.x == a.x {
			return (a.p + c.p) / 2
		}
		return a.p + (v-a.x)/(c.x-a.x)*(c.p-a.p)
	}
	var p float64
	switch {
	case v <= b.P50:
		lo, hi := qs[0], qs[1]
		if lo.x == hi.x {
			lo, hi = qs[0], qs[2]
		}
		p = seg(lo, hi)
	default:
		lo, hi := qs[1], qs[2]
		if lo.x == hi.x {
			lo, hi = qs[0], qs[2]
		}
		p = seg(lo, hi)
	}
	return math.Max(0, math.Min(100, p))
}
