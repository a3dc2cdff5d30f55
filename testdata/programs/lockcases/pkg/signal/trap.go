// Package signal writes goroutine dumps, as dockerd's pkg/signal does on SIGUSR1.
package signal

import (
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// DumpStacks writes every goroutine's stack to goroutine-stacks-<time>.log in dir.
func DumpStacks(dir string) (string, error) {
	buf := make([]byte, 1<<20)
	var n int
	for {
		n = runtime.Stack(buf, true)
		if n < len(buf) {
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	path := filepath.Join(dir, "goroutine-stacks-"+time.Now().UTC().Format("2006-01-02T150405Z")+".log")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Write(buf[:n]); err != nil {
		return "", err
	}
	return path, f.Sync()
}
