//! Finding dumps inside what users hand us: one test per wrapping, each asserting the dumps
//! found, their kinds, spans, reasons, goroutines and warnings.

mod common;

use common::{funcs, summaries, warnings};
use holdup::Dump;
use holdup::model::DumpKind;

/// What one dump found in an input should look like.
struct Want {
    kind: DumpKind,
    /// First and last input line.
    lines: (u64, u64),
    wrapping: &'static [&'static str],
    reason: Option<&'static str>,
    /// Goroutine ids in order (`None` for pprof records).
    ids: &'static [Option<u64>],
    /// Warnings as `line N: message` (a prefix of the message is enough).
    warnings: &'static [&'static str],
}

impl Default for Want {
    fn default() -> Self {
        Want { kind: DumpKind::Raw, lines: (0, 0), wrapping: &[], reason: None, ids: &[], warnings: &[] }
    }
}

fn check_dumps(ds: &[Dump], want: &[Want], what: &str) {
    assert_eq!(ds.len(), want.len(), "{what}: dumps found: {:#?}", summaries(ds));
    for (i, (d, w)) in ds.iter().zip(want).enumerate() {
        let at = format!("{what}, dump {i}");
        assert_eq!(d.kind, w.kind, "{at}: kind");
        assert_eq!((d.span.first_line, d.span.last_line), w.lines, "{at}: span");
        assert_eq!(d.wrapping, w.wrapping, "{at}: wrapping");
        assert_eq!(d.reason.as_deref(), w.reason, "{at}: reason");
        assert_eq!(d.goroutines.iter().map(|g| g.id).collect::<Vec<_>>(), w.ids, "{at}: goroutines");
        let got = warnings(d);
        assert_eq!(got.len(), w.warnings.len(), "{at}: warnings {got:?}");
        for (g, p) in got.iter().zip(w.warnings) {
            assert!(g.starts_with(p), "{at}: warning {g:?} should start with {p:?}");
        }
    }
}

fn check(text: &str, want: &[Want]) -> Vec<Dump> {
    let ds = common::dumps(text);
    check_dumps(&ds, want, &format!("{text:?}"));
    ds
}

/// A small dump: goroutine 1 running, goroutine 2 waiting 5 minutes, created by goroutine 1.
const RAW: &str = "goroutine 1 [running]:
main.main()
\t/app/main.go:5 +0x1d

goroutine 2 [select, 5 minutes]:
main.worker(0xc000012345)
\t/app/main.go:12 +0x2a
created by main.main in goroutine 1
\t/app/main.go:4 +0x3b
";

const IDS: &[Option<u64>] = &[Some(1), Some(2)];

/// Checks that the two goroutines of `RAW` came through whole.
fn assert_raw_intact(d: &Dump) {
    assert_eq!(funcs(d, &d.goroutines[0]), ["main.main"]);
    let g = &d.goroutines[1];
    assert_eq!((d.state(g), g.wait_minutes), ("select", Some(5)));
    let f = d.frames(g).next().unwrap();
    assert_eq!(
        (f.func.full.as_str(), f.args, f.site.file.as_str(), f.site.line, f.site.pc_offset),
        ("main.worker", "0xc000012345", "/app/main.go", 12, Some(0x2a))
    );
    let c = g.created_by.unwrap();
    assert_eq!((d.created_by(&c).0.full.as_str(), d.created_by(&c).1.line, c.parent), ("main.main", 4, Some(1)));
}

/// `RAW` between the dockerd markers, Go-quoted into one string.
fn quoted(depth: usize) -> String {
    let mut s = format!("=== BEGIN goroutine stack dump ===\n{RAW}\n=== END goroutine stack dump ===");
    for _ in 0..depth {
        s = s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\t', "\\t");
    }
    s
}

// ---- bare text ---------------------------------------------------------------------

#[test]
fn raw_text_between_other_text() {
    let text = format!("some log line\nanother one\n{RAW}\nafter the dump\n");
    let ds = check(&text, &[Want { lines: (3, 11), ids: IDS, ..Want::default() }]);
    assert_raw_intact(&ds[0]);
    assert_eq!(ds[0].span.start_byte, "some log line\nanother one\n".len() as u64);
    assert_eq!(ds[0].span.end_byte, (text.find("\nafter").unwrap() - 1) as u64, "span ends with the last file line");
}

