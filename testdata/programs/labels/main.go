// labels (Go 1.27+, go.mod "go 1.27" so GODEBUG tracebacklabels defaults to
// 1) starts goroutines under runtime/pprof labels, some with keys and values
// that the traceback must quote, and dumps them with runtime.Stack
// (stack.txt), pprof goroutine debug=1 and debug=2, and (-sigquit) SIGQUIT.
package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"example.com/holdup/labels/api"
	"example.com/holdup/labels/ingest"
	"example.com/holdup/labels/internal/gtruth"
)

var reg gtruth.Registry

func labelsOf(ctx context.Context) map[string]string {
	m := map[string]string{}
	pprof.ForLabels(ctx, func(k, v string) bool { m[k] = v; return true })
	return m
}

// role registers the calling goroutine with the labels its context carries.
func role(r gtruth.Role) func(context.Context) {
	return func(ctx context.Context) {
		rr := r
		rr.Labels = labelsOf(ctx)
		reg.Add(&rr)
	}
}

var chanRecv = []string{"chan receive"}
var selectWait = []string{"select"}

func main() {
	out := flag.String("out", ".", "output directory")
	stackName := flag.String("stack-name", "stack.txt", "runtime.Stack dump file name")
	withPprof := flag.Bool("pprof", true, "also write goroutine-debug1.txt and goroutine-debug2.txt")
	sigquit := flag.Bool("sigquit", false, "then wait for SIGQUIT")
	flag.Parse()

	reg.Add(&gtruth.Role{Role: "main", Kind: "dumper", Frame: "main.main", NoStackCheck: true})
	bg := context.Background()
	ix := &ingest.Indexer{Work: make(chan string)}

	type lv = []string
	simple := []struct {
		name   string
		labels lv
		note   string
	}{
		{"plain", lv{"component", "indexer", "shard", "3"}, "no quoting needed: [a-zA-Z0-9./_] only"},
		{"space_and_braces", lv{"http.route", "GET /items/{id}"}, "value with a space and braces"},
		{"comma", lv{"tags", "a,b,c"}, "value with commas"},
		{"quotes", lv{"query", `name="x"`}, "value with double quotes"},
		{"newline_tab_backslash", lv{"msg", "line1\nline2\tend\\"}, "value with newline, tab and backslash"},
		{"header_lookalike", lv{"note", "x]: y {z: w}, goroutine 1 [running]:"}, "value that mimics header syntax"},
		{"unicode", lv{"user", "jos\u00e9 \U0001F600"}, "non-ASCII value (printed as \\u / \\U escapes)"},
		{"invalid_utf8", lv{"raw", "a\xffb"}, "invalid UTF-8 byte (printed as \\xff)"},
		{"empty_value", lv{"empty", ""}, "empty value (quoted \"\")"},
		{"key_needs_quoting", lv{"trace id", "abc", "span-id", "01"}, "keys with a space and a hyphen"},
		{"many", lv{"a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6", "g", "7", "h", "8"}, "eight labels"},
		{"hyphen_value", lv{"request_id", "req-0001"}, "hyphen forces quoting"},
	}
	for _, s := range simple {
		s := s
		go pprof.Do(bg, pprof.Labels(s.labels...), func(ctx context.Context) {
			ix.Wait(ctx, role(gtruth.Role{Role: "labelled_" + s.name, Kind: "chan receive", Accept: chanRecv,
				Frame: "ingest.(*Indexer).Wait", Note: s.note}))
		})
	}

	// Nested pprof.Do: labels merge, inner value overrides.
	go pprof.Do(bg, pprof.Labels("layer", "outer", "tenant", "t1"), func(ctx context.Context) {
		pprof.Do(ctx, pprof.Labels("layer", "inner", "step", "2"), func(ctx context.Context) {
			ix.Run(ctx, role(gtruth.Role{Role: "nested_do", Kind: "select", Accept: selectWait, Frame: "ingest.(*Indexer).Run",
				Note: "nested pprof.Do: outer {layer:outer, tenant:t1}, inner {layer:inner, step:2}"}))
		})
	})

	// SetGoroutineLabels directly, no pprof.Do frames.
	go func() {
		ctx := pprof.WithLabels(bg, pprof.Labels("via", "SetGoroutineLabels"))
		pprof.SetGoroutineLabels(ctx)
		ix.Run(ctx, role(gtruth.Role{Role: "set_goroutine_labels", Kind: "select", Accept: selectWait, Frame: "ingest.(*Indexer).Run"}))
	}()

	// Parent under labels starts a child that inherits them.
	var inherited map[string]string
	go ix.Reindex(bg, func(ctx context.Context) {
		inherited = labelsOf(ctx)
		role(gtruth.Role{Role: "reindex_parent", Kind: "chan receive", Accept: chanRecv, Frame: "ingest.(*Indexer).Reindex"})(ctx)
	}, func() {
		reg.Add(&gtruth.Role{Role: "reindex_child_inherits", Kind: "sleep", Accept: []string{"sleep"}, Frame: "ingest.(*Indexer).reindexPart",
			Note: "labels inherited from the parent at go statement; same as parent's"})
	})

	// Unlabelled goroutine for contrast.
	go ix.Wait(bg, role(gtruth.Role{Role: "unlabelled", Kind: "chan receive", Accept: chanRecv, Frame: "ingest.(*Indexer).Wait"}))

	// Labelled mutex holder and waiters.
	sess := api.NewSessions()
	mu := gtruth.Addr(sess.MutexAddr())
	go pprof.Do(bg, pprof.Labels("handler", "expire", "request_id", "req-0002"), func(ctx context.Context) {
		sess.Expire(ctx, role(gtruth.Role{Role: "mutex_holder", Kind: "sleep", Accept: []string{"sleep"}, Frame: "api.(*Sessions).Expire",
			LockLabel: "api.Sessions.mu", LockKind: "mutex", LockAddress: mu}))
	})
	holder := reg.Find("mutex_holder").ID
	gtruth.WaitState(holder, "time.Sleep", "sleep")
	for i, u := range []string{"bob", "carol smith"} {
		u := u
		go pprof.Do(bg, pprof.Labels("handler", "lookup", "user", u, "i", string(rune('0'+i))), func(ctx context.Context) {
			sess.Lookup(ctx, "s1", role(gtruth.Role{Role: "mutex_waiter", Kind: "sync.Mutex.Lock", Accept: []string{"sync.Mutex.Lock"},
				Frame: "api.(*Sessions).Lookup", LockLabel: "api.Sessions.mu", LockKind: "mutex", LockAddress: mu, Holders: []int64{holder}}))
		})
	}

	want := 1 + len(simple) + 2 + 2 + 1 + 1 + 2
	reg.WaitCount(want)
	for _, r := range reg.Roles() {
		if r.Role == "reindex_child_inherits" {
			r.Labels = inherited
		}
	}
	dump, gs := reg.ReadyDump(30 * time.Second)
	roles := reg.Roles()
	labelsByID := map[string]map[string]string{}
	labelsQuoted := map[string]map[string]string{}
	for _, r := range roles {
		if len(r.Labels) > 0 {
			labelsByID[gtruth.Itoa(r.ID)] = r.Labels
			q := map[string]string{}
			for k, v := range r.Labels {
				q[strconv.Quote(k)] = strconv.Quote(v)
			}
			labelsQuoted[gtruth.Itoa(r.ID)] = q
		}
	}
	desc := "Goroutines under runtime/pprof labels (pprof.Do, nested Do, SetGoroutineLabels, inherited by a child), " +
		"with keys/values that need quoting; a labelled mutex holder and two labelled waiters."
	common := func(t gtruth.Truth) {
		t["roles"] = roles
		t["role_ids"] = gtruth.RoleMap(roles)
		t["labels_by_id"] = labelsByID
		t["labels_by_id_go_quoted"] = labelsQuoted
		t["labels_note"] = "labels_by_id is plain JSON (invalid UTF-8 such as the \\xff byte becomes U+FFFD); labels_by_id_go_quoted is lossless: strconv.Quote(key) -> strconv.Quote(value)"
		t["locks"] = []map[string]interface{}{{"label": "api.Sessions.mu", "kind": "mutex", "address": mu,
			"holders": []int64{holder}, "waiters": reg.IDs("mutex_waiter")}}
		t["godebug_tracebacklabels"] = godebugTracebackLabels()
	}
	gtruth.WriteFile(filepath.Join(*out, *stackName), dump)
	t := gtruth.NewTruth("labels", "runtime.Stack", *stackName, desc)
	common(t)
	t["observed_role_headers"] = gtruth.Headers(roles, gs)
	gtruth.WriteJSON(filepath.Join(*out, *stackName+".truth.json"), t)

	if *withPprof {
		for _, dbg := range []int{1, 2} {
			name := "goroutine-debug" + string(rune('0'+dbg)) + ".txt"
			var sb strings.Builder
			if err := pprof.Lookup("goroutine").WriteTo(&sb, dbg); err != nil {
				panic(err)
			}
			gtruth.WriteFile(filepath.Join(*out, name), []byte(sb.String()))
			t := gtruth.NewTruth("labels", "pprof-goroutine-debug"+string(rune('0'+dbg)), name, desc)
			common(t)
			if dbg == 2 {
				t["observed_role_headers"] = gtruth.Headers(roles, gtruth.Parse([]byte(sb.String())))
			} else {
				t["note"] = "debug=1 aggregates goroutines by stack: no goroutine ids; labels appear as '# labels: {...}' lines"
			}
			gtruth.WriteJSON(filepath.Join(*out, name+".truth.json"), t)
		}
	}
	if !*sigquit {
		return
	}
	for _, r := range roles {
		if r.Role == "main" {
			r.Kind, r.Accept, r.Frame = "chan receive", chanRecv, "main.awaitSignal"
		}
	}
	t = gtruth.NewTruth("labels", "sigquit", "sigquit-stderr.txt", desc+" Same process, then kill -QUIT with GOTRACEBACK=all.")
	common(t)
	t["observed_role_headers"] = nil
	gtruth.WriteJSON(filepath.Join(*out, "sigquit-stderr.txt.truth.json"), t)
	gtruth.Ready("labels")
	awaitSignal()
}

//go:noinline
func awaitSignal() { <-make(chan struct{}) }

func godebugTracebackLabels() string {
	v := "default (1 with go.mod go 1.27)"
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if strings.HasPrefix(kv, "tracebacklabels=") {
			v = strings.TrimPrefix(kv, "tracebacklabels=") + " (GODEBUG env)"
		}
	}
	_ = runtime.Version
	return v
}
