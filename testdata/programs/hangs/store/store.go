// Package store writes container configuration to disk under a file lock (flock(2)), as
// boltdb and dockerd's lockfiles do: a writer waits in flock while another open file
// description holds the lock.
package store

import (
	"os"
	"path/filepath"
	"syscall"
)

// Store is a directory of container configs guarded by a lock file.
type Store struct {
	dir  string
	lock *os.File
}

// Open opens (creating) the store in dir.
func Open(dir string) *Store {
	f, err := os.OpenFile(filepath.Join(dir, "store.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		panic(err)
	}
	return &Store{dir: dir, lock: f}
}

// LockPath is the lock file another holder (a backup tool, another daemon) locks.
func (s *Store) LockPath() string { return filepath.Join(s.dir, "store.lock") }

// Save writes one config under the store's lock.
func (s *Store) Save(name string, data []byte, before func()) error {
	if before != nil {
		before()
	}
	if err := s.flock(); err != nil {
		return err
	}
	defer syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
	return os.WriteFile(filepath.Join(s.dir, name+".json"), data, 0o600)
}

func (s *Store) flock() error {
	return syscall.Flock(int(s.lock.Fd()), syscall.LOCK_EX)
}
