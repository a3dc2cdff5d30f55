//! Goroutines stuck doing work, and the other side of each wait that is not a lock.
//!
//! A lock wait names what it waits for; most hangs do not. A request parked in a channel
//! receive, a `WaitGroup.Wait`, an `fsync` that does not return: the dump shows the
//! goroutine and how long it has waited, and holdup must tell stuck work from idle loops,
//! which look the same (a daemon's event loop sits in `select` for days by design).
//!
//! No single signal decides. Goroutines that wait alike (same wait kind, same innermost
//! application frame) form a group, and each group is weighed on:
//!
//! | signal | why |
//! |---|---|
//! | the work it is in ([`crate::doing`]): disk work, a call to a remote server | work is meant to end; an idle loop waits for input |
//! | the wait kind: `WaitGroup`, `Cond`, channel send, nil channel | waiting for another goroutine that should have answered |
//! | how long: Go's `N minutes` | a request that waits minutes is late |
//! | serves a request: its stack runs application code under an HTTP or gRPC server | a request has someone waiting on the other end |
//! | where it waits: below the request's own handler, not in the handler's loop | a streaming handler (`docker events`, a watch) waits in its own body by design |
//! | how many wait alike | requests piling up at one place |
//! | something waits on it: the other side of another goroutine's wait | it blocks others |
//!
//! A group is a finding when the signals together say stuck (see [`gate`]); work that does
//! not reach it (a blocking system call, a request in flight) is kept as a note, so that a
//! dump with no finding still says what its busiest goroutines are doing. Background loops
//! waiting for input are neither.
//!
//! The other side of a wait (an [`Edge`]), for a `WaitGroup`, `Cond`, channel or `select`
//! waiter, the first rule that finds anyone:
//!
//! | link | who | confidence |
//! |---|---|---|
//! | [`Link::Started`] | goroutines it started (`created by … in goroutine N`, Go 1.21+) | high for `WaitGroup`/`Cond`, medium for a send, low for a receive or `select` (event loops start handlers), none for one that started more than a few |
//! | [`Link::StartedHere`] | goroutines started by the function it waits in (`created by F`, any Go) | medium if one (low for a receive or `select`), else low |
//! | [`Link::SameObject`] | goroutines running a method of the object it waits on (its receiver, printed reliably), in one of their first frames, not waiting for a lock | medium if one, low if a few, none for a crowd |
//! | [`Link::SameType`] | for a `WaitGroup` only, when no object is printed: goroutines running a method of the type the waiter waits in, not waiting themselves in a `WaitGroup`, `Cond` or lock | medium if one, low if a few |
//! | [`Link::SameChannel`] | for a channel whose address is printed (Go ≤ 1.16: `runtime.chanrecv1(0xc…)`), the goroutines using that channel | medium |
//!
//! A waiter whose other side waits in turn continues a chain ([`StuckWork::chain`]): the
//! PLEG blocks sending to the sync loop, which blocks sending to a pod worker, which waits for
//! a reply that does not come. Findings on one chain are one finding, named by the deepest
//! goroutine, with the others counted behind it. Only edges of medium confidence or better
//! count as someone waiting on a goroutine. Everything here is linear in the dump: one pass
//! to group, one to find the other sides, then work per group.

use hashbrown::{HashMap, HashSet};

use crate::doing::{self, Doing, Work};
use crate::graph::Entries;
use crate::infer::Confidence;
use crate::model::{Dump, FuncId, SiteId};
use crate::waits::{Wait, WaitKind};

/// How many requests waiting alike, below their handler, make a pile-up.
pub const PILE: usize = 5;
/// Minutes after which a wait is long in itself.
pub const LONG_MINUTES: u32 = 10;
/// Notes shown at most.
pub const MAX_NOTES: usize = 5;

