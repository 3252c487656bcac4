package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/salesops/salesops/internal/model"
)

// batchSize rows travel together from the parsing goroutine to the staging one;
// big enough that channel hand-offs are negligible, small enough to stay in cache.
const batchSize = 4096

// maxWidth is the widest staged row: every column, the composite row key and
// the sequence number. Sizing every batch for it lets batches be reused across
// entities.
var maxWidth = func() int {
	w := 0
	for _, e := range model.Entities {
		w = max(w, len(e.Columns)+2)
	}
	return w
}()

// batch holds converted rows of one file, ready for Stager.Append.
type batch struct {
	entity *model.Entity
	file   string
	n      int
	rows   [][]any
}

func newBatch(size int) *batch {
	// One backing array per batch instead of one slice per row keeps the batch a
	// single allocation that lives for the whole run.
	backing := make([]any, size*maxWidth)
	b := &batch{rows: make([][]any, size)}
	for i := range b.rows {
		b.rows[i] = backing[i*maxWidth : i*maxWidth : (i+1)*maxWidth]
	}
	return b
}

// column is how one entity column is read from one file.
type column struct {
	model.Column
	index   int  // field position in the file, -1 when the file lacks the column
	keyPart bool // part of a composite key, so it must not contain keySep
	def     any  // value of a blank cell: the enum default or nil
	// values are the enumeration values converted to interfaces once per file, so
	// that a matched cell is stored without allocating a fresh string header.
	values []any
}

// ordered pairs are row checks "later must not be before earlier" that the
// column kinds alone cannot express.
var ordered = map[string][][2]string{
	"quotas":        {{"period_start", "period_end"}},
	"reps":          {{"hired_on", "left_on"}},
	"subscriptions": {{"start_date", "end_date"}},
}

// parser reads and validates files one after the other, numbering rows across
// the whole run so that the last row of a repeated key wins in the store.
type parser struct {
	probs    *problemList
	warnings []string
	seq      int64
	cur      *batch
	// emit hands over a full batch and returns an empty one to fill next. Rows are
	// only emitted while no problem has been found: once there is one the run will
	// be rolled back, so staging more would be wasted work.
	emit func(*batch) (*batch, error)
	// ctx is checked between batches so that a cancelled import stops promptly.
	ctx context.Context
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// readFile validates the CSV in r as a file of entity e. Problems go to
// p.probs; the error is only for a cancelled context or a failed hand-over.
func (p *parser) readFile(path string, e *model.Entity, r io.Reader) (rows int64, err error) {
	br := bufio.NewReaderSize(r, 256<<10)
	// Excel writes a byte-order mark that would otherwise become part of the
	// first column's name.
	if head, _ := br.Peek(len(bom)); bytes.Equal(head, bom) {
		_, _ = br.Discard(len(bom))
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // checked here, to report the line and carry on

	var header []string
	headerLine := 0
	for header == nil {
		rec, err := cr.Read()
		switch {
		case err == io.EOF:
			p.warnings = append(p.warnings, path+": empty file")
			return 0, nil
		case err != nil:
			p.csvProblem(path, err)
			return 0, nil // without a header no row can be understood
		case blank(rec):
			continue
		}
		header = append([]string(nil), rec...)
		headerLine, _ = cr.FieldPos(0)
	}
	f, ok := p.header(path, headerLine, e, header)
	if !ok {
		return 0, nil
	}
	lastErrLine := 0
	if p.cur == nil {
		p.cur = newBatch(batchSize)
	}
	p.cur.entity, p.cur.file, p.cur.n = e, path, 0

	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) || pe.Line <= lastErrLine {
				// An I/O error, or a parse error that did not move the reader on:
				// nothing more can be read from this file.
				p.csvProblem(path, err)
				break
			}
			lastErrLine = pe.Line
			rows++
			p.csvProblem(path, err)
			continue
		}
		if blank(rec) {
			continue
		}
		rows++
		// Flushes check the context too, but after the first problem nothing is
		// flushed, and a long file of bad rows must still stop on cancel.
		if rows%batchSize == 0 {
			if err := p.ctx.Err(); err != nil {
				return rows, err
			}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != f.width {
			p.probs.add(path, line, "", fmt.Sprintf("expected %d fields, got %d", f.width, len(rec)))
			continue
		}
		b := p.cur
		row := b.rows[b.n][:f.rowWidth]
		b.rows[b.n] = row
		if !p.convertRow(f, line, rec, row) || p.probs.any() {
			continue
		}
		p.seq++
		row[f.rowWidth-1] = p.seq
		b.n++
		if b.n == len(b.rows) {
			if err := p.flush(); err != nil {
				return rows, err
			}
		}
	}
	if p.cur.n > 0 && !p.probs.any() {
		if err := p.flush(); err != nil {
			return rows, err
		}
	}
	p.cur.n = 0
	return rows, p.ctx.Err()
}

