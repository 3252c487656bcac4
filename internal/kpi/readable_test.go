package kpi

import "testing"

func TestReadable(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	cases := []struct {
		got, want string
	}{
		{Readable("currency", v(1234567.4)), "1,234,567"},
		{Readable("currency", v(-999.6)), "-1,000"},
		{Readable("currency", v(12)), "12"},
		{Readable("currency", v(3000.5)), "3,001"},
		{Readable("count", v(1000)), "1,000"},
		{Readable("fraction", v(0.3234)), "32.3%"},
		{Readable("days", v(12.25)), "12.2 days"},
		{Readable("ratio", v(2.5)), "2.50"},
		{Readable("currency", nil), "—"},
		{ReadableDelta("fraction", v(-0.06)), "−6.0 pts"},
		{ReadableDelta("currency", v(-2500)), "−2,500"},
		{ReadableDelta("count", v(7)), "+7"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: %q, want %q", i, c.got, c.want)
		}
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+1":                       "'+1",
		"-2":                       "'-2",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\tx":                      "'\tx",
		"Acme":                     "Acme",
		"":                         "",
		"a=b":                      "a=b",
	} {
		if got := SpreadsheetSafe(in); got != want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