/// Why goroutines are thought stuck: one item per signal that fired, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "signal", content = "value", rename_all = "kebab-case")]
pub enum Signal {
    /// It is doing work that should end ([`Doing`] says what).
    Work(Work),
    /// It waits for another goroutine (`WaitGroup`, `Cond`, channel send, nil channel).
    WaitsForGoroutine(#[serde(serialize_with = "kind_name")] WaitKind),
    /// It has waited this many minutes (the longest of the group).
    Minutes(u32),
    /// It serves a request (application code under an HTTP or gRPC server).
    ServesRequest,
    /// It waits below its request's handler, in code the handler called.
    BelowHandler,
    /// This many goroutines wait alike.
    PileUp(usize),
    /// This many goroutines wait on it (it is the other side of their wait).
    WaitedOn(usize),
    /// It sends on a channel whose address no other goroutine passes.
    NoReceiver,
}

fn kind_name<S: serde::Serializer>(k: &WaitKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

fn hex<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:#x}"))
}

/// How a waiter is linked to a goroutine on the other side of its wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "link", content = "value", rename_all = "kebab-case")]
pub enum Link {
    /// The waiter started it (`created by … in goroutine N`).
    Started,
    /// It was started by the function the waiter waits in (`created by F`): the code that
    /// waits made it (from this goroutine or an earlier call, the dump cannot tell).
    StartedHere,
    /// It runs a method of the waiter's object (`value`).
    SameObject(#[serde(serialize_with = "hex")] u64),
    /// It operates on the same channel (`value`).
    SameChannel(#[serde(serialize_with = "hex")] u64),
    /// It runs a method of the type whose method waits in `WaitGroup.Wait` (neither printed
    /// the object): the workers that owe `Done` run the batch's code.
    SameType,
}

/// One edge of the wait-for graph beyond locks: `from` waits (a `WaitGroup`, `Cond` or
/// channel) and `to` is on the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The waiting goroutine.
    pub from: usize,
    /// The goroutine it waits on.
    pub to: usize,
    /// What `from` waits in.
    pub kind: WaitKind,
    /// How they are linked.
    pub link: Link,
    /// How sure the link is.
    pub confidence: Confidence,
}

/// A group of goroutines waiting alike: a finding or a note.
#[derive(Debug, Clone)]
pub struct Stuck {
    /// The goroutines, the longest-waiting first.
    pub goroutines: Vec<usize>,
    /// Their wait kind.
    pub kind: WaitKind,
    /// The innermost application frame's function: where they wait.
    pub place: Option<FuncId>,
    /// The longest wait among them, in minutes.
    pub longest: Option<u32>,
    /// What the first one is doing.
    pub doing: Option<Doing>,
    /// Whether they serve a request.
    pub serves_request: bool,
    /// The signals that fired.
    pub signals: Vec<Signal>,
    /// How sure it is stuck rather than idle.
    pub confidence: Confidence,
    /// How bad: for ordering (longer, more, serving requests, blocking others).
    pub severity: f64,
    /// The chain past the first goroutine: who it waits on, who that one waits on, …; the
    /// last is the goroutine the hang comes down to (empty: the first one is).
    pub beyond: Vec<usize>,
    /// Goroutines of other groups whose chains lead here, and that are not reported apart.
    pub behind: Vec<usize>,
}

impl Stuck {
    /// The goroutine the finding comes down to: the end of its chain.
    pub fn root(&self) -> usize {
        self.beyond.last().copied().unwrap_or(self.goroutines[0])
    }
}

/// What [`find`] concludes.
#[derive(Debug, Default)]
pub struct StuckWork {
    /// Groups that look stuck, surest and worst first.
    pub findings: Vec<Stuck>,
    /// Blocking work that is not clearly stuck, worst first (at most [`MAX_NOTES`]).
    pub notes: Vec<Stuck>,
    /// The other side of `WaitGroup`, `Cond` and channel waits, by waiting goroutine.
    pub edges: Vec<Edge>,
}

impl StuckWork {
    /// The edges out of goroutine `g`.
    pub fn waits_on(&self, g: usize) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.from == g)
    }

    /// The chain past `g` (see [`chain`]).
    pub fn chain(&self, g: usize) -> Vec<usize> {
        chain(&self.edges, g)
    }
}

/// How long a chain is followed at most.
const MAX_CHAIN: usize = 32;

/// The best edge out of `g`: the surest, then the first found.
fn best_edge(edges: &[Edge], g: usize) -> Option<&Edge> {
    edges.iter().filter(|e| e.from == g).fold(None, |best: Option<&Edge>, e| match best {
        Some(b) if b.confidence >= e.confidence => Some(b),
        _ => Some(e),
    })
}

/// The chain past `g`: the goroutine its wait is on (the best edge, of medium confidence or
/// better), the one that one waits on, and so on, until a goroutine that waits on none, a
/// loop, or [`MAX_CHAIN`] steps.
pub fn chain(edges: &[Edge], g: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = g;
    while out.len() < MAX_CHAIN {
        let Some(e) = best_edge(edges, at).filter(|e| e.confidence >= Confidence::Medium) else { break };
        if e.to == g || out.contains(&e.to) {
            break;
        }
        out.push(e.to);
        at = e.to;
    }
    out
}

/// Per function: what the stuck-work pass needs to know, from its name once.
#[derive(Clone, Copy, Default)]
struct FuncTraits {
    /// Application code (not the runtime, `sync` or the standard library).
    app: bool,
    /// A server's request dispatch: `net/http.(*conn).serve`, gRPC's `processUnaryRPC`, …
    server: bool,
    /// A channel operation of the runtime whose first word is the channel.
    chan_op: bool,
}

fn traits(d: &Dump) -> Vec<FuncTraits> {
    d.funcs
        .iter()
        .map(|f| {
            let full = f.full.as_str();
            FuncTraits {
                app: !f.is_stdlib() && !f.is_sync_or_runtime(),
                server: matches!(
                    full,
                    "net/http.(*conn).serve"
                        | "net/http.serverHandler.ServeHTTP"
                        | "google.golang.org/grpc.(*Server).processUnaryRPC"
                        | "google.golang.org/grpc.(*Server).processStreamingRPC"
                        | "google.golang.org/grpc.(*Server).handleStream"
                ) || full.ends_with("/grpc.(*Server).processUnaryRPC")
                    || full.ends_with("/grpc.(*Server).processStreamingRPC"),
                chan_op: matches!(
                    full,
                    "runtime.chansend1"
                        | "runtime.chansend"
                        | "runtime.chanrecv1"
                        | "runtime.chanrecv2"
                        | "runtime.chanrecv"
                        | "runtime.closechan"
                ),
            }
        })
        .collect()
}

/// Whether a wait kind can be the stuck part of work (running goroutines are not waiting,
/// lock waits are the lock findings' business, an empty `select {}` is a parked `main`).
fn considered(kind: WaitKind) -> bool {
    !matches!(kind, WaitKind::Running | WaitKind::Runnable | WaitKind::Other | WaitKind::SelectNoCases)
        && !kind.is_lock()
}

