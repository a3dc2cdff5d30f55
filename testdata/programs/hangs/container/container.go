// Package container is a container with its lock, as dockerd's: State embeds sync.Mutex
// and every reader and writer of the container takes it.
package container

import "sync"

// State is the lock-protected part of a container.
type State struct {
	sync.Mutex
	Running  bool
	ExitCode int
}

// Mount is one volume mount of a container.
type Mount struct {
	Name   string
	Driver Driver
}

// Driver releases a volume when its container stops.
type Driver interface {
	Release(name string)
}

// Container is one container.
type Container struct {
	*State
	ID, Name string
	Mounts   []*Mount
}

// New returns a running container.
func New(id, name string, mounts ...*Mount) *Container {
	return &Container{State: &State{Running: true}, ID: id, Name: name, Mounts: mounts}
}
