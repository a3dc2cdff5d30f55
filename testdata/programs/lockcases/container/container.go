// Package container is a container's state, guarded by the mutex its State embeds, as in
// dockerd.
package container

import "sync"

// State is what a container is doing; its embedded Mutex is "the container lock".
type State struct {
	sync.Mutex
	Running bool
	Paused  bool
}

// Container is one container.
type Container struct {
	*State
	ID   string
	Name string
}

// New returns a running container.
func New(id, name string) *Container {
	return &Container{State: &State{Running: true}, ID: id, Name: name}
}

// IsPaused reads the state under the container lock.
func (s *State) IsPaused() bool {
	s.Lock()
	defer s.Unlock()
	return s.Paused
}
