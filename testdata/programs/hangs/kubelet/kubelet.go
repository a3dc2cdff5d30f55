// Package kubelet is a kubelet-like sync loop: it reads pod lifecycle events and API
// requests and hands each pod's work to that pod's worker goroutine over an unbuffered
// channel; the worker calls the container runtime. When the runtime does not answer, the
// worker does not receive, the sync loop blocks sending to it, and the PLEG and the API
// requests block sending to the sync loop.
package kubelet

import (
	"context"
	"net/http"
	"time"

	"example.com/holdup/hangs/cri"
	"example.com/holdup/hangs/pleg"
)

// Update is one unit of work for a pod worker.
type Update struct {
	Pod    string
	Before func()
}

// podWorkers runs one goroutine per pod.
type podWorkers struct {
	updates map[string]chan Update
	syncFn  func(u Update)
}

// UpdatePod hands u to the pod's worker, starting it on the pod's first update.
func (p *podWorkers) UpdatePod(u Update) {
	ch, ok := p.updates[u.Pod]
	if !ok {
		ch = make(chan Update)
		p.updates[u.Pod] = ch
		go p.managePodLoop(ch)
	}
	ch <- u
}

func (p *podWorkers) managePodLoop(updates <-chan Update) {
	for u := range updates {
		p.syncFn(u)
	}
}

// podsRequest is an API request for the pod list, answered by the sync loop.
type podsRequest struct {
	reply chan []string
}

// Kubelet is the node agent.
type Kubelet struct {
	pods        []string
	runtime     *cri.Runtime
	workers     *podWorkers
	podRequests chan podsRequest
	// SyncBefore runs in the pod worker right before it calls the runtime; LoopBefore in
	// the sync loop right before it hands an update on.
	SyncBefore, LoopBefore func()
}

// New returns a kubelet that syncs pods through rt.
func New(rt *cri.Runtime, pods ...string) *Kubelet {
	kl := &Kubelet{pods: pods, runtime: rt, podRequests: make(chan podsRequest)}
	kl.workers = &podWorkers{updates: map[string]chan Update{}, syncFn: kl.syncPod}
	return kl
}

// Channels returns the pod's update channel and the API request channel (for the truth:
// their addresses).
func (kl *Kubelet) Channels(pod string) (updates, requests interface{}) {
	return kl.workers.updates[pod], kl.podRequests
}

// Pods lists the pods (what the PLEG relists).
func (kl *Kubelet) Pods() []string { return kl.pods }

func (kl *Kubelet) syncPod(u Update) {
	ctx := context.Background()
	_ = kl.runtime.SyncPod(ctx, u.Pod, u.Before)
}

// Dispatch hands one update to the pod workers from outside the loop (pod admission).
func (kl *Kubelet) Dispatch(u Update) { kl.workers.UpdatePod(u) }

// Run is the sync loop.
func (kl *Kubelet) Run(plegCh <-chan *pleg.Event) {
	housekeeping := time.NewTicker(time.Hour)
	defer housekeeping.Stop()
	for {
		kl.syncLoopIteration(plegCh, housekeeping.C)
	}
}

func (kl *Kubelet) syncLoopIteration(plegCh <-chan *pleg.Event, housekeeping <-chan time.Time) {
	select {
	case e := <-plegCh:
		if kl.LoopBefore != nil {
			kl.LoopBefore()
		}
		kl.workers.UpdatePod(Update{Pod: e.Pod})
	case r := <-kl.podRequests:
		r.reply <- append([]string(nil), kl.pods...)
	case <-housekeeping:
	}
}

// ServePods is the `GET /pods` handler: it asks the sync loop for the pod list.
func (kl *Kubelet) ServePods(w http.ResponseWriter, r *http.Request, before func()) {
	if before != nil {
		before()
	}
	pods, ok := kl.getPods(r.Context())
	if !ok {
		http.Error(w, "canceled", http.StatusServiceUnavailable)
		return
	}
	for _, p := range pods {
		_, _ = w.Write([]byte(p + "\n"))
	}
}

func (kl *Kubelet) getPods(ctx context.Context) ([]string, bool) {
	req := podsRequest{reply: make(chan []string, 1)}
	select {
	case kl.podRequests <- req:
	case <-ctx.Done():
		return nil, false
	}
	return <-req.reply, true
}
