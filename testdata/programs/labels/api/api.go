// Package api has a labelled request that holds a mutex and labelled
// requests waiting for it.
package api

import (
	"context"
	"sync"
	"time"
)

type Sessions struct {
	mu   sync.Mutex
	byID map[string]string
}

func NewSessions() *Sessions { return &Sessions{byID: map[string]string{}} }

func (s *Sessions) MutexAddr() *sync.Mutex { return &s.mu }

// Expire holds s.mu while it sleeps.
func (s *Sessions) Expire(ctx context.Context, locked func(context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	locked(ctx)
	time.Sleep(time.Hour)
}

// Lookup waits for s.mu.
func (s *Sessions) Lookup(ctx context.Context, id string, before func(context.Context)) string {
	before(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[id]
}
