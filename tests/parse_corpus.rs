//! Every dump in `testdata/corpus` parses completely.
//!
//! Generated dumps (`corpus/gen`) come with the truth recorded by the dumped process: their
//! goroutine headers are counted here without the parser, and every goroutine the truth names
//! must be there with frames. The real dumps (`corpus/real`, excerpts people pasted in issues)
//! are checked against a table written by reading each file.

mod common;

use std::path::{Path, PathBuf};

use common::{count_headers, files_under, funcs, read_plain, testdata, warnings};
use holdup::Dump;
use holdup::model::{DumpKind, GoVersion};
use serde_json::Value;

// ---- generated dumps ---------------------------------------------------------------

/// Parses `"go1.19.8"` into `GoVersion(1, 19)`.
fn go_version(s: &str) -> GoVersion {
    let mut it = s.trim_start_matches("go").split('.').map(|p| p.parse::<u8>().expect("version number"));
    GoVersion(it.next().expect("major"), it.next().expect("minor"))
}

/// Every goroutine id the truth names: role members, lock holders and waiters.
fn truth_ids(t: &Value) -> Vec<u64> {
    let mut ids = Vec::new();
    let nums = |v: &Value| -> Vec<u64> {
        v.as_array().map(|a| a.iter().filter_map(Value::as_u64).collect()).unwrap_or_default()
    };
    if let Some(roles) = t["roles"].as_object() {
        for v in roles.values() {
            ids.extend(nums(v));
        }
    }
    for lock in t["locks"].as_array().into_iter().flatten() {
        ids.extend(nums(&lock["holders"]));
        ids.extend(nums(&lock["waiters"]));
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Checks one generated dump against its truth file; returns the problems found.
fn check_gen(dump_path: &Path) -> Vec<String> {
    let name = dump_path.strip_prefix(testdata("corpus/gen")).unwrap_or(dump_path).display().to_string();
    let truth_path = PathBuf::from(format!("{}.truth.json", dump_path.display()));
    let truth: Value = serde_json::from_slice(&std::fs::read(&truth_path).expect("truth file")).expect("truth JSON");
    let mut problems = Vec::new();
    let mut fail = |m: String| problems.push(format!("{name}: {m}"));

    let bytes = read_plain(dump_path);
    let headers = count_headers(&bytes);
    let dumps = holdup::read_path(dump_path.to_str().expect("utf-8 path")).expect("parses");
    if dumps.len() != 1 {
        fail(format!("{} dumps, expected 1", dumps.len()));
        return problems;
    }
    let d = &dumps[0];
    if d.goroutines.len() != headers {
        fail(format!("{} goroutines parsed, {headers} headers in the file", d.goroutines.len()));
    }
    if !d.warnings.is_empty() || d.warnings_dropped > 0 {
        fail(format!("warnings on an undamaged dump: {:?}", warnings(d)));
    }
    if let Some(g) = d.goroutines.iter().find(|g| g.id.is_none()) {
        fail(format!("anonymous goroutine at line {}", g.line));
    }

    // Nothing lost: every tab-indented line is the file line of a frame or `created by`.
    let file_lines = bytes.split(|&c| c == b'\n').filter(|l| l.first() == Some(&b'\t')).count();
    let stored: usize = d
        .goroutines
        .iter()
        .map(|g| {
            g.frames.len()
                + usize::from(g.created_by.is_some())
                + g.ancestors.iter().map(|a| a.frames.len() + usize::from(a.created_by.is_some())).sum::<usize>()
        })
        .sum::<usize>()
        + d.runtime_stack.as_ref().map_or(0, |r| r.len());
    if stored != file_lines {
        fail(format!("{stored} frames and created-by lines stored, {file_lines} file lines in the input"));
    }
    let no_file = d.frames.iter().filter(|f| d.site(f.site).file.is_empty()).count();
    if no_file > 0 {
        fail(format!("{no_file} frames without a file"));
    }

    for id in truth_ids(&truth) {
        match d.goroutine(id) {
            None => fail(format!("goroutine {id} from the truth is missing")),
            Some(g) if g.frames.is_empty() => fail(format!("goroutine {id} has no frames")),
            Some(_) => {}
        }
    }
    // The states the process itself saw in its headers.
    for (id, header) in truth["observed_role_headers"].as_object().into_iter().flatten() {
        let id: u64 = id.parse().expect("id");
        let header = header.as_str().expect("header text");
        if let Some(g) = d.goroutine(id) {
            let open = header.find('[').expect("bracket") + 1;
            let reason_end = header[open..].find([',', ']']).map(|p| open + p).expect("close");
            let reason = header[open..reason_end].trim_end_matches(" (scan)");
            if d.state(g) != reason {
                fail(format!("goroutine {id}: state {:?}, header says {header:?}", d.state(g)));
            }
        }
    }

    let transport = truth["transport"].as_str().expect("transport");
    match transport {
        "docker-file" => {
            if d.kind != DumpKind::DockerdFile {
                fail(format!("kind {}, expected dockerd-file", d.kind));
            }
        }
        "sigquit" => {
            if d.kind != DumpKind::Sigquit {
                fail(format!("kind {}, expected sigquit", d.kind));
            }
            if !d.reason.as_deref().is_some_and(|r| r.starts_with("SIGQUIT: quit")) {
                fail(format!("reason {:?}, expected SIGQUIT: quit…", d.reason));
            }
        }
        other => fail(format!("unknown transport {other}")),
    }
    let v = go_version(truth["go_version"].as_str().expect("go_version"));
    let e = &d.era;
    if e.min.is_some_and(|m| m > v) || e.max.is_some_and(|m| m < v) {
        fail(format!("era {e} ({:?}) excludes {v}", e.clues));
    }
    if e.min.is_none() && e.max.is_none() {
        fail("no era clue at all".into());
    }
    problems
}

#[test]
fn every_generated_dump_parses_completely() {
    let files = files_under(&testdata("corpus/gen"), &|n| {
        !n.ends_with(".json") && !n.ends_with(".md") && (n.ends_with(".log") || n.ends_with(".log.gz"))
    });
    assert_eq!(files.len(), 36, "the generated corpus holds 36 dumps: {files:?}");
    for f in &files {
        assert!(PathBuf::from(format!("{}.truth.json", f.display())).exists(), "{} has no truth file", f.display());
    }
    // The 20k-goroutine dumps take a moment in debug builds: check files in parallel.
    let problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = files.iter().map(|f| s.spawn(move || check_gen(f))).collect();
        handles.into_iter().flat_map(|h| h.join().expect("no panic")).collect()
    });
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn generated_sigquit_dumps_keep_their_runtime_details() {
    // go1.23+: `gp=… m=… mp=…` headers; fp/sp/pc suffixes are cut from the file lines.
    let p = testdata("corpus/gen/S4-chain-to-syscall/go1.27.3/sigquit-stderr.log");
    let d = &holdup::read_path(p.to_str().unwrap()).unwrap()[0];
    let g = d.goroutine(7).expect("the stats goroutine");
    assert_eq!(d.state(g), "syscall");
    assert_eq!(d.reason.as_deref(), Some("SIGQUIT: quit\nPC=0x495821 m=0 sigcode=0"));
    let g0 = &d.goroutines[0];
    assert_eq!((g0.id, d.state(g0)), (Some(0), "idle"));
    assert_eq!(d.frames(g0).next().unwrap().func.full, "runtime.futex");
    let f = d.frames(g0).next().unwrap();
    assert_eq!((f.site.file.as_str(), f.site.line), ("/usr/local/go/src/runtime/sys_linux_amd64.s", 575));
    assert!(d.sites.iter().all(|s| !s.file.contains("fp=")), "fp= suffix left in a file name");
    // The register dump after the last goroutine is not part of any goroutine.
    let last = d.goroutines.last().unwrap();
    assert_eq!(d.created_by(last.created_by.as_ref().unwrap()).0.full, "net/http.(*connReader).startBackgroundRead");
    assert_eq!(last.created_by.unwrap().parent, Some(118));
    assert!(d.era.min >= Some(GoVersion(1, 23)), "gp= headers mean go1.23+: {}", d.era);
}

// ---- real dumps --------------------------------------------------------------------

/// What a real file holds, read by hand.
struct Real {
    file: &'static str,
    kind: DumpKind,
    /// First and last input line of the dump.
    span: (u64, u64),
    wrapping: &'static [&'static str],
    reason: Option<&'static str>,
    /// (id, state, wait minutes, number of frames) per goroutine, in order.
    goroutines: &'static [(Option<u64>, &'static str, Option<u32>, usize)],
    /// (line, part of the message) per warning; only where the file really is damaged.
    warnings: &'static [(u64, &'static str)],
}

