//! The wait-for graph: goroutine → lock (waits for), lock → goroutine (held by, the best
//! candidate). From it come the findings: deadlocks (cycles), root blockers with their blast
//! radius, chains of holders that wait themselves, and locks without a live holder.

use std::collections::{BTreeMap, VecDeque};

use hashbrown::{HashMap, HashSet};

use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::NodeFiltered;

use crate::infer::Holder;
use crate::locks::Lock;
use crate::model::{Dump, FuncId};

/// A node of the wait-for graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// A goroutine (index into `Dump::goroutines`).
    Goroutine(usize),
    /// A lock (index into the analysis' locks).
    Lock(usize),
}

/// The wait-for graph of one dump.
#[derive(Debug)]
pub struct WaitGraph {
    /// The graph; edges point from waiter to lock and from lock to its best holder.
    pub graph: DiGraph<Node, ()>,
    goroutine_nodes: HashMap<usize, NodeIndex>,
    lock_nodes: Vec<NodeIndex>,
}

impl WaitGraph {
    /// Builds the graph from the locks and their best holders.
    pub fn build(locks: &[Lock], holders: &[Vec<Holder>]) -> Self {
        // Sized up front: a large dump's graph has tens of thousands of waiters, and growing
        // the node, edge and index tables by doubling copied each of them about twice.
        let waiters: usize = locks.iter().map(|l| l.waiters.len()).sum();
        let mut graph = DiGraph::with_capacity(locks.len() + waiters + holders.len(), waiters + holders.len());
        let mut goroutine_nodes = HashMap::with_capacity(waiters + holders.len());
        let lock_nodes: Vec<NodeIndex> = (0..locks.len()).map(|i| graph.add_node(Node::Lock(i))).collect();
        let mut node_of = |g: usize, graph: &mut DiGraph<Node, ()>| {
            *goroutine_nodes.entry(g).or_insert_with(|| graph.add_node(Node::Goroutine(g)))
        };
        for (li, l) in locks.iter().enumerate() {
            for &(g, _) in &l.waiters {
                let n = node_of(g, &mut graph);
                graph.add_edge(n, lock_nodes[li], ());
            }
            if let Some(h) = holders[li].first() {
                let n = node_of(h.goroutine, &mut graph);
                graph.add_edge(lock_nodes[li], n, ());
            }
        }
        WaitGraph { graph, goroutine_nodes, lock_nodes }
    }

    /// The locks a goroutine waits for.
    pub fn waits_for(&self, g: usize) -> Vec<usize> {
        self.goroutine_nodes.get(&g).map_or_else(Vec::new, |&n| {
            self.graph
                .neighbors_directed(n, Direction::Outgoing)
                .filter_map(|m| match self.graph[m] {
                    Node::Lock(l) => Some(l),
                    Node::Goroutine(_) => None,
                })
                .collect()
        })
    }

    /// The locks a goroutine is the best holder of.
    pub fn holds(&self, g: usize) -> Vec<usize> {
        self.goroutine_nodes.get(&g).map_or_else(Vec::new, |&n| {
            let mut v: Vec<usize> = self
                .graph
                .neighbors_directed(n, Direction::Incoming)
                .filter_map(|m| match self.graph[m] {
                    Node::Lock(l) => Some(l),
                    Node::Goroutine(_) => None,
                })
                .collect();
            v.sort_unstable();
            v
        })
    }

