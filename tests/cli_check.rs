//! `holdup check` through the built binary: exit codes on real dumps, every rule, every output
//! format (JUnit parsed as XML, GitHub commands escaped, JSON fields), and the config file.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{bin, root, run, testdata};

const S1: &str = "testdata/corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log";
const S7: &str = "testdata/corpus/gen/S7-healthy-20k/go1.19.8/goroutine-stacks-2026-11-27T050242Z.log.gz";
const S2_DIR: &str = "testdata/corpus/gen/S2-abba-deadlock";
const BOOM: &str = "testdata/dumps/panics/go1.27.3/boom-single-stderr.txt";
const COORDINATOR: &str = "testdata/corpus/real/go1.4-build-coordinator-statusmu-waiters.txt";
const LEAKED: &str = "testdata/corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt";
const MIXED: &str = "testdata/check/mixed";

/// The S1 finding, as `holdup analyze` reports it: goroutine 197 holds the volume root's mutex.
const S1_MESSAGE: &str = "goroutine 197 (runnable, local.(*Root).Remove, deleting a directory tree: os.RemoveAll → \
                          unix.Unlinkat) holds mutex 0xc0000dc980 waited for in local.(*Root).Get (high \
                          confidence); 40 goroutines wait: 30 ContainerCreate, 10 Cleanup";

