// panics crashes in one of several ways (-mode), after recording which
// goroutine is which. The generator captures stderr.
//
//	deadlock      AB-BA mutex deadlock + main in WaitGroup.Wait:
//	              "fatal error: all goroutines are asleep - deadlock!"
//	mapwrites     two goroutines write one map: "fatal error: concurrent map writes"
//	boom          panic("boom") in a request goroutine
//	repanic       recover() then panic("second"): "panic: first [recovered]"
//	repanic-same  recover() then panic(v) with the same value
//	nilptr        nil pointer dereference: "[signal SIGSEGV: segmentation violation ...]"
package main

import (
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"example.com/holdup/panics/cache"
	"example.com/holdup/panics/handler"
	"example.com/holdup/panics/internal/gtruth"
	"example.com/holdup/panics/ledger"
)

var reg gtruth.Registry

func role(r gtruth.Role) func() {
	return func() { rr := r; reg.Add(&rr) }
}

var mutexStates = []string{"semacquire", "sync.Mutex.Lock"}

func main() {
	out := flag.String("out", ".", "output directory")
	mode := flag.String("mode", "boom", "deadlock|mapwrites|boom|repanic|repanic-same|nilptr")
	file := flag.String("file", "", "dump file name (default <mode>-stderr.txt)")
	flag.Parse()
	if *file == "" {
		*file = *mode + "-stderr.txt"
	}
	t := gtruth.NewTruth("panics", "crash-stderr", *file, "")
	t["mode"] = *mode
	t["env_GOTRACEBACK"] = os.Getenv("GOTRACEBACK")
	t["observed_role_headers"] = nil
	writeTruth := func() {
		roles := reg.Roles()
		t["roles"] = roles
		t["role_ids"] = gtruth.RoleMap(roles)
		t["num_goroutine_at_ready"] = numGoroutine()
		gtruth.WriteJSON(filepath.Join(*out, *file+".truth.json"), t)
	}
	reg.Add(&gtruth.Role{Role: "main", Kind: "main", Frame: "main.main", NoStackCheck: true})

	if *mode == "deadlock" {
		a := &ledger.Account{Name: "A"}
		b := &ledger.Account{Name: "B"}
		var bothLocked sync.WaitGroup
		bothLocked.Add(2)
		firstLocked := func(name string, lockAddr string) func() {
			return func() {
				reg.Add(&gtruth.Role{Role: name, Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "ledger.Transfer",
					LockAddress: lockAddr, LockKind: "mutex"})
				bothLocked.Done()
				bothLocked.Wait()
			}
		}
		var transfers sync.WaitGroup
		transfers.Add(2)
		go func() {
			defer transfers.Done()
			ledger.Transfer(a, b, 10, firstLocked("transfer_a_to_b", gtruth.Addr(b.MutexAddr())))
		}()
		go func() {
			defer transfers.Done()
			ledger.Transfer(b, a, 20, firstLocked("transfer_b_to_a", gtruth.Addr(a.MutexAddr())))
		}()
		reg.WaitCount(3)
		ab, ba := reg.Find("transfer_a_to_b").ID, reg.Find("transfer_b_to_a").ID
		go a.Audit(role(gtruth.Role{Role: "audit_a", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "ledger.(*Account).Audit",
			LockAddress: gtruth.Addr(a.MutexAddr()), LockKind: "mutex", Holders: []int64{ba}}))
		reg.WaitCount(4)
		for _, r := range reg.Roles() {
			switch r.Role {
			case "transfer_a_to_b":
				r.Holders = []int64{ba}
			case "transfer_b_to_a":
				r.Holders = []int64{ab}
			}
		}
		reg.ReadyDump(20 * time.Second)
		for _, r := range reg.Roles() {
			if r.Role == "main" {
				r.Kind, r.Accept, r.Frame, r.NoStackCheck = "sync.WaitGroup.Wait", []string{"semacquire", "sync.WaitGroup.Wait"}, "main.main", false
				r.Holders = []int64{ab, ba}
				r.Note = "main waits for both transfers (WaitGroup)"
			}
		}
		t["description"] = "AB-BA deadlock: transfer_a_to_b holds A.mu and waits for B.mu, transfer_b_to_a holds B.mu and waits for A.mu; " +
			"audit_a waits for A.mu; main waits in WaitGroup.Wait for both transfers. The runtime detects that all goroutines are asleep."
		t["expected_first_line"] = "fatal error: all goroutines are asleep - deadlock!"
		t["panicked_goroutine"] = nil
		t["locks"] = []map[string]interface{}{
			{"label": "ledger.Account(A).mu", "kind": "mutex", "address": gtruth.Addr(a.MutexAddr()), "owner_address": gtruth.Addr(a), "offset_in_owner": 16,
				"holders": []int64{ab}, "waiters": []int64{ba, reg.Find("audit_a").ID}},
			{"label": "ledger.Account(B).mu", "kind": "mutex", "address": gtruth.Addr(b.MutexAddr()), "owner_address": gtruth.Addr(b), "offset_in_owner": 16,
				"holders": []int64{ba}, "waiters": []int64{ab}},
		}
		t["deadlock_cycles"] = [][]int64{sorted(ab, ba)}
		writeTruth()
		transfers.Wait()
		return
	}

	// Background for the other modes: a mutex holder and a waiter.
	h := &handler.Handler{}
	hmu := gtruth.Addr(h.MutexAddr())
	go h.Flush(role(gtruth.Role{Role: "mutex_holder", Kind: "sleep", Accept: []string{"sleep"}, Frame: "handler.(*Handler).Flush",
		LockAddress: hmu, LockKind: "mutex"}))
	holder := reg.Find("mutex_holder").ID
	gtruth.WaitState(holder, "time.Sleep", "sleep")
	go h.Count(role(gtruth.Role{Role: "mutex_waiter", Kind: "sync.Mutex.Lock", Accept: mutexStates, Frame: "handler.(*Handler).Count",
		LockAddress: hmu, LockKind: "mutex", Holders: []int64{holder}}))
	waiter := reg.Find("mutex_waiter").ID
	t["locks"] = []map[string]interface{}{{"label": "handler.Handler.mu", "kind": "mutex", "address": hmu,
		"holders": []int64{holder}, "waiters": []int64{waiter}}}

	goAhead := make(chan struct{})
	switch *mode {
	case "mapwrites":
		c := cache.New()
		for i := 0; i < 2; i++ {
			go c.Fill(i*1000, role(gtruth.Role{Role: "map_writer", Kind: "running", Accept: []string{"chan receive"}, Frame: "cache.(*Cache).Fill",
				Note: "one of the two writers reports the fatal error"}), goAhead)
		}
		reg.WaitCount(5)
		reg.ReadyDump(20 * time.Second)
		t["description"] = "Two goroutines write the same map; the runtime throws. A mutex holder (sleeping) and a waiter are in the background."
		t["expected_first_line"] = "fatal error: concurrent map writes"
		t["panicked_goroutine_candidates"] = reg.IDs("map_writer")
		t["panicked_goroutine"] = nil // which writer detects the race is up to the scheduler: gen.py reads it from the dump
	default:
		req := &handler.Request{Path: "/items/42"}
		go h.Serve(req, *mode, role(gtruth.Role{Role: "panicking_request", Kind: "running", Accept: []string{"chan receive"}, Frame: "handler.(*Handler).Serve"}), goAhead)
		reg.WaitCount(4)
		reg.ReadyDump(20 * time.Second)
		id := reg.Find("panicking_request").ID
		t["panicked_goroutine"] = id
		switch *mode {
		case "boom":
			t["description"] = "panic(\"boom\") in a request goroutine (handler.(*Handler).validate) while a mutex holder sleeps and a waiter waits."
			t["expected_first_line"] = "panic: boom"
		case "repanic":
			t["description"] = "A deferred function recovers panic(\"first\") and panics again with \"second\"."
			t["expected_first_line"] = "panic: first [recovered]"
		case "repanic-same":
			t["description"] = "A deferred function recovers panic(\"first\") and re-panics with the same value."
			t["expected_first_line"] = "panic: first [recovered] (go1.19-1.2x) or panic: first [recovered, repanicked] (newer)"
		case "nilptr":
			t["description"] = "Nil pointer dereference (r.Body.Size with r.Body nil) in handler.(*Handler).size."
			t["expected_first_line"] = "panic: runtime error: invalid memory address or nil pointer dereference"
		}
	}
	// The crashing goroutine(s) are running when the dump happens.
	for _, r := range reg.Roles() {
		switch r.Role {
		case "map_writer":
			r.Accept = []string{"running", "runnable", "semacquire"}
			r.Note = "one of the two writers reports the fatal error ([running]); the other is [running]/[runnable], " +
				"or [semacquire] when it detected the race too and is parked in the runtime's crash path"
		case "panicking_request":
			r.Accept = []string{"running", "runnable"}
		case "main":
			r.Kind, r.Accept, r.Frame, r.NoStackCheck = "sleep", []string{"sleep", "runnable", "running"}, "main.main", false
			r.Note = "main triggers the crash and then sleeps; the crash can catch it before it parks ([runnable]/[running])"
		}
	}
	writeTruth()
	close(goAhead)
	time.Sleep(time.Hour)
}

func sorted(a, b int64) []int64 {
	if a < b {
		return []int64{a, b}
	}
	return []int64{b, a}
}

func numGoroutine() int { return runtime.NumGoroutine() }
