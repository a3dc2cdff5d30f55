//! `holdup capture`: get a goroutine dump out of a live daemon, then analyze it.
//!
//! The steps: find the process (`--pid`, or `--process NAME` through `/proc`, see
//! [`process`]); decide the signal from what holdup knows of the daemon (see [`daemons`]:
//! SIGUSR1 for dockerd, containerd and cri-o; nothing for a process whose handler is unknown
//! unless `--signal` is given, and SIGQUIT, which kills a Go program that does not handle it,
//! only with `--force`); note what the candidate directories (and a standard error that is a
//! file) hold; send the signal; wait for a dump to appear there — a new file, or a changed
//! one (containerd overwrites its file), or the path the daemon logs — and to be complete
//! (its size stable and its text ending like a whole dump); copy it (`--out`) and analyze it.
//!
//! Fetching over HTTP and unix sockets is in [`fetch`]; following a directory is in [`watch`].

pub mod daemons;
pub mod fetch;
pub mod process;
pub mod watch;

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use clap::Args;

use daemons::{Kind, Place, Signal};
use process::Process;

const AFTER_HELP: &str = "\
What it does:
  dockerd, containerd, cri-o: sends SIGUSR1, which makes them write their goroutines to a file
  and keep running. dockerd writes goroutine-stacks-<time>.log into its exec root (--exec-root,
  \"exec-root\" in daemon.json, default /var/run/docker); containerd writes
  containerd.<pid>.stacks.log into its temp dir (/tmp); cri-o writes
  /tmp/crio-goroutine-stacks-<time>.log. holdup finds the file from the daemon's flags, its
  config file and what appeared after the signal, waits until it is complete, copies it
  (--out) and analyzes it.
  kubelet and unknown programs: nothing is sent unless --signal is given; holdup says how to
  get their goroutines (net/http/pprof: `holdup analyze http://HOST:PORT/debug/pprof/goroutine?debug=2`).
  SIGQUIT kills a Go program that does not handle it: it is sent only with --signal QUIT
  --force, and the dump is read from the program's standard error when that is a file.

Examples:
  sudo holdup capture --process dockerd --out /var/tmp/dumps/
  sudo holdup capture --pid 1234 --format json
  holdup capture --process myserver --signal USR1 --dir /var/log/myserver
  holdup capture --pid 4321 --signal QUIT --force --out quit.txt

Exit codes:
  0  a dump was captured and analyzed
  2  no such process, several matches, permission denied, no dump within --timeout, or bad
     arguments";

/// Arguments of `holdup capture`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct CaptureArgs {
    /// The process to dump, by id.
    #[arg(long, value_name = "PID", required_unless_present = "process", conflicts_with = "process")]
    pub pid: Option<u32>,

    /// The process to dump, by name (dockerd, containerd, crio, kubelet or any other); it
    /// must be the only one of that name.
    #[arg(long, value_name = "NAME")]
    pub process: Option<String>,

    /// The signal to send instead of the daemon's own dump signal: USR1, USR2 or QUIT
    /// (QUIT needs --force).
    #[arg(long, value_name = "SIGNAL", value_parser = Signal::parse)]
    pub signal: Option<Signal>,

    /// Send SIGQUIT although it ends the process unless the process handles it.
    #[arg(long)]
    pub force: bool,

    /// Also look for the dump in this directory (repeatable): any file that appears or
    /// changes there after the signal.
    #[arg(long = "dir", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Save a copy of the dump: a file name, or an existing directory (the dump keeps its
    /// name there, with the time added when the daemon reuses one name).
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,

    /// With --out: remove the daemon's own file once copied (a tmpfs such as /var/run/docker
    /// should not fill up with the dumps of a periodic capture).
    #[arg(long = "move", requires = "out")]
    pub move_: bool,

    /// How long to wait for the dump to appear and be complete (`30s`, `2m`).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Output format: text for people, json (schema holdup.analysis/v1), or dot.
    #[arg(long, value_enum, default_value_t = crate::cli::AnalyzeFormat::Text)]
    pub format: crate::cli::AnalyzeFormat,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("'{s}' is not a duration like 30s or 2m: {e}"))
}

/// A dump captured from a process.
#[derive(Debug)]
pub struct Captured {
    /// The dump's text.
    pub bytes: Vec<u8>,
    /// Where the daemon wrote it (through `/proc/<pid>/root`), or the stderr file.
    pub path: PathBuf,
    /// The path as the daemon names it.
    pub shown: PathBuf,
    /// Whether the text ended like a complete dump (else it was taken once its size stayed
    /// the same, with a warning).
    pub complete: bool,
    /// How long after the signal it was complete.
    pub after: Duration,
}

