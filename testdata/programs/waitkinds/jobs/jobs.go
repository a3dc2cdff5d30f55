// Package jobs: a batch whose Wait blocks on a sync.WaitGroup whose workers
// are still sleeping, and a queue whose consumer blocks in sync.Cond.Wait.
package jobs

import (
	"sync"
	"time"
)

type Batch struct {
	wg sync.WaitGroup
}

func (b *Batch) WGAddr() *sync.WaitGroup { return &b.wg }

// Start launches n workers; started is called in each worker goroutine.
func (b *Batch) Start(n int, started func()) {
	b.wg.Add(n)
	for i := 0; i < n; i++ {
		go b.work(started)
	}
}

func (b *Batch) work(started func()) {
	defer b.wg.Done()
	started()
	time.Sleep(time.Hour)
}

func (b *Batch) Wait(before func()) {
	before()
	b.wg.Wait()
}

type Queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

func NewQueue() *Queue {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *Queue) CondAddr() *sync.Cond   { return q.cond }
func (q *Queue) MutexAddr() *sync.Mutex { return &q.mu }

func (q *Queue) Pop(before func()) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	before()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	it := q.items[0]
	q.items = q.items[1:]
	return it
}

// Backoff sleeps before a retry.
func Backoff(before func()) {
	before()
	time.Sleep(time.Hour)
}
