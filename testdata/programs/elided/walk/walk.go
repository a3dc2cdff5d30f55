// Package walk recurses deeply before blocking, so tracebacks exceed the
// runtime's 100-frame limit and get elided.
package walk

import (
	"runtime"
	"sync"
	"time"
)

type Tree struct {
	mu    sync.Mutex
	nodes int
	wake  chan struct{}
}

func NewTree() *Tree { return &Tree{wake: make(chan struct{})} }

func (t *Tree) MutexAddr() *sync.Mutex { return &t.mu }

// Frames counts the caller's logical frames (as runtime.CallersFrames
// reports them, runtime.goexit included), excluding Frames itself.
func Frames() int {
	pcs := make([]uintptr, 4096)
	n := runtime.Callers(2, pcs)
	fr := runtime.CallersFrames(pcs[:n])
	c := 0
	for {
		_, more := fr.Next()
		c++
		if !more {
			return c
		}
	}
}

// Visit recurses depth times, then waits for t.mu at the bottom.
//
//go:noinline
func (t *Tree) Visit(depth int, bottom func(frames int)) int {
	if depth > 0 {
		return t.Visit(depth-1, bottom) + 1
	}
	bottom(Frames())
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nodes++
	return 0
}

// Rebalance takes t.mu at the top, then recurses depth times and sleeps at
// the bottom while still holding it (the Lock frame is outermost).
//
//go:noinline
func (t *Tree) Rebalance(depth int, bottom func(frames int)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rotate(depth, bottom)
}

//go:noinline
func (t *Tree) rotate(depth int, bottom func(frames int)) {
	if depth > 0 {
		t.rotate(depth-1, bottom)
		return
	}
	bottom(Frames())
	time.Sleep(time.Hour)
}

// Even and Odd recurse mutually, then wait on a channel.
//
//go:noinline
func (t *Tree) Even(n int, bottom func(frames int)) {
	if n == 0 {
		bottom(Frames())
		<-t.wake
		return
	}
	t.Odd(n-1, bottom)
}

//go:noinline
func (t *Tree) Odd(n int, bottom func(frames int)) {
	if n == 0 {
		bottom(Frames())
		<-t.wake
		return
	}
	t.Even(n-1, bottom)
}