/// Why capturing failed; the message says what to do.
#[derive(Debug)]
pub struct CaptureError(pub String);

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a candidate directory or file held before the signal.
#[derive(Debug, Default)]
struct Before {
    /// (path, size, modification time) of every fitting file.
    files: Vec<(PathBuf, u64, Option<SystemTime>)>,
}

impl Before {
    fn changed(&self, path: &Path, size: u64, mtime: Option<SystemTime>) -> bool {
        match self.files.iter().find(|(p, _, _)| p == path) {
            None => true,
            Some((_, s, m)) => *s != size || *m != mtime,
        }
    }
}

fn list(place: &Place) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let Ok(rd) = fs::read_dir(&place.dir) else { return Vec::new() };
    rd.flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| place.pattern.matches(n)))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            m.is_file().then(|| (e.path(), m.len(), m.modified().ok()))
        })
        .collect()
}

/// Sends `sig` to `pid`, with a clear error for a process that is gone or not ours.
#[cfg(unix)]
pub fn send(pid: u32, sig: Signal) -> Result<(), CaptureError> {
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return Err(CaptureError(format!("no such process: {pid}")));
    };
    if p <= 0 {
        return Err(CaptureError(format!("no such process: {pid}")));
    }
    // SAFETY: kill(2) with a positive pid signals that one process; it has no memory effects.
    let r = unsafe { libc::kill(p, sig.number()) };
    if r == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    Err(CaptureError(match e.raw_os_error() {
        Some(libc::ESRCH) => format!("no such process: {pid} (it exited)"),
        Some(libc::EPERM) => format!(
            "permission denied sending {} to pid {pid}: run holdup as the process's user or as root (sudo)",
            sig.name()
        ),
        _ => format!("could not send {} to pid {pid}: {e}", sig.name()),
    }))
}

#[cfg(not(unix))]
pub fn send(_pid: u32, _sig: Signal) -> Result<(), CaptureError> {
    Err(CaptureError("capture needs a Unix system".into()))
}

/// Whether `text` ends like a whole dump: its last line is a frame's location
/// (`\t/path/x.go:12 +0x1d`), an elision note, or the END marker of a logged dump.
pub fn looks_complete(text: &[u8]) -> bool {
    let trimmed = text.trim_ascii_end();
    let last = trimmed.rsplit(|&b| b == b'\n').next().unwrap_or(b"");
    let last_str = String::from_utf8_lossy(last);
    let s = last_str.trim();
    if s.contains("=== END goroutine stack dump ===") || s.starts_with("...") {
        return true;
    }
    // A location line: indented, with `.go:N` or `.s:N` (assembly) in it.
    let indented = last.first().is_some_and(|&b| b == b'\t' || b == b' ');
    indented && (s.contains(".go:") || s.contains(".s:") || s.contains("?:"))
}

/// How often the candidate places are looked at.
const POLL: Duration = Duration::from_millis(100);
/// A dump whose size stays the same this long is taken (with a warning if its end does not
/// look complete).
const SETTLE: Duration = Duration::from_millis(300);
const SETTLE_INCOMPLETE: Duration = Duration::from_secs(2);

/// A dump being written, watched until it is complete. It is read through a file opened
/// when it was found: a process's standard error (`/proc/N/fd/2`) cannot be opened again
/// once the process has exited.
struct Growing {
    file: fs::File,
    path: PathBuf,
    shown: PathBuf,
    size: u64,
    since: Instant,
    /// Offset where the dump starts (a standard error file held text before it).
    from: u64,
}

