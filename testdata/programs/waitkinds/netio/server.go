// Package netio has a TCP server on loopback: the accept loop waits in
// Accept and a connection handler waits in Read ([IO wait]).
package netio

import (
	"net"
)

type Server struct {
	ln net.Listener
}

func Listen() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &Server{ln: ln}, nil
}

func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve accepts connections; beforeAccept runs before each Accept,
// beforeRead in each handler before its first Read.
func (s *Server) Serve(beforeAccept func(), beforeRead func()) {
	for {
		beforeAccept()
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handle(c, beforeRead)
	}
}

func (s *Server) handle(c net.Conn, beforeRead func()) {
	defer c.Close()
	buf := make([]byte, 512)
	beforeRead()
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}
