// Package ingest reads the canonical CSV files of the data contract, validates
// every row against the entity specs of package model and stages the rows into
// a store import, which is committed only when no row had a problem.
//
// Reading and validating run on their own goroutine, one batch of converted rows
// ahead of the goroutine that stages them, so that parsing and the database
// appender use separate cores.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/salesops/salesops/internal/model"
	"github.com/salesops/salesops/internal/store"
)

// Options for an import run.
type Options struct {
	MaxErrors int       // cap on reported problems, default 100
	Progress  io.Writer // where a progress bar goes (nil = none); the CLI passes os.Stderr only when it is a terminal
}

// Report is what an import did.
type Report struct {
	Files    []FileReport                 // per file: path, entity, rows read
	Merged   map[string]store.MergeResult // per entity, what the commit wrote
	Warnings []string                     // things the user should know that did not stop the import
}

// FileReport is one file of an import.
type FileReport struct {
	Path, Entity string
	Rows         int64 // data rows read, blank lines not counted
}

// defaultMaxErrors is enough to show the pattern of a systematic mistake
// without burying the terminal.
const defaultMaxErrors = 100

// job is one file to read.
type job struct {
	path   string
	entity *model.Entity
	size   int64
}

// Import reads every path (files or directories), validates every row, stages
// the rows and commits only if there was no problem; otherwise it rolls back and
// returns *Error listing the problems. The database is unchanged on any error.
//
// A file's entity comes from its name (<entity>.csv, any case). A directory
// contributes every file it has for a known entity (not recursively), in load
// order; other files in it are reported as warnings, hidden files are ignored.
// Several files of one entity may be given: on a repeated key the later row
// wins, with a warning.
func Import(ctx context.Context, st store.Store, paths []string, opts Options) (Report, error) {
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = defaultMaxErrors
	}
	rep := Report{Merged: map[string]store.MergeResult{}}
	if len(paths) == 0 {
		return rep, errors.New("import: no files given")
	}
	probs := &problemList{max: opts.MaxErrors}
	jobs, warnings := resolve(paths, probs)
	rep.Warnings = warnings
	rep.Files = make([]FileReport, len(jobs))
	for i, j := range jobs {
		rep.Files[i] = FileReport{Path: j.path, Entity: j.entity.Name}
	}

	var bar *progressbar.ProgressBar
	if opts.Progress != nil {
		bar = newBar(opts.Progress, jobs)
		defer func() { _ = bar.Finish() }()
	}

	// Three batches: one being filled, one in flight, one being staged. The free
	// list's capacity holds them all, so returning a batch never blocks.
	const nBatches = 3
	free := make(chan *batch, nBatches)
	for range nBatches {
		free <- newBatch(batchSize)
	}
	out := make(chan *batch, 1)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()

	p := &parser{probs: probs, ctx: pctx}
	p.cur = <-free
	p.emit = func(b *batch) (*batch, error) {
		select {
		case out <- b:
		case <-pctx.Done():
			return nil, pctx.Err()
		}
		select {
		case nb := <-free:
			return nb, nil
		case <-pctx.Done():
			return nil, pctx.Err()
		}
	}
	var readErr error
	go func() {
		defer close(out)
		for i, j := range jobs {
			// Past the cap the user already has plenty to fix; reading further
			// files would only grow "... and N more".
			if probs.full() {
				break
			}
			rows, err := readJob(p, j, bar)
			rep.Files[i].Rows = rows
			if err != nil {
				readErr = err
				return
			}
		}
	}()

	// Staging happens on this goroutine only: an Import is not safe for
	// concurrent use. The import is begun lazily so that a run that fails
	// validation early, or has no rows, never touches the database.
	var (
		im       store.Import
		stageErr error
		stagers  = map[*model.Entity]store.Stager{}
		done     = map[*model.Entity]bool{}
	)
	defer func() {
		if im != nil {
			_ = im.Rollback() // no-op after a successful Commit
		}
	}()
	for b := range out {
		if stageErr == nil {
			if stageErr = stage(ctx, st, &im, stagers, done, b); stageErr != nil {
				cancel() // stop the reader; the loop drains what it already sent
			}
		}
		b.n = 0
		free <- b
	}
	rep.Warnings = append(rep.Warnings, p.warnings...)

	switch {
	case ctx.Err() != nil:
		return rep, fmt.Errorf("import cancelled: %w", ctx.Err())
	case stageErr != nil:
		return rep, stageErr
	case readErr != nil:
		return rep, fmt.Errorf("import: %w", readErr)
	case probs.any():
		return rep, probs.err()
	case im == nil:
		return rep, nil // nothing to write: header-only or empty files
	}
	if bar != nil {
		bar.Describe("merging")
	}
	merged, err := im.Commit(ctx)
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	rep.Merged = merged
	for _, e := range model.Entities {
		if r, ok := merged[e.Name]; ok && r.Repeats > 0 {
			rep.Warnings = append(rep.Warnings, repeatWarning(e, r))
		}
	}
	return rep, nil
}

