//! Comparing two dumps of one process taken some time apart (dockerd users send SIGUSR1
//! twice): goroutines stuck in the same place, goroutines that finished or started, lock
//! waits that persist, and holders that still hold — the strongest evidence a dump pair
//! gives, since a holder seen twice in the same critical section is no coincidence.

use hashbrown::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::analysis::Analysis;
use crate::model::{Dump, Goroutine};

/// How two dumps differ.
#[derive(Debug, Default)]
pub struct Diff {
    /// Same id, same state and stack in both: (old index, new index).
    pub stuck: Vec<(usize, usize)>,
    /// Same id, different state or stack: (old index, new index).
    pub changed: Vec<(usize, usize)>,
    /// Only in the new dump (indices into it).
    pub new: Vec<usize>,
    /// Only in the old dump (indices into it).
    pub gone: Vec<usize>,
    /// Locks waited for in both: (old lock, new lock).
    pub persisting_locks: Vec<(usize, usize)>,
    /// Locks whose best holder is the same goroutine in both: (old lock, new lock, new
    /// goroutine index).
    pub persisting_holders: Vec<(usize, usize, usize)>,
    /// Seconds between the dumps, when the file names carry timestamps.
    pub seconds_apart: Option<i64>,
    /// Why the two dumps may not be of one process (different Go releases, different
    /// builds, no goroutine in common): a comparison by goroutine id then means little.
    pub warnings: Vec<String>,
}

/// A fingerprint of where a goroutine is: state, functions and lines, not argument values.
fn place(d: &Dump, g: &Goroutine) -> u64 {
    let mut h = DefaultHasher::new();
    d.state(g).hash(&mut h);
    for f in d.frames(g) {
        f.func.full.hash(&mut h);
        f.site.line.hash(&mut h);
    }
    h.finish()
}

/// Compares two analyzed dumps.
pub fn diff(old: &Analysis<'_>, new: &Analysis<'_>) -> Diff {
    let (od, nd) = (old.dump, new.dump);
    let mut out = Diff::default();
    let by_id: HashMap<u64, usize> =
        od.goroutines.iter().enumerate().filter_map(|(i, g)| g.id.map(|id| (id, i))).collect();
    let mut seen_old = vec![false; od.goroutines.len()];
    for (ni, g) in nd.goroutines.iter().enumerate() {
        match g.id.and_then(|id| by_id.get(&id)) {
            Some(&oi) => {
                seen_old[oi] = true;
                if place(od, &od.goroutines[oi]) == place(nd, g) {
                    out.stuck.push((oi, ni));
                } else {
                    out.changed.push((oi, ni));
                }
            }
            None => out.new.push(ni),
        }
    }
    out.gone = (0..od.goroutines.len()).filter(|&i| !seen_old[i] && od.goroutines[i].id.is_some()).collect();

    // Locks match by address, else by owner object, else by lock-site function.
    for (nl, l) in new.locks.iter().enumerate() {
        let site = &nd.func(l.site()).full;
        let hit = old.locks.iter().position(|o| match (o.addr, l.addr, o.owner, l.owner) {
            (Some(a), Some(b), _, _) => a == b,
            (_, _, Some(a), Some(b)) => a == b,
            _ => od.func(o.site()).full == *site,
        });
        let Some(ol) = hit else { continue };
        out.persisting_locks.push((ol, nl));
        let (Some(oh), Some(nh)) = (old.holders[ol].first(), new.holders[nl].first()) else { continue };
        if od.goroutines[oh.goroutine].id.is_some() && od.goroutines[oh.goroutine].id == nd.goroutines[nh.goroutine].id
        {
            out.persisting_holders.push((ol, nl, nh.goroutine));
        }
    }
    out.seconds_apart = match (timestamp(&od.source), timestamp(&nd.source)) {
        (Some(a), Some(b)) if od.source != nd.source => Some(b - a),
        _ => None,
    };
    if out.seconds_apart.is_some_and(|s| s < 0) {
        out.warnings.push("the second dump's file name is dated before the first's: are they in order?".to_string());
    }
    out.warnings.extend(mismatch(od, nd));
    out
}

