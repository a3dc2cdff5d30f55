//! The indexes the evidence rules read: one parallel pass over every frame of the dump
//! finds, for the values, types, functions and packages some lock cares about, the
//! goroutines that have them, so that each rule is a lookup rather than a scan.
//!
//! This is where the speed of holder inference lives: postings sorted rather than hashed,
//! a bit filter in front of the wanted values, per-slice partial indexes merged in
//! goroutine order, and prefetching where the reads are scattered (see `BENCHMARKS.md`).

use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;

use crate::cache::prefetch;
use crate::locks::{Lock, Mode};
use crate::model::{Dump, FuncId};
use crate::waits::Wait;

/// How far below a lock an owning struct may start.
pub(super) const OWNER_RANGE: u64 = 512;

/// The per-dump indexes the rules use.
pub(super) struct Index<'d> {
    pub(super) d: &'d Dump,
    /// Goroutines that are candidates at all (not system).
    pub(super) candidate: Vec<bool>,
    /// For each wanted value: the goroutines passing it reliably anywhere (each once).
    pub(super) by_value: Postings,
    /// For each wanted value: the goroutines passing it reliably in application code.
    pub(super) by_app_value: Postings,
    /// For each wanted receiver type (index into `types`): goroutines with a method of it.
    pub(super) by_type: HashMap<u32, Slices<(u32, FuncId)>>,
    /// The wanted receiver types as (package, type name).
    pub(super) types: Vec<(&'d str, &'d str)>,
    /// For each lock-site function: goroutines with it on their stack and the line they are at.
    pub(super) by_func: HashMap<FuncId, Vec<(u32, u32)>>,
    /// For each wanted package: goroutines with a frame in it.
    pub(super) by_package: HashMap<&'d str, Slices<u32>>,
    /// Per function: whether it is application code (not the runtime, `sync` or the standard
    /// library).
    pub(super) app: Vec<bool>,
    /// Per goroutine: the index of its innermost application frame (`u32::MAX`: none).
    pub(super) top_app: Vec<u32>,
    /// Per lock: the passings of the closest value below its address (within
    /// [`OWNER_RANGE`] bytes, 8-byte aligned, passed reliably by application code), in
    /// goroutine order: the lock's likely owner.
    pub(super) near: Vec<Vec<Near>>,
    /// Stack shape of every goroutine (same functions in the same order), and per shape
    /// how many goroutines have it.
    pub(super) shape: Vec<u32>,
    pub(super) shape_sizes: Vec<u32>,
    /// Per lock: the objects its waiters' application frames pass above the lock site
    /// (pointer-like reliable words), with how many waiters pass each; sorted by value.
    pub(super) support: Vec<Vec<(u64, usize)>>,
}

/// Goroutines (or what is known of them) listed by each slice of the scan, in goroutine
/// order when read in turn. The lists of a large dump run to millions of entries: joining
/// them into one would copy megabytes into fresh pages for nothing. (Goroutine indices in
/// the indexes are `u32` for the same reason: half the pages of `usize`.)
pub(super) type Slices<T> = Vec<Vec<T>>;

/// A reliable argument near a lock's address: the value, the goroutine and frame passing
/// it, and whether it is passed as a method receiver.
pub(super) type Near = (u64, u32, u32, bool);

/// Adds `more` (passings of one value, in goroutine order after those of `kept`) to
/// `kept` (passings of one value) so that only the highest value's remain. Only the
/// closest value below a lock can be its owner: a large dump passes a million values near
/// its locks, and none of the others need keeping.
pub(super) fn keep_closest(kept: &mut Vec<Near>, more: &[Near]) {
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
pub(super) struct Postings {
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

    pub(super) fn get(&self, v: u64) -> &[u32] {
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
    pub(super) fn build(d: &'d Dump, waits: &[Wait], locks: &[Lock]) -> Self {
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
    pub(super) fn share_out<T>(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
