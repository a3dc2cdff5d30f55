//! One table per line form of the goroutine dump grammar (Go 1.3 to 1.27), each case a small
//! inline dump read through `holdup::read_dumps`.

mod common;

use common::{dumps, funcs, one, warnings};
use holdup::model::{Arg, ArgWord, DumpKind, GoVersion, parse_args};

/// A dump with one goroutine: the header, then `main.f()` at `/x.go:1`.
fn with_header(header: &str) -> String {
    format!("{header}\nmain.f()\n\t/x.go:1 +0x1\n")
}

// ---- headers -----------------------------------------------------------------------

#[test]
fn headers() {
    // (header, id, state, minutes, locked, scan)
    type Case = (&'static str, u64, &'static str, Option<u32>, bool, bool);
    let cases: &[Case] = &[
        ("goroutine 1 [running]:", 1, "running", None, false, false),
        ("goroutine 7 [chan receive, 3098 minutes, locked to thread]:", 7, "chan receive", Some(3098), true, false),
        ("goroutine 17 [syscall, locked to thread]:", 17, "syscall", None, true, false),
        ("goroutine 5 [select, 1 minutes]:", 5, "select", Some(1), false, false),
        ("goroutine 18 gp=0xc000007c00 m=nil [GC worker (idle)]:", 18, "GC worker (idle)", None, false, false),
        (
            "goroutine 72 gp=0xc000153880 m=6 mp=0xc00004fc08 [syscall, 5 minutes]:",
            72,
            "syscall",
            Some(5),
            false,
            false,
        ),
        ("goroutine 0 gp=0xb5d820 m=0 mp=0xb5ea00 [idle]:", 0, "idle", None, false, false),
        ("goroutine 9 [running (scan)]:", 9, "running", None, false, true),
        ("goroutine 9 [chan receive (scan), 12 minutes, locked to thread]:", 9, "chan receive", Some(12), true, true),
        ("goroutine 18446744073709551615 [runnable]:", u64::MAX, "runnable", None, false, false),
    ];
    for &(header, id, state, minutes, locked, scan) in cases {
        let d = one(&with_header(header));
        let g = &d.goroutines[0];
        assert_eq!(
            (g.id, d.state(g), g.wait_minutes, g.locked_to_thread, g.scan),
            (Some(id), state, minutes, locked, scan),
            "{header}"
        );
        assert!(d.warnings.is_empty(), "{header}: {:?}", warnings(&d));
        assert_eq!(funcs(&d, g), ["main.f"], "{header}");
    }
}

#[test]
fn every_wait_reason_is_kept_as_printed() {
    // The runtime's waitReasonStrings across releases, plus the plain statuses.
    let reasons = [
        "idle",
        "runnable",
        "running",
        "syscall",
        "waiting",
        "dead",
        "copystack",
        "preempted",
        "GC assist marking",
        "IO wait",
        "chan receive (nil chan)",
        "chan send (nil chan)",
        "dumping heap",
        "garbage collection",
        "garbage collection scan",
        "panicwait",
        "select",
        "select (no cases)",
        "GC assist wait",
        "GC sweep wait",
        "GC scavenge wait",
        "chan receive",
        "chan send",
        "finalizer wait",
        "force gc (idle)",
        "semacquire",
        "sleep",
        "sync.Cond.Wait",
        "sync.Mutex.Lock",
        "sync.RWMutex.RLock",
        "sync.RWMutex.Lock",
        "sync.WaitGroup.Wait",
        "trace reader (blocked)",
        "wait for GC cycle",
        "GC worker (idle)",
        "GC worker (active)",
        "debug call",
        "GC mark termination",
        "stopping the world",
        "flushing proc caches",
        "trace goroutine status",
        "trace proc status",
        "page trace flush",
        "coroutine",
        "GC weak to strong wait",
        "synctest.Run",
        "synctest.Wait",
        "cleanup wait",
        "finalizer wait",
        "sync.Cond.Wait",
        "timer goroutine (idle)",
        "trace reader (blocked)",
        "chan receive (nil chan)",
        "???",
        "unknown wait reason",
    ];
    let mut text = String::new();
    for (i, r) in reasons.iter().enumerate() {
        text.push_str(&format!("goroutine {} [{r}, 4 minutes]:\nmain.f()\n\t/x.go:{} +0x1\n\n", i + 1, i + 1));
    }
    let d = one(&text);
    assert_eq!(d.goroutines.len(), reasons.len());
    assert!(d.warnings.is_empty(), "{:?}", warnings(&d));
    for (g, r) in d.goroutines.iter().zip(reasons) {
        assert_eq!(d.state(g), r);
        assert_eq!(g.wait_minutes, Some(4), "{r}");
        assert!(!g.synctest && !g.leaked && !g.scan, "{r}");
    }
}

