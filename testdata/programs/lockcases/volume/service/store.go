// Package service keeps the volumes, each name guarded by a named lock (moby/locker), as
// dockerd's volume/service does.
package service

import (
	"fmt"
	"sync"

	"github.com/docker/docker/volume/drivers"
	"github.com/moby/locker"
)

// Volume is one named volume.
type Volume struct {
	Name   string
	Driver string
}

// VolumeStore is the volumes and their locks.
type VolumeStore struct {
	locks   *locker.Locker
	mu      sync.Mutex
	names   map[string]*Volume
	plugin  *drivers.Plugin
	removed int
}

// NewStore returns a store whose volumes live in plugin.
func NewStore(plugin *drivers.Plugin) *VolumeStore {
	return &VolumeStore{locks: locker.New(), names: map[string]*Volume{}, plugin: plugin}
}

// Locks returns the named locks (for the fixture's truth).
func (s *VolumeStore) Locks() *locker.Locker { return s.locks }

// Create adds a volume.
func (s *VolumeStore) Create(name string) *Volume {
	s.locks.Lock(name)
	defer s.locks.Unlock(name)
	v := &Volume{Name: name, Driver: s.plugin.Name}
	s.mu.Lock()
	s.names[name] = v
	s.mu.Unlock()
	return v
}

// Get looks a volume up under its name's lock.
func (s *VolumeStore) Get(name string) (*Volume, error) {
	s.locks.Lock(name)
	defer s.locks.Unlock(name)
	return s.getVolume(name)
}

func (s *VolumeStore) getVolume(name string) (*Volume, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.names[name]
	if !ok {
		return nil, fmt.Errorf("no such volume: %s", name)
	}
	return v, nil
}

// Remove deletes a volume: the driver is asked under the name's lock.
func (s *VolumeStore) Remove(name string, hook func()) error {
	s.locks.Lock(name)
	defer s.locks.Unlock(name)
	hook()
	if err := s.plugin.Call("VolumeDriver.Remove", name); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.names, name)
	s.removed++
	s.mu.Unlock()
	return nil
}

// VolumesService is the API's view of the store.
type VolumesService struct {
	vs *VolumeStore
}

// NewService wraps a store.
func NewService(vs *VolumeStore) *VolumesService { return &VolumesService{vs: vs} }

// Get returns a volume by name.
func (s *VolumesService) Get(name string) (*Volume, error) { return s.vs.Get(name) }

// Remove removes a volume by name.
func (s *VolumesService) Remove(name string, hook func()) error { return s.vs.Remove(name, hook) }
