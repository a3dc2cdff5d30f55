//! Who holds each lock: candidates ranked by evidence, with a confidence.
//!
//! A goroutine dump never says who holds a mutex, so holders are inferred. Every goroutine
//! that is not waiting for the lock and does not belong to the runtime is a candidate; each
//! rule below adds to its score and, when it fires, one sentence of evidence:
//!
//! | rule | weight | why |
//! |---|---|---|
//! | the lock's address, or the waiters' lock-site receiver, is a reliable argument | 10 | the holder works on the very object (`(*Root).Remove(0xc000aee820)`) |
//! | a reliable argument points up to 512 bytes below the lock, as a method receiver of the lock sites' type | 6 (3 otherwise) | the struct that contains the lock at an offset |
//! | an object (pointer-like reliable argument) shared with the waiters' stacks | up to 6, by rarity | the `*Container` that waiters and one other goroutine pass |
//! | inside the lock site's function, past the line where waiters block | 5 ÷ how many such goroutines | it got past `Lock()` |
//! | inside a method of the lock sites' receiver type | 3 ÷ how many such goroutines | methods of a type take its lock |
//! | inside the lock site's package (not the standard library) | 1 ÷ how many such goroutines | package-level locks leave nothing else |
//! | blocked (syscall, IO wait, sleep, chan, select) or running | +0.5 | what holders usually do |
//! | waited at least as long as the longest waiter / shorter | +0.5 / −0.5 | a holder held it before the first waiter came |
//!
//! Rarity is counted among goroutines that are not waiting for the lock: a value only one of
//! them passes weighs 6, a value a hundred of them pass (a daemon singleton) weighs little.
//! State and duration only adjust a candidate that some other rule found. Arguments printed
//! with `?` are never used: the register ABI prints stale values there.
//!
//! A candidate is kept if its score reaches [`MIN_SCORE`]. Confidence: *high* with a direct
//! address or receiver match that no other candidate shares, or an owner match confirmed by
//! type; *medium* when the best candidate scores at least [`MEDIUM_SCORE`] and 1.5× the next;
//! *low* otherwise. When nobody qualifies the lock has no live holder and none is claimed.
//!
//! Every lookup goes through indexes built in one pass over the frames, so inference is
//! linear in the size of the dump.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::locks::Lock;
use crate::model::{Dump, FuncId};
use crate::waits::{Wait, WaitKind};

/// The least score for a candidate to be reported.
pub const MIN_SCORE: f64 = 2.0;
/// The least score for a *medium* confidence.
pub const MEDIUM_SCORE: f64 = 4.0;
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
    /// Whether a direct match (address or receiver) fired.
    direct: bool,
    /// Whether the owner rule fired with the lock sites' type.
    owner_typed: bool,
    /// Whether a code rule fired: same function past the lock, same type, or nearby pointer.
    kin: bool,
}

/// The per-dump indexes the rules use.
struct Index<'d> {
    d: &'d Dump,
    /// Goroutines that are candidates at all (not system).
    candidate: Vec<bool>,
    /// For each wanted value: the goroutines passing it reliably anywhere (each once).
    by_value: HashMap<u64, Vec<usize>>,
    /// For each wanted value: the goroutines passing it reliably in application code.
    by_app_value: HashMap<u64, Vec<usize>>,
    /// For each (package, receiver type): goroutines with a method of it on their stack.
    by_type: HashMap<(&'d str, &'d str), Vec<(usize, FuncId)>>,
    /// For each function: goroutines with it on their stack and the line they are at.
    by_func: HashMap<FuncId, Vec<(usize, u32)>>,
    /// For each package: goroutines with a frame in it.
    by_package: HashMap<&'d str, Vec<usize>>,
    /// Per lock: reliable arguments within [`OWNER_RANGE`] bytes of its address (but not
    /// equal): (value, goroutine, frame index, passed as a method receiver).
    near: Vec<Vec<(u64, usize, u32, bool)>>,
    /// Stack shape of every goroutine (same functions in the same order) and how many
    /// goroutines share it.
    shape: Vec<u32>,
    shape_size: Vec<u32>,
}

