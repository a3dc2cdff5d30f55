//! A byte slice read in place (`read_dumps`) must give exactly what the same bytes give
//! through a reader (`read_dumps_from`): same dumps, goroutines, frames, warnings, line
//! numbers and byte spans, on every bundled dump and on damaged input.

mod common;

use holdup::report::model_json::dump_json;

fn as_json(dumps: &[holdup::Dump]) -> Vec<String> {
    dumps.iter().enumerate().map(|(i, d)| serde_json::to_string(&dump_json(d, i, &|_| true)).unwrap()).collect()
}

fn check(name: &str, bytes: &[u8]) {
    let through_reader = as_json(&holdup::read_dumps_from(bytes, name).unwrap());
    let in_place = as_json(&holdup::read_dumps(bytes, name).unwrap());
    assert_eq!(in_place.len(), through_reader.len(), "{name}: number of dumps");
    for (k, (a, b)) in in_place.iter().zip(&through_reader).enumerate() {
        assert!(a == b, "{name}: dump {k} differs between the slice and the reader");
    }
}

#[test]
fn every_bundled_dump_reads_the_same_in_place() {
    let files = common::files_under(&common::testdata(""), &|n| {
        !n.ends_with(".json") && !n.ends_with(".md") && !n.ends_with(".go") && !n.ends_with(".mod")
    });
    assert!(files.len() > 50, "testdata holds the corpus");
    for f in files {
        check(&f.display().to_string(), &common::read_plain(&f));
    }
}

#[test]
fn damaged_input_reads_the_same_in_place() {
    let dump = common::read_plain(&common::testdata("corpus/gen/S7-healthy-20k/go1.27.3/sigquit-stderr.log.gz"));
    let cut = &dump[..dump.len() * 2 / 3];
    let crlf: Vec<u8> =
        dump[..200_000].iter().flat_map(|&c| if c == b'\n' { vec![b'\r', b'\n'] } else { vec![c] }).collect();
    // A line longer than the 4 MiB piece limit inside a dump, then the dump goes on.
    let mut long = dump[..100_000].to_vec();
    long.extend(std::iter::repeat_n(b'x', 9 << 20));
    long.extend_from_slice(&dump[100_000..300_000]);
    let binary: Vec<u8> = (0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("no newline", &b"goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1"[..]),
        ("truncated", cut),
        ("crlf", &crlf[..]),
        ("over-long line", &long[..]),
        ("binary", &binary[..]),
    ] {
        check(name, bytes);
    }
}
