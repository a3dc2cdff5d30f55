// Package store: one request holds the mutex while it writes a snapshot
// (sleeps); reads (Get) and writes (Put) wait for it.
package store

import (
	"sync"
	"time"
)

type KV struct {
	mu   sync.Mutex
	data map[string]string
}

func New() *KV { return &KV{data: map[string]string{}} }

func (kv *KV) MutexAddr() *sync.Mutex { return &kv.mu }

func (kv *KV) Snapshot(locked func()) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	locked()
	writeSnapshot(kv.data)
}

//go:noinline
func writeSnapshot(m map[string]string) { time.Sleep(time.Hour) }

func (kv *KV) Get(k string, before func()) string {
	before()
	kv.mu.Lock()
	defer kv.mu.Unlock()
	return kv.data[k]
}

func (kv *KV) Put(k, v string, before func()) {
	before()
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.data[k] = v
}
