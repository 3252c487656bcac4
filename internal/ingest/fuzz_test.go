package ingest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/salesops/salesops/internal/model"
)

// checkRow asserts that a staged row has the shape and Go types the store's
// staging tables expect; a wrong type would only fail deep inside the driver.
func checkRow(t *testing.T, e *model.Entity, row []any, lastSeq *int64) {
	t.Helper()
	want := len(e.Columns) + 1
	if e.CompositeKey() {
		want++
	}
	if len(row) != want {
		t.Fatalf("%s row has %d values, want %d", e.Name, len(row), want)
	}
	for i, c := range e.Columns {
		v := row[i]
		if v == nil {
			if c.Required {
				t.Fatalf("%s.%s: nil for a required column", e.Name, c.Name)
			}
			continue
		}
		ok := false
		switch c.Kind {
		case model.Text:
			_, ok = v.(string)
		case model.Enum:
			s, isStr := v.(string)
			ok = isStr && c.Allowed(s)
		case model.Time:
			tm, isTime := v.(time.Time)
			ok = isTime && tm.Location() == time.UTC && tm.Nanosecond()%1000 == 0
		case model.Decimal, model.Fraction, model.Number:
			_, ok = v.(float64)
		case model.Score:
			n, isInt := v.(int32)
			ok = isInt && n >= 0 && n <= 10
		case model.Bool:
			_, ok = v.(bool)
		}
		if !ok {
			t.Fatalf("%s.%s: %T %v is not a valid %v", e.Name, c.Name, v, v, c.Kind)
		}
	}
	if e.CompositeKey() {
		if _, ok := row[len(e.Columns)].(string); !ok {
			t.Fatalf("%s: row key is %T", e.Name, row[len(e.Columns)])
		}
	}
	seq, ok := row[want-1].(int64)
	if !ok || seq <= *lastSeq {
		t.Fatalf("%s: sequence %v after %d", e.Name, row[want-1], *lastSeq)
	}
	*lastSeq = seq
}

// fuzzRead runs data through the same parser as Import, checking every row
// that would be staged and the shape of every problem.
func fuzzRead(t *testing.T, name string, data []byte) {
	e, _ := model.EntityByName(name)
	const maxErrors = 20
	probs := &problemList{max: maxErrors}
	// Small batches keep each run cheap and make the flush path run often.
	p := &parser{probs: probs, ctx: context.Background(), cur: newBatch(3)}
	var emitted, lastSeq int64
	p.emit = func(b *batch) (*batch, error) {
		if b.entity != e || b.file != name {
			t.Fatalf("batch labelled %v %q", b.entity, b.file)
		}
		for _, row := range b.rows[:b.n] {
			checkRow(t, e, row, &lastSeq)
		}
		emitted += int64(b.n)
		return b, nil
	}
	rows, err := p.readFile(name, e, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("readFile: %v", err)
	}
	if rows < 0 {
		t.Fatalf("rows = %d", rows)
	}
	if len(probs.problems) > maxErrors {
		t.Fatalf("%d problems beyond the cap", len(probs.problems))
	}
	for _, pr := range probs.problems {
		if pr.File == "" || pr.Line < 0 || pr.Message == "" {
			t.Fatalf("malformed problem %+v", pr)
		}
		if s := pr.String(); bytes.ContainsAny([]byte(s), "\n\r") {
			t.Fatalf("problem spans lines: %q", s)
		}
	}
	if !probs.any() && emitted != rows {
		t.Fatalf("no problems but %d of %d rows staged", emitted, rows)
	}

	// checkReader must agree with the parser it wraps.
	_, _, cerr := checkReader(context.Background(), name, e, bytes.NewReader(data), maxErrors)
	var ie *Error
	if probs.any() != (cerr != nil) || (cerr != nil && !errors.As(cerr, &ie)) {
		t.Fatalf("checkReader: %v, parser problems: %v", cerr, probs.problems)
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, name := range []string{"activities.csv", "opportunities.csv"} {
		if b, err := os.ReadFile(filepath.Join("testdata/full", name)); err == nil {
			f.Add(false, b)
			f.Add(true, b)
		}
	}
	f.Add(false, []byte("\ufeff"+activitiesHeader+"X1,R1,CALL,2025-01-01 10:00:00,1e2,Inbound,\"a,\r\nb\",,,,2025-01-01T10:00:00.5+01:00,,1\r\n"))
	f.Add(false, []byte(activitiesHeader+"X1,R1,call,2025-01-01,,,say \"hi\",,,,,,\n\"X2\",R1,call,2025-01-01,,,\"open\n"))
	f.Add(false, []byte(activitiesHeader+",,,,,,,,,,,,\n  \nX1\n"))
	f.Add(true, []byte("opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date,probability,cost\nO1,R1,s,WON,-12.3400,2025-01-01,2024-01-01,0.5,1e-4\n"))
	f.Add(true, []byte("opportunity_id,owner_rep_id,stage,status,amount,created_at,close_date\nO1,R1,s,lost,1,2025-01-01T00:00:00.123456789Z,2025-01-01T23:59:59.9999999-01:00\n"))
	f.Add(true, []byte("Opportunity_ID,opportunity_id,extra\n"))
	f.Add(false, []byte(""))
	f.Fuzz(func(t *testing.T, opportunities bool, data []byte) {
		name := "activities.csv"
		if opportunities {
			name = "opportunities.csv"
		}
		fuzzRead(t, name, data)
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-03-31", "2024-02-29", "2023-02-29", "2026-03-31T14:05:09Z", "2026-03-31 14:05:09",
		"2026-03-31T14:05:09.123456789+05:45", "0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z",
		"2026-03-31T24:00:00Z", "2026-03-31t14:05:09z", "2026-03-31 14:05:09.5", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err != nil {
			// Nothing that a reference layout accepts may be refused.
			for _, layout := range []string{time.RFC3339Nano, time.DateOnly, time.DateTime} {
				if _, rerr := time.Parse(layout, s); rerr == nil {
					t.Fatalf("ParseTime(%q) refused what layout %q accepts: %v", s, layout, err)
				}
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not UTC", s, got)
		}
		// The fast path must agree with time.Parse wherever both apply.
		for _, layout := range []string{time.RFC3339Nano, time.DateOnly, time.DateTime} {
			if ref, rerr := time.Parse(layout, s); rerr == nil && !ref.Equal(got) {
				t.Fatalf("ParseTime(%q) = %v, time.Parse(%q) = %v", s, got, layout, ref)
			}
		}
		if y := got.Year(); y >= 0 && y <= 9999 {
			back, err := ParseTime(got.Format(time.RFC3339Nano))
			if err != nil || !back.Equal(got) {
				t.Fatalf("round trip of %q via %q: %v, %v", s, got.Format(time.RFC3339Nano), back, err)
			}
		}
	})
}
