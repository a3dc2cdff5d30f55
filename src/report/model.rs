//! One report per dump: everything holdup concludes about it, as plain serializable data,
//! built once from the [`Analysis`]. Every renderer in `report/` (text, JSON, DOT, …) reads
//! this and nothing else, so they all say the same thing and none of them walks the dump.
//!
//! The report holds data, not sentences: a lock is its kind, address and site; a piece of
//! holder evidence is a kind and its values. The words are made by the renderers.
//!
//! Findings come in the order people should read them ([`Finding`]): deadlocks, then
//! blockers by how many goroutines wait behind them, then locks without a live holder. A new
//! kind of finding is a new variant of [`Finding`] with its own struct, filled in
//! [`Report::build`], and a branch in each renderer's `match` (the compiler lists them).
//!
//! What only some renderers need is built only when asked for ([`Parts`]): the JSON of a
//! 100,000-goroutine dump must not pay for stacks folded into groups it never prints.

use std::collections::BTreeMap;

use hashbrown::HashMap;
use serde::{Serialize, Serializer};

use crate::analysis::{Analysis, Blocker};
use crate::group::{Group, Similarity, group};
use crate::infer::{self, Confidence};
use crate::locks::{Lock, LockKind, Mode};
use crate::model::Dump;
use crate::waits::WaitKind;

/// Goroutine ids kept per group of waiters (the rest are counted).
pub const IDS_KEPT: usize = 20;

/// Which optional parts of a report to build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parts {
    /// What people read: the program's name and the waiters of each finding folded into
    /// groups (text, HTML, Markdown).
    pub detail: bool,
    /// The wait-for graph's nodes and edges (DOT, SVG, HTML).
    pub graph: bool,
    /// Every goroutine of the dump folded into groups of the same functions (HTML).
    pub groups: bool,
}

impl Parts {
    /// Everything.
    pub const ALL: Parts = Parts { detail: true, graph: true, groups: true };
}

/// Everything holdup concludes about one dump.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Input name (`-` for stdin).
    pub source: String,
    /// Index of the dump within its input.
    pub index: usize,
    /// How many dumps its input holds.
    pub of: usize,
    /// How the dump was wrapped (`raw`, `dockerd-file`, …).
    pub kind: &'static str,
    /// The Go releases that could have printed it (`go1.17–go1.20`).
    pub go: String,
    /// The program it looks like (`dockerd`), or its main module; only with [`Parts::detail`].
    pub program: Option<String>,
    /// Panic or signal message.
    pub reason: Option<String>,
    /// Number of goroutines (pprof `debug=1` records count many).
    pub goroutines: u64,
    /// Lines that could not be read.
    pub warnings: u64,
    /// Every contended lock, most waiters first; findings refer to them by index.
    pub locks: Vec<LockInfo>,
    /// The findings, most important first.
    pub findings: Vec<Finding>,
    /// Root blockers that are part of a deadlock (shown under their deadlock), most blocked
    /// goroutines first.
    pub deadlock_blockers: Vec<BlockerInfo>,
    /// Contended locks that no finding shows.
    pub hidden_locks: usize,
    /// Busy work of a dump (blocking system calls, requests in flight) that is not known to
    /// be stuck, worst first; renderers show it when there is no finding.
    pub notes: Vec<StuckFinding>,
    /// The wait-for graph's edges beyond locks (`WaitGroup`, `Cond`, channels).
    pub edges: Vec<EdgeRef>,
    /// The wait-for graph; only with [`Parts::graph`].
    pub graph: Option<Graph>,
    /// Every goroutine folded into groups of the same functions, largest first; only with
    /// [`Parts::groups`].
    pub groups: Vec<GroupInfo>,
}

/// Goroutines with the same functions on their stacks.
#[derive(Debug, Clone, Serialize)]
pub struct GroupInfo {
    /// How many goroutines (pprof `debug=1` records count many).
    pub count: u64,
    /// How many records of the dump.
    pub members: usize,
    /// Goroutines per state as printed, most first.
    pub states: Vec<(String, u64)>,
    /// The shortest and longest wait, in minutes, when printed.
    pub wait_minutes: Option<(u32, u32)>,
    /// The first members' ids (up to [`IDS_KEPT`]).
    pub ids: Vec<Option<u64>>,
    /// The first member's frames, innermost first.
    pub frames: Vec<FrameInfo>,
    /// The function that started the first member, if printed (full name).
    pub created_by: Option<String>,
    /// Locks its members wait for (indices into [`Report::locks`]).
    pub waits_for: Vec<usize>,
    /// Locks its members are the best holders of.
    pub holds: Vec<usize>,
}

/// A goroutine named in a report: its index in the dump and the id it printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GRef {
    /// Index into the dump's goroutines (stable within one report).
    pub index: usize,
    /// The id printed in its header; `None` for goroutines without one.
    pub id: Option<u64>,
}

/// One frame of a stack shown in a report.
#[derive(Debug, Clone, Serialize)]
pub struct FrameInfo {
    /// The full function name (`github.com/docker/docker/volume/local.(*Root).Remove`).
    pub func: String,
    /// The source file, as printed.
    pub file: String,
    /// The source line.
    pub line: u32,
    /// Standard library, `sync` or runtime code: shown dimmed.
    pub library: bool,
    /// Package `runtime`, `sync` or `internal/sync`: the lock machinery at the top of a
    /// waiting stack, folded into one line.
    pub machinery: bool,
}

