//! Who holds each lock: candidates ranked by evidence, with a confidence.
//!
//! A goroutine dump never says who holds a mutex, so holders are inferred. Every goroutine
//! that is not waiting for the lock and does not belong to the runtime is a candidate; each
//! rule below adds to its score and, for the candidates reported, one sentence of evidence:
//!
//! | rule | weight | why |
//! |---|---|---|
//! | the lock's address, or the waiters' lock-site receiver, is a reliable argument | 10 | the holder works on the very object (`(*Root).Remove(0xc000aee820)`) |
//! | the waiters printed no owner, and it passes the closest value below the lock (objects do not overlap), as a receiver of the lock sites' type | 6 (3–4 otherwise) | the struct that contains the lock at an offset |
//! | an object (pointer-like reliable argument of application code) shared with the waiters' stacks | up to 6, by rarity and reach | the `*Container` that waiters and one other goroutine pass |
//! | inside the lock site's function, past the line where waiters block | 5, shared | it got past `Lock()` |
//! | inside a method of the lock sites' receiver type | 3, shared | methods of a type take its lock |
//! | its innermost application code is a method of that type | 4, shared | at work in the lock's code (`removePath` in `(*Root).Remove`) |
//! | inside the lock site's package (not the standard library) | 1, shared | package-level locks leave nothing else |
//! | blocked (syscall, IO wait, sleep, chan, select) or running | +0.5 | what holders usually do |
//! | waiting for another lock from code the rules above matched | up to +1 | how lock chains form |
//! | waited at least as long as the longest waiter / shorter | +0.5 / −0.5 | a holder held it before the first waiter came |
//! | it wrote the dump (`runtime.Stack`'s caller, first and running) | −1.5 | busy printing |
//!
//! "Shared" weights are split among stack shapes and then among identical stacks: identical
//! goroutines cannot all hold one mutex. Rarity is counted among goroutines that are not
//! waiting for the lock: a value only one of them passes weighs 6, a value a hundred of them
//! pass (a daemon singleton) weighs little. Arguments printed with `?` are never used: the
//! register ABI prints stale values there.
//!
//! A candidate is kept if its score reaches [`MIN_SCORE`]. Confidence: *high* with a direct
//! or typed-owner match no other candidate contests; *medium* when the best candidate scores
//! at least [`MEDIUM_SCORE`] and 1.5× the next; *low* otherwise. When nobody qualifies the
//! lock has no live holder and none is claimed. Locks whose first places tie on the same
//! goroutines get them in turn (`spread_ties`).
//!
//! Every lookup goes through indexes built in one parallel pass over the frames, so
//! inference is linear in the size of the dump.

use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;
use std::fmt::Write as _;

use crate::cache::prefetch;
use crate::locks::{Lock, Mode};
use crate::model::{Dump, FuncId};
use crate::waits::{Wait, WaitKind};

/// The least score for a candidate to be reported.
pub const MIN_SCORE: f64 = 2.0;
/// The least score for a *medium* confidence.
pub const MEDIUM_SCORE: f64 = 4.0;
/// The most that state and duration add to a candidate's score: a busy state (0.5) or a
/// nested lock wait (up to 1), plus 0.5 for a wait at least as long as the longest waiter's.
const MAX_BONUS: f64 = 1.5;
/// At most this many candidates are reported per lock.
pub const MAX_CANDIDATES: usize = 3;
/// How far below a lock an owning struct may start.
const OWNER_RANGE: u64 = 512;

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

/// One candidate holder of a lock.
#[derive(Debug, Clone)]
pub struct Holder {
    /// Index into `Dump::goroutines`.
    pub goroutine: usize,
    /// How sure.
    pub confidence: Confidence,
    /// The score the ranking used.
    pub score: f64,
    /// One sentence per rule that fired.
    pub evidence: Vec<String>,
}

/// The per-dump indexes the rules use.
struct Index<'d> {
    d: &'d Dump,
    /// Goroutines that are candidates at all (not system).
    candidate: Vec<bool>,
    /// For each wanted value: the goroutines passing it reliably anywhere (each once).
    by_value: Postings,
    /// For each wanted value: the goroutines passing it reliably in application code.
    by_app_value: Postings,
    /// For each wanted receiver type (index into `types`): goroutines with a method of it.
    by_type: HashMap<u32, Slices<(u32, FuncId)>>,
    /// The wanted receiver types as (package, type name).
    types: Vec<(&'d str, &'d str)>,
    /// For each lock-site function: goroutines with it on their stack and the line they are at.
    by_func: HashMap<FuncId, Vec<(u32, u32)>>,
    /// For each wanted package: goroutines with a frame in it.
    by_package: HashMap<&'d str, Slices<u32>>,
    /// Per function: whether it is application code (not the runtime, `sync` or the standard
    /// library).
    app: Vec<bool>,
    /// Per goroutine: the index of its innermost application frame (`u32::MAX`: none).
    top_app: Vec<u32>,
    /// Per lock: the passings of the closest value below its address (within
    /// [`OWNER_RANGE`] bytes, 8-byte aligned, passed reliably by application code), in
    /// goroutine order: the lock's likely owner.
    near: Vec<Vec<Near>>,
    /// Stack shape of every goroutine (same functions in the same order), and per shape
    /// how many goroutines have it.
    shape: Vec<u32>,
    shape_sizes: Vec<u32>,
    /// Per lock: the objects its waiters' application frames pass above the lock site
    /// (pointer-like reliable words), with how many waiters pass each; sorted by value.
    support: Vec<Vec<(u64, usize)>>,
}

/// Goroutines (or what is known of them) listed by each slice of the scan, in goroutine
/// order when read in turn. The lists of a large dump run to millions of entries: joining
/// them into one would copy megabytes into fresh pages for nothing. (Goroutine indices in
/// the indexes are `u32` for the same reason: half the pages of `usize`.)
type Slices<T> = Vec<Vec<T>>;

/// A reliable argument near a lock's address: the value, the goroutine and frame passing
/// it, and whether it is passed as a method receiver.
type Near = (u64, u32, u32, bool);

/// Adds `more` (passings of one value, in goroutine order after those of `kept`) to
/// `kept` (passings of one value) so that only the highest value's remain. Only the
/// closest value below a lock can be its owner: a large dump passes a million values near
/// its locks, and none of the others need keeping.
fn keep_closest(kept: &mut Vec<Near>, more: &[Near]) {
    let Some(&(value, ..)) = more.first() else { return };
    match kept.first() {
        Some(&(best, ..)) if best > value => return,
        Some(&(best, ..)) if best == value => {}
        _ => kept.clear(),
    }
    kept.extend_from_slice(more);
}

/// For each value, the goroutines passing it, in goroutine order: one flat list sorted by
/// value and a table of where each value's run starts. Building it is a sort; the hash map
/// of vectors it replaced allocated one vector per value per slice of the scan.
#[derive(Default)]
struct Postings {
    goroutines: Vec<u32>,
    runs: HashMap<u64, (u32, u32)>,
}