// fileSpec is how the rows of one file map onto its entity, worked out once
// from the header.
type fileSpec struct {
	path     string
	entity   *model.Entity
	cols     []column // in entity column order
	width    int      // fields per record, from the header
	rowWidth int      // values per staged row
	keyCols  []int    // composite key columns, nil for a single-column key
	oneOf    []int
	order    [][2]int // column pairs where the second must not be before the first
	keyBuf   []byte
}

// convertRow fills row from the record and reports whether every cell and
// every row rule passed; each failure is recorded as a problem.
func (p *parser) convertRow(f *fileSpec, line int, rec []string, row []any) bool {
	good := true
	for i := range f.cols {
		c := &f.cols[i]
		raw := ""
		if c.index >= 0 {
			raw = strings.TrimSpace(rec[c.index])
		}
		v, msg := c.convert(raw)
		if msg != "" {
			p.probs.add(f.path, line, c.Name, msg)
			good = false
			continue
		}
		row[i] = v
	}
	if !good {
		// Row rules on top of bad cells would only repeat the same mistake.
		return false
	}
	if len(f.oneOf) > 0 {
		given := 0
		for _, i := range f.oneOf {
			if row[i] != nil {
				given++
			}
		}
		if given != 1 {
			names := strings.Join(f.entity.OneOf, " or ")
			msg := names + " is required"
			if given > 1 {
				msg = "give " + names + ", not both"
			}
			p.probs.add(f.path, line, strings.Join(f.entity.OneOf, "/"), msg)
			return false
		}
	}
	for _, o := range f.order {
		from, fok := row[o[0]].(time.Time)
		to, tok := row[o[1]].(time.Time)
		if fok && tok && to.Before(from) {
			early, late := f.cols[o[0]], f.cols[o[1]]
			p.probs.add(f.path, line, late.Name, fmt.Sprintf("%s is before %s %s",
				quote(strings.TrimSpace(rec[late.index])), early.Name, quote(strings.TrimSpace(rec[early.index]))))
			return false
		}
	}
	if f.keyCols != nil {
		f.keyBuf = appendKey(f.keyBuf[:0], row, f.keyCols)
		row[len(f.cols)] = string(f.keyBuf)
	}
	return true
}

func (p *parser) flush() error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	entity, file := p.cur.entity, p.cur.file
	next, err := p.emit(p.cur)
	if err != nil {
		p.cur = nil
		return err
	}
	next.entity, next.file, next.n = entity, file, 0
	p.cur = next
	return nil
}

// csvProblem reports what encoding/csv could not read, at the line it names.
func (p *parser) csvProblem(path string, err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		p.probs.add(path, pe.Line, "", fmt.Sprintf("malformed CSV: %v (character %d)", pe.Err, pe.Column))
		return
	}
	p.probs.add(path, 0, "", fmt.Sprintf("read failed: %v", err))
}

