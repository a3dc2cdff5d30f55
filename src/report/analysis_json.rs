//! `holdup analyze --format json`: schema `holdup.analysis/v1`.
//!
//! The names in this file are a contract with scripts and CI jobs: fields may be added,
//! never renamed or removed within `v1`. Goroutine ids are numbers; goroutines without an id
//! (lost headers, pprof `debug=1` records) are left out of id lists.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::Analysis;
use crate::infer::short;
use crate::report::evidence::sentence;

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
    /// Lines that could not be read.
    pub warnings: u64,
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
}

/// A hop of a chain.
#[derive(Serialize)]
pub struct ViaJson {
    /// The intermediate holder's id.
    pub goroutine: Option<u64>,
    /// The lock it waits for.
    pub waits: String,
}

fn holder_json(d: &crate::model::Dump, l: &crate::locks::Lock, h: &crate::infer::Holder) -> HolderJson {
    HolderJson {
        goroutine: d.goroutines[h.goroutine].id,
        confidence: h.confidence.as_str(),
        score: (h.score * 100.0).round() / 100.0,
        evidence: h.evidence.iter().map(|e| sentence(d, l, h.goroutine, e)).collect(),
    }
}

/// Builds the JSON view of an analysis.
pub fn dump_analysis(a: &Analysis<'_>, index: usize) -> DumpAnalysis {
    let d = a.dump;
    let id = |g: usize| d.goroutines[g].id;
    let ids = |gs: &mut dyn Iterator<Item = usize>| -> Vec<u64> { gs.filter_map(|g| d.goroutines[g].id).collect() };
    let locks = a
        .locks
        .iter()
        .zip(a.holders.iter().zip(&a.candidates))
        .map(|(l, (hs, cs))| LockJson {
            id: l.id.clone(),
            kind: l.kind.as_str(),
            address: l.addr.map(|x| format!("{x:#x}")),
            owner: l.owner.map(|x| format!("{x:#x}")),
            site: d.func(l.site()).full.clone(),
            sites: l.sites.iter().map(|&f| d.func(f).full.clone()).collect(),
            waiters: ids(&mut l.waiters.iter().map(|&(g, _)| g)),
            readers: ids(&mut l.waiters.iter().filter(|w| w.1 == crate::locks::Mode::Read).map(|&(g, _)| g)),
            holders: hs.iter().map(|h| holder_json(d, l, h)).collect(),
            candidates: cs.iter().map(|h| holder_json(d, l, h)).collect(),
        })
        .collect();
    let lock_id = |l: usize| a.locks[l].id.clone();
    DumpAnalysis {
        source: d.source.clone(),
        index,
        goroutines: d.goroutine_count(),
        kind: d.kind.as_str(),
        go: d.era.to_string(),
        reason: d.reason.clone(),
        locks,
        deadlocks: a
            .deadlocks
            .iter()
            .map(|c| DeadlockJson {
                goroutines: ids(&mut c.goroutines.iter().copied()),
                locks: c.locks.iter().map(|&l| lock_id(l)).collect(),
            })
            .collect(),
        blockers: a
            .blockers
            .iter()
            .map(|b| {
                let g = &d.goroutines[b.goroutine];
                let confidence = b
                    .holds
                    .iter()
                    .filter_map(|&l| a.holders[l].first().map(|h| h.confidence))
                    .max()
                    .map_or("low", |c| c.as_str());
                BlockerJson {
                    goroutine: g.id,
                    state: d.state(g).to_string(),
                    wait_minutes: g.wait_minutes,
                    holds: b.holds.iter().map(|&l| lock_id(l)).collect(),
                    blocked_goroutines: b.blocked.len(),
                    by_entry: b.by_entry.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                    longest_wait_minutes: b.longest_wait,
                    top_frames: d.frames(g).take(8).map(|f| short(&f.func.full).to_string()).collect(),
                    via: b.via.iter().map(|&(g, l)| ViaJson { goroutine: id(g), waits: lock_id(l) }).collect(),
                    in_deadlock: b.in_deadlock,
                    confidence,
                }
            })
            .collect(),
        leaked_locks: a.leaked.iter().map(|&l| lock_id(l)).collect(),
        warnings: d.warnings.len() as u64 + d.warnings_dropped,
    }
}