impl Postings {
    /// From (value, goroutine) pairs, each pair once.
    fn new(mut pairs: Vec<(u64, u32)>) -> Self {
        // The pairs are distinct, so sorting them whole puts each value's goroutines in
        // goroutine order without the buffer a stable sort allocates.
        pairs.sort_unstable();
        let mut runs = HashMap::new();
        let mut start = 0;
        for w in pairs.chunk_by(|a, b| a.0 == b.0) {
            runs.insert(w[0].0, (start as u32, (start + w.len()) as u32));
            start += w.len();
        }
        Postings { goroutines: pairs.into_iter().map(|(_, g)| g).collect(), runs }
    }

    fn get(&self, v: u64) -> &[u32] {
        self.runs.get(&v).map_or(&[], |&(a, b)| &self.goroutines[a as usize..b as usize])
    }
}

/// Whether a value may be a pointer to an object: not a small number, 8-byte aligned.
fn pointer_like(v: u64) -> bool {
    v >= 0x10_0000 && v.is_multiple_of(8) && v < 0x0100_0000_0000_0000
}

/// What the indexes need to know of each function, worked out once per function rather
/// than once per frame (a dump has thousands of functions and millions of frames).
#[derive(Clone, Copy, Default)]
struct FuncInfo {
    method: bool,
    app: bool,
    lock_site: bool,
    /// Index into `Index::types` when its receiver type is wanted.
    ty: Option<u32>,
    /// Index into the wanted packages, if its package is one.
    package: Option<u32>,
}

/// The values some lock cares about, behind a 64-Kibit filter: most argument words (small
/// integers, code addresses, unrelated heap objects) are turned away by one bit test, in
/// cache, instead of a hash lookup.
struct WantedValues {
    filter: Vec<u64>,
    set: HashSet<u64>,
}

impl Default for WantedValues {
    fn default() -> Self {
        WantedValues { filter: vec![0; 1 << 10], set: HashSet::new() }
    }
}

impl WantedValues {
    /// Fibonacci hashing: the top 16 bits of the product spread nearby addresses apart.
    fn bit(v: u64) -> usize {
        (v.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
    }

    fn extend(&mut self, values: impl IntoIterator<Item = u64>) {
        for v in values {
            let b = Self::bit(v);
            self.filter[b >> 6] |= 1 << (b & 63);
            self.set.insert(v);
        }
    }

    fn contains(&self, v: u64) -> bool {
        let b = Self::bit(v);
        self.filter[b >> 6] & (1 << (b & 63)) != 0 && self.set.contains(&v)
    }
}

/// What the per-goroutine scan reads.
struct ScanCtx<'a, 'd> {
    d: &'d Dump,
    info: &'a [FuncInfo],
    addrs: &'a [(u64, usize)],
    bounds: (u64, u64),
    want_values: &'a WantedValues,
}

/// The indexes one slice of goroutines contributes.
struct Partial {
    near: Vec<Vec<Near>>,
    /// (value, goroutine) in goroutine order.
    by_value: Vec<(u64, u32)>,
    by_app_value: Vec<(u64, u32)>,
    by_func: HashMap<FuncId, Vec<(u32, u32)>>,
    /// By index into the wanted types and packages: dense, so that the ~300k pushes of a
    /// large dump hash nothing.
    by_type: Vec<Vec<(u32, FuncId)>>,
    by_package: Vec<Vec<u32>>,
    seen_types: Vec<u32>,
    seen_packages: Vec<u32>,
    seen_values: Vec<(u64, bool)>,
    /// Per goroutine of the slice, in order: the index of its innermost application frame
    /// (`u32::MAX`: none).
    top_app: Vec<u32>,
}

impl Partial {
    fn new(locks: usize, types: usize, packages: usize, goroutines: usize) -> Self {
        Partial {
            near: vec![Vec::new(); locks],
            by_value: Vec::new(),
            by_app_value: Vec::new(),
            by_func: HashMap::new(),
            by_type: vec![Vec::new(); types],
            by_package: vec![Vec::new(); packages],
            seen_types: Vec::new(),
            seen_packages: Vec::new(),
            seen_values: Vec::new(),
            top_app: Vec::with_capacity(goroutines),
        }
    }