// header matches the header row to the entity's columns. It reports false when
// the file cannot be read because a required column is missing or doubled.
func (p *parser) header(path string, line int, e *model.Entity, header []string) (*fileSpec, bool) {
	cols := make([]column, len(e.Columns))
	for i, c := range e.Columns {
		cols[i] = column{Column: c, index: -1}
		if c.Default != "" {
			cols[i].def = c.Default
		}
		for _, v := range c.Values {
			cols[i].values = append(cols[i].values, v)
		}
	}
	for _, i := range keyIndexes(e) {
		cols[i].keyPart = true
	}
	ok := true
	var unknown []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		j := columnIndex(e, name)
		if j < 0 {
			if name == "" {
				name = "(blank)"
			}
			unknown = append(unknown, name)
			continue
		}
		if cols[j].index >= 0 {
			p.probs.add(path, line, "header", fmt.Sprintf("column %q appears more than once", name))
			ok = false
			continue
		}
		cols[j].index = i
	}
	for _, c := range cols {
		if c.Required && c.index < 0 {
			p.probs.add(path, line, "header", fmt.Sprintf("missing required column %q", c.Name))
			ok = false
		}
	}
	if len(e.OneOf) > 0 {
		present := false
		for _, i := range indexesOf(e, e.OneOf) {
			present = present || cols[i].index >= 0
		}
		if !present {
			p.probs.add(path, line, "header", fmt.Sprintf("missing column: one of %s is required", strings.Join(e.OneOf, ", ")))
			ok = false
		}
	}
	if len(unknown) > 0 {
		names := make([]string, len(e.Columns))
		for i, c := range e.Columns {
			names[i] = c.Name
		}
		p.warnings = append(p.warnings, fmt.Sprintf("%s: ignored unknown columns %s (known columns: %s)",
			path, strings.Join(unknown, ", "), strings.Join(names, ", ")))
	}
	f := &fileSpec{
		path: path, entity: e, cols: cols, width: len(header),
		rowWidth: len(e.Columns) + 1, keyCols: keyIndexes(e), oneOf: indexesOf(e, e.OneOf),
	}
	if e.CompositeKey() {
		f.rowWidth++
	}
	for _, pair := range ordered[e.Name] {
		ix := indexesOf(e, pair[:])
		f.order = append(f.order, [2]int{ix[0], ix[1]})
	}
	return f, ok
}

// convert turns a trimmed cell into the value staged for the column, or says
// what is wrong with it.
func (c *column) convert(raw string) (any, string) {
	if raw == "" {
		if c.Required && c.def == nil {
			return nil, "required value missing"
		}
		return c.def, ""
	}
	switch c.Kind {
	case model.Text:
		if c.keyPart && strings.IndexByte(raw, keySep) >= 0 {
			return nil, fmt.Sprintf("%s contains the control character U+001F, which cannot be part of a key", quote(raw))
		}
		return text(raw)
	case model.Enum:
		for i, v := range c.Values {
			if strings.EqualFold(raw, v) {
				return c.values[i], ""
			}
		}
		return nil, fmt.Sprintf("%s is not one of %s", quote(raw), strings.Join(c.Values, ", "))
	case model.Time:
		t, err := ParseTime(raw)
		if err != nil {
			return nil, fmt.Sprintf("%s is not a valid time (use %s)", quote(raw), timeFormats)
		}
		// The stores keep microseconds. Truncating here keeps a composite row key
		// equal to the key of the value actually stored, so two rows that the
		// database cannot tell apart are also one key.
		if t.Nanosecond()%1000 != 0 {
			t = t.Truncate(time.Microsecond)
		}
		return t, ""
	case model.Decimal, model.Fraction, model.Number:
		return c.number(raw)
	case model.Score:
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 10 {
			return nil, fmt.Sprintf("%s is not a whole number from 0 to 10", quote(raw))
		}
		return int32(n), ""
	case model.Email:
		if !isEmail(raw) {
			return nil, fmt.Sprintf("%s is not an e-mail address (want name@example.com)", quote(raw))
		}
		return text(raw)
	case model.Bool:
		switch {
		case strings.EqualFold(raw, "true"), raw == "1":
			return true, ""
		case strings.EqualFold(raw, "false"), raw == "0":
			return false, ""
		}
		return nil, fmt.Sprintf("%s is not true or false", quote(raw))
	}
	return nil, fmt.Sprintf("column kind %v is not supported", c.Kind)
}

// text accepts any string both stores can hold unchanged: hostile content is
// harmless because values are bound, but DuckDB's appender silently turns
// invalid UTF-8 into NULL, and PostgreSQL text cannot hold a NUL byte, so a
// file that imports into one store imports into the other.
func text(raw string) (any, string) {
	if !utf8.ValidString(raw) {
		return nil, fmt.Sprintf("%s is not valid UTF-8 text", quote(raw))
	}
	if strings.IndexByte(raw, 0) >= 0 {
		return nil, fmt.Sprintf("%s contains a NUL character, which text cannot hold", quote(raw))
	}
	return raw, ""
}

