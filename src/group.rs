//! Buckets of goroutines with the same stack, at a chosen similarity.
//!
//! Keys are built from interned ids (call sites, functions), so grouping 100,000 goroutines
//! is one hash per goroutine and never compares stacks pairwise.

use hashbrown::HashMap;
use rayon::prelude::*;

use std::hash::{BuildHasher, Hasher};

use crate::model::{Dump, FuncId};

/// How alike two stacks must be to share a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Similarity {
    /// Same functions, lines and argument values (and the same state).
    Exact,
    /// Same functions and lines (and the same state); argument values may differ.
    #[default]
    Args,
    /// Same functions in the same order; lines, pc offsets, arguments and state may differ.
    Lines,
}

/// One group of goroutines.
#[derive(Debug, Clone)]
pub struct Group {
    /// Goroutine indices, in dump order.
    pub members: Vec<usize>,
    /// Sum of the members' counts (pprof `debug=1` records count many goroutines).
    pub count: u64,
}

/// The functions of a goroutine's stack with runs of the same function (recursion) folded.
fn folded_funcs<'d>(d: &'d Dump, g: &'d crate::model::Goroutine) -> impl Iterator<Item = FuncId> + 'd {
    let mut last = None;
    d.frames(g).map(|f| f.site.func).filter(move |&f| last.replace(f) != Some(f))
}

/// A hash of what `sim` compares.
fn key_hash(d: &Dump, gi: usize, sim: Similarity, hasher: &foldhash::fast::FixedState) -> u64 {
    let g = &d.goroutines[gi];
    let mut h = hasher.build_hasher();
    match sim {
        Similarity::Exact => {
            h.write_u32(g.state.0);
            for f in d.frames(g) {
                h.write_u32(f.site_id.0);
                h.write(f.args.as_bytes());
            }
        }
        Similarity::Args => {
            h.write_u32(g.state.0);
            for f in d.frames(g) {
                h.write_u32(f.site_id.0);
            }
        }
        Similarity::Lines => {
            for f in folded_funcs(d, g) {
                h.write_u32(f.0);
            }
        }
    }
    h.finish()
}

/// Whether two goroutines are alike under `sim`.
fn alike(d: &Dump, a: usize, b: usize, sim: Similarity) -> bool {
    let (ga, gb) = (&d.goroutines[a], &d.goroutines[b]);
    match sim {
        Similarity::Exact => {
            ga.state == gb.state
                && ga.frames.len() == gb.frames.len()
                && d.frames(ga).zip(d.frames(gb)).all(|(x, y)| x.site_id == y.site_id && x.args == y.args)
        }
        Similarity::Args => {
            ga.state == gb.state
                && ga.frames.len() == gb.frames.len()
                && d.frames(ga).zip(d.frames(gb)).all(|(x, y)| x.site_id == y.site_id)
        }
        Similarity::Lines => folded_funcs(d, ga).eq(folded_funcs(d, gb)),
    }
}

/// Groups goroutines (indices into `Dump::goroutines`), largest group first; ties keep the
/// order of first appearance. Each goroutine is hashed once; a hash hit is confirmed against
/// the group's first member, so no key is ever allocated.
pub fn group(d: &Dump, goroutines: &[usize], sim: Similarity) -> Vec<Group> {
    let hasher = foldhash::fast::FixedState::with_seed(0x51_7cc1_b727_220a);
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    // Hashing reads every frame, so large inputs hash on every core.
    let hashes: Vec<u64> = if goroutines.len() >= 4096 {
        goroutines.par_iter().map(|&gi| key_hash(d, gi, sim, &hasher)).collect()
    } else {
        goroutines.iter().map(|&gi| key_hash(d, gi, sim, &hasher)).collect()
    };
    for (&gi, &h) in goroutines.iter().zip(&hashes) {
        let slot = index.entry(h).or_default();
        let at = match slot.iter().copied().find(|&k| alike(d, groups[k].members[0], gi, sim)) {
            Some(k) => k,
            None => {
                groups.push(Group { members: Vec::new(), count: 0 });
                slot.push(groups.len() - 1);
                groups.len() - 1
            }
        };
        groups[at].members.push(gi);
        groups[at].count += u64::from(d.goroutines[gi].count);
    }
    // Stable sort keeps first-appearance order among equal counts.
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}
