package store

import (
	"fmt"
	"strconv"
)

// DuckDB is the dialect of the embedded engine.
type DuckDB struct{}

// Name implements Dialect.
func (DuckDB) Name() string { return "duckdb" }

// DaysBetween implements Dialect.
func (DuckDB) DaysBetween(a, b string) string {
	return fmt.Sprintf("date_diff('day', CAST(%s AS DATE), CAST(%s AS DATE))", a, b)
}

// SecondsBetween implements Dialect.
func (DuckDB) SecondsBetween(a, b string) string {
	return fmt.Sprintf("(epoch_us(%s) - epoch_us(%s)) / 1000000.0", b, a)
}

// Median implements Dialect.
func (DuckDB) Median(x string) string { return fmt.Sprintf("quantile_cont(%s, 0.5)", x) }

// Quantile implements Dialect. q is a constant of the program, never user
// text.
func (DuckDB) Quantile(x string, q float64) string {
	return fmt.Sprintf("quantile_cont(%s, %s)", x, strconv.FormatFloat(q, 'g', -1, 64))
}

// Truncate implements Dialect. shiftMonths is an integer chosen by configuration,
// never user text, so formatting it into the SQL is safe.
func (DuckDB) Truncate(unit, x string, shiftMonths int) string {
	if shiftMonths == 0 || unit == "week" || unit == "month" {
		return fmt.Sprintf("date_trunc('%s', %s)", unit, x)
	}
	return fmt.Sprintf("(date_trunc('%s', %s - INTERVAL '%d months') + INTERVAL '%d months')", unit, x, shiftMonths, shiftMonths)
}

// Timestamp implements Dialect.
func (DuckDB) Timestamp(param string) string { return "CAST(" + param + " AS TIMESTAMP)" }

// Double implements Dialect.
func (DuckDB) Double(x string) string { return "CAST(" + x + " AS DOUBLE)" }

// StddevPop implements Dialect.
func (DuckDB) StddevPop(x string) string { return "stddev_pop(" + x + ")" }