#[test]
fn a_log_line_right_after_the_last_frame_ends_the_dump_quietly() {
    let text = format!("{}level=info msg=\"next\"\nexit status 2\n", RAW);
    check(&text, &[Want { lines: (1, 9), ids: IDS, ..Want::default() }]);
}

#[test]
fn no_dump_at_all() {
    for text in ["", "\n\n", "hello\nworld\n", "goroutine 1 is fine\n", "main.f()\nnot a file line\n"] {
        check(text, &[]);
    }
}

#[test]
fn sigusr1_file_names_make_dockerd_files() {
    let ds = holdup::read_dumps(RAW.as_bytes(), "/var/run/docker/goroutine-stacks-2026-11-27T050236Z.log").unwrap();
    check_dumps(&ds, &[Want { kind: DumpKind::DockerdFile, lines: (1, 9), ids: IDS, ..Want::default() }], "sigusr1");
    let ds = holdup::read_dumps(RAW.as_bytes(), "crio-goroutine-stacks-2026-11-27T050236Z.log").unwrap();
    assert_eq!(ds[0].kind, DumpKind::DockerdFile);
    let ds = holdup::read_dumps(RAW.as_bytes(), "stacks.txt").unwrap();
    assert_eq!(ds[0].kind, DumpKind::Raw);
}

// ---- markers -----------------------------------------------------------------------

#[test]
fn begin_end_markers() {
    let text = format!("=== BEGIN goroutine stack dump ===\n{RAW}\n=== END goroutine stack dump ===\n");
    let ds = check(&text, &[Want { kind: DumpKind::DockerdFile, lines: (1, 12), ids: IDS, ..Want::default() }]);
    assert_raw_intact(&ds[0]);
    // dockerd writes no newline after END; the END may sit directly under a file line.
    let text = format!("=== BEGIN goroutine stack dump ===\n{RAW}=== END goroutine stack dump ===");
    check(&text, &[Want { kind: DumpKind::DockerdFile, lines: (1, 11), ids: IDS, ..Want::default() }]);
}

#[test]
fn a_missing_end_marker_is_a_truncation() {
    let text = format!("=== BEGIN goroutine stack dump ===\n{RAW}");
    check(
        &text,
        &[Want {
            kind: DumpKind::DockerdFile,
            lines: (1, 10),
            ids: IDS,
            warnings: &["line 10: no `=== END goroutine stack dump ===` line"],
            ..Want::default()
        }],
    );
}

#[test]
fn several_dumps_in_one_file() {
    let marked = format!("=== BEGIN goroutine stack dump ===\n{RAW}=== END goroutine stack dump ===\n");
    let panic = "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:7 +0x1\nexit status 2\n";
    let text = format!("{marked}log in between\n{marked}\n{RAW}\n{panic}");
    // Lines: marked 1–11, log 12, marked 13–23, blank 24, RAW 25–33, blank 34, panic 35–39.
    check(
        &text,
        &[
            Want { kind: DumpKind::DockerdFile, lines: (1, 11), ids: IDS, ..Want::default() },
            Want { kind: DumpKind::DockerdFile, lines: (13, 23), ids: IDS, ..Want::default() },
            Want { kind: DumpKind::Raw, lines: (25, 33), ids: IDS, ..Want::default() },
            Want {
                kind: DumpKind::Panic,
                lines: (35, 39),
                reason: Some("panic: boom"),
                ids: &[Some(1)],
                ..Want::default()
            },
        ],
    );
}

// ---- one log line ------------------------------------------------------------------

#[test]
fn logrus_text_line() {
    let text = format!(
        "time=\"2024-01-01T00:00:00Z\" level=info msg=\"starting\"\n\
         time=\"2024-01-01T00:00:01Z\" level=info msg=\"{}\"\n\
         time=\"2024-01-01T00:00:02Z\" level=info msg=\"done\"\n",
        quoted(1)
    );
    let ds = check(
        &text,
        &[Want {
            kind: DumpKind::LogrusLine,
            lines: (2, 2),
            wrapping: &["escaped in a log message"],
            ids: IDS,
            ..Want::default()
        }],
    );
    assert_raw_intact(&ds[0]);
    let line2 = text.find("\ntime=\"2024-01-01T00:00:01Z\"").unwrap() as u64 + 1;
    assert_eq!(ds[0].span.start_byte, line2);
}