fn code(o: &Output) -> i32 {
    o.status.code().expect("holdup exited by a signal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// `holdup check ARGS...` from the repository root; panics with both streams if the exit code
/// is not `want`.
fn check(args: &[&str], want: i32) -> Output {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let o = run(&all, None);
    assert_eq!(code(&o), want, "holdup {all:?}\nstdout:\n{}\nstderr:\n{}", stdout(&o), stderr(&o));
    o
}

/// `holdup check ARGS...` run in `dir` (to test `./holdup.toml`).
fn check_in(dir: &Path, args: &[&str], want: i32) -> Output {
    let o = Command::new(bin())
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run holdup");
    assert_eq!(
        code(&o),
        want,
        "holdup check {args:?} in {}\nstdout:\n{}\nstderr:\n{}",
        dir.display(),
        stdout(&o),
        stderr(&o)
    );
    o
}

fn abs(rel: &str) -> String {
    root().join(rel).to_str().expect("UTF-8 path").to_string()
}

/// A fresh scratch directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_check").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn summary_line(o: &Output) -> String {
    stderr(o).lines().last().unwrap_or_default().to_string()
}

// --- exit codes on real dumps ---

#[test]
fn a_healthy_dump_passes() {
    let o = check(&[S7], 0);
    assert_eq!(stdout(&o), "", "a healthy dump has no finding");
    assert_eq!(summary_line(&o), "holdup: check passed: 1 file checked, 0 findings, 0 failed");
}

#[test]
fn the_volume_remove_dump_fails_blocked() {
    let o = check(&[S1], 1);
    assert_eq!(stdout(&o), format!("{S1}: blocked: {S1_MESSAGE}\n"));
    assert_eq!(summary_line(&o), "holdup: check failed: 1 file checked, 1 finding, 1 failed");
    // The same incident under every Go release: one blocker, 40 goroutines behind it.
    for v in ["go1.23.9", "go1.27.3"] {
        let dir = format!("testdata/corpus/gen/S1-seed-volume-remove/{v}");
        let o = check(&[&dir], 1);
        let lines: Vec<String> = stdout(&o).lines().map(String::from).collect();
        assert_eq!(lines.len(), 2, "{v}: one finding per dump (file and SIGQUIT):\n{lines:#?}");
        for l in &lines {
            assert!(
                l.contains(": blocked: goroutine ") && l.contains("local.(*Root).Remove, deleting a directory"),
                "{l}"
            );
            assert!(l.contains("unix.Unlinkat) holds mutex"), "{l}");
            assert!(l.ends_with("(high confidence); 40 goroutines wait: 30 ContainerCreate, 10 Cleanup"), "{l}");
        }
    }
}

#[test]
fn the_abba_dumps_fail_deadlock_and_nothing_else() {
    let o = check(&[S2_DIR], 1);
    let lines: Vec<String> = stdout(&o).lines().map(String::from).collect();
    // Three Go releases × (dockerd file, SIGQUIT stderr); the truth files are skipped.
    assert_eq!(lines.len(), 6, "{lines:#?}");
    for l in &lines {
        assert!(l.starts_with(S2_DIR), "{l}");
        assert!(l.contains(": deadlock: goroutines "), "only the cycle is reported, not its members as blockers: {l}");
        assert!(l.contains("wait for each other on mutex 0x"), "{l}");
        assert!(l.contains("waited for in events.(*Events).SubscribeTopic and mutex 0x"), "{l}");
    }
    let err = stderr(&o);
    assert_eq!(err.matches("no goroutine dump in it").count(), 6, "one note per truth file:\n{err}");
    assert!(err.contains("truth.json: no goroutine dump in it"), "{err}");
    assert!(summary_line(&o).ends_with("6 files checked, 6 findings, 6 failed, 6 skipped (no dump)"), "{err}");
}

#[test]
fn input_errors_exit_2_and_take_precedence() {
    let o = check(&["testdata/check/no-such-dump.log"], 2);
    assert!(stderr(&o).contains("holdup: testdata/check/no-such-dump.log: no such file"), "{}", stderr(&o));

    // A finding and an input error: the finding is still printed, the exit code says input error.
    let o = check(&[S1, "testdata/check/no-such-dump.log"], 2);
    assert_eq!(stdout(&o), format!("{S1}: blocked: {S1_MESSAGE}\n"));
    assert!(summary_line(&o).ends_with("1 file checked, 1 finding, 1 failed, 1 input error"), "{}", stderr(&o));

    // A file named on the command line must hold a dump; in a directory it is skipped.
    let o = check(&["testdata/check/mixed/notes.txt"], 2);
    assert!(stderr(&o).contains("no goroutine dump found in testdata/check/mixed/notes.txt"), "{}", stderr(&o));
}

#[test]
fn a_directory_with_a_mix() {
    // blocked.log (a blocker), healthy.log, notes.txt (no dump), sub/service.log (a healthy
    // dump and a panic), .hidden/deadlock.log (never read).
    let o = check(&[MIXED], 1);
    assert_eq!(
        stdout(&o),
        "testdata/check/mixed/blocked.log: blocked: goroutine 18 (sleep, store.(*KV).Snapshot) holds mutex \
         0x1ac453e0c120 waited for in store.(*KV).Get (high confidence); 5 goroutines wait: 3 KV.Get, 2 KV.Put\n\
         testdata/check/mixed/sub/service.log (dump 2 of 2): panic (warning): panic: boom in goroutine 5 \
         (running, handler.(*Handler).validate)\n"
    );
    let err = stderr(&o);
    assert!(err.contains("holdup: note: skipped testdata/check/mixed/notes.txt: no goroutine dump in it"), "{err}");
    assert!(!err.contains(".hidden") && !stdout(&o).contains(".hidden"), "hidden directories are skipped:\n{err}");
    assert_eq!(
        summary_line(&o),
        "holdup: check failed: 3 files checked (4 dumps), 2 findings (1 warning), 1 failed, 1 skipped (no dump)"
    );
    // The hidden dump does fail when named.
    check(&["testdata/check/mixed/.hidden/deadlock.log"], 1);
}

#[test]
fn an_empty_directory_passes_with_a_note() {
    let dir = scratch("empty");
    let o = check(&[dir.to_str().unwrap()], 0);
    assert!(stderr(&o).contains("note: no files in"), "{}", stderr(&o));
    assert!(summary_line(&o).ends_with("check passed: 0 files checked, 0 findings, 0 failed"), "{}", stderr(&o));
}

#[test]
fn output_keeps_the_input_order() {
    // Files are checked in parallel; the findings must still come in the order given.
    let mut files: Vec<String> = ["go1.19.8", "go1.21.13", "go1.23.9", "go1.27.3"]
        .iter()
        .flat_map(|v| {
            ["nilptr", "boom", "repanic", "mapwrites"].map(|c| format!("testdata/dumps/panics/{v}/{c}-stderr.txt"))
        })
        .collect();
    files.reverse();
    files.rotate_left(5);
    let args: Vec<&str> = ["--fail-on", "panic"].into_iter().chain(files.iter().map(String::as_str)).collect();
    let o = check(&args, 1);
    let panics: Vec<String> = stdout(&o)
        .lines()
        .filter(|l| l.contains(": panic: "))
        .map(|l| l.split(": ").next().unwrap().to_string())
        .collect();
    assert_eq!(panics, files);
}

#[test]
fn stdin_is_an_input() {
    let bytes = std::fs::read(root().join(S1)).unwrap();
    let o = run(&["check", "-"], Some(&bytes));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("-: blocked: {S1_MESSAGE}\n"));
    let o = run(&["check", "--format", "github", "-"], Some(&bytes));
    assert!(
        stdout(&o).starts_with("::error title=holdup blocked::goroutine 197 "),
        "no file= for stdin: {}",
        stdout(&o)
    );
}

