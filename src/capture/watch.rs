//! `holdup watch DIR`: a node agent. Follows directories where dumps land (dockerd's exec
//! root gets a new `goroutine-stacks-*.log` per SIGUSR1; containerd rewrites its file) and
//! checks each new or rewritten file once it is complete, with `holdup check`'s rules, as
//! one line of JSON per file (`holdup.check/v1`) for a log pipeline, or check's text.
//!
//! The directories are polled (twice a second by default): it needs no inotify, works on
//! any file system, and a dump is only read after its size has stayed the same (see
//! [`super::looks_complete`]), so half-written dumps are never read. Files present at the
//! start are left alone unless `--existing`. SIGINT and SIGTERM end it between two files:
//! every line written is whole, and the exit code is 0.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use clap::Args;

use crate::ReadOptions;
use crate::check::{self, CheckArgs, CheckFormat, Settings};

/// Arguments of `holdup watch`: check's options, plus how to poll.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  holdup watch /var/run/docker --format json >> /var/log/holdup.jsonl
  holdup watch --max-blocked 5 --max-wait 10m /var/run/docker /tmp

Each new or rewritten file is checked once it is complete (its size stable and its text ending
like a whole dump): text prints check's findings, json one holdup.check/v1 object per file on
one line. Files already there at the start are skipped (--existing checks them too). Files
holding no dump are skipped with a note on stderr. SIGINT/SIGTERM stop it with exit code 0.

Exit codes:
  0  stopped by SIGINT or SIGTERM
  2  a directory cannot be read, or bad arguments or config")]
pub struct WatchArgs {
    /// The rules, as for `holdup check`; PATH is the directories to watch.
    #[command(flatten)]
    pub check: CheckArgs,

    /// How often to look at the directories (`500ms`, `2s`).
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_duration)]
    pub interval: Duration,

    /// Check the files already in the directories at the start too.
    #[arg(long)]
    pub existing: bool,

    /// Only files whose name matches this regex (e.g. `^goroutine-stacks-.*\.log$`).
    #[arg(long = "match", value_name = "REGEX", value_parser = parse_regex)]
    pub name: Option<regex::Regex>,
}

fn parse_regex(s: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(s).map_err(|e| e.to_string())
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("'{s}' is not a duration like 500ms or 2s: {e}"))
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_sig: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM set [`STOP`] instead of killing the process.
fn catch_stop_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_stop as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// What is known of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    size: u64,
    mtime: Option<SystemTime>,
}

/// A file waiting to be complete.
struct Pending {
    seen: Seen,
    since: Instant,
}

/// Follows the files of some directories and says when one is new (or rewritten) and
/// complete.
pub struct Watcher {
    dirs: Vec<PathBuf>,
    name: Option<regex::Regex>,
    done: HashMap<PathBuf, Seen>,
    pending: HashMap<PathBuf, Pending>,
}

impl Watcher {
    /// Starts following `dirs`; their current files count as done unless `existing`.
    pub fn new(dirs: Vec<PathBuf>, existing: bool, name: Option<regex::Regex>) -> io::Result<Watcher> {
        let mut w = Watcher { dirs, name, done: HashMap::new(), pending: HashMap::new() };
        for d in &w.dirs {
            fs::read_dir(d).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", d.display())))?;
        }
        if !existing {
            w.done = w.scan().into_iter().collect();
        }
        Ok(w)
    }

    fn scan(&self) -> Vec<(PathBuf, Seen)> {
        let mut out = Vec::new();
        for d in &self.dirs {
            let Ok(rd) = fs::read_dir(d) else { continue };
            for e in rd.flatten() {
                let n = e.file_name();
                let n = n.to_string_lossy();
                if n.starts_with('.') || self.name.as_ref().is_some_and(|re| !re.is_match(&n)) {
                    continue;
                }
                let Ok(m) = e.metadata() else { continue };
                if m.is_file() {
                    out.push((e.path(), Seen { size: m.len(), mtime: m.modified().ok() }));
                }
            }
        }
        out
    }

    /// One look: the files that are complete now, oldest first.
    pub fn poll(&mut self, now: Instant) -> Vec<PathBuf> {
        let mut ready = Vec::new();
        let current = self.scan();
        for (path, seen) in current {
            if self.done.get(&path) == Some(&seen) {
                continue;
            }
            match self.pending.get_mut(&path) {
                Some(p) if p.seen == seen => {
                    let stable = now.duration_since(p.since);
                    if stable >= super::SETTLE && (stable >= super::SETTLE_INCOMPLETE || complete(&path)) {
                        ready.push((seen.mtime, path.clone()));
                    }
                }
                Some(p) => *p = Pending { seen, since: now },
                None => {
                    self.pending.insert(path, Pending { seen, since: now });
                }
            }
        }
        ready.sort();
        ready
            .into_iter()
            .map(|(_, p)| {
                if let Some(pd) = self.pending.remove(&p) {
                    self.done.insert(p.clone(), pd.seen);
                }
                p
            })
            .collect()
    }
}

