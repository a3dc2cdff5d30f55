//! Triage commands through the built binary: `groups`, `goroutines` with filters, `diff`.

mod common;

use std::collections::BTreeSet;

use common::{run, testdata};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let out = run(args, None);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ids(v: &Value) -> BTreeSet<u64> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
}

fn path(rel: &str) -> String {
    testdata(rel).to_string_lossy().into_owned()
}

const S7: &str = "corpus/gen/S7-healthy-20k/go1.19.8/goroutine-stacks-2026-11-27T050242Z.log.gz";
const S1: &str = "corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log";

#[test]
fn groups_fold_twenty_thousand_idle_goroutines_into_their_kinds() {
    // S7 started 7,000 select, 6,000 chan receive, 4,000 sleep and 3,000 IO wait goroutines.
    let v = json(&["groups", "--format", "json", "--similarity", "lines", &path(S7)]);
    assert_eq!(v["schema"], "holdup.groups/v1");
    let groups = v["dumps"][0]["groups"].as_array().unwrap();
    let counts: Vec<u64> = groups.iter().take(4).map(|g| g["count"].as_u64().unwrap()).collect();
    assert_eq!(counts, vec![7000, 6000, 4000, 3000]);
    let total: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 20004, "every goroutine is in exactly one group");
    let all: BTreeSet<u64> = groups.iter().flat_map(|g| ids(&g["ids"])).collect();
    assert_eq!(all.len(), 20004);
}

#[test]
fn finer_similarity_splits_groups() {
    let count = |sim: &str| {
        json(&["groups", "--format", "json", "--similarity", sim, &path(S1)])["dumps"][0]["groups"]
            .as_array()
            .unwrap()
            .len()
    };
    let (lines, args, exact) = (count("lines"), count("args"), count("exact"));
    assert!(lines <= args && args <= exact, "lines {lines} ≤ args {args} ≤ exact {exact}");
    assert!(exact > args, "argument values differ between the waiters");
}

#[test]
fn goroutines_prints_a_dump_that_reads_back() {
    let out =
        run(&["goroutines", "--state", "semacquire", "--package", "github.com/docker/docker/volume", &path(S1)], None);
    assert!(out.status.success());
    // The output is itself a dump: read it back through stdin.
    let back = run(&["summary", "--format", "json", "-"], Some(&out.stdout));
    let v: Value = serde_json::from_slice(&back.stdout).unwrap();
    assert_eq!(v["dumps"][0]["goroutines"], 40, "the 40 volume waiters");
    assert_eq!(v["dumps"][0]["warnings"], 0);
}

#[test]
fn filters_combine() {
    let get = |extra: &[&str]| {
        let mut args = vec!["goroutines", "--format", "json"];
        args.extend_from_slice(extra);
        let p = path(S1);
        args.push(&p);
        let v = json(&args);
        v["dumps"][0]["goroutines"].as_array().unwrap().iter().map(|g| g["id"].as_u64().unwrap()).collect::<Vec<_>>()
    };
    let waiters = get(&["--state", "mutex"]);
    assert_eq!(waiters.len(), 40);
    let creates = get(&["--state", "mutex", "--func", r"ContainerCreate$"]);
    assert_eq!(creates.len(), 30);
    let top = get(&["--top", r"^syscall\.|unix\.Unlinkat"]);
    assert_eq!(top, vec![197], "the remover is the one in a syscall");
    assert_eq!(get(&["--id", "197", "--id", "226"]), vec![197, 226]);
    assert_eq!(get(&["--id", "197", "--state", "mutex"]), Vec::<u64>::new(), "all conditions must hold");
    let sigquit = path("corpus/gen/S1-seed-volume-remove/go1.19.8/sigquit-stderr.log");
    let all = json(&["goroutines", "--format", "json", &sigquit])["dumps"][0]["goroutines"].as_array().unwrap().len();
    let user = json(&["goroutines", "--format", "json", "--exclude-runtime", &sigquit])["dumps"][0]["goroutines"]
        .as_array()
        .unwrap()
        .len();
    assert!(user < all && user >= 276 - 8, "runtime goroutines dropped: {all} → {user}");
}

#[test]
fn bad_filter_values_are_usage_errors() {
    for args in [["goroutines", "--min-wait", "soon"], ["goroutines", "--func", "("]] {
        let mut a = args.to_vec();
        let p = path(S1);
        a.push(&p);
        let out = run(&a, None);
        assert_eq!(out.status.code(), Some(2), "{a:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value"), "{a:?}");
    }
}

