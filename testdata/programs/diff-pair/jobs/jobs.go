// Package jobs has short-lived tasks and a two-stage job.
package jobs

import "example.com/holdup/diff-pair/registry"

type Task struct {
	Quit chan struct{}
}

// Run waits until Quit is closed, then returns (the goroutine exits).
func (t *Task) Run(before func()) {
	before()
	<-t.Quit
}

// TwoStage waits for a go-ahead, then moves on to register itself (and
// blocks on the registry lock).
func TwoStage(r *registry.Registry, next chan struct{}, stage1, stage2 func()) {
	awaitTurn(next, stage1)
	r.Register("two-stage", stage2)
}

//go:noinline
func awaitTurn(next chan struct{}, before func()) {
	before()
	<-next
}
