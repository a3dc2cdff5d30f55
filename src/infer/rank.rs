//! From scores to holders: the candidates' running scores, the ranking, the confidence, and
//! ties between locks.
//!
//! [`infer_one`] runs the rules of [`super::rules`] for one lock in their order, then keeps
//! the candidates that reach [`MIN_SCORE`]. Confidence is *high* for a direct or typed-owner
//! match no other candidate contests, *medium* for a clear lead, *low* otherwise.

use super::index::Index;
use super::rules::{self, LockCx, Tally};
use super::{Evidence, Holder};
use crate::locks::Lock;
use crate::model::FuncId;
use crate::waits::Wait;

/// The least score for a candidate to be reported.
pub const MIN_SCORE: f64 = 2.0;
/// The least score for a *medium* confidence.
pub const MEDIUM_SCORE: f64 = 4.0;
/// The most that state and duration add to a candidate's score: a busy state (0.5) or a
/// nested lock wait (up to 1), plus 0.5 for a wait at least as long as the longest waiter's.
pub(super) const MAX_BONUS: f64 = 1.5;
/// At most this many candidates are reported per lock.
pub const MAX_CANDIDATES: usize = 3;

/// How sure an inference is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Weak or shared evidence.
    Low,
    /// Clearly ahead of the other candidates.
    Medium,
    /// A direct match on the lock or its owner.
    High,
}

impl Confidence {
    /// The stable name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A candidate's running score and what kinds of evidence it has.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Cand {
    pub(super) score: f64,
    pub(super) direct: bool,
    pub(super) owner_typed: bool,
    pub(super) kin: bool,
    /// Blocked as long as the waiters ([`Evidence::SameTime`]).
    pub(super) timed: bool,
    /// The evidence of the three rules that reach tens of thousands of goroutines per lock
    /// is kept here rather than in [`Scratch::whys`]: the method of the lock sites' type it
    /// runs, at work in that type's code, in the lock site's package.
    pub(super) same_type: Option<FuncId>,
    pub(super) at_work: bool,
    pub(super) package: bool,
}

/// The candidates of one lock, by goroutine. Dense rather than hashed: the type and package
/// rules touch tens of thousands of goroutines per lock.
pub(super) struct Cands {
    /// Per goroutine: its position in `list`, or `u32::MAX`.
    slot: Vec<u32>,
    /// Candidates in the order they were first scored.
    pub(super) list: Vec<(usize, Cand)>,
}

impl Cands {
    pub(super) fn entry(&mut self, g: usize) -> &mut Cand {
        let mut at = self.slot[g] as usize;
        if self.slot[g] == u32::MAX {
            at = self.list.len();
            self.slot[g] = at as u32;
            self.list.push((g, Cand::default()));
        }
        &mut self.list[at].1
    }

    pub(super) fn get(&self, g: usize) -> Option<&Cand> {
        self.list.get(self.slot[g] as usize).map(|c| &c.1)
    }

    /// Empties the table for the next lock, keeping its memory.
    fn clear(&mut self) {
        for &(g, _) in &self.list {
            self.slot[g] = u32::MAX;
        }
        self.list.clear();
    }
}

/// What one worker reuses from lock to lock, each part sized by the dump and left clean.
pub(super) struct Scratch {
    cands: Cands,
    /// The evidence of each candidate, in the order the rules found it. Kept with its
    /// memory from lock to lock: on a large dump it grows to megabytes per lock, and fresh
    /// pages cost more than the writes.
    whys: Vec<(usize, Evidence)>,
    /// Per goroutine: waits for the lock at hand.
    waiting: Vec<bool>,
    /// Per stack shape: a counter for [`Index::share_out`].
    per_shape: Vec<u32>,
    /// Per stack shape: at work in the lock's code (2), not (1), not yet known (0); zeroed
    /// after each lock.
    at_work: Vec<u8>,
}

impl Scratch {
    pub(super) fn new(goroutines: usize, shapes: usize) -> Self {
        Scratch {
            cands: Cands { slot: vec![u32::MAX; goroutines], list: Vec::new() },
            whys: Vec::new(),
            waiting: vec![false; goroutines],
            per_shape: vec![0; shapes],
            at_work: vec![0; shapes],
        }
    }
}

