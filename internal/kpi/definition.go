package kpi

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/salesops/salesops/internal/store"
	"github.com/salesops/salesops/internal/yamlfile"
)

// Measure is a named aggregation over an entity's rows: the building block that
// KPI formulas combine.
type Measure struct {
	ID          string `yaml:"id"`
	Entity      string `yaml:"entity"`
	Agg         string `yaml:"agg"`    // count, sum, avg, median, min, max, count_distinct, stddev
	Expr        string `yaml:"expr"`   // what is aggregated (a column or arithmetic over columns)
	Filter      string `yaml:"filter"` // which rows count
	Time        string `yaml:"time"`   // flow: the instant that puts a row in a period
	At          string `yaml:"at"`     // snapshot: "start" or "end" of the period
	Description string `yaml:"description"`

	source string // file the definition came from
	expr   Node
	filter Node
	idx    int // position in the catalog, for slot lookups
}

// KPI is a named formula over measures and other KPIs, with what a reader needs to
// interpret it.
type KPI struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	Category    string `yaml:"category"`
	Unit        string `yaml:"unit"`      // count, currency, fraction, days, minutes, score, ratio
	Direction   string `yaml:"direction"` // higher or lower is better
	Indicator   string `yaml:"indicator"` // leading or lagging
	Owner       string `yaml:"owner"`     // role that owns it
	Description string `yaml:"description"`
	Formula     string `yaml:"formula"`

	source  string
	formula Node
	idx     int
}

// Source is the file the KPI was declared in ("built-in" for the catalog).
func (k *KPI) Source() string { return k.source }

// file is the shape of a definitions file.
type file struct {
	Measures []*Measure `yaml:"measures"`
	KPIs     []*KPI     `yaml:"kpis"`
}

//go:embed catalog/*.yaml
var catalogFiles embed.FS

// Catalog holds every measure and KPI known to the engine, built-in and custom.
type Catalog struct {
	measures map[string]*Measure
	kpis     map[string]*KPI
	order    []string // KPI ids in declaration order
	entities map[string]*entity
}

// Units, directions and indicators a KPI may declare.
var (
	units      = []string{"count", "currency", "fraction", "days", "minutes", "score", "ratio"}
	directions = []string{"higher", "lower"}
	indicators = []string{"leading", "lagging"}
	aggs       = []string{"count", "sum", "avg", "median", "min", "max", "count_distinct", "stddev"}
)

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// DefinitionError names the file, definition and problem.
type DefinitionError struct {
	File string
	ID   string // measure or KPI id, empty for file-level problems
	Kind string // "measure" or "kpi"
	Err  error
}

func (e *DefinitionError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: %s %s: %v", e.File, e.Kind, e.ID, e.Err)
}

func (e *DefinitionError) Unwrap() error { return e.Err }

// LoadCatalog reads the built-in catalog and then each extra path (a YAML file or
// a directory of *.yaml / *.yml files). A custom definition may not reuse the id
// of an existing measure or KPI.
func LoadCatalog(ents map[string]*entity, extra ...string) (*Catalog, error) {
	c := &Catalog{measures: map[string]*Measure{}, kpis: map[string]*KPI{}, entities: ents}
	defer c.index()
	names, err := fs.Glob(catalogFiles, "catalog/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		data, err := catalogFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		errs = append(errs, c.add("built-in "+n, data)...)
	}
	for _, p := range extra {
		files, err := definitionFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read KPI definitions: %w", err)
			}
			errs = append(errs, c.add(f, data)...)
		}
	}
	if len(errs) == 0 {
		errs = c.resolve()
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func definitionFiles(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("KPI definitions: %w", err)
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var files []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(p, pat))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("KPI definitions: no *.yaml files in %s", p)
	}
	return files, nil
}