    /// Indexes goroutine `gi`: its argument words, lock-site functions, types and packages.
    fn scan(&mut self, cx: &ScanCtx<'_, '_>, gi: usize) {
        let d = cx.d;
        let g = gi as u32;
        let (lo, hi) = cx.bounds;
        self.seen_types.clear();
        self.seen_packages.clear();
        self.seen_values.clear();
        let mut top = u32::MAX;
        for fi in d.goroutines[gi].frames.clone() {
            let rec = d.frames[fi as usize];
            let site = &d.sites[rec.site.0 as usize];
            let fin = cx.info[site.func.0 as usize];
            if fin.app && top == u32::MAX {
                top = fi;
            }
            for w in d.reliable_words_at(fi) {
                if fin.app && w.value >= lo && w.value <= hi && w.value.is_multiple_of(8) {
                    // The locks it may own: those at most OWNER_RANGE bytes above it.
                    let from = cx.addrs.partition_point(|&(a, _)| a <= w.value);
                    for &(_, li) in cx.addrs[from..].iter().take_while(|&&(a, _)| a - w.value <= OWNER_RANGE) {
                        let receiver = fin.method && w.index == 0 && w.depth == 0;
                        keep_closest(&mut self.near[li], &[(w.value, g, fi, receiver)]);
                    }
                }
                if !cx.want_values.contains(w.value) {
                    continue;
                }
                if !self.seen_values.contains(&(w.value, false)) {
                    self.seen_values.push((w.value, false));
                    self.by_value.push((w.value, g));
                }
                if fin.app && !w.leads_group && !self.seen_values.contains(&(w.value, true)) {
                    self.seen_values.push((w.value, true));
                    self.by_app_value.push((w.value, g));
                }
            }
            if fin.lock_site {
                self.by_func.entry(site.func).or_default().push((g, site.line));
            }
            if let Some(t) = fin.ty
                && !self.seen_types.contains(&t)
            {
                self.seen_types.push(t);
                self.by_type[t as usize].push((g, site.func));
            }
            if let Some(p) = fin.package
                && !self.seen_packages.contains(&p)
            {
                self.seen_packages.push(p);
                self.by_package[p as usize].push(g);
            }
        }
        self.top_app.push(top);
    }
}

impl<'d> Index<'d> {
    fn build(d: &'d Dump, waits: &[Wait], locks: &[Lock]) -> Self {
        // Only values, types, functions and packages that some lock cares about are indexed.
        let mut want_values = WantedValues::default();
        let mut types: Vec<(&str, &str)> = Vec::new();
        let mut want_packages: Vec<&str> = Vec::new();
        let mut info = vec![FuncInfo::default(); d.funcs.len()];
        let app: Vec<bool> = d.funcs.iter().map(|f| !f.is_stdlib() && !f.is_sync_or_runtime()).collect();
        for l in locks {
            want_values.extend(l.addr.into_iter().chain(l.owner));
            for &f in &l.sites {
                let func = d.func(f);
                info[f.0 as usize].lock_site = true;
                if let Some(t) = func.receiver_type()
                    && !types.contains(&(func.package(), t))
                {
                    types.push((func.package(), t));
                }
                if !func.is_stdlib() && !want_packages.contains(&func.package()) {
                    want_packages.push(func.package());
                }
            }
        }
        // Every waiter's frames are read here once, on every core; the shared-object rule
        // reads the counts, and only these values need indexing. The candidates and the
        // stack shapes are found alongside: locks are few and uneven, and a core done with
        // its share of them takes up the rest.
        let n = d.goroutines.len();
        let (support, (candidate, (shape, shape_sizes))) = crate::par::join(
            n,
            || crate::par::map(n, locks, |l| waiter_support(d, &app, waits, l)),
            || {
                crate::par::join(
                    n,
                    || crate::par::map(n, &d.goroutines, |g| !crate::waits::is_system(d, g)),
                    || crate::group::shapes(d),
                )
            },
        );
        for s in &support {
            want_values.extend(s.iter().map(|&(v, _)| v));
        }
        for (fi, func) in d.funcs.iter().enumerate() {
            let i = &mut info[fi];
            i.method = func.receiver().is_some();
            i.app = app[fi];
            i.ty = func
                .receiver_type()
                .and_then(|t| types.iter().position(|&k| k == (func.package(), t)))
                .map(|p| p as u32);
            i.package = want_packages.iter().position(|&p| p == func.package()).map(|p| p as u32);
        }
        let mut ix = Index {
            d,
            candidate,
            by_value: Postings::default(),
            by_app_value: Postings::default(),
            by_type: HashMap::new(),
            types,
            by_func: HashMap::new(),
            by_package: HashMap::new(),
            app,
            top_app: Vec::with_capacity(n),
            near: vec![Vec::new(); locks.len()],
            shape,
            shape_sizes,
            support,
        };
        // Lock addresses sorted, to find the locks near a value by binary search.
        let mut addrs: Vec<(u64, usize)> =
            locks.iter().enumerate().filter_map(|(i, l)| l.addr.map(|a| (a, i))).collect();
        addrs.sort_unstable();
        let (lo, hi) = match (addrs.first(), addrs.last()) {
            (Some(&(a, _)), Some(&(b, _))) => (a.saturating_sub(OWNER_RANGE), b),
            _ => (1, 0),
        };
        // The scan reads every argument of every frame, so it runs on every core: each slice
        // of goroutines fills its own partial index, merged in goroutine order afterwards.
        let parts: Vec<Partial> = crate::par::map_slices(n, crate::par::slices_for(n), |range| {
            let mut part = Partial::new(locks.len(), ix.types.len(), want_packages.len(), range.len());
            let ctx = ScanCtx { d, info: &info, addrs: &addrs, bounds: (lo, hi), want_values: &want_values };
            for gi in range {
                part.scan(&ctx, gi);
            }
            part
        });
        let (mut by_value, mut by_app_value) = (Vec::new(), Vec::new());
        for part in parts {
            for (li, v) in part.near.into_iter().enumerate() {
                keep_closest(&mut ix.near[li], &v);
            }
            by_value.push(part.by_value);
            by_app_value.push(part.by_app_value);
            for (k, v) in part.by_func {
                ix.by_func.entry(k).or_default().extend(v);
            }
            for (t, v) in part.by_type.into_iter().enumerate() {
                if !v.is_empty() {
                    ix.by_type.entry(t as u32).or_default().push(v);
                }
            }
            for (p, v) in part.by_package.into_iter().enumerate() {
                if !v.is_empty() {
                    ix.by_package.entry(want_packages[p]).or_default().push(v);
                }
            }
            ix.top_app.extend(part.top_app);
        }
        // Each a sort of up to hundreds of thousands of pairs: one per core.
        (ix.by_value, ix.by_app_value) =
            crate::par::join(n, || Postings::new(by_value.concat()), || Postings::new(by_app_value.concat()));
        ix
    }

