//! Grouping lock waiters into locks.
//!
//! A waiter names its lock by what its frames printed reliably: the lock's address (always,
//! for `sync.Mutex`), or else the receiver of its lock site (`(*memoryStore).all(0xc00005e4e0)`
//! for an RWMutex whose own frames print no address). A writer queued on an RWMutex's inner
//! Mutex prints both, which tells that the two names are one lock; names are merged with a
//! union-find. Waiters that printed neither are grouped by lock-site function, and such a
//! lock says its address is unknown.

use hashbrown::HashMap;

use crate::model::{Dump, FuncId};
use crate::waits::{Wait, WaitKind};

/// The kind of lock, as far as the frames tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockKind {
    /// `sync.Mutex`.
    Mutex,
    /// `sync.RWMutex`.
    RwMutex,
}

impl LockKind {
    /// The stable name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LockKind::Mutex => "mutex",
            LockKind::RwMutex => "rwmutex",
        }
    }
}

/// The kind of object a goroutine waits on, in general: a lock finding's `mutex` or
/// `rwmutex`, and for the waits beyond locks the channel, `WaitGroup`, `Cond`, semaphore,
/// system call, I/O readiness or timer. Evidence and edges are keyed by it in the JSON
/// (`object`), so that a reader can tell a lock wait from a channel wait without knowing
/// every wait reason Go prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A `sync.Mutex`.
    Mutex,
    /// A `sync.RWMutex`, read or write.
    RwMutex,
    /// A channel: send, receive, `select` (nil channels and `select {}` included).
    Channel,
    /// A `sync.WaitGroup`.
    WaitGroup,
    /// A `sync.Cond`.
    Cond,
    /// A runtime semaphore outside the known `sync` types.
    Semaphore,
    /// A system call.
    Syscall,
    /// Network or file readiness (`IO wait`).
    Io,
    /// A timer (`time.Sleep`).
    Timer,
    /// Nothing: running, runnable, or a wait of the runtime's own.
    None,
}

impl ObjectKind {
    /// The object a wait of kind `k` is on.
    pub fn of(k: WaitKind) -> Self {
        match k {
            WaitKind::Mutex => ObjectKind::Mutex,
            WaitKind::RwRead | WaitKind::RwWrite => ObjectKind::RwMutex,
            WaitKind::ChanSend
            | WaitKind::ChanReceive
            | WaitKind::ChanSendNil
            | WaitKind::ChanReceiveNil
            | WaitKind::Select
            | WaitKind::SelectNoCases => ObjectKind::Channel,
            WaitKind::WaitGroup => ObjectKind::WaitGroup,
            WaitKind::Cond => ObjectKind::Cond,
            WaitKind::Semacquire => ObjectKind::Semaphore,
            WaitKind::Syscall => ObjectKind::Syscall,
            WaitKind::IoWait => ObjectKind::Io,
            WaitKind::Sleep => ObjectKind::Timer,
            WaitKind::Running | WaitKind::Runnable | WaitKind::Other => ObjectKind::None,
        }
    }

    /// The stable name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Mutex => "mutex",
            ObjectKind::RwMutex => "rwmutex",
            ObjectKind::Channel => "channel",
            ObjectKind::WaitGroup => "waitgroup",
            ObjectKind::Cond => "cond",
            ObjectKind::Semaphore => "semaphore",
            ObjectKind::Syscall => "syscall",
            ObjectKind::Io => "io",
            ObjectKind::Timer => "timer",
            ObjectKind::None => "none",
        }
    }
}

impl From<LockKind> for ObjectKind {
    fn from(k: LockKind) -> Self {
        match k {
            LockKind::Mutex => ObjectKind::Mutex,
            LockKind::RwMutex => ObjectKind::RwMutex,
        }
    }
}

/// Whether a waiter wants to read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `Lock` on a Mutex, or on an RWMutex.
    Write,
    /// `RLock` on an RWMutex.
    Read,
}

/// One lock and the goroutines waiting for it.
#[derive(Debug, Clone)]
pub struct Lock {
    /// Stable id within the analysis: `L1`, `L2`, …
    pub id: String,
    /// Mutex or RWMutex.
    pub kind: LockKind,
    /// The lock's address, if any waiter printed it reliably.
    pub addr: Option<u64>,
    /// The lock sites' receiver (the object holding the lock), if printed reliably.
    pub owner: Option<u64>,
    /// The lock sites' functions, most common first.
    pub sites: Vec<FuncId>,
    /// Waiting goroutines (indices into `Dump::goroutines`) with their modes.
    pub waiters: Vec<(usize, Mode)>,
}

