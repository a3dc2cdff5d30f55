// Package daemon is the container operations: pausing, listing, inspecting, and the
// monitor loops; ContainerPause has the bug of returning with the container lock held when
// the runtime refuses (the ContainerPause path of moby#375).
package daemon

import (
	"errors"
	"sync"
	"time"

	"github.com/docker/docker/container"
)

// Daemon holds the containers.
type Daemon struct {
	mu         sync.Mutex
	containers map[string]*container.Container
	events     chan string
}

// New returns a daemon with the given containers.
func New(cs ...*container.Container) *Daemon {
	d := &Daemon{containers: map[string]*container.Container{}, events: make(chan string)}
	for _, c := range cs {
		d.containers[c.Name] = c
	}
	return d
}

func (d *Daemon) get(name string) *container.Container {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.containers[name]
}

var errRuntime = errors.New("runtime: cannot pause: cgroup freezer not available")

// ContainerPause pauses a container. On a runtime error it returns without Unlock: the
// container lock is leaked, and every later operation on the container waits for ever.
func (d *Daemon) ContainerPause(name string, hook func()) error {
	ctr := d.get(name)
	ctr.Lock()
	if ctr.Paused {
		ctr.Unlock()
		return errors.New("already paused")
	}
	if err := d.pauseTask(ctr); err != nil {
		hook()
		return err // the bug: ctr.Unlock() is missing on this path
	}
	ctr.Paused = true
	ctr.Unlock()
	return nil
}

func (d *Daemon) pauseTask(ctr *container.Container) error {
	return errRuntime
}

// Containers lists containers, each read under its lock (`docker ps`).
func (d *Daemon) Containers() []string {
	d.mu.Lock()
	cs := make([]*container.Container, 0, len(d.containers))
	for _, c := range d.containers {
		cs = append(cs, c)
	}
	d.mu.Unlock()
	var out []string
	for _, c := range cs {
		out = append(out, d.reducePsContainer(c))
	}
	return out
}

func (d *Daemon) reducePsContainer(ctr *container.Container) string {
	ctr.Lock()
	defer ctr.Unlock()
	return ctr.ID
}

// ContainerInspect reads a container under its lock (`docker inspect`).
func (d *Daemon) ContainerInspect(name string) (string, error) {
	ctr := d.get(name)
	ctr.Lock()
	defer ctr.Unlock()
	return ctr.ID + " " + ctr.Name, nil
}

// Monitor watches one container's events for its lifetime, as dockerd's monitor loops do;
// it passes the container without holding its lock.
func (d *Daemon) Monitor(ctr *container.Container, ready func()) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	ready()
	for {
		select {
		case ev := <-d.events:
			if ev == ctr.ID {
				return
			}
		case <-tick.C:
		}
	}
}
