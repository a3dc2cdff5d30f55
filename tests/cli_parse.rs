//! `holdup parse` through the built binary: bad input never panics and exits 2 with a message
//! naming the file; partial dumps give partial results and a warning; golden files of the
//! parsed model for dumps of different Go eras.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{golden, golden_json, run};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_parse-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn parse(args: &[&str], stdin: Option<&[u8]>) -> Ran {
    let start = Instant::now();
    let out = run(args, stdin);
    let ran = Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    };
    assert!(!ran.stderr.contains("panicked"), "holdup panicked on {args:?}:\n{}", ran.stderr);
    ran
}

/// Runs `holdup parse --format json FILE` and returns the parsed document.
fn parse_json(path: &str) -> (serde_json::Value, Ran) {
    let r = parse(&["parse", "--format", "json", path], None);
    let doc = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{path}: not JSON ({e}):\n{}", r.stdout));
    (doc, r)
}

// ---- bad input ---------------------------------------------------------------------

#[test]
fn a_missing_file() {
    let r = parse(&["parse", "testdata/no-such-dump.txt"], None);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stderr.trim(), "holdup: testdata/no-such-dump.txt: no such file");
    assert_eq!(r.stdout, "");
}

#[test]
fn an_empty_file() {
    let dir = scratch("empty");
    let f = dir.join("empty.txt");
    std::fs::write(&f, b"").unwrap();
    let r = parse(&["parse", f.to_str().unwrap()], None);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr.trim(),
        format!("holdup: no goroutine dump found in {}: expected a line like 'goroutine 1 [running]:'", f.display())
    );
}

#[test]
fn binary_garbage() {
    let dir = scratch("garbage");
    let f = dir.join("core.bin");
    // Deterministic noise with newlines, NULs, invalid UTF-8 and a gzip-looking middle.
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let bytes: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&f, &bytes).unwrap();
    let r = parse(&["parse", f.to_str().unwrap()], None);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("no goroutine dump found in {}", f.display())), "{}", r.stderr);
    // Garbage that starts with the gzip magic is a read error naming the file.
    let g = dir.join("fake.gz");
    std::fs::write(&g, [&[0x1f, 0x8b][..], &bytes[..4096]].concat()).unwrap();
    let r = parse(&["parse", g.to_str().unwrap()], None);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.starts_with(&format!("holdup: {}: ", g.display())), "{}", r.stderr);
}

#[test]
fn a_50_mb_line_without_newline() {
    let dir = scratch("long");
    let f = dir.join("one-line.log");
    std::fs::write(&f, vec![b'x'; 50 << 20]).unwrap();
    let r = parse(&["parse", f.to_str().unwrap()], None);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("no goroutine dump found"), "{}", r.stderr);
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);
    // The same line between two goroutines of a dump is skipped; the dump is read.
    let g = dir.join("long-line-inside.log");
    let mut text = b"goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n\n".to_vec();
    text.extend(vec![b'y'; 50 << 20]);
    text.extend_from_slice(b"\ngoroutine 2 [select]:\nmain.g()\n\t/x.go:2 +0x2\n");
    std::fs::write(&g, &text).unwrap();
    let (doc, r) = parse_json(g.to_str().unwrap());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(doc["dumps"][0]["goroutine_count"], 2);
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);
}

#[test]
fn a_truncated_dump_gives_partial_results_and_a_warning() {
    let dir = scratch("truncated");
    let f = dir.join("cut.txt");
    std::fs::write(&f, "goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n\ngoroutine 2 [select]:\nmain.f(0x1)\n")
        .unwrap();
    let (doc, r) = parse_json(f.to_str().unwrap());
    assert_eq!(r.code, Some(0));
    assert_eq!(doc["dumps"][0]["goroutine_count"], 2);
    assert_eq!(doc["dumps"][0]["goroutines"][1]["frames"][0]["func"], "main.f");
    assert_eq!(
        r.stderr.trim(),
        format!(
            "holdup: warning: {}: line 6: the input ends between a function line and its file line: truncated",
            f.display()
        )
    );
    assert_eq!(doc["dumps"][0]["warnings"][0]["line"], 6);
}