/// Signals `p` and waits for its dump in `places` (and its standard error file, for SIGQUIT
/// or a program that dumps there). `notes` get what was looked at.
pub fn capture(p: &Process, sig: Signal, places: &[Place], timeout: Duration) -> Result<Captured, CaptureError> {
    let before: Vec<Before> = places.iter().map(|pl| Before { files: list(pl) }).collect();
    // Opened now: after a SIGQUIT the process, and its /proc/N/fd, are gone.
    let stderr = p.stderr_file().and_then(|f| fs::File::open(&f).ok().map(|h| (f, h)));
    let stderr_start = stderr.as_ref().and_then(|(_, h)| h.metadata().ok()).map_or(0, |m| m.len());
    let stderr_target = p.stderr_target();
    let start = Instant::now();
    send(p.pid, sig)?;
    let mut growing: Option<Growing> = None;
    let mut exited_at: Option<Instant> = None;
    loop {
        std::thread::sleep(POLL);
        let now = Instant::now();
        if growing.is_none() {
            growing = find_new(p, places, &before, stderr.as_ref(), stderr_start, now);
        }
        if let Some(g) = &mut growing {
            let size = g.file.metadata().map(|m| m.len()).unwrap_or(g.size);
            if size != g.size {
                g.size = size;
                g.since = now;
            } else {
                let stable = now.duration_since(g.since);
                // The SIGQUIT dump of a dying process is complete when it is gone.
                let gone = sig == Signal::Quit && !p.alive();
                if stable >= SETTLE || gone {
                    // Only the end is looked at until it is complete: a dump of 100,000
                    // goroutines is 200 MB, read once.
                    let complete = gone || tail_complete(&mut g.file, g.from, size);
                    if complete || stable >= SETTLE_INCOMPLETE {
                        let bytes = read_from(&mut g.file, &g.path, g.from)?;
                        return Ok(Captured {
                            bytes,
                            path: g.path.clone(),
                            shown: g.shown.clone(),
                            complete,
                            after: now.duration_since(start),
                        });
                    }
                }
            }
        }
        if sig == Signal::Quit && !p.alive() && growing.is_none() {
            // Gone, and nothing appeared where we can see: give it a moment for buffers.
            let at = *exited_at.get_or_insert(now);
            if now.duration_since(at) > Duration::from_secs(1) {
                return Err(CaptureError(format!(
                    "{} (pid {}) exited on SIGQUIT; its dump went to its standard error ({}), which holdup cannot read: \
look in the log that collects it (journalctl -u UNIT, the container's log, the terminal)",
                    p.name(),
                    p.pid,
                    stderr_target.clone().unwrap_or_else(|| "unknown".into())
                )));
            }
        }
        if now.duration_since(start) > timeout {
            return Err(timeout_error(p, sig, places, stderr.is_some(), timeout, growing.is_some(), stderr_target));
        }
    }
}

fn timeout_error(
    p: &Process,
    sig: Signal,
    places: &[Place],
    stderr: bool,
    timeout: Duration,
    seen: bool,
    stderr_target: Option<String>,
) -> CaptureError {
    let t = humantime::format_duration(timeout);
    if seen {
        return CaptureError(format!(
            "{} (pid {}) started a dump but it was still growing after {t}: raise --timeout",
            p.name(),
            p.pid
        ));
    }
    let mut m = format!("no dump appeared within {t} after sending {} to {} (pid {}).", sig.name(), p.name(), p.pid);
    if places.is_empty() {
        m.push_str(" holdup knew of no place where it writes one: give --dir DIR.");
    } else {
        m.push_str(" Looked in:");
        for pl in places {
            let reach = if pl.dir.is_dir() { "" } else { " (cannot be read from here)" };
            m.push_str(&format!("\n  {} ({}){reach}", pl.shown.display(), pl.why));
        }
    }
    if stderr {
        m.push_str("\n  and its standard error file");
    } else if let Some(t) = stderr_target {
        m.push_str(&format!("\n  its standard error goes to {t}: a dump written there is in that log"));
    }
    CaptureError(m)
}