/// A goroutine shown with its stack.
#[derive(Debug, Clone, Serialize)]
pub struct GoroutineInfo {
    /// Which goroutine.
    pub goroutine: GRef,
    /// Its state as printed (empty when its header was lost).
    pub state: String,
    /// Minutes in that state, when printed.
    pub wait_minutes: Option<u32>,
    /// Its frames, innermost first.
    pub frames: Vec<FrameInfo>,
}

/// One contended lock.
#[derive(Debug, Clone, Serialize)]
pub struct LockInfo {
    /// `L1`, `L2`, …
    pub id: String,
    /// Mutex or RWMutex.
    #[serde(serialize_with = "lock_kind")]
    pub kind: LockKind,
    /// The lock's address, when a waiter printed it reliably.
    pub address: Option<u64>,
    /// The lock sites' receiver (the object holding the lock), when printed reliably.
    pub owner: Option<u64>,
    /// The lock sites' full function names, most common first (never empty).
    pub sites: Vec<String>,
    /// The waiting goroutines.
    pub waiters: Vec<Waiter>,
    /// Holders, best first: the first is the claim, the others the candidates it was
    /// preferred to; empty when no holder was found.
    pub holders: Vec<HolderInfo>,
    /// When `holders` is empty: candidates on evidence too weak to claim (the lock's type
    /// or package only), best first.
    pub candidates: Vec<HolderInfo>,
}

/// A goroutine waiting for a lock.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Waiter {
    /// Which goroutine.
    pub goroutine: GRef,
    /// It wants read access (`RLock` on an RWMutex).
    pub read: bool,
}

/// A candidate holder of a lock.
#[derive(Debug, Clone, Serialize)]
pub struct HolderInfo {
    /// Which goroutine.
    pub goroutine: GRef,
    /// How sure.
    #[serde(serialize_with = "confidence")]
    pub confidence: Confidence,
    /// The ranking score.
    pub score: f64,
    /// Why it is a candidate, one entry per rule that fired, in the order the rules ran.
    pub evidence: Vec<Evidence>,
}

/// Why a goroutine is thought to hold a lock: one rule of the inference (see
/// `infer`) with what it saw, resolved into names (`report::evidence` words it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Evidence {
    /// It passes the lock's address (`owner: false`) or the waiters' lock-site receiver
    /// (`owner: true`) as a reliable argument, innermost in `frame`.
    Direct {
        /// Whether `value` is the lock-site receiver rather than the lock's address.
        owner: bool,
        /// The value passed.
        value: u64,
        /// The innermost frame passing it.
        frame: Option<Place>,
    },
    /// It passes `value`, the closest value below the lock at `lock` (the struct that
    /// contains it), to `func`; `typed` when as a receiver of the lock sites' type.
    Owner {
        /// The value passed.
        value: u64,
        /// The function it is passed to (full name).
        func: String,
        /// The lock's address.
        lock: u64,
        /// Passed as a receiver of the lock sites' type.
        typed: bool,
    },
    /// It shares object `value` with `waiters` of the lock's `of` waiters; `others`
    /// goroutines outside the waiters pass it (itself included).
    Shared {
        /// The object.
        value: u64,
        /// How many waiters pass it.
        waiters: usize,
        /// How many waiters the lock has.
        of: usize,
        /// How many goroutines outside the waiters pass it.
        others: usize,
    },
    /// It is inside the lock site's function `func` at line `at`, past `line` where the
    /// waiters block.
    PastLine {
        /// The lock site (full name).
        func: String,
        /// Its line.
        at: u32,
        /// The waiters' line.
        line: u32,
    },
    /// It runs `func`, a method of `ty`, the lock sites' receiver type; `count` goroutines do.
    SameType {
        /// The method (full name).
        func: String,
        /// The receiver type.
        ty: String,
        /// How many goroutines outside the waiters run a method of the type.
        count: usize,
    },
    /// Its innermost application code is a method of `ty`, the lock's type.
    AtWork {
        /// The receiver type.
        ty: String,
    },
    /// It runs code of the lock site's package.
    Package {
        /// The package path.
        package: String,
    },
    /// It is the goroutine that wrote the dump.
    Dumper,
    /// It is blocked in a syscall, IO, sleep, channel or select, or running.
    State {
        /// Its state as printed.
        state: String,
        /// What it waits on.
        #[serde(serialize_with = "wait_kind")]
        kind: WaitKind,
    },
    /// It waits for another lock from inside code the rules matched.
    Nested,
    /// It has been blocked `minutes`, as long as the longest waiter (`longest`): it stalled
    /// when the waiters began to wait.
    SameTime {
        /// Its wait.
        minutes: u32,
        /// The longest waiter's.
        longest: u32,
    },
    /// It waits in a `WaitGroup` or `Cond` for `count` live goroutines its own code started.
    WaitsOnItsOwn {
        /// How many.
        count: usize,
    },
    /// It waited `minutes`, at least as long as the longest waiter (`longest`).
    Longer {
        /// Its wait.
        minutes: u32,
        /// The longest waiter's.
        longest: u32,
    },
    /// It waited only `minutes` while a waiter waited `longest`.
    Shorter {
        /// Its wait.
        minutes: u32,
        /// The longest waiter's.
        longest: u32,
    },
}

/// A place in the code: a frame's function and source line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The full function name.
    pub func: String,
    /// The source file, as printed.
    pub file: String,
    /// The source line.
    pub line: u32,
}

