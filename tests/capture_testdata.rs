//! The dumps captured from real, healthy daemons (`testdata/capture/`, see its README): every
//! goroutine is read, and neither `analyze` nor `check` reports a finding; and the dump taken
//! from a real dockerd during the seed incident, reproduced live, diagnosed as it happened.

mod common;

use common::{count_headers, read_plain, testdata};

/// The healthy captures: (file, goroutines counted by hand from the headers).
const IDLE: [(&str, usize); 2] = [
    ("capture/dockerd-20.10.24-idle-goroutine-stacks-2026-12-06T042302Z.log", 42),
    ("capture/containerd-1.6.20-idle-containerd.stacks.log", 31),
];

#[test]
fn idle_daemon_dumps_are_read_whole() {
    for (rel, n) in IDLE {
        let path = testdata(rel);
        let bytes = read_plain(&path);
        assert_eq!(count_headers(&bytes), n, "{rel}: header count");
        let dumps = holdup::read_dumps(&bytes, rel).unwrap();
        assert_eq!(dumps.len(), 1, "{rel}");
        assert_eq!(dumps[0].goroutines.len(), n, "{rel}: goroutines parsed");
        assert!(dumps[0].warnings.is_empty(), "{rel}: {:?}", dumps[0].warnings);
    }
}

#[test]
fn idle_daemon_dumps_have_no_finding() {
    for (rel, _) in IDLE {
        let path = testdata(rel);
        let p = path.to_str().unwrap();
        let out = common::run(&["check", "--no-config", "--fail-on", "deadlock,blocked,leaked-lock,panic", p], None);
        assert_eq!(out.status.code(), Some(0), "{rel}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(out.stdout.is_empty(), "{rel}: {}", String::from_utf8_lossy(&out.stdout));
        let out = common::run(&["analyze", "--format", "json", p], None);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let d = &v["dumps"][0];
        for k in ["locks", "deadlocks", "blockers", "leaked_locks"] {
            assert_eq!(d[k].as_array().map(Vec::len), Some(0), "{rel}: {k}");
        }
    }
}

/// dockerd 20.10.24 while `docker volume rm` removed a volume of 200,000 directories and
/// three `docker run -v otherN:/x` and a `docker volume ls` waited (see the README): the
/// remover, in `local.(*Root).Remove` under `os.RemoveAll`, holds the volume root's mutex.
#[test]
fn live_incident_dump_names_the_remover() {
    let rel = "capture/dockerd-20.10.24-incident-volume-rm-goroutine-stacks-2026-12-06T044408Z.log";
    let path = testdata(rel);
    let out = common::run(&["analyze", "--format", "json", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["dumps"][0];
    assert_eq!(d["goroutines"], 64);
    let blockers = d["blockers"].as_array().unwrap();
    assert_eq!(blockers.len(), 1, "{blockers:?}");
    let b = &blockers[0];
    assert_eq!(b["goroutine"], 124);
    assert_eq!(b["confidence"], "high");
    assert_eq!(b["blocked_goroutines"], 4);
    let frames: Vec<&str> = b["top_frames"].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
    assert!(frames.iter().any(|f| f.ends_with("os.RemoveAll")), "{frames:?}");
    // The one line node-problem-detector would show names the remover.
    let out = common::run(&["check", "--no-config", "--format", "npd", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "4 goroutines blocked behind goroutine 124 in local.(*Root).Remove (high)\n"
    );
    let locks = d["locks"].as_array().unwrap();
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0]["holders"][0]["goroutine"], 124);
    let mut waiters: Vec<u64> = locks[0]["waiters"].as_array().unwrap().iter().filter_map(|w| w.as_u64()).collect();
    waiters.sort_unstable();
    assert_eq!(waiters, vec![127, 134, 137, 142]);
}
