//! What each goroutine waits on, and where.
//!
//! The classification reads the run of `runtime`/`sync`/`internal/sync` frames at the top of
//! a stack, then the header state. Lock addresses are taken only from argument words printed
//! without `?`; with the register ABI (Go 1.17+) a `?` value is often wrong. Which frame
//! carries the address differs by release:
//!
//! | wait | frames (innermost first) | address from |
//! |---|---|---|
//! | Mutex, Go ≤1.13 | `runtime_Semacquire(sema)`, `sync.(*Mutex).Lock(m)` | `Lock`, or `sema - 4` |
//! | Mutex, Go 1.14–1.23 | `runtime_SemacquireMutex(…?)`, `sync.(*Mutex).lockSlow(m)`, `Lock(...)` | `lockSlow` |
//! | Mutex, Go 1.24+ | `internal/sync.runtime_SemacquireMutex`, `internal/sync.(*Mutex).lockSlow(m)`, … | `lockSlow` |
//! | SIGQUIT, any | also `runtime.semacquire1(sema, …)` | `sema - 4` |
//! | RWMutex reader | `…Semacquire…(readerSem)`, `sync.(*RWMutex).RLock(rw)` (inlined `(...)` lately) | `RLock`, or `readerSem - 12` |
//! | RWMutex writer | `…Semacquire…(writerSem)`, `sync.(*RWMutex).Lock(rw)`; or the inner `Mutex.Lock(rw)` | `Lock`, inner Mutex, or `writerSem - 8` |
//!
//! `sync.Mutex` is `{state int32; sema uint32}` in every release (Go 1.24 wraps the same
//! struct from `internal/sync`), and `sync.RWMutex` is `{w Mutex; writerSem, readerSem uint32;
//! …}`, so the semaphore offsets above hold from Go 1.0 to 1.27.
//!
//! The *lock site* is the first frame below that run and below any lock wrapper: the code
//! that asked for the lock. Its receiver, when printed reliably, identifies locks that print
//! no address of their own (RWMutex waiters since Go 1.17 print none).
//!
//! A *lock wrapper* is a function between the `sync` frames and the application whose job is
//! taking the lock: named locks (`github.com/moby/locker.(*lockCtr).Lock ← (*Locker).Lock`),
//! key mutexes (k8s `keymutex`, containerd `kmutex`), `go-deadlock`, `SafeMutex`-style types,
//! small inlined `lock()` helpers. Reasoning from the wrapper would look for other users of
//! `lockCtr`, which nobody but the wrapper touches; the caller (`(*VolumeStore).Get`) is what
//! the holder shares code with (`(*VolumeStore).Remove`). A frame is a wrapper when its name
//! says it takes a lock (`Lock`, `RLock`, `LockKey`, `acquire`, …) and either its package or
//! its receiver type exists for locking (the name has `lock` or `mutex` in it: `locker`,
//! `lockCtr`, `keymutex`, `SafeMutex`, `deadlock`) or the call was inlined (`(...)`, a
//! helper with nothing else in it worth a frame). Wrappers are skipped only when they are
//! directly above the lock's own frames, and never the last frame of a stack.

use crate::model::{Dump, Frame, FuncId, Goroutine};

/// What a goroutine is blocked on (or doing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WaitKind {
    /// Acquiring a `sync.Mutex`.
    Mutex,
    /// Acquiring a `sync.RWMutex` for reading.
    RwRead,
    /// Acquiring a `sync.RWMutex` for writing.
    RwWrite,
    /// `sync.WaitGroup.Wait`.
    WaitGroup,
    /// `sync.Cond.Wait`.
    Cond,
    /// Sending on a channel.
    ChanSend,
    /// Receiving from a channel.
    ChanReceive,
    /// Sending on a nil channel: blocked for ever.
    ChanSendNil,
    /// Receiving from a nil channel: blocked for ever.
    ChanReceiveNil,
    /// `select` with cases.
    Select,
    /// `select {}`: blocked for ever.
    SelectNoCases,
    /// Waiting for network or file readiness (`IO wait`).
    IoWait,
    /// In a system call.
    Syscall,
    /// `time.Sleep`.
    Sleep,
    /// A semaphore outside the known `sync` types.
    Semacquire,
    /// Running on a thread.
    Running,
    /// Ready to run.
    Runnable,
    /// Anything else (GC, finalizer, timers, unknown wait reasons).
    Other,
}

