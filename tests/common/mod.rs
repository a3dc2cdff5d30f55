//! Helpers shared by the integration tests: paths into `testdata/`, reading (gzip) files,
//! counting goroutine headers independently of the parser, parsing inline dumps, running the
//! built binary, and golden files that re-bless with `HOLDUP_BLESS=1`.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use holdup::Dump;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

/// The bytes of a file, gunzipped when it starts with the gzip magic.
pub fn read_plain(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("gunzip {}: {e}", path.display()));
        out
    } else {
        raw
    }
}

/// Counts lines matching `^goroutine \d+ ` (a goroutine header at a line start), without the
/// parser.
pub fn count_headers(bytes: &[u8]) -> usize {
    bytes
        .split(|&c| c == b'\n')
        .filter(|l| {
            let Some(rest) = l.strip_prefix(b"goroutine ") else { return false };
            let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            digits > 0 && rest.get(digits) == Some(&b' ')
        })
        .count()
}

/// Every file under `dir` (recursively), sorted, whose name passes `keep`.
pub fn files_under(dir: &Path, keep: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().and_then(|n| n.to_str()).is_some_and(keep) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Parses inline text; panics on an I/O error (there is none for bytes in memory).
pub fn dumps(text: &str) -> Vec<Dump> {
    holdup::read_dumps(text.as_bytes(), "inline.txt").expect("reading from memory cannot fail")
}

/// Parses inline text that must hold exactly one dump.
pub fn one(text: &str) -> Dump {
    let mut ds = dumps(text);
    assert_eq!(ds.len(), 1, "expected one dump in:\n{text}\ngot {}: {:#?}", ds.len(), summaries(&ds));
    ds.remove(0)
}

/// Short descriptions of dumps for assertion messages.
pub fn summaries(ds: &[Dump]) -> Vec<String> {
    ds.iter()
        .map(|d| {
            format!(
                "{} lines {}-{} goroutines {} warnings {:?}",
                d.kind,
                d.span.first_line,
                d.span.last_line,
                d.goroutines.len(),
                d.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>()
            )
        })
        .collect()
}

/// The function names of a goroutine's frames, innermost first.
pub fn funcs(d: &Dump, g: &holdup::model::Goroutine) -> Vec<String> {
    d.frames(g).map(|f| f.func.full.clone()).collect()
}

/// The warnings of a dump as `line: message` strings.
pub fn warnings(d: &Dump) -> Vec<String> {
    d.warnings.iter().map(|w| w.to_string()).collect()
}

/// The built `holdup` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_holdup"))
}

/// Runs the binary with `args` (and `stdin` bytes, if any) from the repository root.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(root()).env("NO_COLOR", "1");
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run holdup");
    if let Some(bytes) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin");
        // The binary may stop reading early; a broken pipe here is not the test's business.
        let _ = pipe.write_all(bytes);
    }
    child.wait_with_output().expect("wait for holdup")
}

/// Compares `actual` with the golden file `testdata/golden/<name>`; with `HOLDUP_BLESS=1`
/// set, writes `actual` there instead.
pub fn golden(name: &str, actual: &str) {
    let path = testdata("golden").join(name);
    if std::env::var_os("HOLDUP_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("golden dir")).expect("create testdata/golden");
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("reading golden file {}: {e}\n(run with HOLDUP_BLESS=1 to create it)", path.display())
    });
    if expected != actual {
        let first_diff = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        let at = first_diff.unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output at line {}:\n  golden: {}\n  actual: {}\n\
             (if the change is intended, re-bless with HOLDUP_BLESS=1 cargo test)",
            path.display(),
            at + 1,
            expected.lines().nth(at).unwrap_or("<end>"),
            actual.lines().nth(at).unwrap_or("<end>"),
        );
    }
}

