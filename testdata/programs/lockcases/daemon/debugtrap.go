package daemon

import (
	"os"
	"os/signal"
	"syscall"

	dsignal "github.com/docker/docker/pkg/signal"
)

// SetupDumpStackTrap writes a goroutine dump into dir on every SIGUSR1, as dockerd does; each
// file written is sent on written.
func SetupDumpStackTrap(dir string, written chan<- string) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		for range c {
			path, err := dsignal.DumpStacks(dir)
			if err != nil {
				panic(err)
			}
			written <- path
		}
	}()
}
