// Package pipeline blocks goroutines on channel operations.
package pipeline

type Event struct{ N int }

type Stage struct {
	In   chan Event // nobody sends
	Out  chan Event // nobody receives
	Quit chan struct{}
}

func NewStage() *Stage {
	return &Stage{In: make(chan Event), Out: make(chan Event), Quit: make(chan struct{})}
}

// Emit blocks in chan send.
func (s *Stage) Emit(e Event, before func()) {
	before()
	s.Out <- e
}

// Consume blocks in chan receive.
func (s *Stage) Consume(before func()) Event {
	before()
	return <-s.In
}

// EmitNil sends on a nil channel: blocks forever.
func EmitNil(before func()) {
	var ch chan Event
	before()
	ch <- Event{1}
}

// ConsumeNil receives from a nil channel: blocks forever.
func ConsumeNil(before func()) Event {
	var ch chan Event
	before()
	return <-ch
}

// Loop waits in a select with cases.
func (s *Stage) Loop(before func()) {
	before()
	for {
		select {
		case e := <-s.In:
			_ = e
		case <-s.Quit:
			return
		}
	}
}

// Forever blocks in select {}.
func Forever(before func()) {
	before()
	select {}
}
