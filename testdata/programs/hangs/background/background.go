// Package background holds the loops every long-running daemon has, parked while idle: a
// work queue whose workers wait on a sync.Cond, a supervisor waiting for them with a
// WaitGroup, a ticker loop, an event subscriber, a retry sleeper. None of them is stuck.
package background

import (
	"sync"
	"time"
)

// Queue is a work queue served by a pool of workers.
type Queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []func()
	wg    sync.WaitGroup
}

// NewQueue starts n workers and a supervisor that waits for them.
func NewQueue(n int) *Queue {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	for i := 0; i < n; i++ {
		q.wg.Add(1)
		go q.worker()
	}
	go q.supervise()
	return q
}

func (q *Queue) worker() {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		for len(q.items) == 0 {
			q.cond.Wait()
		}
		f := q.items[0]
		q.items = q.items[1:]
		q.mu.Unlock()
		f()
	}
}

func (q *Queue) supervise() {
	q.wg.Wait()
}

// Ticker runs f every interval.
func Ticker(interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for range t.C {
		f()
	}
}

// Subscriber reads events until the channel is closed.
func Subscriber(events <-chan string) {
	for e := range events {
		_ = e
	}
}

// Poller checks something every interval, sleeping in between.
func Poller(interval time.Duration, check func() bool) {
	for !check() {
		time.Sleep(interval)
	}
}
