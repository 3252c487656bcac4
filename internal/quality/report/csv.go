package report

import (
	"encoding/csv"
	"io"
	"time"

	"github.com/salesops/salesops/internal/kpi"
)

// FailureColumns is the header of the clean-up export.
var FailureColumns = []string{"record_type", "record_id", "rule", "severity", "description", "rep", "rep_name", "team",
	"account", "account_name", "value", "recorded_at"}

// WriteCSV writes failing records as the clean-up export: a header row, then
// one row per record and rule, blank cells for missing values, times in RFC
// 3339 UTC, text that a spreadsheet would take for a formula escaped.
func WriteCSV(w io.Writer, fs []Failure) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(FailureColumns); err != nil {
		return err
	}
	opt := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for _, f := range fs {
		at := ""
		if f.RecordedAt != nil {
			at = f.RecordedAt.UTC().Format(time.RFC3339)
		}
		safe := kpi.SpreadsheetSafe
		if err := cw.Write([]string{f.RecordType, safe(f.RecordID), f.Rule, f.Severity, f.Description, safe(opt(f.Rep)), safe(opt(f.RepName)),
			safe(opt(f.Team)), safe(opt(f.Account)), safe(opt(f.AccountName)), safe(f.Value), at}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
