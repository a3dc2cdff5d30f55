//! The generated lock cases of testdata/programs/lockcases, on every Go version generated:
//! a lock taken through a wrapper (moby/locker) is reasoned about from its caller, a leaked
//! lock gets no holder, and the goroutine that wrote a dump is never a holder.

mod common;

use std::collections::BTreeSet;

use common::{files_under, testdata};
use holdup::analysis::analyze;
use serde_json::Value;

fn cases(name: &str) -> Vec<(String, holdup::Dump, Value)> {
    let files = files_under(&testdata("dumps/lockcases"), &|n| n == name);
    assert!(files.len() >= 2, "{name}: one per Go version, found {}", files.len());
    files
        .into_iter()
        .map(|p| {
            let truth: Value =
                serde_json::from_str(&std::fs::read_to_string(format!("{}.truth.json", p.display())).unwrap()).unwrap();
            let d = holdup::read_path(p.to_str().unwrap()).unwrap().remove(0);
            (p.display().to_string(), d, truth)
        })
        .collect()
}

fn ids(v: &Value) -> BTreeSet<u64> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
}

#[test]
fn a_named_lock_is_reasoned_about_from_its_caller() {
    for (name, d, truth) in cases("named-lock-goroutine-stacks.log") {
        let a = analyze(&d);
        assert_eq!(a.locks.len(), 1, "{name}");
        let l = &a.locks[0];
        assert_eq!(d.func(l.site()).full, "github.com/docker/docker/volume/service.(*VolumeStore).Get", "{name}");
        let holder = a.holders[0].first().unwrap_or_else(|| panic!("{name}: no holder"));
        assert!(ids(&truth["locks"][0]["holders"]).contains(&d.goroutines[holder.goroutine].id.unwrap()), "{name}");
        assert_eq!(a.blockers.len(), 1, "{name}");
    }
}

#[test]
fn a_leaked_lock_has_no_holder_and_the_dump_writer_is_not_one() {
    for (name, d, truth) in cases("leaked-lock-goroutine-stacks.log") {
        let a = analyze(&d);
        assert_eq!(a.locks.len(), 1, "{name}");
        assert!(a.holders[0].is_empty(), "{name}: claimed {:?}", a.holders[0]);
        assert_eq!(a.leaked, vec![0], "{name}");
        assert!(a.blockers.is_empty(), "{name}");
        let dumper = truth["dumper"].as_u64().unwrap();
        let gi = d.goroutines.iter().position(|g| g.id == Some(dumper)).unwrap();
        assert!(holdup::infer::writes_the_dump(&d, gi), "{name}: the SIGUSR1 trap goroutine is seen writing");
        assert!(a.candidates[0].iter().all(|h| d.goroutines[h.goroutine].id != Some(dumper)), "{name}");
        let waiters: BTreeSet<u64> = a.locks[0].waiters.iter().filter_map(|&(g, _)| d.goroutines[g].id).collect();
        assert_eq!(waiters, ids(&truth["locks"][0]["waiters"]), "{name}");
    }
}

#[test]
fn the_goroutine_that_wrote_a_dump_never_holds_without_the_locks_address() {
    // Every generated dump written by the process's own runtime.Stack: its writer is in it.
    let mut seen = 0;
    for p in files_under(&testdata("dumps"), &|n| !n.ends_with(".json") && !n.ends_with(".md")) {
        let Ok(mut ds) = holdup::read_path(p.to_str().unwrap()) else { continue };
        let d = ds.remove(0);
        let a = analyze(&d);
        for (l, hs) in a.holders.iter().enumerate() {
            let Some(h) = hs.first() else { continue };
            if holdup::infer::writes_the_dump(&d, h.goroutine) {
                seen += 1;
                let direct = h.evidence.iter().any(|e| matches!(e, holdup::infer::Evidence::Direct { .. }));
                assert!(direct, "{}: {} claimed by the dump's writer", p.display(), a.locks[l].id);
            }
        }
    }
    // The dump writers exist in these dumps but none is claimed at all.
    assert_eq!(seen, 0);
}
