//! The dumps captured from real, healthy daemons (`testdata/capture/`, see its README): every
//! goroutine is read, and neither `analyze` nor `check` reports a finding.

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
