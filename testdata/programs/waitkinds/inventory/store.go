// Package inventory has a mutex-guarded store: one goroutine holds the
// mutex while it "talks to the backend" (sleeps), another waits in Lock.
package inventory

import (
	"sync"
	"time"
)

type Store struct {
	mu    sync.Mutex
	items map[string]int
}

func New() *Store { return &Store{items: map[string]int{"widget": 10}} }

// MutexAddr is &s.mu, for the truth file.
func (s *Store) MutexAddr() *sync.Mutex { return &s.mu }

// Reserve holds s.mu across a slow backend call.
func (s *Store) Reserve(key string, locked func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	locked()
	s.syncBackend(key)
	s.items[key]--
}

//go:noinline
func (s *Store) syncBackend(key string) {
	time.Sleep(time.Hour)
}

// Lookup waits for s.mu.
func (s *Store) Lookup(key string, before func()) int {
	before()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items[key]
}