/// Whether the file's end looks like a whole dump (only its last 64 KiB are read).
fn complete(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = fs::File::open(path) else { return false };
    let len = f.metadata().map_or(0, |m| m.len());
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 << 10)));
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).is_ok() && super::looks_complete(&tail)
}

/// Runs `holdup watch`, reading each new dump within the limits of `read`.
pub fn run(args: &WatchArgs, read: &ReadOptions, out: &mut dyn Write) -> io::Result<ExitCode> {
    let settings = match Settings::resolve(&args.check) {
        Ok(s) => s,
        Err(e) => {
            say!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let dirs: Vec<PathBuf> = args.check.paths.iter().map(PathBuf::from).collect();
    if let Some(d) = dirs.iter().find(|d| !d.is_dir()) {
        say!("{}: not a directory (watch follows directories)", d.display());
        return Ok(ExitCode::from(2));
    }
    let mut w = match Watcher::new(dirs, args.existing, args.name.clone()) {
        Ok(w) => w,
        Err(e) => {
            say!("cannot read {e}");
            return Ok(ExitCode::from(2));
        }
    };
    catch_stop_signals();
    say!("watching {} for new dumps (SIGINT or SIGTERM stops)", args.check.paths.join(", "));
    while !STOP.load(Ordering::SeqCst) {
        for path in w.poll(Instant::now()) {
            if STOP.load(Ordering::SeqCst) {
                break;
            }
            report(&path, &settings, &args.check, read, out)?;
        }
        // Sleep in short steps so that a stop signal is answered at once.
        let until = Instant::now() + args.interval;
        while Instant::now() < until && !STOP.load(Ordering::SeqCst) {
            std::thread::sleep(args.interval.min(Duration::from_millis(50)));
        }
    }
    out.flush()?;
    say!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Checks one file and writes its result whole (one write, then a flush).
fn report(
    path: &Path,
    settings: &Settings,
    args: &CheckArgs,
    read: &ReadOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let format = args.format;
    let Some(p) = path.to_str() else {
        say!("skipped {}: the path is not valid UTF-8", path.display());
        return Ok(());
    };
    // Found in a watched directory: a file without a dump is skipped, as under `check DIR`.
    let report = check::check_found(p, settings.clone(), format == CheckFormat::Json, read);
    for f in &report.files {
        for n in &f.notes {
            say!("{n}");
        }
        match &f.status {
            check::Status::Skipped => {
                say!("note: skipped {}: no goroutine dump in it", f.source);
                return Ok(());
            }
            check::Status::Error(e) => say!("{e}"),
            check::Status::Checked(_) => {}
        }
    }
    use crate::report::check as render;
    let mut buf = Vec::new();
    match format {
        CheckFormat::Text => {
            render::write_text(&mut buf, &report)?;
            if buf.is_empty() {
                writeln!(buf, "{p}: ok")?;
            }
        }
        CheckFormat::Json => render::write_json(&mut buf, &report)?,
        CheckFormat::Junit => render::write_junit(&mut buf, &report)?,
        CheckFormat::Github => render::write_github(&mut buf, &report)?,
        CheckFormat::Npd => crate::report::npd::write(&mut buf, &report, usize::from(args.npd_max_length))?,
    }
    out.write_all(&buf)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_ready_once_complete_and_again_when_rewritten() {
        let dir = std::env::temp_dir().join(format!("holdup-watch-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("old.log"), "goroutine 1 [running]:\nmain.main()\n\t/m.go:1 +0x1\n").unwrap();
        let mut w = Watcher::new(vec![dir.clone()], false, None).unwrap();
        let t0 = Instant::now();
        assert!(w.poll(t0).is_empty(), "files there at the start are skipped");
        let f = dir.join("goroutine-stacks-1.log");
        fs::write(&f, "goroutine 1 [running]:\nmain.main()\n").unwrap();
        assert!(w.poll(t0).is_empty());
        // Its end is not a frame's location: not before the long settle time.
        assert!(w.poll(t0 + Duration::from_millis(400)).is_empty());
        fs::write(&f, "goroutine 1 [running]:\nmain.main()\n\t/m.go:1 +0x1\n").unwrap();
        let t1 = t0 + Duration::from_millis(500);
        assert!(w.poll(t1).is_empty(), "it changed: wait again");
        assert_eq!(w.poll(t1 + Duration::from_millis(350)), vec![f.clone()]);
        assert!(w.poll(t1 + Duration::from_millis(700)).is_empty(), "once only");
        // An incomplete file is still taken after it stopped growing for long.
        let g = dir.join("cut.log");
        fs::write(&g, "goroutine 1 [running]:\nmain.main()\n").unwrap();
        let t2 = t1 + Duration::from_secs(1);
        assert!(w.poll(t2).is_empty());
        assert!(w.poll(t2 + Duration::from_millis(500)).is_empty());
        assert_eq!(w.poll(t2 + Duration::from_secs(3)), vec![g]);
        let _ = fs::remove_dir_all(&dir);
    }
}