// --- rules ---

#[test]
fn ignore_drops_matching_findings() {
    let o = check(&["--ignore", r"local\.\(\*Root\)\.Remove", S1], 0);
    assert_eq!(stdout(&o), "");
    assert!(summary_line(&o).ends_with("1 file checked, 0 findings, 0 failed, 1 ignored"), "{}", stderr(&o));
    // A regex that matches nothing leaves the finding; several may be given.
    check(&["--ignore", "PublishMessage", "--ignore", "no such thing", S1], 1);
    // It matches the finding's subject (the holder's stack, the lock sites), not its words:
    // the lock's address is in the message and silences nothing; the lock site does.
    check(&["--ignore", "PublishMessage", "--ignore", "0xc0000dc980", S1], 1);
    check(&["--ignore", "PublishMessage", "--ignore", r"\(\*Root\)\.Get$", S1], 0);
    check(&["--ignore", r"os\.RemoveAll", S1], 0);
    // The regex is checked when it is parsed.
    let o = check(&["--ignore", "(", S1], 2);
    assert!(stderr(&o).contains("--ignore"), "{}", stderr(&o));
}

#[test]
fn max_blocked_is_how_many_may_wait() {
    // 40 goroutines wait behind the S1 holder.
    check(&["--max-blocked", "39", S1], 1);
    let o = check(&["--max-blocked", "40", S1], 0);
    assert_eq!(stdout(&o), "", "within the limit is not a finding at all");
}

#[test]
fn max_wait_reports_goroutines_that_waited_longer() {
    // The Go 1.4 build coordinator: goroutine 1 waited 646 minutes, two more 641.
    let base = ["--fail-on", "none"];
    check(&[&base[..], &[COORDINATOR]].concat(), 0);
    let o = check(&[&base[..], &["--max-wait", "10h45m", COORDINATOR]].concat(), 1);
    let o_text = stdout(&o);
    let long: Vec<&str> = o_text.lines().filter(|l| l.contains(": long-wait: ")).collect();
    assert_eq!(
        long,
        [format!(
            "{COORDINATOR}: long-wait: goroutine 1 (semacquire, 646 min, main.numCurrentBuilds) waited longer than 10h 45m"
        )],
        "{o_text}"
    );
    // 646 minutes do not exceed 646 minutes.
    check(&[&base[..], &["--max-wait", "10h46m", COORDINATOR]].concat(), 0);
    // Goroutines in the same state and function are one finding.
    let o = check(&[&base[..], &["--max-wait", "600m", COORDINATOR]].concat(), 1);
    assert!(
        stdout(&o).contains(
            "long-wait: goroutine 6438 (semacquire, 641 min, main.(*trySet).wanted) and 1 more like it waited longer than 10h"
        ),
        "{}",
        stdout(&o)
    );
    let o = check(&["--max-wait", "ten", COORDINATOR], 2);
    assert!(stderr(&o).contains("is not a duration"), "{}", stderr(&o));
}

