// Package ingest runs labelled background workers.
package ingest

import (
	"context"
	"runtime/pprof"
	"time"
)

type Indexer struct {
	Work chan string
}

// Run waits for work (chan receive).
func (ix *Indexer) Run(ctx context.Context, before func(context.Context)) {
	before(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case w := <-ix.Work:
			_ = w
		}
	}
}

// Wait blocks in a plain channel receive.
func (ix *Indexer) Wait(ctx context.Context, before func(context.Context)) string {
	before(ctx)
	return <-ix.Work
}

// Reindex runs under job labels and starts a child that inherits them; the
// parent then waits for the child.
func (ix *Indexer) Reindex(ctx context.Context, parent func(context.Context), child func()) {
	pprof.Do(ctx, pprof.Labels("job", "reindex", "batch", "7"), func(ctx context.Context) {
		done := make(chan struct{})
		go ix.reindexPart(child, done)
		parent(ctx)
		<-done
	})
}

func (ix *Indexer) reindexPart(child func(), done chan struct{}) {
	defer close(done)
	child()
	time.Sleep(time.Hour)
}
