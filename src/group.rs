//! Buckets of goroutines with the same stack, at a chosen similarity.
//!
//! Keys are built from interned ids (call sites, functions), so grouping 100,000 goroutines
//! is one hash per goroutine and never compares stacks pairwise.

use hashbrown::HashMap;

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
    g.frames.clone().map(|i| d.site_at(i).func).filter(move |&f| last.replace(f) != Some(f))
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
            for r in d.frame_recs(g) {
                h.write_u32(r.site.0);
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
                && d.frame_recs(ga).iter().zip(d.frame_recs(gb)).all(|(x, y)| x.site == y.site)
        }
        Similarity::Lines => folded_funcs(d, ga).eq(folded_funcs(d, gb)),
    }
}

/// Groups goroutines (indices into `Dump::goroutines`), largest group first; ties keep the
/// order of first appearance. Each goroutine is hashed once; a hash hit is confirmed against
/// the first goroutine with that hash, so no key is ever allocated and a collision only
/// costs a search among the colliding groups.
pub fn group(d: &Dump, goroutines: &[usize], sim: Similarity) -> Vec<Group> {
    let hasher = foldhash::fast::FixedState::with_seed(0x51_7cc1_b727_220a);
    group_by(d, goroutines, sim, |gi| key_hash(d, gi, sim, &hasher))
}

/// [`group`] with the hash function given, so tests can force collisions.
fn group_by(d: &Dump, goroutines: &[usize], sim: Similarity, hash: impl Fn(usize) -> u64 + Sync) -> Vec<Group> {
    let (numbers, count) = number_by(d, goroutines.len(), |i| goroutines[i], sim, hash);
    let mut groups: Vec<Group> = vec![Group { members: Vec::new(), count: 0 }; count];
    for (&k, &gi) in numbers.iter().zip(goroutines) {
        let g = &mut groups[k as usize];
        g.members.push(gi);
        g.count += u64::from(d.goroutines[gi].count);
    }
    // Stable sort keeps first-appearance order among equal counts.
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}

/// The stack shape ([`Similarity::Lines`]) of every goroutine of `d`, by goroutine index, as
/// numbers counted from 0 in order of first appearance, and how many goroutines have each
/// shape. What [`group`] finds, without a member list per group: the holder inference only
/// asks which goroutines are alike, of every goroutine of a dump.
pub fn shapes(d: &Dump) -> (Vec<u32>, Vec<u32>) {
    let hasher = foldhash::fast::FixedState::with_seed(0x51_7cc1_b727_220a);
    let sim = Similarity::Lines;
    let (numbers, count) = number_by(d, d.goroutines.len(), |i| i, sim, |gi| key_hash(d, gi, sim, &hasher));
    let mut sizes = vec![0u32; count];
    for &k in &numbers {
        sizes[k as usize] += 1;
    }
    (numbers, sizes)
}

