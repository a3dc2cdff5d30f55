// Package locker hands out one mutex per name, created on first use and dropped when
// nobody holds or waits for it: the named-lock pattern of github.com/moby/locker, written
// here from its documented behaviour so that the fixture's stacks name the same package
// and methods as a real dockerd's.
package locker

import (
	"errors"
	"sync"
	"sync/atomic"
)

// ErrNoSuchLock is returned by Unlock for a name nobody locked.
var ErrNoSuchLock = errors.New("no such lock")

// Locker holds the named locks.
type Locker struct {
	mu    sync.Mutex
	locks map[string]*lockCtr
}

// lockCtr is one name's mutex and how many goroutines hold or want it.
type lockCtr struct {
	mu      sync.Mutex
	waiters int32
}

func (l *lockCtr) inc()         { atomic.AddInt32(&l.waiters, 1) }
func (l *lockCtr) dec()         { atomic.AddInt32(&l.waiters, -1) }
func (l *lockCtr) count() int32 { return atomic.LoadInt32(&l.waiters) }

// Lock takes the name's mutex; the caller's goroutine waits here when another holds it.
func (l *lockCtr) Lock() { l.mu.Lock() }

// Unlock releases the name's mutex.
func (l *lockCtr) Unlock() { l.mu.Unlock() }

// New returns an empty Locker.
func New() *Locker { return &Locker{locks: make(map[string]*lockCtr)} }

// Lock takes the lock of name, creating it if needed.
func (l *Locker) Lock(name string) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]*lockCtr)
	}
	c, ok := l.locks[name]
	if !ok {
		c = &lockCtr{}
		l.locks[name] = c
	}
	c.inc()
	l.mu.Unlock()
	c.Lock()
	c.dec()
}

// Unlock releases the lock of name and forgets it when nobody else wants it.
func (l *Locker) Unlock(name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.locks[name]
	if !ok {
		return ErrNoSuchLock
	}
	if c.count() == 0 {
		delete(l.locks, name)
	}
	c.Unlock()
	return nil
}

// MutexOf returns the mutex behind name (nil if none): for the fixture's truth file only,
// which records the address the waiters print.
func (l *Locker) MutexOf(name string) *sync.Mutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.locks[name]; ok {
		return &c.mu
	}
	return nil
}
