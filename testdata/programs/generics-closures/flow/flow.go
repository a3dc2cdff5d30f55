// Package flow has closures, method values, go-statement wrappers and a
// deferred call that blocks.
package flow

import (
	"runtime"
	"sync"
)

type Server struct {
	Name string
	reqs chan int
}

func NewServer(name string) *Server { return &Server{Name: name, reqs: make(chan int)} }

// Serve waits for requests.
//
//go:noinline
func (s *Server) Serve() {
	for r := range s.reqs {
		_ = r
	}
}

// Run calls fn; passing a method value (s.Serve) makes fn a "-fm" wrapper.
//
//go:noinline
func Run(fn func(), before func()) {
	before()
	fn()
}

// Pipeline blocks inside a closure nested in a closure: Pipeline.func1.2
// (Pipeline.func1.1 is the first nested literal).
//
//go:noinline
func Pipeline(in chan string, before func()) {
	stage := func(name string) {
		prepare := func() string { return name + ":" }
		wait := func() {
			before()
			v := <-in
			_ = prepare() + v
		}
		wait()
	}
	stage("parse")
}

// Process is the target of a `go Process(job, before)` statement: newer Go
// names the wrapper main.main.gowrapN, older main.main.funcN.
//
//go:noinline
func Process(job int, release chan struct{}, before func()) {
	before()
	<-release
}

// Commit blocks inside a deferred call with arguments: newer Go names the
// wrapper Commit.deferwrap1, older Commit.func1.
//
//go:noinline
func Commit(tx int, wait chan struct{}, before func()) {
	defer finish(tx, wait, before)
	tx++
}

//go:noinline
func finish(tx int, wait chan struct{}, before func()) {
	before()
	<-wait
}

// Pinned locks its OS thread (no cgo involved) and then waits for mu.
//
//go:noinline
func Pinned(mu *sync.Mutex, before func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before()
	mu.Lock()
	mu.Unlock()
}
