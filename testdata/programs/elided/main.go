// elided blocks goroutines at the bottom of deep recursions so tracebacks
// are cut: Go 1.19/1.20 print the innermost 100 frames then
// "...additional frames elided...", newer Go prints 50 innermost,
// "...N frames elided...", and the 50 outermost.
package main

import (
	"flag"
	"path/filepath"
	"time"

	"example.com/holdup/elided/internal/gtruth"
	"example.com/holdup/elided/walk"
)

var reg gtruth.Registry

func bottom(r gtruth.Role, depth int) func(int) {
	return func(frames int) {
		rr := r
		rr.Extra = map[string]interface{}{"recursion_depth": depth, "frames_at_block": frames}
		rr.Note = "frames_at_block: logical frames (runtime.CallersFrames) of the caller of walk.Frames, runtime.goexit included, when it was about to block"
		reg.Add(&rr)
	}
}

func main() {
	out := flag.String("out", ".", "output directory")
	sigquit := flag.Bool("sigquit", false, "then wait for SIGQUIT")
	flag.Parse()
	reg.Add(&gtruth.Role{Role: "main", Kind: "dumper", Frame: "main.main", NoStackCheck: true})
	t := walk.NewTree()
	mu := gtruth.Addr(t.MutexAddr())
	mutexStates := []string{"semacquire", "sync.Mutex.Lock"}

	go t.Rebalance(150, bottom(gtruth.Role{Role: "holder_deep150", Kind: "sleep", Accept: []string{"sleep"}, Frame: "walk.(*Tree).rotate",
		LockKind: "mutex", LockAddress: mu, Mode: "hold"}, 150))
	holder := reg.Find("holder_deep150").ID
	gtruth.WaitState(holder, "time.Sleep", "sleep")
	go t.Visit(250, bottom(gtruth.Role{Role: "waiter_deep250", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "walk.(*Tree).Visit",
		LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}}, 250))
	go t.Visit(120, bottom(gtruth.Role{Role: "waiter_deep120", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "walk.(*Tree).Visit",
		LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}}, 120))
	go t.Visit(60, bottom(gtruth.Role{Role: "waiter_deep60", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "walk.(*Tree).Visit",
		LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}, Note: "under the limit: not elided"}, 60))
	go t.Even(200, bottom(gtruth.Role{Role: "mutual_recursion200", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "walk.(*Tree)."}, 200))
	reg.WaitCount(6)
	dump, gs := reg.ReadyDump(20 * time.Second)
	roles := reg.Roles()
	var waiters []int64
	for _, r := range roles {
		if r.Holders != nil {
			waiters = append(waiters, r.ID)
		}
	}
	desc := "Deep recursion: holder_deep150 takes walk.Tree.mu in Rebalance (outermost frame) then recurses 150 deep and sleeps; " +
		"waiters recurse 250, 120 and 60 deep in Visit and wait for the mutex at the bottom; a mutual Even/Odd recursion 200 deep waits on a channel."
	common := func(t gtruth.Truth) {
		t["roles"] = roles
		t["role_ids"] = gtruth.RoleMap(roles)
		t["locks"] = []map[string]interface{}{{"label": "walk.Tree.mu", "kind": "mutex", "address": mu, "holders": []int64{holder}, "waiters": waiters,
			"note": "the holder's Lock call (walk.(*Tree).Rebalance) is its outermost user frame: elided from the 1.19 traceback, kept in the 'outer 50' of newer ones"}}
		t["runtime_limits"] = "go1.19: first 100 frames then '...additional frames elided...'; go1.21+: 50 innermost, '...N frames elided...', 50 outermost (runtime/traceback.go)"
	}
	gtruth.WriteFile(filepath.Join(*out, "stack.txt"), dump)
	tr := gtruth.NewTruth("elided", "runtime.Stack", "stack.txt", desc)
	common(tr)
	tr["observed_role_headers"] = gtruth.Headers(roles, gs)
	gtruth.WriteJSON(filepath.Join(*out, "stack.txt.truth.json"), tr)
	if !*sigquit {
		return
	}
	for _, r := range roles {
		if r.Role == "main" {
			r.Kind, r.Accept, r.Frame = "chan receive", []string{"chan receive"}, "main.awaitSignal"
		}
	}
	tr = gtruth.NewTruth("elided", "sigquit", "sigquit-stderr.txt", desc+" Same process, then kill -QUIT with GOTRACEBACK=all.")
	common(tr)
	tr["observed_role_headers"] = nil
	gtruth.WriteJSON(filepath.Join(*out, "sigquit-stderr.txt.truth.json"), tr)
	gtruth.Ready("elided")
	awaitSignal()
}

//go:noinline
func awaitSignal() { <-make(chan struct{}) }
