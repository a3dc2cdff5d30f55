//! What a goroutine is doing, in plain words: "deleting a directory tree", "syncing a file to
//! disk", "waiting for a reply from a gRPC server".
//!
//! One table, [`TABLE`], read top to bottom: the first row whose *inner* pattern matches one
//! of the innermost frames, and whose *outer* pattern (if any) matches a frame farther out,
//! says what the goroutine does. Specific rows come first (`os.RemoveAll` around `unlinkat`
//! is a tree being deleted; `unlinkat` alone is one file). The frames the row matched are
//! kept, so that a report can show the path: `os.RemoveAll → unix.Unlinkat`.
//!
//! A pattern is a list of alternatives, each matched against a function's full name: `=x`
//! the whole name, `.x` the end of the name (`.RemoveAll` matches `os.RemoveAll`), anything
//! else a substring. Matching is on names only, not on the wait kind: a goroutine in
//! `fsync` is syncing a file whether its header says `syscall` or `running`. To extend it,
//! add a row (and a line to the test below); nothing else reads the names.

use crate::model::{Dump, Goroutine};
use crate::waits::WaitKind;

/// One row of the table.
#[derive(Debug)]
pub struct Row {
    /// Alternatives for the frame that does the work (looked for among the innermost frames).
    pub inner: &'static [&'static str],
    /// Alternatives for a frame farther out that gives the work its meaning; empty: none needed.
    pub outer: &'static [&'static str],
    /// What it is doing.
    pub phrase: &'static str,
    /// What kind of work that is.
    pub work: Work,
}

/// What kind of work a row describes: how its waits are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Work {
    /// File-system work that should end (deleting, syncing, walking, mounting, a FIFO).
    Disk,
    /// A call to another server that should answer (gRPC, HTTP, connecting).
    Remote,
    /// Reading or writing a stream, waiting for a connection or a child: idle by design
    /// unless a request waits on it.
    Stream,
    /// Sleeping between attempts.
    Retry,
}

impl Work {
    /// The stable name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Work::Disk => "disk",
            Work::Remote => "remote",
            Work::Stream => "stream",
            Work::Retry => "retry",
        }
    }
}

/// How many innermost frames the inner pattern is looked for in: the work is near the top
/// of the stack, under the runtime's and the poller's own frames.
const INNER_DEPTH: usize = 16;

