// diff-pair takes two runtime.Stack dumps one second apart (dump1.txt,
// dump2.txt). Between them some goroutines exit, some start, and some move
// to a different wait; the mutex holder and its waiters stay put.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"example.com/holdup/diff-pair/conn"
	"example.com/holdup/diff-pair/internal/gtruth"
	"example.com/holdup/diff-pair/jobs"
	"example.com/holdup/diff-pair/registry"
)

var reg gtruth.Registry

func role(r gtruth.Role) func() {
	return func() { rr := r; reg.Add(&rr) }
}

var mutexStates = []string{"semacquire", "sync.Mutex.Lock"}

// dump polls until the given expectations hold (and ids in absent are gone).
func dump(expect []*gtruth.Role, absent []int64) ([]byte, map[int64]*gtruth.Goroutine, time.Time) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		at := time.Now()
		d := gtruth.AllStacks()
		gs := gtruth.Parse(d)
		probs := gtruth.Problems(expect, gs)
		for _, id := range absent {
			if _, ok := gs[id]; ok {
				probs = append(probs, fmt.Sprintf("goroutine %d still present", id))
			}
		}
		if len(probs) == 0 {
			return d, gs, at
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, probs)
			os.Exit(3)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func ids(rs []*gtruth.Role) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func main() {
	out := flag.String("out", ".", "output directory")
	flag.Parse()
	main1 := reg.Add(&gtruth.Role{Role: "main", Kind: "dumper", Frame: "main.main", NoStackCheck: true})

	r := registry.New()
	mu := gtruth.Addr(r.MutexAddr())
	go r.Compact(role(gtruth.Role{Role: "holder", Kind: "sleep", Accept: []string{"sleep"}, Frame: "registry.rewrite",
		LockKind: "mutex", LockAddress: mu, Mode: "hold"}))
	holder := reg.Find("holder")
	gtruth.WaitState(holder.ID, "time.Sleep", "sleep")
	hold := []int64{holder.ID}
	for i := 0; i < 4; i++ {
		go r.Lookup("svc", role(gtruth.Role{Role: "stuck_waiter", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "registry.(*Registry).Lookup",
			LockKind: "mutex", LockAddress: mu, Holders: hold}))
	}
	quit := make(chan struct{})
	var tasks sync.WaitGroup
	for i := 0; i < 3; i++ {
		t := &jobs.Task{Quit: quit}
		tasks.Add(1)
		go func() {
			defer tasks.Done()
			t.Run(role(gtruth.Role{Role: "gone_task", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "jobs.(*Task).Run"}))
		}()
	}
	idleConn := conn.New()
	go idleConn.Idle(role(gtruth.Role{Role: "unchanged_idle", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "conn.(*Conn).Idle"}))

	// Changers.
	next := make(chan struct{})
	var stage2Role *gtruth.Role
	stage2 := func() {
		stage2Role = &gtruth.Role{ID: gtruth.GoID(), Role: "changed_two_stage", Kind: "sync.Mutex.Lock", Accept: mutexStates,
			Frame: "registry.(*Registry).Register", LockKind: "mutex", LockAddress: mu, Holders: hold}
	}
	go jobs.TwoStage(r, next, role(gtruth.Role{Role: "changed_two_stage", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "jobs.awaitTurn",
		Note: "dump1: chan receive in jobs.awaitTurn; dump2: waits for the registry lock in registry.(*Registry).Register"}), stage2)
	c := conn.New()
	go c.Loop(role(gtruth.Role{Role: "changed_backoff", Kind: "sleep", Accept: []string{"sleep"}, Frame: "conn.(*Conn).backoff",
		Note: "dump1: time.Sleep in conn.(*Conn).backoff; dump2: chan receive in conn.(*Conn).await"}), func() {})
	reg.WaitCount(1 + 1 + 4 + 3 + 1 + 2)

	roles1 := reg.Roles()
	d1, gs1, t1 := dump(roles1, nil)
	gtruth.WriteFile(filepath.Join(*out, "dump1.txt"), d1)

	// Between the dumps.
	close(quit)
	tasks.Wait()
	gone := reg.IDs("gone_task")
	reg.Remove(gone...)
	close(next)
	c.MarkUp()
	var changed []*gtruth.Role
	for _, rr := range reg.Roles() {
		switch rr.Role {
		case "changed_backoff":
			rr2 := *rr
			rr2.Kind, rr2.Accept, rr2.Frame = "chan receive", []string{"chan receive"}, "conn.(*Conn).await"
			changed = append(changed, &rr2)
		}
	}
	for stage2Role == nil {
		time.Sleep(time.Millisecond)
	}
	changed = append(changed, stage2Role)
	before := len(reg.Roles())
	for i := 0; i < 2; i++ {
		go r.Register("late", role(gtruth.Role{Role: "new_waiter", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "registry.(*Registry).Register",
			LockKind: "mutex", LockAddress: mu, Holders: hold}))
	}
	go idleConn.Idle(role(gtruth.Role{Role: "new_idle", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "conn.(*Conn).Idle"}))
	reg.WaitCount(before + 3)
	var roles2 []*gtruth.Role
	for _, rr := range reg.Roles() {
		if rr.Role == "changed_backoff" || rr.Role == "changed_two_stage" {
			continue
		}
		roles2 = append(roles2, rr)
	}
	roles2 = append(roles2, changed...)
	sort.Slice(roles2, func(i, j int) bool { return roles2[i].ID < roles2[j].ID })
	if wait := time.Second - time.Since(t1); wait > 0 {
		time.Sleep(wait)
	}
	d2, gs2, t2 := dump(roles2, gone)
	gtruth.WriteFile(filepath.Join(*out, "dump2.txt"), d2)

	byRole := func(rs []*gtruth.Role, names ...string) []*gtruth.Role {
		var o []*gtruth.Role
		for _, r := range rs {
			for _, n := range names {
				if r.Role == n {
					o = append(o, r)
				}
			}
		}
		return o
	}
	pair := map[string]interface{}{
		"stuck":          ids(byRole(roles1, "stuck_waiter")),
		"unchanged":      ids(byRole(roles1, "holder", "unchanged_idle")),
		"gone":           gone,
		"new":            ids(byRole(roles2, "new_waiter", "new_idle")),
		"changed":        ids(changed),
		"dumper":         main1.ID,
		"holders":        map[string][]int64{mu: hold},
		"interval_ns":    t2.Sub(t1).Nanoseconds(),
		"dump1_unixnano": t1.UnixNano(),
		"dump2_unixnano": t2.UnixNano(),
		"locks": []map[string]interface{}{{"label": "registry.Registry.mu", "kind": "mutex", "address": mu, "holders": hold,
			"waiters_dump1": ids(byRole(roles1, "stuck_waiter")),
			"waiters_dump2": ids(byRole(roles2, "stuck_waiter", "new_waiter", "changed_two_stage"))}},
		"definitions": "stuck: waiting on the mutex in both dumps with the same id and stack; unchanged: other goroutines with the same id and stack in both " +
			"(the holder, an idle reader); gone: in dump1 only (exited); new: in dump2 only (started after dump1); changed: same id, different wait " +
			"(changed_backoff: sleep -> chan receive; changed_two_stage: chan receive -> sync.Mutex waiter). The dumping main goroutine is excluded.",
	}
	desc := "Two runtime.Stack dumps taken about one second apart from the same process."
	for i, f := range []struct {
		name  string
		roles []*gtruth.Role
		gs    map[int64]*gtruth.Goroutine
	}{{"dump1.txt", roles1, gs1}, {"dump2.txt", roles2, gs2}} {
		t := gtruth.NewTruth("diff-pair", "runtime.Stack", f.name, desc)
		t["which"] = i + 1
		t["pair"] = pair
		for k, v := range pair {
			t[k] = v
		}
		t["roles"] = f.roles
		t["role_ids"] = gtruth.RoleMap(f.roles)
		t["observed_role_headers"] = gtruth.Headers(f.roles, f.gs)
		t["goroutines_in_dump"] = len(f.gs)
		gtruth.WriteJSON(filepath.Join(*out, f.name+".truth.json"), t)
	}
}
