// hangs puts a process into the hangs the wait-for graph must follow past locks, and one
// healthy process that must get no finding, then dumps its goroutines with runtime.Stack
// once every wait is over a minute old (Go prints `, N minutes` only after a GC has seen
// the goroutine waiting and a minute has passed):
//
//   - waitgroup-holder (dockerd's StateChanged): an exit event's StateChanged holds the
//     container lock and waits in sync.(*WaitGroup).Wait for the mount releases it started;
//     one of them waits in a channel receive for a volume plugin that never answers; 20
//     `GET /containers/json` and 3 `GET /containers/c1/json` wait on the container lock.
//   - chan-chain (the kubelet's PLEG): the pod worker waits for the container runtime's
//     HTTP reply, which never comes; the sync loop blocks sending the next update to the
//     worker; the PLEG blocks sending its event to the sync loop; 4 `GET /pods` requests
//     block in select sending to the sync loop.
//   - flock-holder: `POST /containers/c1/update` holds the container lock while it waits in
//     flock(2) for a lock file that another open file description holds (no fsync is slow on
//     this machine; flock blocks for certain, in a `[syscall]` state as a slow fsync would);
//     10 `docker ps` and 2 `docker inspect` wait on the container lock.
//   - idle: the same kind of daemon at rest: API server in Accept, idle keep-alive
//     connections, an event loop, a stats ticker, a queue whose workers wait on a sync.Cond
//     and whose supervisor waits on a WaitGroup, a subscriber, a poller sleeping.
//
// The truth beside the dump is recorded by the process: goroutine ids from runtime.Stack,
// lock and channel addresses from %p, and for each wait the goroutines on its other side.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"example.com/holdup/hangs/api"
	"example.com/holdup/hangs/background"
	"example.com/holdup/hangs/container"
	"example.com/holdup/hangs/cri"
	"example.com/holdup/hangs/daemon"
	"example.com/holdup/hangs/internal/gtruth"
	"example.com/holdup/hangs/kubelet"
	"example.com/holdup/hangs/pleg"
	"example.com/holdup/hangs/store"
)

var reg gtruth.Registry

var mutexStates = []string{"semacquire", "sync.Mutex.Lock"}

// wgStates: Go 1.19–1.24 print `semacquire` for WaitGroup.Wait, 1.25+ `sync.WaitGroup.Wait`.
var wgStates = []string{"semacquire", "sync.WaitGroup.Wait"}

func role(r gtruth.Role) func() {
	return func() { rr := r; reg.Add(&rr) }
}

// plugin is a volume driver; the stuck one never answers a release.
type plugin struct {
	reply chan struct{}
	hook  func()
}

func (p *plugin) Release(name string) {
	if p.reply == nil {
		return
	}
	if p.hook != nil {
		p.hook()
	}
	<-p.reply
}

// router dispatches the API routes to the daemon, as dockerd's routers do.
type router struct {
	d     *daemon.Daemon
	kl    *kubelet.Kubelet
	hooks map[string]func()
}

func (rt *router) hook(r *http.Request) func() { return rt.hooks[api.Role(r)] }

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/containers/json":
		rt.getContainersJSON(w, r)
	case r.URL.Path == "/containers/c1/json":
		rt.getContainersByName(w, r)
	case r.URL.Path == "/containers/c1/update":
		rt.postContainerUpdate(w, r)
	case r.URL.Path == "/pods":
		rt.kl.ServePods(w, r, rt.hook(r))
	default:
		_, _ = w.Write([]byte("OK"))
	}
}

func (rt *router) getContainersJSON(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write([]byte(strings.Join(rt.d.Containers(rt.hook(r)), "\n")))
}

func (rt *router) getContainersByName(w http.ResponseWriter, r *http.Request) {
	b, _ := rt.d.ContainerInspect("c1", rt.hook(r))
	_, _ = w.Write(b)
}

