// Package registry: one goroutine holds the registry lock for a long
// compaction; lookups pile up behind it.
package registry

import (
	"sync"
	"time"
)

type Registry struct {
	mu      sync.Mutex
	entries map[string]int
}

func New() *Registry { return &Registry{entries: map[string]int{}} }

func (r *Registry) MutexAddr() *sync.Mutex { return &r.mu }

func (r *Registry) Compact(locked func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	locked()
	rewrite(r.entries)
}

//go:noinline
func rewrite(m map[string]int) { time.Sleep(time.Hour) }

func (r *Registry) Lookup(name string, before func()) int {
	before()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entries[name]
}

func (r *Registry) Register(name string, before func()) {
	before()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[name]++
}