impl WaitKind {
    /// Every kind, in the order `--help` and error messages list them. A new variant goes
    /// here too: the test `all_lists_every_kind_once` stops compiling until it is.
    pub const ALL: [WaitKind; 18] = [
        WaitKind::Mutex,
        WaitKind::RwRead,
        WaitKind::RwWrite,
        WaitKind::WaitGroup,
        WaitKind::Cond,
        WaitKind::ChanSend,
        WaitKind::ChanReceive,
        WaitKind::ChanSendNil,
        WaitKind::ChanReceiveNil,
        WaitKind::Select,
        WaitKind::SelectNoCases,
        WaitKind::IoWait,
        WaitKind::Syscall,
        WaitKind::Sleep,
        WaitKind::Semacquire,
        WaitKind::Running,
        WaitKind::Runnable,
        WaitKind::Other,
    ];

    /// The stable name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitKind::Mutex => "mutex",
            WaitKind::RwRead => "rwmutex-read",
            WaitKind::RwWrite => "rwmutex-write",
            WaitKind::WaitGroup => "waitgroup",
            WaitKind::Cond => "cond",
            WaitKind::ChanSend => "chan-send",
            WaitKind::ChanReceive => "chan-receive",
            WaitKind::ChanSendNil => "chan-send-nil",
            WaitKind::ChanReceiveNil => "chan-receive-nil",
            WaitKind::Select => "select",
            WaitKind::SelectNoCases => "select-no-cases",
            WaitKind::IoWait => "io-wait",
            WaitKind::Syscall => "syscall",
            WaitKind::Sleep => "sleep",
            WaitKind::Semacquire => "semacquire",
            WaitKind::Running => "running",
            WaitKind::Runnable => "runnable",
            WaitKind::Other => "other",
        }
    }

    /// Whether this is waiting to acquire a lock.
    pub fn is_lock(self) -> bool {
        matches!(self, WaitKind::Mutex | WaitKind::RwRead | WaitKind::RwWrite)
    }
}

/// What one goroutine waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// The kind of wait.
    pub kind: WaitKind,
    /// The lock's address, when a frame printed it without `?`.
    pub addr: Option<u64>,
    /// Index in [`Dump::frames`] of the lock site: the first frame outside the runtime and
    /// `sync` (for lock waits; for other waits, the first such frame too).
    pub site: Option<u32>,
    /// The lock site's receiver, when printed without `?`.
    pub owner: Option<u64>,
}

/// Where a frame sits in the lock machinery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    MutexLock,
    RwRLock,
    RwLock,
    WaitGroupWait,
    CondWait,
    /// A semaphore call; its argument points `offset` bytes into the lock (when known).
    Sema,
    Other,
}

/// Whether a lower-cased name mentions locking: `locker`, `lockctr`, `keymutex`, `safemutex`,
/// `deadlock`, but not `block` or `clock`.
fn about_locking(lower: &str) -> bool {
    lower.contains("mutex")
        || lower.match_indices("lock").any(|(i, _)| i == 0 || !matches!(lower.as_bytes()[i - 1], b'b' | b'c'))
}

/// Whether a function's own name says that it takes a lock: `Lock`, `RLock`, `LockKey`,
/// `lockWithTimeout`, `acquire`; not `Unlock`.
fn takes_a_lock(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["lock", "rlock", "wlock", "trylock", "acquire", "tryacquire"].contains(&lower.as_str())
        || lower.starts_with("lock")
        || lower.starts_with("rlock")
        || lower.starts_with("acquire")
}

