package demo

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

func TestRepSkills(t *testing.T) {
	cfg := Config{Seed: 3, Reps: 24, Months: 6}
	skills, err := RepSkills(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Generate(context.Background(), dir, cfg); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "reps.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(skills) != len(rows)-1 {
		t.Fatalf("%d skills for %d reps", len(skills), len(rows)-1)
	}
	norm, err := cfg.normalise()
	if err != nil {
		t.Fatal(err)
	}
	p := newPlan(norm)
	for i, row := range rows[1:] {
		s, ok := skills[row[0]]
		if !ok {
			t.Fatalf("no skill for rep %s", row[0])
		}
		if s != p.reps[i].skill || s < 0.4 || s > 2.5 {
			t.Errorf("%s: skill %v, the plan's %v (want the same, within 0.4-2.5)", row[0], s, p.reps[i].skill)
		}
	}
	if _, err := RepSkills(Config{Reps: 3, Months: 6}); err == nil {
		t.Error("a config Generate refuses gave skills")
	}
}
