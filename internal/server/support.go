package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/salesops/salesops/internal/ingest"
	"github.com/salesops/salesops/internal/kpi"
)

// Error is an API error with a status, a code and a message safe to show.
type Error struct {
	Status   int              `json:"-"`
	Code     string           `json:"code"`
	Message  string           `json:"message"`
	Param    string           `json:"param,omitempty"`
	Problems []ingest.Problem `json:"problems,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func badRequest(param, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "bad_request", Param: param, Message: param + ": " + msg}
}

// toError maps what handlers and the engine return to an API error; anything
// unexpected is logged and shown as an internal error.
func (s *Server) toError(r *http.Request, err error) *Error {
	var ae *Error
	var qe *kpi.QueryError
	var ie *ingest.Error
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mb):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "upload larger than the server's limit"}
	case errors.Is(err, kpi.ErrUnknownKPI):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Param: "kpi", Message: err.Error()}
	case errors.As(err, &qe):
		return badRequest(qe.Param, qe.Msg)
	case errors.As(err, &ie):
		e := &Error{Status: http.StatusBadRequest, Code: "invalid_data", Problems: ie.Problems,
			Message: "the data has problems; nothing was changed"}
		return e
	}
	s.log.Error("request failed", "path", r.URL.Path, "err", err)
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
}

func writeError(w http.ResponseWriter, e *Error) {
	writeJSON(w, e.Status, map[string]*Error{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// api adapts a handler that returns an error.
func (s *Server) api(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, s.toError(r, err))
		}
	})
}

// response is an encoded answer, cached so that a popular page costs one
// computation and one encoding per data version.
type response struct {
	contentType string
	disposition string
	body        []byte
}

func (r *response) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", r.contentType)
	if r.disposition != "" {
		w.Header().Set("Content-Disposition", r.disposition)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(r.body)
}

func jsonResponse(v any) (*response, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return &response{contentType: "application/json; charset=utf-8", body: buf.Bytes()}, nil
}

// cached answers from the cache for the current data version, computing and
// encoding the value on a miss.
func (s *Server) cached(w http.ResponseWriter, key string, compute func() (*response, error)) error {
	v, err := s.cache.get(s.version.get(), key, func() (any, error) { return compute() })
	if err != nil {
		return err
	}
	v.(*response).write(w)
	return nil
}

// cache holds computed results for one data version: any change to the data
// empties it, so a cached answer is never stale. Concurrent requests for the
// same key share one computation.
type cache struct {
	mu      sync.Mutex
	version int64
	entries map[string]any
	flight  singleflight.Group
}

// maxCacheEntries bounds memory; past it the cache starts over.
const maxCacheEntries = 512

func newCache() *cache { return &cache{entries: map[string]any{}} }

func (c *cache) get(version int64, key string, compute func() (any, error)) (any, error) {
	c.mu.Lock()
	if c.version != version {
		c.version, c.entries = version, map[string]any{}
	}
	if v, ok := c.entries[key]; ok {
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err, _ := c.flight.Do(key, func() (any, error) {
		v, err := compute()
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.version == version {
			if len(c.entries) >= maxCacheEntries {
				c.entries = map[string]any{}
			}
			c.entries[key] = v
		}
		c.mu.Unlock()
		return v, nil
	})
	return v, err
}

// hub fans data-version changes out to server-sent-event subscribers.
type hub struct {
	mu     sync.Mutex
	subs   map[chan int64]struct{}
	closed bool
}

func newHub() *hub { return &hub{subs: map[chan int64]struct{}{}} }

func (h *hub) subscribe() (chan int64, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan int64, 1)
	if h.closed {
		close(ch)
		return ch, func() {}
	}
	h.subs[ch] = struct{}{}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// publish tells every subscriber the new version; a slow subscriber only ever
// holds the latest one.
func (h *hub) publish(v int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- v:
		default:
			select {
			case <-ch:
			default:
			}
			ch <- v
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		close(ch)
		delete(h.subs, ch)
	}
}