/// Finds stuck work among the goroutines not already part of a lock finding (`skip`).
pub fn find(d: &Dump, waits: &[Wait], entries: &Entries, skip: &[bool]) -> StuckWork {
    let tr = traits(d);
    let n = d.goroutines.len();
    // One pass: each goroutine's group key, the place it waits (innermost application
    // frame's call site, or innermost frame's).
    // Stacks without application code (the runtime's threads, a keep-alive connection,
    // the signal loop) are the machinery's own waits, never stuck work.
    // The site and the minutes are taken here too, while the goroutine and its frames are in
    // cache: read later in goroutine order from the groups, each was a cache miss, and
    // together they were most of this pass on a 100k-goroutine dump.
    let placed: Vec<(u32, SiteId, Option<u32>)> = crate::par::map_indices(n, n, |g| {
        let gr = &d.goroutines[g];
        match gr.frames.clone().find(|&i| tr[d.site_at(i).func.0 as usize].app) {
            Some(at) => (at, d.frames[at as usize].site, gr.wait_minutes),
            None => (u32::MAX, SiteId(0), gr.wait_minutes),
        }
    });
    let top: Vec<u32> = placed.iter().map(|p| p.0).collect();
    let minutes = |g: usize| placed[g].2;
    let mut groups: HashMap<(WaitKind, SiteId), Vec<usize>> = HashMap::new();
    for (g, &(at, site, _)) in placed.iter().enumerate() {
        let kind = waits[g].kind;
        if at != u32::MAX && !skip[g] && considered(kind) {
            groups.entry((kind, site)).or_default().push(g);
        }
    }
    // The runtime's own goroutines rarely run application code (a finalizer does); alike
    // goroutines share their entry, so one of each group is asked.
    let mut groups: Vec<((WaitKind, SiteId), Vec<usize>)> =
        groups.into_iter().filter(|(_, gs)| !crate::waits::is_system(d, &d.goroutines[gs[0]])).collect();
    groups.sort_by_key(|(_, gs)| gs[0]);
    for (_, gs) in &mut groups {
        gs.sort_by_key(|&g| (std::cmp::Reverse(minutes(g)), g));
    }

    // The other side is looked for from one goroutine per group (alike goroutines wait on
    // alike things) and from the lock holders, whose waits continue their chains.
    let mut sources: Vec<usize> = groups.iter().map(|(_, gs)| gs[0]).collect();
    sources.extend((0..n).filter(|&g| skip[g] && !waits[g].kind.is_lock()));
    let edges = other_sides(d, waits, &tr, &top, &sources);
    // A low-confidence edge (one of a crowd at work on the same object) says nobody waits.
    let mut waited_on: HashMap<usize, usize> = HashMap::new();
    for e in edges.iter().filter(|e| e.confidence >= Confidence::Medium) {
        *waited_on.entry(e.to).or_default() += 1;
    }
    let matcher = doing::Matcher::new(d);
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    // Groups neither stuck nor worth a note: their chains may still lead into a finding.
    let mut quiet: Vec<Vec<usize>> = Vec::new();
    for ((kind, site), gs) in groups {
        let first = gs[0];
        let gr = &d.goroutines[first];
        let doing = matcher.of(d, gr);
        let request = serves_request(d, &tr, first);
        let place = Some(d.site(site).func);
        let below_handler = request && entries.func_of(d, first) != place;
        let longest = gs.iter().filter_map(|&g| minutes(g)).max();
        let on: usize = gs.iter().map(|g| waited_on.get(g).copied().unwrap_or(0)).sum();
        let no_receiver = kind == WaitKind::ChanSend && lonely_channel(d, &tr, first, &edges);
        let facts = Facts {
            kind,
            work: doing.map(|x| x.work),
            minutes: longest.unwrap_or(0),
            count: gs.len(),
            request,
            below_handler,
            waited_on: on,
            no_receiver,
        };
        let verdict = gate(&facts);
        if verdict == Verdict::Idle {
            quiet.push(gs);
            continue;
        }
        let (signals, confidence, severity) = weigh(&facts);
        let s = Stuck {
            goroutines: gs,
            kind,
            place,
            longest,
            doing,
            serves_request: request,
            signals,
            confidence,
            severity,
            beyond: Vec::new(),
            behind: Vec::new(),
        };
        match verdict {
            Verdict::Stuck => findings.push(s),
            _ => notes.push(s),
        }
    }
    fold_chains(&edges, &mut findings, &mut notes, quiet);
    let order = |a: &Stuck, b: &Stuck| {
        b.confidence
            .cmp(&a.confidence)
            .then(b.severity.total_cmp(&a.severity))
            .then(a.goroutines[0].cmp(&b.goroutines[0]))
    };
    findings.sort_by(order);
    notes.sort_by(|a, b| b.severity.total_cmp(&a.severity).then(a.goroutines[0].cmp(&b.goroutines[0])));
    notes.truncate(MAX_NOTES);
    StuckWork { findings, notes, edges }
}

