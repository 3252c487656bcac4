package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/salesops/salesops/internal/model"
)

// An import run stages each entity's validated rows in normalised CSV files (UTC
// timestamps, plain numbers, nothing but values) and lets DuckDB's parallel CSV
// reader load them, all inside one transaction that only Commit makes visible.
// Handing DuckDB whole files is several times faster than appending value by
// value through cgo, and the staged rows wait on disk, not in memory.
//
// A writer goroutine loads files while the caller is still reading later ones.
// When an entity's table is empty at the start of the run (the bulk first load)
// its rows are cut into chunks that go straight into the table as each fills;
// repeated keys are found and resolved once the entity is complete. Otherwise
// the entity is staged as one file and merged at its end: stored rows whose key
// was staged are replaced.

// BeginImport implements Store.
func (s *DuckStore) BeginImport(ctx context.Context) (Import, error) {
	dir, err := os.MkdirTemp("", "salesops-import-")
	if err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	return &duckImport{s: s, dir: dir, stagers: map[string]*duckStager{}}, nil
}

type duckImport struct {
	s       *DuckStore
	dir     string
	stagers map[string]*duckStager
	done    bool

	conn    *sql.Conn
	tx      *sql.Tx
	pending chan task
	stopped chan struct{}
	results map[string]MergeResult
	err     error // the writer's first error
	cancel  context.CancelFunc
}

// task is work for the writer: load a chunk of an entity, or finish the entity.
type task struct {
	st    *duckStager
	chunk string // file to load; empty for "the entity is complete"
}

// chunkRows is how many rows of a bulk-loaded entity go into one file; small
// enough that loading overlaps reading, large enough that DuckDB works in bulk.
const chunkRows = 1 << 20

type duckStager struct {
	im     *duckImport
	entity *model.Entity
	bulk   bool     // the table was empty: load chunks straight into it
	chunks []string // every file written, in order
	file   *os.File
	buf    *bufio.Writer
	w      *csv.Writer
	rec    []string
	rows   int64 // in the run
	inFile int64 // in the current file
	closed bool
	done   bool
}

// stagedTime is how timestamps are written for DuckDB to read back exactly.
const stagedTime = "2006-01-02 15:04:05.999999"

func (im *duckImport) Stager(e *model.Entity) (Stager, error) {
	if im.done {
		return nil, errors.New("import already finished")
	}
	if st, ok := im.stagers[e.Name]; ok {
		return st, nil
	}
	var hasRows bool
	if err := im.s.db.QueryRow("SELECT EXISTS (SELECT 1 FROM " + e.Name + ")").Scan(&hasRows); err != nil {
		return nil, fmt.Errorf("stage %s: %w", e.Name, err)
	}
	n := len(e.Columns) + 1
	if e.CompositeKey() {
		n++
	}
	st := &duckStager{im: im, entity: e, bulk: !hasRows, rec: make([]string, n)}
	if err := st.open(); err != nil {
		return nil, err
	}
	im.stagers[e.Name] = st
	return st, nil
}

func (st *duckStager) open() error {
	path := filepath.Join(st.im.dir, fmt.Sprintf("%s-%03d.csv", st.entity.Name, len(st.chunks)))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("stage %s: %w", st.entity.Name, err)
	}
	st.file, st.buf = f, bufio.NewWriterSize(f, 1<<20)
	st.w = csv.NewWriter(st.buf)
	st.chunks = append(st.chunks, path)
	st.inFile, st.closed = 0, false
	return nil
}

// Append writes one row: the entity's values in contract order, then the row
// key (composite-key entities only), then the sequence number.
func (st *duckStager) Append(values ...any) error {
	if st.done {
		return fmt.Errorf("stage %s: rows after Done", st.entity.Name)
	}
	if len(values) != len(st.rec) {
		return fmt.Errorf("stage %s: %d values, want %d", st.entity.Name, len(values), len(st.rec))
	}
	for i, v := range values {
		switch x := v.(type) {
		case nil:
			st.rec[i] = ""
		case string:
			st.rec[i] = x
		case time.Time:
			st.rec[i] = x.UTC().Format(stagedTime)
		case float64:
			st.rec[i] = strconv.FormatFloat(x, 'g', -1, 64)
		case int32:
			st.rec[i] = strconv.FormatInt(int64(x), 10)
		case int64:
			st.rec[i] = strconv.FormatInt(x, 10)
		case int:
			st.rec[i] = strconv.Itoa(x)
		case bool:
			st.rec[i] = strconv.FormatBool(x)
		default:
			return fmt.Errorf("stage %s: unsupported value %T", st.entity.Name, v)
		}
	}
	if err := st.w.Write(st.rec); err != nil {
		return fmt.Errorf("stage %s: %w", st.entity.Name, err)
	}
	st.rows++
	st.inFile++
	if st.bulk && st.inFile == chunkRows {
		if err := st.close(); err != nil {
			return fmt.Errorf("stage %s: %w", st.entity.Name, err)
		}
		if err := st.im.send(task{st: st, chunk: st.chunks[len(st.chunks)-1]}); err != nil {
			return err
		}
		return st.open()
	}
	return nil
}

