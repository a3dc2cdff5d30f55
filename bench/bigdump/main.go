// bigdump starts many goroutines blocked in varied ways, then writes
// runtime.Stack(buf, true) to a file (or waits for SIGQUIT / panics).

// Go 1.27 prints goroutine labels in tracebacks only when the main module's
// go.mod says go >= 1.27 (GODEBUG tracebacklabels, default 0 for older
// go.mod); this go.mod says 1.22 so that older toolchains build it, hence the
// directive. Go < 1.21 ignores it (and never prints labels).

//go:debug tracebacklabels=1
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"syscall"
	"time"

	"example.com/bigdump/api"
	"example.com/bigdump/cache"
	"example.com/bigdump/daemon"
	"example.com/bigdump/flow"
	"example.com/bigdump/rpc"
	"example.com/bigdump/store"
	"example.com/bigdump/volume/local"
	"example.com/bigdump/worker"
)

var (
	n      = flag.Int("n", 100000, "number of goroutines")
	out    = flag.String("out", "big.txt", "output file")
	age    = flag.Duration("age", 0, "if >0: GC, wait this long, then start the last 30% (gives 'N minutes' on 70%)")
	labels = flag.Float64("labels", 0, "fraction of goroutines spawned with pprof labels")
	routes = flag.Int("routes", 300, "number of distinct request paths")
	seed   = flag.Int64("seed", 1, "random seed")
	mode   = flag.String("mode", "stack", "stack | sigquit | panic")
	netMax = flag.Int("netconns", 4000, "max goroutines blocked reading loopback TCP")
)

// keepAlive holds the listener and the server ends of the loopback
// connections: if they became garbage, their finalizers would close them and
// the [IO wait] readers would return (Go 1.19 did that after the -age GC).
var keepAlive []interface{}

type route struct {
	kind int
	path []flow.Step
	alt  []flow.Step // same path with AwaitReply leaf, used when out of conns
	ch   chan int
	ch2  chan string
}

