// waitkinds places one goroutine in each kind of wait state the Go runtime
// reports, records who is who from inside the process, and dumps all
// goroutines with runtime.Stack (stack.txt). With -sigquit it then waits to
// be killed by SIGQUIT (the generator captures stderr as sigquit-stderr.txt).
package main

import (
	"flag"
	"net"
	"path/filepath"
	"time"

	"example.com/holdup/waitkinds/catalog"
	"example.com/holdup/waitkinds/compute"
	"example.com/holdup/waitkinds/internal/gtruth"
	"example.com/holdup/waitkinds/inventory"
	"example.com/holdup/waitkinds/jobs"
	"example.com/holdup/waitkinds/netio"
	"example.com/holdup/waitkinds/pinned"
	"example.com/holdup/waitkinds/pipeline"
	"example.com/holdup/waitkinds/sysio"
)

const description = "One goroutine per wait kind: sync.Mutex waiter behind a sleeping holder; " +
	"RWMutex Lock waiter behind an active reader and RLock waiter behind that pending writer; " +
	"RLock waiter behind a sleeping writer; WaitGroup.Wait; Cond.Wait; chan send/receive; nil chan send/receive; " +
	"select with cases; select {}; time.Sleep; IO wait (TCP loopback Accept and Read); read(2) on a pipe via syscall.Read; " +
	"a busy loop; a LockOSThread goroutine waiting on a channel."

var reg gtruth.Registry

// role returns a callback that registers the calling goroutine as r.
func role(r gtruth.Role) func() {
	return func() { rr := r; reg.Add(&rr) }
}