/// Infers the holders of lock `li` (`l`), using and then cleaning `scratch`.
pub(super) fn infer_one(ix: &Index<'_>, waits: &[Wait], li: usize, l: &Lock, scratch: &mut Scratch) -> Vec<Holder> {
    for &(g, _) in &l.waiters {
        scratch.waiting[g] = true;
    }
    let holders = rank(ix, waits, li, l, scratch);
    for &(g, _) in &l.waiters {
        scratch.waiting[g] = false;
    }
    scratch.cands.clear();
    scratch.whys.clear();
    holders
}

/// Scores the candidates of one lock (`scratch.waiting` marks its waiters) by running every
/// rule in the table's order, and keeps the best.
fn rank(ix: &Index<'_>, waits: &[Wait], li: usize, l: &Lock, scratch: &mut Scratch) -> Vec<Holder> {
    let d = ix.d;
    let Scratch { cands, whys, waiting, per_shape, at_work } = scratch;
    let site_func = d.func(l.site());
    let cx = LockCx {
        ix,
        waits,
        li,
        l,
        site_func,
        site_type: site_func.receiver_type().map(|t| (site_func.package(), t)),
        waiting,
    };
    let mut t = Tally { cands, whys };
    rules::direct(&cx, &mut t);
    rules::owner(&cx, &mut t);
    rules::shared(&cx, &mut t);
    rules::past_line(&cx, &mut t, per_shape);
    let same_type_count = rules::same_type(&cx, &mut t, per_shape);
    rules::at_work(&cx, &mut t, per_shape, at_work);
    rules::same_time(&cx, &mut t);
    rules::package(&cx, &mut t, per_shape);
    rules::dumper(&cx, &mut t);
    rules::state_and_duration(&cx, &mut t);
    let Tally { cands, whys } = t;

    let mut ranked: Vec<(usize, Cand)> = cands.list.iter().copied().filter(|(_, c)| c.score >= MIN_SCORE).collect();
    ranked.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(d.goroutines[a.0].id.cmp(&d.goroutines[b.0].id)));
    let directs = ranked.iter().filter(|h| h.1.direct).count();
    let second = ranked.get(1).map_or(0.0, |h| h.1.score);
    // A direct match is conclusive only when no other candidate has code-level evidence.
    let contested = ranked.iter().filter(|h| h.1.kin || h.1.direct).count() > 1;
    // Another goroutine at work in the lock's code (or passing the lock too) is a rival a
    // score cannot settle: two goroutines in methods of the type, one of which passes the
    // object, are each as likely to be inside the critical section. Measured on the
    // generated dumps with truth, such leads were wrong one time in two: they stay low.
    let rival_at_work = ranked.iter().skip(1).any(|h| h.1.at_work || h.1.direct);
    ranked.truncate(MAX_CANDIDATES);
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, (g, c))| {
            let confidence = if i == 0 && ((c.direct && directs == 1) || c.owner_typed) && !contested {
                Confidence::High
            } else if i == 0 && c.score >= MEDIUM_SCORE && c.score >= 1.5 * second && !rival_at_work {
                Confidence::Medium
            } else {
                Confidence::Low
            };
            // In the order the rules ran: those before the type rule, the three kept in the
            // candidate, then the state and duration adjustments.
            let before = |w: &Evidence| {
                matches!(
                    w,
                    Evidence::Direct { .. }
                        | Evidence::Owner { .. }
                        | Evidence::Shared { .. }
                        | Evidence::PastLine { .. }
                )
            };
            let mine = || whys.iter().filter(move |w| w.0 == g).map(|w| w.1);
            let kept = [
                c.same_type.map(|func| Evidence::SameType { func, count: same_type_count }),
                c.at_work.then_some(Evidence::AtWork),
                c.package.then_some(Evidence::Package),
            ];
            let evidence =
                mine().filter(before).chain(kept.into_iter().flatten()).chain(mine().filter(|w| !before(w))).collect();
            Holder { goroutine: g, confidence, score: c.score, evidence }
        })
        .collect()
}

