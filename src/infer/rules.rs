//! The evidence rules: one function per row of the table in [`super`], each adding to the
//! scores of the candidates it finds and recording why as [`Evidence`].
//!
//! [`super::rank`] runs them in the table's order; the order matters twice: the owner rule
//! skips goroutines the direct rule matched, and the package rule, the last to add
//! evidence, leaves alone goroutines it alone could never lift to [`MIN_SCORE`].

use hashbrown::HashMap;

use super::Evidence;
use super::index::Index;
use super::rank::{Cands, MAX_BONUS, MIN_SCORE};
use crate::cache::prefetch;
use crate::locks::Lock;
use crate::model::{Dump, Func, FuncId};
use crate::waits::{Wait, WaitKind};

/// What every rule reads about the lock at hand.
pub(super) struct LockCx<'a, 'd> {
    pub(super) ix: &'a Index<'d>,
    pub(super) waits: &'a [Wait],
    /// The lock's index, for the per-lock parts of the index.
    pub(super) li: usize,
    pub(super) l: &'a Lock,
    /// The most common lock site's function, and its receiver type as (package, type).
    pub(super) site_func: &'d Func,
    pub(super) site_type: Option<(&'d str, &'d str)>,
    /// Per goroutine: waits for this lock.
    pub(super) waiting: &'a [bool],
}

impl LockCx<'_, '_> {
    /// Whether goroutine `g` may hold the lock: not the runtime's, not one of its waiters.
    fn eligible(&self, g: usize) -> bool {
        self.ix.candidate[g] && !self.waiting[g]
    }
}

/// The candidates' scores and the evidence recorded so far.
pub(super) struct Tally<'s> {
    pub(super) cands: &'s mut Cands,
    /// Evidence in the order found, by goroutine; the three rules that reach tens of
    /// thousands of goroutines keep theirs in the candidate instead.
    pub(super) whys: &'s mut Vec<(usize, Evidence)>,
}

impl Tally<'_> {
    fn add(&mut self, g: usize, score: f64, why: Evidence) {
        self.cands.entry(g).score += score;
        self.whys.push((g, why));
    }
}

/// | the lock's address, or the waiters' lock-site receiver, is a reliable argument | 10 |
/// the holder works on the very object (`(*Root).Remove(0xc000aee820)`) |
pub(super) fn direct(cx: &LockCx<'_, '_>, t: &mut Tally<'_>) {
    let l = cx.l;
    for (value, owner) in [(l.addr, false), (l.owner.filter(|&o| Some(o) != l.addr), true)] {
        let Some(v) = value else { continue };
        for g in cx.ix.by_value.get(v).iter().map(|&g| g as usize) {
            if cx.eligible(g) {
                t.add(g, 10.0, Evidence::Direct { owner, value: v });
                t.cands.entry(g).direct = true;
            }
        }
    }
}

/// | the waiters printed no owner, and it passes the closest value below the lock (objects
/// do not overlap), as a receiver of the lock sites' type | 6 (3–4 otherwise) | the struct
/// that contains the lock at an offset |
///
/// The closest value below the lock that any goroutine passes is the owner (or a pointer
/// into it); anything farther is a neighbour and says nothing. When the waiters printed the
/// owner itself (their lock site's receiver), values below the lock belong to other objects.
pub(super) fn owner(cx: &LockCx<'_, '_>, t: &mut Tally<'_>) {
    let (d, l) = (cx.ix.d, cx.l);
    let Some(a) = l.addr.filter(|_| l.owner.is_none()) else { return };
    let mut best: HashMap<usize, (f64, Evidence, bool)> = HashMap::new();
    for &(v, gi, fi, receiver) in &cx.ix.near[cx.li] {
        let gi = gi as usize;
        if !cx.eligible(gi) || t.cands.get(gi).is_some_and(|h| h.direct) {
            continue;
        }
        let f = d.frame(fi);
        let typed =
            receiver && cx.site_type.is_some() && f.func.receiver_type().map(|t| (f.func.package(), t)) == cx.site_type;
        let score = match (typed, receiver) {
            (true, _) => 6.0,
            (false, true) => 4.0,
            (false, false) => 3.0,
        };
        let e = best.entry(gi).or_insert((0.0, Evidence::Package, false));
        if score > e.0 {
            *e = (score, Evidence::Owner { value: v, frame: fi, lock: a, typed }, typed);
        }
    }
    let mut best: Vec<_> = best.into_iter().collect();
    best.sort_unstable_by_key(|b| b.0);
    for (gi, (score, why, typed)) in best {
        t.add(gi, score, why);
        let c = t.cands.entry(gi);
        c.owner_typed |= typed;
        c.kin = true;
    }
}

