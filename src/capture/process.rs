//! Finding a live process through `/proc`: by pid or by name, with what `capture` needs to
//! know about it (its command line, environment, standard error and its view of the file
//! system).
//!
//! Nothing here trusts `/proc` to be tidy: a process may exit between two reads, a field may
//! be unreadable (another user's process, a hardened `/proc`), a command line may hold
//! non-UTF-8 bytes. Every read is fallible and every parse tolerates odd contents.

use std::fs;
use std::path::{Path, PathBuf};

/// A process as `/proc` shows it.
#[derive(Debug, Clone)]
pub struct Process {
    /// Its id.
    pub pid: u32,
    /// `/proc/N/comm`: the executable's name, at most 15 bytes.
    pub comm: String,
    /// `/proc/N/cmdline`, split at NUL bytes (lossy UTF-8); empty for kernel threads.
    pub cmdline: Vec<String>,
}

/// Why a process could not be found.
#[derive(Debug)]
pub enum LookupError {
    /// No process with this pid.
    NoSuchPid(u32),
    /// No process with this name.
    NoSuchName(String),
    /// Several processes have this name.
    Several(String, Vec<Process>),
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::NoSuchPid(p) => write!(f, "no such process: {p}"),
            LookupError::NoSuchName(n) => write!(f, "no process named {n} is running"),
            LookupError::Several(n, ps) => {
                writeln!(f, "{} processes are named {n}; pick one with --pid:", ps.len())?;
                for p in ps {
                    writeln!(f, "  {:>7}  {}", p.pid, p.describe())?;
                }
                Ok(())
            }
        }
    }
}

impl Process {
    /// Reads `/proc/PID`; `None` when there is no such process (or it just exited).
    pub fn from_pid(pid: u32) -> Option<Process> {
        Process::read(Path::new("/proc"), pid)
    }

    fn read(proc_root: &Path, pid: u32) -> Option<Process> {
        let dir = proc_root.join(pid.to_string());
        let comm = fs::read(dir.join("comm")).ok()?;
        let comm = String::from_utf8_lossy(&comm).trim_end_matches('\n').to_string();
        let cmdline = fs::read(dir.join("cmdline")).map(|b| split_cmdline(&b)).unwrap_or_default();
        Some(Process { pid, comm, cmdline })
    }

    /// The name people call it by: the base name of `argv[0]` when there is one (`comm` is
    /// cut at 15 bytes and may be renamed by the process), else `comm`.
    pub fn name(&self) -> String {
        self.cmdline
            .first()
            .and_then(|a| a.rsplit('/').next())
            .filter(|n| !n.is_empty())
            .map_or_else(|| self.comm.clone(), |n| n.to_string())
    }

    /// `dockerd --debug --exec-root /x`, shortened for one line.
    pub fn describe(&self) -> String {
        let line = if self.cmdline.is_empty() { format!("[{}]", self.comm) } else { self.cmdline.join(" ") };
        if line.chars().count() > 100 { format!("{}…", line.chars().take(100).collect::<String>()) } else { line }
    }

    /// The value of a `--flag VALUE` or `--flag=VALUE` argument (the last one given wins,
    /// as with Go's flag packages); single-dash forms too.
    pub fn flag(&self, names: &[&str]) -> Option<String> {
        flag_value(&self.cmdline, names)
    }

    /// An environment variable of the process (`/proc/N/environ`; unreadable for another
    /// user's process unless root).
    pub fn env(&self, key: &str) -> Option<String> {
        let bytes = fs::read(format!("/proc/{}/environ", self.pid)).ok()?;
        bytes.split(|&b| b == 0).find_map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            kv.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')).map(str::to_string)
        })
    }

    /// A path as the process sees it, reached through `/proc/N/root`: a daemon in its own
    /// mount namespace (systemd's `PrivateTmp=`, a container) has another `/tmp` than ours.
    /// Falls back to the path itself when `/proc/N/root` cannot be read.
    pub fn in_root(&self, path: &Path) -> PathBuf {
        let root = PathBuf::from(format!("/proc/{}/root", self.pid));
        let rel = path.strip_prefix("/").unwrap_or(path);
        if fs::read_dir(&root).is_ok() { root.join(rel) } else { path.to_path_buf() }
    }

    /// Where its standard error goes, when that is a regular file we can read (a daemon
    /// started with `2>file`); `None` for a terminal, a pipe, journald's socket or
    /// `/dev/null`.
    pub fn stderr_file(&self) -> Option<PathBuf> {
        let fd = PathBuf::from(format!("/proc/{}/fd/2", self.pid));
        let meta = fs::metadata(&fd).ok()?;
        meta.is_file().then_some(fd)
    }

    /// What its standard error points at, for messages (`pipe:[1234]`, `/dev/null`,
    /// `socket:[99]`).
    pub fn stderr_target(&self) -> Option<String> {
        fs::read_link(format!("/proc/{}/fd/2", self.pid)).ok().map(|p| p.display().to_string())
    }

    /// Whether it still runs (and is not a zombie).
    pub fn alive(&self) -> bool {
        match fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            // The state follows the last ')' (the name may hold parentheses).
            Ok(s) => s.rfind(')').and_then(|i| s[i + 1..].split_whitespace().next()).is_some_and(|st| st != "Z"),
            Err(_) => false,
        }
    }
}

