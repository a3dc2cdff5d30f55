// generics-closures blocks goroutines in generic functions and methods,
// nested closures, go-statement wrappers, method values (-fm), a deferred
// call, and a LockOSThread goroutine (no cgo) waiting for a mutex.
package main

import (
	"flag"
	"path/filepath"
	"time"

	"example.com/holdup/generics-closures/coll"
	"example.com/holdup/generics-closures/flow"
	"example.com/holdup/generics-closures/internal/gtruth"
)

var reg gtruth.Registry

func role(r gtruth.Role) func() {
	return func() { rr := r; reg.Add(&rr) }
}

type Job struct{ ID int }

func main() {
	out := flag.String("out", ".", "output directory")
	sigquit := flag.Bool("sigquit", false, "then wait for SIGQUIT")
	flag.Parse()
	reg.Add(&gtruth.Role{Role: "main", Kind: "dumper", Frame: "main.main", NoStackCheck: true})
	mutexStates := []string{"semacquire", "sync.Mutex.Lock"}

	pool := &coll.Pool[*Job]{}
	mu := gtruth.Addr(pool.MutexAddr())
	go pool.Drain(role(gtruth.Role{Role: "generic_method_holder", Kind: "sleep", Accept: []string{"sleep"}, Frame: "coll.(*Pool[...]).Drain.func1",
		LockKind: "mutex", LockAddress: mu, Mode: "hold", Note: "(*Pool[T]).Drain holds Pool.mu; sleeps in its closure"}))
	holder := reg.Find("generic_method_holder").ID
	gtruth.WaitState(holder, "time.Sleep", "sleep")
	go pool.Get(role(gtruth.Role{Role: "generic_method_waiter", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "coll.(*Pool[...]).Get",
		LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}}))
	go flow.Pinned(pool.MutexAddr(), role(gtruth.Role{Role: "locked_thread_mutex_waiter", Kind: "sync.Mutex.Lock", Accept: mutexStates,
		LockedToThread: true, Frame: "flow.Pinned", LockKind: "mutex", LockAddress: mu, Holders: []int64{holder},
		Note: "runtime.LockOSThread without cgo, then waits for Pool.mu"}))

	ints := make(chan int)
	go coll.First(role(gtruth.Role{Role: "generic_func", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "coll.First[...]"}), ints)
	maps := make(chan map[string][]byte)
	go coll.Each(maps, role(gtruth.Role{Role: "generic_func_closure", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "coll.Each[...].func1"}))
	pair := coll.NewPair("k", 3.5)
	go pair.Wait(role(gtruth.Role{Role: "generic_two_params_method", Kind: "select", Accept: []string{"select"}, Frame: "coll.(*Pair[...]).Wait"}), time.Hour)

	in := make(chan string)
	go flow.Pipeline(in, role(gtruth.Role{Role: "nested_closure", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "flow.Pipeline.func1"}))

	srv := flow.NewServer("api")
	go flow.Run(srv.Serve, role(gtruth.Role{Role: "method_value", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "flow.(*Server).Serve"}))

	release := make(chan struct{})
	go flow.Process(7, release, role(gtruth.Role{Role: "go_statement_wrapper", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "flow.Process",
		Note: "started by `go flow.Process(7, release, ...)`: the wrapper frame is main.main.gowrapN (go1.22+) or main.main.funcN"}))
	go flow.Commit(1, release, role(gtruth.Role{Role: "deferred_call", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "flow.finish",
		Note: "blocked in a deferred call: flow.Commit.deferwrap1 (go1.22+) or flow.Commit.func1"}))
	go func() {
		inner := func() {
			role(gtruth.Role{Role: "main_closure", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "main.main.func",
				Note: "closure defined in a goroutine literal of main.main"})()
			<-release
		}
		inner()
	}()

	reg.WaitCount(12)
	dump, gs := reg.ReadyDump(20 * time.Second)
	roles := reg.Roles()
	desc := "Generic function/method frames (coll.First[...], coll.Each[...].func1, coll.(*Pool[...]).Get/Drain, coll.(*Pair[...]).Wait), " +
		"nested closures (flow.Pipeline.func1.2), a method value (flow.(*Server).Serve-fm), go-statement and defer wrappers (gowrapN/deferwrapN in go1.22+), " +
		"and a LockOSThread goroutine waiting for a mutex held by a generic method."
	common := func(t gtruth.Truth) {
		t["roles"] = roles
		t["role_ids"] = gtruth.RoleMap(roles)
		t["locks"] = []map[string]interface{}{{"label": "coll.Pool[*main.Job].mu", "kind": "mutex", "address": mu, "owner_address": gtruth.Addr(pool),
			"holders": []int64{holder}, "waiters": append(reg.IDs("generic_method_waiter"), reg.IDs("locked_thread_mutex_waiter")...)}}
	}
	gtruth.WriteFile(filepath.Join(*out, "stack.txt"), dump)
	tr := gtruth.NewTruth("generics-closures", "runtime.Stack", "stack.txt", desc)
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
	tr = gtruth.NewTruth("generics-closures", "sigquit", "sigquit-stderr.txt", desc+" Same process, then kill -QUIT with GOTRACEBACK=all.")
	common(tr)
	tr["observed_role_headers"] = nil
	gtruth.WriteJSON(filepath.Join(*out, "sigquit-stderr.txt.truth.json"), tr)
	gtruth.Ready("generics-closures")
	awaitSignal()
}

//go:noinline
func awaitSignal() { <-make(chan struct{}) }