/// | an object (pointer-like reliable argument of application code) shared with the
/// waiters' stacks | up to 6, by rarity and reach | the `*Container` that waiters and one
/// other goroutine pass |
pub(super) fn shared(cx: &LockCx<'_, '_>, t: &mut Tally<'_>) {
    let l = cx.l;
    let mut shared: HashMap<usize, (f64, u64, usize, usize)> = HashMap::new();
    // Sorted by value, so that equal scores pick the same object on every run.
    for &(v, n_waiters) in &cx.ix.support[cx.li] {
        if Some(v) == l.addr || Some(v) == l.owner {
            continue;
        }
        let holders: Vec<usize> =
            cx.ix.by_app_value.get(v).iter().map(|&g| g as usize).filter(|&g| cx.eligible(g)).collect();
        if holders.is_empty() {
            continue;
        }
        let s = 6.0 / holders.len() as f64 * n_waiters as f64 / l.waiters.len() as f64;
        for &g in &holders {
            let e = shared.entry(g).or_insert((0.0, v, n_waiters, holders.len()));
            if s > e.0 {
                *e = (s, v, n_waiters, holders.len());
            }
        }
    }
    let mut shared: Vec<_> = shared.into_iter().filter(|(_, e)| e.0 >= 0.5).collect();
    shared.sort_unstable_by_key(|e| e.0);
    for (g, (s, value, waiters, others)) in shared {
        t.add(g, s, Evidence::Shared { value, waiters, others });
    }
}

/// | inside the lock site's function, past the line where waiters block | 5, shared | it
/// got past `Lock()` |
pub(super) fn past_line(cx: &LockCx<'_, '_>, t: &mut Tally<'_>, per_shape: &mut [u32]) {
    let (d, l, ix) = (cx.ix.d, cx.l, cx.ix);
    let lock_line = l.waiters.iter().find_map(|&(gi, _)| cx.waits[gi].site.map(|i| d.site_at(i).line));
    if let Some(line) = lock_line {
        let past = ix.by_func.get(&l.site()).into_iter().flatten().map(|&(g, at)| (g as usize, at));
        ix.share_out(past.filter(|&(g, at)| cx.eligible(g) && at > line), per_shape, |g, at, share| {
            t.add(g, 5.0 * share, Evidence::PastLine { at, line });
            t.cands.entry(g).kin = true;
        });
    }
}

/// | inside a method of the lock sites' receiver type | 3, shared | methods of a type take
/// its lock |
///
/// Returns how many goroutines it matched, for the evidence it keeps in the candidates.
pub(super) fn same_type(cx: &LockCx<'_, '_>, t: &mut Tally<'_>, per_shape: &mut [u32]) -> usize {
    let ix = cx.ix;
    let mut count = 0;
    if let Some(ty) = cx.site_type.and_then(|k| ix.types.iter().position(|&x| x == k)) {
        let same = ix.by_type.get(&(ty as u32)).into_iter().flatten().flatten().map(|&(g, f)| (g as usize, f));
        ix.share_out(same.filter(|&(g, _)| cx.eligible(g)), per_shape, |g, func, share| {
            count += 1;
            let c = t.cands.entry(g);
            c.score += 3.0 * share;
            c.same_type = Some(func);
            c.kin = true;
        });
    }
    count
}