// stage appends a batch to its entity's stager, beginning the import on the
// first batch of the run.
func stage(ctx context.Context, st store.Store, im *store.Import, stagers map[*model.Entity]store.Stager, done map[*model.Entity]bool, b *batch) error {
	if *im == nil {
		i, err := st.BeginImport(ctx)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		*im = i
	}
	sg, ok := stagers[b.entity]
	if !ok {
		// Files come in load order, so a new entity means the ones before it
		// are complete and the store can start writing them.
		for e, prev := range stagers {
			if !done[e] {
				done[e] = true
				if err := prev.Done(); err != nil {
					return fmt.Errorf("import %s: %w", e.Name, err)
				}
			}
		}
		var err error
		if sg, err = (*im).Stager(b.entity); err != nil {
			return fmt.Errorf("import %s: %w", b.file, err)
		}
		stagers[b.entity] = sg
	}
	for _, row := range b.rows[:b.n] {
		if err := sg.Append(row...); err != nil {
			return fmt.Errorf("import %s: %w", b.file, err)
		}
	}
	return nil
}

// readJob opens one file and reads it through the parser.
func readJob(p *parser, j job, bar *progressbar.ProgressBar) (int64, error) {
	f, err := os.Open(j.path)
	if err != nil {
		p.probs.add(j.path, 0, "", fmt.Sprintf("cannot open: %v", unwrapPath(err)))
		return 0, nil
	}
	defer f.Close()
	var r io.Reader = f
	if bar != nil {
		bar.Describe(filepath.Base(j.path))
		r = &countingReader{r: f, bar: bar}
	}
	return p.readFile(j.path, j.entity, r)
}

// countingReader advances the progress bar by the bytes actually read, so the
// bar tracks the parser rather than a guess.
type countingReader struct {
	r   io.Reader
	bar *progressbar.ProgressBar
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	_ = c.bar.Add(n)
	return n, err
}