/// The goroutines tied for first place on a lock.
fn tied(hs: &[Holder]) -> Vec<usize> {
    let top = hs.first().map_or(0.0, |h| h.score);
    hs.iter().take_while(|h| (h.score - top).abs() < 1e-9).map(|h| h.goroutine).collect()
}

/// Three removers of three `Root`s that print no receiver tie on all three locks: nothing
/// tells which holds which, but one goroutine holding all three is the least likely reading.
/// Locks whose tied first places are the same goroutines get them in turn (all stay low
/// confidence, and the others remain listed as candidates).
pub(super) fn spread_ties(all: &mut [Vec<Holder>]) {
    let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for (li, hs) in all.iter().enumerate() {
        let t = tied(hs);
        if t.len() < 2 {
            continue;
        }
        match groups.iter_mut().find(|(set, _)| *set == t) {
            Some((_, ls)) => ls.push(li),
            None => groups.push((t, vec![li])),
        }
    }
    for (set, ls) in groups {
        for (k, &li) in ls.iter().enumerate() {
            let want = set[k % set.len()];
            if let Some(pos) = all[li].iter().position(|h| h.goroutine == want) {
                all[li][..=pos].rotate_right(1);
                for (i, h) in all[li].iter_mut().enumerate() {
                    h.confidence = if i == 0 { h.confidence.min(Confidence::Low) } else { Confidence::Low };
                }
            }
        }
    }
}

/// Whether goroutine `g` wrote the dump. `runtime.Stack` prints the calling goroutine first,
/// `[running]`, from its caller down (`pkg/signal.DumpStacks` in a dockerd SIGUSR1 file, a
/// pprof handler's `runtime/pprof.writeGoroutineStacks`); `runtime/debug.Stack` shows
/// itself. The writer runs code of its program's packages, often of the very package whose
/// lock is contended, while all it does is print: it is never taken for a holder on that.
pub fn writes_the_dump(d: &crate::model::Dump, g: usize) -> bool {
    use crate::model::DumpKind;
    let first_running = g == 0
        && matches!(d.kind, DumpKind::Raw | DumpKind::DockerdFile | DumpKind::LogrusLine)
        && d.state(&d.goroutines[0]) == "running";
    first_running
        || d.frames(&d.goroutines[g]).any(|f| {
            matches!(
                f.func.full.as_str(),
                "runtime.Stack"
                    | "runtime/debug.Stack"
                    | "runtime/debug.PrintStack"
                    | "runtime/pprof.writeGoroutineStacks"
                    | "runtime/pprof.writeGoroutine"
            )
        })
}

/// Whether the evidence for `h` says something about this very lock rather than only about
/// its type or package: the lock's address or owner among its arguments (direct, owner
/// below the lock), its code past the line where the waiters block, an object that every
/// waiter passes too, or being the only goroutine at work in the lock's type that is not
/// waiting. A method of the type among several, code of the package, its state and how long
/// it waited can point at a goroutine that has nothing to do with the lock (a monitor loop
/// of the same package, the goroutine that wrote the dump): alone, they make a candidate,
/// not a holder. The dump's writer is a holder only when its own frames carry the lock's
/// address.
pub fn is_claim(d: &crate::model::Dump, l: &Lock, h: &Holder) -> bool {
    let direct = h.evidence.iter().any(|e| matches!(e, Evidence::Direct { .. }));
    if writes_the_dump(d, h.goroutine) {
        return direct;
    }
    // The lock-site type speaks for the lock only if the lock may be inside the receiver:
    // a lock printed well above (or below) the receiver belongs to another object.
    let inside_receiver = match (l.addr, l.owner) {
        (Some(a), Some(o)) => a >= o && a - o <= 512,
        _ => true,
    };
    let only_one_at_work = inside_receiver
        && h.evidence.iter().any(|e| matches!(e, Evidence::SameType { count: 1, .. }))
        && h.evidence.iter().any(|e| matches!(e, Evidence::AtWork));
    only_one_at_work
        || h.evidence.iter().any(|e| match *e {
            Evidence::Direct { .. } | Evidence::Owner { .. } | Evidence::PastLine { .. } => true,
            // An object that every waiter passes, or that most do and no goroutine but this
            // one passes besides them (the `*Container` of `docker ps` waiters, passed by the
            // one state change that locked it).
            Evidence::Shared { waiters, others, .. } => {
                waiters == l.waiters.len() || (others == 1 && 3 * waiters >= 2 * l.waiters.len())
            }
            _ => false,
        })
}