/// The pair of dumps taken one second apart by testdata/programs/diff-pair, whose truth
/// lists what each goroutine did between them.
#[test]
fn diff_finds_exactly_the_stuck_goroutines_of_a_real_pair() {
    for version in ["go1.23.9", "go1.27.3"] {
        let dir = format!("dumps/diff-pair/{version}");
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(testdata(&format!("{dir}/dump2.txt.truth.json"))).unwrap())
                .unwrap();
        let v =
            json(&["diff", "--format", "json", &path(&format!("{dir}/dump1.txt")), &path(&format!("{dir}/dump2.txt"))]);
        assert_eq!(v["schema"], "holdup.diff/v1");
        // Same id and same stack: the truth's mutex waiters plus the goroutines that did not move.
        let same: BTreeSet<u64> = ids(&truth["stuck"]).union(&ids(&truth["unchanged"])).copied().collect();
        assert_eq!(ids(&v["stuck"]), same, "{version}");
        assert_eq!(ids(&v["new"]), ids(&truth["new"]), "{version}");
        assert_eq!(ids(&v["gone"]), ids(&truth["gone"]), "{version}");
        let mut changed = ids(&v["changed"]);
        changed.remove(&truth["dumper"].as_u64().unwrap());
        assert_eq!(changed, ids(&truth["changed"]), "{version}");
        let holders: BTreeSet<u64> = truth["holders"].as_object().unwrap().values().flat_map(ids).collect();
        assert_eq!(ids(&v["persisting_holders"]), holders, "{version}: the holder holds in both dumps");
    }
}

#[test]
fn diff_of_one_file_compares_its_first_and_last_dump() {
    let dir = "dumps/diff-pair/go1.27.3";
    let mut both = std::fs::read(testdata(&format!("{dir}/dump1.txt"))).unwrap();
    both.extend(std::fs::read(testdata(&format!("{dir}/dump2.txt"))).unwrap());
    let tmp = std::env::temp_dir().join(format!("holdup-diff-{}.txt", std::process::id()));
    std::fs::write(&tmp, &both).unwrap();
    let one = json(&["diff", "--format", "json", tmp.to_str().unwrap()]);
    let two =
        json(&["diff", "--format", "json", &path(&format!("{dir}/dump1.txt")), &path(&format!("{dir}/dump2.txt"))]);
    std::fs::remove_file(&tmp).ok();
    for key in ["stuck", "new", "gone", "changed", "persisting_holders"] {
        assert_eq!(one[key], two[key], "{key}");
    }
    // A file with a single dump has nothing to compare with.
    let out = run(&["diff", &path(S1)], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds only one dump"));
}

#[test]
fn diff_text_says_who_still_holds() {
    let dir = "dumps/diff-pair/go1.27.3";
    let out = run(
        &["diff", "--color", "never", &path(&format!("{dir}/dump1.txt")), &path(&format!("{dir}/dump2.txt"))],
        None,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("still holding"), "{text}");
    assert!(text.contains("goroutine 18 [sleep] holds L1"), "{text}");
    assert!(text.contains("stuck: 6 goroutines"), "{text}");
}

#[test]
fn graph_writes_dot_with_every_edge_between_declared_nodes() {
    let out =
        run(&["graph", &path("corpus/gen/S2-abba-deadlock/go1.27.3/goroutine-stacks-2026-11-27T052134Z.log")], None);
    assert!(out.status.success());
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.starts_with("digraph holdup {"), "{dot}");
    assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "balanced braces");
    let declared: BTreeSet<&str> = dot
        .lines()
        .filter(|l| l.contains(" [") && !l.contains("->"))
        .map(|l| l.trim().split(' ').next().unwrap())
        .collect();
    let edges: Vec<(&str, &str)> = dot
        .lines()
        .filter_map(|l| l.split_once(" -> "))
        .map(|(a, b)| (a.trim(), b.split(' ').next().unwrap()))
        .collect();
    assert!(edges.len() >= 6, "{dot}");
    for (a, b) in &edges {
        assert!(declared.contains(a) && declared.contains(b), "edge {a} -> {b} to an undeclared node");
    }
    // The deadlock: each holder waits for the other's lock.
    assert_eq!(dot.matches("held by (").count(), 2);
}
