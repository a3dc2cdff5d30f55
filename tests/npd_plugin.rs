//! The node-problem-detector custom plugin contract of `holdup check --format npd`: exit 0
//! (OK), 1 (problem) or 2 (unknown), and exactly one line on standard output, never longer
//! than the limit (node-problem-detector keeps `max_output_length` bytes, 80 by default).

mod common;

use common::{run, testdata};

/// Runs `check --format npd` and returns (exit code, stdout), asserting the line contract.
fn npd(args: &[&str], max: usize) -> (i32, String) {
    let max_s = max.to_string();
    let mut all = vec!["check", "--no-config", "--format", "npd", "--npd-max-length", &max_s];
    all.extend_from_slice(args);
    let out = run(&all, None);
    let code = out.status.code().expect("exit code");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.ends_with('\n'), "{args:?}: {text:?}");
    let line = text.strip_suffix('\n').unwrap();
    assert!(!line.contains('\n'), "{args:?}: more than one line: {text:?}");
    assert!(!line.trim().is_empty(), "{args:?}: empty line");
    assert!(line.len() <= max, "{args:?}: {} bytes > {max}: {line}", line.len());
    assert!(matches!(code, 0..=2), "{args:?}: exit {code}");
    (code, line.to_string())
}

fn p(rel: &str) -> String {
    testdata(rel).to_str().unwrap().to_string()
}

#[test]
fn a_blocker_is_a_problem_named_in_one_line() {
    let seed = p("corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log");
    let (code, line) = npd(&[&seed], 80);
    assert_eq!(code, 1, "{line}");
    assert!(line.starts_with("40 goroutines blocked behind goroutine 197 in local.(*Root).Remove"), "{line}");
    // node-problem-detector cuts at the limit it is configured with: any limit is kept.
    for max in [20, 40, 200] {
        let (code, line) = npd(&[&seed], max);
        assert_eq!(code, 1);
        if max < 70 {
            assert!(line.ends_with('…'), "{line}");
        }
    }
}

#[test]
fn a_deadlock_is_a_problem() {
    let dir = testdata("corpus/gen/S2-abba-deadlock/go1.19.8");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|f| {
            f.file_name().unwrap().to_str().unwrap().starts_with("goroutine-stacks-")
                && f.extension().is_some_and(|e| e == "log")
        })
        .expect("a dockerd-style dump in S2");
    let (code, line) = npd(&[file.to_str().unwrap()], 80);
    assert_eq!(code, 1, "{line}");
    assert!(line.starts_with("deadlock: goroutines "), "{line}");
}

#[test]
fn healthy_dumps_are_ok() {
    let idle = [
        p("capture/dockerd-20.10.24-idle-goroutine-stacks-2026-12-06T042302Z.log"),
        p("capture/containerd-1.6.20-idle-containerd.stacks.log"),
    ];
    let (code, line) = npd(&[&idle[0], &idle[1]], 80);
    assert_eq!(code, 0, "{line}");
    assert_eq!(line, "ok: no deadlock or blocked goroutine in 2 dumps");
}

#[test]
fn unreadable_or_missing_dumps_are_unknown() {
    let (code, line) = npd(&["/nonexistent/holdup/dump.log"], 80);
    assert_eq!(code, 2);
    assert!(line.starts_with("unknown: "), "{line}");
    // A file that holds no dump.
    let (code, line) = npd(&[&p("capture/README.md")], 80);
    assert_eq!(code, 2);
    assert!(line.starts_with("unknown: no goroutine dump found"), "{line}");
    // A directory with nothing to check is unknown too, never OK.
    let empty = std::env::temp_dir().join(format!("holdup-npd-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let (code, line) = npd(&[empty.to_str().unwrap()], 80);
    assert_eq!((code, line.as_str()), (2, "unknown: no goroutine dump to check"));
    let _ = std::fs::remove_dir(&empty);
}

/// The plugin script: when holdup cannot capture (here: no such daemon), it still prints one
/// line within the limit and exits 2 (unknown).
#[test]
fn the_plugin_script_says_unknown_in_one_line_when_it_cannot_capture() {
    let script = common::root().join("deploy/node-problem-detector/holdup-plugin.sh");
    let dir = std::env::temp_dir().join(format!("holdup-npd-script-{}", std::process::id()));
    for max in ["80", "30"] {
        let out = std::process::Command::new("sh")
            .arg(&script)
            .arg("holdup-no-such-daemon")
            .env("HOLDUP", common::bin())
            .env("HOLDUP_DUMP_DIR", &dir)
            .env("HOLDUP_MAX_LINE", max)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text:?}");
        assert!(lines[0].len() <= max.parse().unwrap(), "{text:?}");
        assert!(lines[0].starts_with("unknown: no process named"), "{text:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
