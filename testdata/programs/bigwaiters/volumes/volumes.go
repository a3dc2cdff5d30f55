// Package volumes: Store.mu is held by Sync while it reads a journal pipe
// in read(2) (the writer never writes); everything else queues on mu.
package volumes

import (
	"sync"
	"syscall"
)

type Store struct {
	mu      sync.Mutex
	journal int // read end of a pipe
	vols    map[string]int
}

func New(journalFD int) *Store { return &Store{journal: journalFD, vols: map[string]int{}} }

func (s *Store) MutexAddr() *sync.Mutex { return &s.mu }

// Sync holds s.mu while it blocks in read(2).
func (s *Store) Sync(locked func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	locked()
	return s.readJournal()
}

//go:noinline
func (s *Store) readJournal() error {
	buf := make([]byte, 512)
	_, err := syscall.Read(s.journal, buf)
	return err
}

func (s *Store) Get(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vols[name]
}

func (s *Store) List() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.vols {
		out = append(out, k)
	}
	return out
}

func (s *Store) Release(name string) {
	s.withLock(func() { s.vols[name]-- })
}

func (s *Store) Prune() int {
	n := 0
	s.withLock(func() {
		for k, v := range s.vols {
			if v == 0 {
				delete(s.vols, k)
				n++
			}
		}
	})
	return n
}

//go:noinline
func (s *Store) withLock(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}
