//! Pastes that people make of dumps, damaged on the way: each shape in a small synthetic
//! example, read as a person would read it.

mod common;

use common::{dumps, funcs, one};

/// E-mail quoting that glued every function line to the line before it: to the header
/// (`…minutes]:github.com/…`) and to the previous file line (`… +0x215github.com/…`, and
/// `+0x2fdatabase/sql…`, where the hex digits run into the package's name).
#[test]
fn email_quoting_with_glued_lines() {
    let text = "\
> Here is the dump:
>
> goroutine 1 [chan receive, 5940 minutes]:github.com/docker/docker/daemon.(*Daemon).Kill(0xc420082000, 0xc42051e000)
> /go/src/github.com/docker/docker/daemon/kill.go:162 +0x215github.com/docker/docker/daemon.(*Daemon).ContainerKill(0xc420082000, 0x40)
> /go/src/github.com/docker/docker/daemon/kill.go:40 +0x2fdatabase/sql.(*DB).conn(0xc4200a2000)
> /usr/local/go/src/database/sql/sql.go:1000 +0x1d
>
> goroutine 2 [semacquire, 5940 minutes]:sync.runtime_SemacquireMutex(0xc42064b5fc, 0x0)
> /usr/local/go/src/runtime/sema.go:62 +0x3bsync.(*Mutex).Lock(0xc42064b5f8)
> /usr/local/go/src/sync/mutex.go:87 +0x9d
";
    let d = one(text);
    assert_eq!(d.goroutines.len(), 2);
    let g = &d.goroutines[0];
    assert_eq!((g.id, g.wait_minutes), (Some(1), Some(5940)));
    assert_eq!(
        funcs(&d, g),
        [
            "github.com/docker/docker/daemon.(*Daemon).Kill",
            "github.com/docker/docker/daemon.(*Daemon).ContainerKill",
            "database/sql.(*DB).conn"
        ]
    );
    let sites: Vec<(String, u32, Option<u32>)> =
        d.frames(g).map(|f| (f.site.file.clone(), f.site.line, f.site.pc_offset)).collect();
    assert_eq!(sites[0], ("/go/src/github.com/docker/docker/daemon/kill.go".to_string(), 162, Some(0x215)));
    assert_eq!(sites[1].2, Some(0x2f), "the offset stops where `database/` begins");
    let g = &d.goroutines[1];
    assert_eq!(funcs(&d, g), ["sync.runtime_SemacquireMutex", "sync.(*Mutex).Lock"]);
    assert_eq!(d.frames(g).next().unwrap().site.pc_offset, Some(0x3b), "`+0x3bsync`: `sync.` begins the name");
    assert!(d.wrapping.iter().any(|w| w.contains("glued")), "{:?}", d.wrapping);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

/// A fragment of an escaped log message without its `msg="` wrapper, behind a journald
/// prefix, continued on a second journald line whose prefix cut `+0x215` in two.
#[test]
fn escaped_fragment_without_its_wrapper_split_by_journald() {
    let text = "Sep 27 21:16:10 host dockerd[6773]: goroutine 25861 [semacquire, 7132 minutes]:\\nsync.runtime_SemacquireMutex(0xc42064b5fc, 0x0)\\n\\t/usr/local/go/src/runtime/sema.go:62 +0x3b\\nsync.(*Mutex).Lock(0xc42064b5f8)\\n\\t/usr/local/go/src/sync/mutex.go:87 +0x9d\\ngithub.com/docker/docker/daemon.(*Daemon).Kill(0xc420082000)\\n\\t/go/src/github.com/docker/docker/daemon/kill.go:162 +0x2\n\
Sep 27 21:16:11 host dockerd[6773]: 15\\n\\ngoroutine 25862 [running]:\\nmain.main()\\n\\t/app/main.go:5 +0x1d\\n\n";
    let ds = dumps(text);
    assert_eq!(ds.len(), 1);
    let d = &ds[0];
    let ids: Vec<Option<u64>> = d.goroutines.iter().map(|g| g.id).collect();
    assert_eq!(ids, [Some(25861), Some(25862)]);
    let g = &d.goroutines[0];
    assert_eq!(g.wait_minutes, Some(7132));
    assert_eq!(funcs(d, g).last().unwrap(), "github.com/docker/docker/daemon.(*Daemon).Kill");
    assert_eq!(d.frames(g).last().unwrap().site.pc_offset, Some(0x215), "the number cut by the prefix is whole");
    assert!(d.wrapping.iter().any(|w| w.contains("split over 2 lines")), "{:?}", d.wrapping);
}

/// A plain dump line that merely starts with a header is not taken for an escaped one.
#[test]
fn a_plain_header_is_not_an_escaped_fragment() {
    let d = one("goroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n");
    assert!(d.wrapping.is_empty(), "{:?}", d.wrapping);
}

/// `go tool pprof`-less triage: the debug=1 profile through `grep -C`, with the shell prompt
/// and the command above it and grep's `--` between the records it kept.
#[test]
fn pprof_debug1_through_grep_with_the_prompt_above() {
    let text = "\
user@host:~$ curl -s 'http://localhost:6060/debug/pprof/goroutine?debug=1' | grep -C 3 Mutex
#\t0x6a8c10\tmain.(*Store).run+0x20\t\t\t\t\t/app/store.go:50

40 @ 0x43a0a5 0x44b2e5 0x466b8a 0x47d1e5 0x6a8c3e
#\t0x466b89\tsync.runtime_SemacquireMutex+0x49\t\t\t/usr/local/go/src/runtime/sema.go:71
#\t0x47d1e4\tsync.(*Mutex).lockSlow+0x164\t\t\t\t/usr/local/go/src/sync/mutex.go:138
#\t0x6a8c3d\tmain.(*Store).Get+0x3d\t\t\t\t\t/app/store.go:30
--
1 @ 0x43a0a5 0x44b2e5 0x466b8a 0x47d1e5
#\t0x466b89\tsync.runtime_SemacquireMutex+0x49\t\t\t/usr/local/go/src/runtime/sema.go:71
#\t0x47d1e4\tsync.(*Mutex).Lock+0x164\t\t\t\t/usr/local/go/src/sync/mutex.go:81
user@host:~$ 
";
    let d = one(text);
    assert_eq!(d.goroutine_count(), 41);
    assert_eq!(funcs(&d, &d.goroutines[0]).last().unwrap(), "main.(*Store).Get");
    assert_eq!(funcs(&d, &d.goroutines[1]).last().unwrap(), "sync.(*Mutex).Lock");
    assert!(d.warnings.iter().any(|w| w.message.contains("grep")), "{:?}", d.warnings);
}

/// GitHub markdown that paired the stars of two pointer receivers and left underscores:
/// the names are read with their `*`, so the lock waits are recognised.
#[test]
fn markdown_underscores_for_receiver_stars() {
    let text = "\
goroutine 7 [semacquire, 3 minutes]:
sync.runtime_SemacquireMutex(0xc0000b6024, 0x0, 0x0)
\t/usr/local/go/src/runtime/sema.go:71 +0x47
sync.(_RWMutex).Lock(0xc0000b6018)
\t/usr/local/go/src/sync/rwmutex.go:103 +0x88
main.(*Store).Put(0xc0000b6000)
\t/app/store.go:20 +0x3a

goroutine 8 [semacquire, 3 minutes]:
sync.runtime_SemacquireMutex(0xc0000b600c, 0x0, 0x0)
\t/usr/local/go/src/runtime/sema.go:71 +0x47
sync.(_Mutex).Lock(0xc0000b6008)
\t/usr/local/go/src/sync/mutex.go:138 +0xfc
main.(*Store).Get(0xc0000b6000)
\t/app/store.go:30 +0x3a
";
    let d = one(text);
    assert_eq!(funcs(&d, &d.goroutines[0])[1], "sync.(*RWMutex).Lock");
    assert_eq!(funcs(&d, &d.goroutines[1])[1], "sync.(*Mutex).Lock");
    let a = holdup::analysis::analyze(&d);
    let mut kinds: Vec<String> = a.locks.iter().map(|l| format!("{:?}", l.kind)).collect();
    kinds.sort();
    assert_eq!(kinds, ["Mutex", "RwMutex"], "both lock waits are recognised");
    assert!(d.wrapping.iter().any(|w| w.contains("markdown")), "{:?}", d.wrapping);
}
