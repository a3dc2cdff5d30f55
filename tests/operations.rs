//! Operation naming (`graph::Entries::operation`) on every program whose dumps are under
//! `testdata/` (the shared corpus's real and generated dumps are copied under
//! `testdata/corpus/`): every lock waiter and every claimed holder is named by an application
//! function on its own stack, at or outside the place where it waits for the lock (never the
//! runtime, `sync`, the standard library or a lock wrapper's own frames); where the truth file
//! names the function a goroutine is blocked in, the operation is that function or one of its
//! callers; and the scenarios whose incidents are known by their operations read that way.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{files_under, testdata};
use holdup::analysis::{Analysis, analyze};
use holdup::graph::operation_label;
use holdup::report::model::{Finding, Parts, Report};
use holdup::{Dump, Input, ReadOptions, read};
use serde_json::Value;

fn is_dump(name: &str) -> bool {
    let skip = [".json", ".go", ".md", ".py", ".mod", ".sum", ".toml", ".sh"];
    !skip.iter().any(|s| name.ends_with(s))
}

/// Frame position (innermost first) of the first frame of `g` running function `f`.
fn position(d: &Dump, g: usize, f: holdup::model::FuncId) -> Option<usize> {
    d.frames(&d.goroutines[g]).position(|x| std::ptr::eq(x.func, d.func(f)))
}

/// A truth file's `expected_frame` (`service.(*VolumeStore).Get`, or `walk.(*Tree).` for any
/// method of a type) as a report's route writes it: `VolumeStore.Get`, `Tree.`.
fn as_in_route(expected: &str) -> String {
    let name = expected.rsplit('/').next().unwrap_or(expected);
    let without_package = name.split_once('.').map_or(name, |(_, rest)| rest);
    without_package.replace("(*", "").replace(')', "")
}

/// What one dump's check found wrong, as lines.
fn check_dump(rel: &str, d: &Dump, a: &Analysis<'_>, truth: Option<&Value>) -> Vec<String> {
    let mut bad = Vec::new();
    let id = |g: usize| d.goroutines[g].id.map_or("?".to_string(), |i| i.to_string());
    // Every goroutine the analysis names: lock waiters (with the lock site they wait in) and
    // claimed holders.
    let mut named: Vec<(usize, Option<usize>)> = Vec::new();
    for (l, lock) in a.locks.iter().enumerate() {
        for &(g, _) in &lock.waiters {
            let site = lock.sites.iter().filter_map(|&f| position(d, g, f)).min();
            named.push((g, site));
        }
        if let Some(h) = a.holders[l].first() {
            named.push((h.goroutine, None));
        }
    }
    for &(g, site) in &named {
        let Some(op) = a.entries.operation(d, g) else {
            bad.push(format!("{rel}: goroutine {} has no operation", id(g)));
            continue;
        };
        let func = d.func(op);
        let label = operation_label(&func.full);
        if label.is_empty() || func.is_stdlib() || func.is_sync_or_runtime() {
            bad.push(format!(
                "{rel}: goroutine {}: operation {label:?} is {} (not application code)",
                id(g),
                func.full
            ));
        }
        // An operation off the stack is the function that started a goroutine running one of
        // its closures: the closure is its outermost frame.
        let Some(at) = position(d, g, op) else {
            let creator = d.goroutines[g].created_by.as_ref().map(|c| d.site(c.site).func);
            let outermost = d.frames(&d.goroutines[g]).last().map(|f| f.func.full.as_str()).unwrap_or("");
            if creator != Some(op) || !outermost.starts_with(&format!("{}.func", func.full)) {
                bad.push(format!(
                    "{rel}: goroutine {}: operation {} is neither on its stack nor its creator",
                    id(g),
                    func.full
                ));
            }
            continue;
        };
        if let Some(site) = site
            && at < site
        {
            bad.push(format!(
                "{rel}: goroutine {}: operation {} is inside its lock site {} (a wrapper's frame)",
                id(g),
                func.full,
                d.frames(&d.goroutines[g]).nth(site).unwrap().func.full
            ));
        }
    }
    // What the report shows of each goroutine: a waiter group's operation and route, a
    // blocker's place (`in local.(*Root).Remove`) and route.
    let r = Report::build(a, 0, 1, Parts { detail: true, ..Parts::default() });
    let mut shown: BTreeMap<u64, String> = BTreeMap::new();
    for f in &r.findings {
        let groups = match f {
            Finding::Blocker(b) => {
                let at = b.at.as_deref().map_or(String::new(), as_in_route);
                shown.extend(b.goroutine.goroutine.id.map(|i| (i, format!("{at} {}", b.route))));
                b.waiters.as_ref()
            }
            Finding::NoHolder(n) => n.waiters.as_ref(),
            Finding::Deadlock(c) => c.waiters.as_ref(),
            Finding::Stuck(_) => None,
        };
        for g in groups.into_iter().flat_map(|w| &w.groups) {
            if g.operation.as_deref().is_none_or(str::is_empty) {
                bad.push(format!("{rel}: waiters {:?} have no operation", g.ids));
            }
            shown.extend(g.ids.iter().flatten().map(|&i| (i, g.route.clone())));
        }
    }
    // The function the truth names a goroutine by (where it blocks, or the handler it
    // serves; a closure by its function) is in what the report shows of it.
    let roles = truth.and_then(|t| t["roles"].as_array()).into_iter().flatten();
    for r in roles {
        let (Some(gid), Some(expected)) = (r["id"].as_u64(), r["expected_frame"].as_str()) else { continue };
        let Some(route) = shown.get(&gid) else { continue };
        let expected = as_in_route(expected);
        let expected = expected.split(".func").next().unwrap_or(&expected);
        if !route.contains(expected) {
            bad.push(format!(
                "{rel}: goroutine {gid} ({}): {expected} is not in {route:?}",
                r["role"].as_str().unwrap_or("?")
            ));
        }
    }
    bad
}