impl Evidence {
    /// Resolves what a rule recorded about goroutine `g` and lock `l` into names.
    pub fn resolve(d: &Dump, l: &Lock, g: usize, e: &infer::Evidence) -> Evidence {
        let site_func = d.func(l.site());
        let ty = || site_func.receiver_type().unwrap_or("").to_string();
        match *e {
            infer::Evidence::Direct { owner, value } => {
                let frame = d.frames(&d.goroutines[g]).find(|f| f.words().any(|w| !w.unreliable && w.value == value));
                let frame =
                    frame.map(|f| Place { func: f.func.full.clone(), file: f.site.file.clone(), line: f.site.line });
                Evidence::Direct { owner, value, frame }
            }
            infer::Evidence::Owner { value, frame, lock, typed } => {
                Evidence::Owner { value, func: d.frame(frame).func.full.clone(), lock, typed }
            }
            infer::Evidence::Shared { value, waiters, others } => {
                Evidence::Shared { value, waiters, of: l.waiters.len(), others }
            }
            infer::Evidence::PastLine { at, line } => Evidence::PastLine { func: site_func.full.clone(), at, line },
            infer::Evidence::SameType { func, count } => {
                Evidence::SameType { func: d.func(func).full.clone(), ty: ty(), count }
            }
            infer::Evidence::AtWork => Evidence::AtWork { ty: ty() },
            infer::Evidence::Package => Evidence::Package { package: site_func.package().to_string() },
            infer::Evidence::Dumper => Evidence::Dumper,
            infer::Evidence::State { kind } => Evidence::State { state: d.state(&d.goroutines[g]).to_string(), kind },
            infer::Evidence::Nested => Evidence::Nested,
            infer::Evidence::SameTime { minutes, longest } => Evidence::SameTime { minutes, longest },
            infer::Evidence::WaitsOnItsOwn { count } => Evidence::WaitsOnItsOwn { count },
            infer::Evidence::Longer { minutes, longest } => Evidence::Longer { minutes, longest },
            infer::Evidence::Shorter { minutes, longest } => Evidence::Shorter { minutes, longest },
        }
    }
}

/// A finding, in the order people should read them.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "finding", rename_all = "kebab-case")]
pub enum Finding {
    /// Goroutines that wait for each other's locks.
    Deadlock(DeadlockFinding),
    /// A goroutine that holds contended locks and does not wait for one.
    Blocker(BlockerInfo),
    /// A lock with waiters and no live holder found.
    NoHolder(NoHolderFinding),
    /// Goroutines stuck doing work, not on a lock.
    Stuck(StuckFinding),
}

/// Goroutines that wait alike and look stuck (a finding), or busy work of a dump with no
/// finding (a note): see [`crate::stuck`].
#[derive(Debug, Clone, Serialize)]
pub struct StuckFinding {
    /// The first of them (the longest waiting), with its stack.
    pub goroutine: GoroutineInfo,
    /// How many goroutines wait alike.
    pub count: usize,
    /// Their ids, the first [`IDS_KEPT`].
    pub ids: Vec<Option<u64>>,
    /// Their wait kind.
    #[serde(serialize_with = "wait_kind")]
    pub kind: WaitKind,
    /// Where they wait: the innermost application function (full name).
    pub place: Option<String>,
    /// The longest wait among them, in minutes.
    pub longest_wait: Option<u32>,
    /// What the first one is doing, when the table of [`crate::doing`] knows.
    pub doing: Option<DoingInfo>,
    /// Whether they serve a request.
    pub serves_request: bool,
    /// The signals that say stuck.
    pub signals: Vec<crate::stuck::Signal>,
    /// How sure it is stuck rather than idle.
    #[serde(serialize_with = "confidence")]
    pub confidence: Confidence,
    /// How bad, for ordering.
    pub severity: f64,
    /// The other side of the first one's wait.
    pub waits_on: Vec<EdgeInfo>,
    /// Goroutines whose wait has one of these on its other side.
    pub waited_on_by: Vec<EdgeInfo>,
    /// The chain past the first one, one hop per goroutine; the last is the goroutine the
    /// finding comes down to. Empty: the first one is.
    pub beyond: Vec<EdgeInfo>,
    /// Goroutines of other groups whose waits lead here (through the chain), how many.
    pub behind: usize,
    /// Their ids, the first [`IDS_KEPT`].
    pub behind_ids: Vec<Option<u64>>,
}

impl StuckFinding {
    /// The goroutine the finding comes down to.
    pub fn root(&self) -> GRef {
        self.beyond.last().map_or(self.goroutine.goroutine, |e| e.goroutine)
    }
}

impl BlockerInfo {
    /// The goroutine the finding comes down to.
    pub fn root(&self) -> GRef {
        self.beyond.last().map_or(self.goroutine.goroutine, |e| e.goroutine)
    }
}

/// What a goroutine is doing, resolved to names.
#[derive(Debug, Clone, Serialize)]
pub struct DoingInfo {
    /// The words (`syncing a file to disk`).
    pub phrase: &'static str,
    /// The kind of work.
    pub work: crate::doing::Work,
    /// The function doing it (full name).
    pub inner: String,
    /// The function that gives it its meaning (`os.RemoveAll`), if any.
    pub outer: Option<String>,
}

/// One end of an edge beyond locks, seen from the other end: the goroutine, what it does,
/// and how the two are linked.
#[derive(Debug, Clone, Serialize)]
pub struct EdgeInfo {
    /// The goroutine at this end.
    pub goroutine: GRef,
    /// Its state as printed.
    pub state: String,
    /// Minutes in that state, when printed.
    pub wait_minutes: Option<u32>,
    /// Its innermost application function (full name).
    pub place: Option<String>,
    /// What it is doing, when known.
    pub doing: Option<DoingInfo>,
    /// What the waiting end waits in (`waitgroup`, `cond`, `chan-send`, …).
    #[serde(serialize_with = "wait_kind")]
    pub waits_on: WaitKind,
    /// How the two are linked.
    pub link: crate::stuck::Link,
    /// How sure the link is.
    #[serde(serialize_with = "confidence")]
    pub confidence: Confidence,
}