impl Lock {
    /// The most common lock site.
    pub fn site(&self) -> FuncId {
        self.sites[0]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Addr(u64),
    Owner(u64, FuncIdType),
    Site(FuncId),
}

/// A receiver type, named by the first function seen with it (cheap to hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FuncIdType(u32);

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Groups the lock waits of a dump into locks, ordered by number of waiters.
pub fn group(d: &Dump, waits: &[Wait]) -> Vec<Lock> {
    // Receiver types are compared by package + type name, worked out once per lock-site
    // function rather than once per waiter (tens of thousands on a large dump).
    let mut type_ids: HashMap<(&str, &str), u32> = HashMap::new();
    let mut type_by_func: Vec<Option<Option<FuncIdType>>> = vec![None; d.funcs.len()];
    let mut type_of = |f: FuncId| -> Option<FuncIdType> {
        *type_by_func[f.0 as usize].get_or_insert_with(|| {
            let func = d.func(f);
            let t = func.receiver_type()?;
            let n = type_ids.len() as u32;
            Some(FuncIdType(*type_ids.entry((func.package(), t)).or_insert(n)))
        })
    };
    let mut key_index: HashMap<Key, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut node = |k: Key, parent: &mut Vec<usize>| -> usize {
        *key_index.entry(k).or_insert_with(|| {
            parent.push(parent.len());
            parent.len() - 1
        })
    };
    // Per lock waiter: its goroutine, its key's node and its lock site's function. The site
    // is looked up once: on a large dump each lookup is a cache miss (a frame record far
    // from the last), and a quarter of a million waiters wait on a few locks.
    let mut waiter_node: Vec<(usize, usize, Option<FuncId>)> = Vec::new();
    for (gi, w) in waits.iter().enumerate() {
        if let Some(ahead) = waits.get(gi + 16).filter(|w| w.kind.is_lock()).and_then(|w| w.site) {
            crate::cache::prefetch(&d.frames[ahead as usize]);
        }
        if !w.kind.is_lock() {
            continue;
        }
        let site = crate::waits::site_func(d, w);
        let owner = match (w.owner, site.and_then(&mut type_of)) {
            (Some(o), Some(t)) => Some(Key::Owner(o, t)),
            _ => None,
        };
        let keyed = match (w.addr, owner) {
            (Some(a), Some(o)) if w.kind != WaitKind::Mutex => {
                let x = node(Key::Addr(a), &mut parent);
                let y = node(o, &mut parent);
                let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
                parent[ry] = rx;
                x
            }
            (Some(a), _) => node(Key::Addr(a), &mut parent),
            (None, Some(o)) => node(o, &mut parent),
            (None, None) => match site {
                Some(f) => node(Key::Site(f), &mut parent),
                None => continue,
            },
        };
        waiter_node.push((gi, keyed, site));
    }
    let mut by_root: HashMap<usize, usize> = HashMap::new();
    let mut locks: Vec<Lock> = Vec::new();
    for &(gi, n, site) in &waiter_node {
        let root = find(&mut parent, n);
        let li = *by_root.entry(root).or_insert_with(|| {
            locks.push(Lock {
                id: String::new(),
                kind: LockKind::Mutex,
                addr: None,
                owner: None,
                sites: Vec::new(),
                waiters: Vec::new(),
            });
            locks.len() - 1
        });
        let w = &waits[gi];
        let l = &mut locks[li];
        let mode = if w.kind == WaitKind::RwRead { Mode::Read } else { Mode::Write };
        if w.kind != WaitKind::Mutex {
            l.kind = LockKind::RwMutex;
        }
        l.addr = l.addr.or(w.addr);
        l.owner = l.owner.or(w.owner);
        if let Some(f) = site {
            l.sites.push(f);
        }
        l.waiters.push((gi, mode));
    }
    for l in &mut locks {
        // Most common lock site first; ties by first appearance.
        let mut counts: Vec<(FuncId, usize, usize)> = Vec::new();
        for (i, &f) in l.sites.iter().enumerate() {
            match counts.iter_mut().find(|c| c.0 == f) {
                Some(c) => c.1 += 1,
                None => counts.push((f, 1, i)),
            }
        }
        counts.sort_by_key(|&(_, n, first)| (std::cmp::Reverse(n), first));
        l.sites = counts.into_iter().map(|(f, _, _)| f).collect();
    }
    locks.retain(|l| !l.sites.is_empty());
    locks.sort_by_key(|l| (std::cmp::Reverse(l.waiters.len()), l.waiters[0].0));
    for (i, l) in locks.iter_mut().enumerate() {
        l.id = format!("L{}", i + 1);
    }
    locks
}