/// Puts the findings on one chain together. Each finding's chain is followed from its first
/// goroutine; a finding (or note, or quiet group) whose chain reaches a goroutine of another
/// finding is counted behind that finding instead of being reported apart, so the report
/// names the deepest goroutine and says how many wait behind it.
fn fold_chains(edges: &[Edge], findings: &mut Vec<Stuck>, notes: &mut Vec<Stuck>, quiet: Vec<Vec<usize>>) {
    if edges.is_empty() || findings.is_empty() {
        return;
    }
    let mut owner: HashMap<usize, usize> = HashMap::new();
    for (i, f) in findings.iter_mut().enumerate() {
        f.beyond = chain(edges, f.goroutines[0]);
        for &g in &f.goroutines {
            owner.insert(g, i);
        }
    }
    // Where each finding folds to: the first other finding on its chain.
    let into: Vec<Option<usize>> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| f.beyond.iter().find_map(|g| owner.get(g).copied().filter(|&j| j != i)))
        .collect();
    // The end of the folding (a loop of findings waiting on each other stays where it is).
    let target = |mut i: usize| {
        for _ in 0..findings.len() {
            match into[i] {
                Some(j) => i = j,
                None => return Some(i),
            }
        }
        None
    };
    let targets: Vec<Option<usize>> = (0..findings.len()).map(target).collect();
    let mut moved: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(t) = targets[i].filter(|&t| t != i) {
            moved.push((t, f.goroutines.iter().chain(&f.behind).copied().collect()));
        }
    }
    let joins = |gs: &[usize]| {
        let end = chain(edges, gs[0]);
        end.iter().find_map(|g| owner.get(g).copied()).and_then(|j| targets[j])
    };
    notes.retain(|n| match joins(&n.goroutines) {
        Some(t) => {
            moved.push((t, n.goroutines.clone()));
            false
        }
        None => true,
    });
    for gs in quiet {
        if let Some(t) = joins(&gs) {
            moved.push((t, gs));
        }
    }
    for (t, gs) in moved {
        findings[t].behind.extend(gs);
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        targets[i - 1].is_none_or(|t| t == i - 1)
    });
    for f in findings.iter_mut() {
        f.behind.sort_unstable();
        f.behind.dedup();
        f.severity += 3.0 * (f.behind.len() as f64).ln_1p();
    }
}

/// Whether goroutine `g` serves a request: a server's dispatch frame with application code
/// inside it (a keep-alive connection waiting for its next request has none).
fn serves_request(d: &Dump, tr: &[FuncTraits], g: usize) -> bool {
    let mut app_inside = false;
    for i in d.goroutines[g].frames.clone() {
        let t = tr[d.site_at(i).func.0 as usize];
        if t.server {
            return app_inside;
        }
        app_inside |= t.app;
    }
    false
}

/// The channel a goroutine is blocked on, when its runtime frame printed it reliably.
fn channel_of(d: &Dump, tr: &[FuncTraits], g: usize) -> Option<u64> {
    d.goroutines[g]
        .frames
        .clone()
        .take_while(|&i| !tr[d.site_at(i).func.0 as usize].app)
        .find(|&i| tr[d.site_at(i).func.0 as usize].chan_op)
        .and_then(|i| d.frame(i).first_word())
        .filter(|w| !w.unreliable && w.value != 0)
        .map(|w| w.value)
}

/// A sender whose channel is printed and that no edge links to anyone: nobody else has it.
fn lonely_channel(d: &Dump, tr: &[FuncTraits], g: usize, edges: &[Edge]) -> bool {
    channel_of(d, tr, g).is_some() && !edges.iter().any(|e| e.from == g)
}

/// At most this many edges are kept per waiter: a pool's `WaitGroup` can have a thousand
/// workers, and beyond a few the list says no more than its length.
const MAX_EDGES: usize = 16;

/// At most this many goroutines at work on a waiter's object are its candidates.
const MAX_SAME_OBJECT: usize = 4;

/// How many application frames of a goroutine are read for the object it is at work on: the
/// sync loop that holds the kubelet passes it two frames below where it blocks.
const OBJECT_FRAMES: usize = 6;

/// Whether a wait is on another goroutine through a channel, `WaitGroup` or `Cond`.
fn waits_for_goroutine(kind: WaitKind) -> bool {
    matches!(kind, WaitKind::WaitGroup | WaitKind::Cond | WaitKind::ChanSend | WaitKind::ChanReceive | WaitKind::Select)
}