/// How a function may wrap a lock: [`WRAPS`] when it is one whatever the frame, [`WRAPS_IF_INLINED`]
/// when only an inlined call of it is (a small helper named like `lock`).
fn wrapper_of(f: &crate::model::Func) -> u8 {
    if f.is_stdlib() || f.is_sync_or_runtime() || !takes_a_lock(f.base_name()) {
        return 0;
    }
    let pkg = f.package().rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    let ty = f.receiver_type().unwrap_or("").to_ascii_lowercase();
    if about_locking(&pkg) || about_locking(&ty) { WRAPS } else { WRAPS_IF_INLINED }
}

const WRAPS: u8 = 2;
const WRAPS_IF_INLINED: u8 = 1;

/// Whether the frame at `i` is a lock wrapper, given its function's [`wrapper_of`].
fn wraps_at(d: &Dump, i: u32, how: u8) -> bool {
    how == WRAPS || (how == WRAPS_IF_INLINED && d.site_at(i).pc_offset.is_none())
}

/// The frames of goroutine `g` that wrap its lock wait (see the module doc), innermost first:
/// those between the `sync` frames and its lock site.
pub fn wrapper_frames(d: &Dump, g: &Goroutine, w: &Wait) -> std::ops::Range<u32> {
    let Some(site) = w.site else { return 0..0 };
    let first = g.frames.clone().find(|&i| !d.func_at(i).is_sync_or_runtime()).unwrap_or(site);
    first.min(site)..site
}

fn role_of(full: &str) -> Role {
    match full {
        "sync.(*Mutex).Lock"
        | "sync.(*Mutex).lockSlow"
        | "internal/sync.(*Mutex).Lock"
        | "internal/sync.(*Mutex).lockSlow" => Role::MutexLock,
        "sync.(*RWMutex).RLock" => Role::RwRLock,
        "sync.(*RWMutex).Lock" => Role::RwLock,
        "sync.(*WaitGroup).Wait" => Role::WaitGroupWait,
        "sync.(*Cond).Wait" => Role::CondWait,
        _ if full.contains("runtime_Semacquire") || full == "runtime.semacquire1" || full == "runtime.semacquire" => {
            Role::Sema
        }
        _ => Role::Other,
    }
}

/// The first argument word if printed without `?`.
fn exact_first(f: &Frame<'_>) -> Option<u64> {
    f.first_word().filter(|w| !w.unreliable && w.value != 0).map(|w| w.value)
}

/// [`exact_first`] of the frame at `index`, whose text is only loaded if the parser saw that
/// it may print a reliable word: since Go 1.17 most lock frames print `0x0?`.
fn exact_first_at(d: &Dump, index: u32) -> Option<u64> {
    d.frames[index as usize].may_print_reliable_word().then(|| exact_first(&d.frame(index))).flatten()
}

/// Classifies one goroutine.
pub fn classify(d: &Dump, g: &Goroutine) -> Wait {
    classify_with(
        d,
        g,
        &|f| (d.func(f).is_sync_or_runtime(), role_of(&d.func(f).full)),
        &|f| wrapper_of(d.func(f)),
        &|s| kind_from_state(&d.states[s as usize]),
    )
}

/// Classifies every goroutine of a dump. Each function's role and each state's kind are
/// worked out once, not once per frame: a 100,000-goroutine dump has a few thousand
/// functions and a few dozen states.
pub fn classify_all(d: &Dump) -> Vec<Wait> {
    let roles: Vec<(bool, Role)> = d
        .funcs
        .iter()
        .map(|f| {
            let machinery = f.is_sync_or_runtime();
            (machinery, if machinery { role_of(&f.full) } else { Role::Other })
        })
        .collect();
    let wrappers: Vec<u8> = d.funcs.iter().map(wrapper_of).collect();
    let state_kinds: Vec<WaitKind> = d.states.iter().map(|s| kind_from_state(s)).collect();
    crate::par::map(d.goroutines.len(), &d.goroutines, |g| {
        classify_with(d, g, &|f| roles[f.0 as usize], &|f| wrappers[f.0 as usize], &|s| state_kinds[s as usize])
    })
}