/// The table: specific rows first.
pub const TABLE: &[Row] = &[
    Row {
        inner: &["nlinkat", ".Rmdir", ".rmdir", ".removeAllFrom", ".Remove", "=syscall.unlink"],
        outer: &[".RemoveAll"],
        phrase: "deleting a directory tree",
        work: Work::Disk,
    },
    Row {
        inner: &["etdents", "ReadDirent", ".readdir", ".Readdirnames", ".ReadDir", ".Readdir", ".Lstat", ".lstat"],
        outer: &["filepath.Walk", "filepath.walk", ".WalkDir", ".walkDir", "fs.WalkDir"],
        phrase: "walking a directory tree",
        work: Work::Disk,
    },
    Row {
        inner: &["nlinkat", ".Rmdir", ".rmdir", "=os.Remove", "=syscall.Unlink"],
        outer: &[],
        phrase: "deleting a file",
        work: Work::Disk,
    },
    Row {
        inner: &["etdents", "ReadDirent", ".readdir", ".Readdirnames", ".ReadDir", ".Readdir"],
        outer: &[],
        phrase: "reading a directory",
        work: Work::Disk,
    },
    Row {
        inner: &[
            "Fsync",
            "fsync",
            "Fdatasync",
            "fdatasync",
            "=os.(*File).Sync",
            "Syncfs",
            "=syscall.Sync",
            "=unix.Sync",
        ],
        outer: &[],
        phrase: "syncing a file to disk",
        work: Work::Disk,
    },
    Row {
        inner: &["=syscall.Unmount", "unix.Unmount", "/mount.unmount", "/mount.Unmount", "/mount.Umount"],
        outer: &[],
        phrase: "unmounting a file system",
        work: Work::Disk,
    },
    Row {
        inner: &["=syscall.Mount", "unix.Mount", "/mount.mount", "/mount.Mount"],
        outer: &[],
        phrase: "mounting a file system",
        work: Work::Disk,
    },
    Row {
        inner: &[".Open", ".OpenFile", ".openat", ".Openat", ".open"],
        outer: &["fifo.", "Fifo", "FIFO"],
        phrase: "opening a FIFO, which blocks until the other end opens it",
        work: Work::Disk,
    },
    Row { inner: &["Flock", "flock", "FcntlFlock"], outer: &[], phrase: "waiting for a file lock", work: Work::Disk },
    Row {
        inner: &["blockUntilWaitable", "=syscall.Wait4", ".wait4", "=os.(*Process).Wait", "=os/exec.(*Cmd).Wait"],
        outer: &[],
        phrase: "waiting for a child process to exit",
        work: Work::Stream,
    },
    Row {
        inner: &["grpc.invoke", "grpc.Invoke", "grpc.(*ClientConn).Invoke"],
        outer: &[],
        phrase: "waiting for a reply from a gRPC server",
        work: Work::Remote,
    },
    Row {
        inner: &["net/http.(*persistConn).roundTrip", "net/http.(*Transport).roundTrip", "net/http.(*Client).do"],
        outer: &[],
        phrase: "waiting for a reply from an HTTP server",
        work: Work::Remote,
    },
    Row {
        inner: &[".Copy_file_range", ".Sendfile", ".Splice"],
        outer: &[],
        phrase: "copying a file",
        work: Work::Disk,
    },
    Row {
        inner: &["=os.(*File).Read", "=syscall.Read", "=syscall.read"],
        outer: &[],
        phrase: "reading from a file or pipe",
        work: Work::Stream,
    },
    Row {
        inner: &["=os.(*File).Write", "=syscall.Write", "=syscall.write"],
        outer: &[],
        phrase: "writing to a file or pipe",
        work: Work::Stream,
    },
    Row {
        inner: &["(*netFD).accept", "(*netFD).Accept"],
        outer: &[],
        phrase: "waiting for a connection",
        work: Work::Stream,
    },
    Row {
        inner: &["(*netFD).Read", "(*netFD).readFrom", "(*netFD).readMsg"],
        outer: &[],
        phrase: "reading from a network connection",
        work: Work::Stream,
    },
    Row {
        inner: &["(*netFD).Write", "(*netFD).writeTo", "(*netFD).writeMsg"],
        outer: &[],
        phrase: "writing to a network connection",
        work: Work::Stream,
    },
    Row {
        inner: &["(*netFD).connect", "net.(*Dialer).Dial"],
        outer: &[],
        phrase: "connecting to a network address",
        work: Work::Remote,
    },
    Row {
        inner: &["=time.Sleep"],
        outer: &["etry", "ackoff", ".poll", "Poll", "waitFor", "WaitFor", "wait.Until", "wait.Jitter"],
        phrase: "sleeping in a retry or polling loop",
        work: Work::Retry,
    },
];

/// What a goroutine is doing: the row that matched and the frames it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doing {
    /// The row's words.
    pub phrase: &'static str,
    /// The row's kind of work.
    pub work: Work,
    /// Index in [`Dump::frames`] of the frame doing the work.
    pub inner: u32,
    /// Index of the frame that gave it its meaning, if the row needed one.
    pub outer: Option<u32>,
}

impl Doing {
    /// The words with the path: `deleting a directory tree: os.RemoveAll → unix.Unlinkat`
    /// (worded by [`crate::report::words::doing_words`]).
    pub fn describe(&self, d: &Dump) -> String {
        let outer = self.outer.map(|o| d.func_at(o).full.as_str());
        crate::report::words::doing_words(self.phrase, outer, &d.func_at(self.inner).full)
    }
}

fn matches(pattern: &[&str], name: &str) -> bool {
    pattern.iter().any(|p| {
        if let Some(whole) = p.strip_prefix('=') {
            name == whole
        } else if p.starts_with('.') {
            name.ends_with(p)
        } else {
            name.contains(p)
        }
    })
}

