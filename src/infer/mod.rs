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
//! | blocked as long as the longest waiter (same minutes, within 1%), running code of the lock site's package | 2–4, more for longer waits | it stalled when the waiters began to queue (`[select, 5652 minutes]` in a gRPC call, behind which `docker stop` waits 5652 minutes) |
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
//!
//! The parts: [`index`] builds those indexes (the speed work), [`rules`] holds one function
//! per row of the table above, [`rank`] turns scores into ranked holders with a confidence.
//! Evidence is data ([`Evidence`]); the sentences a report prints are written in
//! `report::evidence`.

mod index;
mod rank;
mod rules;

use rayon::prelude::*;

use crate::locks::Lock;
use crate::model::{Dump, FuncId};
use crate::waits::{Wait, WaitKind};

pub use rank::{
    Confidence, MAX_CANDIDATES, MEDIUM_SCORE, MIN_SCORE, claim_waiting_on_own_work, is_claim, split_claims,
    writes_the_dump,
};

/// One candidate holder of a lock.
#[derive(Debug, Clone)]
pub struct Holder {
    /// Index into `Dump::goroutines`.
    pub goroutine: usize,
    /// How sure.
    pub confidence: Confidence,
    /// The score the ranking used.
    pub score: f64,
    /// One item per rule that fired, in the order the report shows them.
    pub evidence: Vec<Evidence>,
}

/// Why a rule fired, as data: the values, frames and counts a sentence needs. The report
/// writes the sentences (`report::evidence`); the rules only record what they saw. Kept
/// `Copy` and small: a type rule can touch tens of thousands of goroutines per lock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence {
    /// It passes the lock's address (`owner: false`) or the waiters' lock-site receiver
    /// (`owner: true`), `value`, as a reliable argument.
    Direct {
        /// Whether `value` is the lock-site receiver rather than the lock's address.
        owner: bool,
        /// The value passed.
        value: u64,
    },
    /// It passes `value`, the closest value below the lock at `lock`, in frame `frame`
    /// (index into `Dump::frames`); `typed` when as a receiver of the lock sites' type.
    Owner {
        /// The value passed.
        value: u64,
        /// The frame passing it.
        frame: u32,
        /// The lock's address.
        lock: u64,
        /// Passed as a receiver of the lock sites' type.
        typed: bool,
    },
    /// It shares object `value` with `waiters` of the lock's waiters, and `others`
    /// goroutines outside the waiters pass it (itself included).
    Shared {
        /// The object.
        value: u64,
        /// How many waiters pass it.
        waiters: usize,
        /// How many goroutines outside the waiters pass it.
        others: usize,
    },
    /// It is inside the lock site's function at line `at`, past `line` where waiters block.
    PastLine {
        /// Its line.
        at: u32,
        /// The waiters' line.
        line: u32,
    },
    /// It runs `func`, a method of the lock sites' receiver type; `count` goroutines do.
    SameType {
        /// The method.
        func: FuncId,
        /// How many goroutines outside the waiters run a method of the type.
        count: usize,
    },
    /// Its innermost application code is a method of the lock's type.
    AtWork,
    /// It runs code of the lock site's package.
    Package,
    /// It is the goroutine that wrote the dump.
    Dumper,
    /// It is blocked in a syscall, IO, sleep, channel or select, or running (`kind`).
    State {
        /// Its wait.
        kind: WaitKind,
    },
    /// It waits for another lock from inside code the rules matched.
    Nested,
    /// It has been blocked `minutes`, as long as the longest waiter (`longest`) to within a
    /// minute or 1%: it began waiting when the waiters began, the way a holder stalls.
    SameTime {
        /// Its wait.
        minutes: u32,
        /// The longest waiter's.
        longest: u32,
    },
    /// It waits in a `WaitGroup` or `Cond` for `count` live goroutines that its own code
    /// started (`created by` its wait site, or `in goroutine` it), while others wait for the
    /// lock: the one candidate of a lock without other evidence that waits on work of its own
    /// rather than for input, and is claimed on it at low confidence.
    WaitsOnItsOwn {
        /// How many goroutines it started are alive.
        count: usize,
    },
    /// It waited `minutes`, at least as long as the longest waiter (`longest`).
    Longer {
        /// Its wait.
        minutes: u32,
        /// The longest waiter's.
        longest: u32,
    },
    /// It waited only `minutes` while a waiter has waited `longest`.
    Shorter {
        /// Its wait.
        minutes: u32,
        /// The longest waiter's.
        longest: u32,
    },
}