func main() {
	flag.Parse()
	rng := rand.New(rand.NewSource(*seed))

	// ---- holders: take locks and block while holding them.
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil { // blocking pipe: read(2) parks the thread in [syscall]
		panic(err)
	}
	local.Roots[0].SetFD(p[0])
	go daemon.Default.VolumeRm(local.Roots[0], "vol0", 0) // [syscall] holding Roots[0].m
	go daemon.Default.VolumeRm(local.Roots[1], "vol1", 1) // [sleep] holding Roots[1].m
	go daemon.Default.VolumeRm(local.Roots[2], "vol2", 2) // [chan receive] holding Roots[2].m
	go cache.Default.Rebuild(make(chan struct{}))         // [select] holding LRU.mu write lock
	holdA, holdB := make(chan struct{}), make(chan struct{})
	go store.Default.LockRows(0, 1, holdA) // AB-BA deadlock on store rows
	go store.Default.LockRows(1, 0, holdB)
	time.Sleep(200 * time.Millisecond)
	close(holdA)
	close(holdB)
	time.Sleep(100 * time.Millisecond)

	// ---- step catalog
	inter := []flow.Step{
		api.Default.ServeHTTP, api.Default.Handle, api.DefaultRouter.Dispatch, api.Auth("admin"), api.Decode,
		rpc.DefaultClient.Call, rpc.DefaultConn.RoundTrip, rpc.Retry,
		store.Default.Get, store.Default.Put, store.DefaultTxn.Commit,
		cache.Default.Lookup, cache.Fill,
		daemon.Default.ContainerCreate, daemon.Default.VolumeCreate,
		local.Roots[0].Get,
		worker.Default.Process, worker.Exec,
	}
	entries := []flow.Step{api.Default.ServeHTTP, worker.Default.Process, rpc.DefaultClient.Call, daemon.Default.ContainerCreate, api.Auth("public")}
	leaf := map[int]flow.Step{
		flow.ChanRecv:      rpc.DefaultConn.AwaitReply,
		flow.Select:        worker.Default.Next,
		flow.MutexLock:     local.CreateStep,
		flow.RWRLock:       cache.Default.ReadLocked,
		flow.RWLock:        cache.Default.Evict,
		flow.Sleep:         worker.Default.Backoff,
		flow.NetRead:       rpc.DefaultConn.ReadFrame,
		flow.WGWait:        daemon.Default.WaitAll,
		flow.CondWait:      store.DefaultTxn.WaitCommit,
		flow.ChanSend:      api.Default.Reply,
		flow.SelectNoCases: worker.Park,
	}
	kindW := []float64{20, 30, 8, 5, 1, 10, 5, 5, 5, 5, 1}
	pickKind := func() int {
		t := 0.0
		for _, w := range kindW {
			t += w
		}
		x := rng.Float64() * t
		for k, w := range kindW {
			if x < w {
				return k
			}
			x -= w
		}
		return 0
	}
	rs := make([]*route, *routes)
	for i := range rs {
		k := pickKind()
		L := 4 + rng.Intn(11) // 4..14 intermediate + 1 leaf = 5..15 step frames
		path := []flow.Step{entries[rng.Intn(len(entries))]}
		if k == flow.MutexLock && rng.Intn(2) == 0 {
			path[0] = daemon.Default.ContainerCreate
		}
		for len(path) < L {
			path = append(path, inter[rng.Intn(len(inter))])
		}
		alt := append(append([]flow.Step{}, path...), leaf[flow.ChanRecv])
		path = append(path, leaf[k])
		rs[i] = &route{kind: k, path: path, alt: alt, ch: make(chan int), ch2: make(chan string)}
	}
	// Zipf-ish popularity of routes.
	cum := make([]float64, len(rs))
	tot := 0.0
	for i := range rs {
		tot += 1 / math.Pow(float64(i+1), 0.9)
		cum[i] = tot
	}

	// loopback TCP for IO wait
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	keepAlive = append(keepAlive, ln)
	var serverSide []net.Conn
	dialOne := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil
		}
		s, err := ln.Accept()
		if err != nil {
			return nil
		}
		serverSide = append(serverSide, s)
		keepAlive = append(keepAlive, s)
		return c
	}
	netUsed := 0

	calls := make([]*flow.Call, *n)
	for i := range calls {
		x := rng.Float64() * tot
		r := sort.SearchFloat64s(cum, x)
		if r >= len(rs) {
			r = len(rs) - 1
		}
		rt := rs[r]
		c := &flow.Call{Path: rt.path, Kind: rt.kind, ID: i, Key: fmt.Sprintf("key-%d", i%977), Route: r, Ch: rt.ch, Ch2: rt.ch2}
		if rt.kind == flow.NetRead {
			if netUsed < *netMax {
				c.Conn = dialOne()
				netUsed++
			}
			if c.Conn == nil {
				c.Path, c.Kind = rt.alt, flow.ChanRecv
			}
		}
		calls[i] = c
	}

	spawn := func(cs []*flow.Call) {
		groups := make([][]*flow.Call, 3)
		var labeled []*flow.Call
		for _, c := range cs {
			if *labels > 0 && float64(c.ID%1000) < *labels*1000 {
				labeled = append(labeled, c)
				continue
			}
			groups[c.Route%3] = append(groups[c.Route%3], c)
		}
		done := make(chan struct{}, 4)
		go worker.Default.Start(groups[0], done)
		go api.Default.Serve(groups[1], done)
		go rpc.DefaultClient.Listen(groups[2], done)
		wait := 3
		if len(labeled) > 0 {
			wait++
			go func() {
				ctx := pprof.WithLabels(context.Background(), pprof.Labels("tenant", "acme corp", "route", "r"+fmt.Sprint(labeled[0].Route)))
				pprof.SetGoroutineLabels(ctx)
				worker.Default.Start(labeled, done)
			}()
		}
		for i := 0; i < wait; i++ {
			<-done
		}
	}

	if *age > 0 {
		cut := *n * 7 / 10
		spawn(calls[:cut])
		time.Sleep(2 * time.Second)
		// A GC's stack scan records waitsince = work.tstart for the parked
		// goroutines, and work.tstart is set at the end of the *previous*
		// cycle (0 before the first one, which then records nothing), so
		// two cycles are needed: waits count from the end of the first.
		runtime.GC()
		runtime.GC()
		fmt.Fprintf(os.Stderr, "waiting %v so the first batch shows 'N minutes'\n", *age)
		time.Sleep(*age)
		// Move work.tstart to now, so that GCs during or after the second
		// batch date its goroutines from here (< 1 minute: no "N minutes")
		// instead of from the GC above (which made every goroutine of a
		// large run, where GC runs while spawning, show "N minutes").
		runtime.GC()
		spawn(calls[cut:])
	} else {
		spawn(calls)
	}
	time.Sleep(3 * time.Second)
	fmt.Fprintf(os.Stderr, "goroutines: %d, net conns: %d\n", runtime.NumGoroutine(), netUsed)

	switch *mode {
	case "sigquit":
		fmt.Println("READY", os.Getpid())
		select {}
	case "panic":
		panic("bigdump: deliberate panic to print all goroutines (use GOTRACEBACK=all)")
	}
	// About 1.9 KB per goroutine: start big enough that one pass (one long
	// stop-the-world) is enough; each retry formats every goroutine again.
	size := 64 << 20
	for size < *n*2560 {
		size *= 2
	}
	var buf []byte
	for {
		buf = make([]byte, size)
		k := runtime.Stack(buf, true)
		if k < size {
			buf = buf[:k]
			break
		}
		size *= 2
	}
	if err := os.WriteFile(*out, buf, 0o644); err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d bytes\n", *out, len(buf))
	_ = serverSide
	_ = p
}
