//! Holder inference against ground truth: every dump under testdata/ that comes with a
//! `.truth.json` recorded by the Go process itself (lock addresses from `%p`, goroutine ids
//! from `runtime.Stack`). For each mutex/rwmutex lock in the truth:
//!
//! - every true waiter is listed as a waiter of one of our locks;
//! - with a live holder, our top-ranked holder is a true holder;
//! - without one (leaked), we claim no holder;
//!
//! deadlock cycles are found as cycles, root blockers are our blockers, and dumps marked
//! `expected_no_findings` yield no lock at all. The accuracy per Go version is printed
//! (`cargo test --test analysis_truth -- --nocapture`).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{ids, truth_dump, truth_files, truth_locks};
use holdup::analysis::analyze;
use serde_json::Value;

#[derive(Default)]
struct Tally {
    locks: usize,
    holders_right: usize,
    holders_expected: usize,
    leaked_right: usize,
    leaked_expected: usize,
    waiters_right: usize,
    dumps: usize,
}

#[test]
fn holders_waiters_and_cycles_match_the_truth() {
    let files = truth_files();
    assert!(files.len() >= 30, "expected the generated corpus under testdata/, found {} truth files", files.len());
    let mut by_version: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut extra_failures = Vec::new();
    for tf in &files {
        let truth: Value = serde_json::from_str(&std::fs::read_to_string(tf).unwrap()).unwrap();
        let locks = truth_locks(&truth);
        let no_findings = truth["expected_no_findings"].as_bool() == Some(true);
        if locks.is_empty() && !no_findings {
            continue;
        }
        let Some((name, d)) = truth_dump(tf) else { continue };
        let d = &d;
        let a = analyze(d);
        let present: BTreeSet<u64> = d.goroutines.iter().filter_map(|g| g.id).collect();
        let version = truth["go_version"].as_str().unwrap_or("?").to_string();
        let shared = name.starts_with("corpus/");
        let set = if shared { "shared corpus" } else { "testdata/dumps" };
        let t = by_version.entry(format!("{set} {version}")).or_default();
        t.dumps += 1;
        let gid = |g: usize| d.goroutines[g].id.unwrap_or(u64::MAX);
        let before = failures.len();
        if no_findings && !a.locks.is_empty() {
            failures.push(format!("{name}: expected no findings, found {} locks", a.locks.len()));
        }
        for tl in &locks {
            let label = tl["label"].as_str().unwrap_or("?");
            // The truth describes the process; a dump may show only some goroutines
            // (GOTRACEBACK=single prints just the panicking one).
            let waiters: BTreeSet<u64> = ids(&tl["waiters"]).intersection(&present).copied().collect();
            let holders: BTreeSet<u64> = ids(&tl["holders"]).intersection(&present).copied().collect();
            if waiters.is_empty() {
                continue;
            }
            t.locks += 1;
            // Our lock: the one sharing most waiters with the true lock.
            let ours = a
                .locks
                .iter()
                .enumerate()
                .max_by_key(|(_, l)| l.waiters.iter().filter(|&&(g, _)| waiters.contains(&gid(g))).count());
            let Some((li, l)) = ours else {
                failures.push(format!("{name}: {label}: no lock found"));
                continue;
            };
            let listed: BTreeSet<u64> = l.waiters.iter().map(|&(g, _)| gid(g)).collect();
            if waiters.is_subset(&listed) {
                t.waiters_right += 1;
            } else {
                let missing: Vec<_> = waiters.difference(&listed).collect();
                failures.push(format!("{name}: {label}: waiters {missing:?} not listed"));
            }
            let top = a.holders[li].first().map(|h| gid(h.goroutine));
            if holders.is_empty() {
                t.leaked_expected += 1;
                match top {
                    None => t.leaked_right += 1,
                    Some(h) => failures.push(format!("{name}: {label}: no live holder, but we claim {h}")),
                }
            } else {
                t.holders_expected += 1;
                match top {
                    Some(h) if holders.contains(&h) => t.holders_right += 1,
                    other => failures.push(format!("{name}: {label}: top holder {other:?}, truth {holders:?}")),
                }
            }
        }
        if let Some(cycles) = truth["deadlock_cycles"].as_array() {
            let ours: Vec<BTreeSet<u64>> =
                a.deadlocks.iter().map(|c| c.goroutines.iter().map(|&g| gid(g)).collect()).collect();
            for c in cycles {
                let want = ids(c);
                if !ours.contains(&want) {
                    failures.push(format!("{name}: deadlock {want:?} not found (ours: {ours:?})"));
                }
            }
            if ours.len() != cycles.len() {
                failures.push(format!("{name}: {} deadlocks found, {} true", ours.len(), cycles.len()));
            }
        }
        if truth.get("root_blockers").is_some() {
            let want = ids(&truth["root_blockers"]);
            let got: BTreeSet<u64> = a.blockers.iter().map(|b| gid(b.goroutine)).collect();
            if want != got {
                failures.push(format!("{name}: root blockers {got:?}, truth {want:?}"));
            }
        }
        if !shared {
            extra_failures.extend(failures.drain(before..));
        }
    }
    println!(
        "{:<30} {:>6} {:>6} {:>14} {:>14} {:>10}",
        "go", "dumps", "locks", "top holder ok", "leaked ok", "waiters ok"
    );
    for (v, t) in &by_version {
        println!(
            "{v:<30} {:>6} {:>6} {:>14} {:>14} {:>10}",
            t.dumps,
            t.locks,
            format!("{}/{}", t.holders_right, t.holders_expected),
            format!("{}/{}", t.leaked_right, t.leaked_expected),
            format!("{}/{}", t.waiters_right, t.locks)
        );
    }
    println!("misses outside the shared corpus ({}):\n{}", extra_failures.len(), extra_failures.join("\n"));
    // The shared corpus is the contract: every holder, waiter and cycle right.
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    // The extra dumps include adversarial cases (another goroutine passing the lock's owner
    // without holding it, two goroutines at work in the lock's type); there holdup claims at
    // low confidence or claims nothing (tests/calibration.rs measures that a claim's
    // confidence is earned). They must stay mostly right.
    //
    // Why two thirds and not three quarters (measured 2026-12-06, this test's table): 61 of 87
    // right (70%). The 26 misses are 16 panics/* (the panicking request is passed the
    // handler, whose first field is the mutex, and runs a method of its type: a low-confidence
    // claim, or no claim with the true holder among the weak candidates), 8 elided/* (the
    // holder took the lock in its outermost frame, elided under 150 recursive ones; another
    // goroutine recursing in the same type wins, at low confidence) and 2
    // hangs/*/waitgroup-holder (the holder waits in a WaitGroup; no claim). None is a medium
    // or high claim. 75% would need the panics cases, which a dump alone cannot settle; the
    // floor leaves room for new adversarial scenarios and fails if a third of the claims go
    // wrong.
    let (right, total) =
        by_version.iter().filter(|(k, _)| k.starts_with("testdata/dumps")).fold((0, 0), |(r, n), (_, t)| {
            (r + t.holders_right + t.leaked_right, n + t.holders_expected + t.leaked_expected)
        });
    assert!(right * 100 >= total * 66, "top holder right for only {right} of {total} locks in testdata/dumps");
}
