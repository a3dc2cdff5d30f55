//! Right, wrong and missed, per wait kind, over every dump under `testdata/` whose truth was
//! recorded by the Go process (`corpus/gen/`, `dumps/`):
//!
//! - **mutex / rwmutex**: per true lock with waiters in the dump, holdup's top holder of the
//!   lock sharing most waiters: right when it is a true holder (or none is claimed for a
//!   leaked lock), wrong when another goroutine is claimed, missed when none is claimed for
//!   a held lock;
//! - **waitgroup / channel / syscall / remote** (`waits_on` of the `hangs` truths, and the
//!   `WaitGroup` waiter of `waitkinds` with the workers that owe `Done`): per
//!   wait (goroutines waiting alike on one object count once), the edges beyond locks of
//!   its goroutines that name the right kind of object ([`holdup::locks::ObjectKind`]: a
//!   `select` is on a channel): right when one reaches a true other side (or, for a wait on something
//!   outside the process, when there is none), wrong when they reach only others, missed
//!   when there is none;
//! - **first named** (`stuck_root`): the goroutine the first finding comes down to
//!   ([`holdup::analysis::Analysis::roots`]) must be the root of the hang: wrong when the
//!   first finding names another goroutine or none (a lock without holder), missed when
//!   there is no finding;
//! - **healthy** (`expected_no_findings`): right when holdup finds nothing.
//!
//! `cargo test --test hangs_truth -- --nocapture` prints the table (kept in README.md).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::ids;
use holdup::analysis::analyze;
use serde_json::Value;

#[derive(Default)]
struct Row {
    right: usize,
    wrong: usize,
    missed: usize,
}