/// Formats compact JSON (as `holdup … --format json` prints it) for a golden file, keeping
/// the field order: indented, but every object that starts with a `func` field (a frame or a
/// `created by`) and every array of plain values on one line, so a goroutine reads like its
/// stack.
pub fn golden_json(compact: &str) -> String {
    let b = compact.trim_end().as_bytes();
    /// End (exclusive) of the JSON value starting at `i`.
    fn value_end(b: &[u8], mut i: usize) -> usize {
        let mut depth = 0usize;
        let mut in_str = false;
        while i < b.len() {
            let c = b[i];
            if in_str {
                match c {
                    b'\\' => i += 1,
                    b'"' => in_str = false,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    b',' | b':' if depth == 0 => return i,
                    _ => {}
                }
            }
            i += 1;
            if depth == 0 && !in_str && (i == b.len() || matches!(b[i], b',' | b'}' | b']' | b':')) {
                return i;
            }
        }
        i
    }
    fn write(b: &[u8], start: usize, end: usize, indent: usize, out: &mut String) {
        let pad = |n: usize| "  ".repeat(n);
        let v = &b[start..end];
        let one_line = match v.first() {
            Some(b'{') => v.len() == 2 || v[1..].starts_with(b"\"func\":"),
            Some(b'[') => v.len() == 2 || !matches!(v[1], b'{' | b'['),
            _ => true,
        };
        if one_line {
            out.push_str(std::str::from_utf8(v).expect("utf-8 JSON"));
            return;
        }
        let (open, close) = (v[0] as char, v[v.len() - 1] as char);
        out.push(open);
        out.push('\n');
        let mut i = start + 1;
        while i < end - 1 {
            out.push_str(&pad(indent + 1));
            if open == '{' {
                let k = value_end(b, i);
                out.push_str(std::str::from_utf8(&b[i..k]).expect("key"));
                out.push_str(": ");
                i = k + 1;
            }
            let e = value_end(b, i);
            write(b, i, e, indent + 1, out);
            i = e;
            if b[i] == b',' {
                out.push(',');
                i += 1;
            }
            out.push('\n');
        }
        out.push_str(&pad(indent));
        out.push(close);
    }
    let mut out = String::new();
    write(b, 0, b.len(), 0, &mut out);
    out.push('\n');
    let again: serde_json::Value = serde_json::from_str(&out).expect("golden_json writes JSON");
    assert_eq!(
        again,
        serde_json::from_str::<serde_json::Value>(compact).expect("input is JSON"),
        "golden_json changed the value"
    );
    out
}

/// Every truth file (`*.truth.json`) under testdata/: the shared corpus's generated dumps in
/// `corpus/gen/`, then the scenarios of `programs/` in `dumps/`, each list sorted.
pub fn truth_files() -> Vec<PathBuf> {
    let truth = |n: &str| n.ends_with(".truth.json");
    let mut files = files_under(&testdata("corpus/gen"), &truth);
    files.extend(files_under(&testdata("dumps"), &truth));
    files
}

/// The goroutine ids of a JSON array in a truth file.
pub fn ids(v: &serde_json::Value) -> std::collections::BTreeSet<u64> {
    v.as_array().map(|a| a.iter().filter_map(serde_json::Value::as_u64).collect()).unwrap_or_default()
}

/// A truth file's locks of the kinds holdup names holders for (mutex and RWMutex).
pub fn truth_locks(truth: &serde_json::Value) -> Vec<&serde_json::Value> {
    truth["locks"]
        .as_array()
        .map(|a| a.iter().filter(|l| matches!(l["kind"].as_str(), Some("mutex" | "rwmutex"))).collect())
        .unwrap_or_default()
}

/// The dump a truth file describes (`X.truth.json` describes `X`), named relative to
/// testdata/. `None` for a pprof `debug=1` dump, which prints no goroutine ids to compare.
pub fn truth_dump(tf: &Path) -> Option<(String, Dump)> {
    let path = tf.to_string_lossy().trim_end_matches(".truth.json").to_string();
    let name = path.trim_start_matches(&*testdata("").to_string_lossy()).to_string();
    let d = holdup::read_path(&path).unwrap_or_else(|e| panic!("{name}: {e}")).remove(0);
    (d.kind != holdup::model::DumpKind::PprofDebug1).then_some((name, d))
}