/// An edge of the wait-for graph beyond locks, by its two goroutines.
#[derive(Debug, Clone, Serialize)]
pub struct EdgeRef {
    /// The waiting goroutine.
    pub from: GRef,
    /// The goroutine on the other side.
    pub to: GRef,
    /// What `from` waits in.
    #[serde(serialize_with = "wait_kind")]
    pub waits_on: WaitKind,
    /// How they are linked.
    pub link: crate::stuck::Link,
    /// How sure.
    #[serde(serialize_with = "confidence")]
    pub confidence: Confidence,
}

/// A deadlock cycle.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlockFinding {
    /// The goroutines of the cycle, in dump order.
    pub members: Vec<CycleMember>,
    /// The cycle's locks (indices into [`Report::locks`]), sorted.
    pub locks: Vec<usize>,
    /// Goroutines outside the cycle that wait behind it.
    pub behind: usize,
    /// Those goroutines by the operation they perform, as for a blocker.
    pub by_operation: BTreeMap<String, usize>,
    /// Those goroutines folded by stack; only with [`Parts::detail`].
    pub waiters: Option<WaiterGroups>,
}

/// A goroutine of a deadlock cycle.
#[derive(Debug, Clone, Serialize)]
pub struct CycleMember {
    /// The goroutine and its stack.
    pub goroutine: GoroutineInfo,
    /// The cycle's locks it holds.
    pub holds: Vec<usize>,
    /// The cycle's locks it waits for.
    pub waits: Vec<usize>,
}

/// A root blocker: holds contended locks, waits for none (or is part of a deadlock).
#[derive(Debug, Clone, Serialize)]
pub struct BlockerInfo {
    /// The goroutine and its stack.
    pub goroutine: GoroutineInfo,
    /// Locks it is the best holder of (indices into [`Report::locks`]).
    pub holds: Vec<usize>,
    /// How many goroutines are blocked behind it, directly or through other holders.
    pub blocked: usize,
    /// The blocked goroutines by entry function (full names).
    pub by_entry: BTreeMap<String, usize>,
    /// The blocked goroutines by the operation they perform (`ContainerCreate`).
    pub by_operation: BTreeMap<String, usize>,
    /// Where the holder is, as the headline names it: its first method of the lock site's
    /// type (`local.(*Root).Remove`), else its first function of that package, else its
    /// innermost application code (full name).
    pub at: Option<String>,
    /// The holder's path, compactly (`deleteContainers → Daemon.ContainerRm → … → removePath`).
    pub route: String,
    /// The longest wait among them, in minutes.
    pub longest_wait: Option<u32>,
    /// Holders between it and the waiters, outermost first.
    pub via: Vec<Via>,
    /// Part of a deadlock.
    pub in_deadlock: bool,
    /// The best confidence among the locks it holds (low when none).
    #[serde(serialize_with = "confidence")]
    pub confidence: Confidence,
    /// Whether any of its locks has a holder at all (a blocker without one is worded as a guess).
    pub has_holder: bool,
    /// What it waits on in turn, when it waits in a `WaitGroup`, `Cond` or channel: the
    /// chain goes on past the locks.
    pub waits_on: Vec<EdgeInfo>,
    /// The chain past it, one hop per goroutine (each waits on the next); the last is the
    /// goroutine the finding comes down to, named first. Empty: it is that goroutine.
    pub beyond: Vec<EdgeInfo>,
    /// What it is doing, when the table of [`crate::doing`] knows (`deleting a directory
    /// tree` in `os.RemoveAll` → `unix.Unlinkat`).
    pub doing: Option<DoingInfo>,
    /// What it waits in itself (`running` for a holder at work).
    #[serde(serialize_with = "wait_kind")]
    pub waits_in: WaitKind,
    /// The blocked goroutines folded by stack; only with [`Parts::detail`].
    pub waiters: Option<WaiterGroups>,
}

/// A hop of a chain: a holder that itself waits.
#[derive(Debug, Clone, Serialize)]
pub struct Via {
    /// The intermediate holder.
    pub goroutine: GRef,
    /// The lock it waits for.
    pub waits: usize,
    /// The locks it is the best holder of.
    pub holds: Vec<usize>,
}

/// A lock with waiters and no live holder.
#[derive(Debug, Clone, Serialize)]
pub struct NoHolderFinding {
    /// The lock (index into [`Report::locks`]).
    pub lock: usize,
    /// The longest wait among its waiters, in minutes.
    pub longest_wait: Option<u32>,
    /// Its waiters by the operation they perform (`VolumeStore.Get`), as for a blocker.
    pub by_operation: BTreeMap<String, usize>,
    /// Its waiters folded by stack; only with [`Parts::detail`].
    pub waiters: Option<WaiterGroups>,
}

/// Waiting goroutines folded by the functions on their stacks, largest group first.
#[derive(Debug, Clone, Serialize)]
pub struct WaiterGroups {
    /// How many goroutines in all.
    pub total: usize,
    /// The groups.
    pub groups: Vec<WaiterGroup>,
}

/// Goroutines with the same functions on their stacks.
#[derive(Debug, Clone, Serialize)]
pub struct WaiterGroup {
    /// How many goroutines (pprof `debug=1` records count many).
    pub count: u64,
    /// How many records of the dump.
    pub members: usize,
    /// The first member's state as printed.
    pub state: String,
    /// The longest wait among them, in minutes.
    pub longest_wait: Option<u32>,
    /// The first member waits for read access.
    pub read: bool,
    /// The innermost application frames (up to four), innermost first, full names.
    pub path: Vec<String>,
    /// The operation the first member performs (`ContainerCreate`, see
    /// `graph::Entries::operation`).
    pub operation: Option<String>,
    /// The first member's path, compactly: `postContainersCreate → Daemon.ContainerCreate → … → Root.Get`.
    pub route: String,
    /// The first members' ids (up to [`IDS_KEPT`]).
    pub ids: Vec<Option<u64>>,
}