#[test]
fn right_wrong_and_missed_per_wait_kind() {
    let files = common::truth_files();
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut dumps = 0;
    for tf in &files {
        let truth: Value = serde_json::from_str(&std::fs::read_to_string(tf).unwrap()).unwrap();
        let locks = common::truth_locks(&truth);
        let healthy = truth["expected_no_findings"].as_bool() == Some(true);
        let mut waits_on = truth["waits_on"].as_array().cloned().unwrap_or_default();
        // The `waitkinds` truths name the workers that still owe a WaitGroup's Done.
        for r in truth["roles"].as_array().into_iter().flatten() {
            if r["kind"] == "sync.WaitGroup.Wait" && r["holders"].is_array() {
                waits_on.push(serde_json::json!({"from": r["id"], "kind": "waitgroup", "to": r["holders"]}));
            }
        }
        let roots = ids(&truth["stuck_root"]);
        if locks.is_empty() && !healthy && waits_on.is_empty() && roots.is_empty() {
            continue;
        }
        let Some((name, d)) = common::truth_dump(tf) else { continue };
        dumps += 1;
        let a = analyze(&d);
        let present: BTreeSet<u64> = d.goroutines.iter().filter_map(|g| g.id).collect();
        let gid = |g: usize| d.goroutines[g].id.unwrap_or(u64::MAX);
        let index_of = |id: u64| d.goroutines.iter().position(|g| g.id == Some(id));

        for tl in &locks {
            let waiters: BTreeSet<u64> = ids(&tl["waiters"]).intersection(&present).copied().collect();
            let holders: BTreeSet<u64> = ids(&tl["holders"]).intersection(&present).copied().collect();
            if waiters.is_empty() {
                continue;
            }
            let row = rows.entry(tl["kind"].as_str().unwrap().to_string()).or_default();
            let ours = (0..a.locks.len())
                .max_by_key(|&li| a.locks[li].waiters.iter().filter(|&&(g, _)| waiters.contains(&gid(g))).count());
            let top = ours.and_then(|li| a.holders[li].first()).map(|h| gid(h.goroutine));
            match top {
                None if holders.is_empty() => row.right += 1,
                None => {
                    row.missed += 1;
                    notes.push(format!("{name}: {}: holder {holders:?} not claimed", tl["label"]));
                }
                Some(h) if holders.contains(&h) => row.right += 1,
                Some(h) => {
                    row.wrong += 1;
                    notes.push(format!("{name}: {}: claimed {h}, truth {holders:?}", tl["label"]));
                }
            }
        }

        // Goroutines waiting alike (four requests in the same select on the same channel)
        // are one wait: holdup looks for the other side from one of them.
        let mut alike: BTreeMap<(String, String, Vec<u64>), Vec<u64>> = BTreeMap::new();
        for w in &waits_on {
            let from = w["from"].as_u64().unwrap();
            let object = w["object"].as_str().filter(|o| !o.is_empty()).map_or(format!("from {from}"), str::to_string);
            let key = (w["kind"].as_str().unwrap().to_string(), object, ids(&w["to"]).into_iter().collect());
            alike.entry(key).or_default().push(from);
        }
        for ((kind, _, want), froms) in alike {
            let want: BTreeSet<u64> = want.into_iter().collect();
            // An edge counts only if holdup also names the kind of object waited on.
            let same_object = |k: holdup::waits::WaitKind| {
                let o = holdup::locks::ObjectKind::of(k).as_str();
                o == kind || !matches!(kind.as_str(), "channel" | "waitgroup" | "cond")
            };
            let got: BTreeSet<u64> = froms
                .iter()
                .filter_map(|&f| index_of(f))
                .flat_map(|g| {
                    a.stuck.waits_on(g).filter(|e| same_object(e.kind)).map(|e| gid(e.to)).collect::<Vec<_>>()
                })
                .collect();
            let row = rows.entry(kind.clone()).or_default();
            if want.is_empty() {
                // A wait on something outside the process: no goroutine is its other side.
                if got.is_empty() {
                    row.right += 1;
                } else {
                    row.wrong += 1;
                    notes.push(format!("{name}: {froms:?} ({kind}) wait outside, we link {got:?}"));
                }
            } else if got.is_empty() {
                row.missed += 1;
                notes.push(format!("{name}: {froms:?} ({kind}) on {want:?}: no edge"));
            } else if got.iter().any(|t| want.contains(t)) {
                row.right += 1;
            } else {
                row.wrong += 1;
                notes.push(format!("{name}: {froms:?} ({kind}) on {want:?}: we link {got:?}"));
            }
        }

        if !roots.is_empty() {
            let label = format!("first named ({})", truth["stuck_kind"].as_str().unwrap_or("?"));
            let row = rows.entry(label).or_default();
            match a.roots().first() {
                None => {
                    row.missed += 1;
                    failures.push(format!("{name}: no finding; the hang comes down to {roots:?}"));
                }
                Some(Some(g)) if roots.contains(&gid(*g)) => row.right += 1,
                Some(other) => {
                    row.wrong += 1;
                    failures
                        .push(format!("{name}: the first finding comes down to {:?}, truth {roots:?}", other.map(gid)));
                }
            }
        }

        if healthy {
            let row = rows.entry("healthy (no finding)".to_string()).or_default();
            if a.has_findings() {
                row.wrong += 1;
                failures.push(format!(
                    "{name}: healthy, but {} locks and {} stuck findings",
                    a.locks.len(),
                    a.stuck.findings.len()
                ));
            } else {
                row.right += 1;
            }
        }
    }
    println!("right, wrong and missed over {dumps} dumps with recorded truth:");
    println!("| wait kind | right | wrong | missed |");
    println!("|---|---|---|---|");
    for (k, r) in &rows {
        println!("| {k} | {} | {} | {} |", r.right, r.wrong, r.missed);
    }
    for n in &notes {
        println!("  {n}");
    }
    for f in &failures {
        println!("  FLOOR: {f}");
    }
    assert!(dumps >= 60, "the truth files under testdata/ are missing: {dumps} dumps");
    let row = |k: &str| rows.get(k).unwrap_or_else(|| panic!("no {k} row: the hangs scenarios are missing"));
    assert!(row("healthy (no finding)").right >= 8, "healthy dumps: the shared 20k ones and the idle daemons");
    assert!(row("first named (waitgroup)").right + row("first named (channel)").right >= 4);
    // Floors: every healthy dump gets no finding; every generated hang names its root first.
    let healthy_wrong = row("healthy (no finding)").wrong;
    let firsts: usize =
        rows.iter().filter(|(k, _)| k.starts_with("first named")).map(|(_, r)| r.wrong + r.missed).sum();
    assert!(healthy_wrong == 0 && firsts == 0, "{}", failures.join("\n"));
}