// isEmail accepts the addresses CRMs export: one @ between a non-empty local
// part and a domain of at least two non-empty labels, no spaces or control
// characters. It does not try to be RFC 5322 (quoted local parts, comments),
// which no CRM field holds; it catches the usual slips, such as a name or a
// phone number in the e-mail column, or two addresses in one cell.
func isEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == ',' || r == ';' || r == '<' || r == '>' {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
	}
	return true
}

// maxDecimal is the bound of DECIMAL(18, 4), the stored type of amounts.
const maxDecimal = 1e14

const numberHelp = `plain digits with "." for decimals, no thousands separators or currency symbols`

func (c *column) number(raw string) (any, string) {
	places, ok := scanNumber(raw)
	if !ok {
		return nil, fmt.Sprintf("%s is not a number (%s)", quote(raw), numberHelp)
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Sprintf("%s is out of range", quote(raw))
	}
	switch c.Kind {
	case model.Decimal:
		if places > 4 {
			return nil, fmt.Sprintf("%s has more than 4 decimal places", quote(raw))
		}
		if math.Abs(f) >= maxDecimal {
			return nil, fmt.Sprintf("%s is out of range (must be less than 10^14 in absolute value)", quote(raw))
		}
	case model.Fraction:
		if f < 0 || f > 1 {
			return nil, fmt.Sprintf("%s is not a fraction between 0 and 1", quote(raw))
		}
	case model.Number:
		if f < 0 {
			return nil, fmt.Sprintf("%s is negative", quote(raw))
		}
	}
	return f, ""
}

// scanNumber accepts only plain decimal notation, optionally with an exponent,
// because strconv.ParseFloat alone would also take "Inf", "NaN", hexadecimal
// and underscores, which no CRM export means as an amount. It returns the
// decimal places that carry a non-zero digit.
func scanNumber(s string) (places int, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	mant := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		mant++
	}
	frac, lastNonZero := 0, 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			frac++
			if s[i] != '0' {
				lastNonZero = frac
			}
			i++
		}
	}
	if mant+frac == 0 {
		return 0, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			if exp < 100000 {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
		}
		if i == start {
			return 0, false
		}
		if neg {
			exp = -exp
		}
	}
	if i != len(s) {
		return 0, false
	}
	return max(lastNonZero-exp, 0), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// blank reports a record without any content, such as a line of spaces or the
// trailing ",,,," rows that spreadsheets leave behind.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func columnIndex(e *model.Entity, name string) int {
	for i, c := range e.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func indexesOf(e *model.Entity, names []string) []int {
	ix := make([]int, len(names))
	for i, n := range names {
		ix[i] = columnIndex(e, n)
		if ix[i] < 0 {
			panic(fmt.Sprintf("ingest: entity %s has no column %s", e.Name, n))
		}
	}
	return ix
}

// keyIndexes lists the key columns of a composite-key entity, nil otherwise.
func keyIndexes(e *model.Entity) []int {
	if !e.CompositeKey() {
		return nil
	}
	return indexesOf(e, e.Key)
}

// keySep separates the parts of a composite key. It is a control character that
// no CRM puts into ids, and key cells containing it are refused, so two
// different keys can never join to the same string.
const keySep = '\x1f'

// appendKey writes the canonical form of a composite key: the stored values
// joined by keySep, times in RFC 3339 UTC, blank as empty.
func appendKey(buf []byte, row []any, cols []int) []byte {
	for n, i := range cols {
		if n > 0 {
			buf = append(buf, keySep)
		}
		switch v := row[i].(type) {
		case nil:
		case string:
			buf = append(buf, v...)
		case time.Time:
			buf = v.UTC().AppendFormat(buf, time.RFC3339Nano)
		case float64:
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		case int32:
			buf = strconv.AppendInt(buf, int64(v), 10)
		case bool:
			buf = strconv.AppendBool(buf, v)
		}
	}
	return buf
}
