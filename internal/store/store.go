// Package store keeps the entities of the data contract in a database and hides
// which database that is. The rest of the program depends on the Store interface;
// DuckDB is the embedded default, and SQL that differs between engines goes
// through Dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/salesops/salesops/internal/model"
)

// Store is the persistence boundary of salesops.
type Store interface {
	// Dialect tells generated SQL how to spell engine-specific expressions.
	Dialect() Dialect
	// Query runs a read-only query with bound arguments.
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// BeginImport starts an import run: rows are staged first and reach the
	// entity tables only when Commit succeeds, all in one transaction.
	BeginImport(ctx context.Context) (Import, error)
	// DataVersion grows with every committed import.
	DataVersion(ctx context.Context) (int64, error)
	// InTx runs f in a transaction, committed when f returns nil.
	InTx(ctx context.Context, f func(*sql.Tx) error) error
	Close() error
}

// Import is one all-or-nothing import run.
type Import interface {
	// Stager returns the sink for rows of an entity. Rows are values in the
	// entity's column order (nil for blank) followed by the row key (composite-key
	// entities only) and the row's sequence number within the run: when a key
	// repeats, the row with the highest sequence number wins.
	Stager(e *model.Entity) (Stager, error)
	// Commit merges every staged row into the entity tables in one transaction and
	// reports, per entity, the rows written and the keys that repeated in the run.
	Commit(ctx context.Context) (map[string]MergeResult, error)
	// Rollback drops the staged rows. It is safe to call after Commit.
	Rollback() error
}

// Stager receives the rows of one entity.
type Stager interface {
	Append(values ...any) error
	// Done says the run has no more rows of this entity, so the store may start
	// writing them while later files are still being read. They stay invisible
	// until Commit.
	Done() error
}

// MergeResult is what Commit did to one entity table.
type MergeResult struct {
	Rows     int64    // distinct keys written
	Replaced int64    // of which already existed and were replaced
	Repeated []string // keys given more than once in the run (first 100)
	Repeats  int64    // number of keys given more than once
}

// ErrSchemaTooNew is returned when the database was written by a newer salesops.
var ErrSchemaTooNew = errors.New("database schema is newer than this salesops")

// Dialect spells the few expressions that differ between DuckDB and PostgreSQL.
type Dialect interface {
	Name() string
	// DaysBetween is the whole UTC calendar days from a's date to b's date.
	DaysBetween(a, b string) string
	// SecondsBetween is the exact seconds from instant a to instant b.
	SecondsBetween(a, b string) string
	// Median is the median of x, averaging the middle two of an even count.
	Median(x string) string
	// Quantile is the q-quantile (0 < q < 1) of x, interpolated linearly
	// between the two nearest values as Median is.
	Quantile(x string, q float64) string
	// Truncate is the start of the calendar unit (week, month, quarter, year)
	// containing x, with quarters and years shifted to start shiftMonths later.
	Truncate(unit string, x string, shiftMonths int) string
	// Timestamp casts a bound parameter to a timestamp.
	Timestamp(param string) string
	// Double casts x to a double-precision number.
	Double(x string) string
	// StddevPop is the population standard deviation of x.
	StddevPop(x string) string
}

// Clock returns the current time; injected so that tests control "now".
type Clock func() time.Time