    /// Every goroutine whose wait leads, through locks and their holders, to `g`.
    pub fn blocked_behind(&self, g: usize) -> Vec<usize> {
        let Some(&start) = self.goroutine_nodes.get(&g) else { return Vec::new() };
        let mut seen: HashSet<NodeIndex> = HashSet::from([start]);
        let mut queue = VecDeque::from([start]);
        let mut out = Vec::new();
        while let Some(n) = queue.pop_front() {
            for m in self.graph.neighbors_directed(n, Direction::Incoming) {
                if seen.insert(m) {
                    if let Node::Goroutine(w) = self.graph[m] {
                        out.push(w);
                    }
                    queue.push_back(m);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Cycles: strongly connected components holding at least two goroutines, as
    /// (goroutines, locks), each sorted.
    pub fn cycles(&self) -> Vec<(Vec<usize>, Vec<usize>)> {
        // Only a node with edges both in and out can be on a cycle; a waiter that holds
        // nothing has none in. Leaving such nodes out keeps every cycle whole (all of a
        // cycle's nodes and edges stay) and spares a one-node component, each a vector, for
        // each of tens of thousands of waiters.
        let g = &self.graph;
        let on_a_path = |n: NodeIndex| {
            g.neighbors_directed(n, Direction::Incoming).next().is_some()
                && g.neighbors_directed(n, Direction::Outgoing).next().is_some()
        };
        let mut out: Vec<(Vec<usize>, Vec<usize>)> = tarjan_scc(&NodeFiltered::from_fn(g, on_a_path))
            .into_iter()
            .filter_map(|comp| {
                let mut gs = Vec::new();
                let mut ls = Vec::new();
                for n in comp {
                    match self.graph[n] {
                        Node::Goroutine(g) => gs.push(g),
                        Node::Lock(l) => ls.push(l),
                    }
                }
                gs.sort_unstable();
                ls.sort_unstable();
                (gs.len() >= 2).then_some((gs, ls))
            })
            .collect();
        out.sort();
        out
    }

    /// The lock node of lock `l`.
    pub fn lock_node(&self, l: usize) -> NodeIndex {
        self.lock_nodes[l]
    }
}

/// What a goroutine's stack is for, in one function name: the first frame of application
/// code after the last place where stacks fork.
///
/// A *dispatcher* is a non-standard-library function that calls different functions in
/// different goroutines of the dump (an HTTP router closure, an event switch). The entry of a
/// stack is the first application frame (not the standard library, not a closure or
/// wrapper) inner to its outermost dispatcher, or the outermost application frame if it has
/// none: `(*containerRouter).postContainersCreate` rather than `(*Server).ServeHTTP`.
#[derive(Debug)]
pub struct Entries {
    dispatcher: Vec<bool>,
    /// Per function: application code that can be an entry (not a closure or wrapper).
    /// Worked out once per function from its name, not once per frame of every goroutine
    /// behind a blocker (tens of thousands on a large dump).
    entry_like: Vec<bool>,
}

impl Entries {
    /// Finds the dispatchers of a dump.
    pub fn new(d: &Dump) -> Self {
        // Every frame of every goroutine is read, so a large dump is read in slices on every
        // core.
        let mut dispatcher = calls_several(d, crate::par::slices_for(d.goroutines.len()));
        for (i, f) in d.funcs.iter().enumerate() {
            if f.is_stdlib() || f.is_runtime() {
                dispatcher[i] = false;
            }
        }
        let entry_like = d
            .funcs
            .iter()
            .map(|func| {
                let name = func.name();
                !func.is_stdlib()
                    && !func.is_sync_or_runtime()
                    && !func.is_closure()
                    && !name.ends_with("-fm")
                    && !name.starts_with("func")
            })
            .collect();
        Entries { dispatcher, entry_like }
    }

    /// The entry function of goroutine `g`, as its full name.
    pub fn of<'d>(&self, d: &'d Dump, g: usize) -> &'d str {
        self.func_of(d, g).map_or("(no frames)", |f| d.func(f).full.as_str())
    }

    /// The entry function of goroutine `g`; `None` when it has no frames.
    pub fn func_of(&self, d: &Dump, g: usize) -> Option<FuncId> {
        // Frames by index, functions without their arguments: this runs for every goroutine
        // behind a blocker, tens of thousands on a large dump.
        let frames = d.goroutines[g].frames.clone();
        let app = |&i: &u32| self.entry_like[d.site_at(i).func.0 as usize];
        let outermost_dispatcher = frames.clone().rev().find(|&i| self.dispatcher[d.site_at(i).func.0 as usize]);
        let inner_end = outermost_dispatcher.unwrap_or(frames.end);
        let pick = (frames.start..inner_end).rev().find(app).or_else(|| frames.clone().rev().find(app));
        pick.or((!frames.is_empty()).then_some(frames.start)).map(|i| d.site_at(i).func)
    }
}

impl Entries {
    /// The operation goroutine `g` performs: the first exported function its entry calls
    /// (not a closure), or the entry itself when it calls none before its innermost code.
    ///
    /// Programs are layered the same way: an API handler or event dispatcher (the entry:
    /// `postContainersCreate`, `ProcessEvent`) calls the service method that names what is
    /// being done (`Daemon.ContainerCreate`, `Daemon.Cleanup`), which calls unexported
    /// helpers (`containerCreate`, `create`) down to the lock (`Root.Get`). The exported
    /// method is the name users and logs know the operation by.
    ///
    /// The innermost application function is where the goroutine waits, which names the wait
    /// rather than the operation (`State.IsRunning`, `Root.List`). When the rule above lands
    /// on it, two kinds of stack say more:
    /// - A stack cut short (an excerpt pasted from a log: no `created by` line and no
    ///   runtime frame at the bottom) has lost its handler, so its outermost application
    ///   frame is not a handler but already the caller that matters: when it is public (an
    ///   exported function, or an exported method of an exported type: `Daemon.ContainerStop`)
    ///   and no dispatcher is above it, it names the operation.
    /// - A goroutine that runs a closure of the function that started it
    ///   (`VolumeStore.list.func1`, `created by VolumeStore.list`) and calls the waiting code
    ///   directly does a part of that function's work: the creator names the operation
    ///   (`VolumeStore.list`). It may not be on the goroutine's own stack.
    pub fn operation(&self, d: &Dump, g: usize) -> Option<FuncId> {
        let entry = self.func_of(d, g)?;
        let gr = &d.goroutines[g];
        let frames = gr.frames.clone();
        // Frames inner to the entry, outermost first.
        let at = frames.clone().rev().find(|&i| d.site_at(i).func == entry)?;
        let exported = |f: FuncId| {
            let func = d.func(f);
            self.entry_like[f.0 as usize] && func.name().starts_with(|c: char| c.is_ascii_uppercase())
        };
        let inner = (frames.start..at).rev().map(|i| d.site_at(i).func);
        let op = inner.into_iter().find(|&f| exported(f)).unwrap_or(entry);
        let innermost = frames.clone().map(|i| d.site_at(i).func).find(|f| self.entry_like[f.0 as usize]);
        if Some(op) != innermost {
            return Some(op);
        }
        let outermost = d.site_at(frames.end - 1).func;
        let cut = gr.created_by.is_none() && !d.func(outermost).is_runtime();
        if cut
            && entry != op
            && public(&d.func(entry).full)
            && !(at..frames.end).any(|i| self.dispatcher[d.site_at(i).func.0 as usize])
        {
            return Some(entry);
        }
        // The closure calls the waiting code directly: no other application frame.
        let outermost_app = frames.clone().rev().map(|i| d.site_at(i).func).find(|f| self.entry_like[f.0 as usize]);
        if outermost_app == innermost
            && let Some(creator) = gr.created_by.as_ref().map(|c| d.site(c.site).func)
            && !d.func(creator).is_stdlib()
            && closure_of(&d.func(outermost).full, &d.func(creator).full)
        {
            return Some(creator);
        }
        Some(op)
    }

    /// The path of goroutine `g` compactly: its entry, its operation, and its innermost
    /// application function, `postContainersCreate → Daemon.ContainerCreate → … → Root.Get`
    /// (names without their package; `…` stands for the frames left out).
    pub fn path(&self, d: &Dump, g: usize) -> String {
        self.path_to(d, g, None)
    }

    /// [`Entries::path`] ending at `last` when given (a lock waiter's lock site, the first
    /// caller outside a lock wrapper: `getVolumeByName → VolumesService.Get → … →
    /// VolumeStore.Get`, not `… → lockCtr.Lock`), else at its innermost application function.
    pub fn path_to(&self, d: &Dump, g: usize, last: Option<FuncId>) -> String {
        let frames = d.goroutines[g].frames.clone();
        let mut app: Vec<FuncId> =
            frames.clone().rev().map(|i| d.site_at(i).func).filter(|f| self.entry_like[f.0 as usize]).collect();
        if let Some(at) = last.and_then(|f| app.iter().rposition(|&x| x == f)) {
            app.truncate(at + 1);
        }
        let mut steps: Vec<FuncId> = Vec::new();
        let (entry, op) = (self.func_of(d, g), self.operation(d, g));
        // An operation off the stack is the function that started it, so it comes first.
        let order = match op {
            Some(o) if !app.contains(&o) && Some(o) != entry => [op, entry, app.last().copied()],
            _ => [entry, op, app.last().copied()],
        };
        for f in order.into_iter().flatten() {
            if !steps.contains(&f) {
                steps.push(f);
            }
        }
        let pos = |f: FuncId| app.iter().position(|&x| x == f);
        let mut out = String::new();
        for (k, &f) in steps.iter().enumerate() {
            if k > 0 {
                let gap = match (pos(steps[k - 1]), pos(f)) {
                    (Some(a), Some(b)) => b > a + 1,
                    _ => false,
                };
                out.push_str(if gap { " → … → " } else { " → " });
            }
            let full = &d.func(f).full;
            out.push_str(&if k == 0 { short_name(full) } else { type_and_name(full) });
        }
        out
    }
}

/// Whether a function (full name) is part of its package's API: an exported function, or an
/// exported method of an exported type (`daemon.(*Daemon).ContainerStop`, not
/// `v1.(*cgroupsMonitor).Monitor`).
fn public(full: &str) -> bool {
    let upper = |s: &str| s.starts_with(|c: char| c.is_ascii_uppercase());
    let s = type_and_name(full);
    match s.split_once('.') {
        Some((ty, name)) => upper(ty) && upper(name) && !name.contains(".func"),
        None => upper(&s),
    }
}

/// Whether function `closure` (full name) is a closure or `go` wrapper written inside function
/// `outer` (full name): `service.(*VolumeStore).list.func1` inside `service.(*VolumeStore).list`.
fn closure_of(closure: &str, outer: &str) -> bool {
    closure
        .strip_prefix(outer)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|rest| rest.starts_with("func") || rest.starts_with("gowrap"))
}

/// A function as a path names it: receiver type and name, without package or pointer
/// (`Daemon.ContainerCreate`, `memoryStore.all`).
pub fn type_and_name(full: &str) -> String {
    let short = crate::infer::short(full);
    let pkg_less = short.split_once('.').map_or(short, |(_, rest)| rest);
    pkg_less.replace("(*", "").replace(')', "")
}

/// An entry function as the report names it: [`type_and_name`], except that a method of an
/// unexported type (an API router: `containerRouter`) is known by its own name
/// (`postContainersCreate`).
pub fn short_name(full: &str) -> String {
    let s = type_and_name(full);
    match s.split_once('.') {
        Some((ty, name)) if ty.starts_with(|c: char| c.is_ascii_lowercase()) && !name.contains(".func") => {
            name.to_string()
        }
        _ => s,
    }
}

/// The name an operation is counted under: the method's own name when it says enough
/// (`ContainerCreate`, `Cleanup`), with its type when it is short (`VolumesService.Get`).
pub fn operation_label(full: &str) -> String {
    let s = short_name(full);
    match s.rsplit_once('.') {
        Some((_, name)) if name.len() >= 6 => name.to_string(),
        _ => s,
    }
}

/// Counts goroutines by the operation they perform ([`Entries::operation`]), by label.
pub fn by_operation(d: &Dump, entries: &Entries, gs: &[usize]) -> BTreeMap<String, usize> {
    count_by_func(d, gs, |g| entries.operation(d, g), operation_label)
}

/// Counts goroutines by the function `pick` gives each, under the name `label` gives that
/// function (labels may merge functions); goroutines without one count as `(no frames)`.
/// Counted by function id, one counter per function, rather than by hashing names per
/// goroutine.
fn count_by_func(
    d: &Dump,
    gs: &[usize],
    pick: impl Fn(usize) -> Option<FuncId>,
    label: impl Fn(&str) -> String,
) -> BTreeMap<String, usize> {
    let mut counts = vec![0usize; d.funcs.len()];
    let mut none = 0;
    for &g in gs {
        match pick(g) {
            Some(f) => counts[f.0 as usize] += 1,
            None => none += 1,
        }
    }
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for (f, &n) in counts.iter().enumerate().filter(|&(_, &n)| n > 0) {
        *out.entry(label(&d.funcs[f].full)).or_default() += n;
    }
    if none > 0 {
        *out.entry("(no frames)".to_string()).or_default() += none;
    }
    out
}

/// Per function: whether it calls different functions in different frames of the dump,
/// read in `slices` slices of goroutines (on every core when the dump is large). Each slice
/// finds, per function, the first callee it met and whether it met another; a function calls
/// several if any slice says so or two slices' first callees differ.
fn calls_several(d: &Dump, slices: usize) -> Vec<bool> {
    let n = d.goroutines.len();
    let parts = crate::par::map_slices(n, slices, |range| {
        let mut callee: Vec<Option<u32>> = vec![None; d.funcs.len()];
        let mut several = vec![false; d.funcs.len()];
        for g in &d.goroutines[range] {
            let mut inner = None;
            for outer in g.frames.clone().map(|i| d.site_at(i).func.0) {
                if let Some(inner) = inner {
                    match callee[outer as usize] {
                        None => callee[outer as usize] = Some(inner),
                        Some(c) if c != inner => several[outer as usize] = true,
                        Some(_) => {}
                    }
                }
                inner = Some(outer);
            }
        }
        (callee, several)
    });
    let mut callee: Vec<Option<u32>> = vec![None; d.funcs.len()];
    let mut several = vec![false; d.funcs.len()];
    for (part_callee, part_several) in parts {
        for f in 0..d.funcs.len() {
            several[f] |= part_several[f] || callee[f].zip(part_callee[f]).is_some_and(|(a, b)| a != b);
            callee[f] = callee[f].or(part_callee[f]);
        }
    }
    several
}

/// Counts goroutines by entry, largest first (ties by name).
pub fn by_entry(d: &Dump, entries: &Entries, gs: &[usize]) -> BTreeMap<String, usize> {
    count_by_func(d, gs, |g| entries.func_of(d, g), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatchers_found_in_slices_are_those_found_in_one_pass() {
        for path in [
            "testdata/corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log",
            "testdata/corpus/real/go1.4-build-coordinator-statusmu-waiters.txt",
        ] {
            let d = crate::read_path(path).expect("bundled dump").remove(0);
            let whole = calls_several(&d, 1);
            assert!(whole.contains(&true), "{path}: a dump with dispatchers");
            // Down to a goroutine or two per slice: a dispatcher's callees land in different
            // slices, and only the merge can tell.
            for slices in [2, 7, d.goroutines.len() / 2] {
                assert_eq!(calls_several(&d, slices), whole, "{path} in {slices} slices");
            }
        }
    }
}
