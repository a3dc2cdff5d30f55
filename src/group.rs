//! Buckets of goroutines with the same stack, at a chosen similarity.
//!
//! Keys are built from interned ids (call sites, functions), so grouping 100,000 goroutines
//! is one hash per goroutine and never compares stacks pairwise.

use std::collections::HashMap;

use crate::model::{Dump, FuncId, SiteId};

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

#[derive(PartialEq, Eq, Hash)]
enum Key<'d> {
    Exact(u32, Vec<(SiteId, &'d str)>),
    Args(u32, Vec<SiteId>),
    Lines(Vec<FuncId>),
}

/// Groups goroutines (indices into `Dump::goroutines`), largest group first; ties keep the
/// order of first appearance.
pub fn group(d: &Dump, goroutines: &[usize], sim: Similarity) -> Vec<Group> {
    let mut index: HashMap<Key<'_>, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for &gi in goroutines {
        let g = &d.goroutines[gi];
        let key = match sim {
            Similarity::Exact => Key::Exact(g.state.0, d.frames(g).map(|f| (f.site_id, f.args)).collect()),
            Similarity::Args => Key::Args(g.state.0, d.frames(g).map(|f| f.site_id).collect()),
            Similarity::Lines => {
                let mut fs: Vec<FuncId> = d.frames(g).map(|f| f.site.func).collect();
                fs.dedup();
                Key::Lines(fs)
            }
        };
        let at = *index.entry(key).or_insert_with(|| {
            groups.push(Group { members: Vec::new(), count: 0 });
            groups.len() - 1
        });
        groups[at].members.push(gi);
        groups[at].count += u64::from(g.count);
    }
    // Stable sort keeps first-appearance order among equal counts.
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}
