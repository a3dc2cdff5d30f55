// Package metrics counts volumes for an exporter.
package metrics

import "example.com/holdup/bigwaiters/volumes"

type Exporter struct{ Store *volumes.Store }

//go:noinline
func (e *Exporter) Collect(before func()) int {
	before()
	return len(e.Store.List())
}