/// The first new or changed fitting file in `places`, else the path the daemon logged to
/// its standard error file, else the standard error file itself when it grew with a
/// goroutine header in it.
fn find_new(
    p: &Process,
    places: &[Place],
    before: &[Before],
    stderr: Option<&(PathBuf, fs::File)>,
    stderr_start: u64,
    now: Instant,
) -> Option<Growing> {
    let open = |path: PathBuf| fs::File::open(&path).ok().map(|f| (f, path));
    for (pl, b) in places.iter().zip(before) {
        let mut fresh: Vec<_> = list(pl).into_iter().filter(|(path, s, m)| b.changed(path, *s, *m)).collect();
        // The newest first: two dumps in a row leave two new files.
        fresh.sort_by_key(|(_, _, m)| std::cmp::Reverse(*m));
        if let Some((file, path)) = fresh.into_iter().find_map(|(path, _, _)| open(path)) {
            let shown = pl.shown.join(path.file_name().unwrap_or_default());
            let size = file.metadata().map_or(0, |m| m.len());
            return Some(Growing { file, path, shown, size, since: now, from: 0 });
        }
    }
    let (err_path, err) = stderr?;
    let mut err = err.try_clone().ok()?;
    let size = err.metadata().ok()?.len();
    if size <= stderr_start {
        return None;
    }
    let added = read_from(&mut err, err_path, stderr_start).ok()?;
    let text = String::from_utf8_lossy(&added);
    if let Some(logged) = daemons::logged_path(&text)
        && let Some((file, path)) = open(p.in_root(Path::new(&logged)))
    {
        let size = file.metadata().map_or(0, |m| m.len());
        return Some(Growing { file, path, shown: PathBuf::from(logged), size, since: now, from: 0 });
    }
    // A dump written to standard error itself (SIGQUIT; a program that prints on USR1): a
    // goroutine header at a line start (not a log line that mentions goroutines, such as
    // containerd's escaped BEGIN line before its file is written), from the `SIGQUIT: quit`
    // or `panic:` line before it when there is one.
    let at = raw_dump_start(&text)?;
    let from = stderr_start + at as u64;
    Some(Growing { file: err, path: err_path.clone(), shown: PathBuf::from("standard error"), size, since: now, from })
}

/// Where a raw dump starts in `text`: the first `goroutine N [` at a line start, or the
/// `SIGQUIT: quit` / `panic:` / `fatal error:` line before it.
fn raw_dump_start(text: &str) -> Option<usize> {
    let header = regex::Regex::new(r"(?m)^goroutine \d+ \[").ok()?;
    let at = header.find(text)?.start();
    let before = &text[..at];
    let lead = ["SIGQUIT: quit", "panic: ", "fatal error: "]
        .iter()
        .filter_map(|m| before.match_indices(m).map(|(i, _)| i).find(|&i| i == 0 || before.as_bytes()[i - 1] == b'\n'))
        .min();
    Some(lead.unwrap_or(at))
}

/// Whether the last 64 KiB of the dump (from `from` to `size`) end like a whole dump.
fn tail_complete(f: &mut fs::File, from: u64, size: u64) -> bool {
    let start = size.saturating_sub(64 << 10).max(from);
    let mut tail = Vec::new();
    f.seek(SeekFrom::Start(start)).is_ok()
        && f.take(size - start).read_to_end(&mut tail).is_ok()
        && looks_complete(&tail)
}

fn read_from(f: &mut fs::File, path: &Path, from: u64) -> Result<Vec<u8>, CaptureError> {
    let err = |e: io::Error| CaptureError(format!("{}: {e}", path.display()));
    f.seek(SeekFrom::Start(from)).map_err(err)?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).map_err(err)?;
    Ok(buf)
}