#[test]
fn logrus_json_line() {
    let text = format!(
        "{{\"level\":\"info\",\"msg\":\"{}\",\"time\":\"2024-01-01T00:00:01Z\"}}\n{{\"msg\":\"x\"}}\n",
        quoted(1)
    );
    let ds = check(
        &text,
        &[Want {
            kind: DumpKind::LogrusLine,
            lines: (1, 1),
            wrapping: &["escaped in a log message"],
            ids: IDS,
            ..Want::default()
        }],
    );
    assert_raw_intact(&ds[0]);
}

#[test]
fn logged_twice_escaped_through_strace() {
    let line = format!("time=\"2024\" level=info msg=\"{}\"\n", quoted(1));
    let text = format!(
        "write(2, \"{}\", {}) = {}\nexit_group(0) = ?\n",
        line.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"),
        line.len(),
        line.len()
    );
    let ds = check(
        &text,
        &[Want {
            kind: DumpKind::LogrusLine,
            lines: (1, 1),
            wrapping: &["escaped 2 times in a log message"],
            ids: IDS,
            ..Want::default()
        }],
    );
    assert_raw_intact(&ds[0]);
}

#[test]
fn an_escaped_dump_without_markers() {
    let msg = RAW.replace('\n', "\\n").replace('\t', "\\t");
    let text = format!("time=\"2024\" level=info msg=\"{msg}\"\n");
    let ds = check(
        &text,
        &[Want {
            kind: DumpKind::LogrusLine,
            lines: (1, 1),
            wrapping: &["escaped in a log message"],
            ids: IDS,
            ..Want::default()
        }],
    );
    assert_raw_intact(&ds[0]);
}

#[test]
fn journald_split_pieces_are_rejoined() {
    let line = format!("time=\"2024-01-01T00:00:01Z\" level=info msg=\"{}\"", quoted(1));
    // journald cuts an over-long line into pieces and prefixes each; cut inside an escape.
    let cut1 = line.find("\\n\\t/app/main.go:12").unwrap() + 1;
    let cut2 = line.find("created by").unwrap();
    let p = "Aug 09 13:49:31 host dockerd[1802]: ";
    let text = format!(
        "{p}time=\"x\" level=info msg=\"before\"\n{p}{}\n{p}{}\n{p}{}\n{p}time=\"y\" level=info msg=\"after\"\n",
        &line[..cut1],
        &line[cut1..cut2],
        &line[cut2..]
    );
    let ds = check(
        &text,
        &[Want {
            kind: DumpKind::LogrusLine,
            lines: (2, 4),
            wrapping: &["escaped in a log message", "log message split over 3 lines, rejoined"],
            ids: IDS,
            ..Want::default()
        }],
    );
    assert_raw_intact(&ds[0]);
}

#[test]
fn a_log_line_cut_inside_the_message() {
    let q = quoted(1);
    let cut = q.find("created by").unwrap();
    let text = format!("time=\"2024\" level=info msg=\"{}\n", &q[..cut]);
    let ds = check(
        &text,
        &[Want {
            kind: DumpKind::LogrusLine,
            lines: (1, 1),
            wrapping: &["escaped in a log message"],
            ids: IDS,
            warnings: &["line 1: the log message holding the dump ends without its closing quote: truncated"],
            ..Want::default()
        }],
    );
    assert_eq!(ds[0].goroutines[1].frames.len(), 1);
    assert!(ds[0].goroutines[1].created_by.is_none());
}

// ---- per-line prefixes ---------------------------------------------------------------

/// Makes the prefix of the i-th line.
type Prefixer = Box<dyn Fn(usize) -> String>;

/// `RAW` with `prefix(i)` before its i-th line.
fn prefixed(prefix: &dyn Fn(usize) -> String) -> String {
    RAW.lines().enumerate().map(|(i, l)| format!("{}{l}\n", prefix(i))).collect()
}

