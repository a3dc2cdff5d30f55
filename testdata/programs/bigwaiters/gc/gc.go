// Package gc prunes unused volumes.
package gc

import "example.com/holdup/bigwaiters/volumes"

type Collector struct{ Store *volumes.Store }

//go:noinline
func (c *Collector) Sweep(before func()) int {
	before()
	return c.Store.Prune()
}