/// Numbers the `n` goroutines `at(0), …, at(n - 1)` by group under `sim`, groups counted
/// from 0 in order of first appearance; returns the numbers by position and how many groups
/// there are. Positions are `u32`, as frame indices are: a dump has fewer goroutines.
fn number_by(
    d: &Dump,
    n: usize,
    at: impl Fn(usize) -> usize + Sync,
    sim: Similarity,
    hash: impl Fn(usize) -> u64 + Sync,
) -> (Vec<u32>, usize) {
    // Hashing and confirming read every frame, so large inputs do both on every core.
    let hashes: Vec<u64> = crate::par::map_indices(n, n, |i| hash(at(i)));
    // The first position with each hash.
    let mut first_of: HashMap<u64, u32> = HashMap::with_capacity(n / 4);
    let firsts: Vec<u32> = hashes.iter().enumerate().map(|(i, &h)| *first_of.entry(h).or_insert(i as u32)).collect();
    drop(first_of);
    let first = |i: usize| firsts[i] as usize;
    let confirmed: Vec<bool> = crate::par::map_indices(n, n, |i| first(i) == i || alike(d, at(first(i)), at(i), sim));
    // Per position: its group's number (that of its first position once confirmed).
    let mut numbers: Vec<u32> = Vec::with_capacity(n);
    let mut count = 0u32;
    // Hash collisions: the other groups whose keys share a hash with a first goroutine,
    // as (number, a position in the group).
    let mut others: HashMap<u64, Vec<(u32, usize)>> = HashMap::new();
    for i in 0..n {
        let k = if first(i) == i {
            count += 1;
            count - 1
        } else if confirmed[i] {
            numbers[first(i)]
        } else {
            let slot = others.entry(hashes[i]).or_default();
            match slot.iter().find(|&&(_, p)| alike(d, at(p), at(i), sim)) {
                Some(&(k, _)) => k,
                None => {
                    slot.push((count, i));
                    count += 1;
                    count - 1
                }
            }
        };
        numbers.push(k);
    }
    (numbers, count as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(groups: &[Group]) -> Vec<Vec<usize>> {
        groups.iter().map(|g| g.members.clone()).collect()
    }

    /// Groups by comparing whole keys, the way the hashing must agree with.
    fn by_keys(d: &Dump, sim: Similarity) -> Vec<Vec<usize>> {
        let key = |gi: usize| -> Vec<String> {
            let g = &d.goroutines[gi];
            let state = g.state.0.to_string();
            match sim {
                Similarity::Exact => {
                    std::iter::once(state).chain(d.frames(g).map(|f| format!("{} {}", f.site_id.0, f.args))).collect()
                }
                Similarity::Args => {
                    std::iter::once(state).chain(d.frames(g).map(|f| f.site_id.0.to_string())).collect()
                }
                Similarity::Lines => folded_funcs(d, g).map(|f| f.0.to_string()).collect(),
            }
        };
        let mut order: Vec<Vec<String>> = Vec::new();
        let mut members: std::collections::HashMap<Vec<String>, Vec<usize>> = std::collections::HashMap::new();
        for gi in 0..d.goroutines.len() {
            let k = key(gi);
            if !members.contains_key(&k) {
                order.push(k.clone());
            }
            members.entry(k).or_default().push(gi);
        }
        let mut out: Vec<Vec<usize>> = order.iter().map(|k| members[k].clone()).collect();
        out.sort_by_key(|m| std::cmp::Reverse(m.len()));
        out
    }

    /// The bundled 20k-goroutine healthy dump: large enough that grouping runs on every core.
    fn healthy_20k() -> Dump {
        let path = "testdata/corpus/gen/S7-healthy-20k/go1.27.3/goroutine-stacks-2026-11-27T052140Z.log.gz";
        let mut text = Vec::new();
        let file = std::fs::File::open(path).expect("bundled dump");
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut text).expect("gunzip");
        crate::read_dumps(&text[..], "S7").expect("parses").remove(0)
    }

    #[test]
    fn a_large_dump_groups_as_whole_keys_do_on_every_core() {
        // 20k goroutines: hashed and compared on every core, with the hash folded so that
        // stacks of different shapes collide.
        let d = healthy_20k();
        let all: Vec<usize> = (0..d.goroutines.len()).collect();
        assert!(all.len() >= 4 * crate::par::MIN_ITEMS);
        let hasher = foldhash::fast::FixedState::with_seed(1);
        for sim in [Similarity::Exact, Similarity::Args, Similarity::Lines] {
            let want = by_keys(&d, sim);
            assert!(want.len() > 3, "{sim:?}: a dump with several stack shapes");
            assert_eq!(members(&group(&d, &all, sim)), want, "{sim:?}");
            for fold in [2, 3] {
                let coarse = group_by(&d, &all, sim, |gi| key_hash(&d, gi, sim, &hasher) % fold);
                assert_eq!(members(&coarse), want, "{sim:?} with {fold} hash values");
            }
        }
    }

    #[test]
    fn shapes_number_the_groups_of_every_goroutine() {
        let d = healthy_20k();
        let (numbers, sizes) = shapes(&d);
        assert_eq!(numbers.len(), d.goroutines.len());
        // The groups the numbers make, in order of first appearance.
        let mut by_number: Vec<Vec<usize>> = vec![Vec::new(); sizes.len()];
        for (gi, &k) in numbers.iter().enumerate() {
            by_number[k as usize].push(gi);
        }
        assert!(by_number.iter().zip(&sizes).all(|(m, &n)| !m.is_empty() && m.len() == n as usize));
        assert!(by_number.windows(2).all(|w| w[0][0] < w[1][0]), "numbered by first appearance");
        let all: Vec<usize> = (0..d.goroutines.len()).collect();
        let mut want = members(&group(&d, &all, Similarity::Lines));
        want.sort_by_key(|m| m[0]);
        assert!(want.len() > 3);
        assert_eq!(by_number, want);
    }

    #[test]
    fn colliding_hashes_still_separate_unlike_stacks() {
        let text =
            std::fs::read("testdata/corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log")
                .expect("bundled dump");
        let d = crate::read_dumps(&text[..], "S1").expect("parses").remove(0);
        let all: Vec<usize> = (0..d.goroutines.len()).collect();
        for sim in [Similarity::Exact, Similarity::Args, Similarity::Lines] {
            let hashed = group(&d, &all, sim);
            assert!(hashed.len() > 3, "{sim:?}: a dump with several stack shapes");
            // Every goroutine in one hash bucket: only the confirmation keeps groups apart.
            assert_eq!(members(&group_by(&d, &all, sim, |_| 7)), members(&hashed), "{sim:?}");
            // The real hash folded to two values: collisions within each.
            let hasher = foldhash::fast::FixedState::with_seed(1);
            let coarse = group_by(&d, &all, sim, |gi| key_hash(&d, gi, sim, &hasher) % 2);
            assert_eq!(members(&coarse), members(&hashed), "{sim:?}");
        }
    }
}