#[test]
fn wait_reasons_date_the_dump() {
    // (state, oldest release that prints it)
    let cases: &[(&str, Option<GoVersion>)] = &[
        ("semacquire", None),
        // `sync.Cond.Wait` is old: a go1.19 dump prints it next to `created by` without a parent.
        ("sync.Cond.Wait", None),
        ("sync.Mutex.Lock", Some(GoVersion(1, 20))),
        ("sync.RWMutex.RLock", Some(GoVersion(1, 20))),
        ("sync.WaitGroup.Wait", Some(GoVersion(1, 24))),
    ];
    for &(state, min) in cases {
        let d = one(&format!("goroutine 5 [{state}]:\nmain.f()\n\t/x.go:1 +0x1\n"));
        assert_eq!(d.era.min, min, "{state}: {:?}", d.era.clues);
    }
    let d = one("goroutine 5 [sync.Cond.Wait]:\nmain.f()\n\t/x.go:1 +0x1\ncreated by main.main\n\t/x.go:9 +0x2\n");
    assert_eq!((d.era.min, d.era.max), (None, Some(GoVersion(1, 20))), "{:?}", d.era.clues);
}

#[test]
fn synctest_and_leak_decorations() {
    // (header, state, synctest, leaked)
    let cases: &[(&str, &str, bool, bool)] = &[
        ("goroutine 9 [chan receive (durable)]:", "chan receive", true, false),
        ("goroutine 9 [sync.WaitGroup.Wait (durable)]:", "sync.WaitGroup.Wait", true, false),
        ("goroutine 9 [select (durable), synctest bubble 4]:", "select", true, false),
        ("goroutine 9 [sleep, synctest bubble 4]:", "sleep", true, false),
        // Go 1.24's experiment printed `(synctest)` and `synctest group N`.
        ("goroutine 9 [chan send (synctest), synctest group 3]:", "chan send", true, false),
        ("goroutine 9 [select (synctest)]:", "select", true, false),
        ("goroutine 9 [chan receive (leaked), 2 minutes]:", "chan receive", false, true),
    ];
    for &(header, state, synctest, leaked) in cases {
        let d = one(&with_header(header));
        let g = &d.goroutines[0];
        assert_eq!((d.state(g), g.synctest, g.leaked), (state, synctest, leaked), "{header}");
    }
}

