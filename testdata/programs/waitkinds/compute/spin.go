// Package compute has a busy loop that never blocks.
package compute

import "sync/atomic"

var Iterations uint64

// Spin loops forever; started is called once from inside the loop.
//
//go:noinline
func Spin(started func()) {
	var x uint64
	for i := 0; ; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		if i == 1000 {
			started()
		}
		if i&0xffff == 0 {
			atomic.StoreUint64(&Iterations, x)
		}
	}
}
