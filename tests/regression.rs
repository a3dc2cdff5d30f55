//! One test per bug found in holdup (by fuzzing, a probe or a user), named after what broke.
//! Each runs the built binary on the smallest input that showed the bug, so the whole path
//! (reading, extraction, parsing, analysis, output) is covered, and asserts what must hold
//! instead: an ordinary exit code, well-formed output, and a bounded time.

mod common;

use std::time::{Duration, Instant};

use common::run;

/// Runs `holdup ARGS -` on `input`, failing on a crash (no exit code: a signal) or on
/// taking longer than `limit`; returns the exit code and stdout.
fn holdup(args: &[&str], input: &[u8], limit: Duration) -> (i32, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.push("-");
    let start = Instant::now();
    let out = run(&all, Some(input));
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or_else(|| panic!("holdup {args:?} was killed: {:?}\n{stderr}", out.status));
    assert!(code == 0 || code == 2, "holdup {args:?} exited {code}\n{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("overflow"), "holdup {args:?}: {stderr}");
    assert!(took < limit, "holdup {args:?} took {took:?}");
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", &text[..text.len().min(300)]))
}

const SECONDS: Duration = Duration::from_secs(10);

/// Found by fuzzing (extract_parse): a line with non-UTF-8 bytes before a goroutine header.
/// The prefix was learned from the line's lossy UTF-8 text, did not match the line's own
/// bytes, and the header went back and forth between the extractor and the parser until
/// the stack overflowed (exit 134, also in the baseline binary).
#[test]
fn header_behind_a_non_utf8_prefix_does_not_recurse() {
    let mut input = b"goroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n\n".to_vec();
    input.extend_from_slice(b"github\xff\xff\xff.com/x goroutine 2 [chan receive]:\n");
    input.extend_from_slice(b"github\xff\xff\xff.com/x main.f()\ngithub\xff\xff\xff.com/x \t/app/f.go:9 +0x1d\n");
    for cmd in ["analyze", "summary", "groups"] {
        let (code, _) = holdup(&[cmd], &input, SECONDS);
        assert_eq!(code, 0, "{cmd}");
    }
    let (_, out) = holdup(&["parse", "--format", "json"], &input, SECONDS);
    let doc = json(&out);
    let ids: Vec<u64> = doc["dumps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["goroutines"].as_array().unwrap().iter().filter_map(|g| g["id"].as_u64()))
        .collect();
    assert_eq!(ids, [1, 2], "both goroutines are read, the second behind its byte prefix");
}

/// Found by a black-box probe: a frame whose arguments open 150,000 braces. The argument
/// tree was built and written to JSON recursively: `parse --format json` overflowed its
/// stack (exit 134).
#[test]
fn deeply_nested_arguments_do_not_overflow_the_stack() {
    let mut input = b"goroutine 1 [running]:\nmain.main(".to_vec();
    input.extend(std::iter::repeat_n(b'{', 150_000));
    input.extend_from_slice(b"0x1)\n\t/app/main.go:5 +0x1d\n");
    let (code, out) = holdup(&["parse", "--format", "json"], &input, SECONDS);
    assert_eq!(code, 0);
    let doc = json(&out);
    assert_eq!(doc["dumps"][0]["goroutines"][0]["frames"][0]["func"], "main.main");
    for cmd in ["analyze", "groups", "summary", "graph"] {
        holdup(&[cmd, "--format", "json"], &input, SECONDS);
    }
}

/// Reported by a black-box probe that mutated corpus dumps: a frame line holding ~150,000
/// `(` aborted `analyze` and `groups` with a stack overflow. Not reproduced on the build
/// this test was written against (the recursion found was the brace one above); kept so that
/// no recursion over a function name comes back.
#[test]
fn a_frame_line_of_parentheses_does_not_overflow_the_stack() {
    let mut input = b"goroutine 1 [running]:\nmain.main(".to_vec();
    input.extend(std::iter::repeat_n(b'(', 150_000));
    input.extend_from_slice(b")\n\t/app/main.go:5 +0x1d\n\ngoroutine 2 [chan receive]:\nmain.f(");
    input.extend(std::iter::repeat_n(b'(', 150_000));
    input.extend_from_slice(b"0x1)\n\t/app/f.go:9 +0x1d\n");
    for cmd in ["analyze", "groups", "summary", "parse"] {
        holdup(&[cmd], &input, SECONDS);
        holdup(&[cmd, "--format", "json"], &input, SECONDS);
    }
}

/// Reported by the same probe: a 240 KB dump whose one 242 KB line is mostly `(` kept
/// `analyze` busy for over a minute while `summary` read it at once. Not reproduced here
/// either; the bound keeps any quadratic step on such a line from coming back.
#[test]
fn a_long_line_of_parentheses_is_read_in_linear_time() {
    let mut input =
        b"goroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n\ngoroutine 2 [semacquire]:\n".to_vec();
    let line: Vec<u8> = (0..242_000).map(|i| if i % 97 == 0 { b'.' } else { b'(' }).collect();
    input.extend_from_slice(&line);
    input.extend_from_slice(b"\n\t/app/f.go:9 +0x1d\n");
    for cmd in ["analyze", "groups", "summary"] {
        holdup(&[cmd], &input, SECONDS);
    }
}
