package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// contentTypes maps the extensions of the files below static/ to their
// media types; it does not depend on the host's mime tables.
var contentTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".json":  "application/json",
	".map":   "application/json",
	".txt":   "text/plain; charset=utf-8",
	".md":    "text/markdown; charset=utf-8",
	".woff2": "font/woff2",
}

// compressible lists the extensions worth serving gzipped.
var compressible = map[string]bool{".js": true, ".mjs": true, ".css": true, ".svg": true, ".json": true, ".map": true, ".txt": true, ".md": true}

func contentType(name string) string {
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		return ct
	}
	return "application/octet-stream"
}

// asset is one static file held in memory.
type asset struct {
	data []byte
	etag string // strong, quoted

	gzipOnce sync.Once
	gzipped  []byte // nil when not worth it
}

// gz returns the gzip-compressed body, computed on first use, or nil when
// the file is not compressible or does not shrink.
func (a *asset) gz(name string) []byte {
	if !compressible[path.Ext(name)] || len(a.data) < 1024 {
		return nil
	}
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.data)
		_ = zw.Close()
		if buf.Len() < len(a.data)*9/10 {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// assetSet is every file below static/, keyed by slash path relative to it.
type assetSet struct {
	files   map[string]*asset
	version string // hash over all files: the version segment of asset URLs
}

func loadAssets(static fs.FS) (*assetSet, error) {
	set := &assetSet{files: make(map[string]*asset)}
	var names []string
	err := fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		set.files[name] = &asset{data: data, etag: etag(data)}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write([]byte(set.files[name].etag))
	}
	set.version = hex.EncodeToString(h.Sum(nil))[:12]
	return set, nil
}

func etag(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:])[:20] + `"`
}

// serveStatic serves static/<rest>. rest may start with a version segment
// "v<hash>/": with the current version the response may be cached for a
// year; with another one (a page from before a restart) it is served
// uncached so that the stale URL does not pin new content.
func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request, rest string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	cache := "no-cache"
	if seg, after, ok := strings.Cut(rest, "/"); ok && len(seg) > 1 && seg[0] == 'v' && isHex(seg[1:]) {
		rest = after
		if h.version != "" && seg[1:] == h.version {
			cache = "public, max-age=31536000, immutable"
		}
	}
	name := path.Clean("/" + rest)[1:]
	if name == "" || name != rest || hiddenPath(name) {
		h.render(w, r, notFound, http.StatusNotFound)
		return
	}

	var a *asset
	if h.assets != nil {
		a = h.assets.files[name]
	} else if data, err := fs.ReadFile(h.fsys, "static/"+name); err == nil {
		a = &asset{data: data, etag: etag(data)}
	}
	if a == nil {
		h.render(w, r, notFound, http.StatusNotFound)
		return
	}

	hdr := w.Header()
	hdr.Set("Content-Type", contentType(name))
	hdr.Set("Cache-Control", cache)
	body, tag := a.data, a.etag
	if compressible[path.Ext(name)] {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			if gz := a.gz(name); gz != nil {
				body, tag = gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
				hdr.Set("Content-Encoding", "gzip")
			}
		}
	}
	hdr.Set("ETag", tag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// hiddenPath reports whether a path has a dot-file segment.
func hiddenPath(name string) bool {
	for seg := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
				return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
			}
		}
	}
	return false
}