    /// Splits one unit of evidence among goroutines that share it: equally among their
    /// stack shapes, then equally among the goroutines of each shape. Identical stacks
    /// cannot all hold one mutex, so five identical bystanders weigh what one unique
    /// goroutine weighs.
    ///
    /// Calls `f` with each member (a goroutine and what goes with it) and its share, in the
    /// order given. The members are read twice rather than collected: a type's methods
    /// reach hundreds of thousands of goroutines on a large dump. `per_shape` is
    /// zeroed scratch, one counter per shape, and is left zeroed.
    fn share_out<T>(
        &self,
        members: impl Iterator<Item = (usize, T)> + Clone,
        per_shape: &mut [u32],
        mut f: impl FnMut(usize, T, f64),
    ) {
        // The shapes met, to zero their counters after: a few hundred, where the members are
        // hundreds of thousands.
        let mut met = Vec::new();
        for (g, _) in members.clone() {
            let k = self.shape[g];
            let c = &mut per_shape[k as usize];
            if *c == 0 {
                met.push(k);
            }
            *c += 1;
        }
        let shapes = met.len();
        for (g, x) in members {
            f(g, x, 1.0 / shapes as f64 / f64::from(per_shape[self.shape[g] as usize]));
        }
        for k in met {
            per_shape[k as usize] = 0;
        }
    }
}

/// The objects a lock's waiters pass above their lock site, each counted once per waiter,
/// as (value, waiters passing it) sorted by value.
fn waiter_support(d: &Dump, app: &[bool], waits: &[Wait], l: &Lock) -> Vec<(u64, usize)> {
    // Each waiter's objects, once per waiter, gathered in a list and counted by sorting it:
    // tens of thousands of waiters pass tens of thousands of objects, and a hash map of them
    // missed the cache on most inserts.
    let gather = |gs: &[(usize, Mode)]| {
        let mut values = Vec::new();
        for (k, &(gi, _)) in gs.iter().enumerate() {
            prefetch_waiters_ahead(d, waits, gs, k);
            let from = values.len();
            for fi in above_site(d, app, gi, &waits[gi]) {
                for w in d.reliable_words_at(fi).filter(|w| !w.leads_group && pointer_like(w.value)) {
                    if !values[from..].contains(&w.value) {
                        values.push(w.value);
                    }
                }
            }
        }
        values
    };
    let values = if l.waiters.len() >= crate::par::MIN_ITEMS {
        let mut all = l.waiters.par_chunks(1024).map(gather).collect::<Vec<Vec<u64>>>().concat();
        all.par_sort_unstable();
        all
    } else {
        let mut all = gather(&l.waiters);
        all.sort_unstable();
        all
    };
    values.chunk_by(|a, b| a == b).map(|run| (run[0], run.len())).collect()
}

/// Starts the loads that reading the waiters a few places after `k` in `gs` will need. The
/// waiters of a lock are scattered over the dump, and each one's goroutine, wait record,
/// frames and argument text are cache misses that depend on one another: on the 1M dump,
/// ~600 ns per waiter. Started early (the goroutine and wait 8 waiters ahead, the frames
/// they name 4 ahead, the argument text those frames point to 2 ahead), the misses overlap:
/// ~300 ns.
fn prefetch_waiters_ahead(d: &Dump, waits: &[Wait], gs: &[(usize, Mode)], k: usize) {
    if let Some(&(ahead, _)) = gs.get(k + 8) {
        prefetch(&d.goroutines[ahead]);
        prefetch(&waits[ahead]);
    }
    if let Some(&(near, _)) = gs.get(k + 4) {
        let g = &d.goroutines[near];
        if let Some(site) = waits[near].site.filter(|&s| s < g.frames.end) {
            prefetch(&d.frames[site as usize]);
            prefetch(&d.frames[g.frames.end as usize - 1]);
        }
    }
    if let Some(&(next, _)) = gs.get(k + 2) {
        let g = &d.goroutines[next];
        for fi in waits[next].site.unwrap_or(g.frames.end)..g.frames.end {
            let rec = &d.frames[fi as usize];
            if rec.may_print_reliable_word()
                && let Some(text) = d.args_arena(fi).as_bytes().get(rec.args_start as usize)
            {
                prefetch(text);
            }
        }
    }
}

/// The application frames (their indices) of a waiter from its lock site outward: what its
/// own code passed on the way to Lock. Standard-library frames are left out: the request,
/// the response writer and the connection every HTTP goroutine passes say nothing about a
/// lock.
fn above_site<'a>(d: &'a Dump, app: &'a [bool], gi: usize, w: &Wait) -> impl Iterator<Item = u32> + use<'a> {
    let g = &d.goroutines[gi];
    let start = w.site.unwrap_or(g.frames.end);
    (start..g.frames.end).filter(move |&fi| app[d.site_at(fi).func.0 as usize])
}

/// Short name of a function for evidence sentences: drops the module path.
pub fn short(full: &str) -> &str {
    match full.rfind('/') {
        Some(i) if !full[..i].contains('(') => &full[i + 1..],
        _ => full,
    }
}

/// Infers the holders of every lock, best first.
pub fn infer(d: &Dump, waits: &[Wait], locks: &[Lock]) -> Vec<Vec<Holder>> {
    // A healthy dump, the common case of a fleet check, has no lock to find holders for,
    // and the index (every frame read, every stack grouped) would serve nothing.
    if locks.is_empty() {
        return Vec::new();
    }
    let ix = Index::build(d, waits, locks);
    // Locks are independent once the index is built. A scratch is ~10 bytes per goroutine
    // and grows with the candidates: rather than one per rayon job (as `map_init` makes),
    // the workers share a pool, so there are never more than there are threads.
    let n = d.goroutines.len();
    let mut all: Vec<Vec<Holder>> = if n >= crate::par::MIN_ITEMS {
        let pool = std::sync::Mutex::new(Vec::new());
        locks
            .par_iter()
            .enumerate()
            .map(|(li, l)| {
                let taken = pool.lock().map(|mut p| p.pop()).unwrap_or_default();
                let mut scratch = taken.unwrap_or_else(|| Scratch::new(n, ix.shape_sizes.len()));
                let holders = infer_one(&ix, waits, li, l, &mut scratch);
                if let Ok(mut p) = pool.lock() {
                    p.push(scratch);
                }
                holders
            })
            .collect()
    } else {
        let mut scratch = Scratch::new(n, ix.shape_sizes.len());
        locks.iter().enumerate().map(|(li, l)| infer_one(&ix, waits, li, l, &mut scratch)).collect()
    };
    spread_ties(&mut all);
    all
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
fn spread_ties(all: &mut [Vec<Holder>]) {
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

/// Why a rule fired, kept as data: only the few candidates that are reported get their
/// sentences written (a type rule can touch tens of thousands of goroutines).
#[derive(Debug, Clone, Copy)]
enum Why {
    Direct { owner: bool, value: u64 },
    Owner { value: u64, frame: u32, lock: u64, typed: bool },
    Shared { value: u64, waiters: usize, others: usize },
    PastLine { at: u32, line: u32 },
    SameType { func: FuncId, count: usize },
    AtWork,
    Package,
    Dumper,
    State,
    Nested,
    Longer { minutes: u32, longest: u32 },
    Shorter { minutes: u32, longest: u32 },
}

/// A candidate's running score and what kinds of evidence it has.
#[derive(Debug, Clone, Copy, Default)]
struct Cand {
    score: f64,
    direct: bool,
    owner_typed: bool,
    kin: bool,
    /// The evidence of the three rules that reach tens of thousands of goroutines per lock
    /// is kept here rather than in [`Scratch::whys`]: the method of the lock sites' type it
    /// runs, at work in that type's code, in the lock site's package.
    same_type: Option<FuncId>,
    at_work: bool,
    package: bool,
}

/// The candidates of one lock, by goroutine. Dense rather than hashed: the type and package
/// rules touch tens of thousands of goroutines per lock.
struct Cands {
    /// Per goroutine: its position in `list`, or `u32::MAX`.
    slot: Vec<u32>,
    /// Candidates in the order they were first scored.
    list: Vec<(usize, Cand)>,
}

impl Cands {
    fn entry(&mut self, g: usize) -> &mut Cand {
        let mut at = self.slot[g] as usize;
        if self.slot[g] == u32::MAX {
            at = self.list.len();
            self.slot[g] = at as u32;
            self.list.push((g, Cand::default()));
        }
        &mut self.list[at].1
    }

    fn get(&self, g: usize) -> Option<&Cand> {
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
struct Scratch {
    cands: Cands,
    /// The evidence of each candidate, in the order the rules found it. Kept with its
    /// memory from lock to lock: on a large dump it grows to megabytes per lock, and fresh
    /// pages cost more than the writes.
    whys: Vec<(usize, Why)>,
    /// Per goroutine: waits for the lock at hand.
    waiting: Vec<bool>,
    /// Per stack shape: a counter for [`Index::share_out`].
    per_shape: Vec<u32>,
    /// Per stack shape: at work in the lock's code (2), not (1), not yet known (0); zeroed
    /// after each lock.
    at_work: Vec<u8>,
}

impl Scratch {
    fn new(goroutines: usize, shapes: usize) -> Self {
        Scratch {
            cands: Cands { slot: vec![u32::MAX; goroutines], list: Vec::new() },
            whys: Vec::new(),
            waiting: vec![false; goroutines],
            per_shape: vec![0; shapes],
            at_work: vec![0; shapes],
        }
    }
}

fn infer_one(ix: &Index<'_>, waits: &[Wait], li: usize, l: &Lock, scratch: &mut Scratch) -> Vec<Holder> {
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

/// Scores the candidates of one lock (`scratch.waiting` marks its waiters) and keeps the best.
fn rank(ix: &Index<'_>, waits: &[Wait], li: usize, l: &Lock, scratch: &mut Scratch) -> Vec<Holder> {
    let d = ix.d;
    let Scratch { cands, whys, waiting, per_shape, at_work } = scratch;
    let eligible = |g: usize| ix.candidate[g] && !waiting[g];
    let mut add = |g: usize, score: f64, why: Why, cands: &mut Cands| -> usize {
        cands.entry(g).score += score;
        whys.push((g, why));
        g
    };
    let site_func = d.func(l.site());
    let site_type = site_func.receiver_type().map(|t| (site_func.package(), t));

    // Direct: the lock's address or the lock sites' receiver as a reliable argument.
    for (value, owner) in [(l.addr, false), (l.owner.filter(|&o| Some(o) != l.addr), true)] {
        let Some(v) = value else { continue };
        for g in ix.by_value.get(v).iter().map(|&g| g as usize) {
            if eligible(g) {
                add(g, 10.0, Why::Direct { owner, value: v }, cands);
                cands.entry(g).direct = true;
            }
        }
    }

    // Owner: the struct that contains the lock starts a few bytes below it. Objects do not
    // overlap, so the closest value below the lock that any goroutine passes is the owner
    // (or a pointer into it); anything farther is a neighbour and says nothing.
    // When the waiters printed the owner itself (their lock site's receiver), values below
    // the lock belong to other objects.
    if let Some(a) = l.addr.filter(|_| l.owner.is_none()) {
        let mut best: HashMap<usize, (f64, Why, bool)> = HashMap::new();
        for &(v, gi, fi, receiver) in &ix.near[li] {
            let gi = gi as usize;
            if !eligible(gi) || cands.get(gi).is_some_and(|h| h.direct) {
                continue;
            }
            let f = d.frame(fi);
            let typed =
                receiver && site_type.is_some() && f.func.receiver_type().map(|t| (f.func.package(), t)) == site_type;
            let score = match (typed, receiver) {
                (true, _) => 6.0,
                (false, true) => 4.0,
                (false, false) => 3.0,
            };
            let e = best.entry(gi).or_insert((0.0, Why::Package, false));
            if score > e.0 {
                *e = (score, Why::Owner { value: v, frame: fi, lock: a, typed }, typed);
            }
        }
        let mut best: Vec<_> = best.into_iter().collect();
        best.sort_unstable_by_key(|b| b.0);
        for (gi, (score, why, typed)) in best {
            add(gi, score, why, cands);
            let c = cands.entry(gi);
            c.owner_typed |= typed;
            c.kin = true;
        }
    }

    // Shared objects: values in the waiters' stacks that few non-waiters pass.
    let mut shared: HashMap<usize, (f64, u64, usize, usize)> = HashMap::new();
    // Sorted by value, so that equal scores pick the same object on every run.
    for &(v, n_waiters) in &ix.support[li] {
        if Some(v) == l.addr || Some(v) == l.owner {
            continue;
        }
        let holders: Vec<usize> = ix.by_app_value.get(v).iter().map(|&g| g as usize).filter(|&g| eligible(g)).collect();
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
        add(g, s, Why::Shared { value, waiters, others }, cands);
    }

    // Same function, past the line where the waiters block.
    let lock_line = l.waiters.iter().find_map(|&(gi, _)| waits[gi].site.map(|i| d.site_at(i).line));
    if let Some(line) = lock_line {
        let past = ix.by_func.get(&l.site()).into_iter().flatten().map(|&(g, at)| (g as usize, at));
        ix.share_out(past.filter(|&(g, at)| eligible(g) && at > line), per_shape, |g, at, share| {
            add(g, 5.0 * share, Why::PastLine { at, line }, cands);
            cands.entry(g).kin = true;
        });
    }

    // Methods of the lock sites' receiver type.
    let mut same_type_count = 0;
    if let Some(t) = site_type.and_then(|k| ix.types.iter().position(|&x| x == k)) {
        let same = ix.by_type.get(&(t as u32)).into_iter().flatten().flatten().map(|&(g, f)| (g as usize, f));
        ix.share_out(same.filter(|&(g, _)| eligible(g)), per_shape, |g, func, share| {
            same_type_count += 1;
            let c = cands.entry(g);
            c.score += 3.0 * share;
            c.same_type = Some(func);
            c.kin = true;
        });
    }

    // At work in the lock's code: the innermost application frames, while they stay in the
    // lock site's package, reach a method of its type — `removePath` in `(*Root).Remove`
    // sleeping, reading or waiting there while waiters queue on the Root's lock.
    if let Some(t) = site_type {
        let code = TypeCode::new(d, t.0, t.1);
        // A goroutine queued on another lock of the same type (its own lock site is a method
        // of the type) is waiting to enter that code, not at work in it.
        let queued = |g: usize| {
            waits[g].kind.is_lock() && crate::waits::site_func(d, &waits[g]).is_some_and(|f| code.of_type(f))
        };
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
            .get(t.0)
            .map(|v| v.iter().flatten().map(|&g| g as usize).filter(|&g| eligible(g) && at_work_shape(g)).collect())
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
            let c = cands.entry(g);
            c.score += 4.0 * share;
            c.at_work = true;
            c.kin = true;
        });
    }

    // The lock site's package.
    if !site_func.is_stdlib() {
        let same = ix.by_package.get(site_func.package()).into_iter().flatten().flatten().map(|&g| (g as usize, ()));
        // The last rule that adds evidence: a goroutine it would be the only evidence for,
        // at less than the state bar, could never be reported, and on a large dump there
        // are tens of thousands of those.
        ix.share_out(same.filter(|&(g, _)| eligible(g)), per_shape, |g, (), share| {
            if share >= MIN_SCORE - MAX_BONUS || cands.get(g).is_some() {
                let c = cands.entry(g);
                c.score += share;
                c.package = true;
            }
        });
    }

    // The goroutine that wrote a runtime.Stack or pprof dump comes first, running; it is
    // busy printing, and rarely inside anyone's critical section.
    let dumper = matches!(
        d.kind,
        crate::model::DumpKind::Raw | crate::model::DumpKind::DockerdFile | crate::model::DumpKind::LogrusLine
    ) && d.goroutines.first().is_some_and(|g| d.state(g) == "running");
    if dumper && cands.get(0).is_some() {
        add(0, -1.5, Why::Dumper, cands);
    }

    // State and duration adjust candidates found by the rules above.
    let longest = l.waiters.iter().filter_map(|&(g, _)| d.goroutines[g].wait_minutes).max();
    // State and duration add at most MAX_BONUS: candidates further below the bar stay there,
    // so the tens of thousands that only share a type with the lock site are left alone.
    let mut ids: Vec<usize> =
        cands.list.iter().filter(|(_, c)| c.score >= MIN_SCORE - MAX_BONUS).map(|&(g, _)| g).collect();
    ids.sort_unstable();
    for g in ids {
        let c = *cands.get(g).expect("a listed candidate");
        let kind = waits[g].kind;
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
            add(g, 0.5, Why::State, cands);
        } else if kind.is_lock() && c.kin {
            // Holding one lock while taking another is how lock chains form. Identical
            // stacks share the bonus: at most one of them can hold a mutex.
            add(g, 1.0 / f64::from(ix.shape_sizes[ix.shape[g] as usize]), Why::Nested, cands);
        }
        if let Some(m) = longest.filter(|&m| m > 0) {
            match d.goroutines[g].wait_minutes {
                Some(x) if x >= m => {
                    add(g, 0.5, Why::Longer { minutes: x, longest: m }, cands);
                }
                Some(x) => {
                    add(g, -0.5, Why::Shorter { minutes: x, longest: m }, cands);
                }
                None => {}
            }
        }
    }

    let mut ranked: Vec<(usize, Cand)> = cands.list.iter().copied().filter(|(_, c)| c.score >= MIN_SCORE).collect();
    ranked.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(d.goroutines[a.0].id.cmp(&d.goroutines[b.0].id)));
    let directs = ranked.iter().filter(|h| h.1.direct).count();
    let second = ranked.get(1).map_or(0.0, |h| h.1.score);
    // A direct match is conclusive only when no other candidate has code-level evidence.
    let contested = ranked.iter().filter(|h| h.1.kin || h.1.direct).count() > 1;
    ranked.truncate(MAX_CANDIDATES);
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, (g, c))| {
            let confidence = if i == 0 && ((c.direct && directs == 1) || c.owner_typed) && !contested {
                Confidence::High
            } else if i == 0 && c.score >= MEDIUM_SCORE && c.score >= 1.5 * second {
                Confidence::Medium
            } else {
                Confidence::Low
            };
            // In the order the rules ran: those before the type rule, the three kept in the
            // candidate, then the state and duration adjustments.
            let before = |w: &Why| {
                matches!(w, Why::Direct { .. } | Why::Owner { .. } | Why::Shared { .. } | Why::PastLine { .. })
            };
            let mine = || whys.iter().filter(move |w| w.0 == g).map(|w| w.1);
            let kept = [
                c.same_type.map(|func| Why::SameType { func, count: same_type_count }),
                c.at_work.then_some(Why::AtWork),
                c.package.then_some(Why::Package),
            ];
            let evidence = mine()
                .filter(before)
                .chain(kept.into_iter().flatten())
                .chain(mine().filter(|w| !before(w)))
                .map(|why| render(d, l, g, why, site_type))
                .collect();
            Holder { goroutine: g, confidence, score: c.score, evidence }
        })
        .collect()
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

/// Writes one piece of evidence as a sentence.
fn render(d: &Dump, l: &Lock, g: usize, why: Why, site_type: Option<(&str, &str)>) -> String {
    let site_func = d.func(l.site());
    match why {
        Why::Direct { owner, value } => {
            let what = if owner { "the waiters' lock-site receiver" } else { "the lock's address" };
            format!("passes {what} {value:#x} to {}", frame_passing(d, g, value).unwrap_or_default())
        }
        Why::Owner { value, frame, lock, typed } => {
            let of_type = if typed { ", a receiver of the lock sites' type" } else { "" };
            format!(
                "passes {value:#x} to {}: {} bytes below the lock at {lock:#x}, the struct that contains it{of_type}",
                short(&d.frame(frame).func.full),
                lock - value
            )
        }
        Why::Shared { value, waiters, others } => {
            let who = match others {
                1 => "no other goroutine outside the waiters does".to_string(),
                n => format!("{n} goroutines outside the waiters do"),
            };
            format!("shares object {value:#x} with {waiters} of {} waiters; {who}", l.waiters.len())
        }
        Why::PastLine { at, line } => {
            format!("inside {} at line {at}, past line {line} where the waiters block", short(&site_func.full))
        }
        Why::SameType { func, count } => {
            let only = match count {
                1 => "; the only such goroutine not waiting".to_string(),
                n => format!("; one of {n} such goroutines"),
            };
            let ty = site_type.map_or("", |t| t.1);
            format!("inside {}, a method of {ty} like the lock site{only}", short(&d.func(func).full))
        }
        Why::AtWork => {
            let ty = site_type.map_or("", |t| t.1);
            format!("the innermost code it runs is in a method of {ty}, the lock's type, and not waiting for this lock")
        }
        Why::Package => format!("runs code of package {} like the lock site", short(site_func.package())),
        Why::Dumper => "but it is the goroutine that wrote this dump".to_string(),
        Why::State => {
            let gr = &d.goroutines[g];
            format!("{}: {}", d.state(gr), state_phrase(crate::waits::classify(d, gr).kind))
        }
        Why::Nested => "waits for another lock from inside the same code: the way lock chains form".to_string(),
        Why::Longer { minutes, longest } => {
            format!("blocked {minutes} minutes, at least as long as the longest waiter ({longest})")
        }
        Why::Shorter { minutes, longest } => {
            format!("blocked only {minutes} minutes while a waiter has waited {longest}")
        }
    }
}

fn state_phrase(kind: WaitKind) -> &'static str {
    match kind {
        WaitKind::Syscall => "in a system call while others wait",
        WaitKind::IoWait => "waiting for I/O while others wait",
        WaitKind::Sleep => "sleeping while others wait",
        WaitKind::Running | WaitKind::Runnable => "running while others wait",
        _ => "blocked on a channel while others wait",
    }
}