#[test]
fn every_waiter_and_holder_is_named_by_an_application_operation() {
    let mut files = Vec::new();
    for dir in ["corpus", "dumps", "capture"] {
        files.extend(files_under(&testdata(dir), &is_dump));
    }
    let (mut dumps, mut named, mut with_truth) = (0, 0, 0);
    let mut bad = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(common::root()).unwrap().to_str().unwrap().to_string();
        let Ok(ds) = read(Input::Path(f.to_str().unwrap()), &ReadOptions::default()) else { continue };
        let truth_path = format!("{}.truth.json", f.display());
        let truth: Option<Value> = Path::new(&truth_path)
            .exists()
            .then(|| serde_json::from_str(&std::fs::read_to_string(&truth_path).unwrap()).unwrap());
        for d in &ds {
            let a = analyze(d);
            dumps += 1;
            named += a.locks.iter().map(|l| l.waiters.len()).sum::<usize>();
            with_truth += usize::from(truth.is_some() && !a.locks.is_empty());
            bad.extend(check_dump(&rel, d, &a, truth.as_ref()));
        }
    }
    assert!(
        dumps >= 120 && named >= 2000 && with_truth >= 30,
        "{dumps} dumps, {named} waiters, {with_truth} with truth"
    );
    assert!(bad.is_empty(), "{} problems:\n{}", bad.len(), bad.join("\n"));
}

/// The blocked goroutines of the first blocker, by operation, in every dump of a scenario.
fn first_blocker_operations(dir: &str) -> Vec<(String, BTreeMap<String, usize>)> {
    let mut out = Vec::new();
    for f in files_under(&testdata(dir), &is_dump) {
        for d in read(Input::Path(f.to_str().unwrap()), &ReadOptions::default()).unwrap() {
            let a = analyze(&d);
            let first = a.blockers.iter().find(|b| !b.in_deadlock).map(|b| b.by_operation.clone()).unwrap_or_default();
            out.push((f.display().to_string(), first));
        }
    }
    assert!(!out.is_empty(), "{dir}");
    out
}

#[test]
fn incidents_read_as_the_operations_they_are_known_by() {
    let ops = |pairs: &[(&str, usize)]| -> BTreeMap<String, usize> {
        pairs.iter().map(|&(k, v)| (k.to_string(), v)).collect()
    };
    for (dir, want) in [
        ("corpus/gen/S1-seed-volume-remove", ops(&[("ContainerCreate", 30), ("Cleanup", 10)])),
        ("corpus/gen/S3-rwmutex-reader-blocks-writer", ops(&[("Containers", 10), ("ContainerCreate", 1)])),
        ("corpus/gen/S4-chain-to-syscall", ops(&[("ContainerInspect", 20), ("ContainerKill", 1)])),
        ("corpus/gen/S5-mutex-offset-and-global", ops(&[("LookupImage", 6)])),
    ] {
        for (file, got) in first_blocker_operations(dir) {
            assert_eq!(got, want, "{file}");
        }
    }
}

/// Every lock's waiters by operation in one dump, merged.
fn waiters_by_operation(rel: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for d in read(Input::Path(testdata(rel).to_str().unwrap()), &ReadOptions::default()).unwrap() {
        let a = analyze(&d);
        for lock in &a.locks {
            let gs: Vec<usize> = lock.waiters.iter().map(|&(g, _)| g).collect();
            for (k, v) in holdup::graph::by_operation(&d, &a.entries, &gs) {
                *out.entry(k).or_default() += v;
            }
        }
    }
    out
}

/// The code a goroutine waits in names the wait, not the operation: an excerpt cut below its
/// service method is named by that method (`ContainerStop`, not the `State.IsRunning`
/// accessor it calls), and a goroutine running a closure that waits directly is named by the
/// function that started it (`VolumeStore.list`, not `Root.List`).
#[test]
fn waiting_code_does_not_name_the_operation() {
    let got = waiters_by_operation("corpus/real/dockerd-1.11.2-journald-prefixed-rm-waiter.txt");
    assert_eq!(got, BTreeMap::from([("ContainerRm".to_string(), 1), ("ContainerStop".to_string(), 1)]));
    let got =
        waiters_by_operation("capture/dockerd-20.10.24-incident-volume-rm-goroutine-stacks-2026-12-06T044408Z.log");
    assert_eq!(got.get("VolumeStore.list"), Some(&1), "{got:?}");
    assert!(!got.contains_key("Root.List"), "{got:?}");
}
