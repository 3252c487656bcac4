package report

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// A name that a spreadsheet would run as a formula reaches the export as text.
func TestWriteCSVEscapesFormulas(t *testing.T) {
	name, rep := "=HYPERLINK(\"http://evil.example\",\"x\")", "@R1"
	var b bytes.Buffer
	if err := WriteCSV(&b, []Failure{{RecordType: "account", RecordID: "A1", Rule: "account.duplicate_name", Severity: "warning",
		Description: "d", Rep: &rep, AccountName: &name, Value: "-3"}}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, c := range rows[0] {
		got[c] = rows[1][i]
	}
	if got["account_name"] != "'"+name || got["rep"] != "'@R1" || got["value"] != "'-3" || got["record_id"] != "A1" {
		t.Errorf("row %v", got)
	}
}