#[test]
fn max_goroutines_limits_the_dump_size() {
    check(&["--max-goroutines", "20004", S7], 0);
    let o = check(&["--max-goroutines", "20003", S7], 1);
    assert_eq!(stdout(&o), format!("{S7}: too-many-goroutines: 20004 goroutines, more than the limit of 20003\n"));
}

#[test]
fn fail_on_panic() {
    // Every Go release's single-goroutine panic: a warning by default, an error with --fail-on panic.
    for v in ["go1.19.8", "go1.21.13", "go1.23.9", "go1.27.3"] {
        let f = format!("testdata/dumps/panics/{v}/boom-single-stderr.txt");
        let o = check(&[&f], 0);
        assert!(stdout(&o).starts_with(&format!("{f}: panic (warning): panic: boom in goroutine ")), "{}", stdout(&o));
        let o = check(&["--fail-on", "panic", &f], 1);
        assert!(stdout(&o).starts_with(&format!("{f}: panic: panic: boom in goroutine ")), "{}", stdout(&o));
        assert!(stdout(&o).contains("handler.(*Handler).validate)"), "{}", stdout(&o));
    }
    // A re-panic keeps both messages.
    let o = check(&["--fail-on", "panic", "testdata/dumps/panics/go1.27.3/repanic-stderr.txt"], 1);
    assert!(stdout(&o).contains(": panic: panic: first [recovered]; panic: second in goroutine 19 "), "{}", stdout(&o));
    // SIGQUIT output is not a crash.
    check(&["--fail-on", "panic", "testdata/corpus/gen/S7-healthy-20k/go1.19.8/sigquit-stderr.log.gz"], 0);
}

#[test]
fn fail_on_selects_the_rules_that_fail() {
    // Leaked locks warn by default and fail when asked for.
    let o = check(&[LEAKED], 0);
    assert!(
        stdout(&o).starts_with(&format!(
            "{LEAKED}: leaked-lock (warning): mutex 0xc820482bd0 waited for in \
             container.(*State).SetRemovalInProgress — 2 goroutines wait: 1 ContainerRm, 1 Containers; the longest \
             for 970+ min; this excerpt of 2 goroutine(s) shows no holder: the holder may not be in it"
        )),
        "{}",
        stdout(&o)
    );
    check(&["--fail-on", "leaked-lock", LEAKED], 1);
    // Without blocked, S1 only warns; repeated and comma-separated values add up.
    let o = check(&["--fail-on", "deadlock", S1], 0);
    assert_eq!(stdout(&o), format!("{S1}: blocked (warning): {S1_MESSAGE}\n"));
    check(&["--fail-on", "none", "--fail-on", "panic,blocked", S1], 1);
    let o = check(&["--fail-on", "deadlock,long-wait", S1], 2);
    assert!(stderr(&o).contains("long-wait is turned on by max_wait (--max-wait)"), "{}", stderr(&o));
}

// --- output formats ---

