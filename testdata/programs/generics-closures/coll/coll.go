// Package coll has generic containers whose functions and methods block,
// so frames read F[...] and (*T[...]).M.
package coll

import (
	"sync"
	"time"
)

// Pool is a generic pool guarded by a mutex.
type Pool[T any] struct {
	mu    sync.Mutex
	items []T
}

func (p *Pool[T]) MutexAddr() *sync.Mutex { return &p.mu }

// Drain holds p.mu while a closure sleeps.
//
//go:noinline
func (p *Pool[T]) Drain(locked func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	flush := func() {
		locked()
		time.Sleep(time.Hour)
	}
	flush()
	p.items = p.items[:0]
}

// Get waits for p.mu.
//
//go:noinline
func (p *Pool[T]) Get(before func()) (T, bool) {
	before()
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero T
	if len(p.items) == 0 {
		return zero, false
	}
	it := p.items[len(p.items)-1]
	p.items = p.items[:len(p.items)-1]
	return it, true
}

// First receives from the first channel (generic function).
//
//go:noinline
func First[T any](before func(), chs ...chan T) T {
	before()
	return <-chs[0]
}

// Each calls fn for every value received, from a closure (F[...].func1).
//
//go:noinline
func Each[K comparable, V any](ch chan map[K]V, before func()) int {
	n := 0
	recv := func() bool {
		before()
		m, ok := <-ch
		n += len(m)
		return ok
	}
	for recv() {
	}
	return n
}

// Pair is a generic type with two type parameters.
type Pair[K comparable, V any] struct {
	Key  K
	Val  V
	done chan struct{}
}

func NewPair[K comparable, V any](k K, v V) *Pair[K, V] {
	return &Pair[K, V]{Key: k, Val: v, done: make(chan struct{})}
}

// Wait blocks in a select on the pair's channel.
//
//go:noinline
func (p *Pair[K, V]) Wait(before func(), timeout time.Duration) bool {
	before()
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		return false
	}
}