/// | its innermost application code is a method of that type | 4, shared | at work in the
/// lock's code (`removePath` in `(*Root).Remove`) |
///
/// The innermost application frames, while they stay in the lock site's package, reach a
/// method of its type: `removePath` in `(*Root).Remove` sleeping, reading or waiting there
/// while waiters queue on the Root's lock. `at_work` is per stack shape, zeroed.
pub(super) fn at_work(cx: &LockCx<'_, '_>, t: &mut Tally<'_>, per_shape: &mut [u32], at_work: &mut [u8]) {
    let (d, ix, waits) = (cx.ix.d, cx.ix, cx.waits);
    let Some(ty) = cx.site_type else { return };
    let code = TypeCode::new(d, ty.0, ty.1);
    // A goroutine queued on another lock of the same type (its own lock site is a method
    // of the type) is waiting to enter that code, not at work in it.
    let queued =
        |g: usize| waits[g].kind.is_lock() && crate::waits::site_func(d, &waits[g]).is_some_and(|f| code.of_type(f));
    // Whether a goroutine is at work depends on its functions alone, so it is worked out
    // once per stack shape: tens of thousands of goroutines share a few hundred shapes.
    let memo = &mut *at_work;
    let mut at_work_shape = |g: usize| {
        let k = ix.shape[g] as usize;
        if memo[k] == 0 {
            memo[k] = if at_work_in(ix, g, &code) { 2 } else { 1 };
        }
        memo[k] == 2
    };
    // Cheapest test first: eligibility is two flags; the per-shape answer turns away
    // nearly every goroutine of the package from a small table; only then is the wait
    // record read.
    let mut here: Vec<usize> = ix
        .by_package
        .get(ty.0)
        .map(|v| v.iter().flatten().map(|&g| g as usize).filter(|&g| cx.eligible(g) && at_work_shape(g)).collect())
        .unwrap_or_default();
    // Where many locks share a type, the waiters of the others pass the per-shape test
    // by the hundred thousand, and each one's wait record and lock-site frame are two
    // cache misses: they are started a few goroutines ahead.
    let mut kept = 0;
    for k in 0..here.len() {
        if let Some(&g) = here.get(k + 8) {
            prefetch(&waits[g]);
        }
        if let Some(site) = here.get(k + 4).and_then(|&g| waits[g].site) {
            prefetch(&d.frames[site as usize]);
        }
        let g = here[k];
        if !queued(g) {
            here[kept] = g;
            kept += 1;
        }
    }
    here.truncate(kept);
    at_work.fill(0);
    ix.share_out(here.iter().map(|&g| (g, ())), per_shape, |g, (), share| {
        let c = t.cands.entry(g);
        c.score += 4.0 * share;
        c.at_work = true;
        c.kin = true;
    });
}

/// | inside the lock site's package (not the standard library) | 1, shared | package-level
/// locks leave nothing else |
pub(super) fn package(cx: &LockCx<'_, '_>, t: &mut Tally<'_>, per_shape: &mut [u32]) {
    let ix = cx.ix;
    if cx.site_func.is_stdlib() {
        return;
    }
    let same = ix.by_package.get(cx.site_func.package()).into_iter().flatten().flatten().map(|&g| (g as usize, ()));
    // The last rule that adds evidence: a goroutine it would be the only evidence for,
    // at less than the state bar, could never be reported, and on a large dump there
    // are tens of thousands of those.
    ix.share_out(same.filter(|&(g, _)| cx.eligible(g)), per_shape, |g, (), share| {
        if share >= MIN_SCORE - MAX_BONUS || t.cands.get(g).is_some() {
            let c = t.cands.entry(g);
            c.score += share;
            c.package = true;
        }
    });
}

/// | it wrote the dump (`runtime.Stack`'s caller, first and running) | −1.5 | busy printing |
///
/// The goroutine that wrote a runtime.Stack or pprof dump comes first, running; it is busy
/// printing, and rarely inside anyone's critical section.
pub(super) fn dumper(cx: &LockCx<'_, '_>, t: &mut Tally<'_>) {
    let d = cx.ix.d;
    let dumper = matches!(
        d.kind,
        crate::model::DumpKind::Raw | crate::model::DumpKind::DockerdFile | crate::model::DumpKind::LogrusLine
    ) && d.goroutines.first().is_some_and(|g| d.state(g) == "running");
    if dumper && t.cands.get(0).is_some() {
        t.add(0, -1.5, Evidence::Dumper);
    }
}