/// Splits `/proc/N/cmdline` at NULs; a trailing NUL does not make an empty argument.
pub fn split_cmdline(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes.split(|&b| b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect()
}

/// The value of the last `--name VALUE` / `--name=VALUE` / `-name VALUE` in `args`.
pub fn flag_value(args: &[String], names: &[&str]) -> Option<String> {
    let mut found = None;
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            break;
        }
        let bare = a.strip_prefix("--").or_else(|| a.strip_prefix('-'));
        if let Some(bare) = bare {
            for n in names {
                if bare == *n {
                    if let Some(v) = args.get(i + 1) {
                        found = Some(v.clone());
                        i += 1;
                    }
                } else if let Some(v) = bare.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                    found = Some(v.to_string());
                }
            }
        }
        i += 1;
    }
    found
}

/// Every process whose name (see [`Process::name`]) or `comm` is `name`, ours excluded.
pub fn find_by_name(name: &str) -> Vec<Process> {
    find_in(Path::new("/proc"), name)
}

fn find_in(proc_root: &Path, name: &str) -> Vec<Process> {
    let me = std::process::id();
    let Ok(entries) = fs::read_dir(proc_root) else { return Vec::new() };
    let mut out: Vec<Process> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
        .filter(|&pid| pid != me)
        .filter_map(|pid| Process::read(proc_root, pid))
        // `comm` is cut at 15 bytes: a longer name matches its first 15.
        .filter(|p| p.name() == name || p.comm == name || (name.len() > 15 && p.comm == name[..15]))
        .collect();
    out.sort_by_key(|p| p.pid);
    out
}

/// The one process called `name`. Threads are not listed in `/proc` (only under
/// `/proc/N/task`), so several matches are several processes.
pub fn find_one(name: &str) -> Result<Process, LookupError> {
    let mut ps = find_by_name(name);
    match ps.len() {
        0 => Err(LookupError::NoSuchName(name.to_string())),
        1 => Ok(ps.remove(0)),
        _ => Err(LookupError::Several(name.to_string(), ps)),
    }
}

/// The process `pid`.
pub fn by_pid(pid: u32) -> Result<Process, LookupError> {
    Process::from_pid(pid).ok_or(LookupError::NoSuchPid(pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn flags_in_every_form() {
        let a = args(&["dockerd", "--exec-root", "/a", "--debug", "--exec-root=/b", "-data-root", "/c"]);
        assert_eq!(flag_value(&a, &["exec-root"]).as_deref(), Some("/b"));
        assert_eq!(flag_value(&a, &["data-root", "graph"]).as_deref(), Some("/c"));
        assert_eq!(flag_value(&a, &["config-file"]), None);
        // A flag at the end with no value, and flags after `--`, are ignored.
        assert_eq!(flag_value(&args(&["x", "--exec-root"]), &["exec-root"]), None);
        assert_eq!(flag_value(&args(&["x", "--", "--exec-root=/z"]), &["exec-root"]), None);
        // A longer flag sharing the prefix is not taken for it.
        assert_eq!(flag_value(&args(&["x", "--exec-root-opt=1"]), &["exec-root"]), None);
    }

    #[test]
    fn odd_cmdlines() {
        assert!(split_cmdline(b"").is_empty());
        assert_eq!(split_cmdline(b"a\0b\0"), vec!["a", "b"]);
        assert_eq!(split_cmdline(b"a\0\0b"), vec!["a", "", "b"]);
        assert_eq!(split_cmdline(b"\xff\xfe\0x"), vec!["\u{fffd}\u{fffd}", "x"]);
    }

    #[test]
    fn finds_a_fake_proc_tree_without_panicking_on_junk() {
        let dir = std::env::temp_dir().join(format!("holdup-proc-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mk = |pid: &str, comm: &[u8], cmd: Option<&[u8]>| {
            let d = dir.join(pid);
            fs::create_dir_all(&d).unwrap();
            fs::write(d.join("comm"), comm).unwrap();
            if let Some(c) = cmd {
                fs::write(d.join("cmdline"), c).unwrap();
            }
        };
        mk("10", b"dockerd\n", Some(b"/usr/bin/dockerd\0--debug\0"));
        mk("11", b"containerd\n", Some(b"containerd\0--config\0/x.toml\0"));
        mk("12", b"kthreadd\n", Some(b""));
        mk("13", b"\xff\xff\n", None);
        mk("14", b"containerd-shim\n", Some(b"/usr/bin/containerd-shim-runc-v2\0-id\0x\0"));
        mk("15", b"dockerd\n", Some(b"dockerd\0"));
        fs::create_dir_all(dir.join("self")).unwrap();
        fs::create_dir_all(dir.join("99")).unwrap(); // a process that exited mid-scan
        let pids = |n: &str| find_in(&dir, n).iter().map(|p| p.pid).collect::<Vec<_>>();
        assert_eq!(pids("dockerd"), vec![10, 15]);
        assert_eq!(pids("containerd"), vec![11]);
        assert_eq!(pids("kthreadd"), vec![12]);
        assert_eq!(pids("containerd-shim-runc-v2"), vec![14]);
        assert!(pids("crio").is_empty());
        let _ = fs::remove_dir_all(&dir);
    }
}
