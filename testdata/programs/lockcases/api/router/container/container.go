// Package container is the API's container routes.
package container

import (
	"github.com/docker/docker/api/server"
	"github.com/docker/docker/daemon"
)

type containerRouter struct {
	backend *daemon.Daemon
}

// Register adds the container routes.
func Register(s *server.Server, d *daemon.Daemon) {
	r := &containerRouter{backend: d}
	s.Handle("GET /containers/json", r.getContainersJSON)
	s.Handle("GET /containers/{name}/json", r.getContainersByName)
	s.Handle("POST /containers/{name}/pause", r.postContainersPause)
}

func (c *containerRouter) getContainersJSON(r *server.Request) error {
	_ = c.backend.Containers()
	return nil
}

func (c *containerRouter) getContainersByName(r *server.Request) error {
	_, err := c.backend.ContainerInspect(r.Vars["name"])
	return err
}

func (c *containerRouter) postContainersPause(r *server.Request) error {
	return c.backend.ContainerPause(r.Vars["name"], r.Hook)
}