#[test]
fn syslog_and_journald_prefixes() {
    let cases: Vec<(&str, Prefixer)> = vec![
        ("with host", Box::new(|_| "Aug 09 13:49:31 myhost dockerd[1802]: ".to_string())),
        ("without host", Box::new(|_| "Aug  9 13:49:31 dockerd[1802]: ".to_string())),
        ("without pid", Box::new(|_| "Aug  9 13:49:31 myhost dockerd: ".to_string())),
        // The clock moves on while the dump is written, even over midnight and a new month.
        ("timestamps change", Box::new(|i| format!("Aug 31 23:59:5{i} h-stg-core-1 dockerd[1748]: "))),
        (
            "day and month change",
            Box::new(|i| {
                if i < 4 { "Aug 31 23:59:59 h dockerd[7]: ".into() } else { "Sep  1 00:00:00 h dockerd[7]: ".into() }
            }),
        ),
        (
            "fractional seconds",
            Box::new(|i| {
                if i % 2 == 0 { "Aug 31 23:59:59.123 h d[7]: ".into() } else { "Aug 31 23:59:59 h d[7]: ".into() }
            }),
        ),
    ];
    for (what, prefix) in cases {
        let text = format!("{}dockerd said something else\n", prefixed(&*prefix));
        let ds = common::dumps(&text);
        check_dumps(
            &ds,
            &[Want { lines: (1, 9), wrapping: &["log prefix on every line"], ids: IDS, ..Want::default() }],
            what,
        );
        assert_raw_intact(&ds[0]);
    }
}

#[test]
fn kubectl_docker_and_cri_timestamps() {
    let cases: Vec<(&str, Prefixer)> = vec![
        ("kubectl logs --timestamps", Box::new(|i| format!("2024-01-02T03:04:0{i}.123456789Z "))),
        ("docker logs -t", Box::new(|i| format!("2024-01-02T03:04:0{i}.12345678{i}Z "))),
        ("CRI log file", Box::new(|i| format!("2024-01-02T03:04:05.{i}00000000+00:00 stderr F "))),
        (
            "trimmed fraction",
            Box::new(|i| if i == 3 { "2024-01-02T03:04:05Z ".into() } else { "2024-01-02T03:04:05.5Z ".into() }),
        ),
    ];
    for (what, prefix) in cases {
        let ds = common::dumps(&prefixed(&*prefix));
        check_dumps(
            &ds,
            &[Want { lines: (1, 9), wrapping: &["log prefix on every line"], ids: IDS, ..Want::default() }],
            what,
        );
        assert_raw_intact(&ds[0]);
    }
}

#[test]
fn indented_and_quoted_blocks() {
    let cases: Vec<(&str, &str, &[&str])> = vec![
        ("    ", "indented", &["indented"]),
        ("\t", "tab", &["indented"]),
        ("> ", "e-mail", &["quoted with >"]),
        ("> > ", "twice", &["quoted with >"]),
    ];
    for (prefix, what, wrapping) in cases {
        let body = prefixed(&|_| prefix.to_string());
        let text = format!("Here is the dump:\n\n{body}\nThanks\n");
        let ds = common::dumps(&text);
        check_dumps(&ds, &[Want { lines: (3, 11), wrapping, ids: IDS, ..Want::default() }], what);
        assert_raw_intact(&ds[0]);
    }
    // Markdown: a 4-space code block whose file lines use 8 spaces, no blank lines.
    let text = "    goroutine 18 [running]:\n    main.dumpStacks()\n            /src/main_unix.go:69 +0x8c\n    goroutine 1 [chan receive, 107 minutes]:\n    main.main()\n            /src/main.go:134 +0x878\n";
    let ds =
        check(text, &[Want { lines: (1, 6), wrapping: &["indented"], ids: &[Some(18), Some(1)], ..Want::default() }]);
    assert_eq!(ds[0].frames(&ds[0].goroutines[1]).next().unwrap().site.line, 134);
}

// ---- crashes -----------------------------------------------------------------------