/// Whether a value may be a pointer to an object: not a small number, 8-byte aligned.
fn pointer_like(v: u64) -> bool {
    v >= 0x10_0000 && v.is_multiple_of(8) && v < 0x0100_0000_0000_0000
}

impl<'d> Index<'d> {
    fn build(d: &'d Dump, waits: &[Wait], locks: &[Lock]) -> Self {
        // Only values, types, functions and packages that some lock cares about are indexed.
        let mut want_values: HashSet<u64> = HashSet::new();
        let mut want_types: HashSet<(&str, &str)> = HashSet::new();
        let mut want_funcs: HashSet<FuncId> = HashSet::new();
        let mut want_packages: HashSet<&str> = HashSet::new();
        for l in locks {
            want_values.extend(l.addr);
            want_values.extend(l.owner);
            for &f in &l.sites {
                let func = d.func(f);
                want_funcs.insert(f);
                if let Some(t) = func.receiver_type() {
                    want_types.insert((func.package(), t));
                }
                if !func.is_stdlib() {
                    want_packages.insert(func.package());
                }
            }
            for &(gi, _) in &l.waiters {
                for f in above_site(d, gi, &waits[gi]) {
                    want_values.extend(
                        f.words().filter(|w| !w.unreliable && !w.leads_group && pointer_like(w.value)).map(|w| w.value),
                    );
                }
            }
        }
        let mut ix = Index {
            d,
            candidate: d.goroutines.iter().map(|g| !crate::waits::is_system(d, g)).collect(),
            by_value: HashMap::new(),
            by_app_value: HashMap::new(),
            by_type: HashMap::new(),
            by_func: HashMap::new(),
            by_package: HashMap::new(),
            near: vec![Vec::new(); locks.len()],
            shape: vec![0; d.goroutines.len()],
            shape_size: vec![1; d.goroutines.len()],
        };
        let all: Vec<usize> = (0..d.goroutines.len()).collect();
        for (k, grp) in crate::group::group(d, &all, crate::group::Similarity::Lines).iter().enumerate() {
            for &g in &grp.members {
                ix.shape[g] = k as u32;
                ix.shape_size[g] = grp.members.len() as u32;
            }
        }
        // Lock addresses sorted, to find the locks near a value by binary search.
        let mut addrs: Vec<(u64, usize)> =
            locks.iter().enumerate().filter_map(|(i, l)| l.addr.map(|a| (a, i))).collect();
        addrs.sort_unstable();
        for (gi, g) in d.goroutines.iter().enumerate() {
            let mut seen_types: Vec<(&str, &str)> = Vec::new();
            let mut seen_packages: Vec<&str> = Vec::new();
            let mut seen_values: Vec<(u64, bool)> = Vec::new();
            for (fi, f) in d.frames(g).enumerate() {
                let method = f.func.receiver().is_some();
                for w in f.words().filter(|w| !w.unreliable && w.value >= 0x1000) {
                    let from = addrs.partition_point(|&(a, _)| a.saturating_add(OWNER_RANGE) < w.value);
                    for &(a, li) in addrs[from..].iter().take_while(|&&(a, _)| a <= w.value.saturating_add(OWNER_RANGE))
                    {
                        if w.value != a {
                            let receiver = method && w.index == 0 && w.depth == 0;
                            ix.near[li].push((w.value, gi, g.frames.start + fi as u32, receiver));
                        }
                    }
                }
                let app = is_app(&f);
                for w in f.words() {
                    if w.unreliable || !want_values.contains(&w.value) {
                        continue;
                    }
                    if !seen_values.contains(&(w.value, false)) {
                        seen_values.push((w.value, false));
                        ix.by_value.entry(w.value).or_default().push(gi);
                    }
                    if app && !w.leads_group && !seen_values.contains(&(w.value, true)) {
                        seen_values.push((w.value, true));
                        ix.by_app_value.entry(w.value).or_default().push(gi);
                    }
                }
                if want_funcs.contains(&f.site.func) {
                    ix.by_func.entry(f.site.func).or_default().push((gi, f.site.line));
                }
                if let Some(t) = f.func.receiver_type() {
                    let key = (f.func.package(), t);
                    if want_types.contains(&key) && !seen_types.contains(&key) {
                        seen_types.push(key);
                        ix.by_type.entry(key).or_default().push((gi, f.site.func));
                    }
                }
                let p = f.func.package();
                if want_packages.contains(p) && !seen_packages.contains(&p) {
                    seen_packages.push(p);
                    ix.by_package.entry(p).or_default().push(gi);
                }
            }
        }
        ix
    }
}