// add parses one definitions file and checks each definition on its own; names
// that refer to each other are checked by resolve once every file is in.
func (c *Catalog) add(src string, data []byte) []error {
	var f file
	if err := yamlfile.Decode(data, &f); err != nil {
		return []error{&DefinitionError{File: src, Err: errors.New(yaml.FormatError(err, false, true))}}
	}
	if len(f.Measures) == 0 && len(f.KPIs) == 0 {
		return []error{&DefinitionError{File: src, Err: errors.New("no measures or kpis declared")}}
	}
	var errs []error
	bad := func(kind, id string, format string, args ...any) {
		errs = append(errs, &DefinitionError{File: src, Kind: kind, ID: id, Err: fmt.Errorf(format, args...)})
	}
	for i, m := range f.Measures {
		if m == nil || m.ID == "" {
			bad("measure", fmt.Sprintf("#%d", i+1), "id is required")
			continue
		}
		m.source = src
		if !validID(m.ID) {
			bad("measure", m.ID, "id must be lower-case letters, digits and _ starting with a letter")
			continue
		}
		if _, dup := c.measures[m.ID]; dup {
			bad("measure", m.ID, "already declared in %s", c.measures[m.ID].source)
			continue
		}
		if _, dup := c.kpis[m.ID]; dup {
			bad("measure", m.ID, "a KPI of that id is declared in %s", c.kpis[m.ID].source)
			continue
		}
		if err := c.checkMeasure(m); err != nil {
			bad("measure", m.ID, "%v", err)
			continue
		}
		c.measures[m.ID] = m
	}
	for i, k := range f.KPIs {
		if k == nil || k.ID == "" {
			bad("kpi", fmt.Sprintf("#%d", i+1), "id is required")
			continue
		}
		k.source = src
		if !validID(k.ID) {
			bad("kpi", k.ID, "id must be lower-case letters, digits and _ starting with a letter")
			continue
		}
		if prev, dup := c.kpis[k.ID]; dup {
			bad("kpi", k.ID, "already declared in %s", prev.source)
			continue
		}
		if prev, dup := c.measures[k.ID]; dup {
			bad("kpi", k.ID, "a measure of that id is declared in %s", prev.source)
			continue
		}
		if err := checkKPIFields(k); err != nil {
			bad("kpi", k.ID, "%v", err)
			continue
		}
		n, err := Parse(k.Formula)
		if err != nil {
			bad("kpi", k.ID, "formula %q: %v", k.Formula, err)
			continue
		}
		k.formula = n
		c.kpis[k.ID] = k
		c.order = append(c.order, k.ID)
	}
	return errs
}

func validID(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func checkKPIFields(k *KPI) error {
	switch {
	case k.Formula == "":
		return errors.New("formula is required")
	case k.Name == "":
		return errors.New("name is required")
	case !oneOf(k.Unit, units):
		return fmt.Errorf("unit %q: want one of %s", k.Unit, strings.Join(units, ", "))
	case !oneOf(k.Direction, directions):
		return fmt.Errorf("direction %q: want higher or lower", k.Direction)
	case !oneOf(k.Indicator, indicators):
		return fmt.Errorf("indicator %q: want leading or lagging", k.Indicator)
	case k.Category == "":
		return errors.New("category is required")
	}
	return nil
}

func (c *Catalog) checkMeasure(m *Measure) error {
	e, ok := c.entities[m.Entity]
	if !ok {
		return fmt.Errorf("entity %q: want one of %s", m.Entity, entityNames(c.entities))
	}
	if !oneOf(m.Agg, aggs) {
		return fmt.Errorf("agg %q: want one of %s", m.Agg, strings.Join(aggs, ", "))
	}
	switch {
	case e.periodic:
		if m.Time != "" || m.At != "" {
			return fmt.Errorf("entity %s already has one row per period: leave time and at out", e.name)
		}
	case m.Time != "" && m.At != "":
		return errors.New("give either time (a flow) or at (a snapshot), not both")
	case m.At != "":
		if e.validTo == "" && e.validFrom == "" {
			return fmt.Errorf("entity %s cannot be a snapshot; use time: one of %s", e.name, keys(e.times))
		}
		if m.At != "start" && m.At != "end" {
			return fmt.Errorf("at %q: want start or end", m.At)
		}
	default:
		if _, ok := e.times[m.Time]; !ok {
			if m.Time == "" {
				return fmt.Errorf("time is required: one of %s", keys(e.times))
			}
			return fmt.Errorf("time %q: want one of %s", m.Time, keys(e.times))
		}
	}
	if m.Expr == "" && m.Agg != "count" {
		return fmt.Errorf("agg %s needs expr", m.Agg)
	}
	if m.Expr != "" {
		n, err := Parse(m.Expr)
		if err != nil {
			return fmt.Errorf("expr %q: %v", m.Expr, err)
		}
		if err := checkColumns(n, e); err != nil {
			return fmt.Errorf("expr %q: %v", m.Expr, err)
		}
		m.expr = n
	}
	if m.Filter != "" {
		n, err := Parse(m.Filter)
		if err != nil {
			return fmt.Errorf("filter %q: %v", m.Filter, err)
		}
		if err := checkColumns(n, e); err != nil {
			return fmt.Errorf("filter %q: %v", m.Filter, err)
		}
		m.filter = n
	}
	return nil
}

func keys(m map[string]string) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) == 0 {
		return "(none)"
	}
	return strings.Join(ks, ", ")
}