#[test]
fn labels() {
    type Labels = &'static [(&'static str, &'static str)];
    let cases: &[(&str, &str, Labels)] = &[
        ("goroutine 19 [sleep] {handler: ps, id: 42}:", "sleep", &[("handler", "ps"), ("id", "42")]),
        (
            r#"goroutine 19 [sleep] {handler: "p s, x}", id: "4\n2"}:"#,
            "sleep",
            &[("handler", "p s, x}"), ("id", "4\n2")],
        ),
        (
            "goroutine 19 [chan receive, 3 minutes, locked to thread] {component: indexer, shard: 3}:",
            "chan receive",
            &[("component", "indexer"), ("shard", "3")],
        ),
        (
            "goroutine 20 [chan receive] {http.route: \"GET /items/{id}\"}:",
            "chan receive",
            &[("http.route", "GET /items/{id}")],
        ),
        (r#"goroutine 22 [chan receive] {query: "name=\"x\""}:"#, "chan receive", &[("query", "name=\"x\"")]),
        (
            r#"goroutine 23 [chan receive] {msg: "line1\nline2\tend\\"}:"#,
            "chan receive",
            &[("msg", "line1\nline2\tend\\")],
        ),
        (
            r#"goroutine 24 [chan receive] {note: "x]: y {z: w}, goroutine 1 [running]:"}:"#,
            "chan receive",
            &[("note", "x]: y {z: w}, goroutine 1 [running]:")],
        ),
        (r#"goroutine 25 [chan receive] {user: "jos\u00e9 \U0001f600"}:"#, "chan receive", &[("user", "josé 😀")]),
        ("goroutine 27 [chan receive] {empty: }:", "chan receive", &[("empty", "")]),
        ("goroutine 28 gp=0xc000007c00 m=nil [select] {a: b}:", "select", &[("a", "b")]),
    ];
    for &(header, state, labels) in cases {
        let d = one(&with_header(header));
        assert!(d.warnings.is_empty(), "{header}: {:?}", warnings(&d));
        let g = &d.goroutines[0];
        assert_eq!(d.state(g), state, "{header}");
        let got: Vec<(&str, &str)> = g.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, labels, "{header}");
        assert!(d.era.min >= Some(GoVersion(1, 27)), "labels mean go1.27+: {header}");
    }
    // A label value that is not valid UTF-8 (`\xff`) is kept lossily, never dropped.
    let d = one(&with_header(r#"goroutine 26 [chan receive] {raw: "a\xffb"}:"#));
    assert_eq!(d.goroutines[0].labels, [("raw".to_string(), "a\u{fffd}b".to_string())]);
}

#[test]
fn lines_that_look_like_headers_but_are_not() {
    // None of these may start a goroutine.
    for line in [
        "goroutine 1 [running]",
        "goroutine x [running]:",
        "goroutine 1 blah [running]:",
        "goroutine [running]:",
        "goroutine 1 running:",
        "the goroutine 1 [running]: said",
    ] {
        let ds = dumps(&format!("{line}\nsomething else\n"));
        assert!(ds.is_empty(), "{line:?} made a dump: {:?}", common::summaries(&ds));
    }
}

// ---- frames ------------------------------------------------------------------------

#[test]
fn function_names() {
    // (function line, full name, package, receiver, name, raw args)
    type Case = (&'static str, &'static str, &'static str, Option<&'static str>, &'static str, &'static str);
    let cases: &[Case] = &[
        ("main.main()", "main.main", "main", None, "main", ""),
        (
            "github.com/docker/docker/volume/local.(*Root).Remove(0xc00006a9c0, {0xc0001b4000, 0x40})",
            "github.com/docker/docker/volume/local.(*Root).Remove",
            "github.com/docker/docker/volume/local",
            Some("*Root"),
            "Remove",
            "0xc00006a9c0, {0xc0001b4000, 0x40}",
        ),
        (
            "net/http.HandlerFunc.ServeHTTP(0x9dcef8, 0x7f77b5f65570)",
            "net/http.HandlerFunc.ServeHTTP",
            "net/http",
            Some("HandlerFunc"),
            "ServeHTTP",
            "0x9dcef8, 0x7f77b5f65570",
        ),
        ("main.main.func2.1()", "main.main.func2.1", "main", None, "main.func2.1", ""),
        (
            "example.com/m/p.(*T).Run.func1(0x1)",
            "example.com/m/p.(*T).Run.func1",
            "example.com/m/p",
            Some("*T"),
            "Run.func1",
            "0x1",
        ),
        ("runtime.gcenable.gowrap1()", "runtime.gcenable.gowrap1", "runtime", None, "gcenable.gowrap1", ""),
        (
            "net/http.(*connReader).startBackgroundRead.gowrap2()",
            "net/http.(*connReader).startBackgroundRead.gowrap2",
            "net/http",
            Some("*connReader"),
            "startBackgroundRead.gowrap2",
            "",
        ),
        ("main.run.deferwrap1()", "main.run.deferwrap1", "main", None, "run.deferwrap1", ""),
        (
            "example.com/m/store.Map[...](0xc000010000)",
            "example.com/m/store.Map[...]",
            "example.com/m/store",
            None,
            "Map[...]",
            "0xc000010000",
        ),
        (
            "example.com/m/store.(*Cache[...]).Get(0xc000012000, {0x4b1e20?, 0x5})",
            "example.com/m/store.(*Cache[...]).Get",
            "example.com/m/store",
            Some("*Cache[...]"),
            "Get",
            "0xc000012000, {0x4b1e20?, 0x5}",
        ),
        (
            "example.com/m/store.Pair[...].Swap(...)",
            "example.com/m/store.Pair[...].Swap",
            "example.com/m/store",
            Some("Pair[...]"),
            "Swap",
            "...",
        ),
        (
            "example.com/m/store.Process[...].func1()",
            "example.com/m/store.Process[...].func1",
            "example.com/m/store",
            None,
            "Process[...].func1",
            "",
        ),
        ("main.func·028()", "main.func·028", "main", None, "func·028", ""),
        (
            "github.com/docker/docker/daemon.(*Daemon).Containers·fm(0xc2090e7b80)",
            "github.com/docker/docker/daemon.(*Daemon).Containers·fm",
            "github.com/docker/docker/daemon",
            Some("*Daemon"),
            "Containers·fm",
            "0xc2090e7b80",
        ),
        (
            "main.(*server).handle-fm(0x1, 0x2)",
            "main.(*server).handle-fm",
            "main",
            Some("*server"),
            "handle-fm",
            "0x1, 0x2",
        ),
        ("sync.(*Mutex).Lock(...)", "sync.(*Mutex).Lock", "sync", Some("*Mutex"), "Lock", "..."),
        ("panic({0x6b8a40?, 0xc0000a0010?})", "panic", "", None, "panic", "{0x6b8a40?, 0xc0000a0010?}"),
        ("panic(0x4a8f40, 0xc42000e1e0)", "panic", "", None, "panic", "0x4a8f40, 0xc42000e1e0"),
        ("runtime.goexit({})", "runtime.goexit", "runtime", None, "goexit", "{}"),
        (
            "gopkg.in/yaml%2ev2.(*decoder).unmarshal(0x1)",
            "gopkg.in/yaml%2ev2.(*decoder).unmarshal",
            "gopkg.in/yaml%2ev2",
            Some("*decoder"),
            "unmarshal",
            "0x1",
        ),
        (
            "internal/sync.(*Mutex).lockSlow(0x21c07bcb2440)",
            "internal/sync.(*Mutex).lockSlow",
            "internal/sync",
            Some("*Mutex"),
            "lockSlow",
            "0x21c07bcb2440",
        ),
    ];
    for &(line, full, pkg, recv, name, args) in cases {
        let d = one(&format!("goroutine 1 [running]:\n{line}\n\t/x.go:1 +0x1\n"));
        assert!(d.warnings.is_empty(), "{line}: {:?}", warnings(&d));
        let f = d.frames(&d.goroutines[0]).next().unwrap_or_else(|| panic!("{line}: no frame"));
        assert_eq!(
            (f.func.full.as_str(), f.func.package(), f.func.receiver(), f.func.name(), f.args),
            (full, pkg, recv, name, args),
            "{line}"
        );
        assert_eq!(f.inlined(), args == "...", "{line}");
    }
}

#[test]
fn argument_forms() {
    let w = |value, unreliable| Arg::Word { value, unreliable };
    // (raw args, tree, words as (value, unreliable, depth, index))
    type Case = (&'static str, Vec<Arg>, Vec<(u64, bool, u8, u16)>);
    let cases: Vec<Case> = vec![
        (
            "0xc000aee820, 0x40",
            vec![w(0xc000aee820, false), w(0x40, false)],
            vec![(0xc000aee820, false, 0, 0), (0x40, false, 0, 1)],
        ),
        ("0xc000aee820?", vec![w(0xc000aee820, true)], vec![(0xc000aee820, true, 0, 0)]),
        ("0x0?", vec![w(0, true)], vec![(0, true, 0, 0)]),
        (
            "{0x0?, 0x40}",
            vec![Arg::Group(vec![w(0, true), w(0x40, false)])],
            vec![(0, true, 1, 0), (0x40, false, 1, 0)],
        ),
        (
            "{{0x5f4?, 0x0?}, 0x5f?}, 0x1e?, ...",
            vec![
                Arg::Group(vec![Arg::Group(vec![w(0x5f4, true), w(0, true)]), w(0x5f, true)]),
                w(0x1e, true),
                Arg::Elided,
            ],
            vec![(0x5f4, true, 2, 0), (0, true, 2, 0), (0x5f, true, 1, 0), (0x1e, true, 0, 1)],
        ),
        ("0x1, {...}", vec![w(1, false), Arg::Group(vec![Arg::Elided])], vec![(1, false, 0, 0)]),
        (
            "0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xa, ...",
            {
                let mut v: Vec<Arg> = (1..=10).map(|i| w(i, false)).collect();
                v.push(Arg::Elided);
                v
            },
            (1..=10).map(|i| (i, false, 0, (i - 1) as u16)).collect(),
        ),
        ("_, 0x2", vec![Arg::Omitted, w(2, false)], vec![(2, false, 0, 1)]),
        ("{_, 0x1}", vec![Arg::Group(vec![Arg::Omitted, w(1, false)])], vec![(1, false, 1, 0)]),
        ("{}", vec![Arg::Group(vec![])], vec![]),
        ("", vec![], vec![]),
    ];
    for (raw, tree, words) in cases {
        let d = one(&format!("goroutine 1 [running]:\nmain.f({raw})\n\t/x.go:1 +0x1\n"));
        let f = d.frames(&d.goroutines[0]).next().unwrap();
        assert_eq!(f.args, raw);
        assert_eq!(parse_args(f.args), tree, "tree of {raw}");
        let got: Vec<_> = f
            .words()
            .map(|ArgWord { value, unreliable, depth, index, .. }| (value, unreliable, depth, index))
            .collect();
        assert_eq!(got, words, "words of {raw}");
    }
}

#[test]
fn question_marks_and_braces_date_the_dump() {
    let d = one("goroutine 1 [running]:\nmain.f(0x1?)\n\t/x.go:1 +0x1\n");
    assert!(d.era.register_abi(), "`?` args: {}", d.era);
    let d = one("goroutine 1 [running]:\nmain.f(0xc82001e0a0)\n\t/x.go:1 +0x1\n");
    assert!(!d.era.register_abi());
    assert_eq!((d.era.min, d.era.max), (Some(GoVersion(1, 5)), Some(GoVersion(1, 6))));
}

// ---- file lines --------------------------------------------------------------------

#[test]
fn file_lines() {
    // (file line as printed, file, line, pc offset)
    let cases: &[(&str, &str, u32, Option<u32>)] = &[
        ("\t/usr/local/go/src/sync/mutex.go:83 +0x1c4", "/usr/local/go/src/sync/mutex.go", 83, Some(0x1c4)),
        ("\t/usr/local/go/src/sync/mutex.go:46", "/usr/local/go/src/sync/mutex.go", 46, None),
        ("\tc:/go/src/runtime/proc.go:250 +0x5", "c:/go/src/runtime/proc.go", 250, Some(5)),
        (
            "\tC:/Program Files/Go/src/net/http/server.go:3285 +0x4b4",
            "C:/Program Files/Go/src/net/http/server.go",
            3285,
            Some(0x4b4),
        ),
        ("\tC:\\Users\\me\\go\\src\\app\\main.go:12 +0x2a", "C:\\Users\\me\\go\\src\\app\\main.go", 12, Some(0x2a)),
        ("\t?:0", "?", 0, None),
        (
            "\t/x/sys_linux_amd64.s:575 +0x21 fp=0x7ffec55bed50 sp=0x7ffec55bed48 pc=0x495821",
            "/x/sys_linux_amd64.s",
            575,
            Some(0x21),
        ),
        ("\t/x/proc.go:402 fp=0xc000052fe0 sp=0xc000052fc0 pc=0x43e4ce", "/x/proc.go", 402, None),
        ("        /x/a.go:7 +0x3", "/x/a.go", 7, Some(3)),
        ("    /x/a.go:7 +0x3", "/x/a.go", 7, Some(3)),
        (" /x/a.go:7 +0x3", "/x/a.go", 7, Some(3)),
        ("\\t/x/a.go:7 +0x3", "/x/a.go", 7, Some(3)),
        ("\t/x/a.go:7 +0x3\r", "/x/a.go", 7, Some(3)),
        // No indentation at all (a paste that lost it).
        ("/x/a.go:7 +0x3", "/x/a.go", 7, Some(3)),
        ("C:/x/a.go:7", "C:/x/a.go", 7, None),
        ("<autogenerated>:1 +0x2b", "<autogenerated>", 1, Some(0x2b)),
        ("\t<autogenerated>:1 +0x2b", "<autogenerated>", 1, Some(0x2b)),
        ("main.go:7 +0x3", "main.go", 7, Some(3)),
        ("/x/asm.s:575 +0x21 fp=0x7ffe50 sp=0x7ffe48 pc=0x495821", "/x/asm.s", 575, Some(0x21)),
        ("\t/home/me/my project/a.go:9 +0x10", "/home/me/my project/a.go", 9, Some(0x10)),
    ];
    for &(file_line, file, line, pc) in cases {
        let text = format!("goroutine 1 [running]:\nmain.f()\n{file_line}\n");
        let d = one(&text);
        assert!(d.warnings.is_empty(), "{file_line:?}: {:?}", warnings(&d));
        let f = d.frames(&d.goroutines[0]).next().unwrap();
        assert_eq!((f.site.file.as_str(), f.site.line, f.site.pc_offset), (file, line, pc), "{file_line:?}");
    }
}

#[test]
fn unindented_text_that_is_not_a_path_is_not_a_file_line() {
    // `12:34:56` after a function line is a log line, not the function's file line.
    let d = one("goroutine 1 [running]:\nmain.f()\n2024/01/01 12:34:56\n\t/x.go:3 +0x1\n");
    let f = d.frames(&d.goroutines[0]).next().unwrap();
    assert_eq!((f.site.file.as_str(), f.site.line), ("/x.go", 3));
    assert_eq!(warnings(&d), ["line 3: unreadable line inside a goroutine: \"2024/01/01 12:34:56\""]);
}

#[test]
fn cgo_frames() {
    let text = "goroutine 1 [syscall]:\nnon-Go function\n\tpc=0x7f3a2b1c\nnon-Go function\n\t/src/lib.c:12 pc=0x7f3a2b2d\n\
                runtime.cgocall(0x4a1b2c, 0xc000052f18)\n\t/go/src/runtime/cgocall.go:157 +0x4b\nmain.main()\n\t/x.go:9 +0x2\n";
    let d = one(text);
    assert!(d.warnings.is_empty(), "{:?}", warnings(&d));
    let fs: Vec<_> =
        d.frames(&d.goroutines[0]).map(|f| (f.func.full.clone(), f.site.file.clone(), f.site.line)).collect();
    assert_eq!(
        fs,
        [
            ("non-Go function".to_string(), "?".to_string(), 0),
            ("non-Go function".to_string(), "/src/lib.c".to_string(), 12),
            ("runtime.cgocall".to_string(), "/go/src/runtime/cgocall.go".to_string(), 157),
            ("main.main".to_string(), "/x.go".to_string(), 9),
        ]
    );
}

#[test]
fn truncated_ends_are_reported() {
    // (text, goroutines, frames of the last, warning)
    let cases: &[(&str, usize, usize, &str)] = &[
        (
            "goroutine 1 [running]:\nmain.a()\n\t/x.go:1 +0x1\n\ngoroutine 2 [select]:\n",
            2,
            0,
            "line 5: the input ends right after a goroutine header: truncated",
        ),
        (
            "goroutine 1 [running]:\nmain.a()\n\t/x.go:1 +0x1\n\ngoroutine 2 [select]:\nmain.f(0x1",
            2,
            0,
            "line 6: unreadable line inside a goroutine: \"main.f(0x1\"",
        ),
        (
            "goroutine 1 [running]:\nmain.a()\n\t/x.go:1 +0x1\n\ngoroutine 2 [select]:\nmain.f(0x1)\n",
            2,
            1,
            "line 6: the input ends between a function line and its file line: truncated",
        ),
        (
            "goroutine 1 [running]:\nmain.a()\n\t/x.go:1 +0x1\n\ngoroutine 2 [select]:\nmain.f(0x1)",
            2,
            1,
            "line 6: the input ends between a function line and its file line: truncated",
        ),
    ];
    for &(text, n, frames, warning) in cases {
        let d = one(text);
        assert_eq!(d.goroutines.len(), n, "{text:?}");
        assert_eq!(d.goroutines.last().unwrap().frames.len(), frames, "{text:?}");
        assert_eq!(warnings(&d).first().map(String::as_str), Some(warning), "{text:?}: {:?}", warnings(&d));
    }
    // A complete dump whose last line lacks its newline is not truncated.
    let d = one("goroutine 1 [running]:\nmain.a()\n\t/x.go:1 +0x1");
    assert!(d.warnings.is_empty(), "{:?}", warnings(&d));
}

#[test]
fn a_missing_file_line_keeps_the_frame_and_warns() {
    let d = one(
        "goroutine 1 [running]:\nmain.f()\nmain.g()\n\t/x.go:2 +0x1\n\ngoroutine 2 [select]:\nmain.h()\n\t/x.go:3\n",
    );
    assert_eq!(d.goroutines.len(), 2);
    assert_eq!(funcs(&d, &d.goroutines[0]), ["main.f", "main.g"]);
    let f = d.frames(&d.goroutines[0]).next().unwrap();
    assert_eq!((f.site.file.as_str(), f.site.line), ("", 0));
    assert_eq!(warnings(&d), ["line 2: function line without its file line"]);
}

// ---- created by, elision, unavailable stacks, ancestors -----------------------------

#[test]
fn created_by() {
    // (line, function, parent)
    let cases: &[(&str, &str, Option<u64>)] = &[
        ("created by net/http.(*Server).Serve", "net/http.(*Server).Serve", None),
        ("created by net/http.(*Server).Serve in goroutine 10", "net/http.(*Server).Serve", Some(10)),
        ("created by main.main.func1 in goroutine 1", "main.main.func1", Some(1)),
        ("created by example.com/m.Run[...] in goroutine 7", "example.com/m.Run[...]", Some(7)),
        ("created by os/signal.init.0", "os/signal.init.0", None),
    ];
    for &(line, func, parent) in cases {
        let d = one(&format!("goroutine 20 [select]:\nmain.f()\n\t/x.go:1 +0x1\n{line}\n\t/y.go:9 +0x2a\n"));
        assert!(d.warnings.is_empty(), "{line}: {:?}", warnings(&d));
        let g = &d.goroutines[0];
        let c = g.created_by.expect(line);
        let (f, s) = d.created_by(&c);
        assert_eq!(
            (f.full.as_str(), s.file.as_str(), s.line, s.pc_offset, c.parent),
            (func, "/y.go", 9, Some(0x2a), parent),
            "{line}"
        );
        assert_eq!(g.frames.len(), 1, "created-by is not a frame: {line}");
    }
    let d =
        one("goroutine 20 [select]:\nmain.f()\n\t/x.go:1 +0x1\ncreated by main.g in goroutine 3\n\t/y.go:9 +0x2a\n");
    assert!(d.era.min >= Some(GoVersion(1, 21)));
    let d = one("goroutine 20 [select]:\nmain.f()\n\t/x.go:1 +0x1\ncreated by main.g\n\t/y.go:9 +0x2a\n");
    assert_eq!(d.era.max, Some(GoVersion(1, 20)));
}

#[test]
fn elided_frames() {
    // (marker, count, era bound)
    let cases: &[(&str, Option<u32>)] =
        &[("...additional frames elided...", None), ("...12 frames elided...", Some(12))];
    for &(marker, count) in cases {
        let mut text = String::from("goroutine 5 [chan receive]:\n");
        for i in 0..50 {
            text.push_str(&format!("main.deep(0x{i:x})\n\t/x.go:{} +0x1\n", 10 + i));
        }
        text.push_str(&format!("{marker}\n"));
        for i in 0..50 {
            text.push_str(&format!("main.deep(0x{i:x})\n\t/x.go:{} +0x1\n", 100 + i));
        }
        text.push_str(
            "created by main.main in goroutine 1\n\t/x.go:200 +0x5\n\ngoroutine 6 [select]:\nmain.g()\n\t/x.go:3\n",
        );
        let d = one(&text);
        assert!(d.warnings.is_empty(), "{marker}: {:?}", warnings(&d));
        assert_eq!(d.goroutines.len(), 2);
        let g = &d.goroutines[0];
        assert_eq!(g.frames.len(), 100, "frames on both sides of {marker}");
        let e = g.elided.expect(marker);
        assert_eq!((e.after, e.count), (50, count), "{marker}");
        assert_eq!(d.frames(g).nth(50).unwrap().site.line, 100);
        assert!(g.created_by.is_some());
        assert_eq!(d.goroutines[1].elided, None);
    }
}

#[test]
fn stack_unavailable() {
    let text = "goroutine 1 [running]:\nmain.main()\n\t/x.go:3 +0x1\n\n\
                goroutine 7 [running]:\n\tgoroutine running on other thread; stack unavailable\n\
                created by main.main in goroutine 1\n\t/x.go:9 +0x2\n\n\
                goroutine 8 [running]:\n\tgoroutine running on other thread; stack unavailable\n\n\
                goroutine 9 [select]:\nmain.g()\n\t/x.go:4\n";
    let d = one(text);
    assert!(d.warnings.is_empty(), "{:?}", warnings(&d));
    let ids: Vec<_> = d.goroutines.iter().map(|g| (g.id, g.stack_unavailable, g.frames.len())).collect();
    assert_eq!(ids, [(Some(1), false, 1), (Some(7), true, 0), (Some(8), true, 0), (Some(9), false, 1)]);
    assert_eq!(d.goroutine(7).unwrap().created_by.unwrap().parent, Some(1));
}

#[test]
fn ancestors() {
    let text = "\
goroutine 8 [sync.Mutex.Lock]:
sync.(*Mutex).Lock(...)
\t/go/src/sync/mutex.go:46
main.link(0x15f2d918210, 0x7)
\t/app/spawn.go:36 +0xb2
created by main.link in goroutine 7
\t/app/spawn.go:46 +0x2a6
[originating from goroutine 7]:
main.link(...)
\t/app/spawn.go:47 +0x2a6
created by main.link
\t/app/spawn.go:44 +0x232
[originating from goroutine 1]:
main.main()
\t/app/main.go:111 +0xb13

goroutine 3 [sleep]:
time.Sleep(0x34630b8a000)
\t/go/src/runtime/time.go:368 +0x165
";
    let d = one(text);
    assert!(d.warnings.is_empty(), "{:?}", warnings(&d));
    assert_eq!(d.goroutines.len(), 2);
    let g = d.goroutine(8).unwrap();
    assert_eq!(funcs(&d, g), ["sync.(*Mutex).Lock", "main.link"], "ancestor frames are not the goroutine's");
    assert_eq!(g.created_by.unwrap().parent, Some(7));
    let a: Vec<_> = g
        .ancestors
        .iter()
        .map(|a| {
            let fs: Vec<_> = d.frames_in(a.frames.clone()).map(|f| (f.func.full.clone(), f.site.line)).collect();
            (a.id, fs, a.created_by.map(|c| (d.created_by(&c).0.full.clone(), d.created_by(&c).1.line)))
        })
        .collect();
    assert_eq!(
        a,
        [
            (7, vec![("main.link".to_string(), 47)], Some(("main.link".to_string(), 44))),
            (1, vec![("main.main".to_string(), 111)], None),
        ]
    );
    assert_eq!(funcs(&d, d.goroutine(3).unwrap()), ["time.Sleep"]);
}

// ---- goroutine boundaries ----------------------------------------------------------

#[test]
fn headers_without_blank_lines_between_them() {
    let text = "goroutine 1 [running]:\nmain.a()\n\t/x.go:1 +0x1\ngoroutine 2 [select]:\nmain.b()\n\t/x.go:2 +0x1\n\
                created by main.a\n\t/x.go:3 +0x1\ngoroutine 3 [sleep]:\nmain.c()\n\t/x.go:4 +0x1\n";
    let d = one(text);
    assert!(d.warnings.is_empty(), "{:?}", warnings(&d));
    let got: Vec<_> = d.goroutines.iter().map(|g| (g.id, funcs(&d, g), g.line)).collect();
    assert_eq!(
        got,
        [
            (Some(1), vec!["main.a".to_string()], 1),
            (Some(2), vec!["main.b".to_string()], 4),
            (Some(3), vec!["main.c".to_string()], 9),
        ]
    );
}

#[test]
fn a_lost_header_becomes_an_anonymous_goroutine_with_a_warning() {
    let text = "goroutine 1 [running]:\nmain.a()\n\t/x.go:1 +0x1\n\n\
                sync.(*Mutex).Lock(0xc208731b90)\n\t/go/src/sync/mutex.go:66 +0xd3\nmain.b()\n\t/x.go:2 +0x1\n\n\
                goroutine 3 [sleep]:\nmain.c()\n\t/x.go:4 +0x1\n";
    let d = one(text);
    let got: Vec<_> = d.goroutines.iter().map(|g| (g.id, g.frames.len(), g.line)).collect();
    assert_eq!(got, [(Some(1), 1, 1), (None, 2, 5), (Some(3), 1, 10)]);
    assert_eq!(warnings(&d), ["line 5: frames without a goroutine header: kept as an anonymous goroutine"]);
    assert_eq!(d.state(&d.goroutines[1]), "");
}

#[test]
fn two_dumps_reusing_ids_are_never_merged() {
    let dump =
        "goroutine 1 [running]:\nmain.main()\n\t/x.go:5 +0x1\n\ngoroutine 2 [select]:\nmain.g()\n\t/x.go:6 +0x1\n";
    let text = format!("{dump}\n{dump}\n{}", dump.replace("select", "sleep"));
    let ds = dumps(&text);
    assert_eq!(ds.len(), 3, "{:?}", common::summaries(&ds));
    let spans: Vec<_> = ds.iter().map(|d| (d.span.first_line, d.span.last_line, d.goroutines.len())).collect();
    assert_eq!(spans, [(1, 7, 2), (9, 15, 2), (17, 23, 2)]);
    assert_eq!(ds[2].state(&ds[2].goroutines[1]), "sleep");
    assert!(ds.iter().all(|d| d.warnings.is_empty()));
    // Without a blank line between them, too.
    let ds = dumps(&format!("{dump}{dump}"));
    assert_eq!(ds.len(), 2);
    assert_eq!((ds[1].span.first_line, ds[1].goroutines.len()), (8, 2));
}

#[test]
fn the_runtime_stack_of_a_fatal_error() {
    let text = "\
fatal error: concurrent map writes

goroutine 7 [running]:
main.writer(0xc000012345)
\t/app/main.go:12 +0x45
created by main.main in goroutine 1
\t/app/main.go:20 +0x2a

runtime stack:
runtime.throw({0x4a1b2c?, 0x0?})
\t/go/src/runtime/panic.go:1023 +0x5c fp=0x7ffd sp=0x7ffc pc=0x43a
runtime.fatal(...)
\t/go/src/runtime/panic.go:1017

goroutine 1 [sleep]:
time.Sleep(0x3b9aca00)
\t/go/src/runtime/time.go:195 +0x135
";
    let d = one(text);
    assert_eq!(d.kind, DumpKind::Panic);
    assert_eq!(d.reason.as_deref(), Some("fatal error: concurrent map writes"));
    assert!(d.warnings.is_empty(), "{:?}", warnings(&d));
    assert_eq!(d.goroutines.iter().map(|g| g.id).collect::<Vec<_>>(), [Some(7), Some(1)]);
    let rs: Vec<_> = d.frames_in(d.runtime_stack.clone().unwrap()).map(|f| f.func.full.clone()).collect();
    assert_eq!(rs, ["runtime.throw", "runtime.fatal"]);
}

#[test]
fn damaged_bytes_in_arguments_become_replacement_characters() {
    let text = b"goroutine 1 [running]:\nmain.f(0xc000012345, \xff\xfe)\n\t/x.go:3 +0x1\nmain.g(0x1)\n\t/x.go:9 +0x2\n";
    let d = holdup::read_dumps(text, "t").unwrap().remove(0);
    let args: Vec<&str> = d.frames(&d.goroutines[0]).map(|f| f.args).collect();
    assert_eq!(args, ["0xc000012345, \u{fffd}\u{fffd}", "0x1"]);
}
