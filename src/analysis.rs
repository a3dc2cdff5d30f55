//! One dump's analysis: waits → locks → holders → wait-for graph → findings, most important
//! first (deadlocks, then blockers by how many goroutines wait behind them, then locks
//! without a live holder).

use std::collections::BTreeMap;

use crate::graph::{Entries, WaitGraph, by_entry, by_operation};
use crate::infer::{self, Holder};
use crate::locks::{self, Lock};
use crate::model::Dump;
use crate::stuck::{self, StuckWork};
use crate::waits::{self, Wait};

/// A deadlock: goroutines that wait for each other's locks.
#[derive(Debug, Clone)]
pub struct Deadlock {
    /// Goroutine indices, sorted.
    pub goroutines: Vec<usize>,
    /// Lock indices, sorted.
    pub locks: Vec<usize>,
}

/// A goroutine at the root of blocking: holds contended locks and does not wait for one
/// (or is part of a deadlock).
#[derive(Debug, Clone)]
pub struct Blocker {
    /// Goroutine index.
    pub goroutine: usize,
    /// Locks it is the best holder of.
    pub holds: Vec<usize>,
    /// Every goroutine blocked behind it, directly or through other holders.
    pub blocked: Vec<usize>,
    /// Blocked goroutines by entry function.
    pub by_entry: BTreeMap<String, usize>,
    /// Blocked goroutines by the operation they perform (`ContainerCreate`, `Cleanup`).
    pub by_operation: BTreeMap<String, usize>,
    /// The longest wait among the blocked, in minutes.
    pub longest_wait: Option<u32>,
    /// Holders between the root and the waiters: (goroutine, lock it waits for), outermost first.
    pub via: Vec<(usize, usize)>,
    /// Part of a deadlock.
    pub in_deadlock: bool,
    /// Where its own wait leads when it is not a lock (a `WaitGroup` for workers it started,
    /// a channel): the chain of goroutines past it, each waiting on the next; the last is
    /// the goroutine the whole finding comes down to. Empty when it waits on nobody known.
    pub beyond: Vec<usize>,
}

impl Blocker {
    /// The goroutine the finding comes down to: the end of the chain past the holder, or
    /// the holder.
    pub fn root(&self) -> usize {
        self.beyond.last().copied().unwrap_or(self.goroutine)
    }
}

/// Everything holdup concludes about one dump.
#[derive(Debug)]
pub struct Analysis<'d> {
    /// The dump.
    pub dump: &'d Dump,
    /// What every goroutine waits on, by goroutine index.
    pub waits: Vec<Wait>,
    /// The contended locks, most waiters first.
    pub locks: Vec<Lock>,
    /// Holders per lock, best first: the first is the claim, the others the candidates it
    /// was preferred to (empty: no holder found).
    pub holders: Vec<Vec<Holder>>,
    /// Per lock without a holder: the candidates whose evidence was too weak to claim
    /// (only the lock's type or package), best first; empty for locks with a holder.
    pub candidates: Vec<Vec<Holder>>,
    /// The wait-for graph.
    pub graph: WaitGraph,
    /// Deadlock cycles.
    pub deadlocks: Vec<Deadlock>,
    /// Root blockers, most blocked goroutines first (deadlock members included).
    pub blockers: Vec<Blocker>,
    /// Locks with waiters and no live holder found.
    pub leaked: Vec<usize>,
    /// Entry functions of goroutines.
    pub entries: Entries,
    /// Goroutines stuck doing work outside the lock findings, notes on busy work, and the
    /// other side of `WaitGroup`, `Cond` and channel waits.
    pub stuck: StuckWork,
}