/// What goroutine `g` is doing, by [`TABLE`]; `None` when no row matches.
pub fn of(d: &Dump, g: &Goroutine) -> Option<Doing> {
    Matcher::new(d).of(d, g)
}

/// The table matched against every function of a dump once: per function, a bit per row
/// whose inner pattern matches it and a bit per row whose outer pattern does. Reading a
/// goroutine is then a few bit tests per frame, not string searches (a large dump has tens
/// of thousands of groups to describe, and a few thousand functions).
pub struct Matcher {
    inner: Vec<u32>,
    outer: Vec<u32>,
}

impl Matcher {
    /// Matches every function of `d` against the table.
    pub fn new(d: &Dump) -> Self {
        const { assert!(TABLE.len() <= 32, "one bit per row") };
        let bits = |pick: fn(&Row) -> &'static [&'static str]| -> Vec<u32> {
            d.funcs
                .iter()
                .map(|f| {
                    TABLE.iter().enumerate().filter(|(_, r)| matches(pick(r), &f.full)).fold(0, |m, (i, _)| m | 1 << i)
                })
                .collect()
        };
        Matcher { inner: bits(|r| r.inner), outer: bits(|r| r.outer) }
    }

    /// What goroutine `g` of the dump this was built for is doing.
    pub fn of(&self, d: &Dump, g: &Goroutine) -> Option<Doing> {
        let func = |i: u32| d.site_at(i).func.0 as usize;
        let top = g.frames.start..g.frames.end.min(g.frames.start + INNER_DEPTH as u32);
        let any: u32 = top.clone().fold(0, |m, i| m | self.inner[func(i)]);
        if any == 0 {
            return None;
        }
        for (r, row) in TABLE.iter().enumerate() {
            let bit = 1 << r;
            if any & bit == 0 {
                continue;
            }
            for i in top.clone().filter(|&i| self.inner[func(i)] & bit != 0) {
                if row.outer.is_empty() {
                    return Some(Doing { phrase: row.phrase, work: row.work, inner: i, outer: None });
                }
                if let Some(o) = (i + 1..g.frames.end).find(|&o| self.outer[func(o)] & bit != 0) {
                    return Some(Doing { phrase: row.phrase, work: row.work, inner: i, outer: Some(o) });
                }
            }
        }
        None
    }
}

