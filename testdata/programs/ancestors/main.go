// ancestors (run with GODEBUG=tracebackancestors=5) creates a chain of 7
// goroutines, each started by the previous one; odd levels exit after
// starting their child. The leaf waits for a mutex held by level 2. A second
// goroutine is started from 120 frames deep. Dumps: runtime.Stack
// (stack.txt) and, with -sigquit, SIGQUIT stderr.
package main

import (
	"flag"
	"path/filepath"
	"strconv"
	"time"

	"example.com/holdup/ancestors/internal/gtruth"
	"example.com/holdup/ancestors/spawn"
)

var reg gtruth.Registry

func main() {
	out := flag.String("out", ".", "output directory")
	sigquit := flag.Bool("sigquit", false, "then wait for SIGQUIT")
	flag.Parse()
	me := gtruth.GoID()
	reg.Add(&gtruth.Role{ID: me, Role: "main", Kind: "dumper", Frame: "main.main", NoStackCheck: true})

	const levels = 7
	c := spawn.NewChain(levels)
	mu := gtruth.Addr(&c.Mu)
	parents := map[int64]int64{}
	exited := map[int64]bool{}
	var holder int64
	c.Start(me, func(level int, parent int64, exits, leaf bool) int64 {
		r := &gtruth.Role{Role: "level_" + strconv.Itoa(level), Extra: map[string]interface{}{"level": level, "parent": parent}}
		switch {
		case leaf:
			r.Kind, r.Accept, r.Frame = "sync.Mutex.Lock", []string{"semacquire", "sync.Mutex.Lock"}, "spawn.(*Chain).link"
			r.LockAddress, r.LockKind = mu, "mutex"
		case level == 2:
			r.Kind, r.Accept, r.Frame = "sleep", []string{"sleep"}, "spawn.(*Chain).link"
			r.LockAddress, r.LockKind, r.Mode = mu, "mutex", "hold"
		case exits:
			r.Kind = "exited"
			r.Extra["expect_absent"] = true
		default:
			r.Kind, r.Accept, r.Frame = "chan receive", []string{"chan receive"}, "spawn.(*Chain).link"
		}
		reg.Add(r)
		return r.ID
	})
	reg.WaitCount(1 + levels)
	var leafRole *gtruth.Role
	for _, r := range reg.Roles() {
		if p, ok := r.Extra["parent"]; ok {
			parents[r.ID] = p.(int64)
			if r.Kind == "exited" {
				exited[r.ID] = true
			}
			if r.Role == "level_2" {
				holder = r.ID
			}
			if r.Role == "level_"+strconv.Itoa(levels) {
				leafRole = r
			}
		}
	}
	leafRole.Holders = []int64{holder}

	wait := make(chan struct{})
	go spawn.Deep(120, func() int64 {
		r := reg.Add(&gtruth.Role{Role: "deep_parent", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "spawn.Deep",
			Note:  "its own stack has 120+ spawn.Deep frames: the live traceback is elided too",
			Extra: map[string]interface{}{"parent": me}})
		return r.ID
	}, func(parent int64) {
		reg.Add(&gtruth.Role{Role: "deep_child", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "spawn.Deep.func1",
			Note:  "created 120+ frames deep: its ancestor record is cut (50 pcs in go1.21+, 100 in go1.19) ('...additional frames elided...')",
			Extra: map[string]interface{}{"parent": parent}})
	}, wait)
	reg.WaitCount(1 + levels + 2)
	for _, r := range reg.Roles() {
		if r.Role == "deep_parent" || r.Role == "deep_child" {
			parents[r.ID] = r.Extra["parent"].(int64)
		}
	}

	// Ancestor chains (nearest first), as recorded by the process.
	for _, r := range reg.Roles() {
		if r.Role == "main" {
			continue
		}
		var chain []int64
		for p := parents[r.ID]; p != 0; p = parents[p] {
			chain = append(chain, p)
			if p == me {
				break
			}
		}
		r.Extra["ancestors_nearest_first"] = chain
		if r.Kind == "exited" {
			r.Note = "exited after starting its child: absent as a goroutine, present in descendants' [originating from goroutine N] sections"
		}
	}
	// Exited goroutines must be gone before the dump.
	live := []*gtruth.Role{}
	for _, r := range reg.Roles() {
		if r.Kind != "exited" {
			live = append(live, r)
		}
	}
	dump, gs := readyDump(live)
	for _, id := range keys(exited) {
		if _, ok := gs[id]; ok {
			panic("exited goroutine still present")
		}
	}
	roles := reg.Roles()
	desc := "GODEBUG=tracebackancestors=5: a 7-level goroutine chain (main -> level_1 -> ... -> level_7); levels 1, 3, 5 exit after starting " +
		"their child; level_2 holds spawn.Chain.Mu and sleeps; level_7 (leaf) waits for it; levels 4 and 6 wait on a channel. " +
		"deep_child was started from 120 frames of spawn.Deep recursion."
	common := func(t gtruth.Truth) {
		t["roles"] = roles
		t["role_ids"] = gtruth.RoleMap(roles)
		t["exited_ids"] = keys(exited)
		t["tracebackancestors"] = 5
		t["locks"] = []map[string]interface{}{{"label": "spawn.Chain.Mu", "kind": "mutex", "address": mu,
			"holders": []int64{holder}, "waiters": []int64{leafRole.ID}}}
	}
	gtruth.WriteFile(filepath.Join(*out, "stack.txt"), dump)
	t := gtruth.NewTruth("ancestors", "runtime.Stack", "stack.txt", desc)
	common(t)
	t["observed_role_headers"] = gtruth.Headers(roles, gs)
	gtruth.WriteJSON(filepath.Join(*out, "stack.txt.truth.json"), t)
	if !*sigquit {
		return
	}
	for _, r := range roles {
		if r.Role == "main" {
			r.Kind, r.Accept, r.Frame = "chan receive", []string{"chan receive"}, "main.awaitSignal"
		}
	}
	t = gtruth.NewTruth("ancestors", "sigquit", "sigquit-stderr.txt", desc+" Same process, then kill -QUIT with GOTRACEBACK=all.")
	common(t)
	t["observed_role_headers"] = nil
	gtruth.WriteJSON(filepath.Join(*out, "sigquit-stderr.txt.truth.json"), t)
	gtruth.Ready("ancestors")
	awaitSignal()
}

func readyDump(live []*gtruth.Role) ([]byte, map[int64]*gtruth.Goroutine) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		d := gtruth.AllStacks()
		gs := gtruth.Parse(d)
		if len(gtruth.Problems(live, gs)) == 0 {
			return d, gs
		}
		if time.Now().After(deadline) {
			panic("not ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func keys(m map[int64]bool) []int64 {
	var out []int64
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

//go:noinline
func awaitSignal() { <-make(chan struct{}) }
