package kpi

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The formula language is shared by KPI formulas (evaluated in Go over measure
// values) and by measure expressions and filters (compiled to SQL over entity
// columns). User text never reaches SQL: it is parsed into this tree, identifiers
// are resolved against known names, and literals become bound parameters.
//
//	expr    = or
//	or      = and { "or" and }
//	and     = not { "and" not }
//	not     = "not" not | cmp
//	cmp     = sum [ ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") sum
//	               | "is" ["not"] "null" | ["not"] "in" "(" expr { "," expr } ")" ]
//	sum     = product { ("+" | "-" | "−") product }
//	product = unary { ("*" | "/" | "×" | "÷") unary }
//	unary   = ("-" | "−") unary | primary
//	primary = number | 'string' | true | false | null | ident [ "(" [ expr { "," expr } ] ")" ] | "(" expr ")"

// Node is a node of a parsed formula.
type Node interface{ pos() int }

// Number is a numeric literal.
type Number struct {
	Value float64
	At    int
}

// String is a quoted text literal.
type String struct {
	Value string
	At    int
}

// Literal is true, false or null.
type Literal struct {
	Value string // "true", "false", "null"
	At    int
}

// Ident names a measure, KPI, column or variable.
type Ident struct {
	Name string
	At   int

	// Set when a KPI formula is resolved against the catalog, so evaluation
	// does not look names up per value.
	measure *Measure
	kpi     *KPI
}

// Call applies a function.
type Call struct {
	Func string
	Args []Node
	At   int
}

// Unary is a negation ("-" or "not").
type Unary struct {
	Op string
	X  Node
	At int
}

// Binary is an arithmetic, comparison or logical operation.
type Binary struct {
	Op   string // + - * / = != < <= > >= and or
	L, R Node
	At   int
}

// IsNull tests for a null (or non-null) value.
type IsNull struct {
	X   Node
	Not bool
	At  int
}

// In tests membership in a list of values.
type In struct {
	X    Node
	List []Node
	Not  bool
	At   int
}

func (n *Number) pos() int  { return n.At }
func (n *String) pos() int  { return n.At }
func (n *Literal) pos() int { return n.At }
func (n *Ident) pos() int   { return n.At }
func (n *Call) pos() int    { return n.At }
func (n *Unary) pos() int   { return n.At }
func (n *Binary) pos() int  { return n.At }
func (n *IsNull) pos() int  { return n.At }
func (n *In) pos() int      { return n.At }

// SyntaxError locates a problem in formula text.
type SyntaxError struct {
	Offset int // byte offset in the text
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at column %d: %s", e.Offset+1, e.Msg) }

type tokKind int

const (
	tEOF tokKind = iota
	tNum
	tStr
	tIdent
	tOp
)

type token struct {
	kind tokKind
	text string
	num  float64
	at   int
}

// maxFormulaLen bounds the work a single formula can cause.
const maxFormulaLen = 4096

func lex(src string) ([]token, error) {
	if len(src) > maxFormulaLen {
		return nil, &SyntaxError{0, fmt.Sprintf("formula longer than %d bytes", maxFormulaLen)}
	}
	var toks []token
	i := 0
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, &SyntaxError{i, "invalid UTF-8"}
		case unicode.IsSpace(r):
			i += size
		case r >= '0' && r <= '9' || r == '.':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
				k := j + 1
				if k < len(src) && (src[k] == '+' || src[k] == '-') {
					k++
				}
				if k < len(src) && src[k] >= '0' && src[k] <= '9' {
					for k < len(src) && src[k] >= '0' && src[k] <= '9' {
						k++
					}
					j = k
				}
			}
			v, err := strconv.ParseFloat(src[i:j], 64)
			if err != nil {
				return nil, &SyntaxError{i, fmt.Sprintf("bad number %q", src[i:j])}
			}
			toks = append(toks, token{kind: tNum, text: src[i:j], num: v, at: i})
			i = j
		case r == '\'':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(src) {
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(src[j])
				j++
			}
			if !closed {
				return nil, &SyntaxError{i, "unterminated string"}
			}
			toks = append(toks, token{kind: tStr, text: b.String(), at: i})
			i = j
		case r == '_' || unicode.IsLetter(r):
			j := i
			for j < len(src) {
				r2, s2 := utf8.DecodeRuneInString(src[j:])
				if r2 != '_' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
					break
				}
				j += s2
			}
			toks = append(toks, token{kind: tIdent, text: src[i:j], at: i})
			i = j
		default:
			op := ""
			for _, cand := range []string{"<=", ">=", "!=", "<>", "+", "-", "*", "/", "(", ")", ",", "=", "<", ">", "−", "×", "÷"} {
				if strings.HasPrefix(src[i:], cand) {
					op = cand
					break
				}
			}
			if op == "" {
				return nil, &SyntaxError{i, fmt.Sprintf("unexpected character %q", r)}
			}
			toks = append(toks, token{kind: tOp, text: normalOp(op), at: i})
			i += len(op)
		}
	}
	toks = append(toks, token{kind: tEOF, at: len(src)})
	return toks, nil
}

// normalOp maps the typographic operators of the catalog's prose to their ASCII
// spelling.
func normalOp(op string) string {
	switch op {
	case "−":
		return "-"
	case "×":
		return "*"
	case "÷":
		return "/"
	case "<>":
		return "!="
	}
	return op
}