func (rt *router) postContainerUpdate(w http.ResponseWriter, r *http.Request) {
	if err := rt.d.ContainerUpdate("c1", rt.hook(r)); err != nil {
		http.Error(w, err.Error(), 500)
	}
}

func main() {
	out := flag.String("out", ".", "output directory")
	mode := flag.String("mode", "idle", "waitgroup-holder, chan-chain, flock-holder or idle")
	age := flag.Duration("age", 61*time.Second, "how long every wait lasts before the dump")
	flag.Parse()
	dir, err := os.MkdirTemp("", "hangs-store")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	rt := &router{hooks: map[string]func(){}}
	srv := api.Start(rt)
	var t gtruth.Truth
	switch *mode {
	case "waitgroup-holder":
		t = waitgroupHolder(rt, srv, dir)
	case "chan-chain":
		t = chanChain(rt, srv)
	case "flock-holder":
		t = flockHolder(rt, srv, dir)
	case "idle":
		t = idle(rt, srv, dir)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", *mode)
		os.Exit(2)
	}
	reg.ReadyDump(20 * time.Second)
	// A GC marks every waiting goroutine's wait start; a minute later the dump shows it.
	runtime.GC()
	time.Sleep(*age)
	dump, gs := reg.ReadyDump(time.Second)
	name := "stack.txt"
	path := filepath.Join(*out, name)
	gtruth.WriteFile(path, dump)
	roles := reg.Roles()
	t["dump_file"] = name
	t["roles"] = roles
	t["role_ids"] = gtruth.RoleMap(roles)
	t["observed_role_headers"] = gtruth.Headers(roles, gs)
	t["goroutines_in_dump"] = len(gs)
	t["waited_seconds_before_dump"] = age.Seconds()
	gtruth.WriteJSON(path+".truth.json", t)
}

func newTruth(mode, desc string) gtruth.Truth {
	t := gtruth.NewTruth("hangs", "runtime.Stack", "", desc)
	t["mode"] = mode
	t["deadlock_cycles"] = [][]int64{}
	t["expected_no_findings"] = false
	return t
}

// waitsOn is one wait and the goroutines on its other side.
func waitsOn(from int64, kind, link, object string, to []int64, note string) map[string]interface{} {
	return map[string]interface{}{"from": from, "kind": kind, "link": link, "object": object, "to": to, "note": note}
}

