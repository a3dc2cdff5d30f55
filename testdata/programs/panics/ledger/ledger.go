// Package ledger transfers between two accounts, locking both: two opposite
// transfers deadlock (AB-BA).
package ledger

import "sync"

type Account struct {
	Name    string
	mu      sync.Mutex
	balance int
}

func (a *Account) MutexAddr() *sync.Mutex { return &a.mu }

// Transfer locks from, calls firstLocked (which may wait for the peer), then
// locks to.
func Transfer(from, to *Account, amount int, firstLocked func()) {
	from.mu.Lock()
	defer from.mu.Unlock()
	firstLocked()
	to.mu.Lock()
	defer to.mu.Unlock()
	from.balance -= amount
	to.balance += amount
}

// Audit waits for an account's lock.
func (a *Account) Audit(before func()) int {
	before()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}
