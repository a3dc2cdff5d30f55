// Package pool has idle background goroutines of three kinds.
package pool

import "time"

type Worker struct{ Jobs chan func() }

//go:noinline
func (w *Worker) Run(started func()) {
	started()
	for j := range w.Jobs {
		j()
	}
}

type Watcher struct {
	Events chan string
	Stop   chan struct{}
}

//go:noinline
func (w *Watcher) Loop(started func()) {
	started()
	for {
		select {
		case <-w.Events:
		case <-w.Stop:
			return
		}
	}
}

//go:noinline
func Sample(started func()) {
	started()
	for {
		time.Sleep(time.Hour)
	}
}
