package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/model"
	"github.com/salesops/salesops/internal/store"
)

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import [--db PATH] FILE_OR_DIR...",
		Short: "Import canonical CSV files into the database",
		Long: `import reads canonical CSV files (the entity comes from the file name, e.g.
opportunities.csv) or directories of them, validates every value and writes them
in one transaction. Rows replace stored rows with the same id, so importing the
same files twice changes nothing. If any value is malformed, every problem is
listed as file:line: column: message, the command exits non-zero and the
database is left exactly as it was.

Known files: ` + fileList(),
		Example: `  salesops import exports/
  salesops import --db sales.duckdb opportunities.csv activities.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &usageError{cmd: "import", err: errors.New("give at least one file or directory")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			path := dbPath(cmd)
			st, err := store.OpenDuckDB(ctx, path)
			if err != nil {
				return err
			}
			defer st.Close()
			stderr := cmd.ErrOrStderr()
			opts := ingest.Options{}
			if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				opts.Progress = stderr
			}
			started := time.Now()
			rep, err := ingest.Import(ctx, st, args, opts)
			for _, w := range rep.Warnings {
				fmt.Fprintf(stderr, "warning: %s\n", w)
			}
			if err != nil {
				var ie *ingest.Error
				if errors.As(err, &ie) {
					fmt.Fprintln(stderr, ie.Error())
					return fmt.Errorf("import refused: %d problem(s); nothing was changed in %s", len(ie.Problems)+ie.More, path)
				}
				return fmt.Errorf("import: %w", err)
			}
			printMerge(cmd.OutOrStdout(), rep, path, time.Since(started))
			return nil
		},
	}
	return cmd
}

func printMerge(w io.Writer, rep ingest.Report, path string, took time.Duration) {
	names := make([]string, 0, len(rep.Merged))
	for n := range rep.Merged {
		names = append(names, n)
	}
	sort.Strings(names)
	var total int64
	for _, n := range names {
		m := rep.Merged[n]
		total += m.Rows
		fmt.Fprintf(w, "%-24s %10d rows (%d replaced)\n", n, m.Rows, m.Replaced)
	}
	fmt.Fprintf(w, "imported %d rows into %s in %s\n", total, path, took.Round(time.Millisecond))
}

func fileList() string {
	s := ""
	for i, e := range model.Entities {
		if i > 0 {
			s += ", "
		}
		s += e.FileName()
	}
	return s
}
