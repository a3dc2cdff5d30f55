// Package volume is the API's volume routes.
package volume

import (
	"github.com/docker/docker/api/server"
	"github.com/docker/docker/volume/service"
)

type volumeRouter struct {
	backend *service.VolumesService
}

// Register adds the volume routes.
func Register(s *server.Server, b *service.VolumesService) {
	r := &volumeRouter{backend: b}
	s.Handle("GET /volumes/{name}", r.getVolumeByName)
	s.Handle("DELETE /volumes/{name}", r.deleteVolumes)
}

func (v *volumeRouter) getVolumeByName(r *server.Request) error {
	_, err := v.backend.Get(r.Vars["name"])
	return err
}

func (v *volumeRouter) deleteVolumes(r *server.Request) error {
	return v.backend.Remove(r.Vars["name"], r.Hook)
}