func main() {
	out := flag.String("out", ".", "output directory")
	sigquit := flag.Bool("sigquit", false, "after stack.txt, wait for SIGQUIT")
	flag.Parse()

	reg.Add(&gtruth.Role{Role: "main", Kind: "dumper", Frame: "main.main", NoStackCheck: true,
		Note: "the dumping goroutine ([running] in stack.txt); in the SIGQUIT dump it waits in main.awaitSignal ([chan receive])"})

	var locks []map[string]interface{}

	// sync.Mutex: holder sleeps with the lock, waiter blocks in Lock.
	store := inventory.New()
	mu := gtruth.Addr(store.MutexAddr())
	go store.Reserve("widget", role(gtruth.Role{Role: "mutex_holder", Kind: "sleep", Accept: []string{"sleep"},
		Frame: "inventory.(*Store).syncBackend", LockLabel: "inventory.Store.mu", LockKind: "mutex", LockAddress: mu, Mode: "hold"}))
	h := reg.Find("mutex_holder")
	gtruth.WaitState(h.ID, "time.Sleep", "sleep")
	go store.Lookup("widget", role(gtruth.Role{Role: "mutex_waiter", Kind: "sync.Mutex.Lock", Accept: []string{"semacquire", "sync.Mutex.Lock"},
		Frame: "inventory.(*Store).Lookup", LockLabel: "inventory.Store.mu", LockKind: "mutex", LockAddress: mu, Mode: "write", Holders: []int64{h.ID}}))
	w := reg.Find("mutex_waiter")
	locks = append(locks, map[string]interface{}{"label": "inventory.Store.mu", "kind": "mutex", "address": mu,
		"owner_type": "*inventory.Store", "owner_address": gtruth.Addr(store), "offset_in_owner": 0,
		"holders": []int64{h.ID}, "waiters": []int64{w.ID}})

	// RWMutex 1: active reader, writer waiting, reader waiting behind the writer.
	ix := &catalog.Index{}
	rw := gtruth.Addr(ix.LockAddr())
	go ix.Scan(role(gtruth.Role{Role: "rwmutex_reader_holder", Kind: "sleep", Accept: []string{"sleep"}, Frame: "catalog.slowVisit",
		LockLabel: "catalog.Index.mu", LockKind: "rwmutex", LockAddress: rw, Mode: "read"}))
	rh := reg.Find("rwmutex_reader_holder")
	gtruth.WaitState(rh.ID, "time.Sleep", "sleep")
	go ix.Rebuild(role(gtruth.Role{Role: "rwmutex_writer_waiter", Kind: "sync.RWMutex.Lock", Accept: []string{"semacquire", "sync.RWMutex.Lock"},
		Frame: "catalog.(*Index).Rebuild", LockLabel: "catalog.Index.mu", LockKind: "rwmutex", LockAddress: rw, Mode: "write", Holders: []int64{rh.ID},
		Note: "Lock behind an active reader"}))
	ww := reg.Find("rwmutex_writer_waiter")
	gtruth.WaitState(ww.ID, "catalog.(*Index).Rebuild", "semacquire", "sync.RWMutex.Lock")
	go ix.Search("q", role(gtruth.Role{Role: "rwmutex_reader_waiter", Kind: "sync.RWMutex.RLock", Accept: []string{"semacquire", "sync.RWMutex.RLock"},
		Frame: "catalog.(*Index).Search", LockLabel: "catalog.Index.mu", LockKind: "rwmutex", LockAddress: rw, Mode: "read", Holders: []int64{rh.ID},
		Note: "RLock blocked only because a writer is pending", Extra: map[string]interface{}{"pending_writer": ww.ID}}))
	rw2 := reg.Find("rwmutex_reader_waiter")
	locks = append(locks, map[string]interface{}{"label": "catalog.Index.mu", "kind": "rwmutex", "address": rw,
		"owner_type": "*catalog.Index", "owner_address": gtruth.Addr(ix), "offset_in_owner": 0,
		"holders": []int64{rh.ID}, "holder_modes": map[string]string{itoa(rh.ID): "read"},
		"waiters": []int64{ww.ID, rw2.ID}, "waiter_modes": map[string]string{itoa(ww.ID): "write", itoa(rw2.ID): "read"}})

	// RWMutex 2: writer holds it, reader waits.
	cfg := catalog.NewConfig()
	crw := gtruth.Addr(cfg.LockAddr())
	go cfg.Reload(role(gtruth.Role{Role: "rwmutex_writer_holder", Kind: "sleep", Accept: []string{"sleep"}, Frame: "catalog.fetchRemote",
		LockLabel: "catalog.Config.mu", LockKind: "rwmutex", LockAddress: crw, Mode: "write"}))
	wh := reg.Find("rwmutex_writer_holder")
	gtruth.WaitState(wh.ID, "time.Sleep", "sleep")
	go cfg.Get("k", role(gtruth.Role{Role: "rwmutex_reader_waiter_behind_writer", Kind: "sync.RWMutex.RLock", Accept: []string{"semacquire", "sync.RWMutex.RLock"},
		Frame: "catalog.(*Config).Get", LockLabel: "catalog.Config.mu", LockKind: "rwmutex", LockAddress: crw, Mode: "read", Holders: []int64{wh.ID}}))
	cr := reg.Find("rwmutex_reader_waiter_behind_writer")
	locks = append(locks, map[string]interface{}{"label": "catalog.Config.mu", "kind": "rwmutex", "address": crw,
		"owner_type": "*catalog.Config", "owner_address": gtruth.Addr(cfg), "offset_in_owner": 8,
		"holders": []int64{wh.ID}, "holder_modes": map[string]string{itoa(wh.ID): "write"},
		"waiters": []int64{cr.ID}, "waiter_modes": map[string]string{itoa(cr.ID): "read"}})

	// WaitGroup: two sleeping workers owe Done; one goroutine waits.
	b := &jobs.Batch{}
	wg := gtruth.Addr(b.WGAddr())
	b.Start(2, role(gtruth.Role{Role: "waitgroup_worker", Kind: "sleep", Accept: []string{"sleep"}, Frame: "jobs.(*Batch).work",
		LockLabel: "jobs.Batch.wg", LockKind: "waitgroup", LockAddress: wg, Note: "owes wg.Done()"}))
	for len(reg.IDs("waitgroup_worker")) < 2 {
		time.Sleep(time.Millisecond)
	}
	workers := reg.IDs("waitgroup_worker")
	go b.Wait(role(gtruth.Role{Role: "waitgroup_waiter", Kind: "sync.WaitGroup.Wait", Accept: []string{"semacquire", "sync.WaitGroup.Wait"},
		Frame: "jobs.(*Batch).Wait", LockLabel: "jobs.Batch.wg", LockKind: "waitgroup", LockAddress: wg, Holders: workers,
		Note: "holders = goroutines that still owe Done"}))
	wgw := reg.Find("waitgroup_waiter")
	locks = append(locks, map[string]interface{}{"label": "jobs.Batch.wg", "kind": "waitgroup", "address": wg,
		"holders": workers, "waiters": []int64{wgw.ID}, "note": "holders owe wg.Done()"})

	// sync.Cond: consumer waits for an item that never comes.
	q := jobs.NewQueue()
	cond := gtruth.Addr(q.CondAddr())
	qmu := gtruth.Addr(q.MutexAddr())
	go q.Pop(role(gtruth.Role{Role: "cond_waiter", Kind: "sync.Cond.Wait", Accept: []string{"sync.Cond.Wait", "semacquire"},
		Frame: "jobs.(*Queue).Pop", LockLabel: "jobs.Queue.cond", LockKind: "cond", LockAddress: cond,
		Extra: map[string]interface{}{"cond_L_address": qmu}, Note: "Cond.Wait released cond.L; no holder"}))
	cw := reg.Find("cond_waiter")
	locks = append(locks, map[string]interface{}{"label": "jobs.Queue.cond", "kind": "cond", "address": cond,
		"cond_L_address": qmu, "holders": []int64{}, "waiters": []int64{cw.ID}})

	// Channels.
	st := pipeline.NewStage()
	go st.Emit(pipeline.Event{N: 1}, role(gtruth.Role{Role: "chan_send", Kind: "chan send", Accept: []string{"chan send"},
		Frame: "pipeline.(*Stage).Emit", ChanAddress: gtruth.Addr(st.Out)}))
	go st.Consume(role(gtruth.Role{Role: "chan_receive", Kind: "chan receive", Accept: []string{"chan receive"},
		Frame: "pipeline.(*Stage).Consume", ChanAddress: gtruth.Addr(st.In)}))
	go pipeline.EmitNil(role(gtruth.Role{Role: "chan_send_nil", Kind: "chan send (nil chan)", Accept: []string{"chan send (nil chan)"},
		Frame: "pipeline.EmitNil"}))
	go pipeline.ConsumeNil(role(gtruth.Role{Role: "chan_receive_nil", Kind: "chan receive (nil chan)", Accept: []string{"chan receive (nil chan)"},
		Frame: "pipeline.ConsumeNil"}))
	go st.Loop(role(gtruth.Role{Role: "select", Kind: "select", Accept: []string{"select"}, Frame: "pipeline.(*Stage).Loop"}))
	go pipeline.Forever(role(gtruth.Role{Role: "select_no_cases", Kind: "select (no cases)", Accept: []string{"select (no cases)"},
		Frame: "pipeline.Forever"}))
	go jobs.Backoff(role(gtruth.Role{Role: "sleep", Kind: "sleep", Accept: []string{"sleep"}, Frame: "jobs.Backoff"}))

	// Network: accept loop and a connection handler in IO wait.
	srv, err := netio.Listen()
	if err != nil {
		panic(err)
	}
	accepted := false
	go srv.Serve(func() {
		if !accepted {
			accepted = true
			return
		}
		reg.Add(&gtruth.Role{Role: "io_accept", Kind: "IO wait", Accept: []string{"IO wait"}, Frame: "netio.(*Server).Serve",
			Note: "blocked in Accept on a loopback listener"})
	}, role(gtruth.Role{Role: "io_read", Kind: "IO wait", Accept: []string{"IO wait"}, Frame: "netio.(*Server).handle",
		Note: "blocked in Read on an accepted loopback TCP connection"}))
	client, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		panic(err)
	}
	defer client.Close()

	// read(2) on a pipe.
	p, err := sysio.NewPipe()
	if err != nil {
		panic(err)
	}
	go p.Drain(role(gtruth.Role{Role: "syscall_read", Kind: "syscall", Accept: []string{"syscall"}, Frame: "sysio.(*Pipe).Drain",
		Extra: map[string]interface{}{"fd": p.ReadFD()}}))

	// Busy loop.
	go compute.Spin(role(gtruth.Role{Role: "busy_loop", Kind: "runnable/running", Accept: []string{"runnable", "running"}, Frame: "compute.Spin"}))

	// Locked to thread, waiting on a channel.
	pw := &pinned.Worker{Jobs: make(chan func())}
	go pw.Run(role(gtruth.Role{Role: "locked_thread_chan_receive", Kind: "chan receive", Accept: []string{"chan receive"}, LockedToThread: true,
		Frame: "pinned.(*Worker).Run", ChanAddress: gtruth.Addr(pw.Jobs)}))

	reg.WaitCount(24)
	dump, gs := reg.ReadyDump(30 * time.Second)
	roles := reg.Roles()
	gtruth.WriteFile(filepath.Join(*out, "stack.txt"), dump)
	t := gtruth.NewTruth("waitkinds", "runtime.Stack", "stack.txt", description)
	t["roles"] = roles
	t["role_ids"] = gtruth.RoleMap(roles)
	t["locks"] = locks
	t["observed_role_headers"] = gtruth.Headers(roles, gs)
	t["goroutines_in_dump"] = len(gs)
	gtruth.WriteJSON(filepath.Join(*out, "stack.txt.truth.json"), t)

	if !*sigquit {
		return
	}
	for _, r := range roles {
		if r.Role == "main" {
			r.Kind = "chan receive"
			r.Accept = []string{"chan receive"}
			r.Frame = "main.awaitSignal"
		}
	}
	t = gtruth.NewTruth("waitkinds", "sigquit", "sigquit-stderr.txt", description+" Same process as stack.txt, then kill -QUIT with GOTRACEBACK=all.")
	t["roles"] = roles
	t["role_ids"] = gtruth.RoleMap(roles)
	t["locks"] = locks
	t["observed_role_headers"] = nil // filled in by gen.py from the captured stderr
	gtruth.WriteJSON(filepath.Join(*out, "sigquit-stderr.txt.truth.json"), t)
	gtruth.Ready("waitkinds")
	awaitSignal()
}

//go:noinline
func awaitSignal() {
	<-make(chan struct{})
}

func itoa(id int64) string { return gtruth.Itoa(id) }
