package report

import (
	"encoding/csv"
	"io"
	"time"
)

// FailureColumns is the header of the clean-up export.
var FailureColumns = []string{"record_type", "record_id", "rule", "severity", "description", "rep", "rep_name", "team",
	"account", "account_name", "value", "recorded_at"}

// WriteCSV writes failing records as the clean-up export: a header row, then
// one row per record and rule, blank cells for missing values, times in RFC
// 3339 UTC.
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
		if err := cw.Write([]string{f.RecordType, f.RecordID, f.Rule, f.Severity, f.Description, opt(f.Rep), opt(f.RepName),
			opt(f.Team), opt(f.Account), opt(f.AccountName), f.Value, at}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