type parser struct {
	toks  []token
	i     int
	depth int
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 200

// Parse parses formula text into a tree.
func Parse(src string) (Node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, &SyntaxError{0, "empty formula"}
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, &SyntaxError{t.at, fmt.Sprintf("unexpected %q", t.text)}
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(word string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, word)
}

func (p *parser) isOp(ops ...string) bool {
	t := p.peek()
	if t.kind != tOp {
		return false
	}
	for _, o := range ops {
		if t.text == o {
			return true
		}
	}
	return false
}

func (p *parser) expr() (Node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, &SyntaxError{p.peek().at, "formula nested too deeply"}
	}
	return p.or()
}

func (p *parser) or() (Node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		at := p.next().at
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: "or", L: l, R: r, At: at}
	}
	return l, nil
}

func (p *parser) and() (Node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		at := p.next().at
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: "and", L: l, R: r, At: at}
	}
	return l, nil
}

func (p *parser) not() (Node, error) {
	if p.isKeyword("not") {
		at := p.next().at
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, &SyntaxError{at, "formula nested too deeply"}
		}
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Unary{Op: "not", X: x, At: at}, nil
	}
	return p.cmp()
}

func (p *parser) cmp() (Node, error) {
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	switch {
	case p.isOp("=", "!=", "<", "<=", ">", ">="):
		t := p.next()
		r, err := p.sum()
		if err != nil {
			return nil, err
		}
		return &Binary{Op: t.text, L: l, R: r, At: t.at}, nil
	case p.isKeyword("is"):
		at := p.next().at
		not := false
		if p.isKeyword("not") {
			p.next()
			not = true
		}
		if !p.isKeyword("null") {
			return nil, &SyntaxError{p.peek().at, "expected null after is"}
		}
		p.next()
		return &IsNull{X: l, Not: not, At: at}, nil
	case p.isKeyword("in"), p.isKeyword("not") && p.i+1 < len(p.toks) && strings.EqualFold(p.toks[p.i+1].text, "in"):
		at := p.peek().at
		not := false
		if p.isKeyword("not") {
			p.next()
			not = true
		}
		p.next() // in
		if !p.isOp("(") {
			return nil, &SyntaxError{p.peek().at, "expected ( after in"}
		}
		p.next()
		var list []Node
		for {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			list = append(list, x)
			if p.isOp(",") {
				p.next()
				continue
			}
			if !p.isOp(")") {
				return nil, &SyntaxError{p.peek().at, "expected , or ) in list"}
			}
			p.next()
			break
		}
		return &In{X: l, List: list, Not: not, At: at}, nil
	}
	return l, nil
}

func (p *parser) sum() (Node, error) {
	l, err := p.product()
	if err != nil {
		return nil, err
	}
	for p.isOp("+", "-") {
		t := p.next()
		r, err := p.product()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: t.text, L: l, R: r, At: t.at}
	}
	return l, nil
}

func (p *parser) product() (Node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.isOp("*", "/") {
		t := p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: t.text, L: l, R: r, At: t.at}
	}
	return l, nil
}

func (p *parser) unary() (Node, error) {
	if p.isOp("-") {
		at := p.next().at
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, &SyntaxError{at, "formula nested too deeply"}
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Unary{Op: "-", X: x, At: at}, nil
	}
	return p.primary()
}

var reserved = map[string]bool{"and": true, "or": true, "not": true, "is": true, "in": true}

func (p *parser) primary() (Node, error) {
	t := p.next()
	switch t.kind {
	case tNum:
		return &Number{Value: t.num, At: t.at}, nil
	case tStr:
		return &String{Value: t.text, At: t.at}, nil
	case tIdent:
		lower := strings.ToLower(t.text)
		switch lower {
		case "true", "false", "null":
			return &Literal{Value: lower, At: t.at}, nil
		}
		if reserved[lower] {
			return nil, &SyntaxError{t.at, fmt.Sprintf("unexpected %q", t.text)}
		}
		if !p.isOp("(") {
			return &Ident{Name: t.text, At: t.at}, nil
		}
		p.next()
		call := &Call{Func: lower, At: t.at}
		if p.isOp(")") {
			p.next()
			return call, nil
		}
		for {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			call.Args = append(call.Args, x)
			if p.isOp(",") {
				p.next()
				continue
			}
			if !p.isOp(")") {
				return nil, &SyntaxError{p.peek().at, "expected , or ) in arguments"}
			}
			p.next()
			return call, nil
		}
	case tOp:
		if t.text == "(" {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if !p.isOp(")") {
				return nil, &SyntaxError{p.peek().at, "expected )"}
			}
			p.next()
			return x, nil
		}
		return nil, &SyntaxError{t.at, fmt.Sprintf("unexpected %q", t.text)}
	}
	return nil, &SyntaxError{t.at, "unexpected end of formula"}
}

// walk calls f on n and every node below it.
func walk(n Node, f func(Node)) {
	f(n)
	switch x := n.(type) {
	case *Call:
		for _, a := range x.Args {
			walk(a, f)
		}
	case *Unary:
		walk(x.X, f)
	case *Binary:
		walk(x.L, f)
		walk(x.R, f)
	case *IsNull:
		walk(x.X, f)
	case *In:
		walk(x.X, f)
		for _, a := range x.List {
			walk(a, f)
		}
	}
}