// index numbers measures and KPIs and points each formula identifier at what it
// names.
func (c *Catalog) index() {
	var ids []string
	for id := range c.measures {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		c.measures[id].idx = i
	}
	for i, id := range c.order {
		k := c.kpis[id]
		k.idx = i
		walk(k.formula, func(n Node) {
			if x, ok := n.(*Ident); ok {
				x.measure = c.measures[x.Name]
				x.kpi = c.kpis[x.Name]
			}
		})
	}
}

// resolve checks that every name a KPI formula uses exists and that KPIs do not
// refer to themselves through others.
func (c *Catalog) resolve() []error {
	var errs []error
	for _, id := range c.order {
		k := c.kpis[id]
		if err := c.checkFormula(k.formula); err != nil {
			errs = append(errs, &DefinitionError{File: k.source, Kind: "kpi", ID: id, Err: fmt.Errorf("formula %q: %v", k.Formula, err)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	for _, id := range c.order {
		if cyc := c.cycle(id, nil); cyc != nil {
			k := c.kpis[id]
			errs = append(errs, &DefinitionError{File: k.source, Kind: "kpi", ID: id, Err: fmt.Errorf("formula refers to itself: %s", strings.Join(cyc, " → "))})
		}
	}
	return errs
}

func (c *Catalog) cycle(id string, path []string) []string {
	for _, p := range path {
		if p == id {
			return append(path, id)
		}
	}
	path = append(path, id)
	var found []string
	walk(c.kpis[id].formula, func(n Node) {
		if found != nil {
			return
		}
		if x, ok := n.(*Ident); ok {
			if _, isKPI := c.kpis[x.Name]; isKPI {
				found = c.cycle(x.Name, path)
			}
		}
	})
	return found
}

// Measures returns a measure by id.
func (c *Catalog) Measure(id string) (*Measure, bool) {
	m, ok := c.measures[id]
	return m, ok
}

// KPI returns a KPI by id.
func (c *Catalog) KPI(id string) (*KPI, bool) {
	k, ok := c.kpis[id]
	return k, ok
}

// KPIs lists every KPI in declaration order: the built-in catalog first.
func (c *Catalog) KPIs() []*KPI {
	out := make([]*KPI, len(c.order))
	for i, id := range c.order {
		out[i] = c.kpis[id]
	}
	return out
}

// LoadBuiltin loads the catalog without a store, for listing it.
func LoadBuiltin(extra ...string) (*Catalog, error) {
	return LoadCatalog(entities(store.DuckDB{}), extra...)
}

// Info describes a KPI for listings and the API.
type Info struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Category    string `json:"category"`
	Unit        string `json:"unit"`
	Direction   string `json:"direction"`
	Indicator   string `json:"indicator"`
	Owner       string `json:"owner"`
	Formula     string `json:"formula"`
	Description string `json:"description"`
}

// Info returns the KPI's description.
func (k *KPI) Info() Info {
	return Info{k.ID, k.Name, k.Category, k.Unit, k.Direction, k.Indicator, k.Owner, k.Formula, k.Description}
}