/// The other side of the waits of `sources` (one goroutine per group, and the lock holders
/// that wait in turn), by the rules of the module's table, the first that finds anyone.
/// `top` is each goroutine's innermost application frame (`u32::MAX`: none). One pass over
/// the goroutines reads their header, `created by` and at most [`OBJECT_FRAMES`] first words,
/// so it stays linear.
fn other_sides(d: &Dump, waits: &[Wait], tr: &[FuncTraits], top: &[u32], sources: &[usize]) -> Vec<Edge> {
    let mut edges = Vec::new();
    let waiters: Vec<usize> = sources.iter().copied().filter(|&g| waits_for_goroutine(waits[g].kind)).collect();
    if waiters.is_empty() {
        return edges;
    }
    let chan_waiters: Vec<(usize, u64)> = waiters
        .iter()
        .copied()
        .filter(|&g| matches!(waits[g].kind, WaitKind::ChanSend | WaitKind::ChanReceive))
        .filter_map(|g| channel_of(d, tr, g).map(|c| (g, c)))
        .collect();
    let want_parents: HashSet<u64> = waiters.iter().filter_map(|&g| d.goroutines[g].id).collect();
    // The function each waiter waits in: its innermost application frame.
    let site_of = |g: usize| (top[g] != u32::MAX).then(|| d.site_at(top[g]).func);
    let want_sites: HashSet<FuncId> = waiters.iter().filter_map(|&g| site_of(g)).collect();
    // The objects the waiters work on: their first application frame's receiver, printed
    // reliably.
    let objects: HashMap<usize, u64> = waiters.iter().filter_map(|&g| waits[g].owner.map(|o| (g, o))).collect();
    let want_values: HashSet<u64> = objects.values().copied().chain(chan_waiters.iter().map(|&(_, c)| c)).collect();
    let chans: HashSet<u64> = chan_waiters.iter().map(|&(_, c)| c).collect();
    // The receiver types of the `WaitGroup` waiters' wait sites, numbered, and per function
    // the number of its type when it is one of them (worked out once per function).
    let mut wanted_types: Vec<(&str, &str)> = Vec::new();
    for &w in &waiters {
        if waits[w].kind == WaitKind::WaitGroup
            && let Some(f) = site_of(w).map(|f| d.func(f))
            && let Some(t) = f.receiver_type()
            && !wanted_types.contains(&(f.package(), t))
        {
            wanted_types.push((f.package(), t));
        }
    }
    // The types of the waiters' objects: only a method of the object's type takes it as its
    // receiver, so only such frames are read for their first word.
    let mut object_types: Vec<(&str, &str)> = Vec::new();
    for &w in objects.keys() {
        if let Some(f) = site_of(w).map(|f| d.func(f))
            && let Some(t) = f.receiver_type()
            && !object_types.contains(&(f.package(), t))
        {
            object_types.push((f.package(), t));
        }
    }
    // Per function: the number of its type among `wanted_types` (`u32::MAX`: none), and
    // whether its type is one of the objects' (worked out once per function).
    let (mut type_of, mut object_func) = (vec![u32::MAX; d.funcs.len()], vec![false; d.funcs.len()]);
    let mut any_typed = false;
    if !wanted_types.is_empty() || !object_types.is_empty() {
        for (i, f) in d.funcs.iter().enumerate() {
            let Some(t) = f.receiver_type() else { continue };
            let key = (f.package(), t);
            if let Some(k) = wanted_types.iter().position(|&w| w == key) {
                type_of[i] = k as u32;
                any_typed = true;
            }
            if object_types.contains(&key) {
                object_func[i] = true;
                any_typed = true;
            }
        }
    }
    let mut typed: Vec<Vec<usize>> = vec![Vec::new(); wanted_types.len()];
    let mut children: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut made_by: HashMap<FuncId, Vec<usize>> = HashMap::new();
    let mut passing: HashMap<u64, Vec<usize>> = HashMap::new();
    for (g, gr) in d.goroutines.iter().enumerate() {
        // A goroutine without application code is the library's helper (net/http's
        // background reader of a request's connection): it is on nobody's other side.
        if top[g] == u32::MAX {
            continue;
        }
        if let Some(c) = gr.created_by.as_ref() {
            if let Some(p) = c.parent.filter(|p| want_parents.contains(p)) {
                children.entry(p).or_default().push(g);
            }
            let f = d.site(c.site).func;
            if want_sites.contains(&f) {
                made_by.entry(f).or_default().push(g);
            }
        }
        if !any_typed {
            continue;
        }
        // The receivers of its first application frames: the objects it is at work on, and
        // their types.
        let mut seen = 0;
        for at in gr.frames.clone().skip_while(|&i| i != top[g]) {
            if seen == OBJECT_FRAMES {
                break;
            }
            let fid = d.site_at(at).func;
            if !tr[fid.0 as usize].app {
                continue;
            }
            seen += 1;
            let t = type_of[fid.0 as usize];
            if t != u32::MAX {
                let list = &mut typed[t as usize];
                if list.last() != Some(&g) {
                    list.push(g);
                }
            }
            if object_func[fid.0 as usize]
                && d.frames[at as usize].may_print_reliable_word()
                && let Some(w) = d.frame(at).first_word().filter(|w| !w.unreliable && want_values.contains(&w.value))
            {
                let list = passing.entry(w.value).or_default();
                if list.last() != Some(&g) {
                    list.push(g);
                }
            }
        }
        // The channel it is blocked on, if it is one of the waiters'.
        if !chans.is_empty()
            && matches!(waits[g].kind, WaitKind::ChanSend | WaitKind::ChanReceive | WaitKind::Select)
            && let Some(c) = channel_of(d, tr, g).filter(|c| chans.contains(c))
            && passing.get(&c).is_none_or(|v| v.last() != Some(&g))
        {
            passing.entry(c).or_default().push(g);
        }
    }
    // Goroutines waiting alike (same kind, same place) are beside the waiter, not across.
    let alike = |w: usize, g: usize| g == w || (waits[g].kind == waits[w].kind && site_of(g) == site_of(w));
    for &w in &waiters {
        let kind = waits[w].kind;
        let before = edges.len();
        if let Some(id) = d.goroutines[w].id {
            // A `WaitGroup` or `Cond` waiter waits for the goroutines it started, nearly
            // always; a sender, often (it made the worker it hands work to); a receiver may
            // be a loop that starts handlers and reads on (an event loop).
            let confidence = match kind {
                WaitKind::WaitGroup | WaitKind::Cond => Confidence::High,
                WaitKind::ChanSend => Confidence::Medium,
                _ => Confidence::Low,
            };
            let started = children.get(&id).map_or(&[][..], |v| &v[..]);
            // A receiver that started more than a few live goroutines is a loop handing out
            // work, not waiting for any of them.
            if confidence != Confidence::Low || started.len() <= MAX_SAME_OBJECT {
                for &c in started.iter().take(MAX_EDGES) {
                    edges.push(Edge { from: w, to: c, kind, link: Link::Started, confidence });
                }
            }
        }
        if edges.len() == before
            && let Some(f) = site_of(w)
        {
            let made: Vec<usize> = made_by.get(&f).into_iter().flatten().copied().filter(|&g| !alike(w, g)).collect();
            let receives = matches!(kind, WaitKind::ChanReceive | WaitKind::Select);
            let confidence = if made.len() == 1 && !receives { Confidence::Medium } else { Confidence::Low };
            let made = if receives && made.len() > MAX_SAME_OBJECT { Vec::new() } else { made };
            for g in made.into_iter().take(MAX_EDGES) {
                edges.push(Edge { from: w, to: g, kind, link: Link::StartedHere, confidence });
            }
        }
        if edges.len() == before
            && let Some(&o) = objects.get(&w)
        {
            // A goroutine waiting for a lock is not acting on the object: the lock finding
            // covers it.
            let same: Vec<usize> = passing
                .get(&o)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&g| !alike(w, g) && waits[g].kind != kind && !waits[g].kind.is_lock())
                .collect();
            // One goroutine at work on the object is a lead; a few are candidates; a crowd
            // of them is none.
            let confidence = if same.len() == 1 { Confidence::Medium } else { Confidence::Low };
            if same.len() <= MAX_SAME_OBJECT {
                for g in same {
                    edges.push(Edge { from: w, to: g, kind, link: Link::SameObject(o), confidence });
                }
            }
        }
    }
    // Last, for a `WaitGroup` whose waiter and workers print no object: the workers run the
    // code of the type that waits (`(*Batch).Wait` and `(*Batch).work`).
    for &w in &waiters {
        if waits[w].kind != WaitKind::WaitGroup || edges.iter().any(|e| e.from == w) {
            continue;
        }
        let Some(t) = site_of(w).and_then(|f| type_of.get(f.0 as usize)).filter(|&&t| t != u32::MAX) else {
            continue;
        };
        let busy = |g: usize| matches!(waits[g].kind, WaitKind::WaitGroup | WaitKind::Cond) || waits[g].kind.is_lock();
        let same: Vec<usize> = typed[*t as usize].iter().copied().filter(|&g| !alike(w, g) && !busy(g)).collect();
        let confidence = if same.len() == 1 { Confidence::Medium } else { Confidence::Low };
        if same.len() <= MAX_SAME_OBJECT {
            for g in same {
                edges.push(Edge { from: w, to: g, kind: WaitKind::WaitGroup, link: Link::SameType, confidence });
            }
        }
    }
    for &(w, c) in &chan_waiters {
        let kind = waits[w].kind;
        // Another sender on the same channel waits beside it; a receiver would have taken
        // the value: only goroutines in other states are the other side.
        let other: Vec<usize> = passing
            .get(&c)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&g| g != w && waits[g].kind != kind && !edges.iter().any(|e| e.from == w && e.to == g))
            .collect();
        for g in other.into_iter().take(MAX_EDGES) {
            edges.push(Edge { from: w, to: g, kind, link: Link::SameChannel(c), confidence: Confidence::Medium });
        }
    }
    edges
}

