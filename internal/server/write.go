package server

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/kpi"
	"github.com/salesops/salesops/internal/model"
)

// handleImport takes canonical CSV files as a multipart upload (field "file")
// and imports them exactly as `salesops import` would.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("file", "send the CSV files as multipart/form-data in field \"file\"")
	}
	dir, err := os.MkdirTemp("", "salesops-upload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var paths []string
	names := map[string]string{} // temporary path → uploaded name
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if part.FormName() != "file" {
			part.Close()
			return badRequest(part.FormName(), "unknown form field (send files in \"file\")")
		}
		path, err := saveUpload(dir, len(paths), part)
		part.Close()
		if err != nil {
			return err
		}
		names[path] = filepath.Base(part.FileName())
		paths = append(paths, path)
	}
	if len(paths) == 0 {
		return badRequest("file", "no files uploaded")
	}
	return s.importPaths(w, r, "upload", paths, func(p ingest.Problem) ingest.Problem {
		if n, ok := names[p.File]; ok {
			p.File = n
		}
		return p
	}, func(msg string) string {
		for path, name := range names {
			msg = strings.ReplaceAll(msg, path, name)
		}
		return strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
	})
}

// saveUpload stores one uploaded file under its own name in a numbered folder,
// so that two uploads of the same entity do not collide.
func saveUpload(dir string, i int, part *multipart.Part) (string, error) {
	name := filepath.Base(part.FileName())
	if name == "" || name == "." || name == string(filepath.Separator) {
		return "", badRequest("file", "an uploaded file has no name")
	}
	if _, ok := model.EntityByName(name); !ok {
		return "", badRequest("file", fmt.Sprintf("%q is not a known file (want one of %s)", name, knownFiles()))
	}
	sub := filepath.Join(dir, strconv.Itoa(i))
	if err := os.Mkdir(sub, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(sub, strings.ToLower(name))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, part); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

func knownFiles() string {
	var names []string
	for _, e := range model.Entities {
		names = append(names, e.FileName())
	}
	return strings.Join(names, ", ")
}

// importPaths runs an import, then tells caches and live pages about the new data.
func (s *Server) importPaths(w http.ResponseWriter, r *http.Request, source string, paths []string,
	problem func(ingest.Problem) ingest.Problem, message func(string) string) error {
	s.writes.Lock()
	rep, err := ingest.Import(r.Context(), s.st, paths, ingest.Options{})
	s.writes.Unlock()
	warnings := []string{}
	for _, wmsg := range rep.Warnings {
		warnings = append(warnings, message(wmsg))
	}
	if err != nil {
		s.metrics.imports.WithLabelValues(source, "refused").Inc()
		var ie *ingest.Error
		if errors.As(err, &ie) {
			problems := make([]ingest.Problem, len(ie.Problems))
			for i, p := range ie.Problems {
				problems[i] = problem(p)
			}
			msg := fmt.Sprintf("%d problem(s); nothing was changed", len(problems)+ie.More)
			writeJSON(w, http.StatusBadRequest, map[string]any{
				"error": &Error{Code: "invalid_data", Message: msg, Problems: problems}, "warnings": warnings, "more": ie.More})
			return nil
		}
		return err
	}
	s.metrics.imports.WithLabelValues(source, "ok").Inc()
	v, err := s.st.DataVersion(r.Context())
	if err != nil {
		return err
	}
	s.version.set(v)
	s.hub.publish(v)
	s.warm(s.baseCtx)
	s.kickAlerts()
	merged := map[string]any{}
	for name, m := range rep.Merged {
		merged[name] = map[string]int64{"rows": m.Rows, "replaced": m.Replaced}
	}
	writeJSON(w, http.StatusOK, map[string]any{"merged": merged, "warnings": warnings, "data_version": v})
	return nil
}

// maxEventBody bounds one events request.
const maxEventBody = 8 << 20

// handleEvents upserts records sent as JSON: they are written as a CSV file of
// their entity and go through the same validation as an import.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxEventBody)
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var body struct {
		Entity  string           `json:"entity"`
		Record  map[string]any   `json:"record"`
		Records []map[string]any `json:"records"`
	}
	if err := dec.Decode(&body); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return badRequest("body", "not a JSON object with entity and records: "+err.Error())
	}
	e, ok := model.EntityByName(body.Entity)
	if !ok {
		return badRequest("entity", fmt.Sprintf("%q is not an entity (want one of %s)", body.Entity, strings.Join(model.EntityNames(), ", ")))
	}
	records := body.Records
	if body.Record != nil {
		records = append([]map[string]any{body.Record}, records...)
	}
	if len(records) == 0 {
		return badRequest("records", "no records")
	}
	data, starts, err := recordsCSV(e, records)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "salesops-events-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, e.FileName())
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	return s.importPaths(w, r, "events", []string{path}, func(p ingest.Problem) ingest.Problem {
		p.File = "records"
		for i, start := range starts {
			if start == p.Line {
				p.Line = i + 1 // the record's position in the request
			}
		}
		return p
	}, func(msg string) string { return strings.ReplaceAll(msg, path, "records") })
}