/// Where `--out` puts the copy: the file itself, or the dump's name inside a directory
/// (with the time when the daemon reuses one name, as containerd does).
pub fn out_path(out: &Path, c: &Captured, p: &Process) -> PathBuf {
    if !out.is_dir() {
        return out.to_path_buf();
    }
    let name = c.shown.file_name().and_then(|n| n.to_str()).unwrap_or("dump.log");
    let timestamped = name.starts_with("goroutine-stacks-") || name.starts_with("crio-goroutine-stacks-");
    let name = if timestamped && c.shown.is_absolute() {
        name.to_string()
    } else {
        // dockerd's way of naming by time: RFC 3339 without the colons.
        let time = humantime::format_rfc3339_seconds(SystemTime::now()).to_string().replace(':', "");
        let stem = if c.shown.is_absolute() {
            name.trim_end_matches(".log").to_string()
        } else {
            format!("{}.{}", p.name(), p.pid)
        };
        format!("{stem}-{time}.log")
    };
    // Two captures within a second (containerd's name has only seconds) keep both.
    let first = out.join(&name);
    let stem = name.trim_end_matches(".log").to_string();
    std::iter::once(first.clone())
        .chain((2..1000).map(|n| out.join(format!("{stem}-{n}.log"))))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Runs `holdup capture`, reading the captured dump within the limits of `read`.
pub fn run(
    args: &CaptureArgs,
    read: &crate::ReadOptions,
    style: crate::report::style::Style,
    out: &mut dyn Write,
) -> io::Result<ExitCode> {
    match capture_cmd(args, read) {
        Ok((dumps, _)) => {
            crate::cli::write_analysis(dumps, args.format, style, out)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            say!("{e}");
            Ok(ExitCode::from(2))
        }
    }
}

/// Finds the process, captures its dump, saves it, and reads it.
fn capture_cmd(args: &CaptureArgs, read: &crate::ReadOptions) -> Result<(Vec<crate::Dump>, PathBuf), CaptureError> {
    let p = match (args.pid, &args.process) {
        (Some(pid), _) => process::by_pid(pid),
        (None, Some(name)) => process::find_one(name),
        (None, None) => return Err(CaptureError("give --pid PID or --process NAME".into())),
    }
    .map_err(|e| CaptureError(e.to_string().trim_end().to_string()))?;
    let kind = Kind::of(&p);
    let sig = match (args.signal, kind.dump_signal()) {
        (Some(Signal::Quit), _) if !args.force => {
            return Err(CaptureError(format!(
                "SIGQUIT ends {} (pid {}) unless it handles the signal: add --force if that is what you want",
                p.name(),
                p.pid
            )));
        }
        (Some(s), _) => s,
        (None, Some(s)) => s,
        (None, None) => return Err(CaptureError(kind.no_signal_hint(&p))),
    };
    let mut notes = Vec::new();
    let places = daemons::places(kind, &p, &args.dirs, &mut notes);
    for n in &notes {
        say!("note: {n}");
    }
    let where_ = places.iter().map(|pl| pl.shown.display().to_string()).collect::<Vec<_>>().join(", ");
    say!(
        "sending {} to {} (pid {}); waiting up to {} for its dump{}",
        sig.name(),
        p.name(),
        p.pid,
        humantime::format_duration(args.timeout),
        if where_.is_empty() { String::new() } else { format!(" in {where_}") }
    );
    let c = capture(&p, sig, &places, args.timeout)?;
    say!("{} wrote {} ({} bytes) in {:.1} s", p.name(), c.shown.display(), c.bytes.len(), c.after.as_secs_f64());
    if !c.complete {
        say!("warning: the dump does not end like a complete one; it stopped growing, so it is read as it is");
    }
    let source = match &args.out {
        Some(o) => {
            let to = out_path(o, &c, &p);
            fs::write(&to, &c.bytes)
                .map_err(|e| CaptureError(format!("cannot save the dump to {}: {e}", to.display())))?;
            say!("saved to {}", to.display());
            // Only a file of its own: never a standard error log.
            if args.move_ && c.shown.is_absolute() && c.path != to {
                match fs::remove_file(&c.path) {
                    Ok(()) => say!("removed {}", c.shown.display()),
                    Err(e) => say!("warning: could not remove {}: {e}", c.shown.display()),
                }
            }
            to
        }
        None => c.shown.clone(),
    };
    let name = source.display().to_string();
    let dumps = crate::read_bytes(&c.bytes, &name, read).map_err(|e| CaptureError(e.to_string()))?;
    if dumps.is_empty() {
        return Err(CaptureError(format!("{name} holds no goroutine dump")));
    }
    Ok((dumps, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_dumps_start_at_a_header_or_the_line_before_it() {
        assert_eq!(raw_dump_start("log line\ngoroutine 1 [running]:\n"), Some(9));
        assert_eq!(raw_dump_start("x\nSIGQUIT: quit\nPC=0x1 m=0 sigcode=0\n\ngoroutine 0 [idle]:\n"), Some(2));
        // containerd's log line names goroutines but holds no raw header.
        let logged = r#"level=info msg="=== BEGIN goroutine stack dump ===\ngoroutine 16 [running]:\n""#;
        assert_eq!(raw_dump_start(logged), None);
        assert_eq!(raw_dump_start("the goroutine 5 [x] in a sentence"), None);
    }

    #[test]
    fn complete_dump_ends() {
        assert!(looks_complete(b"goroutine 1 [running]:\nmain.main()\n\t/x/main.go:5 +0x1d\n"));
        assert!(looks_complete(b"goroutine 1 [running]:\nmain.main()\n\t/x/main.go:5 +0x1d"));
        assert!(looks_complete(b"x\n=== END goroutine stack dump ===\n\n"));
        assert!(looks_complete(
            b"goroutine 1 [running]:\nmain.main()\n\t/x/main.go:5 +0x1d\n...additional frames elided...\n"
        ));
        assert!(!looks_complete(b"goroutine 1 [running]:\nmain.main()\n"));
        assert!(!looks_complete(b"goroutine 1 [running]:\nmain.main()\n\t/x/ma"));
        assert!(!looks_complete(b""));
    }
}