#[test]
fn json_output() {
    let missing = "testdata/check/no-such-dump.log";
    let o = check(&["--format", "json", S1, "testdata/check/mixed", missing], 2);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["schema"], "holdup.check/v1");
    assert_eq!(doc["passed"], false);
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["rules"]["fail_on"], serde_json::json!(["deadlock", "blocked"]));
    assert_eq!(doc["rules"]["max_blocked"], 0);
    assert_eq!(doc["summary"]["files_checked"], 4);
    assert_eq!(doc["summary"]["dumps"], 5);
    assert_eq!(doc["summary"]["errors"], 2);
    assert_eq!(doc["summary"]["warnings"], 1);

    let inputs: Vec<(String, String)> = doc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["source"].as_str().unwrap().to_string(), i["status"].as_str().unwrap().to_string()))
        .collect();
    let want = [
        (S1, "failed"),
        ("testdata/check/mixed/blocked.log", "failed"),
        ("testdata/check/mixed/healthy.log", "passed"),
        ("testdata/check/mixed/notes.txt", "skipped"),
        ("testdata/check/mixed/sub/service.log", "passed"),
        (missing, "error"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(inputs, want);
    assert!(doc["inputs"][5]["error"].as_str().unwrap().contains("no such file"));

    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    let f = &findings[0];
    assert_eq!(f["source"], S1);
    assert_eq!(f["dump"], 0);
    assert_eq!(f["rule"], "blocked");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["message"], S1_MESSAGE);
    assert_eq!(f["line"], 2168);
    assert_eq!(f["goroutines"], serde_json::json!([197]));
    assert_eq!(f["locks"], serde_json::json!(["L1"]));
    assert_eq!(f["confidence"], "high");
    assert_eq!(f["blocked_goroutines"], 40);
    let p = &findings[2];
    assert_eq!((p["source"].as_str(), p["dump"].as_u64()), (Some("testdata/check/mixed/sub/service.log"), Some(1)));
    assert_eq!((p["rule"].as_str(), p["severity"].as_str()), (Some("panic"), Some("warning")));

    // `dumps` holds the analysis of every dump, exactly as `holdup analyze --format json`.
    let dumps = doc["dumps"].as_array().unwrap();
    assert_eq!(dumps.len(), 5);
    let analyzed = run(&["analyze", "--format", "json", S1], None);
    let analyzed: serde_json::Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    assert_eq!(dumps[0], analyzed["dumps"][0]);
    let service: Vec<u64> = dumps
        .iter()
        .filter(|d| d["source"] == "testdata/check/mixed/sub/service.log")
        .map(|d| d["index"].as_u64().unwrap())
        .collect();
    assert_eq!(service, [0, 1]);
}

/// An attribute of an element, or "".
fn attr<'a>(n: &roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    n.attribute(name).unwrap_or("")
}

#[test]
fn junit_output() {
    let missing = "testdata/check/no-such-dump.log";
    let o = check(&["--format", "junit", MIXED, S1, missing], 2);
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("JUnit is not XML: {e}\n{xml}"));
    let top = doc.root_element();
    assert_eq!(top.tag_name().name(), "testsuites");
    let suites: Vec<_> = top.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    let names: Vec<&str> = cases.iter().map(|c| attr(c, "name")).collect();
    assert_eq!(
        names,
        [
            "testdata/check/mixed/blocked.log",
            "testdata/check/mixed/healthy.log",
            "testdata/check/mixed/sub/service.log",
            S1,
            missing
        ],
        "one testcase per input file; skipped files are left out"
    );
    // The counts agree with the elements.
    let failed = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("failure"))).count();
    let errored = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("error"))).count();
    for n in [top, suite] {
        assert_eq!(attr(&n, "tests"), cases.len().to_string());
        assert_eq!(attr(&n, "failures"), failed.to_string());
        assert_eq!(attr(&n, "errors"), errored.to_string());
    }
    assert_eq!((failed, errored), (2, 1));

    let failure = |i: usize| cases[i].children().find(|n| n.has_tag_name("failure")).expect("a failure");
    assert_eq!(attr(&failure(3), "type"), "blocked");
    assert_eq!(attr(&failure(3), "message"), S1_MESSAGE);
    assert!(failure(3).text().unwrap().contains("(input line 2168)"));
    assert!(attr(&failure(0), "message").starts_with("goroutine 18 (sleep, store.(*KV).Snapshot) holds mutex"));
    // The panic is a warning: no failure, reported in system-out.
    let service = cases[2];
    assert!(!service.children().any(|n| n.has_tag_name("failure")));
    let out = service.children().find(|n| n.has_tag_name("system-out")).expect("warnings in system-out");
    assert!(out.text().unwrap().contains("(dump 2 of 2): panic: panic: boom"), "{:?}", out.text());
    let error = cases[4].children().find(|n| n.has_tag_name("error")).expect("an error");
    assert_eq!(attr(&error, "message"), format!("{missing}: no such file"));
}