fn classify_with(
    d: &Dump,
    g: &Goroutine,
    role_of_func: &dyn Fn(FuncId) -> (bool, Role),
    wrapper: &dyn Fn(FuncId) -> u8,
    state_kind: &dyn Fn(u32) -> WaitKind,
) -> Wait {
    let mut mutex: Option<Option<u64>> = None;
    let mut rlock: Option<Option<u64>> = None;
    let mut wlock: Option<Option<u64>> = None;
    let mut sema: Option<u64> = None;
    let mut other_sync = None;
    let mut site = None;
    // Only frames whose role needs an address have their arguments read.
    for i in g.frames.clone() {
        let (machinery, role) = role_of_func(d.site_at(i).func);
        if !machinery {
            site = Some(i);
            // A lock wait's wrappers are skipped: the lock site is their first caller.
            if mutex.is_some() || rlock.is_some() || wlock.is_some() {
                let mut j = i;
                while j + 1 < g.frames.end && wraps_at(d, j, wrapper(d.site_at(j).func)) {
                    j += 1;
                }
                site = Some(j);
            }
            break;
        }
        match role {
            // The innermost Lock frame with a reliable address wins; `lockSlow` comes first.
            Role::MutexLock => {
                let a = exact_first_at(d, i);
                mutex = Some(mutex.flatten().or(a));
            }
            Role::RwRLock => rlock = Some(exact_first_at(d, i)),
            Role::RwLock => wlock = Some(exact_first_at(d, i)),
            Role::WaitGroupWait => other_sync = other_sync.or(Some(WaitKind::WaitGroup)),
            Role::CondWait => other_sync = other_sync.or(Some(WaitKind::Cond)),
            Role::Sema => {
                if sema.is_none() {
                    sema = exact_first_at(d, i);
                }
            }
            Role::Other => {}
        }
    }
    let owner =
        site.and_then(|i| d.func_at(i).receiver().filter(|r| r.starts_with('*')).and_then(|_| exact_first_at(d, i)));
    let wait = |kind, addr| Wait { kind, addr, site, owner };
    // An RWMutex writer first takes the inner Mutex at the same address, so RWMutex frames
    // decide the kind even when a Mutex frame sits above them.
    if let Some(a) = wlock {
        let addr = a.or(mutex.flatten()).or_else(|| {
            if mutex.is_none() { sema.map(|s| s.wrapping_sub(8)) } else { sema.map(|s| s.wrapping_sub(4)) }
        });
        return wait(WaitKind::RwWrite, addr);
    }
    if let Some(a) = rlock {
        return wait(WaitKind::RwRead, a.or(sema.map(|s| s.wrapping_sub(12))));
    }
    if let Some(a) = mutex {
        return wait(WaitKind::Mutex, a.or(sema.map(|s| s.wrapping_sub(4))));
    }
    if let Some(k) = other_sync {
        return wait(k, None);
    }
    let kind = match state_kind(g.state.0) {
        WaitKind::Other if sema.is_some() => WaitKind::Semacquire,
        k => k,
    };
    wait(kind, None)
}

/// The kind of wait a header state names, for goroutines not in a lock.
fn kind_from_state(state: &str) -> WaitKind {
    match state {
        "chan send" => WaitKind::ChanSend,
        "chan receive" => WaitKind::ChanReceive,
        "chan send (nil chan)" => WaitKind::ChanSendNil,
        "chan receive (nil chan)" => WaitKind::ChanReceiveNil,
        "select" => WaitKind::Select,
        "select (no cases)" => WaitKind::SelectNoCases,
        "IO wait" => WaitKind::IoWait,
        "syscall" => WaitKind::Syscall,
        "sleep" => WaitKind::Sleep,
        "running" => WaitKind::Running,
        "runnable" => WaitKind::Runnable,
        "sync.WaitGroup.Wait" => WaitKind::WaitGroup,
        "sync.Cond.Wait" => WaitKind::Cond,
        "semacquire" | "sync.Mutex.Lock" | "sync.RWMutex.Lock" | "sync.RWMutex.RLock" => WaitKind::Semacquire,
        _ => WaitKind::Other,
    }
}

