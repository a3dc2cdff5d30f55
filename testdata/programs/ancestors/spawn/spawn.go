// Package spawn builds a chain of goroutines, each started by the previous
// one. Some links exit after starting their child, some stay blocked. Run
// with GODEBUG=tracebackancestors=N, tracebacks then show each goroutine's
// ancestors as "[originating from goroutine N]:" sections.
package spawn

import (
	"sync"
	"time"
)

// Link is called by each goroutine of the chain: level (1-based), its
// parent's id (main = 1 for level 1). It returns the goroutine's own id.
type Recorder func(level int, parent int64, exits bool, leaf bool) int64

type Chain struct {
	Levels int
	Mu     sync.Mutex // held by level 2 while it sleeps; the leaf waits for it
	hold   chan struct{}
	wg     sync.WaitGroup
}

func NewChain(levels int) *Chain { return &Chain{Levels: levels, hold: make(chan struct{})} }

// Start launches level 1 from the calling goroutine.
func (c *Chain) Start(parent int64, rec Recorder) {
	go c.link(1, parent, rec)
}

func (c *Chain) link(level int, parent int64, rec Recorder) {
	leaf := level == c.Levels
	exits := !leaf && level%2 == 1 // odd levels exit after starting their child
	id := rec(level, parent, exits, leaf)
	switch {
	case leaf:
		c.Mu.Lock() // held by level 2
		c.Mu.Unlock()
	case level == 2:
		c.Mu.Lock()
		go c.link(level+1, id, rec)
		time.Sleep(time.Hour)
		c.Mu.Unlock()
	case exits:
		go c.link(level+1, id, rec)
	default:
		go c.link(level+1, id, rec)
		<-c.hold
	}
}

// Deep starts a goroutine from inside a recursion `depth` deep, so the
// ancestor record itself is truncated (the runtime keeps at most 50 pcs per
// ancestor and then prints "...additional frames elided..."). self is called
// by the recursing goroutine at the bottom, child by the started goroutine.
func Deep(depth int, self func() int64, child func(parent int64), wait chan struct{}) {
	if depth > 0 {
		Deep(depth-1, self, child, wait)
		return
	}
	id := self()
	go func() {
		child(id)
		<-wait
	}()
	<-wait
}