/// A panic whose message holds every character XML and GitHub commands must escape, in a file
/// whose name holds the characters GitHub properties must escape.
fn awkward_panic(dir: &Path) -> (PathBuf, &'static str) {
    let message = "bad <input> & \"quotes\" 'apos' 100% done, key: value \u{1}";
    let text =
        format!("panic: {message}\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\nexit status 2\n");
    let path = dir.join("odd,name:100%.txt");
    std::fs::write(&path, text).unwrap();
    (path, message)
}

#[test]
fn junit_escapes_what_dumps_hold() {
    let dir = scratch("junit-escapes");
    let (path, message) = awkward_panic(&dir);
    let o = check(&["--format", "junit", "--fail-on", "panic", path.to_str().unwrap()], 1);
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("JUnit is not XML: {e}\n{xml}"));
    let case = doc.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    assert_eq!(attr(&case, "name"), path.to_str().unwrap());
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    // XML cannot hold U+0001 at all; it is written as `\x01`.
    let shown = message.replace('\u{1}', "\\x01");
    assert_eq!(attr(&failure, "message"), format!("panic: {shown} in goroutine 1 (running, main.main)"));
    assert!(failure.text().unwrap().contains(&shown));
}

#[test]
fn github_output() {
    let o = check(&["--format", "github", S1, "testdata/check/mixed/sub/service.log", "testdata/check/nope.log"], 2);
    assert_eq!(
        stdout(&o),
        format!(
            "::error file={S1},line=2168,title=holdup blocked::{S1_MESSAGE}\n\
             ::warning file=testdata/check/mixed/sub/service.log,line=57,title=holdup panic::(dump 2 of 2) panic: boom \
             in goroutine 5 (running, handler.(*Handler).validate)\n\
             ::error file=testdata/check/nope.log,title=holdup input error::testdata/check/nope.log: no such file\n"
        )
    );
    // Line 57 of service.log is where the panic starts.
    let text = std::fs::read_to_string(testdata("check/mixed/sub/service.log")).unwrap();
    assert_eq!(text.lines().nth(56), Some("panic: boom"));
}

#[test]
fn github_escapes_properties_and_messages() {
    let dir = scratch("github-escapes");
    let (path, message) = awkward_panic(&dir);
    let o = check(&["--format", "github", "--fail-on", "panic", path.to_str().unwrap()], 1);
    let dir_text = dir.to_str().unwrap().replace('%', "%25").replace(':', "%3A").replace(',', "%2C");
    assert_eq!(
        stdout(&o),
        format!(
            "::error file={dir_text}/odd%2Cname%3A100%25.txt,line=1,title=holdup panic::panic: {} in goroutine 1 \
             (running, main.main)\n",
            // The control character is shown as text (see `escape::visible`).
            message.replace('%', "%25").replace('\u{1}', "\\x01")
        )
    );
}

#[test]
fn colour_only_in_text() {
    let o = check(&["--color", "always", S1], 1);
    assert!(stdout(&o).contains("\u{1b}["), "text is coloured with --color always");
    for format in ["json", "junit", "github"] {
        let o = check(&["--color", "always", "--format", format, S1], 1);
        assert!(!stdout(&o).contains('\u{1b}'), "{format} has no colour: {}", stdout(&o));
    }
    let o = check(&["--color", "never", S1], 1);
    assert!(!stdout(&o).contains('\u{1b}'));
}