/// | blocked (syscall, IO wait, sleep, chan, select) or running | +0.5 | what holders
/// usually do |
///
/// | waiting for another lock from code the rules above matched | up to +1 | how lock
/// chains form |
///
/// | waited at least as long as the longest waiter / shorter | +0.5 / −0.5 | a holder held it
/// before the first waiter came |
///
/// These adjust candidates found by the rules above, and add at most [`MAX_BONUS`]:
/// candidates further below the bar stay there, so the tens of thousands that only share a
/// type with the lock site are left alone.
pub(super) fn state_and_duration(cx: &LockCx<'_, '_>, t: &mut Tally<'_>) {
    let (d, ix, l) = (cx.ix.d, cx.ix, cx.l);
    let longest = l.waiters.iter().filter_map(|&(g, _)| d.goroutines[g].wait_minutes).max();
    let mut ids: Vec<usize> =
        t.cands.list.iter().filter(|(_, c)| c.score >= MIN_SCORE - MAX_BONUS).map(|&(g, _)| g).collect();
    ids.sort_unstable();
    for g in ids {
        let c = *t.cands.get(g).expect("a listed candidate");
        let kind = cx.waits[g].kind;
        let busy = matches!(
            kind,
            WaitKind::Syscall
                | WaitKind::IoWait
                | WaitKind::Sleep
                | WaitKind::Running
                | WaitKind::Runnable
                | WaitKind::Select
                | WaitKind::ChanSend
                | WaitKind::ChanReceive
                | WaitKind::ChanSendNil
                | WaitKind::ChanReceiveNil
                | WaitKind::SelectNoCases
        );
        if busy {
            t.add(g, 0.5, Evidence::State { kind });
        } else if kind.is_lock() && c.kin {
            // Holding one lock while taking another is how lock chains form. Identical
            // stacks share the bonus: at most one of them can hold a mutex.
            t.add(g, 1.0 / f64::from(ix.shape_sizes[ix.shape[g] as usize]), Evidence::Nested);
        }
        if let Some(m) = longest.filter(|&m| m > 0) {
            match d.goroutines[g].wait_minutes {
                Some(x) if x >= m => t.add(g, 0.5, Evidence::Longer { minutes: x, longest: m }),
                Some(x) => t.add(g, -0.5, Evidence::Shorter { minutes: x, longest: m }),
                None => {}
            }
        }
    }
}

/// Whether goroutine `g`'s innermost application frames, staying in the lock site's package,
/// reach a method of its type (both as `code` was built for). A goroutine that is a closure
/// of the type parked in its own body (`(*State).Wait.func1`, a signal-handler loop) is an
/// idle worker, not code that took the lock on the way; `go h.Flush()` blocked inside
/// `Flush` still counts.
fn at_work_in(ix: &Index<'_>, g: usize, code: &TypeCode) -> bool {
    let d = ix.d;
    // Most goroutines are elsewhere: their innermost application frame says so at once.
    match ix.top_app[g] {
        u32::MAX => return false,
        fi if !code.in_package(d.site_at(fi).func) => return false,
        _ => {}
    }
    let gr = &d.goroutines[g];
    let mut apps = gr.frames.clone().map(|i| d.site_at(i).func).filter(|f| ix.app[f.0 as usize]).peekable();
    while let Some(func) = apps.next() {
        if !code.in_package(func) {
            return false;
        }
        if code.of_type(func) {
            return apps.peek().is_some() || !code.closure(func);
        }
    }
    false
}

/// For one lock site's package and receiver type: per function, whether it is in the
/// package, a method of the type, and a closure. Worked out once per lock from the names,
/// so that the at-work rule compares no strings per frame.
struct TypeCode(Vec<u8>);

impl TypeCode {
    const IN_PACKAGE: u8 = 1;
    const OF_TYPE: u8 = 2;
    const CLOSURE: u8 = 4;

    fn new(d: &Dump, pkg: &str, ty: &str) -> Self {
        TypeCode(
            d.funcs
                .iter()
                .map(|f| {
                    u8::from(f.package() == pkg) * Self::IN_PACKAGE
                        + u8::from(f.receiver_type() == Some(ty)) * Self::OF_TYPE
                        + u8::from(f.is_closure()) * Self::CLOSURE
                })
                .collect(),
        )
    }

    fn in_package(&self, f: FuncId) -> bool {
        self.0[f.0 as usize] & Self::IN_PACKAGE != 0
    }

    /// A method of the type (of any package, as `receiver_type` compares).
    fn of_type(&self, f: FuncId) -> bool {
        self.0[f.0 as usize] & Self::OF_TYPE != 0
    }

    fn closure(&self, f: FuncId) -> bool {
        self.0[f.0 as usize] & Self::CLOSURE != 0
    }
}
