package kpi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Round gives a value the precision its unit is reported at: currency to the
// cent, everything else to six decimal places.
func Round(unit string, v float64) float64 {
	scale := 1e6
	if unit == "currency" {
		scale = 100
	}
	r := math.Round(v*scale) / scale
	if r == 0 {
		return 0 // no negative zero in output
	}
	return r
}

func (e *Engine) unit(id string) string {
	if k, ok := e.cat.kpis[id]; ok {
		return k.Unit
	}
	return ""
}

// WriteJSON writes one JSON array of objects with the keys kpi, period, one per
// dimension, and value (a number or null).
func (e *Engine) WriteJSON(w io.Writer, res *Result) error {
	var b bytes.Buffer
	b.WriteString("[")
	for i, r := range res.Rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {\"kpi\":")
		writeJSONString(&b, r.KPI)
		b.WriteString(",\"period\":")
		writeJSONString(&b, r.Period.Label)
		for d, name := range res.By {
			b.WriteString(",")
			writeJSONString(&b, name)
			b.WriteString(":")
			if r.Dims[d] == nil {
				b.WriteString("null")
			} else {
				writeJSONString(&b, *r.Dims[d])
			}
		}
		b.WriteString(",\"value\":")
		if r.Value == nil {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatFloat(Round(e.unit(r.KPI), *r.Value), 'f', -1, 64))
		}
		b.WriteString("}")
	}
	if len(res.Rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := w.Write(b.Bytes())
	return err
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

// WriteCSV writes a header (kpi, period, dimensions, value) and one line per row;
// a null value is an empty cell; dimension values a spreadsheet would take for
// a formula are escaped (SpreadsheetSafe).
func (e *Engine) WriteCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	header := append(append([]string{"kpi", "period"}, res.By...), "value")
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, r := range res.Rows {
		rec[0], rec[1] = r.KPI, r.Period.Label
		for d := range res.By {
			rec[2+d] = ""
			if r.Dims[d] != nil {
				rec[2+d] = SpreadsheetSafe(*r.Dims[d])
			}
		}
		rec[len(rec)-1] = ""
		if r.Value != nil {
			rec[len(rec)-1] = strconv.FormatFloat(Round(e.unit(r.KPI), *r.Value), 'f', -1, 64)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// maxTableColumns is how many periods the table shows side by side; beyond it
// the table lists one period per line, as CSV does.
const maxTableColumns = 8

// WriteTable writes an aligned table for people: currency with two decimals,
// fractions with four, "-" for null and "(blank)" for a blank dimension value.
// Up to eight periods are shown as columns, one line per KPI and dimension value.
func (e *Engine) WriteTable(w io.Writer, res *Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var periods []Period
	seen := map[string]bool{}
	for _, r := range res.Rows {
		if !seen[r.Period.Label] {
			seen[r.Period.Label] = true
			periods = append(periods, *r.Period)
		}
	}
	sort.SliceStable(periods, func(i, j int) bool { return periods[i].Bucket.Before(periods[j].Bucket) })
	dimCells := func(r Row) []string {
		var cells []string
		for d := range res.By {
			if r.Dims[d] == nil {
				cells = append(cells, "(blank)")
			} else {
				cells = append(cells, sanitize(*r.Dims[d]))
			}
		}
		return cells
	}
	if len(periods) > maxTableColumns {
		header := append(append([]string{"KPI", "PERIOD"}, upper(res.By)...), "VALUE")
		fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
		for _, r := range res.Rows {
			cells := append(append([]string{r.KPI, r.Period.Label}, dimCells(r)...), FormatValue(e.unit(r.KPI), r.Value))
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		}
		return tw.Flush()
	}
	header := append([]string{"KPI"}, upper(res.By)...)
	col := map[string]int{}
	for i, p := range periods {
		header = append(header, p.Label)
		col[p.Label] = i
	}
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	// One line per KPI and dimension values, in the rows' KPI order and then
	// by dimension values.
	type line struct {
		kpi   int
		dims  []string
		cells []string
	}
	var lines []*line
	index := map[string]*line{}
	kpiRank := map[string]int{}
	for _, r := range res.Rows {
		if _, ok := kpiRank[r.KPI]; !ok {
			kpiRank[r.KPI] = len(kpiRank)
		}
		dims := dimCells(r)
		k := r.KPI + "\x1f" + strings.Join(dims, "\x1f")
		l, ok := index[k]
		if !ok {
			l = &line{kpi: kpiRank[r.KPI], dims: dims, cells: append([]string{r.KPI}, dims...)}
			for range periods {
				l.cells = append(l.cells, "")
			}
			index[k] = l
			lines = append(lines, l)
		}
		l.cells[1+len(dims)+col[r.Period.Label]] = FormatValue(e.unit(r.KPI), r.Value)
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].kpi != lines[j].kpi {
			return lines[i].kpi < lines[j].kpi
		}
		return slices.Compare(lines[i].dims, lines[j].dims) < 0
	})
	for _, l := range lines {
		fmt.Fprintln(tw, strings.Join(l.cells, "\t")+"\t")
	}
	return tw.Flush()
}

// FormatValue renders a value for people.
func FormatValue(unit string, v *float64) string {
	if v == nil {
		return "-"
	}
	x := Round(unit, *v)
	switch unit {
	case "currency":
		return strconv.FormatFloat(x, 'f', 2, 64)
	case "fraction":
		return strconv.FormatFloat(x, 'f', 4, 64)
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// sanitize keeps control characters in imported names from breaking the table.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// Readable writes a value the way a sales leader reads it: money in whole units
// with thousands separators, fractions as percentages.
func Readable(unit string, v *float64) string {
	if v == nil {
		return "—"
	}
	x := *v
	switch unit {
	case "currency", "count":
		return thousands(math.Round(x), 0) // half away from zero: 3,000.50 reads 3,001
	case "fraction":
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	case "days":
		return strconv.FormatFloat(x, 'f', 1, 64) + " days"
	case "minutes":
		return strconv.FormatFloat(x, 'f', 1, 64) + " min"
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// ReadableDelta writes a change with its sign; a change of a fraction is in
// percentage points.
func ReadableDelta(unit string, v *float64) string {
	if v == nil {
		return "—"
	}
	sign := "+"
	if *v < 0 {
		sign = "−"
	}
	a := math.Abs(*v)
	switch unit {
	case "fraction":
		return sign + strconv.FormatFloat(100*a, 'f', 1, 64) + " pts"
	}
	return sign + Readable(unit, &a)
}

// thousands formats x with the given decimals and a comma between thousands.
func thousands(x float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if x < 0 && s != strings.Repeat("0", len(s)) {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// SpreadsheetSafe keeps a text cell of a CSV export from being read as a
// formula when the file is opened in a spreadsheet: a cell starting with =, +,
// -, @, a tab or a carriage return gets a leading apostrophe (the OWASP advice
// on CSV injection). Imported names are user input; an account called
// "=HYPERLINK(…)" must reach the sheet as text.
func SpreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