#[test]
fn sigquit_with_registers_and_exit_status() {
    let text = "\
SIGQUIT: quit
PC=0x468461 m=0 sigcode=0

goroutine 0 gp=0xb5d820 m=0 mp=0xb5ea00 [idle]:
runtime.futex(0xb5eb58, 0x80, 0x0, 0x0, 0x0, 0x0)
\t/go/src/runtime/sys_linux_amd64.s:575 +0x21 fp=0x7ffec55bed50 sp=0x7ffec55bed48 pc=0x495821
runtime.mstart()
\t/go/src/runtime/asm_amd64.s:395 +0x5 fp=0x7ffec55bef38 sp=0x7ffec55bef30 pc=0x491e25

goroutine 1 gp=0xc000002380 m=nil [chan receive, 3 minutes]:
runtime.gopark(0x4b4e58, 0xc000062060, 0xe, 0x7, 0x2)
\t/go/src/runtime/proc.go:435 +0xce fp=0xc000125e58 sp=0xc000125e38 pc=0x48cc2e
main.main()
\t/app/main.go:40 +0x1d fp=0xc000125f50 sp=0xc000125e58 pc=0x4a1d3d

rax    0xca
rbx    0x0
rip    0x495821
rflags 0x286
cs     0x33
fs     0x0
gs     0x0
exit status 2
";
    let ds = check(
        text,
        &[Want {
            kind: DumpKind::Sigquit,
            lines: (1, 14),
            reason: Some("SIGQUIT: quit\nPC=0x468461 m=0 sigcode=0"),
            ids: &[Some(0), Some(1)],
            ..Want::default()
        }],
    );
    let g = &ds[0].goroutines[1];
    assert_eq!((ds[0].state(g), g.wait_minutes), ("chan receive", Some(3)));
    assert_eq!(ds[0].frames(g).last().unwrap().site.file, "/app/main.go");
}

#[test]
fn panics_keep_their_message_as_reason() {
    let stack = "goroutine 1 [running]:\nmain.main()\n\t/app/main.go:9 +0x2\n";
    let cases: &[(&str, &str)] = &[
        ("panic: boom\n", "panic: boom"),
        ("panic: first [recovered]\n\tpanic: second\n", "panic: first [recovered]\npanic: second"),
        ("panic: first [recovered, repanicked]\n", "panic: first [recovered, repanicked]"),
        (
            "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45c8d6]\n",
            "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45c8d6]",
        ),
        ("fatal error: all goroutines are asleep - deadlock!\n", "fatal error: all goroutines are asleep - deadlock!"),
        ("fatal error: concurrent map writes\n", "fatal error: concurrent map writes"),
        (
            "panic: template: x:1: unexpected\nsecond line of the message\n",
            "panic: template: x:1: unexpected\nsecond line of the message",
        ),
        (
            "panic: main.MyErr{Code:3} [recovered]\n\tpanic: again\n",
            "panic: main.MyErr{Code:3} [recovered]\npanic: again",
        ),
    ];
    for &(head, reason) in cases {
        let text = format!("starting\n{head}\n{stack}exit status 2\n");
        let n = head.lines().count() as u64;
        let ds = common::dumps(&text);
        check_dumps(
            &ds,
            &[Want {
                kind: DumpKind::Panic,
                lines: (2, n + 5),
                reason: Some(reason),
                ids: &[Some(1)],
                ..Want::default()
            }],
            head,
        );
    }
}

#[test]
fn crashes_behind_log_prefixes() {
    let p = "May 05 06:59:19 ip-10-112-13-255.eu-central-1.compute.internal crio[4618]: ";
    let text = format!(
        "{p}fatal error: concurrent map writes\n{p}\n{p}goroutine 11 [running]:\n{p}main.f()\n{p}\t/x.go:3 +0x1\n"
    );
    check(
        &text,
        &[Want {
            kind: DumpKind::Panic,
            lines: (1, 5),
            wrapping: &["log prefix on every line"],
            reason: Some("fatal error: concurrent map writes"),
            ids: &[Some(11)],
            ..Want::default()
        }],
    );
}

// ---- pprof debug=1 -----------------------------------------------------------------