#[test]
fn a_directory() {
    let dir = scratch("dir");
    let r = parse(&["parse", dir.to_str().unwrap()], None);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.starts_with(&format!("holdup: {}: ", dir.display())), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn one_bad_input_among_good_ones() {
    let good = "testdata/corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt";
    let r = parse(&["parse", "--format", "json", good, "missing.txt", good], None);
    assert_eq!(r.code, Some(2), "any unreadable input makes the exit code 2");
    assert_eq!(r.stderr.trim(), "holdup: missing.txt: no such file");
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["dumps"].as_array().unwrap().len(), 2, "the good inputs are still printed");
}

#[test]
fn several_inputs_keep_their_order() {
    // Inputs are read (and dumps analyzed) on every core; the output must not show it.
    let a = "testdata/corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt";
    let two = "testdata/check/mixed/sub/service.log";
    let b = "testdata/corpus/real/go1.4-build-coordinator-statusmu-waiters.txt";
    let args = [a, two, "missing.txt", b, a, "missing-too.txt"];
    let want = [(a, 0), (two, 0), (two, 1), (b, 0), (a, 0)];
    for cmd in ["summary", "analyze"] {
        let r = parse(&[&[cmd, "--format", "json"][..], &args[..]].concat(), None);
        assert_eq!(r.code, Some(2), "{cmd}: unreadable inputs make the exit code 2");
        let errors: Vec<&str> = r.stderr.lines().filter(|l| l.contains("no such file")).collect();
        assert_eq!(errors, ["holdup: missing.txt: no such file", "holdup: missing-too.txt: no such file"], "{cmd}");
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let got: Vec<(String, u64)> = doc["dumps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["source"].as_str().unwrap().to_string(), d["index"].as_u64().unwrap()))
            .collect();
        let want: Vec<(String, u64)> = want.iter().map(|&(s, i)| (s.to_string(), i)).collect();
        assert_eq!(got, want, "{cmd}: dumps in input order, numbered within their input");
    }
}

#[test]
fn standard_input() {
    let bytes = std::fs::read(common::testdata("corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt")).unwrap();
    let (doc, r) = {
        let r = parse(&["parse", "--format", "json", "-"], Some(&bytes));
        (serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap(), r)
    };
    assert_eq!(r.code, Some(0));
    assert_eq!(doc["dumps"][0]["source"], "-");
    assert_eq!(doc["dumps"][0]["goroutine_count"], 2);
    let r = parse(&["parse", "-"], Some(b"nothing here\n"));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("no goroutine dump found in standard input"), "{}", r.stderr);
}

// ---- golden files ------------------------------------------------------------------

/// (golden name, input) for dumps of different Go eras and wrappings.
const GOLDEN: &[(&str, &str)] = &[
    ("real-go1.4-coordinator", "testdata/corpus/real/go1.4-build-coordinator-statusmu-waiters.txt"),
    ("real-dockerd-1.11-go1.6", "testdata/corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt"),
    ("real-containerd-0.2-logrus-escaped", "testdata/corpus/real/docker-containerd-0.2-logrus-escaped-head.txt"),
    (
        "gen-S5-go1.19-docker-file",
        "testdata/corpus/gen/S5-mutex-offset-and-global/go1.19.8/goroutine-stacks-2026-11-27T050240Z.log",
    ),
    ("gen-S5-go1.27-sigquit", "testdata/corpus/gen/S5-mutex-offset-and-global/go1.27.3/sigquit-stderr.log"),
];

#[test]
fn golden_parse_json() {
    for (name, input) in GOLDEN {
        let (doc, r) = parse_json(input);
        assert_eq!(r.code, Some(0), "{input}: {}", r.stderr);
        assert_eq!(doc["schema"], "holdup.parse/v1");
        golden(&format!("{name}.parse.json"), &golden_json(&r.stdout));
    }
}