/// The innermost frame of goroutine `g` that passes `v` reliably, as a short name.
fn frame_passing(d: &Dump, g: usize, v: u64) -> Option<String> {
    d.frames(&d.goroutines[g]).find(|f| f.words().any(|w| !w.unreliable && w.value == v)).map(|f| {
        let mut s = short(&f.func.full).to_string();
        let _ = write!(s, " ({}:{})", f.site.file.rsplit('/').next().unwrap_or(""), f.site.line);
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    /// A mutex waiter on `addr` whose lock site is `site(args)` at `line`.
    fn waiter(id: u64, addr: &str, site: &str, args: &str, line: u32) -> String {
        format!(
            "goroutine {id} [sync.Mutex.Lock]:\nsync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/go/src/runtime/sema.go:95 +0x25\n\
sync.(*Mutex).lockSlow({addr})\n\t/go/src/sync/mutex.go:173 +0x15d\nsync.(*Mutex).Lock(...)\n\t/go/src/sync/mutex.go:92\n\
{site}({args})\n\t/app/{id}.go:{line} +0x46\nmain.serve(0xc000200000)\n\t/app/main.go:9 +0x20\ncreated by main.main in goroutine 1\n\t/app/main.go:5 +0x30\n\n"
        )
    }

    /// A goroutine in `state` whose frames are `frames` (each `func(args)`), innermost first.
    fn other(id: u64, state: &str, frames: &[(&str, &str, u32)]) -> String {
        let mut s = format!("goroutine {id} [{state}]:\n");
        for (f, args, line) in frames {
            s.push_str(&format!("{f}({args})\n\t/app/{id}.go:{line} +0x10\n"));
        }
        s.push_str("created by main.main in goroutine 1\n\t/app/main.go:5 +0x30\n\n");
        s
    }

    fn holders_of(text: &str) -> Vec<(u64, Confidence, Vec<String>)> {
        let d = crate::read_dumps(text.as_bytes(), "t").unwrap().remove(0);
        let a = analyze(&d);
        assert_eq!(a.locks.len(), 1, "one lock");
        a.holders[0].iter().map(|h| (d.goroutines[h.goroutine].id.unwrap(), h.confidence, h.evidence.clone())).collect()
    }

    const BYSTANDER: &[(&str, &str, u32)] = &[("time.Sleep", "0x3b9aca00", 195), ("main.idle", "0xc000200000", 3)];

    #[test]
    fn direct_address_match_is_high() {
        let text = [
            waiter(2, "0xc000010000", "example.com/a.(*Root).Get", "0xc000010000, {0xc000300000, 0x5}", 20),
            other(
                3,
                "syscall",
                &[
                    ("syscall.Syscall", "0x107, 0x4, 0xc000400000, 0x200", 74),
                    ("example.com/a.removeTree", "0xc000400000", 90),
                    ("example.com/b.(*Store).Remove", "0xc000010000, 0x1", 40),
                ],
            ),
            other(4, "sleep", BYSTANDER),
        ]
        .concat();
        let h = holders_of(&text);
        assert_eq!(h[0].0, 3);
        assert_eq!(h[0].1, Confidence::High);
        assert!(h[0].2[0].contains("passes the lock's address 0xc000010000"), "{:?}", h[0].2);
    }

    #[test]
    fn unreliable_words_are_never_evidence() {
        let text = [
            waiter(2, "0xc000010000", "example.com/a.F", "", 20),
            other(3, "syscall", &[("example.com/b.(*Store).Remove", "0xc000010000?, 0x1", 40)]),
        ]
        .concat();
        assert!(holders_of(&text).is_empty(), "a `?` value must not match");
    }

    #[test]
    fn closest_struct_below_the_lock_is_its_owner() {
        let text = [
            waiter(2, "0xc000010058", "example.com/a.(*layerStore).Get", "0x422b49?, {0xc000300000, 0x13}", 73),
            // The owner at lock - 24, as the receiver of a method of the lock sites' type.
            other(
                3,
                "sleep",
                &[("time.Sleep", "0x1", 195), ("example.com/a.(*layerStore).Release", "0xc000010040, 0x1", 95)],
            ),
            // A neighbour farther below says nothing.
            other(4, "sleep", &[("time.Sleep", "0x1", 195), ("example.com/c.(*Other).Run", "0xc000010000", 5)]),
        ]
        .concat();
        let h = holders_of(&text);
        assert_eq!((h[0].0, h[0].1), (3, Confidence::High));
        assert!(h[0].2[0].contains("24 bytes below the lock"), "{:?}", h[0].2);
        assert!(h.iter().all(|c| c.0 != 4), "the farther neighbour is no candidate: {h:?}");
    }

    #[test]
    fn only_the_closest_value_below_a_lock_is_kept_in_goroutine_order() {
        let mut kept = Vec::new();
        // A value farther below, then a closer one, then the closer one again, then a farther
        // one once more, as the slices of a scan would hand them over.
        for (value, g) in [(0x100, 1), (0x140, 2), (0x140, 3), (0x100, 4), (0x140, 5)] {
            keep_closest(&mut kept, &[(value, g, 0, false)]);
        }
        assert_eq!(kept.iter().map(|n| (n.0, n.1)).collect::<Vec<_>>(), vec![(0x140, 2), (0x140, 3), (0x140, 5)]);
        keep_closest(&mut kept, &[]);
        assert_eq!(kept.len(), 3);
    }

    #[test]
    fn a_rare_shared_object_points_at_the_holder_and_a_singleton_does_not() {
        let mut text = String::new();
        // Waiters pass the daemon singleton 0xc000500000 and the container 0xc000600000.
        for id in 2..6 {
            text += &waiter(id, "0xc000010000", "example.com/d.(*Daemon).ContainerInspect", "0x1?", 24)
                .replace("main.serve(0xc000200000)", "example.com/d.(*Daemon).Handle(0xc000500000, 0xc000600000)");
        }
        // The holder shares the container; twenty bystanders share only the daemon.
        text += &other(
            10,
            "IO wait",
            &[("example.com/k.wait", "0xc000700000", 5), ("example.com/d.kill", "0xc000500000, 0xc000600000", 30)],
        );
        for id in 20..40 {
            text += &other(id, "select", &[("example.com/d.loop", "0xc000500000", 7)]);
        }
        let h = holders_of(&text);
        assert_eq!(h[0].0, 10, "{h:?}");
        assert!(h[0].2.iter().any(|e| e.contains("shares object 0xc000600000 with 4 of 4 waiters")), "{:?}", h[0].2);
        assert!(h.iter().all(|c| c.0 < 20), "the singleton makes no candidate: {h:?}");
    }

    #[test]
    fn a_goroutine_past_the_lock_line_of_the_lock_site_holds_it() {
        let text = [
            waiter(2, "0xb7ecb8", "example.com/mount.Mount", "{0xc000300000?, 0x5?}", 26),
            waiter(3, "0xb7ecb8", "example.com/mount.Mount", "{0xc000300100?, 0x5?}", 26),
            other(
                4,
                "sleep",
                &[
                    ("time.Sleep", "0x1", 195),
                    ("example.com/mount.mount", "...", 32),
                    ("example.com/mount.Mount", "{0xc000300200?, 0x5?}", 28),
                ],
            ),
            other(5, "sleep", BYSTANDER),
        ]
        .concat();
        let h = holders_of(&text);
        assert_eq!(h[0].0, 4);
        assert!(h[0].2.iter().any(|e| e.contains("at line 28, past line 26 where the waiters block")), "{:?}", h[0].2);
    }

    #[test]
    fn methods_of_the_lock_sites_type_are_split_among_stack_shapes() {
        let mut text = waiter(2, "0xc000010000", "example.com/c.(*State).IsRunning", "0x0?", 36);
        // Five identical bystanders in a method of State, one unique goroutine in another.
        for id in 10..15 {
            text += &other(id, "chan receive", &[("example.com/c.(*State).Wait", "0x0?", 50)]);
        }
        text += &other(
            20,
            "chan receive",
            &[("example.com/c.(*State).SetStopped", "0x0?", 70), ("example.com/d.monitor", "0x1", 9)],
        );
        let h = holders_of(&text);
        assert_eq!(h[0].0, 20, "the unique stack outweighs identical ones: {h:?}");
    }

    #[test]
    fn waiters_and_runtime_goroutines_are_never_holders() {
        let text = [
            waiter(2, "0xc000010000", "example.com/a.(*Root).Get", "0xc000010000", 20),
            waiter(3, "0xc000010000", "example.com/a.(*Root).Remove", "0xc000010000", 30),
            "goroutine 4 [GC worker (idle)]:\nruntime.gopark(0xc000010000, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/r/proc.go:424 +0xce\n\
runtime.gcBgMarkWorker(0xc000010000)\n\t/r/mgc.go:1423 +0xe9\ncreated by runtime.gcBgMarkStartWorkers in goroutine 1\n\t/r/mgc.go:1339 +0x105\n\n"
                .to_string(),
        ]
        .concat();
        assert!(holders_of(&text).is_empty(), "nobody else: no live holder");
    }

    #[test]
    fn contested_direct_match_is_not_high() {
        let text = [
            waiter(2, "0xc000010000", "example.com/h.(*Handler).Count", "0xc000010000, 0x0?", 36),
            // Passes the handler but may not hold its lock…
            other(
                3,
                "running",
                &[
                    ("example.com/h.(*Handler).size", "0x0?", 80),
                    ("example.com/h.(*Handler).Serve", "0xc000010000, 0x1", 53),
                ],
            ),
            // …while another method of Handler sleeps.
            other(4, "sleep", &[("time.Sleep", "0x1", 195), ("example.com/h.(*Handler).Flush", "0x0?", 28)]),
        ]
        .concat();
        let h = holders_of(&text);
        assert_eq!(h[0].0, 3);
        assert_ne!(h[0].1, Confidence::High, "another method of the type competes: {h:?}");
    }

    #[test]
    fn durations_rank_but_do_not_decide() {
        let w = waiter(2, "0xc000010000", "example.com/c.(*State).IsRunning", "0x0?", 36)
            .replace("[sync.Mutex.Lock]", "[sync.Mutex.Lock, 40 minutes]");
        let text = [
            w,
            other(3, "chan receive, 41 minutes", &[("example.com/c.(*State).A", "0x0?", 50)]),
            other(4, "chan receive, 2 minutes", &[("example.com/c.(*State).B", "0x0?", 60)]),
        ]
        .concat();
        let h = holders_of(&text);
        assert_eq!(h[0].0, 3, "{h:?}");
        assert!(h[0].2.iter().any(|e| e.contains("at least as long as the longest waiter (40)")), "{:?}", h[0].2);
        assert!(h.iter().any(|c| c.0 == 4 && c.2.iter().any(|e| e.contains("only 2 minutes"))), "{h:?}");
    }

    #[test]
    fn the_dumping_goroutine_is_discounted() {
        let text = [
            other(1, "running", &[("example.com/p.(*Store).Dump", "0x1", 10)]),
            waiter(2, "0xc000010000", "example.com/p.(*Store).Get", "0x0?", 20),
            other(3, "sleep", &[("time.Sleep", "0x1", 195), ("example.com/p.(*Store).Compact", "0x0?", 30)]),
        ]
        .concat();
        let h = holders_of(&text);
        assert_eq!(h[0].0, 3, "{h:?}");
        // Without the discount the dumper (same type, running) would tie; with it, it drops.
        assert!(h.iter().all(|c| c.0 != 1 || c.2.iter().any(|e| e.contains("wrote this dump"))), "{h:?}");
    }
}

#[cfg(test)]
mod at_work_tests {
    use super::*;
    use crate::analysis::analyze;

    const WAITER: &str = "goroutine 2 [sync.Mutex.Lock]:\nsync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/r/sema.go:95 +0x25\n\
sync.(*Mutex).lockSlow(0xc000010000)\n\t/s/mutex.go:173 +0x15d\nsync.(*Mutex).Lock(...)\n\t/s/mutex.go:92\n\
example.com/v.(*Root).Get(0xc000010000?)\n\t/v/root.go:20 +0x46\nexample.com/api.handle()\n\t/api/h.go:9 +0x20\n\n";

    #[test]
    fn code_at_work_in_the_locks_type_outranks_a_parked_worker_of_it() {
        let text = format!(
            "{WAITER}goroutine 3 [select]:\nexample.com/v.(*Root).watch.func1()\n\t/v/root.go:80 +0x10\ncreated by example.com/v.(*Root).watch in goroutine 1\n\t/v/root.go:78 +0x20\n\n\
goroutine 4 [syscall]:\nsyscall.Syscall(0x107, 0x4, 0x1, 0x200)\n\t/s/syscall_linux.go:74 +0x25\n\
example.com/v.removePath(...)\n\t/v/root.go:148\nexample.com/v.(*Root).Remove(0x0?, {{0x0?, 0x0?}})\n\t/v/root.go:139 +0x233\n\
example.com/d.(*Daemon).VolumeRm(0x0?)\n\t/d/d.go:45 +0x20\n\n"
        );
        let d = crate::read_dumps(text.as_bytes(), "t").unwrap().remove(0);
        let a = analyze(&d);
        let h = &a.holders[0][0];
        assert_eq!(d.goroutines[h.goroutine].id, Some(4));
        assert!(
            h.evidence.iter().any(|e| e.contains("innermost code it runs is in a method of Root")),
            "{:?}",
            h.evidence
        );
        let watcher = a.holders[0].iter().find(|c| d.goroutines[c.goroutine].id == Some(3));
        assert!(
            watcher.is_none_or(|w| w.score < h.score && !w.evidence.iter().any(|e| e.contains("innermost code"))),
            "the parked watcher is not at work: {watcher:?}"
        );
    }

    #[test]
    fn tied_removers_of_several_locks_are_spread_over_them() {
        let mut text = String::new();
        for (i, addr) in ["0xc000010000", "0xc000020000"].iter().enumerate() {
            text += &WAITER.replace("goroutine 2 ", &format!("goroutine {} ", 10 + i)).replace("0xc000010000", addr);
        }
        for id in [4, 5] {
            text += &format!(
                "goroutine {id} [sleep]:\ntime.Sleep(0x1)\n\t/r/time.go:195 +0x1\nexample.com/v.(*Root).Remove(0x0?)\n\t/v/root.go:139 +0x233\n\
example.com/d.rm()\n\t/d/d.go:45 +0x20\n\n"
            );
        }
        let d = crate::read_dumps(text.as_bytes(), "t").unwrap().remove(0);
        let a = analyze(&d);
        let tops: Vec<Option<u64>> = a.holders.iter().map(|h| d.goroutines[h[0].goroutine].id).collect();
        assert_eq!(tops.len(), 2);
        assert_ne!(tops[0], tops[1], "one remover per lock");
        assert!(a.holders.iter().all(|h| h[0].confidence == Confidence::Low));
    }
}