#[test]
fn help_states_the_exit_codes() {
    let o = run(&["check", "--help"], None);
    let help = stdout(&o);
    assert!(help.contains("Exit codes:"), "{help}");
    assert!(help.contains("0  every input passed"), "{help}");
    assert!(help.contains("1  at least one finding is an error"), "{help}");
    assert!(help.contains("2  an input could not be read"), "{help}");
    for rule in ["deadlock", "blocked", "leaked-lock", "panic", "stuck", "long-wait", "too-many-goroutines"] {
        assert!(help.contains(&format!("  {rule} ")), "{rule} explained:\n{help}");
    }
}

// --- config file ---

#[test]
fn holdup_toml_in_the_current_directory() {
    let dir = testdata("check/config");
    let s1 = abs(S1);
    // The file allows 50 goroutines behind a blocker (S1 has 40).
    let o = check_in(&dir, &[&s1], 0);
    assert!(summary_line(&o).ends_with("; rules from holdup.toml"), "{}", stderr(&o));
    // The command line wins over the file, and --no-config ignores it.
    check_in(&dir, &["--max-blocked", "39", &s1], 1);
    check_in(&dir, &["--no-config", &s1], 1);
    // The file's fail_on makes panics fail; --fail-on replaces it.
    let boom = abs(BOOM);
    check_in(&dir, &[&boom], 1);
    check_in(&dir, &["--fail-on", "deadlock", &boom], 0);
    // From another directory the file is not read.
    check(&[S1], 1);
}

#[test]
fn config_option() {
    let o = check(&["--config", "testdata/check/ignore.toml", S1], 0);
    assert!(summary_line(&o).ends_with("1 ignored; rules from testdata/check/ignore.toml"), "{}", stderr(&o));
    // --ignore replaces the file's list.
    check(&["--config", "testdata/check/ignore.toml", "--ignore", "nothing like it", S1], 1);
    // The file's max_goroutines applies: S7 has 20004.
    check(&["--config", "testdata/check/ignore.toml", "--max-goroutines", "20000", S7], 1);
    let o = check(&["--config", "testdata/check/ignore.toml", "--format", "json", S1], 0);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["rules"]["ignore"], serde_json::json!([r"local\.\(\*Root\)\.Remove"]));
    assert_eq!(doc["rules"]["max_goroutines"], 100000);
    assert_eq!(doc["rules"]["config"], "testdata/check/ignore.toml");
    assert_eq!(doc["summary"]["ignored"], 1);
}

#[test]
fn bad_config_files_exit_2() {
    let cases = [
        ("unknown-key.toml", "unknown field `max_wiat`, expected one of `fail_on`, `max_blocked`"),
        ("unknown-rule.toml", "fail_on: unknown rule 'deadlok'"),
        ("duration.toml", "max_wait: 'ten minutes' is not a duration"),
        ("regex.toml", "ignore: regex parse error"),
        ("syntax.toml", "TOML parse error at line 1"),
        ("type.toml", "invalid type: string \"five\""),
    ];
    for (file, why) in cases {
        let path = format!("testdata/check/bad/{file}");
        let o = check(&["--config", &path, S7], 2);
        let err = stderr(&o);
        assert!(err.contains(&format!("holdup: bad config file {path}: ")), "{file}: {err}");
        assert!(err.contains(why), "{file}: {err}");
        assert_eq!(stdout(&o), "", "nothing is checked with a bad config");
    }
    let o = check(&["--config", "testdata/check/bad/none.toml", S7], 2);
    assert!(stderr(&o).contains("config file testdata/check/bad/none.toml: no such file"), "{}", stderr(&o));
    // A bad ./holdup.toml stops the check too, unless --no-config.
    let dir = testdata("check/bad/cwd");
    let o = check_in(&dir, &[&abs(S7)], 2);
    assert!(stderr(&o).contains("bad config file holdup.toml"), "{}", stderr(&o));
    check_in(&dir, &["--no-config", &abs(S7)], 0);
}
