// Package gtruth records ground truth about goroutines from inside the
// process that owns them: each role goroutine registers its own id (parsed
// from the first line of runtime.Stack(buf, false)) right before it blocks,
// and the process only dumps once its own runtime.Stack(buf, true) shows
// every role goroutine in an accepted wait state with the expected frame.
//
// The canonical copy lives in testdata/programs/_shared/gtruth; gen.py copies
// it into each program's internal/gtruth before building (the copies are
// identical, every program module is self-contained).
package gtruth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GoID returns the id of the calling goroutine, read from the first line of
// runtime.Stack(buf, false): "goroutine 18 [running]:".
func GoID() int64 {
	var buf [128]byte
	n := runtime.Stack(buf[:], false)
	s := strings.TrimPrefix(string(buf[:n]), "goroutine ")
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		panic("gtruth: cannot parse goroutine header: " + string(buf[:n]))
	}
	id, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		panic("gtruth: cannot parse goroutine id: " + err.Error())
	}
	return id
}

// Addr formats a pointer the way the truth files store it.
func Addr(p interface{}) string { return fmt.Sprintf("%p", p) }

// Role is one goroutine placed by a scenario.
type Role struct {
	ID     int64    `json:"id"`
	Role   string   `json:"role"`
	Kind   string   `json:"kind"`
	Accept []string `json:"accepted_status"`
	// Frame must occur in the goroutine's stack text (function name).
	Frame string `json:"expected_frame,omitempty"`
	// LockedToThread: the header must carry ", locked to thread".
	LockedToThread bool `json:"locked_to_thread,omitempty"`
	// NoStackCheck: the status may vary (busy loops); only presence is checked.
	NoStackCheck bool `json:"-"`

	LockLabel   string                 `json:"lock_label,omitempty"`
	LockKind    string                 `json:"lock_kind,omitempty"`
	LockAddress string                 `json:"lock_address,omitempty"`
	Mode        string                 `json:"mode,omitempty"`
	Holders     []int64                `json:"holders,omitempty"`
	ChanAddress string                 `json:"chan_address,omitempty"`
	Labels      map[string]string      `json:"labels,omitempty"`
	Note        string                 `json:"note,omitempty"`
	Extra       map[string]interface{} `json:"extra,omitempty"`
}

// Registry collects the roles of one process.
type Registry struct {
	mu    sync.Mutex
	roles []*Role
}

// Add registers r. If r.ID is 0 the caller's goroutine id is used.
func (g *Registry) Add(r *Role) *Role {
	if r.ID == 0 {
		r.ID = GoID()
	}
	g.mu.Lock()
	g.roles = append(g.roles, r)
	g.mu.Unlock()
	return r
}

// Roles returns a copy of the registered roles, sorted by id.
func (g *Registry) Roles() []*Role {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := append([]*Role(nil), g.roles...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Remove drops the roles whose ids are given (goroutines that exited).
func (g *Registry) Remove(ids ...int64) {
	drop := map[int64]bool{}
	for _, id := range ids {
		drop[id] = true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	kept := g.roles[:0]
	for _, r := range g.roles {
		if !drop[r.ID] {
			kept = append(kept, r)
		}
	}
	g.roles = kept
}

// Find returns the first role with the given name, waiting up to 10s for it.
func (g *Registry) Find(name string) *Role {
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		for _, r := range g.roles {
			if r.Role == name {
				g.mu.Unlock()
				return r
			}
		}
		g.mu.Unlock()
		if time.Now().After(deadline) {
			panic("gtruth: role never registered: " + name)
		}
		time.Sleep(time.Millisecond)
	}
}

// WaitCount waits until at least n roles are registered.
func (g *Registry) WaitCount(n int) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		g.mu.Lock()
		c := len(g.roles)
		g.mu.Unlock()
		if c >= n {
			return
		}
		if time.Now().After(deadline) {
			panic(fmt.Sprintf("gtruth: only %d of %d roles registered", c, n))
		}
		time.Sleep(time.Millisecond)
	}
}

