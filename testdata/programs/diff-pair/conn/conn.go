// Package conn has a connection that backs off (sleeping) until it is
// marked up, then waits for messages.
package conn

import (
	"sync/atomic"
	"time"
)

type Conn struct {
	up   int32
	msgs chan []byte
}

func New() *Conn { return &Conn{msgs: make(chan []byte)} }

func (c *Conn) MarkUp() { atomic.StoreInt32(&c.up, 1) }

func (c *Conn) Loop(backingOff, waiting func()) {
	c.backoff(backingOff)
	c.await(waiting)
}

//go:noinline
func (c *Conn) backoff(before func()) {
	before()
	for atomic.LoadInt32(&c.up) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
}

//go:noinline
func (c *Conn) await(before func()) []byte {
	before()
	return <-c.msgs
}

// Idle waits for messages forever.
func (c *Conn) Idle(before func()) {
	before()
	for range c.msgs {
	}
}
