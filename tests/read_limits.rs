//! `holdup::read` and its limits: the first `max_input_size` bytes are read and the last dump
//! says the rest was not; an over-long line is skipped with a warning; the command line's
//! flags say the same.

mod common;

use holdup::{ErrorKind, Input, ReadOptions, read};

const DUMP: &str = "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n\ngoroutine 2 [chan receive]:\nmain.f()\n\t/app/f.go:9 +0x1d\n";

fn opts(max_input_size: u64, max_line_length: usize) -> ReadOptions {
    ReadOptions { max_input_size, max_line_length }
}

#[test]
fn input_past_the_size_limit_is_left_unread_with_a_warning() {
    let all = read(Input::Bytes { bytes: DUMP.as_bytes(), name: "d" }, &ReadOptions::default()).unwrap();
    assert_eq!(all[0].goroutines.len(), 2);
    assert!(all[0].warnings.is_empty());
    let cut = read(Input::Bytes { bytes: DUMP.as_bytes(), name: "d" }, &opts(60, 4096)).unwrap();
    assert_eq!(cut[0].goroutines.len(), 1, "the second goroutine lies past byte 60");
    assert!(cut[0].warnings[0].message.contains("larger than 60 bytes"), "{:?}", cut[0].warnings);
    let reader = Input::Reader { reader: Box::new(DUMP.as_bytes()), name: "r" };
    assert_eq!(read(reader, &opts(60, 4096)).unwrap()[0].goroutines.len(), 1, "a reader stops at the limit too");
}

#[test]
fn no_dump_before_the_limit_is_an_error_that_says_so() {
    let text = format!("{}\n{DUMP}", "log line\n".repeat(20));
    let e = read(Input::Bytes { bytes: text.as_bytes(), name: "log" }, &opts(100, 4096)).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::TooLarge { limit: 100 }), "{e}");
    assert!(e.to_string().contains("--max-input-size"), "{e}");
    let e = read(Input::Bytes { bytes: b"nothing here\n", name: "empty" }, &ReadOptions::default()).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::NoDump));
}

#[test]
fn over_long_lines_are_skipped_with_a_warning() {
    let long = format!("goroutine 1 [running]:\nmain.main({})\n\t/app/main.go:5 +0x1d\n", "0x1, ".repeat(400));
    let d = &read(Input::Bytes { bytes: long.as_bytes(), name: "l" }, &opts(1 << 30, 1024)).unwrap()[0];
    assert!(d.warnings.iter().any(|w| w.message.contains("longer than 1024 bytes")), "{:?}", d.warnings);
    let d = &read(Input::Bytes { bytes: long.as_bytes(), name: "l" }, &opts(1 << 30, 4096)).unwrap()[0];
    assert_eq!(d.frames(&d.goroutines[0]).count(), 1, "read whole under a higher limit");
}

#[test]
fn the_command_line_flags_set_the_limits() {
    let out = common::run(&["summary", "--max-input-size", "60", "-"], Some(DUMP.as_bytes()));
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("goroutines: 1"), "{stdout}");
    assert!(stdout.contains("--max-input-size"), "{stdout}");
    let out = common::run(&["summary", "--max-input-size", "lots", "-"], Some(DUMP.as_bytes()));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a size"));
}