/// What the gate weighs, per group.
#[derive(Debug, Clone, Copy)]
struct Facts {
    kind: WaitKind,
    work: Option<Work>,
    minutes: u32,
    count: usize,
    request: bool,
    below_handler: bool,
    waited_on: usize,
    no_receiver: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Stuck,
    Note,
    Idle,
}

/// Stuck, worth a note, or idle. The rules, by what the group waits in:
/// - sleeping in a retry loop: stuck after a minute when it serves a request;
/// - disk work (deleting, syncing, walking, mounting, opening a FIFO): stuck once it has
///   waited a minute, or when others wait on it; a note before that;
/// - a call to a remote server: stuck after a minute when it serves a request, piles up or
///   blocks others; a note while a request waits;
/// - `WaitGroup`, `Cond`, a semaphore, a nil channel: stuck after a minute when it serves a
///   request or blocks others (a background worker pool waits like this by design);
/// - a channel send: stuck after a minute with no receiver in sight, when serving a request
///   or blocking others, or after [`LONG_MINUTES`];
/// - a channel receive, `select`, network I/O, sleep: stuck only for requests, after a
///   minute, that pile up below their handler or block others — streaming requests wait in
///   their handler's own loop; background loops are idle, and neither is a note.
fn gate(f: &Facts) -> Verdict {
    let late = f.minutes >= 1;
    let blocks = f.waited_on > 0;
    let note_if = |b: bool| if b { Verdict::Note } else { Verdict::Idle };
    match f.work {
        Some(Work::Retry) if f.request => return if late { Verdict::Stuck } else { Verdict::Note },
        Some(Work::Disk) => return if late || blocks { Verdict::Stuck } else { Verdict::Note },
        Some(Work::Remote) => {
            return if late && (f.request || blocks || f.count >= PILE) { Verdict::Stuck } else { note_if(f.request) };
        }
        _ => {}
    }
    match f.kind {
        WaitKind::WaitGroup | WaitKind::Cond | WaitKind::Semacquire => {
            if late && (f.request || blocks) {
                Verdict::Stuck
            } else {
                note_if(f.request)
            }
        }
        WaitKind::ChanSendNil | WaitKind::ChanReceiveNil => {
            if late {
                Verdict::Stuck
            } else {
                note_if(f.request)
            }
        }
        WaitKind::ChanSend => {
            if late && (f.no_receiver || f.request || blocks || f.minutes >= LONG_MINUTES) {
                Verdict::Stuck
            } else {
                note_if(f.request)
            }
        }
        WaitKind::Syscall if f.work.is_none() => {
            if late && (f.request || blocks) {
                Verdict::Stuck
            } else {
                note_if(f.request || (late && f.work.is_none()))
            }
        }
        // Waiting for input: only requests that pile up below their handler, or that others
        // wait on, are stuck; anything else here is how idle loops and streams wait.
        _ => {
            if late && f.request && (blocks || (f.count >= PILE && f.below_handler)) {
                Verdict::Stuck
            } else {
                Verdict::Idle
            }
        }
    }
}

