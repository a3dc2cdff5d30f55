//! Reading a large file on several cores must give exactly what reading it in one piece
//! gives: same dumps, goroutines, frames, warnings and line numbers — or decline (`None`)
//! and leave the file to the sequential reader.

mod common;

use std::io::Write;
use std::path::PathBuf;

use holdup::report::model_json::dump_json;

fn as_json(dumps: &[holdup::Dump]) -> Vec<String> {
    dumps.iter().enumerate().map(|(i, d)| serde_json::to_string(&dump_json(d, i, &|_| true)).unwrap()).collect()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("holdup-split-{}-{name}", std::process::id()));
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

/// Sequential and parallel reads of `bytes` agree; returns whether the parallel read took.
fn check(name: &str, bytes: &[u8]) -> bool {
    let p = temp_file(name, bytes);
    let path = p.to_str().unwrap();
    let seq = as_json(&holdup::read_dumps_from(bytes, path).unwrap());
    let mut took = false;
    for threads in 2..=4 {
        if let Some(par) =
            holdup::split::read_parallel(path, bytes.len() as u64, threads, holdup::MAX_LINE_PIECE).unwrap()
        {
            took = true;
            let par = as_json(&par);
            assert_eq!(par.len(), seq.len(), "{name} with {threads} threads: number of dumps");
            for (k, (a, b)) in seq.iter().zip(&par).enumerate() {
                assert!(a == b, "{name} with {threads} threads: dump {k} differs");
            }
        }
    }
    assert_eq!(as_json(&holdup::read_path(path).unwrap()), seq, "{name}: read_path");
    std::fs::remove_file(&p).ok();
    took
}

fn s7(kind: &str) -> Vec<u8> {
    let name = match kind {
        "file" => "goroutine-stacks-2026-11-27T052140Z.log.gz",
        _ => "sigquit-stderr.log.gz",
    };
    common::read_plain(&common::testdata(&format!("corpus/gen/S7-healthy-20k/go1.27.3/{name}")))
}

#[test]
fn a_dockerd_file_with_markers_splits_and_stitches() {
    assert!(check("s7-file", &s7("file")), "a 20k-goroutine dump must be split");
}

#[test]
fn sigquit_output_splits_and_stitches() {
    assert!(check("s7-sigquit", &s7("sigquit")));
}

#[test]
fn two_dumps_with_the_same_ids_stay_two() {
    // A second dump reuses every id: stitching must never merge it into the first.
    let mut both = s7("sigquit");
    both.extend(s7("sigquit"));
    check("s7-twice", &both);
}

#[test]
fn a_bare_dump_starting_at_the_cut_stays_apart() {
    // Two bare dumps with the same ids, the first one goroutine longer, so that the middle
    // of the file falls in that goroutine and the two-way cut lands on the second dump's
    // first header: only the repeated ids tell the stitcher that a new dump starts there.
    let text = String::from_utf8(s7("file")).unwrap();
    let bare: String = text.lines().filter(|l| !l.starts_with("===")).map(|l| format!("{l}\n")).collect();
    let bare = format!("{}\n\n", bare.trim_end());
    let frame = "main.spin(0x1)\n\t/app/main.go:10 +0x1d\n";
    let extra = format!("goroutine 999999 [select]:\n{}\n", frame.repeat(40_000));
    let both = format!("{bare}{extra}{bare}");
    let dumps = holdup::read_dumps_from(both.as_bytes(), "t").unwrap();
    assert_eq!(dumps.len(), 2, "a sequential read sees two dumps");
    // The stitcher must see the repeat and decline, leaving the file to one reader.
    check("s7-bare-at-cut", both.as_bytes());
}

#[test]
fn bare_dumps_without_markers_split_too() {
    let text = String::from_utf8(s7("file")).unwrap();
    let bare: String = text.lines().filter(|l| !l.starts_with("===")).map(|l| format!("{l}\n")).collect();
    assert!(check("s7-bare", bare.as_bytes()));
}

#[test]
fn prefixed_dumps_are_left_to_the_sequential_reader() {
    // journald prefixes on every line: no clean cut exists, and nothing may go wrong.
    let text = String::from_utf8(s7("file")).unwrap();
    let prefixed: String =
        text.lines().take(60_000).map(|l| format!("Aug 09 13:49:31 host dockerd[1802]: {l}\n")).collect();
    check("s7-journald", prefixed.as_bytes());
}

#[test]
fn a_dump_cut_short_reports_the_same_truncation() {
    let mut bytes = s7("sigquit");
    let cut = bytes.len() * 3 / 4;
    // Cut inside a frame: between a function line and its file line.
    let at = bytes[..cut].iter().rposition(|&c| c == b'\n').unwrap() + 1;
    let line_end = at + bytes[at..].iter().position(|&c| c == b'\n').unwrap() + 1;
    bytes.truncate(if bytes[at] == b'\t' { line_end + 1 } else { line_end });
    check("s7-cut", &bytes);
}

/// A gzip file large enough to split gives the dumps of its text. Stored without
/// compression, its bytes show the goroutine headers in plain sight; the reader must
/// decompress it whole (its tables sized as for a pipe) rather than cut it at them.
#[test]
fn a_large_gzip_file_is_read_as_a_stream_not_split() {
    let text = [s7("sigquit"), s7("sigquit")].concat();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    enc.write_all(&text).unwrap();
    let gz = enc.finish().unwrap();
    assert!(gz.len() as u64 >= holdup::split::MIN_PARALLEL_BYTES, "large enough to split: {}", gz.len());
    let p = temp_file("stored.gz", &gz);
    let path = p.to_str().unwrap();
    let got = as_json(&holdup::read_path(path).unwrap());
    std::fs::remove_file(&p).ok();
    assert_eq!(got, as_json(&holdup::read_dumps_from(&text[..], path).unwrap()));
}
