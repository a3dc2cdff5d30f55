// Package sysio blocks a goroutine in read(2) on a pipe via syscall.Read
// ([syscall]).
package sysio

import "syscall"

type Pipe struct{ r, w int }

func NewPipe() (*Pipe, error) {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		return nil, err
	}
	return &Pipe{r: p[0], w: p[1]}, nil
}

func (p *Pipe) ReadFD() int { return p.r }

// Drain blocks in read(2) until the write end produces data.
func (p *Pipe) Drain(before func()) (int, error) {
	buf := make([]byte, 4096)
	before()
	return syscall.Read(p.r, buf)
}