// IDs returns the ids of the roles with the given name, sorted.
func (g *Registry) IDs(name string) []int64 {
	var ids []int64
	for _, r := range g.Roles() {
		if r.Role == name {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// AllStacks returns runtime.Stack(buf, true), growing buf until it fits.
func AllStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// Goroutine is one parsed goroutine block of a dump.
type Goroutine struct {
	ID     int64
	Header string
	Status string   // wait reason / status, e.g. "chan receive"
	Flags  []string // e.g. "locked to thread", "5 minutes"
	Body   string
}

// Parse splits a runtime.Stack / traceback text into goroutines.
func Parse(dump []byte) map[int64]*Goroutine {
	out := map[int64]*Goroutine{}
	var cur *Goroutine
	var body strings.Builder
	flush := func() {
		if cur != nil {
			cur.Body = body.String()
			out[cur.ID] = cur
		}
		cur = nil
		body.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(dump))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "goroutine ") && strings.Contains(line, "[") {
			flush()
			rest := strings.TrimPrefix(line, "goroutine ")
			sp := strings.IndexByte(rest, ' ')
			if sp < 0 {
				continue
			}
			id, err := strconv.ParseInt(rest[:sp], 10, 64)
			if err != nil {
				continue
			}
			lb := strings.IndexByte(line, '[')
			rb := strings.IndexByte(line[lb:], ']')
			if rb < 0 {
				continue
			}
			parts := strings.Split(line[lb+1:lb+rb], ", ")
			cur = &Goroutine{ID: id, Header: line, Status: parts[0], Flags: parts[1:]}
			continue
		}
		if cur != nil {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	flush()
	return out
}

// Problems lists the roles that the parsed dump does not show as expected.
func Problems(roles []*Role, gs map[int64]*Goroutine) []string {
	var probs []string
	for _, r := range roles {
		gr, ok := gs[r.ID]
		if !ok {
			probs = append(probs, fmt.Sprintf("%s: goroutine %d missing", r.Role, r.ID))
			continue
		}
		if r.NoStackCheck {
			continue
		}
		okStatus := false
		for _, a := range r.Accept {
			if gr.Status == a {
				okStatus = true
			}
		}
		if !okStatus {
			probs = append(probs, fmt.Sprintf("%s: goroutine %d status %q not in %v", r.Role, r.ID, gr.Status, r.Accept))
		}
		if r.Frame != "" && !strings.Contains(gr.Body, r.Frame) {
			probs = append(probs, fmt.Sprintf("%s: goroutine %d lacks frame %q", r.Role, r.ID, r.Frame))
		}
		if r.LockedToThread {
			found := false
			for _, f := range gr.Flags {
				if f == "locked to thread" {
					found = true
				}
			}
			if !found {
				probs = append(probs, fmt.Sprintf("%s: goroutine %d not locked to thread", r.Role, r.ID))
			}
		}
	}
	return probs
}

// ReadyDump polls runtime.Stack(buf, true) until every registered role is in
// its expected state and returns that very dump.
func (g *Registry) ReadyDump(timeout time.Duration) ([]byte, map[int64]*Goroutine) {
	deadline := time.Now().Add(timeout)
	for {
		d := AllStacks()
		gs := Parse(d)
		probs := Problems(g.Roles(), gs)
		if len(probs) == 0 {
			return d, gs
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "gtruth: not ready:", strings.Join(probs, "; "))
			os.Stderr.Write(d)
			os.Exit(3)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitState polls until goroutine id shows one of the accepted statuses.
func WaitState(id int64, frame string, accept ...string) {
	r := &Role{ID: id, Role: "wait", Accept: accept, Frame: frame}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if len(Problems([]*Role{r}, Parse(AllStacks()))) == 0 {
			return
		}
		if time.Now().After(deadline) {
			panic(fmt.Sprintf("gtruth: goroutine %d never reached %v", id, accept))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Headers returns "id" -> header line for the given roles.
func Headers(roles []*Role, gs map[int64]*Goroutine) map[string]string {
	out := map[string]string{}
	for _, r := range roles {
		if gr, ok := gs[r.ID]; ok {
			out[strconv.FormatInt(r.ID, 10)] = gr.Header
		}
	}
	return out
}

// Build describes how the running binary was built.
func Build() map[string]interface{} {
	out := map[string]interface{}{"go_version": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		out["main_module"] = bi.Main.Path
		if bi.GoVersion != "" {
			out["build_go_version"] = bi.GoVersion
		}
		settings := map[string]string{}
		for _, s := range bi.Settings {
			switch s.Key {
			case "-trimpath", "-gcflags", "-ldflags", "CGO_ENABLED", "GOAMD64", "-compiler", "DefaultGODEBUG":
				settings[s.Key] = s.Value
			}
		}
		out["settings"] = settings
	}
	if v := os.Getenv("GODEBUG"); v != "" {
		out["env_GODEBUG"] = v
	}
	if v := os.Getenv("GOTRACEBACK"); v != "" {
		out["env_GOTRACEBACK"] = v
	}
	return out
}

// Truth is the JSON document written beside a dump.
type Truth map[string]interface{}

// NewTruth fills the fields every truth file has.
func NewTruth(scenario, transport, dumpFile, description string) Truth {
	return Truth{
		"go_version":  runtime.Version(),
		"scenario":    scenario,
		"transport":   transport,
		"dump_file":   dumpFile,
		"description": description,
		"build":       Build(),
		"gomaxprocs":  runtime.GOMAXPROCS(0),
	}
}

// RoleMap groups role ids by role name.
func RoleMap(roles []*Role) map[string][]int64 {
	out := map[string][]int64{}
	for _, r := range roles {
		out[r.Role] = append(out[r.Role], r.ID)
	}
	return out
}

// WriteFile writes data and fsyncs it (the process may crash right after).
func WriteFile(path string, data []byte) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if _, err := f.Write(data); err != nil {
		panic(err)
	}
	if err := f.Sync(); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

// WriteJSON writes v as indented JSON (fsynced).
func WriteJSON(path string, v interface{}) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	WriteFile(path, append(b, '\n'))
}

// Ready tells the generator (on stdout) that the process is in position.
func Ready(msg string) {
	fmt.Fprintln(os.Stdout, "READY", msg)
	os.Stdout.Sync()
}

// Itoa formats a goroutine id as a JSON object key.
func Itoa(id int64) string { return strconv.FormatInt(id, 10) }
