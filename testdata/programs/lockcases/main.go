// lockcases puts a dockerd-like daemon into two lock situations that holdup must read right,
// and has it dump its goroutines the way dockerd does (a SIGUSR1 trap goroutine writing
// runtime.Stack to goroutine-stacks-*.log, which is therefore in the dump, running):
//
//   - named-lock: `DELETE /volumes/v1` holds v1's named lock (github.com/moby/locker) while
//     the volume plugin does not answer; three `GET /volumes/v1` wait in
//     locker.(*lockCtr).Lock ← (*Locker).Lock ← service.(*VolumeStore).Get. The lock site
//     that says who else takes the lock is VolumeStore.Get, not the wrapper.
//   - leaked-lock: `POST /containers/c1/pause` took c1's container lock and returned without
//     Unlock (the runtime refused); three `GET /containers/json` and two
//     `GET /containers/c1/json` wait on it for ever. Nobody holds it; monitor loops pass the
//     container, and the trap goroutine that writes the dump runs code of package daemon.
//
// The truth beside the dump is recorded by the process: goroutine ids from runtime.Stack,
// lock addresses from %p.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/api/router/container"
	"github.com/docker/docker/api/router/volume"
	"github.com/docker/docker/api/server"
	ctr "github.com/docker/docker/container"
	"github.com/docker/docker/daemon"
	"github.com/docker/docker/internal/gtruth"
	"github.com/docker/docker/volume/drivers"
	"github.com/docker/docker/volume/service"
)

var reg gtruth.Registry

var mutexStates = []string{"semacquire", "sync.Mutex.Lock"}

func role(r gtruth.Role) func() {
	return func() { rr := r; reg.Add(&rr) }
}

// idle starts goroutines that wait like a daemon's background loops do.
func idle(n int) {
	stop := make(chan struct{})
	for i := 0; i < n; i++ {
		go keepAlive(stop)
	}
}

func keepAlive(stop chan struct{}) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	select {
	case <-stop:
	case <-t.C:
	}
}

func main() {
	out := flag.String("out", ".", "output directory")
	mode := flag.String("mode", "named-lock", "named-lock or leaked-lock")
	file := flag.String("file", "", "name of the dump file in -out")
	flag.Parse()
	written := make(chan string)
	daemon.SetupDumpStackTrap(*out, written)
	srv := server.New()
	idle(6)
	var truth gtruth.Truth
	switch *mode {
	case "named-lock":
		truth = namedLock(srv)
	case "leaked-lock":
		truth = leakedLock(srv)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", *mode)
		os.Exit(2)
	}
	reg.ReadyDump(20 * time.Second)
	// The dump is written by the trap goroutine, as dockerd writes it on SIGUSR1.
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		panic(err)
	}
	var path string
	select {
	case path = <-written:
	case <-time.After(20 * time.Second):
		fmt.Fprintln(os.Stderr, "no dump written")
		os.Exit(3)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	gs := gtruth.Parse(text)
	roles := reg.Roles()
	if probs := gtruth.Problems(roles, gs); len(probs) > 0 {
		fmt.Fprintln(os.Stderr, "dump not as expected:", strings.Join(probs, "; "))
		os.Exit(3)
	}
	// The goroutine that wrote the dump: the one in DumpStacks.
	for id, g := range gs {
		if strings.Contains(g.Body, "pkg/signal.DumpStacks") {
			truth["dumper"] = id
			roles = append(roles, &gtruth.Role{ID: id, Role: "dumper", Kind: "dumper", Frame: "pkg/signal.DumpStacks",
				Note: "the SIGUSR1 trap goroutine writing this dump"})
		}
	}
	name := *file
	if name == "" {
		name = filepath.Base(path)
	}
	final := filepath.Join(*out, name)
	if err := os.Rename(path, final); err != nil {
		panic(err)
	}
	truth["dump_file"] = name
	truth["roles"] = roles
	truth["role_ids"] = gtruth.RoleMap(roles)
	truth["observed_role_headers"] = gtruth.Headers(roles, gs)
	truth["deadlock_cycles"] = [][]int64{}
	truth["expected_no_findings"] = false
	gtruth.WriteJSON(final+".truth.json", truth)
}

