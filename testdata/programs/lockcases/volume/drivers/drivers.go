// Package drivers talks to a volume plugin over a pipe, as dockerd talks to a plugin over its
// socket: a call blocks until the plugin replies.
package drivers

import (
	"io"
	"os"
)

// Plugin is a volume plugin reached through a pipe.
type Plugin struct {
	Name string
	r    *os.File
	w    *os.File
}

// NewPlugin opens the pipe; the fixture never writes a reply, so calls hang.
func NewPlugin(name string) *Plugin {
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	return &Plugin{Name: name, r: r, w: w}
}

// Call sends a request and waits for the reply.
func (p *Plugin) Call(method string, name string) error {
	buf := make([]byte, 512)
	_, err := io.ReadFull(p.r, buf)
	return err
}