impl Index<'_> {
    /// Splits one unit of evidence among goroutines that share it: equally among their
    /// stack shapes, then equally among the goroutines of each shape. Identical stacks
    /// cannot all hold one mutex, so five identical bystanders weigh what one unique
    /// goroutine weighs.
    fn shares(&self, members: impl Iterator<Item = usize>) -> HashMap<usize, f64> {
        let members: Vec<usize> = members.collect();
        let mut per_shape: HashMap<u32, usize> = HashMap::new();
        for &g in &members {
            *per_shape.entry(self.shape[g]).or_default() += 1;
        }
        let shapes = per_shape.len() as f64;
        members.iter().map(|&g| (g, 1.0 / shapes / per_shape[&self.shape[g]] as f64)).collect()
    }
}

/// The application frames of a waiter from its lock site outward: what its own code passed
/// on the way to Lock. Standard-library frames are left out: the request, the response
/// writer and the connection every HTTP goroutine passes say nothing about a lock.
fn above_site<'d>(d: &'d Dump, gi: usize, w: &Wait) -> impl Iterator<Item = crate::model::Frame<'d>> + 'd {
    let g = &d.goroutines[gi];
    let start = w.site.unwrap_or(g.frames.end);
    d.frames_in(start..g.frames.end).filter(is_app)
}

/// Whether a frame is application code: not the runtime, `sync` or the standard library.
fn is_app(f: &crate::model::Frame<'_>) -> bool {
    !f.func.is_stdlib() && !f.func.is_sync_or_runtime()
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
    let ix = Index::build(d, waits, locks);
    locks.iter().enumerate().map(|(li, l)| infer_one(&ix, waits, li, l)).collect()
}