/// The wait itself in words, for goroutines no row of [`TABLE`] describes.
pub fn wait_phrase(kind: WaitKind) -> &'static str {
    match kind {
        WaitKind::Mutex => "waiting for a mutex",
        WaitKind::RwRead => "waiting to read-lock an RWMutex",
        WaitKind::RwWrite => "waiting to lock an RWMutex",
        WaitKind::WaitGroup => "waiting in WaitGroup.Wait for goroutines to finish",
        WaitKind::Cond => "waiting in Cond.Wait for a signal",
        WaitKind::ChanSend => "sending on a channel",
        WaitKind::ChanReceive => "waiting to receive from a channel",
        WaitKind::ChanSendNil | WaitKind::ChanReceiveNil => "blocked for ever on a nil channel",
        WaitKind::Select => "waiting in select",
        WaitKind::SelectNoCases => "blocked for ever in an empty select",
        WaitKind::IoWait => "waiting for network or file I/O",
        WaitKind::Syscall => "in a system call",
        WaitKind::Sleep => "sleeping",
        WaitKind::Semacquire => "waiting for a semaphore",
        WaitKind::Running | WaitKind::Runnable => "running",
        WaitKind::Other => "waiting",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A goroutine in `state` with `frames` (function names, innermost first).
    fn doing(state: &str, frames: &[&str]) -> Option<String> {
        let mut text = format!("goroutine 7 [{state}]:\n");
        for f in frames {
            text.push_str(&format!("{f}(0x1)\n\t/src/x.go:10 +0x1\n"));
        }
        let d = crate::read_dumps(text.as_bytes(), "t").unwrap().remove(0);
        of(&d, &d.goroutines[0]).map(|x| x.describe(&d))
    }

    #[test]
    fn each_row_says_what_the_goroutine_does() {
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "syscall",
                &[
                    "syscall.Syscall",
                    "golang.org/x/sys/unix.Unlinkat",
                    "os.removeAllFrom",
                    "os.RemoveAll",
                    "example.com/v.(*Root).Remove",
                ],
                "deleting a directory tree: os.RemoveAll → unix.Unlinkat",
            ),
            (
                "syscall",
                &[
                    "syscall.Syscall",
                    "syscall.Getdents",
                    "os.(*File).readdir",
                    "os.(*File).Readdirnames",
                    "path/filepath.walk",
                    "path/filepath.Walk",
                    "example.com/g.(*Driver).size",
                ],
                "walking a directory tree: filepath.walk → syscall.Getdents",
            ),
            (
                "syscall",
                &["syscall.Syscall", "syscall.Unlink", "os.Remove", "example.com/x.f"],
                "deleting a file: syscall.Unlink",
            ),
            (
                "syscall",
                &["syscall.Syscall", "syscall.Fsync", "os.(*File).Sync", "example.com/c.(*Container).ToDisk"],
                "syncing a file to disk: syscall.Fsync",
            ),
            (
                "syscall",
                &[
                    "syscall.Syscall",
                    "syscall.Fdatasync",
                    "go.etcd.io/bbolt.fdatasync",
                    "go.etcd.io/bbolt.(*DB).Update",
                ],
                "syncing a file to disk: syscall.Fdatasync",
            ),
            (
                "syscall",
                &["syscall.Syscall6", "syscall.Mount", "example.com/pkg/mount.mount"],
                "mounting a file system: syscall.Mount",
            ),
            (
                "syscall",
                &["syscall.Syscall", "syscall.Unmount", "example.com/pkg/mount.unmount"],
                "unmounting a file system: syscall.Unmount",
            ),
            (
                "syscall",
                &[
                    "syscall.Syscall6",
                    "syscall.openat",
                    "syscall.Open",
                    "os.openFileNolog",
                    "os.OpenFile",
                    "github.com/containerd/fifo.openFifo.func1",
                ],
                "opening a FIFO, which blocks until the other end opens it: fifo.openFifo.func1 → syscall.openat",
            ),
            (
                "select",
                &[
                    "google.golang.org/grpc/internal/transport.(*Stream).waitOnHeader",
                    "google.golang.org/grpc.(*clientStream).RecvMsg",
                    "google.golang.org/grpc.invoke",
                    "google.golang.org/grpc.(*ClientConn).Invoke",
                    "github.com/containerd/containerd/api/services/tasks/v1.(*tasksClient).Kill",
                ],
                "waiting for a reply from a gRPC server: grpc.invoke",
            ),
            (
                "select",
                &[
                    "net/http.(*persistConn).roundTrip",
                    "net/http.(*Transport).roundTrip",
                    "net/http.(*Client).do",
                    "example.com/r.fetch",
                ],
                "waiting for a reply from an HTTP server: http.(*persistConn).roundTrip",
            ),
            (
                "syscall",
                &["syscall.Syscall6", "os.(*Process).blockUntilWaitable", "os.(*Process).wait"],
                "waiting for a child process to exit: os.(*Process).blockUntilWaitable",
            ),
            (
                "IO wait",
                &[
                    "internal/poll.runtime_pollWait",
                    "internal/poll.(*FD).Read",
                    "net.(*netFD).Read",
                    "net.(*conn).Read",
                ],
                "reading from a network connection: net.(*netFD).Read",
            ),
            (
                "sleep",
                &["time.Sleep", "example.com/k.retryWithBackoff"],
                "sleeping in a retry or polling loop: k.retryWithBackoff → time.Sleep",
            ),
        ];
        for (state, frames, want) in cases {
            assert_eq!(doing(state, frames).as_deref(), Some(*want), "{frames:?}");
        }
    }

    #[test]
    fn plain_waits_match_no_row() {
        assert_eq!(
            doing("chan receive", &["runtime.gopark", "runtime.chanrecv1", "example.com/d.(*Daemon).Kill"]),
            None
        );
        assert_eq!(doing("sleep", &["time.Sleep", "example.com/s.(*Collector).Run"]), None, "a plain loop, no retry");
    }
}
