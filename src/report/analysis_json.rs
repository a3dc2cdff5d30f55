//! `holdup analyze --format json`: schema `holdup.analysis/v1`.
//!
//! The names in this file are a contract with scripts and CI jobs: fields may be added,
//! never renamed or removed within `v1`. Goroutine ids are numbers; goroutines without an id
//! (lost headers, pprof `debug=1` records) are left out of id lists.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::Analysis;
use crate::infer::short;
use crate::report::evidence;
use crate::report::model::{Finding, Parts, Report};

/// The schema name.
pub const SCHEMA: &str = "holdup.analysis/v1";

/// The whole document.
#[derive(Serialize)]
pub struct AnalysisDoc {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// One entry per dump.
    pub dumps: Vec<DumpAnalysis>,
}

/// The analysis of one dump.
#[derive(Serialize)]
pub struct DumpAnalysis {
    /// Input name (`-` for stdin).
    pub source: String,
    /// Index of the dump within its input.
    pub index: usize,
    /// Number of goroutines.
    pub goroutines: u64,
    /// How the dump was wrapped.
    pub kind: &'static str,
    /// Go release range.
    pub go: String,
    /// Panic or signal message.
    pub reason: Option<String>,
    /// Contended locks.
    pub locks: Vec<LockJson>,
    /// Deadlock cycles.
    pub deadlocks: Vec<DeadlockJson>,
    /// Root blockers, most important first.
    pub blockers: Vec<BlockerJson>,
    /// Ids of locks with no live holder.
    pub leaked_locks: Vec<String>,
    /// Per lock of `leaked_locks`: its waiters by the operation they perform, as a blocker's
    /// `by_operation`.
    pub leaked_by_operation: BTreeMap<String, BTreeMap<String, usize>>,
    /// Lines that could not be read.
    pub warnings: u64,
    /// Goroutines stuck doing work outside the lock findings, surest and worst first.
    pub stuck: Vec<crate::report::stuck::StuckJson>,
    /// Busy work that is not known to be stuck.
    pub notes: Vec<crate::report::stuck::StuckJson>,
    /// The wait-for graph's edges beyond locks: WaitGroup, Cond and channel waits and the
    /// goroutines on their other side.
    pub edges: Vec<crate::report::stuck::EdgeJson>,
}

/// One lock.
#[derive(Serialize)]
pub struct LockJson {
    /// `L1`, `L2`, …
    pub id: String,
    /// `mutex` or `rwmutex`.
    pub kind: &'static str,
    /// Hex address, or null when no waiter printed it.
    pub address: Option<String>,
    /// The receiver of the lock site (the object holding the lock), when printed reliably.
    pub owner: Option<String>,
    /// The most common lock site.
    pub site: String,
    /// All lock sites.
    pub sites: Vec<String>,
    /// Waiting goroutine ids.
    pub waiters: Vec<u64>,
    /// Ids of waiters wanting read access (RWMutex only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readers: Vec<u64>,
    /// Holders, best first: the first is holdup's claim, the others the candidates it was
    /// preferred to; empty when no holder was found. A goroutine listed here is a claim.
    pub holders: Vec<HolderJson>,
    /// When `holders` is empty: goroutines with some evidence (the lock's type or package
    /// only), too weak to claim; best first, always at low confidence.
    pub candidates: Vec<HolderJson>,
}

/// One candidate holder.
#[derive(Serialize)]
pub struct HolderJson {
    /// Goroutine id.
    pub goroutine: Option<u64>,
    /// `high`, `medium` or `low`.
    pub confidence: &'static str,
    /// The ranking score.
    pub score: f64,
    /// Evidence sentences.
    pub evidence: Vec<String>,
}

/// One deadlock.
#[derive(Serialize)]
pub struct DeadlockJson {
    /// Goroutine ids in the cycle.
    pub goroutines: Vec<u64>,
    /// Lock ids in the cycle.
    pub locks: Vec<String>,
}

/// One root blocker.
#[derive(Serialize)]
pub struct BlockerJson {
    /// Goroutine id.
    pub goroutine: Option<u64>,
    /// Its state.
    pub state: String,
    /// Minutes in that state, if printed.
    pub wait_minutes: Option<u32>,
    /// Lock ids it holds.
    pub holds: Vec<String>,
    /// How many goroutines are blocked behind it.
    pub blocked_goroutines: usize,
    /// The blocked goroutines by entry function.
    pub by_entry: BTreeMap<String, usize>,
    /// The blocked goroutines by the operation they perform (`ContainerCreate`, `Cleanup`):
    /// the first exported function their entry calls.
    pub by_operation: BTreeMap<String, usize>,
    /// The longest wait among them, in minutes.
    pub longest_wait_minutes: Option<u32>,
    /// Its innermost frames.
    pub top_frames: Vec<String>,
    /// Holders between it and the waiters, as `{goroutine, waits}` pairs.
    pub via: Vec<ViaJson>,
    /// Whether it is part of a deadlock.
    pub in_deadlock: bool,
    /// The confidence of its best-held lock.
    pub confidence: &'static str,
    /// The goroutine the finding comes down to: the end of the chain past it (`beyond`), or
    /// itself.
    pub root: Option<u64>,
    /// The chain past it when it waits on other goroutines (a `WaitGroup`, a channel): ids,
    /// each waiting on the next.
    pub beyond: Vec<Option<u64>>,
    /// What it is doing, in words, as the headline says it (`deleting a directory tree:
    /// os.RemoveAll → unix.Unlinkat`, or what it waits in); `null` for running code holdup
    /// has no words for.
    pub doing: Option<String>,
    /// The kind of work (`disk`, `remote`, `stream`, `retry`), when the words are of holdup's
    /// table of known work.
    pub work: Option<crate::doing::Work>,
}