/// Whether a goroutine belongs to the runtime itself (GC workers, finalizers, idle threads):
/// never a lock holder. Mirrors the runtime's `isSystemGoroutine`: the goroutine's entry
/// function is in package runtime (but not `runtime.main`), or it was created by the runtime.
pub fn is_system(d: &Dump, g: &Goroutine) -> bool {
    if g.id == Some(0) {
        return true;
    }
    let entry = g.frames.clone().rev().map(|i| d.func_at(i)).find(|f| f.full != "runtime.goexit");
    if let Some(f) = entry
        && f.is_runtime()
        && f.full != "runtime.main"
        && !f.full.starts_with("runtime.main.")
    {
        return true;
    }
    if let Some(c) = &g.created_by {
        let (func, _) = d.created_by(c);
        return func.is_runtime() && func.full != "runtime.main";
    }
    false
}

/// The lock site's function, if any.
pub fn site_func(d: &Dump, w: &Wait) -> Option<FuncId> {
    w.site.map(|i| d.site_at(i).func)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_kind_once() {
        // An exhaustive match: a new variant breaks the build here until ALL lists it.
        let position = |k: WaitKind| match k {
            WaitKind::Mutex => 0,
            WaitKind::RwRead => 1,
            WaitKind::RwWrite => 2,
            WaitKind::WaitGroup => 3,
            WaitKind::Cond => 4,
            WaitKind::ChanSend => 5,
            WaitKind::ChanReceive => 6,
            WaitKind::ChanSendNil => 7,
            WaitKind::ChanReceiveNil => 8,
            WaitKind::Select => 9,
            WaitKind::SelectNoCases => 10,
            WaitKind::IoWait => 11,
            WaitKind::Syscall => 12,
            WaitKind::Sleep => 13,
            WaitKind::Semacquire => 14,
            WaitKind::Running => 15,
            WaitKind::Runnable => 16,
            WaitKind::Other => 17,
        };
        for (i, &k) in WaitKind::ALL.iter().enumerate() {
            assert_eq!(position(k), i, "{k:?}");
        }
    }

    fn one(text: &str) -> (Dump, Wait) {
        let d = crate::read_dumps(text.as_bytes(), "t").unwrap().remove(0);
        let w = classify(&d, &d.goroutines[0]);
        (d, w)
    }

    fn site_name(d: &Dump, w: &Wait) -> String {
        d.frame(w.site.unwrap()).func.full.clone()
    }

    #[test]
    fn mutex_go14_stack_abi() {
        let (d, w) = one(
            "goroutine 1 [semacquire, 646 minutes]:\nsync.runtime_Semacquire(0xb55e0c)\n\t/go/src/runtime/sema.go:43 +0x2d\n\
sync.(*Mutex).Lock(0xb55e08)\n\t/go/src/sync/mutex.go:82 +0x1c3\nmain.numCurrentBuilds(0x0)\n\t/x/coordinator.go:302 +0x33\n",
        );
        assert_eq!((w.kind, w.addr), (WaitKind::Mutex, Some(0xb55e08)));
        assert_eq!(site_name(&d, &w), "main.numCurrentBuilds");
        assert_eq!(w.owner, None, "a function, not a method");
    }

    #[test]
    fn lock_wrappers_are_seen_through() {
        // moby/locker, as a dockerd 20.10 prints it: the lock site is the caller.
        let (d, w) = one(
            "goroutine 7 [sync.Mutex.Lock]:\nsync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/r/sema.go:95 +0x25\n\
sync.(*Mutex).lockSlow(0xc000010100)\n\t/s/mutex.go:173 +0x15d\nsync.(*Mutex).Lock(...)\n\t/s/mutex.go:92\n\
github.com/moby/locker.(*lockCtr).Lock(...)\n\t/l/locker.go:32\ngithub.com/moby/locker.(*Locker).Lock(0xc000020200, {0xc0000300f0, 0x2})\n\t/l/locker.go:80 +0xd6\n\
github.com/docker/docker/volume/service.(*VolumeStore).Get(0xc000040400, {0xc0000300f0, 0x2})\n\t/v/store.go:58 +0x45\n",
        );
        assert_eq!((w.kind, w.addr), (WaitKind::Mutex, Some(0xc000010100)));
        assert_eq!(site_name(&d, &w), "github.com/docker/docker/volume/service.(*VolumeStore).Get");
        assert_eq!(w.owner, Some(0xc000040400), "the caller's receiver");
        let names: Vec<String> = wrapper_frames(&d, &d.goroutines[0], &w).map(|i| d.func_at(i).full.clone()).collect();
        assert_eq!(names, ["github.com/moby/locker.(*lockCtr).Lock", "github.com/moby/locker.(*Locker).Lock"]);
        // k8s keymutex, go-deadlock, a SafeMutex type, an inlined lock() helper: wrappers.
        for (wrapper, args) in [
            ("k8s.io/utils/keymutex.(*hashedKeyMutex).LockKey", "0xc000020200, {0x1, 0x2}"),
            ("github.com/sasha-s/go-deadlock.(*Mutex).Lock", "0xc000020200"),
            ("example.com/app/store.(*SafeMutex).Lock", "0xc000020200"),
            ("example.com/app/store.(*Store).lock", "..."),
        ] {
            let text = format!(
                "goroutine 7 [sync.Mutex.Lock]:\nsync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/r/sema.go:95 +0x25\n\
sync.(*Mutex).lockSlow(0xc000010100)\n\t/s/mutex.go:173 +0x15d\nsync.(*Mutex).Lock(...)\n\t/s/mutex.go:92\n\
{wrapper}({args})\n\t/w/w.go:10{}\nexample.com/app/store.(*Store).Put(0xc000040400)\n\t/a/a.go:5 +0x45\n",
                if args == "..." { "" } else { " +0x20" }
            );
            let (d, w) = one(&text);
            assert_eq!(site_name(&d, &w), "example.com/app/store.(*Store).Put", "{wrapper}");
        }
        // Not wrappers: a method of an ordinary type that locks and is not inlined, a frame
        // named like a lock that is the last of its stack, code after the site.
        for (frames, want) in [
            (
                "example.com/app/store.(*Store).Lock(0xc000040400)\n\t/a/a.go:3 +0x20\nexample.com/app/api.put()\n\t/a/b.go:5 +0x45\n",
                "example.com/app/store.(*Store).Lock",
            ),
            (
                "github.com/moby/locker.(*Locker).Lock(0xc000020200, {0x1, 0x2})\n\t/l/locker.go:80 +0xd6\n",
                "github.com/moby/locker.(*Locker).Lock",
            ),
            (
                "example.com/app/clock.(*Clock).Block(0xc000040400)\n\t/a/a.go:3 +0x20\nexample.com/app/api.put()\n\t/a/b.go:5 +0x45\n",
                "example.com/app/clock.(*Clock).Block",
            ),
        ] {
            let (d, w) = one(&format!(
                "goroutine 7 [sync.Mutex.Lock]:\nsync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/r/sema.go:95 +0x25\n\
sync.(*Mutex).lockSlow(0xc000010100)\n\t/s/mutex.go:173 +0x15d\nsync.(*Mutex).Lock(...)\n\t/s/mutex.go:92\n{frames}"
            ));
            assert_eq!(site_name(&d, &w), want);
        }
    }

    #[test]
    fn mutex_from_semaphore_only() {
        let (_, w) = one(
            "goroutine 1 [semacquire]:\nsync.runtime_Semacquire(0xc820482bd4)\n\t/go/src/runtime/sema.go:47 +0x26\nmain.f()\n\t/x.go:1\n",
        );
        assert_eq!(w.kind, WaitKind::Semacquire, "a bare semaphore is not known to be a mutex");
        let (_, w) = one(
            "goroutine 1 [semacquire]:\nsync.runtime_SemacquireMutex(0xc820482bd4, 0x0)\n\t/go/src/runtime/sema.go:71\nsync.(*Mutex).Lock(...)\n\t/go/src/sync/mutex.go:134\nmain.f()\n\t/x.go:1\n",
        );
        assert_eq!((w.kind, w.addr), (WaitKind::Mutex, Some(0xc820482bd0)));
    }

    #[test]
    fn mutex_go119_register_abi() {
        let (d, w) = one(
            "goroutine 191 [semacquire]:\nsync.runtime_SemacquireMutex(0xc0000b7718?, 0xf9?, 0xc0000a2540?)\n\t/r/sema.go:77 +0x25\n\
sync.(*Mutex).lockSlow(0xc00006a9c0)\n\t/s/mutex.go:171 +0x165\nsync.(*Mutex).Lock(...)\n\t/s/mutex.go:90\n\
github.com/docker/docker/volume/local.(*Root).Get(0xc00006a9c0, {0xc00040ee70?, 0x9?})\n\t/v/local.go:159 +0x46\n",
        );
        assert_eq!((w.kind, w.addr, w.owner), (WaitKind::Mutex, Some(0xc00006a9c0), Some(0xc00006a9c0)));
        assert_eq!(site_name(&d, &w), "github.com/docker/docker/volume/local.(*Root).Get");
    }

    #[test]
    fn mutex_go127_internal_sync() {
        let (_, w) = one(
            "goroutine 8 [sync.Mutex.Lock]:\ninternal/sync.runtime_SemacquireMutex(0xabb1b0?, 0x50?, 0x21c07bbe0140?)\n\t/r/sema.go:95 +0x25\n\
internal/sync.(*Mutex).lockSlow(0x21c07bcb2440)\n\t/i/mutex.go:149 +0x15a\ninternal/sync.(*Mutex).Lock(...)\n\t/i/mutex.go:70\n\
sync.(*Mutex).Lock(...)\n\t/s/mutex.go:46\nexample.com/a.(*R).Get(0x21c07bcb2440?, {0x21c07bbd2138, 0x15})\n\t/a/r.go:9 +0x46\n",
        );
        assert_eq!(
            (w.kind, w.addr, w.owner),
            (WaitKind::Mutex, Some(0x21c07bcb2440), None),
            "receiver with ? is not trusted"
        );
    }

    #[test]
    fn rwmutex_register_abi_has_no_address() {
        let (_, r) = one(
            "goroutine 70 [semacquire]:\nsync.runtime_SemacquireMutex(0xc0000507d8?, 0x85?, 0xb6?)\n\t/r/sema.go:77 +0x25\n\
sync.(*RWMutex).RLock(...)\n\t/s/rwmutex.go:71\ngithub.com/d/container.(*memoryStore).all(0xc00005e4e0)\n\t/c/memory_store.go:105 +0x4e\n",
        );
        assert_eq!((r.kind, r.addr, r.owner), (WaitKind::RwRead, None, Some(0xc00005e4e0)));
        let (_, w) = one(
            "goroutine 16 [sync.RWMutex.Lock]:\nsync.runtime_SemacquireRWMutex(0x0?, 0xc0?, 0x0?)\n\t/r/sema.go:77 +0x25\n\
sync.(*RWMutex).Lock(0x0?)\n\t/s/rwmutex.go:152 +0x71\ngithub.com/d/container.(*memoryStore).Add(0xc00005e4e0, {0xc00001ad60, 0x10})\n\t/c/memory_store.go:48 +0x3f\n",
        );
        assert_eq!((w.kind, w.addr, w.owner), (WaitKind::RwWrite, None, Some(0xc00005e4e0)));
    }

    #[test]
    fn rwmutex_writer_queued_on_inner_mutex_keeps_the_address() {
        let (_, w) =
            one("goroutine 3 [sync.Mutex.Lock]:\nsync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/r/sema.go:95\n\
sync.(*Mutex).lockSlow(0xc000010100)\n\t/s/mutex.go:173 +0x15d\nsync.(*Mutex).Lock(...)\n\t/s/mutex.go:92\n\
sync.(*RWMutex).Lock(0xc000010100?)\n\t/s/rwmutex.go:146 +0x31\nmain.(*S).Put(0xc000010100?)\n\t/m.go:4\n");
        assert_eq!((w.kind, w.addr), (WaitKind::RwWrite, Some(0xc000010100)));
    }

    #[test]
    fn rwmutex_stack_abi_from_semaphores() {
        let (_, r) = one(
            "goroutine 5 [semacquire]:\nsync.runtime_Semacquire(0xc82001a0cc)\n\t/r/sema.go:47\nsync.(*RWMutex).RLock(0xc82001a0c0)\n\t/s/rwmutex.go:36\nmain.f()\n\t/m.go:1\n",
        );
        assert_eq!((r.kind, r.addr), (WaitKind::RwRead, Some(0xc82001a0c0)));
        let (_, w) = one(
            "goroutine 5 [semacquire]:\nsync.runtime_Semacquire(0xc82001a0c8)\n\t/r/sema.go:47\nsync.(*RWMutex).Lock(0xc82001a0c0)\n\t/s/rwmutex.go:90\nmain.f()\n\t/m.go:1\n",
        );
        assert_eq!((w.kind, w.addr), (WaitKind::RwWrite, Some(0xc82001a0c0)));
    }

    #[test]
    fn other_waits_come_from_frames_and_state() {
        let cases = [
            (
                "semacquire",
                "sync.runtime_Semacquire(0xc0000140d8?)\n\t/r/sema.go:62\nsync.(*WaitGroup).Wait(0xc0000140d0?)\n\t/s/waitgroup.go:139\n",
                WaitKind::WaitGroup,
            ),
            (
                "sync.Cond.Wait",
                "sync.runtime_notifyListWait(0xc000100050, 0x0)\n\t/r/sema.go:569\nsync.(*Cond).Wait(0xc000100040)\n\t/s/cond.go:70\n",
                WaitKind::Cond,
            ),
            ("chan receive", "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/r/proc.go:398\n", WaitKind::ChanReceive),
            (
                "chan send (nil chan)",
                "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/r/proc.go:398\n",
                WaitKind::ChanSendNil,
            ),
            (
                "select (no cases)",
                "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/r/proc.go:398\n",
                WaitKind::SelectNoCases,
            ),
            ("IO wait", "internal/poll.runtime_pollWait(0x7f, 0x72)\n\t/r/netpoll.go:343\n", WaitKind::IoWait),
            (
                "syscall",
                "syscall.Syscall(0x0, 0x7, 0xc000302000, 0x200)\n\t/s/syscall_linux.go:69\n",
                WaitKind::Syscall,
            ),
            ("sleep", "time.Sleep(0x3b9aca00)\n\t/r/time.go:195\n", WaitKind::Sleep),
            ("semacquire", "golang.org/x/sync/semaphore.(*Weighted).Acquire(0x1)\n\t/w.go:1\n", WaitKind::Semacquire),
            ("GC worker (idle)", "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/r/proc.go:398\n", WaitKind::Other),
        ];
        for (state, frames, want) in cases {
            let (_, w) = one(&format!("goroutine 9 [{state}]:\n{frames}main.f()\n\t/m.go:1\n"));
            assert_eq!(w.kind, want, "state {state}");
            assert_eq!(w.addr, None);
        }
    }

    #[test]
    fn system_goroutines_are_recognised() {
        let d = crate::read_dumps(
            b"goroutine 2 [force gc (idle)]:\nruntime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/r/proc.go:398\nruntime.forcegchelper()\n\t/r/proc.go:322\ncreated by runtime.init.6 in goroutine 1\n\t/r/proc.go:310\n\n\
goroutine 1 [chan receive]:\nruntime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/r/proc.go:398\nmain.main()\n\t/m.go:5\n",
            "t",
        )
        .unwrap()
        .remove(0);
        assert!(is_system(&d, &d.goroutines[0]));
        assert!(!is_system(&d, &d.goroutines[1]));
    }
}
