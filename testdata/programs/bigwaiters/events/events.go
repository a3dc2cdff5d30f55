// Package events reacts to container exits by releasing volumes.
package events

import "example.com/holdup/bigwaiters/volumes"

type Monitor struct{ Store *volumes.Store }

//go:noinline
func (m *Monitor) OnExit(container string, before func()) {
	before()
	m.Store.Release(container)
}
