//! Any bytes through the whole program, every command and output format, as the binary runs
//! them (through `cli::run_args`, so the target follows the modules as they change): never
//! a panic, a hang or unbounded memory, and every machine-readable output stays
//! well-formed (JSON parses, JUnit is XML, a GitHub annotation is one line) whatever the
//! dump's function names hold.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// The input is written to one file per fuzzing process (the commands read files).
fn scratch() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { std::env::temp_dir() };
        dir.join(format!("holdup-fuzz-{}.txt", std::process::id())).to_string_lossy().into_owned()
    })
}

fn run(args: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    holdup::cli::run_args(args, &mut out).expect("the arguments are valid and output goes to memory");
    out
}

fn json(what: &str, out: &[u8]) {
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(out) {
        panic!("{what}: not JSON: {e}");
    }
}

fuzz_target!(|data: &[u8]| {
    let f = scratch();
    std::fs::write(f, data).expect("scratch file");
    for cmd in ["analyze", "summary", "parse", "groups", "graph"] {
        run(&[cmd, f]);
        json(cmd, &run(&[cmd, "--format", "json", f]));
    }
    run(&["groups", "--similarity", "exact", f]);
    run(&["groups", "--similarity", "lines", f]);
    run(&["analyze", "--format", "dot", f]);
    run(&["diff", f, f]);
    run(&["check", "--no-config", f]);
    json("check", &run(&["check", "--no-config", "--format", "json", f]));
    let xml = run(&["check", "--no-config", "--format", "junit", f]);
    let xml = String::from_utf8(xml).expect("JUnit is UTF-8");
    if let Err(e) = roxmltree::Document::parse(&xml) {
        panic!("JUnit is not XML: {e}");
    }
    for line in run(&["check", "--no-config", "--format", "github", f]).split(|&b| b == b'\n') {
        assert!(line.is_empty() || line.starts_with(b"::"), "a GitHub command spans one line");
    }
});