// recordsCSV writes records as a CSV file of the entity and returns the line on
// which each record starts.
func recordsCSV(e *model.Entity, records []map[string]any) ([]byte, []int, error) {
	var cols []string
	seen := map[string]bool{}
	for i, rec := range records {
		for k := range rec {
			if _, ok := e.Column(k); !ok {
				return nil, nil, badRequest(fmt.Sprintf("records[%d].%s", i, k), fmt.Sprintf("%s has no column %q", e.Name, k))
			}
			seen[k] = true
		}
	}
	for _, c := range e.Columns {
		if seen[c.Name] {
			cols = append(cols, c.Name)
		}
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(cols)
	cw.Flush()
	line := 2
	starts := make([]int, len(records))
	rec := make([]string, len(cols))
	for i, r := range records {
		for j, c := range cols {
			switch v := r[c].(type) {
			case nil:
				rec[j] = ""
			case string:
				rec[j] = v
			case json.Number:
				rec[j] = v.String()
			case bool:
				rec[j] = strconv.FormatBool(v)
			default:
				return nil, nil, badRequest(fmt.Sprintf("records[%d].%s", i, c), "want a string, number, boolean or null")
			}
		}
		before := buf.Len()
		cw.Write(rec)
		cw.Flush()
		starts[i] = line
		line += bytes.Count(buf.Bytes()[before:], []byte{'\n'})
	}
	return buf.Bytes(), starts, cw.Error()
}

// parquet exports KPI values as a Parquet file, written by an in-memory DuckDB
// so the file is what any Parquet reader expects.
func (s *Server) parquet(ctx context.Context, res *kpi.Result) ([]byte, error) {
	dir, err := os.MkdirTemp("", "salesops-export-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "kpis.parquet")
	if err := parquetFile(ctx, path, res, s.rounded); err != nil {
		return nil, fmt.Errorf("export parquet: %w", err)
	}
	return os.ReadFile(path)
}

func parquetFile(ctx context.Context, path string, res *kpi.Result, round func(string, *float64) *float64) error {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return err
	}
	defer connector.Close()
	db := sql.OpenDB(connector)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	cols := []string{"kpi VARCHAR", "period VARCHAR", "period_start DATE", "period_end DATE"}
	for _, d := range res.By {
		cols = append(cols, fmt.Sprintf("%q VARCHAR", d)) // dimension names come from a fixed list
	}
	cols = append(cols, "value DOUBLE")
	if _, err := conn.ExecContext(ctx, "CREATE TABLE kpis ("+strings.Join(cols, ", ")+")"); err != nil {
		return err
	}
	var app *duckdb.Appender
	if err := conn.Raw(func(dc any) error {
		var err error
		app, err = duckdb.NewAppender(dc.(driver.Conn), "", "", "kpis")
		return err
	}); err != nil {
		return err
	}
	row := make([]driver.Value, len(cols))
	for _, x := range res.Rows {
		row[0], row[1], row[2], row[3] = x.KPI, x.Period.Label, x.Period.Start, x.Period.End
		for d := range res.By {
			if x.Dims[d] == nil {
				row[4+d] = nil
			} else {
				row[4+d] = *x.Dims[d]
			}
		}
		if v := round(x.KPI, x.Value); v != nil {
			row[len(row)-1] = *v
		} else {
			row[len(row)-1] = nil
		}
		if err := app.AppendRow(row...); err != nil {
			app.Close()
			return err
		}
	}
	if err := app.Close(); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COPY kpis TO '"+strings.ReplaceAll(path, "'", "''")+"' (FORMAT parquet)")
	return err
}
