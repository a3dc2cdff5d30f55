// Package api serves volume requests.
package api

import "example.com/holdup/bigwaiters/volumes"

type Router struct{ Store *volumes.Store }

//go:noinline
func (r *Router) HandleGet(name string, before func()) int {
	before()
	return r.Store.Get(name)
}

//go:noinline
func (r *Router) HandleList(before func()) []string {
	before()
	return r.Store.List()
}
