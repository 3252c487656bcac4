package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/salesops/salesops/internal/model"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DuckStore is the embedded DuckDB store.
type DuckStore struct {
	db        *sql.DB
	connector *duckdb.Connector
}

// OpenDuckDB opens (creating if needed) the DuckDB database at path and applies
// pending migrations. An empty path opens a private in-memory database.
func OpenDuckDB(ctx context.Context, path string) (*DuckStore, error) {
	connector, err := duckdb.NewConnector(path, nil)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	s := &DuckStore{db: db, connector: connector}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// Dialect implements Store.
func (s *DuckStore) Dialect() Dialect { return DuckDB{} }

// Query implements Store.
func (s *DuckStore) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, query, args...)
}

// DB exposes the database for tests and benchmarks that compare the engine with
// hand-written SQL.
func (s *DuckStore) DB() *sql.DB { return s.db }

// Close implements Store.
func (s *DuckStore) Close() error {
	err := s.db.Close()
	if cerr := s.connector.Close(); err == nil {
		err = cerr
	}
	return err
}

// DataVersion implements Store.
func (s *DuckStore) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE name = 'data_version'`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read data version: %w", err)
	}
	return v, nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies each pending migration in its own transaction and records it.
func (s *DuckStore) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("%w (database at version %d, this binary knows up to %d)", ErrSchemaTooNew, current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, m.version, m.name)
			return err
		}); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (s *DuckStore) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// BeginImport implements Store.
func (s *DuckStore) BeginImport(ctx context.Context) (Import, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin import: %w", err)
	}
	return &duckImport{conn: conn, stagers: map[string]*duckStager{}}, nil
}

type duckImport struct {
	conn    *sql.Conn
	stagers map[string]*duckStager
	done    bool
}

type duckStager struct {
	entity   *model.Entity
	table    string
	appender *duckdb.Appender
	closed   bool
}

func (st *duckStager) Append(values ...any) error {
	if err := st.appender.AppendRow(toDriverValues(values)...); err != nil {
		return fmt.Errorf("stage %s: %w", st.entity.Name, err)
	}
	return nil
}

func toDriverValues(values []any) []driver.Value {
	out := make([]driver.Value, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

func (st *duckStager) close() error {
	if st.closed {
		return nil
	}
	st.closed = true
	return st.appender.Close()
}

// stagingType is the column type rows are staged in. Decimals arrive as float64
// and are rounded to the stored scale when merged.
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

func (im *duckImport) Stager(e *model.Entity) (Stager, error) {
	if st, ok := im.stagers[e.Name]; ok {
		return st, nil
	}
	table := "stage_" + e.Name
	var cols []string
	for _, c := range e.Columns {
		cols = append(cols, c.Name+" "+stagingType(c.Kind))
	}
	if e.CompositeKey() {
		cols = append(cols, "row_key VARCHAR")
	}
	cols = append(cols, "seq BIGINT")
	ctx := context.Background()
	if _, err := im.conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+table+" ("+strings.Join(cols, ", ")+")"); err != nil {
		return nil, fmt.Errorf("stage %s: %w", e.Name, err)
	}
	var app *duckdb.Appender
	err := im.conn.Raw(func(dc any) error {
		var err error
		app, err = duckdb.NewAppender(dc.(driver.Conn), "temp", "main", table)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("stage %s: %w", e.Name, err)
	}
	st := &duckStager{entity: e, table: table, appender: app}
	im.stagers[e.Name] = st
	return st, nil
}

func (im *duckImport) Commit(ctx context.Context) (map[string]MergeResult, error) {
	if im.done {
		return nil, errors.New("import already finished")
	}
	for _, st := range im.stagers {
		if err := st.close(); err != nil {
			return nil, fmt.Errorf("stage %s: %w", st.entity.Name, err)
		}
	}
	results := map[string]MergeResult{}
	tx, err := im.conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin import transaction: %w", err)
	}
	for _, e := range model.Entities {
		st, ok := im.stagers[e.Name]
		if !ok {
			continue
		}
		r, err := mergeEntity(ctx, tx, st)
		if err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("merge %s: %w", e.Name, err)
		}
		results[e.Name] = r
	}
	if _, err := tx.ExecContext(ctx, `UPDATE store_meta SET value = value + 1 WHERE name = 'data_version'`); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("bump data version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit import: %w", err)
	}
	return results, im.Rollback()
}

// mergeEntity replaces stored rows whose key was staged and inserts the staged
// rows, keeping only the last row of each repeated key.
func mergeEntity(ctx context.Context, tx *sql.Tx, st *duckStager) (MergeResult, error) {
	var r MergeResult
	key := keyColumn(st.entity)
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(
		`SELECT %[1]s, count(*) AS n, count(*) OVER () AS total FROM %[2]s GROUP BY %[1]s HAVING count(*) > 1 ORDER BY %[1]s LIMIT 100`, key, st.table))
	if err != nil {
		return r, err
	}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n, &r.Repeats); err != nil {
			rows.Close()
			return r, err
		}
		r.Repeated = append(r.Repeated, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %[1]s WHERE %[2]s IN (SELECT %[2]s FROM %[3]s)`, st.entity.Name, key, st.table))
	if err != nil {
		return r, err
	}
	r.Replaced, _ = res.RowsAffected()
	var cols, sel []string
	if st.entity.CompositeKey() {
		cols, sel = append(cols, "row_key"), append(sel, "row_key")
	}
	for _, c := range st.entity.Columns {
		cols = append(cols, c.Name)
		if c.Kind == model.Decimal {
			sel = append(sel, fmt.Sprintf("CAST(round(%s, 4) AS DECIMAL(18, 4))", c.Name))
		} else {
			sel = append(sel, c.Name)
		}
	}
	where := ""
	if r.Repeats > 0 {
		where = fmt.Sprintf(" WHERE seq IN (SELECT max(seq) FROM %s GROUP BY %s)", st.table, key)
	}
	res, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s%s`,
		st.entity.Name, strings.Join(cols, ", "), strings.Join(sel, ", "), st.table, where))
	if err != nil {
		return r, err
	}
	r.Rows, _ = res.RowsAffected()
	return r, nil
}

func (im *duckImport) Rollback() error {
	if im.done {
		return nil
	}
	im.done = true
	var errs []error
	for _, st := range im.stagers {
		if err := st.close(); err != nil {
			errs = append(errs, err)
		}
		if _, err := im.conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+st.table); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, im.conn.Close())
	return errors.Join(errs...)
}
