// Package worker runs a pool of identical idle workers (identical stacks,
// so pprof debug=1 aggregates them into one record with a count).
package worker

type Pool struct {
	Jobs chan func()
}

func (p *Pool) Start(n int, started func()) {
	for i := 0; i < n; i++ {
		go p.loop(started)
	}
}

func (p *Pool) loop(started func()) {
	started()
	for j := range p.Jobs {
		j()
	}
}
