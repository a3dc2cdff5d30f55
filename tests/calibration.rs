//! Is "high confidence" right? Over every dump under testdata/ whose truth was recorded by
//! the Go process itself (the shared corpus copies in `corpus/gen/`, the generated scenarios
//! in `dumps/`), each lock's claimed holder is scored against the truth, by the confidence
//! holdup gave it: the share of *high* claims that are right must be at least 99%, of
//! *medium* at least 90%. A lock with no holder claimed is counted apart: right when the
//! truth has none (a leaked lock), a miss otherwise (holdup said it does not know).
//!
//! The table: `cargo test --test calibration -- --nocapture`.

mod common;

use std::collections::BTreeSet;

use common::{ids, truth_dump, truth_files, truth_locks};
use holdup::analysis::analyze;
use holdup::infer::Confidence;
use serde_json::Value;

/// Claims at one confidence: how many, how many right, and the wrong ones (for the message).
#[derive(Default)]
struct Row {
    claims: usize,
    right: usize,
    wrong: Vec<String>,
}

impl Row {
    fn share(&self) -> f64 {
        if self.claims == 0 { 1.0 } else { self.right as f64 / self.claims as f64 }
    }
}

#[test]
fn confidence_means_what_it_says() {
    let files = truth_files();
    let mut rows: [Row; 3] = Default::default();
    let (mut unclaimed_leaked, mut unclaimed_held, mut dumps, mut locks) = (0, 0, 0, 0);
    for tf in &files {
        let truth: Value = serde_json::from_str(&std::fs::read_to_string(tf).unwrap()).unwrap();
        let tlocks = truth_locks(&truth);
        if tlocks.is_empty() {
            continue;
        }
        let Some((name, d)) = truth_dump(tf) else { continue };
        dumps += 1;
        let a = analyze(&d);
        let present: BTreeSet<u64> = d.goroutines.iter().filter_map(|g| g.id).collect();
        let gid = |g: usize| d.goroutines[g].id.unwrap_or(u64::MAX);
        for tl in tlocks {
            let waiters: BTreeSet<u64> = ids(&tl["waiters"]).intersection(&present).copied().collect();
            let holders: BTreeSet<u64> = ids(&tl["holders"]).intersection(&present).copied().collect();
            if waiters.is_empty() {
                continue;
            }
            let Some(li) = (0..a.locks.len())
                .max_by_key(|&li| a.locks[li].waiters.iter().filter(|&&(g, _)| waiters.contains(&gid(g))).count())
            else {
                continue;
            };
            locks += 1;
            match a.holders[li].first() {
                None if holders.is_empty() => unclaimed_leaked += 1,
                None => unclaimed_held += 1,
                Some(h) => {
                    let row = &mut rows[h.confidence as usize];
                    row.claims += 1;
                    if holders.contains(&gid(h.goroutine)) {
                        row.right += 1;
                    } else {
                        row.wrong.push(format!(
                            "{name}: {}: claimed {}, truth {holders:?}",
                            tl["label"].as_str().unwrap_or("?"),
                            gid(h.goroutine)
                        ));
                    }
                }
            }
        }
    }
    println!("calibration over {dumps} dumps with recorded truth, {locks} locks:");
    println!("| confidence | claims | right | share right |");
    println!("|---|---|---|---|");
    for c in [Confidence::High, Confidence::Medium, Confidence::Low] {
        let r = &rows[c as usize];
        println!("| {} | {} | {} | {:.1}% |", c.as_str(), r.claims, r.right, 100.0 * r.share());
    }
    println!(
        "| no holder claimed | {} | {unclaimed_leaked} leaked (right) | {unclaimed_held} held (missed) |",
        unclaimed_leaked + unclaimed_held
    );
    for r in &rows {
        for w in &r.wrong {
            println!("  wrong: {w}");
        }
    }
    assert!(dumps >= 60, "the truth files under testdata/ are missing: {dumps} dumps");
    let high = &rows[Confidence::High as usize];
    let medium = &rows[Confidence::Medium as usize];
    assert!(high.claims >= 30, "too few high claims to measure: {}", high.claims);
    assert!(high.share() >= 0.99, "high claims right: {}/{}:\n{}", high.right, high.claims, high.wrong.join("\n"));
    assert!(
        medium.share() >= 0.90,
        "medium claims right: {}/{}:\n{}",
        medium.right,
        medium.claims,
        medium.wrong.join("\n")
    );
    assert!(unclaimed_leaked >= 2, "the generated leaked locks must be reported without a holder");
}
