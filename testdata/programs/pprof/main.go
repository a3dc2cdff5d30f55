// pprof dumps the same blocked goroutines with
// pprof.Lookup("goroutine").WriteTo(w, 1) (aggregated by stack, with
// "# labels:" lines) and WriteTo(w, 2) (traceback format).
package main

import (
	"context"
	"flag"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"example.com/holdup/pprof/internal/gtruth"
	"example.com/holdup/pprof/store"
	"example.com/holdup/pprof/worker"
)

var reg gtruth.Registry

func labelsOf(ctx context.Context) map[string]string {
	m := map[string]string{}
	pprof.ForLabels(ctx, func(k, v string) bool { m[k] = v; return true })
	if len(m) == 0 {
		return nil
	}
	return m
}

func main() {
	out := flag.String("out", ".", "output directory")
	suffix := flag.String("suffix", "", "file name suffix (before .txt)")
	only2 := flag.Bool("only-debug2", false, "write only the debug=2 file")
	flag.Parse()
	reg.Add(&gtruth.Role{Role: "main", Kind: "dumper", Frame: "main.main", NoStackCheck: true})
	mutexStates := []string{"semacquire", "sync.Mutex.Lock"}
	bg := context.Background()

	kv := store.New()
	mu := gtruth.Addr(kv.MutexAddr())
	reg1 := func(ctx context.Context, r gtruth.Role) func() {
		return func() { rr := r; rr.Labels = labelsOf(ctx); reg.Add(&rr) }
	}
	go pprof.Do(bg, pprof.Labels("handler", "snapshot"), func(ctx context.Context) {
		kv.Snapshot(reg1(ctx, gtruth.Role{Role: "mutex_holder", Kind: "sleep", Accept: []string{"sleep"}, Frame: "store.writeSnapshot",
			LockKind: "mutex", LockAddress: mu, Mode: "hold"}))
	})
	holder := reg.Find("mutex_holder").ID
	gtruth.WaitState(holder, "time.Sleep", "sleep")
	for i := 0; i < 3; i++ {
		go pprof.Do(bg, pprof.Labels("handler", "get"), func(ctx context.Context) {
			kv.Get("k", reg1(ctx, gtruth.Role{Role: "waiter_get_labelled", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "store.(*KV).Get",
				LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}}))
		})
	}
	for i := 0; i < 2; i++ {
		go kv.Put("k", "v", reg1(bg, gtruth.Role{Role: "waiter_put_unlabelled", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "store.(*KV).Put",
			LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}}))
	}
	p := &worker.Pool{Jobs: make(chan func())}
	pprof.Do(bg, pprof.Labels("pool", "ingest", "tier", "gold"), func(ctx context.Context) {
		p.Start(5, reg1(ctx, gtruth.Role{Role: "idle_worker_labelled", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "worker.(*Pool).loop",
			Note: "labels inherited from the starting goroutine (main inside pprof.Do)"}))
	})
	p.Start(4, reg1(bg, gtruth.Role{Role: "idle_worker_unlabelled", Kind: "chan receive", Accept: []string{"chan receive"}, Frame: "worker.(*Pool).loop"}))
	reg.WaitCount(1 + 1 + 3 + 2 + 5 + 4)
	// idle_worker_labelled registered with the labels of the started goroutine's creator context.
	reg.ReadyDump(20 * time.Second)
	roles := reg.Roles()

	// Expected debug=1 records, computed from the roles: goroutines with the
	// same stack and labels are one record with a count.
	type group struct {
		Role   string            `json:"role"`
		Count  int               `json:"count"`
		Labels map[string]string `json:"labels,omitempty"`
		Frame  string            `json:"frame"`
		IDs    []int64           `json:"ids"`
	}
	gm := map[string]*group{}
	for _, r := range roles {
		if r.Role == "main" {
			continue
		}
		g := gm[r.Role]
		if g == nil {
			g = &group{Role: r.Role, Labels: r.Labels, Frame: r.Frame}
			gm[r.Role] = g
		}
		g.Count++
		g.IDs = append(g.IDs, r.ID)
	}
	var groups []*group
	for _, g := range gm {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Role < groups[j].Role })

	desc := "A labelled mutex holder (handler=snapshot) sleeping in store.writeSnapshot; 3 labelled waiters (handler=get) in store.(*KV).Get, " +
		"2 unlabelled waiters in Put; 5 labelled idle workers (pool=ingest, tier=gold) and 4 unlabelled ones with identical stacks."
	locks := []map[string]interface{}{{"label": "store.KV.mu", "kind": "mutex", "address": mu, "holders": []int64{holder},
		"waiters": append(reg.IDs("waiter_get_labelled"), reg.IDs("waiter_put_unlabelled")...)}}
	for _, dbg := range []int{1, 2} {
		if dbg == 1 && *only2 {
			continue
		}
		var sb strings.Builder
		if err := pprof.Lookup("goroutine").WriteTo(&sb, dbg); err != nil {
			panic(err)
		}
		name := "goroutine-debug" + string(rune('0'+dbg)) + *suffix + ".txt"
		gtruth.WriteFile(filepath.Join(*out, name), []byte(sb.String()))
		t := gtruth.NewTruth("pprof", "pprof-goroutine-debug"+string(rune('0'+dbg)), name, desc)
		t["roles"] = roles
		t["role_ids"] = gtruth.RoleMap(roles)
		t["locks"] = locks
		if dbg == 1 {
			t["expected_debug1_records"] = groups
			t["note"] = "debug=1 has no goroutine ids: each record is '<count> @ <pcs>' [+ '# labels: {...}'] + '#\\t<pc>\\t<func>+<off>\\t<file>:<line>' lines; " +
				"records with the same stack but different labels are separate"
		} else {
			t["observed_role_headers"] = gtruth.Headers(roles, gtruth.Parse([]byte(sb.String())))
		}
		gtruth.WriteJSON(filepath.Join(*out, name+".truth.json"), t)
	}
}
