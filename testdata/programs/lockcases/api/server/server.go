// Package server dispatches requests to route handlers, as dockerd's API server does: one
// goroutine per request, the handler looked up by route.
package server

// Request is one API request.
type Request struct {
	Method, Path string
	Vars         map[string]string
	// Start runs before the handler, Hook inside its critical section: the fixture's way
	// to record which goroutine serves the request. Nil for most requests.
	Start, Hook func()
}

// Handler serves one route.
type Handler func(r *Request) error

// Server holds the routes.
type Server struct {
	routes map[string]Handler
}

// New returns a server without routes.
func New() *Server { return &Server{routes: map[string]Handler{}} }

// Handle registers a route.
func (s *Server) Handle(route string, h Handler) { s.routes[route] = h }

// Serve runs one request in a goroutine of its own, as net/http does.
func (s *Server) Serve(route string, r *Request) {
	go s.serveRequest(route, r)
}

func (s *Server) serveRequest(route string, r *Request) {
	h := s.routes[route]
	if r.Start != nil {
		r.Start()
	}
	_ = s.makeHTTPHandler(h)(r)
}

func (s *Server) makeHTTPHandler(h Handler) Handler {
	return func(r *Request) error {
		return h(r)
	}
}