func waitgroupHolder(rt *router, srv *api.Server, dir string) gtruth.Truth {
	stuck := &plugin{reply: make(chan struct{})}
	c1 := container.New("c1c1c1c1", "c1",
		&container.Mount{Name: "logs", Driver: &plugin{}},
		&container.Mount{Name: "data", Driver: stuck},
		&container.Mount{Name: "cache", Driver: &plugin{}})
	c2 := container.New("c2c2c2c2", "c2")
	d := daemon.New(store.Open(dir), c1, c2)
	rt.d = d
	go d.ProcessEvents()
	go d.StatsCollector(time.Hour)
	stuck.hook = role(gtruth.Role{Role: "worker_release", Kind: "chan receive", Accept: []string{"chan receive"},
		Frame: "daemon.(*Daemon).releaseMount", Note: "started by StateChanged; waits for a volume plugin that never answers"})
	mu := gtruth.Addr(&c1.State.Mutex)
	d.Exited(daemon.Event{ID: "c1", ExitCode: 137, Hook: role(gtruth.Role{Role: "holder_statechanged",
		Kind: "sync.WaitGroup.Wait", Accept: wgStates, Frame: "daemon.(*Daemon).releaseMounts",
		LockKind: "mutex", LockAddress: mu, Mode: "hold", Note: "holds c1's lock in WaitGroup.Wait"})})
	holder := reg.Find("holder_statechanged").ID
	worker := reg.Find("worker_release").ID
	gtruth.WaitState(holder, "daemon.(*Daemon).releaseMounts", wgStates...)
	gtruth.WaitState(worker, "daemon.(*Daemon).releaseMount", "chan receive")
	const ps, inspect = 20, 3
	rt.hooks["waiter_ps"] = role(gtruth.Role{Role: "waiter_ps", Kind: "sync.Mutex.Lock", Accept: mutexStates,
		Frame: "daemon.(*Daemon).reducePsContainer", LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}})
	rt.hooks["waiter_inspect"] = role(gtruth.Role{Role: "waiter_inspect", Kind: "sync.Mutex.Lock", Accept: mutexStates,
		Frame: "daemon.(*Daemon).ContainerInspect", LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}})
	for i := 0; i < ps; i++ {
		srv.Send("GET", "/containers/json", "waiter_ps")
	}
	for i := 0; i < inspect; i++ {
		srv.Send("GET", "/containers/c1/json", "waiter_inspect")
	}
	reg.WaitCount(2 + ps + inspect)
	waiters := append(reg.IDs("waiter_ps"), reg.IDs("waiter_inspect")...)
	t := newTruth("waitgroup-holder", "exit event: StateChanged holds c1's container lock in WaitGroup.Wait for the "+
		"mount releases it started; the release of mount data waits in a channel receive for a volume plugin that "+
		"never answers; 20 GET /containers/json and 3 GET /containers/c1/json wait on the container lock")
	t["locks"] = []map[string]interface{}{{
		"label": "container c1 State.Mutex", "kind": "mutex", "address": mu, "holders": []int64{holder},
		"waiters": waiters, "owner_type": "*container.State", "owner_address": mu, "offset_in_owner": 0,
		"related_addresses": map[string]string{"*container.Container (c1)": gtruth.Addr(c1)},
	}}
	t["waits_on"] = []map[string]interface{}{
		waitsOn(holder, "waitgroup", "started", "", []int64{worker},
			"releaseMounts started the workers; the two others returned, one waits for the plugin"),
		waitsOn(worker, "channel", "external", gtruth.Addr(stuck.reply), []int64{},
			"the volume plugin's reply channel: no goroutine of this process sends on it"),
	}
	t["root_blockers"] = []int64{holder}
	t["stuck_root"] = []int64{worker}
	t["stuck_kind"] = "waitgroup"
	return t
}

func chanChain(rt *router, srv *api.Server) gtruth.Truth {
	wedged := cri.StartWedged()
	kl := kubelet.New(cri.NewRuntime(wedged.Addr), "web-1", "db-1")
	rt.kl = kl
	// The pod worker of web-1 starts and calls the runtime, which never answers.
	kl.Dispatch(kubelet.Update{Pod: "web-1", Before: role(gtruth.Role{Role: "worker_sync", Kind: "select",
		Accept: []string{"select"}, Frame: "cri.(*Runtime).SyncPod", Note: "waits for the runtime's HTTP reply"})})
	worker := reg.Find("worker_sync").ID
	gtruth.WaitState(worker, "cri.(*Runtime).SyncPod", "select")
	// The sync loop reads PLEG's first event (web-1) and blocks handing it to the busy worker.
	g := pleg.New(time.Second, kl.Pods)
	first := true
	g.Before = func() {
		if first {
			first = false
			return
		}
		role(gtruth.Role{Role: "pleg_relist", Kind: "chan send", Accept: []string{"chan send"},
			Frame: "pleg.(*GenericPLEG).relist", Note: "sends db-1's event to the sync loop, which does not receive"})()
	}
	kl.LoopBefore = role(gtruth.Role{Role: "sync_loop", Kind: "chan send", Accept: []string{"chan send"},
		Frame: "kubelet.(*podWorkers).UpdatePod", Note: "sends web-1's update to its worker, which is in SyncPod"})
	go kl.Run(g.Watch())
	g.Start()
	loop := reg.Find("sync_loop").ID
	gtruth.WaitState(loop, "kubelet.(*podWorkers).UpdatePod", "chan send")
	relist := reg.Find("pleg_relist").ID
	gtruth.WaitState(relist, "pleg.(*GenericPLEG).relist", "chan send")
	const reqs = 4
	rt.hooks["handler_pods"] = role(gtruth.Role{Role: "handler_pods", Kind: "select", Accept: []string{"select"},
		Frame: "kubelet.(*Kubelet).getPods", Note: "GET /pods: selects on sending to the sync loop or cancellation"})
	for i := 0; i < reqs; i++ {
		srv.Send("GET", "/pods", "handler_pods")
	}
	reg.WaitCount(3 + reqs)
	handlers := reg.IDs("handler_pods")
	for _, h := range handlers {
		gtruth.WaitState(h, "kubelet.(*Kubelet).getPods", "select")
	}
	updates, requests := kl.Channels("web-1")
	t := newTruth("chan-chain", "kubelet-like: the pod worker waits for an HTTP reply from a container runtime that "+
		"never answers; the sync loop blocks sending the next update to that worker; the PLEG blocks sending its "+
		"event to the sync loop; 4 GET /pods requests block in select sending to the sync loop")
	t["locks"] = []map[string]interface{}{}
	ws := []map[string]interface{}{
		waitsOn(relist, "channel", "receiver", gtruth.Addr(g.Watch()), []int64{loop},
			"the PLEG's event channel: only the sync loop receives from it"),
		waitsOn(loop, "channel", "receiver", gtruth.Addr(updates), []int64{worker},
			"web-1's update channel: only web-1's pod worker receives from it"),
		waitsOn(worker, "remote", "external", "", []int64{}, "the container runtime, another process"),
	}
	for _, h := range handlers {
		ws = append(ws, waitsOn(h, "channel", "receiver", gtruth.Addr(requests), []int64{loop},
			"select: send on the sync loop's request channel, or the request's cancellation"))
	}
	t["waits_on"] = ws
	t["root_blockers"] = []int64{}
	t["stuck_root"] = []int64{worker}
	t["stuck_kind"] = "channel"
	return t
}

