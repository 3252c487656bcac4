// Package yamlfile reads the YAML files salesops takes from its users (KPI
// definitions, goals, alert rules, configuration) the same strict way, and
// says on which line a part of them starts.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/goccy/go-yaml"
)

// Decode decodes data into v, refusing fields v does not have, and turns a
// panic of the YAML library on hostile input (seen with tags on sequences)
// into an error. An empty document leaves v as it is.
func Decode(data []byte, v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed YAML: the parser could not read it (%v)", p)
		}
	}()
	err = yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField()).Decode(v)
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// Line is the line on which the node at path (e.g. "$.goals[3]") starts, or 0
// when the path is not in data.
func Line(data []byte, path string) (line int) {
	defer func() {
		if recover() != nil {
			line = 0
		}
	}()
	p, err := yaml.PathString(path)
	if err != nil {
		return 0
	}
	n, err := p.ReadNode(bytes.NewReader(data))
	if err != nil || n == nil || n.GetToken() == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// Where says where a Decode error is — the line the parser stopped on, 1 when
// it cannot tell — and what it is, in one or a few lines without colour.
func Where(err error) (line int, msg string) {
	line = 1
	var se yaml.Error
	if errors.As(err, &se) && se.GetToken() != nil {
		line = se.GetToken().Position.Line
		return line, strings.TrimSpace(yaml.FormatError(err, false, false))
	}
	return line, err.Error()
}