// Done implements Stager: the last chunk and the end of the entity go to the
// writer.
func (st *duckStager) Done() error {
	if st.done {
		return nil
	}
	st.done = true
	if err := st.close(); err != nil {
		return fmt.Errorf("stage %s: %w", st.entity.Name, err)
	}
	if st.inFile > 0 {
		if err := st.im.send(task{st: st, chunk: st.chunks[len(st.chunks)-1]}); err != nil {
			return err
		}
	}
	return st.im.send(task{st: st})
}

func (st *duckStager) close() error {
	if st.closed {
		return nil
	}
	st.closed = true
	st.w.Flush()
	err := st.w.Error()
	if ferr := st.buf.Flush(); err == nil {
		err = ferr
	}
	if cerr := st.file.Close(); err == nil {
		err = cerr
	}
	return err
}

// stagingType is the type a staged column is read as. Decimals are read as
// doubles and rounded to the stored scale when loaded.
func stagingType(k model.Kind) string {
	switch k {
	case model.Time:
		return "TIMESTAMP"
	case model.Decimal, model.Fraction, model.Number:
		return "DOUBLE"
	case model.Score:
		return "INTEGER"
	case model.Bool:
		return "BOOLEAN"
	}
	return "VARCHAR"
}

func keyColumn(e *model.Entity) string {
	if e.CompositeKey() {
		return "row_key"
	}
	return e.Key[0]
}

// readStaged is the table expression that reads staged files with fixed column
// types. The paths are ours (a temporary directory), quoted as SQL literals.
func readStaged(e *model.Entity, paths ...string) string {
	var cols []string
	for _, c := range e.Columns {
		cols = append(cols, fmt.Sprintf("'%s': '%s'", c.Name, stagingType(c.Kind)))
	}
	if e.CompositeKey() {
		cols = append(cols, "'row_key': 'VARCHAR'")
	}
	cols = append(cols, "'seq': 'BIGINT'")
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	return fmt.Sprintf("read_csv([%s], header = false, auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {%s})",
		strings.Join(quoted, ", "), strings.Join(cols, ", "))
}

// send hands work to the writer, starting it (and the run's transaction) on
// first use.
func (im *duckImport) send(t task) error {
	if im.pending == nil {
		// The writer's context ends with the run, so a rollback interrupts a
		// load in progress instead of waiting for it.
		ctx, cancel := context.WithCancel(context.Background())
		conn, err := im.s.db.Conn(ctx)
		if err != nil {
			cancel()
			return fmt.Errorf("import: %w", err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			cancel()
			conn.Close()
			return fmt.Errorf("begin import transaction: %w", err)
		}
		im.conn, im.tx, im.cancel = conn, tx, cancel
		im.results = map[string]MergeResult{}
		im.pending = make(chan task, 64)
		im.stopped = make(chan struct{})
		go im.writer(ctx)
	}
	im.pending <- t
	return nil
}

func (im *duckImport) writer(ctx context.Context) {
	defer close(im.stopped)
	for t := range im.pending {
		if im.err != nil {
			continue
		}
		var err error
		switch {
		case t.chunk != "" && t.st.bulk:
			err = loadChunk(ctx, im.tx, t.st.entity, t.chunk)
		case t.chunk != "":
			// Merged whole when the entity is complete.
		case t.st.bulk:
			im.results[t.st.entity.Name], err = finishBulk(ctx, im.tx, t.st)
		case t.st.rows > 0:
			im.results[t.st.entity.Name], err = mergeEntity(ctx, im.tx, t.st)
		}
		if err != nil {
			im.err = fmt.Errorf("load %s: %w", t.st.entity.Name, err)
		}
	}
}

// finish stops the writer and waits for it.
func (im *duckImport) finish() {
	if im.pending != nil {
		close(im.pending)
		<-im.stopped
		im.pending = nil
	}
}

func (im *duckImport) Commit(ctx context.Context) (results map[string]MergeResult, err error) {
	if im.done {
		return nil, errors.New("import already finished")
	}
	defer func() {
		if rerr := im.Rollback(); err == nil && rerr != nil {
			err = rerr
		}
	}()
	for _, e := range model.Entities {
		if st, ok := im.stagers[e.Name]; ok {
			if err := st.Done(); err != nil {
				return nil, err
			}
		}
	}
	if im.pending == nil {
		return map[string]MergeResult{}, nil // nothing was staged
	}
	im.finish()
	if im.err != nil {
		return nil, im.err
	}
	if _, err := im.tx.ExecContext(ctx, `UPDATE store_meta SET value = value + 1 WHERE name = 'data_version'`); err != nil {
		return nil, fmt.Errorf("bump data version: %w", err)
	}
	if err := im.tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit import: %w", err)
	}
	im.tx = nil
	return im.results, nil
}

