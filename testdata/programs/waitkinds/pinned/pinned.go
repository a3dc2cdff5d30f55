// Package pinned runs a goroutine locked to its OS thread
// (runtime.LockOSThread) that waits on a channel.
package pinned

import "runtime"

type Worker struct{ Jobs chan func() }

func (w *Worker) Run(before func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before()
	for job := range w.Jobs {
		job()
	}
}