func newBar(w io.Writer, jobs []job) *progressbar.ProgressBar {
	var total int64
	for _, j := range jobs {
		total += j.size
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("importing"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
}

// knownFiles lists the file names a directory may hold, in load order, for
// messages that tell the user what would have been accepted.
func knownFiles() string {
	names := make([]string, len(model.Entities))
	for i, e := range model.Entities {
		names[i] = e.FileName()
	}
	return strings.Join(names, ", ")
}

// entityOf maps a file name to its entity. EntityByName alone would also take a
// bare "reps" without the extension.
func entityOf(name string) (*model.Entity, bool) {
	if !strings.HasSuffix(strings.ToLower(name), ".csv") {
		return nil, false
	}
	return model.EntityByName(name)
}

// resolve expands the paths into files to read, ordered by entity load order
// (stable, so that a later file of the same entity still wins).
func resolve(paths []string, probs *problemList) ([]job, []string) {
	var jobs []job
	var warnings []string
	add := func(path string, e *model.Entity, fi fs.FileInfo) {
		for _, j := range jobs {
			// The same file named twice (say, its directory and itself) is read
			// once; reading it again would only produce spurious repeat warnings.
			if other, err := os.Stat(j.path); err == nil && os.SameFile(other, fi) {
				return
			}
		}
		jobs = append(jobs, job{path: path, entity: e, size: fi.Size()})
	}
	for _, path := range paths {
		fi, err := os.Stat(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				probs.add(path, 0, "", "no such file or directory")
			} else {
				probs.add(path, 0, "", fmt.Sprintf("cannot read: %v", unwrapPath(err)))
			}
			continue
		}
		if !fi.IsDir() {
			e, ok := entityOf(filepath.Base(path))
			if !ok {
				probs.add(path, 0, "", fmt.Sprintf("unknown file name %q: the entity is taken from the file name, one of %s",
					filepath.Base(path), knownFiles()))
				continue
			}
			add(path, e, fi)
			continue
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			probs.add(path, 0, "", fmt.Sprintf("cannot read directory: %v", unwrapPath(err)))
			continue
		}
		var unknown []string
		found := 0
		for _, ent := range entries {
			name := ent.Name()
			if strings.HasPrefix(name, ".") {
				continue // .DS_Store, editor swap files: never data
			}
			full := filepath.Join(path, name)
			efi, err := os.Stat(full)
			if err != nil {
				probs.add(full, 0, "", fmt.Sprintf("cannot read: %v", unwrapPath(err)))
				continue
			}
			if efi.IsDir() {
				continue
			}
			e, ok := entityOf(name)
			if !ok {
				unknown = append(unknown, name)
				continue
			}
			found++
			add(full, e, efi)
		}
		if len(unknown) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: skipped unknown files %s (known names: %s)",
				path, strings.Join(unknown, ", "), knownFiles()))
		}
		if found == 0 {
			warnings = append(warnings, fmt.Sprintf("%s: no files to import (known names: %s)", path, knownFiles()))
		}
	}
	order := map[*model.Entity]int{}
	for i, e := range model.Entities {
		order[e] = i
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return order[a.entity] - order[b.entity] })
	return jobs, warnings
}

// unwrapPath drops the path from an *fs.PathError, which the problem already
// names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// maxListedRepeats keeps the repeat warning to one readable line.
const maxListedRepeats = 10

func repeatWarning(e *model.Entity, r store.MergeResult) string {
	what := "ids"
	if e.CompositeKey() {
		what = "keys (" + strings.Join(e.Key, "|") + ")"
	}
	keys := r.Repeated
	if len(keys) > maxListedRepeats {
		keys = keys[:maxListedRepeats]
	}
	shown := make([]string, len(keys))
	for i, k := range keys {
		shown[i] = strings.ReplaceAll(k, string(keySep), "|")
	}
	list := strings.Join(shown, ", ")
	if int64(len(keys)) < r.Repeats {
		list += ", …"
	}
	return fmt.Sprintf("%s: %d %s given more than once, the last row wins: %s", e.Name, r.Repeats, what, list)
}

// checkReader validates r as the file of entity e without a database, exactly
// as Import would. It serves the fuzz tests and anything that wants a dry run.
func checkReader(ctx context.Context, path string, e *model.Entity, r io.Reader, maxErrors int) (rows int64, warnings []string, err error) {
	if maxErrors <= 0 {
		maxErrors = defaultMaxErrors
	}
	probs := &problemList{max: maxErrors}
	// Rows are dropped as soon as they are converted, so a small batch will do.
	p := &parser{probs: probs, ctx: ctx, cur: newBatch(64)}
	p.emit = func(b *batch) (*batch, error) { return b, nil }
	rows, err = p.readFile(path, e, r)
	if err != nil {
		return rows, p.warnings, err
	}
	return rows, p.warnings, probs.err()
}