/// A hop of a chain.
#[derive(Serialize)]
pub struct ViaJson {
    /// The intermediate holder's id.
    pub goroutine: Option<u64>,
    /// The lock it waits for.
    pub waits: String,
}

/// Builds the JSON view of an analysis (dump `index` of its input).
pub fn dump_analysis(a: &Analysis<'_>, index: usize) -> DumpAnalysis {
    from_report(&Report::build(a, index, 1, Parts::default()))
}

fn holder_json(h: &crate::report::model::HolderInfo) -> HolderJson {
    HolderJson {
        goroutine: h.goroutine.id,
        confidence: h.confidence.as_str(),
        score: (h.score * 100.0).round() / 100.0,
        evidence: h.evidence.iter().map(evidence::text).collect(),
    }
}

/// Builds the JSON view of a report.
pub fn from_report(r: &Report) -> DumpAnalysis {
    let lock_id = |l: usize| r.locks[l].id.clone();
    let locks = r
        .locks
        .iter()
        .map(|l| LockJson {
            id: l.id.clone(),
            kind: l.kind.as_str(),
            address: l.address.map(|x| format!("{x:#x}")),
            owner: l.owner.map(|x| format!("{x:#x}")),
            site: l.site().to_string(),
            sites: l.sites.clone(),
            waiters: l.waiters.iter().filter_map(|w| w.goroutine.id).collect(),
            readers: l.waiters.iter().filter(|w| w.read).filter_map(|w| w.goroutine.id).collect(),
            holders: l.holders.iter().map(holder_json).collect(),
            candidates: l.candidates.iter().map(holder_json).collect(),
        })
        .collect();
    let deadlocks = r
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::Deadlock(c) => Some(DeadlockJson {
                goroutines: c.members.iter().filter_map(|m| m.goroutine.goroutine.id).collect(),
                locks: c.locks.iter().map(|&l| lock_id(l)).collect(),
            }),
            _ => None,
        })
        .collect();
    let blockers = r
        .blockers()
        .map(|b| {
            let g = &b.goroutine;
            BlockerJson {
                goroutine: g.goroutine.id,
                state: g.state.clone(),
                wait_minutes: g.wait_minutes,
                holds: b.holds.iter().map(|&l| lock_id(l)).collect(),
                blocked_goroutines: b.blocked,
                by_entry: b.by_entry.clone(),
                by_operation: b.by_operation.clone(),
                longest_wait_minutes: b.longest_wait,
                top_frames: g.frames.iter().take(8).map(|f| short(&f.func).to_string()).collect(),
                via: b.via.iter().map(|v| ViaJson { goroutine: v.goroutine.id, waits: lock_id(v.waits) }).collect(),
                in_deadlock: b.in_deadlock,
                confidence: b.confidence.as_str(),
                root: b.root().id,
                beyond: b.beyond.iter().map(|e| e.goroutine.id).collect(),
                doing: crate::report::words::holder_doing(b),
                work: b.doing.as_ref().map(|x| x.work),
            }
        })
        .collect();
    let no_holder = || {
        r.findings.iter().filter_map(|f| match f {
            Finding::NoHolder(n) => Some(n),
            _ => None,
        })
    };
    let leaked_locks = no_holder().map(|n| lock_id(n.lock)).collect();
    let leaked_by_operation = no_holder().map(|n| (lock_id(n.lock), n.by_operation.clone())).collect();
    DumpAnalysis {
        source: r.source.clone(),
        index: r.index,
        goroutines: r.goroutines,
        kind: r.kind,
        go: r.go.clone(),
        reason: r.reason.clone(),
        locks,
        deadlocks,
        blockers,
        leaked_locks,
        leaked_by_operation,
        warnings: r.warnings,
        stuck: r
            .findings
            .iter()
            .filter_map(|f| match f {
                Finding::Stuck(s) => Some(crate::report::stuck::stuck_json(s, "stuck")),
                _ => None,
            })
            .collect(),
        notes: r.notes.iter().map(|s| crate::report::stuck::stuck_json(s, "busy")).collect(),
        edges: r.edges.iter().map(crate::report::stuck::edge_json).collect(),
    }
}