/// Short name of a function for reports: drops the module path.
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
    let ix = index::Index::build(d, waits, locks);
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
                let mut scratch = taken.unwrap_or_else(|| rank::Scratch::new(n, ix.shape_sizes.len()));
                let holders = rank::infer_one(&ix, waits, li, l, &mut scratch);
                if let Ok(mut p) = pool.lock() {
                    p.push(scratch);
                }
                holders
            })
            .collect()
    } else {
        let mut scratch = rank::Scratch::new(n, ix.shape_sizes.len());
        locks.iter().enumerate().map(|(li, l)| rank::infer_one(&ix, waits, li, l, &mut scratch)).collect()
    };
    rank::spread_ties(&mut all);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Analysis, analyze};

    /// The ranking of lock `l`: its holders, or the candidates when none was claimed.
    pub(super) fn ranked<'a>(a: &'a Analysis<'_>, l: usize) -> &'a [Holder] {
        if a.holders[l].is_empty() { &a.candidates[l] } else { &a.holders[l] }
    }
    use crate::report::evidence::sentence;

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
        let said = |h: &Holder| h.evidence.iter().map(|e| sentence(&d, &a.locks[0], h.goroutine, e)).collect();
        ranked(&a, 0).iter().map(|h| (d.goroutines[h.goroutine].id.unwrap(), h.confidence, said(h))).collect()
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
        assert!(h[0].2[0].contains("is called with the lock's own address, 0xc000010000"), "{:?}", h[0].2);
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
        assert!(
            h[0].2.iter().any(|e| e.contains("it passes object 0xc000600000, as all 4 waiters do")),
            "{:?}",
            h[0].2
        );
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
        assert!(h[0].2.iter().any(|e| e.contains("at line 28, past line 26 where the waiters wait")), "{:?}", h[0].2);
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
        assert!(h[0].2.iter().any(|e| e.contains("as long as the waiters (40+)")), "{:?}", h[0].2);
        assert!(h.iter().any(|c| c.0 == 4 && c.2.iter().any(|e| e.contains("only 2+ minutes"))), "{h:?}");
        // Longer than the waiters by more than the slack: held before, not stalled with them.
        let longer = text.replace("chan receive, 41 minutes", "chan receive, 90 minutes");
        let h = holders_of(&longer);
        assert!(h[0].2.iter().any(|e| e.contains("at least as long as the longest waiter (40+)")), "{:?}", h[0].2);
    }

    #[test]
    fn a_goroutine_blocked_as_long_as_the_waiters_is_a_candidate_without_any_address() {
        // docker stop waits 5652 minutes for the container lock; docker kill, in the same
        // package, has sat in a gRPC call for the same 5652 minutes. No frame links them.
        let mut text = String::new();
        for id in 2..5 {
            text += &waiter(id, "0xc000010000", "example.com/daemon.(*Daemon).containerStop", "0x0?", 36)
                .replace("[sync.Mutex.Lock]", "[sync.Mutex.Lock, 5652 minutes]");
        }
        text += &other(
            7,
            "select, 5652 minutes",
            &[
                ("google.golang.org/grpc.invoke", "0x0?", 70),
                ("example.com/daemon.(*Daemon).kill", "0x0?", 90),
                ("example.com/api.postContainersKill", "0x0?", 12),
            ],
        );
        // A loop of the same type, parked for a shorter time: at work in the type's code, but
        // no timing evidence.
        text += &other(8, "select, 30 minutes", &[("example.com/daemon.(*Daemon).execCommandGC", "0x0?", 300)]);
        let h = holders_of(&text);
        assert_eq!(h[0].0, 7, "{h:?}");
        assert!(
            h[0].2.iter().any(|e| e.contains("blocked 5652+ minutes, as long as the waiters (5652+)")),
            "{:?}",
            h[0].2
        );
        assert!(h.iter().all(|c| c.0 != 8 || !c.2.iter().any(|e| e.contains("as long as the waiters"))), "{h:?}");
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
    use super::tests::ranked;
    use super::*;
    use crate::analysis::analyze;
    use crate::report::evidence::sentence;

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
        let h = &ranked(&a, 0)[0];
        assert_eq!(d.goroutines[h.goroutine].id, Some(4));
        let said = |h: &Holder| -> Vec<String> {
            h.evidence.iter().map(|e| sentence(&d, &a.locks[0], h.goroutine, e)).collect()
        };
        assert!(said(h).iter().any(|e| e.contains("own innermost code is a method of Root")), "{:?}", said(h));
        let watcher = ranked(&a, 0).iter().find(|c| d.goroutines[c.goroutine].id == Some(3));
        assert!(
            watcher.is_none_or(|w| w.score < h.score && !said(w).iter().any(|e| e.contains("innermost code"))),
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
        let tops: Vec<Option<u64>> = (0..2).map(|l| d.goroutines[ranked(&a, l)[0].goroutine].id).collect();
        assert_eq!(tops.len(), 2);
        assert_ne!(tops[0], tops[1], "one remover per lock");
        assert!((0..2).all(|l| ranked(&a, l)[0].confidence == Confidence::Low));
        assert!(a.holders.iter().all(Vec::is_empty), "a type alone claims nothing: {:?}", a.holders);
    }
}