/// Reasons to think that two dumps are not of one process: their Go releases cannot be the
/// same, a function is compiled from different files (another build), or they share no
/// goroutine id though both have many goroutines (another process, or a restart).
pub fn mismatch(od: &Dump, nd: &Dump) -> Vec<String> {
    let mut out = Vec::new();
    let (a, b) = (&od.era, &nd.era);
    let disjoint = a.max.zip(b.min).is_some_and(|(x, y)| x < y) || b.max.zip(a.min).is_some_and(|(x, y)| x < y);
    if disjoint {
        out.push(format!("the dumps come from different Go releases ({a} and {b}): not one process"));
    }
    // One build compiles each function from one file: the same function printed with
    // different files is another binary.
    let mut files: HashMap<&str, &str> = HashMap::new();
    for s in &od.sites {
        if !s.file.is_empty() {
            files.entry(od.func(s.func).full.as_str()).or_insert(s.file.as_str());
        }
    }
    let moved = nd
        .sites
        .iter()
        .find(|s| !s.file.is_empty() && files.get(nd.func(s.func).full.as_str()).is_some_and(|&f| f != s.file));
    if let Some(s) = moved.filter(|_| !disjoint) {
        let name = &nd.func(s.func).full;
        out.push(format!(
            "{name} is in {} in one dump and in {} in the other: two different builds",
            files[name.as_str()],
            s.file
        ));
    }
    let ids = |d: &Dump| d.goroutines.iter().filter_map(|g| g.id).collect::<hashbrown::HashSet<u64>>();
    let (oi, ni) = (ids(od), ids(nd));
    if oi.len() >= 10 && ni.len() >= 10 && oi.is_disjoint(&ni) {
        out.push("the dumps share no goroutine id: another process, or it restarted in between".to_string());
    }
    out
}

/// Seconds since the epoch from a dockerd dump name such as
/// `goroutine-stacks-2026-11-27T043144Z.log` (colons allowed), if it has one.
pub fn timestamp(name: &str) -> Option<i64> {
    let base = name.rsplit(['/', '\\']).next()?;
    let b = base.as_bytes();
    let t = (0..b.len()).find(|&i| {
        b.len() >= i + 17
            && b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 7] == b'-'
            && b[i + 10] == b'T'
    })?;
    let digits: Vec<i64> = base[t..].bytes().take(20).filter(u8::is_ascii_digit).map(|c| i64::from(c - b'0')).collect();
    if digits.len() < 14 {
        return None;
    }
    let n = |a: usize, k: usize| digits[a..a + k].iter().fold(0, |acc, d| acc * 10 + d);
    let (y, mo, d, h, mi, s) = (n(0, 4), n(4, 2), n(6, 2), n(8, 2), n(10, 2), n(12, 2));
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_from_dockerd_file_names() {
        let a = timestamp("/x/goroutine-stacks-2026-11-27T043144Z.log").unwrap();
        let b = timestamp("goroutine-stacks-2026-11-27T04:32:46Z.log").unwrap();
        assert_eq!(b - a, 62);
        assert_eq!(timestamp("goroutine-stacks-1970-01-01T000000Z.log"), Some(0));
        assert_eq!(timestamp("dump.txt"), None);
        assert_eq!(timestamp("goroutine-stacks-2026-13-27T043144Z.log"), None);
    }

    #[test]
    fn stuck_changed_new_and_gone() {
        let old = "goroutine 1 [chan receive]:\nmain.main()\n\t/m.go:5 +0x1\n\n\
goroutine 2 [sleep]:\nmain.a()\n\t/m.go:9 +0x1\n\n\
goroutine 3 [sleep]:\nmain.b()\n\t/m.go:12 +0x1\n\n";
        let new = "goroutine 1 [chan receive]:\nmain.main()\n\t/m.go:5 +0x1\n\n\
goroutine 2 [chan receive]:\nmain.a()\n\t/m.go:10 +0x1\n\n\
goroutine 4 [sleep]:\nmain.c()\n\t/m.go:20 +0x1\n\n";
        let o = crate::read_dumps(old.as_bytes(), "old").unwrap().remove(0);
        let n = crate::read_dumps(new.as_bytes(), "new").unwrap().remove(0);
        let (ao, an) = (crate::analysis::analyze(&o), crate::analysis::analyze(&n));
        let r = diff(&ao, &an);
        assert_eq!(r.stuck, vec![(0, 0)]);
        assert_eq!(r.changed, vec![(1, 1)]);
        assert_eq!(r.new, vec![2]);
        assert_eq!(r.gone, vec![2]);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn dumps_of_different_builds_or_releases_are_told_apart() {
        let read = |p: &str| crate::read_path(&format!("testdata/{p}")).unwrap().remove(0);
        let s1 = "corpus/gen/S1-seed-volume-remove";
        let a = read(&format!("{s1}/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log"));
        let b = read(&format!("{s1}/go1.27.3/goroutine-stacks-2026-11-27T052133Z.log"));
        let w = mismatch(&a, &b);
        assert!(w.iter().any(|w| w.contains("different Go releases")), "{w:?}");
        let c = read(&format!("{s1}/go1.19.8/sigquit-stderr.log"));
        // The same program and release, another run: no id in common is not required (ids
        // repeat run to run), but it is the same build.
        assert!(
            mismatch(&a, &c).iter().all(|w| !w.contains("builds") && !w.contains("releases")),
            "{:?}",
            mismatch(&a, &c)
        );
        let pair = "dumps/diff-pair/go1.27.3";
        assert!(mismatch(&read(&format!("{pair}/dump1.txt")), &read(&format!("{pair}/dump2.txt"))).is_empty());
    }
}
