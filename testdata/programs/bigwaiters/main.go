// bigwaiters: one mutex holder blocked in read(2) on a pipe, 2000 waiters
// from 5 call paths, 3000 idle goroutines. Dumped with runtime.Stack.
package main

import (
	"flag"
	"path/filepath"
	"syscall"
	"time"

	"example.com/holdup/bigwaiters/api"
	"example.com/holdup/bigwaiters/events"
	"example.com/holdup/bigwaiters/gc"
	"example.com/holdup/bigwaiters/internal/gtruth"
	"example.com/holdup/bigwaiters/metrics"
	"example.com/holdup/bigwaiters/pool"
	"example.com/holdup/bigwaiters/volumes"
)

var reg gtruth.Registry

func role(r gtruth.Role) func() {
	return func() { rr := r; reg.Add(&rr) }
}

func main() {
	out := flag.String("out", ".", "output directory")
	flag.Parse()
	reg.Add(&gtruth.Role{Role: "main", Kind: "dumper", Frame: "main.main", NoStackCheck: true})
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		panic(err)
	}
	st := volumes.New(p[0])
	mu := gtruth.Addr(st.MutexAddr())
	go st.Sync(role(gtruth.Role{Role: "holder_in_syscall", Kind: "syscall", Accept: []string{"syscall"}, Frame: "volumes.(*Store).readJournal",
		LockKind: "mutex", LockAddress: mu, Mode: "hold", Note: "holds volumes.Store.mu while blocked in read(2) on a pipe"}))
	holder := reg.Find("holder_in_syscall").ID
	gtruth.WaitState(holder, "volumes.(*Store).readJournal", "syscall")
	hold := []int64{holder}
	ms := []string{"sync.Mutex.Lock", "semacquire"}
	w := func(name, frame, via string) gtruth.Role {
		return gtruth.Role{Role: name, Kind: "sync.Mutex.Lock", Accept: ms, Frame: frame, LockKind: "mutex", LockAddress: mu, Holders: hold, Note: via}
	}
	r := &api.Router{Store: st}
	m := &events.Monitor{Store: st}
	c := &gc.Collector{Store: st}
	e := &metrics.Exporter{Store: st}
	const perPath = 400
	specs := []gtruth.Role{
		w("waiter_api_get", "api.(*Router).HandleGet", "api.(*Router).HandleGet -> volumes.(*Store).Get -> Lock"),
		w("waiter_api_list", "api.(*Router).HandleList", "api.(*Router).HandleList -> volumes.(*Store).List -> Lock"),
		w("waiter_events_exit", "events.(*Monitor).OnExit", "events.(*Monitor).OnExit -> volumes.(*Store).Release -> withLock -> Lock"),
		w("waiter_gc_sweep", "gc.(*Collector).Sweep", "gc.(*Collector).Sweep -> volumes.(*Store).Prune -> withLock -> Lock"),
		w("waiter_metrics", "metrics.(*Exporter).Collect", "metrics.(*Exporter).Collect -> volumes.(*Store).List -> Lock"),
	}
	for i := 0; i < perPath; i++ {
		go r.HandleGet("vol", role(specs[0]))
		go r.HandleList(role(specs[1]))
		go m.OnExit("ctr", role(specs[2]))
		go c.Sweep(role(specs[3]))
		go e.Collect(role(specs[4]))
	}
	wk := &pool.Worker{Jobs: make(chan func())}
	wt := &pool.Watcher{Events: make(chan string), Stop: make(chan struct{})}
	idle := []gtruth.Role{
		{Role: "idle_worker", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "pool.(*Worker).Run"},
		{Role: "idle_watcher", Kind: "select", Accept: []string{"select"}, Frame: "pool.(*Watcher).Loop"},
		{Role: "idle_sampler", Kind: "sleep", Accept: []string{"sleep"}, Frame: "pool.Sample"},
	}
	for i := 0; i < 1500; i++ {
		go wk.Run(role(idle[0]))
	}
	for i := 0; i < 1000; i++ {
		go wt.Loop(role(idle[1]))
	}
	for i := 0; i < 500; i++ {
		go pool.Sample(role(idle[2]))
	}
	reg.WaitCount(1 + 1 + 5*perPath + 3000)
	dump, gs := reg.ReadyDump(60 * time.Second)
	roles := reg.Roles()
	var waiters []int64
	for _, rr := range roles {
		if rr.Holders != nil {
			waiters = append(waiters, rr.ID)
		}
	}
	// The truth lists role ids compactly; role_specs gives each role's expectations.
	specByRole := map[string]gtruth.Role{}
	for _, s := range append(append([]gtruth.Role{}, specs...), idle...) {
		specByRole[s.Role] = s
	}
	var few []*gtruth.Role
	seen := map[string]bool{}
	for _, rr := range roles {
		if !seen[rr.Role] {
			seen[rr.Role] = true
			few = append(few, rr)
		}
	}
	t := gtruth.NewTruth("bigwaiters", "runtime.Stack", "stack.txt",
		"volumes.Store.mu held by volumes.(*Store).Sync, blocked in read(2) on a pipe ([syscall]); 2000 waiters from 5 call paths "+
			"(400 each); 3000 idle goroutines (1500 chan receive, 1000 select, 500 sleep).")
	t["roles"] = few
	t["roles_note"] = "roles lists one example per role; role_ids has every id, role_specs the expectations for each role"
	t["role_ids"] = gtruth.RoleMap(roles)
	t["role_specs"] = specByRole
	t["locks"] = []map[string]interface{}{{"label": "volumes.Store.mu", "kind": "mutex", "address": mu, "owner_address": gtruth.Addr(st),
		"holders": hold, "waiters_count": len(waiters)}}
	t["root_blockers"] = hold
	t["holder_blocked_in"] = "read(2) via syscall.Read on a pipe whose write end never writes"
	t["observed_role_headers"] = gtruth.Headers(few, gs)
	t["goroutines_in_dump"] = len(gs)
	gtruth.WriteFile(filepath.Join(*out, "stack.txt"), dump)
	gtruth.WriteJSON(filepath.Join(*out, "stack.txt.truth.json"), t)
}