/// Analyzes one dump.
pub fn analyze(d: &Dump) -> Analysis<'_> {
    // Entry functions need nothing but the dump: they are found on whichever core the
    // holder inference leaves idle in its sequential steps.
    let ((waits, locks, ranked), entries) = crate::par::join(
        d.goroutines.len(),
        || {
            let waits: Vec<Wait> = waits::classify_all(d);
            let locks = locks::group(d, &waits);
            let ranked = infer::infer(d, &waits, &locks);
            (waits, locks, ranked)
        },
        || Entries::new(d),
    );
    // A weakly supported best candidate is no holder: the graph, the blockers and the
    // deadlocks are built from claims only.
    let (mut holders, mut candidates) = infer::split_claims(d, &locks, ranked);
    infer::claim_waiting_on_own_work(d, &waits, &mut holders, &mut candidates);
    let graph = WaitGraph::build(&locks, &holders);
    let deadlocks: Vec<Deadlock> =
        graph.cycles().into_iter().map(|(goroutines, locks)| Deadlock { goroutines, locks }).collect();
    let in_deadlock = |g: usize| deadlocks.iter().any(|c| c.goroutines.contains(&g));

    // Holders shown in a lock finding are not shown again as stuck work: their finding says
    // what they do, and the stuck pass follows their waits past the lock.
    let mut skip = vec![false; d.goroutines.len()];
    for hs in &holders {
        if let Some(h) = hs.first() {
            skip[h.goroutine] = true;
        }
    }
    for c in &deadlocks {
        for &g in &c.goroutines {
            skip[g] = true;
        }
    }
    let mut stuck = stuck::find(d, &waits, &entries, &skip);

    let mut roots: Vec<usize> = holders.iter().filter_map(|h| h.first().map(|h| h.goroutine)).collect();
    roots.sort_unstable();
    roots.dedup();
    roots.retain(|&g| !waits[g].kind.is_lock() || in_deadlock(g));
    // A root blocker that waits on other goroutines continues its chain past the lock; stuck
    // findings on that chain (the worker it waits for, or work that waits on the same end)
    // are part of its finding, not findings of their own.
    let beyond: Vec<Vec<usize>> =
        roots.iter().map(|&g| if in_deadlock(g) { Vec::new() } else { stuck.chain(g) }).collect();
    let mut on_chain: hashbrown::HashMap<usize, usize> = hashbrown::HashMap::new();
    for (r, (&g, b)) in roots.iter().zip(&beyond).enumerate() {
        if !b.is_empty() {
            on_chain.insert(g, r);
            for &x in b {
                on_chain.entry(x).or_insert(r);
            }
        }
    }
    let mut folded: Vec<Vec<usize>> = vec![Vec::new(); roots.len()];
    if !on_chain.is_empty() {
        stuck.findings.retain(|f| {
            let hit = f.goroutines.iter().chain(&f.beyond).find_map(|g| on_chain.get(g).copied());
            match hit {
                Some(r) => {
                    let mine = &beyond[r];
                    folded[r].extend(f.goroutines.iter().chain(&f.behind).filter(|g| !mine.contains(g)));
                    false
                }
                None => true,
            }
        });
    }
    // Each blocker counts the entry functions of everything behind it: thousands of stacks
    // walked per blocker on a large dump, so blockers are worked out on every core.
    let work: Vec<(usize, Vec<usize>, Vec<usize>)> =
        roots.into_iter().zip(beyond).zip(folded).map(|((g, b), f)| (g, b, f)).collect();
    let mut blockers: Vec<Blocker> = crate::par::map(d.goroutines.len(), &work, |(g, beyond, folded)| {
        let g = *g;
        let mut blocked = graph.blocked_behind(g);
        if !folded.is_empty() {
            blocked.extend(folded.iter().filter(|&&x| x != g));
            blocked.sort_unstable();
            blocked.dedup();
        }
        let longest_wait = blocked.iter().filter_map(|&b| d.goroutines[b].wait_minutes).max();
        Blocker {
            goroutine: g,
            holds: graph.holds(g),
            by_entry: by_entry(d, &entries, &blocked),
            by_operation: by_operation(d, &entries, &blocked),
            longest_wait,
            via: chain_to(&graph, &locks, &holders, g),
            in_deadlock: in_deadlock(g),
            blocked,
            beyond: beyond.clone(),
        }
    });
    blockers.sort_by_key(|b| (!b.in_deadlock, std::cmp::Reverse(b.blocked.len()), d.goroutines[b.goroutine].id));
    let leaked = (0..locks.len()).filter(|&l| holders[l].is_empty()).collect();
    Analysis { dump: d, waits, locks, holders, candidates, graph, deadlocks, blockers, leaked, entries, stuck }
}

/// Holders that wait for a lock held by `root`, transitively: the chain from the waiters'
/// side down to the root, as (holder, lock it waits for).
fn chain_to(graph: &WaitGraph, locks: &[Lock], holders: &[Vec<Holder>], root: usize) -> Vec<(usize, usize)> {
    let mut chain = Vec::new();
    let mut frontier = vec![root];
    let mut seen = vec![root];
    while let Some(g) = frontier.pop() {
        for l in graph.holds(g) {
            for &(w, _) in &locks[l].waiters {
                let holds_other = holders.iter().any(|h| h.first().is_some_and(|h| h.goroutine == w));
                if holds_other && !seen.contains(&w) {
                    seen.push(w);
                    chain.push((w, l));
                    frontier.push(w);
                }
            }
        }
    }
    chain.reverse();
    chain
}

impl Analysis<'_> {
    /// The goroutine each finding comes down to, in the order reports show the findings
    /// (deadlocks, blockers, locks without a holder, stuck work); `None` for a finding that
    /// names no goroutine (a lock without a holder).
    pub fn roots(&self) -> Vec<Option<usize>> {
        let mut out: Vec<Option<usize>> = Vec::new();
        for c in &self.deadlocks {
            out.push(c.goroutines.first().copied());
        }
        out.extend(self.blockers.iter().filter(|b| !b.in_deadlock).map(|b| Some(b.root())));
        out.extend(self.leaked.iter().map(|_| None));
        out.extend(self.stuck.findings.iter().map(|f| Some(f.root())));
        out
    }

    /// Whether anything worth reporting was found.
    pub fn has_findings(&self) -> bool {
        !self.locks.is_empty() || !self.stuck.findings.is_empty()
    }
}
