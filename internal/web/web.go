// Package web serves the salesops dashboard: server-rendered page shells
// (html/template) and the static assets they load — one small vanilla-JS
// module per page, a stylesheet and the vendored ECharts build. The pages
// fetch their numbers from the JSON API (/api/v1/..., docs/api.md) on the
// same origin; this package holds no data of its own.
//
// Templates and static files are embedded. static/vendor/echarts.min.js is
// produced by `make assets` (web/copy-assets.js) and is not committed; without
// it the pages still work and show tables, with a note that charts need
// `make assets`.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

//go:embed templates static
var embedded embed.FS

// Options configure the pages.
type Options struct {
	Dev   bool   // read templates and static files from disk (internal/web/...) instead of the embedded copies
	Title string // product title shown in the header, default "salesops"
	// Dir is the directory holding templates/ and static/ when Dev is set;
	// default: this package's source directory, else ./internal/web.
	Dir string
}

// echartsFile is the vendored chart library, relative to static/.
const echartsFile = "vendor/echarts.min.js"

// page is one dashboard page.
type page struct {
	Path    string // URL path
	ID      string // template file (without .html) and JS module name
	Name    string // nav label
	Heading string // <h1> and <title>
	Charts  bool   // draws ECharts charts (loads the library; says so when it is missing)
}

var pages = []page{
	{"/", "overview", "Overview", "Overview", true},
	{"/explore", "explore", "Explore", "KPI explorer", true},
	{"/team", "team", "Team", "Team leaderboard", false},
	{"/pipeline", "pipeline", "Pipeline", "Pipeline", true},
	{"/forecast", "forecast", "Forecast", "Forecast", true},
	{"/goals", "goals", "Goals", "Goals", true},
	{"/time", "time", "Time", "Time allocation", true},
	{"/coach", "coach", "Coaching", "Coaching scorecards", false},
	{"/quality", "quality", "Data quality", "CRM data quality", true},
	{"/import", "import", "Import", "Import CSV files", false},
}

// notFound is the page rendered for unknown paths.
var notFound = page{ID: "notfound", Heading: "Page not found"}

// Handler serves the dashboard pages and their static assets:
//
//	GET /            overview
//	GET /explore     KPI explorer
//	GET /team        team leaderboard and rep scorecards
//	GET /pipeline    pipeline
//	GET /forecast    revenue forecast with backtests, pipeline waterfall, stage analytics
//	GET /goals       goals: alignment tree, projections, SMART check, quota attainment
//	GET /time        selling and non-selling time by category, and the value of reclaiming it
//	GET /coach       coaching: a team's reps at a glance and a rep's scorecard against their peers
//	GET /quality     CRM data quality: accuracy by record type, rep, team and month; failing records
//	GET /import      CSV upload
//	GET /static/...  assets
//
// Asset URLs in the pages carry a version segment (/static/v<hash>/...) that
// changes whenever any asset does; those are served with a one-year immutable
// cache lifetime, plain /static/... URLs with no-cache and an ETag. Unknown
// paths return 404 with a small HTML page.
func Handler(opts Options) (http.Handler, error) {
	if opts.Title == "" {
		opts.Title = "salesops"
	}
	h := &handler{opts: opts}
	if opts.Dev {
		dir := opts.Dir
		if dir == "" {
			dir = sourceDir()
		}
		for _, sub := range []string{"templates", "static"} {
			if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("web: dev mode: %s has no %s/ directory (set Options.Dir)", dir, sub)
			}
		}
		h.fsys = os.DirFS(dir)
		// Parse once now so that a broken template fails at start-up too.
		if _, err := parseTemplates(h.fsys, h.funcs("")); err != nil {
			return nil, err
		}
		return h, nil
	}
	h.fsys = embedded
	static, err := fs.Sub(embedded, "static")
	if err != nil {
		return nil, err
	}
	if h.assets, err = loadAssets(static); err != nil {
		return nil, err
	}
	h.version = h.assets.version
	if h.tmpl, err = parseTemplates(h.fsys, h.funcs(h.version)); err != nil {
		return nil, err
	}
	return h, nil
}

// sourceDir returns the directory of this package's source files when they
// are still where the binary was built from, else internal/web below the
// working directory.
func sourceDir() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Dir(file)
		if fi, err := os.Stat(filepath.Join(dir, "templates")); err == nil && fi.IsDir() {
			return dir
		}
	}
	return filepath.Join("internal", "web")
}

type handler struct {
	opts    Options
	fsys    fs.FS                         // holds templates/ and static/
	tmpl    map[string]*template.Template // by page ID; nil in dev mode
	assets  *assetSet                     // nil in dev mode
	version string                        // asset version segment; "" in dev mode
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if rest, ok := strings.CutPrefix(r.URL.Path, "/static/"); ok {
		h.serveStatic(w, r, rest)
		return
	}
	for _, p := range pages {
		if r.URL.Path == p.Path {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			h.render(w, r, p, http.StatusOK)
			return
		}
	}
	h.render(w, r, notFound, http.StatusNotFound)
}

// pageData is what the templates see.
type pageData struct {
	Title   string // product title
	Page    page
	Nav     []page
	Charts  bool // the vendored ECharts file is present
	Dev     bool
	Version string
}

// contentSecurityPolicy allows only same-origin scripts, styles, API calls
// and images (plus data: images, which ECharts' "save as image" uses).
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (h *handler) render(w http.ResponseWriter, r *http.Request, p page, status int) {
	tmpl := h.tmpl
	if h.opts.Dev {
		var err error
		if tmpl, err = parseTemplates(h.fsys, h.funcs("")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	t := tmpl[p.ID]
	if t == nil {
		http.Error(w, "web: no template for "+p.ID, http.StatusInternalServerError)
		return
	}
	data := pageData{
		Title:   h.opts.Title,
		Page:    p,
		Nav:     pages,
		Charts:  h.hasECharts(),
		Dev:     h.opts.Dev,
		Version: h.version,
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		http.Error(w, "web: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

func (h *handler) hasECharts() bool {
	if h.assets != nil {
		return h.assets.files[echartsFile] != nil
	}
	fi, err := fs.Stat(h.fsys, "static/"+echartsFile)
	return err == nil && !fi.IsDir()
}

// funcs returns the template functions; version is the asset version segment
// ("" for unversioned URLs).
func (h *handler) funcs(version string) template.FuncMap {
	return template.FuncMap{
		// static returns the URL of a file below static/.
		"static": func(name string) string {
			if version == "" {
				return "/static/" + name
			}
			return "/static/v" + version + "/" + name
		},
	}
}

// parseTemplates parses templates/layout.html with each page template. Every
// page template defines "content"; layout.html defines "layout".
func parseTemplates(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	out := make(map[string]*template.Template)
	for _, p := range append(pages[:len(pages):len(pages)], notFound) {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		if _, err := t.ParseFS(fsys, path.Join("templates", p.ID+".html")); err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		if t.Lookup("content") == nil {
			return nil, errors.New("web: templates/" + p.ID + ".html defines no \"content\"")
		}
		out[p.ID] = t
	}
	return out, nil
}