fn infer_one(ix: &Index<'_>, waits: &[Wait], li: usize, l: &Lock) -> Vec<Holder> {
    let d = ix.d;
    let waiting: HashSet<usize> = l.waiters.iter().map(|&(g, _)| g).collect();
    let mut cands: HashMap<usize, Holder> = HashMap::new();
    let eligible = |g: usize| ix.candidate[g] && !waiting.contains(&g);
    let add = |g: usize, score: f64, why: String, cands: &mut HashMap<usize, Holder>| {
        let h = cands.entry(g).or_insert_with(|| Holder {
            goroutine: g,
            confidence: Confidence::Low,
            score: 0.0,
            evidence: Vec::new(),
            direct: false,
            owner_typed: false,
            kin: false,
        });
        h.score += score;
        h.evidence.push(why);
    };
    let site_func = d.func(l.site());
    let site_type = site_func.receiver_type().map(|t| (site_func.package(), t));

    // Direct: the lock's address or the lock sites' receiver as a reliable argument.
    for (value, what) in [(l.addr, "the lock's address"), (l.owner, "the waiters' lock-site receiver")] {
        let Some(v) = value else { continue };
        if what != "the lock's address" && Some(v) == l.addr {
            continue;
        }
        for &g in ix.by_value.get(&v).map(Vec::as_slice).unwrap_or_default() {
            if !eligible(g) {
                continue;
            }
            let f = frame_passing(d, g, v).unwrap_or_default();
            add(g, 10.0, format!("passes {what} {v:#x} to {f}"), &mut cands);
            if let Some(h) = cands.get_mut(&g) {
                h.direct = true;
            }
        }
    }

    // Owner: the struct that contains the lock starts a few bytes below it. Objects do not
    // overlap, so the closest value below the lock that any goroutine passes is the owner
    // (or a pointer into it); anything farther is a neighbour and says nothing.
    if let Some(a) = l.addr {
        let app = |fi: u32| {
            let f = d.frame(fi);
            !f.func.is_stdlib() && !f.func.is_sync_or_runtime()
        };
        let owner =
            ix.near[li].iter().filter(|&&(v, _, fi, _)| v < a && v.is_multiple_of(8) && app(fi)).map(|n| n.0).max();
        let mut best: HashMap<usize, (f64, String, bool)> = HashMap::new();
        for &(v, gi, fi, receiver) in ix.near[li].iter().filter(|n| Some(n.0) == owner && app(n.2)) {
            if !eligible(gi) || cands.get(&gi).is_some_and(|h| h.direct) {
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
            let of_type = if typed { ", a receiver of the lock sites' type" } else { "" };
            let why = format!(
                "passes {v:#x} to {}: {} bytes below the lock at {a:#x}, the struct that contains it{of_type}",
                short(&f.func.full),
                a - v
            );
            let e = best.entry(gi).or_insert((0.0, String::new(), false));
            if score > e.0 {
                *e = (score, why, typed);
            }
        }
        for (gi, (score, why, typed)) in best {
            add(gi, score, why, &mut cands);
            if let Some(h) = cands.get_mut(&gi) {
                h.owner_typed |= typed;
                h.kin = true;
            }
        }
    }

    // Shared objects: values in the waiters' stacks that few non-waiters pass.
    let mut support: HashMap<u64, usize> = HashMap::new();
    for &(gi, _) in &l.waiters {
        let mut seen = Vec::new();
        for f in above_site(d, gi, &waits[gi]) {
            for w in f.words().filter(|w| !w.unreliable && !w.leads_group && pointer_like(w.value)) {
                if !seen.contains(&w.value) {
                    seen.push(w.value);
                    *support.entry(w.value).or_default() += 1;
                }
            }
        }
    }
    let mut shared: HashMap<usize, (f64, u64, usize, usize)> = HashMap::new();
    // Sorted, so that equal scores pick the same object on every run.
    let mut support: Vec<(u64, usize)> = support.into_iter().collect();
    support.sort_unstable();
    for (v, n_waiters) in support {
        if Some(v) == l.addr || Some(v) == l.owner {
            continue;
        }
        let holders: Vec<usize> =
            ix.by_app_value.get(&v).map(|gs| gs.iter().copied().filter(|&g| eligible(g)).collect()).unwrap_or_default();
        if holders.is_empty() {
            continue;
        }
        let rarity = 1.0 / holders.len() as f64;
        let reach = n_waiters as f64 / l.waiters.len() as f64;
        for g in holders.iter().copied() {
            let e = shared.entry(g).or_insert((0.0, v, n_waiters, holders.len()));
            let s = 6.0 * rarity * reach;
            if s > e.0 {
                *e = (s, v, n_waiters, holders.len());
            }
        }
    }
    for (g, (s, v, n_waiters, others)) in shared {
        if s < 0.5 {
            continue;
        }
        let who = if others == 1 {
            "no other goroutine outside the waiters does".to_string()
        } else {
            format!("{} goroutines outside the waiters do", others)
        };
        add(g, s, format!("shares object {v:#x} with {n_waiters} of {} waiters; {who}", l.waiters.len()), &mut cands);
    }

    // Same function, past the line where the waiters block.
    let lock_line = l.waiters.iter().find_map(|&(gi, _)| waits[gi].site.map(|i| d.frame(i).site.line));
    if let Some(line) = lock_line {
        let past: Vec<(usize, u32)> = ix
            .by_func
            .get(&l.site())
            .map(|v| v.iter().copied().filter(|&(g, at)| eligible(g) && at > line).collect())
            .unwrap_or_default();
        let share = ix.shares(past.iter().map(|&(g, _)| g));
        for &(g, at) in &past {
            let why =
                format!("inside {} at line {at}, past line {line} where the waiters block", short(&site_func.full));
            add(g, 5.0 * share[&g], why, &mut cands);
            if let Some(h) = cands.get_mut(&g) {
                h.kin = true;
            }
        }
    }

    // Methods of the lock sites' receiver type.
    if let Some(key) = site_type {
        let same: Vec<(usize, FuncId)> =
            ix.by_type.get(&key).map(|v| v.iter().copied().filter(|&(g, _)| eligible(g)).collect()).unwrap_or_default();
        let share = ix.shares(same.iter().map(|&(g, _)| g));
        for &(g, f) in &same {
            let only = match same.len() {
                1 => "; the only such goroutine not waiting".to_string(),
                n => format!("; one of {n} such goroutines"),
            };
            let why = format!("inside {}, a method of {} like the lock site{only}", short(&d.func(f).full), key.1);
            add(g, 3.0 * share[&g], why, &mut cands);
            if let Some(h) = cands.get_mut(&g) {
                h.kin = true;
            }
        }
    }

    // The lock site's package.
    if !site_func.is_stdlib() {
        let pkg = site_func.package();
        let same: Vec<usize> =
            ix.by_package.get(pkg).map(|v| v.iter().copied().filter(|&g| eligible(g)).collect()).unwrap_or_default();
        let share = ix.shares(same.iter().copied());
        for &g in &same {
            add(g, share[&g], format!("runs code of package {} like the lock site", short(pkg)), &mut cands);
        }
    }

    // The goroutine that wrote a runtime.Stack or pprof dump comes first, running; it is
    // busy printing, and rarely inside anyone's critical section.
    let dumper = matches!(
        d.kind,
        crate::model::DumpKind::Raw | crate::model::DumpKind::DockerdFile | crate::model::DumpKind::LogrusLine
    ) && d.goroutines.first().is_some_and(|g| d.state(g) == "running");
    if dumper && let Some(h) = cands.get_mut(&0) {
        h.score -= 1.5;
        h.evidence.push("but it is the goroutine that wrote this dump".to_string());
    }

    // State and duration adjust candidates found by the rules above.
    let longest = l.waiters.iter().filter_map(|&(g, _)| d.goroutines[g].wait_minutes).max();
    for h in cands.values_mut() {
        let g = &d.goroutines[h.goroutine];
        let kind = waits[h.goroutine].kind;
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
            h.score += 0.5;
            h.evidence.push(format!("{}: {}", d.state(g), state_phrase(kind)));
        } else if kind.is_lock() && h.kin {
            // Holding one lock while taking another is how lock chains form. Identical
            // stacks share the bonus: at most one of them can hold a mutex.
            h.score += 1.0 / f64::from(ix.shape_size[h.goroutine]);
            h.evidence.push("waits for another lock from inside the same code: the way lock chains form".to_string());
        }
        if let Some(m) = longest.filter(|&m| m > 0) {
            match g.wait_minutes {
                Some(x) if x >= m => {
                    h.score += 0.5;
                    h.evidence.push(format!("blocked {x} minutes, at least as long as the longest waiter ({m})"));
                }
                Some(x) => {
                    h.score -= 0.5;
                    h.evidence.push(format!("blocked only {x} minutes while a waiter has waited {m}"));
                }
                None => {}
            }
        }
    }

    let mut ranked: Vec<Holder> = cands.into_values().filter(|h| h.score >= MIN_SCORE).collect();
    ranked.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then(d.goroutines[a.goroutine].id.cmp(&d.goroutines[b.goroutine].id))
    });
    let directs = ranked.iter().filter(|h| h.direct).count();
    let second = ranked.get(1).map_or(0.0, |h| h.score);
    // A direct match is conclusive only when no other candidate has code-level evidence.
    let contested = ranked.iter().filter(|h| h.kin || h.direct).count() > 1;
    for (i, h) in ranked.iter_mut().enumerate() {
        h.confidence = if i == 0 && ((h.direct && directs == 1) || h.owner_typed) && !contested {
            Confidence::High
        } else if i == 0 && h.score >= MEDIUM_SCORE && h.score >= 1.5 * second {
            Confidence::Medium
        } else {
            Confidence::Low
        };
    }
    ranked.truncate(MAX_CANDIDATES);
    ranked
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