func namedLock(srv *server.Server) gtruth.Truth {
	plugin := drivers.NewPlugin("local-persist")
	vs := service.NewStore(plugin)
	vs.Create("v1")
	vs.Create("v2")
	volume.Register(srv, service.NewService(vs))
	srv.Serve("DELETE /volumes/{name}", &server.Request{Vars: map[string]string{"name": "v1"},
		Hook: role(gtruth.Role{Role: "holder_remove", Kind: "IO wait", Accept: []string{"IO wait"},
			Frame: "service.(*VolumeStore).Remove", LockKind: "mutex", Mode: "hold"})})
	holder := reg.Find("holder_remove")
	gtruth.WaitState(holder.ID, "service.(*VolumeStore).Remove", "IO wait")
	mu := gtruth.Addr(vs.Locks().MutexOf("v1"))
	holder.LockAddress = mu
	for i := 0; i < 3; i++ {
		srv.Serve("GET /volumes/{name}", &server.Request{Vars: map[string]string{"name": "v1"},
			Start: role(gtruth.Role{Role: "waiter_get", Kind: "sync.Mutex.Lock", Accept: mutexStates,
				Frame: "service.(*VolumeStore).Get", LockKind: "mutex", LockAddress: mu, Holders: []int64{holder.ID}})})
	}
	reg.WaitCount(4)
	waiters := reg.IDs("waiter_get")
	t := gtruth.NewTruth("named-lock", "runtime.Stack", "", "DELETE /volumes/v1 holds v1's named lock (moby/locker) "+
		"while the volume plugin does not answer; 3 GET /volumes/v1 wait in locker.(*lockCtr).Lock <- (*Locker).Lock <- "+
		"service.(*VolumeStore).Get")
	t["locks"] = []map[string]interface{}{{
		"label": "moby/locker lock of volume name v1 (lockCtr.mu)", "kind": "mutex", "address": mu,
		"holders": []int64{holder.ID}, "waiters": waiters, "owner_type": "*locker.lockCtr", "offset_in_owner": 0,
		"note": "taken through the wrapper: the waiters' first frame outside it is service.(*VolumeStore).Get; the holder is in (*VolumeStore).Remove",
	}}
	t["root_blockers"] = []int64{holder.ID}
	return t
}

func leakedLock(srv *server.Server) gtruth.Truth {
	c1, c2 := ctr.New("c1c1c1c1", "c1"), ctr.New("c2c2c2c2", "c2")
	d := daemon.New(c1, c2)
	container.Register(srv, d)
	for _, c := range []*ctr.Container{c1, c2} {
		go d.Monitor(c, role(gtruth.Role{Role: "monitor", Kind: "select", Accept: []string{"select"},
			Frame: "daemon.(*Daemon).Monitor", Note: "passes the container, holds nothing"}))
	}
	reg.WaitCount(2)
	// The pause request locks c1 and returns without unlocking it.
	pauser := make(chan int64, 1)
	srv.Serve("POST /containers/{name}/pause", &server.Request{Vars: map[string]string{"name": "c1"},
		Hook: func() { pauser <- gtruth.GoID() }})
	leaker := <-pauser
	for {
		if _, alive := gtruth.Parse(gtruth.AllStacks())[leaker]; !alive {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	mu := gtruth.Addr(&c1.State.Mutex)
	for i := 0; i < 3; i++ {
		srv.Serve("GET /containers/json", &server.Request{
			Start: role(gtruth.Role{Role: "waiter_ps", Kind: "sync.Mutex.Lock", Accept: mutexStates,
				Frame: "daemon.(*Daemon).reducePsContainer", LockKind: "mutex", LockAddress: mu})})
	}
	for i := 0; i < 2; i++ {
		srv.Serve("GET /containers/{name}/json", &server.Request{Vars: map[string]string{"name": "c1"},
			Start: role(gtruth.Role{Role: "waiter_inspect", Kind: "sync.Mutex.Lock", Accept: mutexStates,
				Frame: "daemon.(*Daemon).ContainerInspect", LockKind: "mutex", LockAddress: mu})})
	}
	reg.WaitCount(7)
	waiters := append(reg.IDs("waiter_ps"), reg.IDs("waiter_inspect")...)
	t := gtruth.NewTruth("leaked-lock", "runtime.Stack", "", "POST /containers/c1/pause locked c1's container lock and "+
		"returned without Unlock (runtime error path); 3 GET /containers/json and 2 GET /containers/c1/json wait on it; "+
		"no goroutine holds it")
	t["locks"] = []map[string]interface{}{{
		"label": "container c1 State.Mutex", "kind": "mutex", "address": mu, "holders": []int64{}, "waiters": waiters,
		"owner_type": "*container.State", "owner_address": mu, "offset_in_owner": 0,
		"related_addresses": map[string]string{"*container.Container (c1)": gtruth.Addr(c1)},
		"note": fmt.Sprintf("locked by goroutine %d (ContainerPause), which returned without Unlock", leaker),
	}}
	t["leaked_by"] = leaker
	t["root_blockers"] = []int64{}
	return t
}