const NO_END: &str = "no `=== END goroutine stack dump ===` line";
const NO_QUOTE: &str = "ends without its closing quote";

const REAL: &[Real] = &[
    Real {
        file: "containerd-1.0-unescaped-msg-indented-no-blank-lines.txt",
        kind: DumpKind::LogrusLine,
        span: (1, 13),
        wrapping: &["indented"],
        reason: None,
        goroutines: &[(Some(18), "running", None, 2), (Some(1), "chan receive", Some(107), 2)],
        // The excerpt stops inside goroutine 1: the END marker never comes.
        warnings: &[(13, NO_END)],
    },
    Real {
        file: "containerd-1.7-go1.23-sync-mutex-lock-metrics-waiter.txt",
        kind: DumpKind::Raw,
        span: (1, 13),
        wrapping: &[],
        reason: None,
        goroutines: &[(Some(233338756), "sync.Mutex.Lock", Some(239), 6)],
        warnings: &[],
    },
    Real {
        file: "containerd-1.7-shim-sigusr1-head-in-goroutine.txt",
        kind: DumpKind::DockerdFile,
        span: (1, 16),
        wrapping: &[],
        reason: None,
        goroutines: &[(Some(50), "running", None, 2), (Some(1), "select", None, 3)],
        warnings: &[(16, NO_END)],
    },
    Real {
        file: "containerd-shim-sigquit-goroutine0-fp-sp-pc.txt",
        kind: DumpKind::Sigquit,
        span: (1, 23),
        wrapping: &[],
        reason: Some("SIGQUIT: quit\nPC=0x468461 m=0 sigcode=0"),
        // Goroutine 1 was cut after its first function line.
        goroutines: &[(Some(0), "idle", None, 8), (Some(1), "select", Some(37), 1)],
        warnings: &[(23, "ends between a function line and its file line")],
    },
    Real {
        file: "crio-1.20.7-journald-crash-fp-sp-pc.txt",
        kind: DumpKind::Raw,
        span: (1, 7),
        wrapping: &["log prefix on every line"],
        reason: None,
        goroutines: &[(Some(11), "sleep", None, 3)],
        warnings: &[],
    },
    Real {
        file: "crio-1.23.4-pprof-goroutine-debug1-excerpt.txt",
        kind: DumpKind::PprofDebug1,
        span: (1, 7),
        wrapping: &[],
        reason: None,
        goroutines: &[(None, "", None, 6)],
        warnings: &[],
    },
    Real {
        file: "docker-containerd-0.2-logrus-escaped-head.txt",
        kind: DumpKind::LogrusLine,
        span: (1, 1),
        wrapping: &["escaped in a log message"],
        reason: None,
        goroutines: &[
            (Some(23), "running", None, 2),
            (Some(1), "chan receive", Some(32987), 4),
            (Some(17), "syscall", Some(32987), 1),
            (Some(5), "syscall", None, 2),
        ],
        warnings: &[(1, NO_QUOTE)],
    },
    Real {
        file: "dockerd-1.11-state-mutex-rm-ps-waiters.txt",
        kind: DumpKind::Raw,
        span: (1, 27),
        wrapping: &[],
        reason: None,
        goroutines: &[(Some(825), "semacquire", Some(970), 6), (Some(3469), "semacquire", Some(10), 6)],
        warnings: &[],
    },
    Real {
        file: "dockerd-1.11.2-journald-prefixed-rm-waiter.txt",
        kind: DumpKind::Raw,
        span: (1, 18),
        wrapping: &["log prefix on every line"],
        reason: None,
        goroutines: &[(Some(82274), "semacquire", Some(5), 4), (Some(82238), "semacquire", Some(19), 4)],
        warnings: &[],
    },
    Real {
        file: "dockerd-1.12-logrus-escaped-sigusr1-head.txt",
        kind: DumpKind::LogrusLine,
        span: (1, 1),
        wrapping: &["escaped in a log message"],
        reason: None,
        goroutines: &[
            (Some(122), "running", None, 2),
            (Some(1), "chan receive", Some(71963), 2),
            (Some(17), "syscall", Some(71963), 1),
            (Some(20), "syscall", Some(2), 2),
            (Some(107), "syscall", Some(71963), 1),
        ],
        warnings: &[(1, NO_QUOTE)],
    },
    Real {
        file: "dockerd-go1.4-ps-waiter-no-header-literal-tabs.txt",
        kind: DumpKind::Raw,
        span: (1, 10),
        wrapping: &[],
        reason: None,
        goroutines: &[(None, "", None, 5)],
        warnings: &[(1, "frames without a goroutine header")],
    },
    Real {
        file: "go1.4-build-coordinator-statusmu-waiters.txt",
        kind: DumpKind::Raw,
        span: (1, 129),
        wrapping: &[],
        reason: None,
        goroutines: &[
            (Some(8134), "running", None, 5),
            (Some(1), "semacquire", Some(646), 4),
            (Some(7997), "semacquire", Some(96), 7),
            (Some(7593), "semacquire", Some(448), 3),
            (Some(7692), "semacquire", Some(368), 3),
            (Some(6438), "semacquire", Some(641), 4),
            (Some(7854), "semacquire", Some(226), 5),
            (Some(8128), "semacquire", Some(2), 7),
            (Some(8132), "semacquire", None, 3),
            (Some(6448), "semacquire", Some(641), 4),
            (Some(7857), "semacquire", Some(224), 4),
        ],
        warnings: &[],
    },
];

