package goals

import (
	"testing"

	"github.com/salesops/salesops/internal/kpi"
)

// FuzzParse feeds arbitrary text to the goals-file parser and validator: they
// must answer with goals or a *FileError, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(goodFile))
	f.Add([]byte("goals:\n  - id: g\n    kpi: revenue\n    from: 2026-12-31\n    to: 2026-01-01\n    target: 1\n"))
	f.Add([]byte("objectives: [{id: x, kpis: [nope]}]\ngoals: [{id: g, change: 0.1, baseline: odd}]"))
	f.Add([]byte("goals:\n  - id: g\n    period: 2026-W53\n    target: .inf\n"))
	f.Add([]byte("\x00\xff{[:"))
	cat, err := kpi.LoadBuiltin()
	if err != nil {
		f.Fatal(err)
	}
	cal := kpi.Calendar{FiscalStartMonth: 4}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yaml", data)
		if err != nil {
			if _, ok := err.(*FileError); !ok {
				t.Fatalf("Parse error of type %T: %v", err, err)
			}
			return
		}
		if err := file.Validate(cat, cal, org); err != nil {
			if _, ok := err.(*FileError); !ok {
				t.Fatalf("Validate error of type %T: %v", err, err)
			}
		}
	})
}
