// Package handler panics in several ways.
package handler

import (
	"sync"
	"time"
)

type Request struct {
	Path string
	Body *Payload
}

type Payload struct {
	Size int
}

type Handler struct {
	mu    sync.Mutex
	count int
}

func (h *Handler) MutexAddr() *sync.Mutex { return &h.mu }

// Flush holds h.mu while it sleeps.
func (h *Handler) Flush(locked func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	locked()
	time.Sleep(time.Hour)
}

// Count waits for h.mu.
func (h *Handler) Count(before func()) int {
	before()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count
}

// Serve waits for go, then handles r with the chosen failure.
func (h *Handler) Serve(r *Request, how string, ready func(), goAhead <-chan struct{}) {
	ready()
	<-goAhead
	switch how {
	case "boom":
		h.validate(r)
	case "repanic":
		h.recoverAndRethrow(r, false)
	case "repanic-same":
		h.recoverAndRethrow(r, true)
	case "nilptr":
		h.size(r)
	}
}

//go:noinline
func (h *Handler) validate(r *Request) {
	if r.Path != "/ok" {
		panic("boom")
	}
}

//go:noinline
func (h *Handler) recoverAndRethrow(r *Request, same bool) {
	defer func() {
		v := recover()
		if same {
			panic(v)
		}
		panic("second")
	}()
	panic("first")
}

//go:noinline
func (h *Handler) size(r *Request) int {
	return r.Body.Size // r.Body is nil
}