// Rollback implements Import: it throws the staged rows away and undoes what the
// writer wrote. It is safe to call after Commit.
func (im *duckImport) Rollback() error {
	if im.done {
		return nil
	}
	im.done = true
	var errs []error
	for _, st := range im.stagers {
		errs = append(errs, st.close())
	}
	if im.cancel != nil && im.tx != nil {
		im.cancel()
	}
	im.finish()
	if im.tx != nil {
		if err := im.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	if im.cancel != nil {
		im.cancel()
	}
	if im.conn != nil {
		errs = append(errs, im.conn.Close())
	}
	errs = append(errs, os.RemoveAll(im.dir))
	return errors.Join(errs...)
}

// repeatedKeys lists the keys of a relation that occur more than once (the first
// 100) and how many there are.
func repeatedKeys(ctx context.Context, tx *sql.Tx, relation, key string) ([]string, int64, error) {
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(
		`SELECT %[1]s, count(*) OVER () AS total FROM %[2]s GROUP BY %[1]s HAVING count(*) > 1 ORDER BY %[1]s LIMIT 100`, key, relation))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var keys []string
	var total int64
	for rows.Next() {
		var k string
		if err := rows.Scan(&k, &total); err != nil {
			return nil, 0, err
		}
		keys = append(keys, k)
	}
	return keys, total, rows.Err()
}

// insertSQL copies rows of an entity from a relation holding staged columns,
// optionally keeping only the last row of each key.
func insertSQL(e *model.Entity, from string, lastOnly bool) string {
	var cols, sel []string
	if e.CompositeKey() {
		cols, sel = append(cols, "row_key"), append(sel, "row_key")
	}
	for _, c := range e.Columns {
		cols = append(cols, c.Name)
		if c.Kind == model.Decimal {
			sel = append(sel, fmt.Sprintf("CAST(round(%s, 4) AS DECIMAL(18, 4))", c.Name))
		} else {
			sel = append(sel, c.Name)
		}
	}
	where := ""
	if lastOnly {
		where = fmt.Sprintf(" WHERE seq IN (SELECT max(seq) FROM %s GROUP BY %s)", from, keyColumn(e))
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s%s", e.Name, strings.Join(cols, ", "), strings.Join(sel, ", "), from, where)
}

func loadChunk(ctx context.Context, tx *sql.Tx, e *model.Entity, path string) error {
	_, err := tx.ExecContext(ctx, insertSQL(e, readStaged(e, path), false))
	return err
}

// finishBulk checks a bulk-loaded entity for repeated keys; if there are any
// (rare), it loads the entity again keeping the last row of each.
func finishBulk(ctx context.Context, tx *sql.Tx, st *duckStager) (MergeResult, error) {
	var r MergeResult
	e := st.entity
	var err error
	if r.Repeated, r.Repeats, err = repeatedKeys(ctx, tx, e.Name, keyColumn(e)); err != nil {
		return r, err
	}
	if r.Repeats > 0 {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+e.Name); err != nil {
			return r, err
		}
		if _, err := tx.ExecContext(ctx, insertSQL(e, readStaged(e, st.chunks...), true)); err != nil {
			return r, err
		}
	}
	err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+e.Name).Scan(&r.Rows)
	return r, err
}

// mergeEntity writes a staged entity into a table that already has rows: rows
// whose key is stored are replaced, and of a key given several times only the
// last row is kept.
func mergeEntity(ctx context.Context, tx *sql.Tx, st *duckStager) (MergeResult, error) {
	var r MergeResult
	e := st.entity
	key := keyColumn(e)
	stage := "stage_" + e.Name
	if _, err := tx.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+stage+" AS SELECT * FROM "+readStaged(e, st.chunks...)); err != nil {
		return r, err
	}
	defer tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+stage)
	var err error
	if r.Repeated, r.Repeats, err = repeatedKeys(ctx, tx, stage, key); err != nil {
		return r, err
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %[1]s WHERE %[2]s IN (SELECT %[2]s FROM %[3]s)`, e.Name, key, stage))
	if err != nil {
		return r, err
	}
	r.Replaced, _ = res.RowsAffected()
	res, err = tx.ExecContext(ctx, insertSQL(e, stage, r.Repeats > 0))
	if err != nil {
		return r, err
	}
	r.Rows, _ = res.RowsAffected()
	return r, nil
}
