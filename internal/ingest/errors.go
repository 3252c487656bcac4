package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is one thing wrong with the input, located precisely enough for a user
// to open the file and fix it.
type Problem struct {
	File    string `json:"file"`   // the path as given (or joined with its directory)
	Line    int    `json:"line"`   // 1-based line where the record starts; 0 when about the whole file
	Column  string `json:"column"` // column name, "header" for header problems, "" for the whole row
	Message string `json:"message"`
}

// String formats the problem as "file:line: column: message", leaving out the
// parts that do not apply.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Column != "" {
		b.WriteString(p.Column)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error lists every problem found in an import, up to Options.MaxErrors. An
// import that returns it has changed nothing in the database.
type Error struct {
	Problems []Problem
	More     int // problems seen beyond the cap
}

// Error prints one problem per line, then "... and N more" when the cap was hit.
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	if e.More > 0 {
		if len(e.Problems) > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "... and %d more", e.More)
	}
	return b.String()
}

// problemList collects problems up to a cap. Once the cap is reached it only
// counts, so that the user learns how much more is wrong without a flood.
type problemList struct {
	max      int
	problems []Problem
	more     int
}

func (l *problemList) add(file string, line int, column, msg string) {
	if len(l.problems) < l.max {
		l.problems = append(l.problems, Problem{File: file, Line: line, Column: column, Message: msg})
		return
	}
	l.more++
}

func (l *problemList) any() bool { return len(l.problems) > 0 || l.more > 0 }

func (l *problemList) full() bool { return l.more > 0 }

func (l *problemList) err() error {
	if !l.any() {
		return nil
	}
	return &Error{Problems: l.problems, More: l.more}
}

// maxQuoted bounds how much of a bad value goes into a message: enough to find
// it in the file, not so much that a 10,000-character cell drowns the report.
const maxQuoted = 40

// quote renders a cell value for a message, truncated and with every control
// or invalid byte escaped so that the message stays on one line.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		n, i := 0, 0
		for i = range s {
			if n == maxQuoted {
				break
			}
			n++
		}
		return strconv.Quote(s[:i]) + "…"
	}
	return strconv.Quote(s)
}
