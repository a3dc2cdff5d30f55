// Package catalog has RWMutex-guarded structures.
//
// Index: a reader holds the read lock (Scan, sleeping), a writer waits in
// Lock (Rebuild), and a later reader waits in RLock behind the pending
// writer (Search).
// Config: a writer holds the write lock (Reload, sleeping) and a reader
// waits in RLock (Get).
package catalog

import (
	"sync"
	"time"
)

type Index struct {
	mu      sync.RWMutex
	entries []string
}

func (ix *Index) LockAddr() *sync.RWMutex { return &ix.mu }

func (ix *Index) Scan(locked func()) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	locked()
	slowVisit(ix.entries)
	return len(ix.entries)
}

//go:noinline
func slowVisit(entries []string) {
	time.Sleep(time.Hour)
}

func (ix *Index) Rebuild(before func()) {
	before()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.entries = append(ix.entries[:0], "rebuilt")
}

func (ix *Index) Search(q string, before func()) []string {
	before()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.entries
}

type Config struct {
	version int
	mu      sync.RWMutex
	values  map[string]string
}

func NewConfig() *Config { return &Config{values: map[string]string{}} }

func (c *Config) LockAddr() *sync.RWMutex { return &c.mu }

func (c *Config) Reload(locked func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	locked()
	fetchRemote()
	c.version++
}

//go:noinline
func fetchRemote() { time.Sleep(time.Hour) }

func (c *Config) Get(key string, before func()) string {
	before()
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.values[key]
}
