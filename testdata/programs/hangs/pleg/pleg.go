// Package pleg is a pod lifecycle event generator, as the kubelet's: it relists the pods
// every period and sends each change on its event channel, which the sync loop reads.
package pleg

import "time"

// Event is one pod lifecycle event.
type Event struct {
	Pod  string
	Type string
}

// GenericPLEG relists pods.
type GenericPLEG struct {
	eventChannel chan *Event
	period       time.Duration
	list         func() []string
	last         map[string]bool
	// Before runs right before an event is sent: the fixture's hook.
	Before func()
}

// New returns a PLEG with an unbuffered event channel.
func New(period time.Duration, list func() []string) *GenericPLEG {
	return &GenericPLEG{eventChannel: make(chan *Event), period: period, list: list, last: map[string]bool{}}
}

// Watch returns the channel the events arrive on.
func (g *GenericPLEG) Watch() chan *Event { return g.eventChannel }

// Start relists for ever, one period apart.
func (g *GenericPLEG) Start() {
	go func() {
		for {
			g.relist()
			time.Sleep(g.period)
		}
	}()
}

func (g *GenericPLEG) relist() {
	for _, p := range g.list() {
		if g.last[p] {
			continue
		}
		g.last[p] = true
		if g.Before != nil {
			g.Before()
		}
		g.eventChannel <- &Event{Pod: p, Type: "ContainerStarted"}
	}
}