fn real(file: &str) -> Vec<Dump> {
    let p = testdata("corpus/real").join(file);
    holdup::read_path(p.to_str().unwrap()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn real_dumps_match_the_table() {
    let on_disk = files_under(&testdata("corpus/real"), &|n| n.ends_with(".txt"));
    assert_eq!(on_disk.len(), REAL.len(), "every real file has a table row");
    for r in REAL {
        let ds = real(r.file);
        assert_eq!(ds.len(), 1, "{}: one dump", r.file);
        let d = &ds[0];
        let f = r.file;
        assert_eq!(d.kind, r.kind, "{f}: kind");
        assert_eq!((d.span.first_line, d.span.last_line), r.span, "{f}: span");
        assert_eq!(d.wrapping, r.wrapping, "{f}: wrapping");
        assert_eq!(d.reason.as_deref(), r.reason, "{f}: reason");
        let got: Vec<_> = d.goroutines.iter().map(|g| (g.id, d.state(g), g.wait_minutes, g.frames.len())).collect();
        assert_eq!(got, r.goroutines, "{f}: goroutines");
        assert_eq!(d.warnings.len(), r.warnings.len(), "{f}: warnings {:?}", warnings(d));
        for (w, (line, part)) in d.warnings.iter().zip(r.warnings) {
            assert_eq!(w.line, *line, "{f}: warning line of {w}");
            assert!(w.message.contains(part), "{f}: warning {w} should say {part:?}");
        }
        // The count of headers in the file equals the goroutines with an id (escaped
        // files hold theirs inside one line and are checked by the table alone).
        let bytes = read_plain(&testdata("corpus/real").join(f));
        if !r.wrapping.iter().any(|w| w.contains("escaped") || w.contains("prefix") || w.contains("indented")) {
            assert_eq!(count_headers(&bytes), d.goroutines.iter().filter(|g| g.id.is_some()).count(), "{f}");
        }
    }
}

#[test]
fn go14_coordinator_facts() {
    let d = &real("go1.4-build-coordinator-statusmu-waiters.txt")[0];
    let g = d.goroutine(6438).unwrap();
    assert_eq!(
        funcs(d, g),
        ["sync.runtime_Semacquire", "sync.(*Mutex).Lock", "main.(*trySet).wanted", "main.(*trySet).awaitTryBuild"]
    );
    let lock = d.frames(g).nth(1).unwrap();
    assert_eq!(lock.args, "0xb55e08");
    assert_eq!(lock.first_word().map(|w| (w.value, w.unreliable)), Some((0xb55e08, false)));
    assert_eq!(
        (lock.site.file.as_str(), lock.site.line, lock.site.pc_offset),
        ("/home/bradfitz/go/src/sync/mutex.go", 82, Some(0x1c3))
    );
    // `awaitTryBuild(…, 0x49, ...)`: the old ABI's trailing `...` of an argument list cut at 10 words.
    let f = d.frames(g).nth(3).unwrap();
    assert!(f.args.ends_with("0x49, ..."), "{}", f.args);
    assert!(!f.inlined());
    let (cf, cs) = d.created_by(g.created_by.as_ref().unwrap());
    assert_eq!((cf.full.as_str(), cs.line, g.created_by.unwrap().parent), ("main.newTrySet", 739, None));
    // Value receiver `net/http.HandlerFunc.ServeHTTP` and pointer receiver split.
    let g = d.goroutine(8134).unwrap();
    let f = d.frames(g).nth(1).unwrap();
    assert_eq!((f.func.package(), f.func.receiver(), f.func.name()), ("net/http", Some("HandlerFunc"), "ServeHTTP"));
    // Ten goroutines wait on the same lock word.
    let waiting = d
        .goroutines
        .iter()
        .filter(|g| d.frames(g).any(|f| f.func.full == "sync.(*Mutex).Lock" && f.args == "0xb55e08"))
        .count();
    assert_eq!(waiting, 10);
    assert_eq!(d.era.max, Some(GoVersion(1, 4)), "{:?}", d.era.clues);
}

#[test]
fn dockerd_111_facts() {
    let d = &real("dockerd-1.11-state-mutex-rm-ps-waiters.txt")[0];
    let g = d.goroutine(825).unwrap();
    let last = d.frames(g).last().unwrap();
    assert_eq!(
        last.func.full,
        "github.com/docker/docker/api/server/router/container.(*containerRouter).(github.com/docker/docker/api/server/router/container.deleteContainers)-fm"
    );
    assert_eq!(last.site.line, 74);
    assert_eq!(last.func.receiver(), Some("*containerRouter"));
    assert_eq!(d.frames(g).nth(1).unwrap().args, "0xc820482bd0");
    assert_eq!(d.goroutine(3469).unwrap().wait_minutes, Some(10));
    assert_eq!((d.era.min, d.era.max), (Some(GoVersion(1, 5)), Some(GoVersion(1, 6))), "heap 0xc820…: go1.5–1.6");
}

#[test]
fn journald_prefixed_facts() {
    let d = &real("dockerd-1.11.2-journald-prefixed-rm-waiter.txt")[0];
    // The timestamp changes from :23 to :24 at the second header; both are stripped.
    let g = d.goroutine(82238).unwrap();
    assert_eq!(g.line, 10);
    let f = d.frames(g).nth(2).unwrap();
    assert_eq!(f.func.full, "github.com/docker/docker/container.(*State).IsRunning");
    assert!(f.site.file.starts_with("/build/amd64-usr/var/tmp/portage/"), "{}", f.site.file);
    assert_eq!(f.site.line, 159);
    let d = &real("crio-1.20.7-journald-crash-fp-sp-pc.txt")[0];
    let f = d.frames(&d.goroutines[0]).nth(2).unwrap();
    assert_eq!(f.func.full, "github.com/cri-o/cri-o/internal/resourcestore.(*ResourceStore).cleanupStaleResources");
    assert_eq!((f.site.line, f.site.pc_offset), (76, Some(0x45)), "fp=… cut from {:?}", f.site.file);
    assert!(f.site.file.ends_with("resourcestore.go"));
}

#[test]
fn escaped_logrus_facts() {
    let d = &real("dockerd-1.12-logrus-escaped-sigusr1-head.txt")[0];
    let g = d.goroutine(17).unwrap();
    assert!(g.locked_to_thread);
    assert_eq!(funcs(d, g), ["runtime.goexit"]);
    let g = d.goroutine(107).unwrap();
    // The message was cut after this function line.
    let f = d.frames(g).next().unwrap();
    assert_eq!(f.func.full, "syscall.Syscall6");
    assert_eq!((f.site.file.as_str(), f.site.line), ("", 0));
    let g = d.goroutine(20).unwrap();
    assert_eq!(d.created_by(g.created_by.as_ref().unwrap()).0.full, "os/signal.init.1");
    let d = &real("docker-containerd-0.2-logrus-escaped-head.txt")[0];
    let g = d.goroutine(1).unwrap();
    assert_eq!(funcs(d, g)[2], "github.com/codegangsta/cli.(*App).Run");
    assert_eq!(d.frames(g).nth(2).unwrap().site.pc_offset, Some(0x117d));
}

#[test]
fn indented_and_headerless_facts() {
    let d = &real("containerd-1.0-unescaped-msg-indented-no-blank-lines.txt")[0];
    let g = d.goroutine(18).unwrap();
    let (cf, cs) = d.created_by(g.created_by.as_ref().unwrap());
    assert_eq!((cf.full.as_str(), cs.line), ("main.handleSignals", 30));
    let g = d.goroutine(1).unwrap();
    assert_eq!(g.line, 9, "header right after a file line, no blank line");
    assert_eq!(d.frames(g).next().unwrap().site.line, 134);

    let d = &real("dockerd-go1.4-ps-waiter-no-header-literal-tabs.txt")[0];
    let g = &d.goroutines[0];
    assert_eq!(g.id, None);
    assert_eq!(g.line, 1);
    let f = d.frames(g).next().unwrap();
    assert_eq!((f.func.full.as_str(), f.args), ("sync.(*Mutex).Lock", "0xc208731b90"));
    assert_eq!((f.site.file.as_str(), f.site.line), ("/usr/lib/golang/src/sync/mutex.go", 66), "literal \\t removed");

    let d = &real("containerd-1.7-go1.23-sync-mutex-lock-metrics-waiter.txt")[0];
    let g = &d.goroutines[0];
    let lock = d.frames(g).nth(1).unwrap();
    assert_eq!((lock.func.full.as_str(), lock.args), ("sync.(*Mutex).lockSlow", "0xc0003aad98"));
    let inl = d.frames(g).nth(2).unwrap();
    assert!(inl.inlined());
    assert_eq!((inl.site.line, inl.site.pc_offset), (92, None));
    let sem = d.frames(g).next().unwrap();
    let w: Vec<_> = sem.words().map(|w| w.unreliable).collect();
    assert_eq!(w, [true, true, true], "`0x…?` words are unreliable");
}

#[test]
fn sigquit_shim_and_pprof_facts() {
    let d = &real("containerd-shim-sigquit-goroutine0-fp-sp-pc.txt")[0];
    let g0 = d.goroutine(0).unwrap();
    let f = d.frames(g0).last().unwrap();
    assert_eq!(
        (f.func.full.as_str(), f.site.file.as_str(), f.site.line),
        ("runtime.mcall", "/usr/local/go/src/runtime/asm_amd64.s", 448)
    );

    let d = &real("crio-1.23.4-pprof-goroutine-debug1-excerpt.txt")[0];
    let g = &d.goroutines[0];
    assert_eq!(g.count, 1);
    let f = d.frames(g).next().unwrap();
    assert_eq!(f.func.full, "github.com/cri-o/cri-o/internal/oci.WaitContainerStop");
    assert_eq!(
        (f.site.file.as_str(), f.site.line, f.site.pc_offset),
        ("/home/abuild/rpmbuild/BUILD/cri-o-1.23.4/internal/oci/runtime_oci.go", 685, Some(0x270))
    );
    let f = d.frames(g).last().unwrap();
    assert_eq!(f.func.full, "github.com/cri-o/cri-o/server/cri/v1.(*service).StopContainer");
}
