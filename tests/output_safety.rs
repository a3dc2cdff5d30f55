//! Whatever a dump's function names, files, wait reasons and panic message hold, every output
//! stays safe and well-formed: no terminal control sequence from the dump reaches stdout or
//! stderr, JSON parses, JUnit is XML, GitHub annotations stay one line each, DOT strings stay
//! closed.

mod common;

use std::path::PathBuf;

use common::run;

/// A deadlock-free dump with one holder and two waiters, every name laced with text that
/// breaks a format: quotes, XML and shell metacharacters, GitHub's `::` `%` `,`, ESC
/// sequences that clear a screen or set a window title, BEL, DEL, a C1 CSI.
fn hostile_dump() -> Vec<u8> {
    let evil = "evil/\"q'<a&b>]]>%0A::,\u{1b}[2J\u{1b}]0;title\u{7}\u{7f}\u{9b}31m";
    let mut s = String::new();
    s.push_str(&format!("panic: boom \u{1b}[31mred\u{1b}[0m {evil}\n\n"));
    for id in [7, 8] {
        s.push_str(&format!(
            "goroutine {id} [sync.Mutex.Lock\u{1b}[5m, 12 minutes]:\n\
             sync.runtime_SemacquireMutex(0xc00001000c?, 0x0?, 0x1?)\n\
             \t/usr/lib/go/src/runtime/sema.go:77 +0x25\n\
             sync.(*Mutex).lockSlow(0xc000010008)\n\
             \t/usr/lib/go/src/sync/mutex.go:171 +0x165\n\
             sync.(*Mutex).Lock(...)\n\
             \t/usr/lib/go/src/sync/mutex.go:90\n\
             {evil}.(*Store).Get(0xc000010000)\n\
             \t/src/{evil}/store.go:10 +0x2d\n\
             created by {evil}.serve in goroutine 1\n\
             \t/src/{evil}/serve.go:3 +0x1d\n\n"
        ));
    }
    s.push_str(&format!(
        "goroutine 9 [syscall]:\n\
         syscall.Syscall(0x57, 0xc000200000, 0x0, 0x0)\n\
         \t/usr/lib/go/src/syscall/syscall_linux.go:68 +0x27\n\
         {evil}.(*Store).Remove(0xc000010000, 0xc000200000)\n\
         \t/src/{evil}/store.go:40 +0x6d\n\
         created by {evil}.serve in goroutine 1\n\
         \t/src/{evil}/serve.go:3 +0x1d\n\n"
    ));
    s.into_bytes()
}

/// The hostile dump on disk, written once: the tests run in parallel threads, and a file
/// rewritten by one while another's holdup reads it made them fail now and then.
fn dump_file() -> PathBuf {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("output_safety-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let p = dir.join("hostile.log");
        std::fs::write(&p, hostile_dump()).expect("write");
        p
    })
    .clone()
}

/// Bytes a terminal acts on: C0 controls but tab and newline, DEL, and the C1 range as UTF-8.
fn assert_no_controls(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n' && c != '\t') {
        panic!("{what}: control character {c:?} reaches the output:\n{text}");
    }
}

fn holdup(args: &[&str]) -> (i32, String) {
    let out = run(args, None);
    let code = out.status.code().unwrap_or_else(|| panic!("{args:?} killed"));
    assert_no_controls(&format!("{args:?} stdout"), &out.stdout);
    assert_no_controls(&format!("{args:?} stderr"), &out.stderr);
    (code, String::from_utf8(out.stdout).expect("UTF-8 output"))
}

fn json(what: &str, text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{text}"))
}

#[test]
fn no_control_sequence_from_a_dump_reaches_the_terminal() {
    let f = dump_file();
    let f = f.to_str().unwrap();
    for args in [
        vec!["analyze", f],
        vec!["analyze", "--color", "never", f],
        vec!["summary", f],
        vec!["parse", f],
        vec!["goroutines", f],
        vec!["groups", f],
        vec!["groups", "--similarity", "exact", f],
        vec!["graph", f],
        vec!["check", "--no-config", f],
        vec!["check", "--no-config", "--format", "github", f],
        vec!["diff", f, f],
    ] {
        holdup(&args);
    }
}