/// The wait-for graph, with waiters that hold nothing folded by stack.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    /// The nodes: every lock first (node `i` is lock `i`), then goroutines and groups.
    pub nodes: Vec<Node>,
    /// Per lock: its edges.
    pub locks: Vec<LockEdges>,
}

/// A node of the drawn graph.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "node", rename_all = "kebab-case")]
pub enum Node {
    /// A lock (index into [`Report::locks`]).
    Lock {
        /// Which lock.
        lock: usize,
    },
    /// A goroutine drawn on its own: a holder, or a waiter that holds something.
    Goroutine {
        /// Which goroutine.
        goroutine: GRef,
        /// Its state as printed.
        state: String,
        /// Its innermost application function (full name), if any.
        top: Option<String>,
        /// A root blocker.
        blocker: bool,
        /// Part of a deadlock cycle.
        in_deadlock: bool,
        /// The group of [`Report::groups`] it belongs to, when those are built.
        in_group: Option<usize>,
    },
    /// Waiters of one lock that hold nothing, with the same functions on their stacks.
    Waiters {
        /// The lock they wait for.
        lock: usize,
        /// Its number among that lock's groups.
        group: usize,
        /// How many goroutines.
        count: u64,
        /// The first one's innermost application function, if any.
        top: Option<String>,
        /// The first one's state as printed.
        state: String,
        /// The first one (goroutine index).
        first: usize,
        /// The first one's group in [`Report::groups`], when those are built.
        in_group: Option<usize>,
    },
}

/// The edges at one lock.
#[derive(Debug, Clone, Serialize)]
pub struct LockEdges {
    /// Its best holder (a node) and how sure.
    pub held_by: Option<(usize, ConfidenceName)>,
    /// Waiters drawn on their own (nodes), and whether each wants read access.
    pub waiters: Vec<(usize, bool)>,
    /// Folded waiters (nodes), and whether they want read access.
    pub groups: Vec<(usize, bool)>,
}

/// A confidence that serializes as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfidenceName(pub Confidence);

impl Serialize for ConfidenceName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