#[test]
fn pprof_debug1_counts_and_labels() {
    let text = "\
goroutine profile: total 6
3 @ 0x43a1f6 0x44b2c5 0x45c3d4
# labels: {\"handler\":\"ps\", \"id\":\"4\\n2\"}
#\t0x44b2c4\tmain.f+0x1d\t\t/app/x.go:12
#\t0x45c3d3\tmain.g+0x2\t\t\t/app/x.go:20

2 @ 0x43a1f6 0x46d4e3
#\t0x46d4e2\tnet/http.(*conn).serve+0x5\t\t/go/src/net/http/server.go:30

1 @ 0x47e5f1
#\t0x47e5f0
";
    let ds = check(
        text,
        &[Want { kind: DumpKind::PprofDebug1, lines: (1, 11), ids: &[None, None, None], ..Want::default() }],
    );
    let d = &ds[0];
    assert_eq!(d.goroutines.iter().map(|g| g.count).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(d.goroutine_count(), 6);
    assert_eq!(d.goroutines[0].labels, [("handler".into(), "ps".into()), ("id".into(), "4\n2".into())]);
    let f = d.frames(&d.goroutines[0]).nth(1).unwrap();
    assert_eq!(
        (f.func.full.as_str(), f.site.file.as_str(), f.site.line, f.site.pc_offset),
        ("main.g", "/app/x.go", 20, Some(2))
    );
    assert_eq!(funcs(d, &d.goroutines[1]), ["net/http.(*conn).serve"]);
    assert_eq!(funcs(d, &d.goroutines[2]), ["?"], "a frame the runtime could not name is kept");
}

#[test]
fn pprof_debug1_total_that_does_not_add_up() {
    let text = "goroutine profile: total 9\n3 @ 0x43a1f6\n#\t0x44b2c4\tmain.f+0x1d\t\t/app/x.go:12\n";
    check(
        text,
        &[Want {
            kind: DumpKind::PprofDebug1,
            lines: (1, 3),
            ids: &[None],
            warnings: &["line 3: profile says 9 goroutines but 3 were read"],
            ..Want::default()
        }],
    );
}

// ---- bytes -------------------------------------------------------------------------

#[test]
fn gzip_is_detected_by_its_magic() {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(RAW.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let ds = holdup::read_dumps(&gz, "no-gz-extension.txt").unwrap();
    check_dumps(&ds, &[Want { lines: (1, 9), ids: IDS, ..Want::default() }], "gzip");
    assert_raw_intact(&ds[0]);
    // A truncated gzip stream is an error for the caller, not a panic.
    assert!(holdup::read_dumps(&gz[..gz.len() / 2], "cut.gz").is_err());
}

#[test]
fn crlf_line_ends() {
    let text = RAW.replace('\n', "\r\n");
    let ds = check(&text, &[Want { lines: (1, 9), ids: IDS, ..Want::default() }]);
    assert_raw_intact(&ds[0]);
    assert_eq!(ds[0].span.end_byte, text.len() as u64 - 2);
    let q = quoted(1).replace("\\n", "\\r\\n");
    let ds = check(
        &format!("time=\"x\" msg=\"{q}\"\r\n"),
        &[Want {
            kind: DumpKind::LogrusLine,
            lines: (1, 1),
            wrapping: &["escaped in a log message"],
            ids: IDS,
            ..Want::default()
        }],
    );
    assert_raw_intact(&ds[0]);
}

#[test]
fn non_utf8_bytes_are_read_lossily() {
    let mut bytes = b"\xff\xfe garbage \x80\n".to_vec();
    bytes.extend_from_slice(b"goroutine 1 [running]:\nmain.f\xe9()\n\t/app/\xff.go:3 +0x1\n\ngoroutine 2 [select]:\nmain.g(0x1)\n\t/app/x.go:4 +0x2\n");
    let ds = holdup::read_dumps(&bytes, "latin1.txt").unwrap();
    check_dumps(&ds, &[Want { lines: (2, 8), ids: IDS, ..Want::default() }], "non-utf8");
    let f = ds[0].frames(&ds[0].goroutines[0]).next().unwrap();
    assert_eq!((f.func.full.as_str(), f.site.file.as_str(), f.site.line), ("main.f\u{fffd}", "/app/\u{fffd}.go", 3));
}