#[test]
fn the_hostile_dump_is_read_and_its_holder_found() {
    // The test below is only worth something if the names reach the findings.
    let f = dump_file();
    let (_, out) = holdup(&["analyze", "--format", "json", f.to_str().unwrap()]);
    let doc = json("analyze", &out);
    let blockers = doc["dumps"][0]["blockers"].as_array().expect("blockers");
    assert_eq!(blockers.len(), 1, "{out}");
    assert_eq!(blockers[0]["goroutine"], 9);
    let top = blockers[0]["top_frames"].to_string();
    assert!(top.contains("\\\\x1b[2J"), "the ESC is shown as text: {top}");
}

#[test]
fn machine_outputs_stay_well_formed_whatever_names_hold() {
    let f = dump_file();
    let f = f.to_str().unwrap();
    for args in [
        vec!["analyze", "--format", "json", f],
        vec!["graph", "--format", "json", f],
        vec!["summary", "--format", "json", f],
        vec!["parse", "--format", "json", f],
        vec!["groups", "--format", "json", f],
        vec!["diff", "--format", "json", f, f],
    ] {
        let (_, out) = holdup(&args);
        json(&format!("{args:?}"), &out);
    }

    let (code, out) = holdup(&["check", "--no-config", "--format", "json", f]);
    assert_eq!(code, 1, "the holder blocks two goroutines: a finding");
    json("check json", &out);

    let (_, xml) = holdup(&["check", "--no-config", "--format", "junit", f]);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("JUnit is not XML ({e}):\n{xml}"));
    let failure = doc.descendants().find(|n| n.has_tag_name("failure")).expect("a failure element");
    assert!(failure.attribute("message").unwrap().contains("<a&b>"), "text survives escaping");

    let (_, gh) = holdup(&["check", "--no-config", "--format", "github", f]);
    assert!(!gh.is_empty());
    for line in gh.lines() {
        assert!(line.starts_with("::error ") || line.starts_with("::warning "), "one command per line: {line}");
        let (props, _) = line[2..].split_once("::").expect("properties, then the message");
        assert!(!props.contains("%0A::"), "GitHub's separators are escaped in properties: {line}");
    }

    let (_, dot) = holdup(&["graph", f]);
    assert!(dot.trim_end().ends_with('}'));
    for line in dot.lines() {
        // Outside a string, a quote opens one; inside, a backslash escapes the next character.
        let (mut inside, mut escaped) = (false, false);
        for c in line.chars() {
            match (inside, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (_, false, '"') => inside = !inside,
                _ => {}
            }
        }
        assert!(!inside, "a DOT string left open: {line}");
    }
}

#[test]
fn file_names_with_control_characters_are_shown_not_obeyed() {
    // `check DIR` prints the names it finds; whoever made the files chose them.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("output_safety-names-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let named = dir.join("dump-\x1b[2J\x07.log");
    std::fs::write(&named, hostile_dump()).expect("write");
    std::fs::write(dir.join("empty-\x1b]0;title\x07.log"), b"no dump in here\n").expect("write");
    let d = dir.to_str().unwrap();
    let (code, out) = holdup(&["check", "--no-config", d]);
    assert_eq!(code, 1, "the hostile dump has a blocker finding:\n{out}");
    assert!(out.contains("dump-\\x1b[2J\\x07.log"), "the name is shown with its ESC as text:\n{out}");
    holdup(&["check", "--no-config", "--format", "github", d]);
    holdup(&["analyze", named.to_str().unwrap()]);
    holdup(&["analyze", dir.join("missing-\x1b[31m.log").to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
}