fn confidence<S: Serializer>(c: &Confidence, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

fn wait_kind<S: Serializer>(k: &WaitKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

fn lock_kind<S: Serializer>(k: &LockKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

impl LockInfo {
    /// The most common lock site.
    pub fn site(&self) -> &str {
        &self.sites[0]
    }
}

impl Finding {
    /// The blocker of a blocker finding.
    pub fn blocker(&self) -> Option<&BlockerInfo> {
        match self {
            Finding::Blocker(b) => Some(b),
            _ => None,
        }
    }
}

impl Report {
    /// Builds the report of one analysis: dump `index` of the `of` dumps of its input, with
    /// the optional `parts` asked for.
    pub fn build(a: &Analysis<'_>, index: usize, of: usize, parts: Parts) -> Report {
        let d = a.dump;
        let b = Builder { a, d, read: parts.detail.then(|| read_waiters(a)), matcher: std::cell::OnceCell::new() };
        let locks: Vec<LockInfo> = a
            .locks
            .iter()
            .zip(a.holders.iter().zip(&a.candidates))
            .map(|(l, (hs, cs))| LockInfo {
                id: l.id.clone(),
                kind: l.kind,
                address: l.addr,
                owner: l.owner,
                sites: l.sites.iter().map(|&f| d.func(f).full.clone()).collect(),
                waiters: l
                    .waiters
                    .iter()
                    .map(|&(g, m)| Waiter { goroutine: b.gref(g), read: m == Mode::Read })
                    .collect(),
                holders: hs.iter().map(|h| b.holder_info(l, h)).collect(),
                candidates: cs.iter().map(|h| b.holder_info(l, h)).collect(),
            })
            .collect();

        let mut findings = Vec::new();
        for c in &a.deadlocks {
            findings.push(Finding::Deadlock(b.deadlock(&c.goroutines, &c.locks)));
        }
        let mut deadlock_blockers = Vec::new();
        for bl in &a.blockers {
            let info = b.blocker(bl);
            if bl.in_deadlock {
                deadlock_blockers.push(info);
            } else {
                findings.push(Finding::Blocker(info));
            }
        }
        for &l in &a.leaked {
            let waiters: Vec<usize> = a.locks[l].waiters.iter().map(|&(g, _)| g).collect();
            findings.push(Finding::NoHolder(NoHolderFinding {
                lock: l,
                longest_wait: waiters.iter().filter_map(|&g| d.goroutines[g].wait_minutes).max(),
                by_operation: crate::graph::by_operation(d, &a.entries, &waiters),
                waiters: b.waiter_groups(&waiters),
            }));
        }
        for st in &a.stuck.findings {
            findings.push(Finding::Stuck(b.stuck(st)));
        }
        let notes = a.stuck.notes.iter().map(|st| b.stuck(st)).collect();
        let edges = a
            .stuck
            .edges
            .iter()
            .map(|e| EdgeRef {
                from: b.gref(e.from),
                to: b.gref(e.to),
                waits_on: e.kind,
                link: e.link,
                confidence: e.confidence,
            })
            .collect();

        // Locks no finding shows: held by goroutines that wait themselves, outside any chain.
        let mut shown: Vec<usize> = a.leaked.clone();
        for bl in &a.blockers {
            shown.extend(&bl.holds);
            shown.extend(bl.via.iter().flat_map(|&(g, _)| a.graph.holds(g)));
        }
        for c in &a.deadlocks {
            shown.extend(&c.locks);
        }
        shown.sort_unstable();
        shown.dedup();

        let mut graph = parts.graph.then(|| b.graph());
        let groups = if parts.groups { b.groups(graph.as_mut()) } else { Vec::new() };
        let program = parts.detail.then(|| {
            let p = crate::report::summary::program_of(d);
            p.name.or(p.module)
        });
        Report {
            source: d.source.clone(),
            index,
            of,
            kind: d.kind.as_str(),
            go: d.era.to_string(),
            program: program.flatten(),
            reason: d.reason.clone(),
            goroutines: d.goroutine_count(),
            warnings: d.warnings.len() as u64 + d.warnings_dropped,
            hidden_locks: a.locks.len().saturating_sub(shown.len()),
            notes,
            edges,
            graph,
            groups,
            locks,
            findings,
            deadlock_blockers,
        }
    }

    /// Every root blocker, deadlock members first, then by how many goroutines wait behind
    /// them (the order of the analysis).
    pub fn blockers(&self) -> impl Iterator<Item = &BlockerInfo> {
        self.deadlock_blockers.iter().chain(self.findings.iter().filter_map(Finding::blocker))
    }

    /// Whether anything worth reporting was found.
    pub fn has_findings(&self) -> bool {
        !self.locks.is_empty() || !self.findings.is_empty()
    }
}

/// What building a report reads, and what it works out once.
struct Builder<'a, 'd> {
    a: &'a Analysis<'d>,
    d: &'d Dump,
    /// Per goroutine that waits for a lock: whether its first lock wait is for read access
    /// (only with [`Parts::detail`]).
    read: Option<HashMap<usize, bool>>,
    /// The table of [`crate::doing`] matched against the dump's functions, once, when a
    /// holder or an edge is described.
    matcher: std::cell::OnceCell<crate::doing::Matcher>,
}

/// Per waiting goroutine: whether the first lock it is listed under is waited for in read mode.
fn read_waiters(a: &Analysis<'_>) -> HashMap<usize, bool> {
    let mut read = HashMap::new();
    for l in &a.locks {
        for &(g, m) in &l.waiters {
            read.entry(g).or_insert(m == Mode::Read);
        }
    }
    read
}

impl Builder<'_, '_> {
    fn holder_info(&self, l: &Lock, h: &crate::infer::Holder) -> HolderInfo {
        HolderInfo {
            goroutine: self.gref(h.goroutine),
            confidence: h.confidence,
            score: h.score,
            evidence: h.evidence.iter().map(|e| Evidence::resolve(self.d, l, h.goroutine, e)).collect(),
        }
    }

    fn gref(&self, g: usize) -> GRef {
        GRef { index: g, id: self.d.goroutines[g].id }
    }

    fn goroutine(&self, g: usize) -> GoroutineInfo {
        let d = self.d;
        let gr = &d.goroutines[g];
        GoroutineInfo {
            goroutine: self.gref(g),
            state: d.state(gr).to_string(),
            wait_minutes: gr.wait_minutes,
            frames: self.frames(g),
        }
    }

    fn frames(&self, g: usize) -> Vec<FrameInfo> {
        frames_of(self.d, g)
    }

    /// Every goroutine folded by the functions on its stack; graph nodes learn their group.
    fn groups(&self, graph: Option<&mut Graph>) -> Vec<GroupInfo> {
        let (a, d) = (self.a, self.d);
        let all: Vec<usize> = (0..d.goroutines.len()).collect();
        let groups = group(d, &all, Similarity::Lines);
        let mut group_of = vec![u32::MAX; d.goroutines.len()];
        for (k, g) in groups.iter().enumerate() {
            for &m in &g.members {
                group_of[m] = k as u32;
            }
        }
        let mut waits_for: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
        let mut holds: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
        for (li, l) in a.locks.iter().enumerate() {
            for &(g, _) in &l.waiters {
                waits_for[group_of[g] as usize].push(li);
            }
            if let Some(h) = a.holders[li].first() {
                holds[group_of[h.goroutine] as usize].push(li);
            }
        }
        if let Some(graph) = graph {
            for n in &mut graph.nodes {
                match n {
                    Node::Goroutine { goroutine, in_group, .. } => *in_group = Some(group_of[goroutine.index] as usize),
                    Node::Waiters { first, in_group, .. } => *in_group = Some(group_of[*first] as usize),
                    Node::Lock { .. } => {}
                }
            }
        }
        groups
            .iter()
            .zip(waits_for.iter_mut().zip(holds.iter_mut()))
            .map(|(g, (waits, held))| {
                waits.sort_unstable();
                waits.dedup();
                held.sort_unstable();
                held.dedup();
                GroupInfo { waits_for: std::mem::take(waits), holds: std::mem::take(held), ..group_info(d, g) }
            })
            .collect()
    }

    fn blocker(&self, bl: &Blocker) -> BlockerInfo {
        let a = self.a;
        let best = bl.holds.iter().filter_map(|&l| a.holders[l].first()).map(|h| h.confidence).max();
        BlockerInfo {
            goroutine: self.goroutine(bl.goroutine),
            holds: bl.holds.clone(),
            blocked: bl.blocked.len(),
            by_entry: bl.by_entry.clone(),
            by_operation: bl.by_operation.clone(),
            at: bl.holds.first().and_then(|&l| {
                let site = self.d.func(a.locks[l].site());
                crate::check::key_func(self.d, bl.goroutine, Some(site)).map(|f| f.full.clone())
            }),
            route: a.entries.path(self.d, bl.goroutine),
            longest_wait: bl.longest_wait,
            via: bl
                .via
                .iter()
                .map(|&(g, l)| Via { goroutine: self.gref(g), waits: l, holds: a.graph.holds(g) })
                .collect(),
            in_deadlock: bl.in_deadlock,
            confidence: best.unwrap_or(Confidence::Low),
            has_holder: best.is_some(),
            waits_on: a.stuck.waits_on(bl.goroutine).map(|e| self.edge_end(e.to, e)).collect(),
            beyond: self.hops(bl.goroutine, &bl.beyond),
            doing: self.doing_of(bl.goroutine),
            waits_in: a.waits[bl.goroutine].kind,
            waiters: self.waiter_groups(&bl.blocked),
        }
    }

    /// What goroutine `g` is doing, by the table of [`crate::doing`].
    fn doing_of(&self, g: usize) -> Option<DoingInfo> {
        let m = self.matcher.get_or_init(|| crate::doing::Matcher::new(self.d));
        self.doing(m.of(self.d, &self.d.goroutines[g]))
    }

    fn doing(&self, x: Option<crate::doing::Doing>) -> Option<DoingInfo> {
        let d = self.d;
        x.map(|x| DoingInfo {
            phrase: x.phrase,
            work: x.work,
            inner: d.func_at(x.inner).full.clone(),
            outer: x.outer.map(|o| d.func_at(o).full.clone()),
        })
    }

    /// The hops of a chain from `from` through `beyond`, each as its edge's far end.
    fn hops(&self, from: usize, beyond: &[usize]) -> Vec<EdgeInfo> {
        let mut at = from;
        let mut out = Vec::with_capacity(beyond.len());
        for &next in beyond {
            if let Some(e) = self.a.stuck.edges.iter().find(|e| e.from == at && e.to == next) {
                out.push(self.edge_end(next, e));
            }
            at = next;
        }
        out
    }

    /// The end `g` of edge `e`.
    fn edge_end(&self, g: usize, e: &crate::stuck::Edge) -> EdgeInfo {
        let d = self.d;
        let gr = &d.goroutines[g];
        EdgeInfo {
            goroutine: self.gref(g),
            state: d.state(gr).to_string(),
            wait_minutes: gr.wait_minutes,
            place: d
                .frames(gr)
                .find(|f| !f.func.is_stdlib() && !f.func.is_sync_or_runtime())
                .map(|f| f.func.full.clone()),
            doing: self.doing_of(g),
            waits_on: e.kind,
            link: e.link,
            confidence: e.confidence,
        }
    }

    fn stuck(&self, st: &crate::stuck::Stuck) -> StuckFinding {
        let d = self.d;
        let first = st.goroutines[0];
        StuckFinding {
            goroutine: self.goroutine(first),
            count: st.goroutines.len(),
            ids: st.goroutines.iter().take(IDS_KEPT).map(|&g| d.goroutines[g].id).collect(),
            kind: st.kind,
            place: st.place.map(|f| d.func(f).full.clone()),
            longest_wait: st.longest,
            doing: self.doing(st.doing),
            serves_request: st.serves_request,
            signals: st.signals.clone(),
            confidence: st.confidence,
            severity: st.severity,
            waits_on: self.a.stuck.waits_on(first).map(|e| self.edge_end(e.to, e)).collect(),
            waited_on_by: self
                .a
                .stuck
                .edges
                .iter()
                .filter(|e| st.goroutines.contains(&e.to))
                .map(|e| self.edge_end(e.from, e))
                .collect(),
            beyond: self.hops(first, &st.beyond),
            behind: st.behind.len(),
            behind_ids: st.behind.iter().take(IDS_KEPT).map(|&g| d.goroutines[g].id).collect(),
        }
    }

    fn deadlock(&self, gs: &[usize], ls: &[usize]) -> DeadlockFinding {
        let a = self.a;
        let members = gs
            .iter()
            .map(|&g| CycleMember {
                goroutine: self.goroutine(g),
                holds: a.graph.holds(g).into_iter().filter(|l| ls.contains(l)).collect(),
                waits: a.graph.waits_for(g).into_iter().filter(|l| ls.contains(l)).collect(),
            })
            .collect();
        let mut behind: Vec<usize> =
            gs.iter().flat_map(|&g| a.graph.blocked_behind(g)).filter(|g| !gs.contains(g)).collect();
        behind.sort_unstable();
        behind.dedup();
        DeadlockFinding {
            members,
            locks: ls.to_vec(),
            behind: behind.len(),
            by_operation: crate::graph::by_operation(a.dump, &a.entries, &behind),
            waiters: self.waiter_groups(&behind),
        }
    }

    /// Goroutines folded by the functions on their stacks (only with [`Parts::detail`]).
    fn waiter_groups(&self, gs: &[usize]) -> Option<WaiterGroups> {
        let read = self.read.as_ref()?;
        let d = self.d;
        let groups = group(d, gs, Similarity::Lines)
            .into_iter()
            .map(|g| {
                let first = g.members[0];
                let gr = &d.goroutines[first];
                WaiterGroup {
                    count: g.count,
                    members: g.members.len(),
                    state: d.state(gr).to_string(),
                    longest_wait: g.members.iter().filter_map(|&i| d.goroutines[i].wait_minutes).max(),
                    read: read.get(&first).copied().unwrap_or(false),
                    path: d
                        .frames(gr)
                        .filter(|f| !f.func.is_stdlib() && !f.func.is_sync_or_runtime())
                        .take(4)
                        .map(|f| f.func.full.clone())
                        .collect(),
                    ids: g.members.iter().take(IDS_KEPT).map(|&i| d.goroutines[i].id).collect(),
                    operation: self
                        .a
                        .entries
                        .operation(d, first)
                        .map(|f| crate::graph::operation_label(&d.func(f).full)),
                    route: self.a.entries.path_to(d, first, self.lock_site(first)),
                }
            })
            .collect();
        Some(WaiterGroups { total: gs.len(), groups })
    }

    /// Where goroutine `g` waits for a lock: its lock site's function, the first caller
    /// outside the lock machinery and any lock wrapper; `None` when it waits for no lock.
    fn lock_site(&self, g: usize) -> Option<crate::model::FuncId> {
        let w = &self.a.waits[g];
        if w.kind.is_lock() { crate::waits::site_func(self.d, w) } else { None }
    }

    /// The innermost application function of a goroutine (not the runtime, `sync` or the
    /// standard library).
    fn top(&self, g: usize) -> Option<String> {
        let d = self.d;
        d.frames(&d.goroutines[g])
            .find(|f| !f.func.is_sync_or_runtime() && !f.func.is_stdlib())
            .map(|f| f.func.full.clone())
    }

    fn graph(&self) -> Graph {
        let (a, d) = (self.a, self.d);
        let mut nodes: Vec<Node> = (0..a.locks.len()).map(|lock| Node::Lock { lock }).collect();
        let holders: hashbrown::HashSet<usize> =
            a.holders.iter().filter_map(|h| h.first().map(|h| h.goroutine)).collect();
        let blockers: hashbrown::HashSet<usize> = a.blockers.iter().map(|b| b.goroutine).collect();
        let in_deadlock: hashbrown::HashSet<usize> =
            a.deadlocks.iter().flat_map(|c| c.goroutines.iter().copied()).collect();
        let mut node_of: HashMap<usize, usize> = HashMap::new();
        let mut goroutine_node = |nodes: &mut Vec<Node>, g: usize| -> usize {
            *node_of.entry(g).or_insert_with(|| {
                nodes.push(Node::Goroutine {
                    goroutine: self.gref(g),
                    state: d.state(&d.goroutines[g]).to_string(),
                    top: self.top(g),
                    blocker: blockers.contains(&g),
                    in_deadlock: in_deadlock.contains(&g),
                    in_group: None,
                });
                nodes.len() - 1
            })
        };
        let mut edges = Vec::with_capacity(a.locks.len());
        for (li, l) in a.locks.iter().enumerate() {
            let held_by =
                a.holders[li].first().map(|h| (goroutine_node(&mut nodes, h.goroutine), ConfidenceName(h.confidence)));
            // Waiters that hold something are drawn one by one; the rest fold by stack.
            type Waiters = Vec<(usize, Mode)>;
            let (solo, plain): (Waiters, Waiters) = l.waiters.iter().partition(|(g, _)| holders.contains(g));
            let waiters = solo.iter().map(|&(g, m)| (goroutine_node(&mut nodes, g), m == Mode::Read)).collect();
            let gs: Vec<usize> = plain.iter().map(|&(g, _)| g).collect();
            let groups = group(d, &gs, Similarity::Lines)
                .iter()
                .enumerate()
                .map(|(k, grp)| {
                    let first = grp.members[0];
                    let mode = plain.iter().find(|&&(g, _)| g == first).map_or(Mode::Write, |&(_, m)| m);
                    nodes.push(Node::Waiters {
                        lock: li,
                        group: k,
                        count: grp.count,
                        top: self.top(first),
                        state: d.state(&d.goroutines[first]).to_string(),
                        first,
                        in_group: None,
                    });
                    (nodes.len() - 1, mode == Mode::Read)
                })
                .collect();
            edges.push(LockEdges { held_by, waiters, groups });
        }
        Graph { nodes, locks: edges }
    }
}

/// The frames of goroutine `g`, innermost first.
fn frames_of(d: &Dump, g: usize) -> Vec<FrameInfo> {
    d.frames(&d.goroutines[g])
        .map(|f| FrameInfo {
            func: f.func.full.clone(),
            file: f.site.file.clone(),
            line: f.site.line,
            library: f.func.is_stdlib() || f.func.is_sync_or_runtime(),
            machinery: matches!(f.func.package(), "runtime" | "sync" | "internal/sync"),
        })
        .collect()
}

/// One group of goroutines as a report shows it (with no locks: [`Report::build`] adds
/// those). Also what `holdup groups --format collapsed` writes.
pub fn group_info(d: &Dump, g: &Group) -> GroupInfo {
    let first = g.members[0];
    let gr = &d.goroutines[first];
    let mut states: BTreeMap<&str, u64> = BTreeMap::new();
    let mut wait: Option<(u32, u32)> = None;
    for &m in &g.members {
        let x = &d.goroutines[m];
        *states.entry(d.state(x)).or_default() += u64::from(x.count);
        if let Some(w) = x.wait_minutes {
            wait = Some(wait.map_or((w, w), |(lo, hi)| (lo.min(w), hi.max(w))));
        }
    }
    let mut states: Vec<(String, u64)> = states.into_iter().map(|(s, n)| (s.to_string(), n)).collect();
    states.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    GroupInfo {
        count: g.count,
        members: g.members.len(),
        states,
        wait_minutes: wait,
        ids: g.members.iter().take(IDS_KEPT).map(|&i| d.goroutines[i].id).collect(),
        frames: frames_of(d, first),
        created_by: gr.created_by.as_ref().map(|c| d.created_by(c).0.full.clone()),
        waits_for: Vec::new(),
        holds: Vec::new(),
    }
}