func flockHolder(rt *router, srv *api.Server, dir string) gtruth.Truth {
	c1, c2 := container.New("c1c1c1c1", "c1"), container.New("c2c2c2c2", "c2")
	st := store.Open(dir)
	d := daemon.New(st, c1, c2)
	rt.d = d
	go d.ProcessEvents()
	go d.StatsCollector(time.Hour)
	// Another open file description of the lock file holds the lock (in real life another
	// process: a backup tool, a second daemon on the same root).
	other, err := os.OpenFile(st.LockPath(), os.O_RDWR, 0)
	if err != nil {
		panic(err)
	}
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_EX); err != nil {
		panic(err)
	}
	keep = append(keep, other)
	mu := gtruth.Addr(&c1.State.Mutex)
	rt.hooks["holder_update"] = role(gtruth.Role{Role: "holder_update", Kind: "syscall", Accept: []string{"syscall"},
		Frame: "store.(*Store).flock", LockKind: "mutex", LockAddress: mu, Mode: "hold",
		Note: "holds c1's lock while blocked in flock(2) on the store's lock file"})
	srv.Send("POST", "/containers/c1/update", "holder_update")
	holder := reg.Find("holder_update").ID
	gtruth.WaitState(holder, "store.(*Store).flock", "syscall")
	const ps, inspect = 10, 2
	rt.hooks["waiter_ps"] = role(gtruth.Role{Role: "waiter_ps", Kind: "sync.Mutex.Lock", Accept: mutexStates,
		Frame: "daemon.(*Daemon).reducePsContainer", LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}})
	rt.hooks["waiter_inspect"] = role(gtruth.Role{Role: "waiter_inspect", Kind: "sync.Mutex.Lock", Accept: mutexStates,
		Frame: "daemon.(*Daemon).ContainerInspect", LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}})
	for i := 0; i < ps; i++ {
		srv.Send("GET", "/containers/json", "waiter_ps")
	}
	for i := 0; i < inspect; i++ {
		srv.Send("GET", "/containers/c1/json", "waiter_inspect")
	}
	reg.WaitCount(1 + ps + inspect)
	waiters := append(reg.IDs("waiter_ps"), reg.IDs("waiter_inspect")...)
	t := newTruth("flock-holder", "POST /containers/c1/update holds c1's container lock while blocked in flock(2) "+
		"on the store's lock file, which another open file description holds; 10 GET /containers/json and 2 GET "+
		"/containers/c1/json wait on the container lock")
	t["locks"] = []map[string]interface{}{{
		"label": "container c1 State.Mutex", "kind": "mutex", "address": mu, "holders": []int64{holder},
		"waiters": waiters, "owner_type": "*container.State", "owner_address": mu, "offset_in_owner": 0,
		"related_addresses": map[string]string{"*container.Container (c1)": gtruth.Addr(c1)},
	}}
	t["waits_on"] = []map[string]interface{}{
		waitsOn(holder, "syscall", "external", "", []int64{}, "flock(2): the lock file is held outside any goroutine"),
	}
	t["holder_blocked_in"] = "flock(2) via syscall.Flock (LOCK_EX)"
	t["root_blockers"] = []int64{holder}
	t["stuck_root"] = []int64{holder}
	t["stuck_kind"] = "syscall"
	return t
}

