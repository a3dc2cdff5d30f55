// Package cri is a client of a container runtime over HTTP, and a runtime that never
// answers: it accepts connections and reads nothing, as a wedged runtime does.
package cri

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// Runtime is the client side.
type Runtime struct {
	addr   string
	client *http.Client
}

// NewRuntime returns a client of the runtime at addr.
func NewRuntime(addr string) *Runtime {
	return &Runtime{addr: addr, client: &http.Client{}}
}

// SyncPod asks the runtime to bring a pod to its desired state and waits for the answer.
func (r *Runtime) SyncPod(ctx context.Context, pod string, before func()) error {
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+r.addr+"/v1/pods/"+pod+"/sync", nil)
	if err != nil {
		return err
	}
	if before != nil {
		before()
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Wedged is a runtime that accepts and never answers.
type Wedged struct {
	Addr  string
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

// StartWedged listens on 127.0.0.1 and keeps every connection unanswered.
func StartWedged() *Wedged {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	w := &Wedged{Addr: ln.Addr().String(), ln: ln}
	go w.acceptLoop()
	return w
}

func (w *Wedged) acceptLoop() {
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		w.mu.Lock()
		w.conns = append(w.conns, c)
		w.mu.Unlock()
	}
}