/// The signals that fired, how sure (how many agree), and how bad.
fn weigh(f: &Facts) -> (Vec<Signal>, Confidence, f64) {
    let mut s = Vec::new();
    // How many independent signals say stuck: file-system work that has not returned is
    // nearly conclusive alone, so it counts twice.
    let mut sure = 0;
    if let Some(w @ (Work::Disk | Work::Remote)) = f.work {
        s.push(Signal::Work(w));
        sure += if w == Work::Disk { 2 } else { 1 };
    } else if matches!(
        f.kind,
        WaitKind::WaitGroup | WaitKind::Cond | WaitKind::ChanSend | WaitKind::ChanSendNil | WaitKind::ChanReceiveNil
    ) {
        s.push(Signal::WaitsForGoroutine(f.kind));
        sure += 1;
    }
    if f.no_receiver {
        s.push(Signal::NoReceiver);
        sure += 1;
    }
    if f.minutes > 0 {
        s.push(Signal::Minutes(f.minutes));
        if f.minutes >= LONG_MINUTES {
            sure += 1;
        }
    }
    if f.request {
        s.push(Signal::ServesRequest);
        sure += 1;
        if f.below_handler {
            s.push(Signal::BelowHandler);
            sure += 1;
        }
    }
    if f.count >= 2 {
        s.push(Signal::PileUp(f.count));
        if f.count >= PILE {
            sure += 1;
        }
    }
    if f.waited_on > 0 {
        s.push(Signal::WaitedOn(f.waited_on));
        sure += 1;
    }
    let confidence = match sure {
        0..=2 => Confidence::Low,
        3 => Confidence::Medium,
        _ => Confidence::High,
    };
    let kind_weight = match f.work {
        Some(Work::Disk) => 3.0,
        Some(Work::Remote) => 2.0,
        _ if matches!(f.kind, WaitKind::WaitGroup | WaitKind::Cond | WaitKind::ChanSend) => 2.0,
        _ => 0.0,
    };
    let severity = f64::from(f.minutes).ln_1p()
        + 2.0 * (f.count as f64).ln_1p()
        + if f.request { 3.0 } else { 0.0 }
        + 3.0 * (f.waited_on as f64).ln_1p()
        + kind_weight;
    (s, confidence, severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request goroutine under net/http whose innermost frames are `inner` (innermost
    /// first) and whose handler is `handler`.
    fn request(id: u64, state: &str, inner: &[&str], handler: &str) -> String {
        let mut s = format!("goroutine {id} [{state}]:\n");
        for f in inner.iter().chain([&handler]) {
            s += &format!("{f}(0xc000010000, 0x1)\n\t/src/app/x.go:10 +0x1\n");
        }
        s += "net/http.HandlerFunc.ServeHTTP(0xc4202f8600, 0x3c1f9e0)\n\t/usr/local/go/src/net/http/server.go:1942 +0x44\n\
net/http.serverHandler.ServeHTTP(0xc420280fd0, 0x3c1f9e0)\n\t/usr/local/go/src/net/http/server.go:2568 +0x92\n\
net/http.(*conn).serve(0xc420316000, 0x3c20c20)\n\t/usr/local/go/src/net/http/server.go:1825 +0x612\n\
created by net/http.(*Server).Serve\n\t/usr/local/go/src/net/http/server.go:2668 +0x2ce\n\n";
        s
    }

    fn background(id: u64, state: &str, frames: &[&str]) -> String {
        let mut s = format!("goroutine {id} [{state}]:\n");
        for f in frames {
            s += &format!("{f}(0xc000020000)\n\t/src/app/y.go:20 +0x1\n");
        }
        s + "created by example.com/d.Start\n\t/src/app/d.go:5 +0x1\n\n"
    }

    fn findings(text: &str) -> (Dump, StuckWork) {
        let d = crate::read_dumps(text.as_bytes(), "t").unwrap().remove(0);
        let a = crate::analysis::analyze(&d);
        let st = a.stuck;
        (d, st)
    }

    #[test]
    fn requests_piling_up_below_their_handler_are_stuck_and_streams_are_not() {
        let mut text = String::new();
        for id in 10..17 {
            text += &request(
                id,
                "chan receive, 5940 minutes",
                &["example.com/daemon.(*Daemon).Kill"],
                "example.com/api.(*containerRouter).postContainersKill",
            );
        }
        // `docker events`: requests waiting in their own handler's loop, by design.
        for id in 30..37 {
            text += &request(id, "select, 5000 minutes", &[], "example.com/api.(*systemRouter).getEvents");
        }
        // Background loops parked for days.
        for id in 40..45 {
            text += &background(id, "select, 9000 minutes", &["example.com/d.(*Monitor).loop"]);
        }
        let (d, st) = findings(&text);
        assert_eq!(st.findings.len(), 1, "{:?}", st.findings);
        let f = &st.findings[0];
        assert_eq!(f.goroutines.len(), 7);
        assert_eq!(d.func(f.place.unwrap()).full, "example.com/daemon.(*Daemon).Kill");
        assert!(f.signals.contains(&Signal::BelowHandler) && f.signals.contains(&Signal::PileUp(7)));
        assert_eq!(f.confidence, Confidence::High);
        assert!(st.notes.is_empty(), "streams and loops are not busy work: {:?}", st.notes);
    }

    #[test]
    fn disk_work_that_does_not_return_is_stuck_and_a_fresh_one_is_a_note() {
        let fsync = ["syscall.Syscall", "syscall.Fsync", "os.(*File).Sync", "example.com/c.(*Container).ToDisk"];
        let (d, st) = findings(&background(50, "syscall, 31 minutes", &fsync));
        assert_eq!(st.findings.len(), 1);
        assert_eq!(st.findings[0].doing.unwrap().describe(&d), "syncing a file to disk: syscall.Fsync");
        assert_eq!(st.findings[0].confidence, Confidence::Medium);
        let (_, st) = findings(&background(50, "syscall", &fsync));
        assert!(st.findings.is_empty());
        assert_eq!(st.notes.len(), 1, "an excerpt of one goroutine in fsync still says what it does");
    }

    #[test]
    fn a_long_channel_send_is_stuck_and_a_background_wait_group_is_not() {
        let (_, st) = findings(&background(60, "chan send, 1140 minutes", &["example.com/pleg.(*GenericPLEG).relist"]));
        assert_eq!(st.findings.len(), 1);
        let (_, st) = findings(&background(
            61,
            "semacquire, 600 minutes",
            &["sync.runtime_Semacquire", "sync.(*WaitGroup).Wait", "example.com/main.serveAll"],
        ));
        assert!(st.findings.is_empty() && st.notes.is_empty(), "{:?}", st.findings);
    }

    #[test]
    fn a_wait_group_waiter_waits_on_the_goroutines_it_started() {
        // Go 1.21+: `created by … in goroutine 5`.
        let text = "goroutine 5 [sync.WaitGroup.Wait, 30 minutes]:\nsync.runtime_SemacquireWaitGroup(0x0?)\n\t/r/sema.go:110 +0x25\n\
sync.(*WaitGroup).Wait(0xc000012345?)\n\t/s/waitgroup.go:118 +0x48\nexample.com/d.(*Daemon).StateChanged(0xc000100000)\n\t/d/monitor.go:40 +0x1\n\n\
goroutine 9 [syscall, 30 minutes]:\nsyscall.Syscall6(0x101, 0x0, 0x0)\n\t/s/syscall_linux.go:90 +0x36\nsyscall.openat(0x0?)\n\t/s/z.go:1 +0x1\n\
syscall.Open(...)\n\t/s/syscall_linux.go:272\nos.openFileNolog(0x0?)\n\t/o/file_unix.go:245 +0x9b\nos.OpenFile(0x0?)\n\t/o/file.go:326 +0x45\n\
example.com/fifo.openFifo(0x0?)\n\t/f/fifo.go:20 +0x1\nexample.com/d.(*Daemon).StateChanged.func1()\n\t/d/monitor.go:35 +0x1\n\
created by example.com/d.(*Daemon).StateChanged in goroutine 5\n\t/d/monitor.go:33 +0x1\n\n";
        let (d, st) = findings(text);
        let e: Vec<&Edge> = st.waits_on(0).collect();
        assert_eq!(e.len(), 1);
        assert_eq!((d.goroutines[e[0].to].id, e[0].link), (Some(9), Link::Started));
        // The worker is waited on, and in a FIFO open: stuck, and named first.
        assert_eq!(st.findings[0].goroutines, vec![1]);
        assert!(st.findings[0].signals.contains(&Signal::WaitedOn(1)));
    }

    #[test]
    fn a_loop_that_hands_out_work_waits_on_none_of_its_workers() {
        // Go 1.21+: the event loop receives and starts a handler per event; its handlers are
        // not what it waits for.
        let mut text = String::from(
            "goroutine 5 [chan receive, 30 minutes]:\nexample.com/d.(*Daemon).ProcessEvents(0xc000100000)\n\t/d/e.go:10 +0x1\n\n",
        );
        for id in 20..26 {
            text += &format!(
                "goroutine {id} [select, 30 minutes]:\nexample.com/d.(*Daemon).handle(0xc000100000)\n\t/d/e.go:30 +0x1\n\
created by example.com/d.(*Daemon).ProcessEvents in goroutine 5\n\t/d/e.go:12 +0x1\n\n"
            );
        }
        let (_, st) = findings(&text);
        assert_eq!(st.waits_on(0).count(), 0, "{:?}", st.edges);
        // With one handler alive the edge is kept, at low confidence: it counts for no chain.
        let one = text.split("goroutine 21 ").next().unwrap().to_string();
        let (_, st) = findings(&one);
        let e: Vec<&Edge> = st.waits_on(0).collect();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].link, e[0].confidence), (Link::Started, Confidence::Low));
        assert!(chain(&st.edges, 0).is_empty());
    }
}
