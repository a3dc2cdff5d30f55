// Package daemon is a dockerd-like daemon: API requests read containers under their lock,
// exit events change a container's state under its lock, and a state change waits for the
// container's volume mounts to be released (a WaitGroup over goroutines it starts).
package daemon

import (
	"encoding/json"
	"sync"
	"time"

	"example.com/holdup/hangs/container"
	"example.com/holdup/hangs/store"
)

// Event is an exit event from the container runtime.
type Event struct {
	ID       string
	ExitCode int
	// Hook runs in StateChanged once the container lock is held: the fixture's way to record
	// which goroutine holds it.
	Hook func()
}

// Daemon holds the containers.
type Daemon struct {
	containers map[string]*container.Container
	order      []*container.Container
	events     chan Event
	Store      *store.Store
}

// New returns a daemon with the given containers.
func New(st *store.Store, cs ...*container.Container) *Daemon {
	d := &Daemon{containers: map[string]*container.Container{}, events: make(chan Event), Store: st}
	for _, c := range cs {
		d.containers[c.Name] = c
		d.order = append(d.order, c)
	}
	return d
}

// Get returns the container by name.
func (d *Daemon) Get(name string) *container.Container { return d.containers[name] }

// ProcessEvents is the event loop: each exit event is handled in a goroutine of its own,
// as libcontainerd's queue hands them to the daemon.
func (d *Daemon) ProcessEvents() {
	for ev := range d.events {
		go d.StateChanged(ev)
	}
}

// Exited delivers an exit event.
func (d *Daemon) Exited(ev Event) { d.events <- ev }

// StateChanged records a container's exit: under the container lock it releases the
// container's mounts and waits until every one is released.
func (d *Daemon) StateChanged(ev Event) {
	c := d.containers[ev.ID]
	c.Lock()
	defer c.Unlock()
	if ev.Hook != nil {
		ev.Hook()
	}
	c.Running = false
	c.ExitCode = ev.ExitCode
	d.releaseMounts(c)
}

// releaseMounts releases every mount in parallel and waits for all of them.
func (d *Daemon) releaseMounts(c *container.Container) {
	var wg sync.WaitGroup
	for _, m := range c.Mounts {
		wg.Add(1)
		go d.releaseMount(m, &wg)
	}
	wg.Wait()
}

func (d *Daemon) releaseMount(m *container.Mount, wg *sync.WaitGroup) {
	defer wg.Done()
	m.Driver.Release(m.Name)
}

// Containers lists the containers (`docker ps`), reading each under its lock.
func (d *Daemon) Containers(before func()) []string {
	if before != nil {
		before()
	}
	var names []string
	for _, c := range d.order {
		names = append(names, d.reducePsContainer(c))
	}
	return names
}

func (d *Daemon) reducePsContainer(c *container.Container) string {
	c.Lock()
	defer c.Unlock()
	if c.Running {
		return c.Name + " (running)"
	}
	return c.Name
}

// ContainerInspect returns one container's state (`docker inspect`).
func (d *Daemon) ContainerInspect(name string, before func()) ([]byte, error) {
	c := d.containers[name]
	if before != nil {
		before()
	}
	c.Lock()
	defer c.Unlock()
	return json.Marshal(map[string]interface{}{"Name": c.Name, "Running": c.Running, "ExitCode": c.ExitCode})
}

// ContainerUpdate changes a container's resources and writes its config to disk, under
// its lock (`docker update`).
func (d *Daemon) ContainerUpdate(name string, hook func()) error {
	c := d.containers[name]
	c.Lock()
	defer c.Unlock()
	return d.checkpoint(c, hook)
}

func (d *Daemon) checkpoint(c *container.Container, hook func()) error {
	data, _ := json.Marshal(map[string]interface{}{"ID": c.ID, "Name": c.Name})
	return d.Store.Save(c.ID, data, hook)
}

// StatsCollector samples every container's stats on a timer: a background loop.
func (d *Daemon) StatsCollector(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for range t.C {
		for _, c := range d.order {
			_ = c.Name
		}
	}
}