/// Splits every lock's ranked candidates into holders (claims) and candidates: when the best
/// candidate is not a claim ([`is_claim`]), the lock has no holder found and its
/// candidates are only listed.
pub fn split_claims(
    d: &crate::model::Dump,
    locks: &[Lock],
    all: Vec<Vec<Holder>>,
) -> (Vec<Vec<Holder>>, Vec<Vec<Holder>>) {
    let mut holders = Vec::with_capacity(all.len());
    let mut candidates = Vec::with_capacity(all.len());
    for (l, mut hs) in locks.iter().zip(all) {
        // Only the weak are listed as candidates of a lock without holder: a dump writer
        // that is not a claim is dropped from the list too.
        if hs.first().is_some_and(|h| is_claim(d, l, h)) {
            holders.push(hs);
            candidates.push(Vec::new());
        } else {
            hs.retain(|h| !writes_the_dump(d, h.goroutine));
            for h in &mut hs {
                h.confidence = Confidence::Low;
            }
            holders.push(Vec::new());
            candidates.push(hs);
        }
    }
    (holders, candidates)
}

/// For a lock without a holder: when exactly one of its candidates waits in a `WaitGroup` or
/// `Cond` for goroutines its own code started and that are still alive (`created by` the
/// function it waits in, or `in goroutine` it), it is claimed, at low confidence, with
/// [`Evidence::WaitsOnItsOwn`]. The other candidates of such a lock are idle loops or code
/// of the lock's type waiting for input; a holder that waits for workers it started is how
/// `StateChanged` kept the container lock while a mount release never returned. Only locks
/// without a holder and with such a candidate cost a pass over the goroutines.
pub fn claim_waiting_on_own_work(
    d: &crate::model::Dump,
    waits: &[Wait],
    holders: &mut [Vec<Holder>],
    candidates: &mut [Vec<Holder>],
) {
    use crate::waits::WaitKind;
    let waits_on_others = |g: usize| matches!(waits[g].kind, WaitKind::WaitGroup | WaitKind::Cond);
    let wanted: Vec<usize> = (0..holders.len())
        .filter(|&l| holders[l].is_empty())
        .flat_map(|l| candidates[l].iter().map(|h| h.goroutine))
        .filter(|&g| waits_on_others(g))
        .collect();
    if wanted.is_empty() {
        return;
    }
    // Per wanted candidate: its id and the function it waits in; then one pass counts the
    // live goroutines each started.
    let keys: Vec<(usize, Option<u64>, Option<FuncId>)> =
        wanted.iter().map(|&g| (g, d.goroutines[g].id, waits[g].site.map(|i| d.site_at(i).func))).collect();
    let mut started = vec![0usize; keys.len()];
    for gr in &d.goroutines {
        let Some(c) = gr.created_by.as_ref() else { continue };
        let by = d.site(c.site).func;
        for (k, &(_, id, site)) in keys.iter().enumerate() {
            if (c.parent.is_some() && c.parent == id) || (c.parent.is_none() && Some(by) == site) {
                started[k] += 1;
            }
        }
    }
    for l in 0..holders.len() {
        if !holders[l].is_empty() {
            continue;
        }
        let own: Vec<(usize, usize)> = candidates[l]
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let k = keys.iter().position(|&(g, _, _)| g == h.goroutine)?;
                (started[k] > 0).then_some((i, started[k]))
            })
            .collect();
        let [(i, count)] = own[..] else { continue };
        let mut h = candidates[l].remove(i);
        h.confidence = Confidence::Low;
        h.evidence.push(Evidence::WaitsOnItsOwn { count });
        holders[l] = std::iter::once(h).chain(candidates[l].drain(..)).collect();
    }
}
