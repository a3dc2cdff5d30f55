//! The command line as a new user finds it: one listing command (with `parse` as its other
//! name), filters that refuse what they cannot mean, the default command taking analyze's
//! options, help that fits the terminal and explains the report's words, and messages that
//! point at the right command.

mod common;

use std::process::{Command, Stdio};

use common::{bin, root, run, testdata};
use serde_json::Value;

const S1: &str = "corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log";
const S1_127: &str = "corpus/gen/S1-seed-volume-remove/go1.27.3/goroutine-stacks-2026-11-27T052133Z.log";

fn path(rel: &str) -> String {
    testdata(rel).to_string_lossy().into_owned()
}

fn stdout(args: &[&str]) -> String {
    let out = run(args, None);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn stderr_of_failure(args: &[&str]) -> String {
    let out = run(args, None);
    assert_eq!(out.status.code(), Some(2), "{args:?} must be a usage error");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn parse_is_another_name_for_goroutines() {
    let p = path(S1);
    for format in ["text", "json"] {
        assert_eq!(
            stdout(&["parse", "--format", format, "--state", "mutex", &p]),
            stdout(&["goroutines", "--format", format, "--state", "mutex", &p]),
            "{format}"
        );
    }
    let help = stdout(&["--help"]);
    assert!(help.contains("goroutines") && help.contains("[alias: parse]"), "{help}");
}

#[test]
fn top_sees_the_innermost_application_frame() {
    let ids = |re: &str| -> Vec<u64> {
        let v: Value =
            serde_json::from_str(&stdout(&["goroutines", "--format", "json", "--top", re, &path(S1)])).unwrap();
        v["dumps"][0]["goroutines"].as_array().unwrap().iter().map(|g| g["id"].as_u64().unwrap()).collect()
    };
    // The 40 lock waiters' innermost frames are sync.runtime_SemacquireMutex & co.; their own
    // code is (*Root).Get.
    assert_eq!(ids(r"\(\*Root\)\.Get$").len(), 40);
    // The remover: its innermost non-runtime frame is syscall.Syscall, its own code removePath.
    assert_eq!(ids(r"local\.removePath$"), vec![197]);
    assert_eq!(ids(r"^syscall\.Syscall$"), vec![197]);
}

#[test]
fn an_unknown_state_is_an_error_listing_the_valid_ones() {
    let e = stderr_of_failure(&["goroutines", "--state", "mutx", &path(S1)]);
    for name in ["unknown state \"mutx\"", "mutex", "rwmutex-read", "chan-receive", "semacquire", "IO wait"] {
        assert!(e.contains(name), "{name}: {e}");
    }
    // Valid names in any case still work.
    let text = stdout(&["goroutines", "--state", "SEMACQUIRE", &path(S1)]);
    assert_eq!(text.lines().filter(|l| l.starts_with("goroutine ")).count(), 40, "{text}");
}

#[test]
fn a_wait_without_a_unit_is_an_error() {
    let e = stderr_of_failure(&["goroutines", "--min-wait", "10", &path(S1)]);
    assert!(e.contains("no unit") && e.contains("10m"), "{e}");
    assert!(run(&["goroutines", "--min-wait", "10m", &path(S1)], None).status.success());
}

#[test]
fn the_default_command_takes_analyzes_options() {
    let v: Value = serde_json::from_str(&stdout(&["--format", "json", &path(S1)])).unwrap();
    assert_eq!(v["schema"], "holdup.analysis/v1");
    assert_eq!(stdout(&["--format", "json", &path(S1)]), stdout(&["analyze", "--format", "json", &path(S1)]));
}

#[test]
fn diff_warns_when_the_dumps_are_not_of_one_process() {
    let out = run(&["diff", &path(S1), &path(S1_127)], None);
    assert!(out.status.success());
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(e.contains("warning") && e.contains("different Go releases"), "{e}");
    let v: Value = serde_json::from_str(&stdout(&["diff", "--format", "json", &path(S1), &path(S1_127)])).unwrap();
    assert!(v["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("Go releases")), "{v}");
    // A real pair of one process: no warning.
    let pair = "dumps/diff-pair/go1.27.3";
    let out = run(&["diff", &path(&format!("{pair}/dump1.txt")), &path(&format!("{pair}/dump2.txt"))], None);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"), "{}", String::from_utf8_lossy(&out.stderr));
}

fn help_with(env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(root()).env_remove("NO_COLOR").stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_wraps_to_the_terminal_and_explains_the_reports_words() {
    for cmd in [&["--help"][..], &["goroutines", "--help"], &["check", "--help"], &["groups", "--help"]] {
        let text = help_with(&[("COLUMNS", "80")], cmd);
        let long: Vec<&str> = text.lines().filter(|l| l.chars().count() > 80).collect();
        assert!(long.is_empty(), "{cmd:?}: lines over 80 columns:\n{}", long.join("\n"));
    }
    let text = help_with(&[("COLUMNS", "80")], &["--help"]);
    for term in ["waiter", "holder", "confidence", "leaked", "blocker", "deadlock"] {
        assert!(text.contains(&format!("\n  {term}")), "{term} is explained:\n{text}");
    }
}

#[test]
fn color_never_applies_to_help_too() {
    // CLICOLOR_FORCE colours clap's help even into a pipe, unless told otherwise.
    let forced = help_with(&[("CLICOLOR_FORCE", "1")], &["--help"]);
    assert!(forced.contains('\u{1b}'), "the test needs forced colour to show");
    for args in [&["--color", "never", "--help"][..], &["--color=never", "goroutines", "--help"]] {
        let text = help_with(&[("CLICOLOR_FORCE", "1")], args);
        assert!(!text.contains('\u{1b}'), "{args:?}: {text}");
    }
}

#[test]
fn a_program_built_from_the_root_directory_has_no_empty_name() {
    let dump = "goroutine 1 [running]:\nmain.main()\n\t/main.go:5 +0x1d\n\n\
goroutine 7 [sleep]:\ntime.Sleep(0x3b9aca00)\n\t/usr/local/go/src/runtime/time.go:195 +0x1\nmain.worker()\n\t/main.go:9 +0x1\n";
    let out = run(&["-"], Some(dump.as_bytes()));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(", ,"), "{text}");
    assert!(text.contains("unknown program"), "{text}");
}

#[test]
fn minutes_are_a_lower_bound() {
    // Go prints whole minutes rounded down: 970 means at least 970.
    let text = stdout(&["analyze", &path("corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt")]);
    assert!(text.contains("970+ min"), "{text}");
    assert!(!text.contains('≤'), "{text}");
}

#[test]
fn a_directory_given_to_analyze_points_at_check() {
    let e = stderr_of_failure(&["analyze", &path("corpus/gen")]);
    assert!(e.contains("is a directory") && e.contains("holdup check"), "{e}");
}

#[test]
fn check_ignore_matches_a_findings_subject_not_its_words() {
    let s1 = path(S1);
    let s2 = path("corpus/gen/S2-abba-deadlock/go1.19.8/goroutine-stacks-2026-11-27T050237Z.log");
    let check = |ignore: &str| {
        let out = run(&["check", "--no-config", "--ignore", ignore, &s1, &s2], None);
        String::from_utf8(out.stdout).unwrap()
    };
    // The README's example silences the known blocker in Root.Remove, not the S2 deadlock.
    let text = check(r"local\.\(\*Root\)\.Remove");
    assert!(text.contains("deadlock:") && !text.contains("blocked: goroutine 197"), "{text}");
    // A lock site the deadlock's waiters share does not silence it either...
    assert!(check(r"events\.\(\*Events\)\.SubscribeTopic").contains("deadlock:"));
    // ...the function one of its goroutines is stuck in does.
    assert!(!check(r"events\.\(\*Events\)\.PublishMessage").contains("deadlock:"));
}

#[test]
fn check_hedges_a_missing_holder_as_the_report_does() {
    let out = run(&["check", "--no-config", &path("corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt")], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("leaked-lock") && text.contains("this excerpt of 2 goroutine(s) shows no holder"), "{text}");
    assert!(!text.contains("no live goroutine holds it"), "{text}");
}

/// The seed incident on every Go version in the corpus, in both transports: the first
/// finding's heading names the holder's function (Root.Remove), what it is doing
/// (RemoveAll) and what waits (ContainerCreate, Cleanup); every line fits 100 columns.
#[test]
fn the_seed_case_reads_right_on_every_go_version() {
    let files = common::files_under(&testdata("corpus/gen/S1-seed-volume-remove"), &|n| !n.ends_with(".json"));
    assert!(files.len() >= 6, "{files:?}");
    for f in files {
        let text = stdout(&["--color", "never", f.to_str().unwrap()]);
        // The finding's heading: its first three lines.
        let first: String =
            text.lines().skip_while(|l| !l.starts_with("1. ")).take(3).map(str::trim).collect::<Vec<_>>().join(" ");
        for word in ["BLOCKING", "Root).Remove", "RemoveAll", "30 ContainerCreate", "10 Cleanup", "holds mutex"] {
            assert!(first.contains(word), "{}: {word} missing from:\n{first}", f.display());
        }
        let long: Vec<&str> = text.lines().filter(|l| l.chars().count() > 100).collect();
        assert!(long.is_empty(), "{}: lines over 100 columns:\n{}", f.display(), long.join("\n"));
    }
}

/// The README's example output is exactly what the command above it prints.
#[test]
fn the_readme_example_is_what_holdup_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let cmd = "cargo run --release -- ";
    let at = readme.find(cmd).expect("the README's first command");
    let file = readme[at + cmd.len()..].lines().next().unwrap().trim();
    // The example's block: the first block after the command's that starts with a finding.
    let start = readme[at..].find("\n```\n1. ").map(|i| at + i + 5).expect("the example's block");
    let end = start + readme[start..].find("\n```").unwrap();
    let shown = &readme[start..end];
    let printed = stdout(&["--color", "never", file]);
    // The example shows the first finding.
    let finding: Vec<&str> =
        printed.lines().skip_while(|l| !l.starts_with("1. ")).take_while(|l| !l.is_empty()).collect();
    assert_eq!(shown, finding.join("\n"), "README example differs from what `holdup {file}` prints");
}

/// "OK" is a claim about the process: a whole dump with nothing stuck earns it, an excerpt
/// or a damaged dump does not, in every format that shows a verdict.
#[test]
fn only_a_whole_calm_dump_is_called_ok() {
    let healthy = path("corpus/gen/S7-healthy-20k/go1.19.8/goroutine-stacks-2026-11-27T050242Z.log.gz");
    let text = stdout(&["analyze", "--color", "never", &healthy]);
    assert!(text.contains("  OK nothing waits for a lock, and no goroutine is known to be stuck."), "{text}");
    for (rel, why) in [
        ("corpus/real/crio-1.20.7-journald-crash-fp-sp-pc.txt", "holds only 1 goroutine"),
        ("corpus/real/containerd-1.7-shim-sigusr1-head-in-goroutine.txt", "cut short or damaged"),
    ] {
        let p = path(rel);
        for format in ["text", "markdown", "html"] {
            let out = stdout(&["analyze", "--color", "never", "--format", format, &p]);
            assert!(!out.contains("OK"), "{rel} ({format}) must not be called OK:\n{out}");
            assert!(out.contains(why) && out.contains("an excerpt cannot show"), "{rel} ({format}):\n{out}");
        }
    }
}