// keep holds files and connections open for the life of the process.
var keep []interface{}

func idle(rt *router, srv *api.Server, dir string) gtruth.Truth {
	d := daemon.New(store.Open(dir), container.New("c1c1c1c1", "c1"), container.New("c2c2c2c2", "c2"))
	rt.d = d
	start := func(r gtruth.Role, f func()) {
		go func() { reg.Add(&r); f() }()
	}
	start(gtruth.Role{Role: "event_loop", Kind: "chan receive", Accept: []string{"chan receive"},
		Frame: "daemon.(*Daemon).ProcessEvents"}, d.ProcessEvents)
	start(gtruth.Role{Role: "stats_collector", Kind: "chan receive", Accept: []string{"chan receive"},
		Frame: "daemon.(*Daemon).StatsCollector"}, func() { d.StatsCollector(time.Hour) })
	events := make(chan string)
	keep = append(keep, events)
	start(gtruth.Role{Role: "subscriber", Kind: "chan receive", Accept: []string{"chan receive"},
		Frame: "background.Subscriber"}, func() { background.Subscriber(events) })
	start(gtruth.Role{Role: "ticker", Kind: "chan receive", Accept: []string{"chan receive"},
		Frame: "background.Ticker"}, func() { background.Ticker(time.Hour, func() {}) })
	start(gtruth.Role{Role: "poller", Kind: "sleep", Accept: []string{"sleep"},
		Frame: "background.Poller"}, func() { background.Poller(time.Hour, func() bool { return false }) })
	reg.WaitCount(5)
	q := background.NewQueue(4)
	keep = append(keep, q)
	// Idle keep-alive connections: one request answered each, then nothing.
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(c, "GET /_ping HTTP/1.1\r\nHost: daemon\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		keep = append(keep, c)
	}
	// The queue's goroutines and the connections register no role (they have no hook); the
	// dump is taken once they are parked.
	deadline := time.Now().Add(10 * time.Second)
	for {
		text := string(gtruth.AllStacks())
		if strings.Count(text, "background.(*Queue).worker") >= 4 && strings.Count(text, "[sync.Cond.Wait") >= 4 &&
			strings.Count(text, "net/http.(*conn).serve") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "idle goroutines never parked")
			os.Exit(3)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t := newTruth("idle", "a daemon at rest: API server in Accept, 2 idle keep-alive connections, event loop, stats "+
		"ticker, a queue whose 4 workers wait on a sync.Cond and whose supervisor waits on a WaitGroup, an event "+
		"subscriber, a ticker loop, a poller sleeping; every wait over a minute old; nothing is stuck")
	t["locks"] = []map[string]interface{}{}
	t["root_blockers"] = []int64{}
	t["expected_no_findings"] = true
	t["stuck_kind"] = "healthy"
	return t
}
