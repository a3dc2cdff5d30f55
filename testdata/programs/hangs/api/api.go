// Package api is the daemon's HTTP API on a loopback port, and a client that behaves like
// a CLI waiting for its answer: Send writes one request on a new connection and leaves
// without reading, so no client goroutine of ours waits in the dump (the CLI is another
// process in real life). The connection stays open, as the CLI's does.
package api

import (
	"fmt"
	"net"
	"net/http"
	"sync"
)

// Server serves the routes on 127.0.0.1.
type Server struct {
	Addr string
	ln   net.Listener
}

var (
	connsMu sync.Mutex
	conns   []net.Conn
)

// Start listens and serves the handler in the background.
func Start(h http.Handler) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln}
	go func() { _ = http.Serve(ln, h) }()
	return s
}

// Send writes `method path` with the given role header and keeps the connection open.
func (s *Server) Send(method, path, role string) {
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		panic(err)
	}
	if _, err := fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: daemon\r\nX-Role: %s\r\n\r\n", method, path, role); err != nil {
		panic(err)
	}
	connsMu.Lock()
	conns = append(conns, c)
	connsMu.Unlock()
}

// Role is the fixture's role name of the goroutine serving r.
func Role(r *http.Request) string { return r.Header.Get("X-Role") }
