//! What each daemon does on its dump signal, and where the dump lands: the facts `capture`
//! acts on, taken from the daemons' own source.
//!
//! - **dockerd** (moby `daemon/debugtrap_unix.go`, `pkg/signal/trap.go` `DumpStacks` up to
//!   20.10, `pkg/stack` `DumpToFile` later): on SIGUSR1 it takes `runtime.Stack(buf, true)`
//!   (a buffer from 16 KiB, doubled until the dump fits), writes it with one `Write` into
//!   `goroutine-stacks-<RFC 3339 time without ':'>.log` in its exec root (`--exec-root`,
//!   `"exec-root"` in the `--config-file` JSON, default `/var/run/docker`), then logs
//!   `goroutine stacks written to <path>`. Each signal makes a new file.
//! - **containerd** (`cmd/containerd/command/main.go` `dumpStacks`, called from
//!   `main_unix.go`'s signal loop on SIGUSR1): logs the whole dump as one logrus line,
//!   `=== BEGIN goroutine stack dump ===\n…\n=== END goroutine stack dump ===` (escaped),
//!   then writes it to `containerd.<pid>.stacks.log` in `os.TempDir()` (`$TMPDIR`, which
//!   containerd sets from `temp` in its TOML config, else `/tmp`), overwriting the previous
//!   one, and logs `goroutine stack dump written to <path>`.
//! - **cri-o** (`cmd/crio/main.go` `writeCrioGoroutineStacks`): on SIGUSR1 writes
//!   `/tmp/crio-goroutine-stacks-<RFC 3339 time without ':'>.log` (a fixed directory). SIGUSR2
//!   forces a garbage collection instead.
//! - **kubelet** has no dump signal: SIGQUIT is Go's default, which prints the stacks to
//!   standard error and *kills* it. Its goroutines come from its API:
//!   `/debug/pprof/goroutine?debug=2` (with `enableProfilingHandler`, on by default).
//! - Any Go program: SIGQUIT prints every goroutine to standard error and exits with
//!   status 2 unless the program handles it; other signals do whatever the program chose.
//!   `capture` sends SIGQUIT only when asked with `--signal QUIT --force`.
//!
//! A daemon in its own mount namespace (systemd's `PrivateTmp=yes`, a container) sees
//! another `/tmp` than ours: every path is looked up through `/proc/<pid>/root`.

use std::path::{Path, PathBuf};

use super::process::Process;

/// The daemons whose dump handling is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Docker's daemon.
    Dockerd,
    /// containerd.
    Containerd,
    /// CRI-O.
    Crio,
    /// Kubernetes' node agent.
    Kubelet,
    /// A process whose dump handler holdup does not know.
    Other,
}

impl Kind {
    /// Tells a daemon by its executable's name.
    pub fn of(p: &Process) -> Kind {
        match p.name().as_str() {
            "dockerd" => Kind::Dockerd,
            "containerd" => Kind::Containerd,
            "crio" => Kind::Crio,
            "kubelet" => Kind::Kubelet,
            _ => Kind::Other,
        }
    }

    /// The signal that makes it dump its goroutines and keep running, if it has one.
    pub fn dump_signal(self) -> Option<Signal> {
        match self {
            Kind::Dockerd | Kind::Containerd | Kind::Crio => Some(Signal::Usr1),
            Kind::Kubelet | Kind::Other => None,
        }
    }

    /// What to do instead, for a daemon without a dump signal.
    pub fn no_signal_hint(self, p: &Process) -> String {
        match self {
            Kind::Kubelet => "kubelet has no signal that dumps its goroutines (SIGQUIT would kill it). \
Ask its API instead: `kubectl get --raw \"/api/v1/nodes/$NODE/proxy/debug/pprof/goroutine?debug=2\" > kubelet.txt` \
(needs enableProfilingHandler, on by default), then `holdup analyze kubelet.txt`"
                .to_string(),
            _ => format!(
                "holdup does not know how {} (pid {}) dumps its goroutines. If it serves net/http/pprof: \
`holdup analyze http://HOST:PORT/debug/pprof/goroutine?debug=2`. If it has a dump signal: \
`--signal USR1 --dir WHERE_IT_WRITES`. SIGQUIT prints the dump but kills a Go program that does not \
handle it: only with `--signal QUIT --force`",
                p.name(),
                p.pid
            ),
        }
    }
}

/// The signals `capture` may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGUSR1: dockerd, containerd and cri-o dump on it.
    Usr1,
    /// SIGUSR2.
    Usr2,
    /// SIGQUIT: Go's default prints the dump and exits.
    Quit,
}

impl Signal {
    /// `USR1`, `SIGUSR1`, `usr1`, `QUIT`….
    pub fn parse(s: &str) -> Result<Signal, String> {
        let u = s.to_ascii_uppercase();
        match u.strip_prefix("SIG").unwrap_or(&u) {
            "USR1" => Ok(Signal::Usr1),
            "USR2" => Ok(Signal::Usr2),
            "QUIT" => Ok(Signal::Quit),
            _ => Err(format!("signal '{s}': holdup sends only USR1, USR2 or QUIT")),
        }
    }

    /// Its name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Usr1 => "SIGUSR1",
            Signal::Usr2 => "SIGUSR2",
            Signal::Quit => "SIGQUIT",
        }
    }

    /// Its number.
    #[cfg(unix)]
    pub fn number(self) -> i32 {
        match self {
            Signal::Usr1 => libc::SIGUSR1,
            Signal::Usr2 => libc::SIGUSR2,
            Signal::Quit => libc::SIGQUIT,
        }
    }
}

/// Which files in a directory may be the dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Names starting with this and ending in `.log`.
    Prefix(&'static str),
    /// Exactly this name.
    Exact(String),
    /// Any new or changed regular file (`--dir` for an unknown program).
    Any,
}

impl Pattern {
    /// Whether a file name fits.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Prefix(p) => name.starts_with(p) && name.ends_with(".log"),
            Pattern::Exact(n) => name == n,
            Pattern::Any => true,
        }
    }
}

/// Where to look for one dump: a directory (as we reach it) and which names fit.
#[derive(Debug, Clone)]
pub struct Place {
    /// The directory, reached through `/proc/<pid>/root`.
    pub dir: PathBuf,
    /// The directory as the daemon names it (for messages).
    pub shown: PathBuf,
    /// Which names fit.
    pub pattern: Pattern,
    /// Where this place came from (`--exec-root`, the config file, the default…).
    pub why: String,
}

/// The places a daemon's dump may land, from its flags, its config file and the defaults,
/// plus the `extra` directories given with `--dir`. Notes say what could not be read.
pub fn places(kind: Kind, p: &Process, extra: &[PathBuf], notes: &mut Vec<String>) -> Vec<Place> {
    let mut out = Vec::new();
    let mut add = |shown: PathBuf, pattern: Pattern, why: String| {
        if !out.iter().any(|pl: &Place| pl.shown == shown && pl.pattern == pattern) {
            out.push(Place { dir: p.in_root(&shown), shown, pattern, why });
        }
    };
    match kind {
        Kind::Dockerd => {
            let pat = || Pattern::Prefix("goroutine-stacks-");
            if let Some(d) = p.flag(&["exec-root"]) {
                add(PathBuf::from(d), pat(), "its --exec-root".into());
            }
            let config = p.flag(&["config-file"]).unwrap_or_else(|| "/etc/docker/daemon.json".into());
            match read_json_key(&p.in_root(Path::new(&config)), "exec-root") {
                Ok(Some(d)) => add(PathBuf::from(d), pat(), format!("\"exec-root\" in {config}")),
                Ok(None) => {}
                Err(e) => notes.push(format!("could not read dockerd's config {config}: {e}")),
            }
            add(PathBuf::from("/var/run/docker"), pat(), "dockerd's default exec root".into());
        }
        Kind::Containerd => {
            let name = format!("containerd.{}.stacks.log", p.pid);
            let config = p.flag(&["config", "c"]).unwrap_or_else(|| "/etc/containerd/config.toml".into());
            match read_toml_temp(&p.in_root(Path::new(&config))) {
                Ok(Some(d)) => add(PathBuf::from(d), Pattern::Exact(name.clone()), format!("temp in {config}")),
                Ok(None) => {}
                Err(e) => notes.push(format!("could not read containerd's config {config}: {e}")),
            }
            if let Some(t) = p.env("TMPDIR").filter(|t| !t.is_empty()) {
                add(PathBuf::from(t), Pattern::Exact(name.clone()), "its $TMPDIR".into());
            }
            add(PathBuf::from("/tmp"), Pattern::Exact(name), "the temp dir".into());
        }
        Kind::Crio => add(PathBuf::from("/tmp"), Pattern::Prefix("crio-goroutine-stacks-"), "cri-o's dump dir".into()),
        Kind::Kubelet | Kind::Other => {}
    }
    for d in extra {
        add(d.clone(), Pattern::Any, "--dir".into());
    }
    out
}

/// A top-level string key of a JSON file; `Ok(None)` when the file or the key is absent.
fn read_json_key(path: &Path, key: &str) -> Result<Option<String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(v.get(key).and_then(|s| s.as_str()).filter(|s| !s.is_empty()).map(str::to_string))
}

/// containerd's `temp = "…"` (top level of its TOML config).
fn read_toml_temp(path: &Path) -> Result<Option<String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let v: toml::Table = toml::from_str(&text).map_err(|e| e.to_string().trim().to_string())?;
    Ok(v.get("temp").and_then(|s| s.as_str()).filter(|s| !s.is_empty()).map(str::to_string))
}

/// The path a daemon logged for its dump: dockerd's `goroutine stacks written to <path>`,
/// containerd's `goroutine stack dump written to <path>`; the last one in `log`.
pub fn logged_path(log: &str) -> Option<String> {
    const MARKS: [&str; 2] = ["goroutine stacks written to ", "goroutine stack dump written to "];
    let mut best: Option<(usize, String)> = None;
    for m in MARKS {
        if let Some(i) = log.rfind(m) {
            let rest = &log[i + m.len()..];
            // The path ends the message: at the closing quote of logrus' text format, at an
            // escaped or real line end, or at the end.
            let end = rest.find(['"', '\n', '\r']).unwrap_or(rest.len());
            let end = rest[..end].find("\\n").unwrap_or(end);
            let path = rest[..end].trim();
            if !path.is_empty() && best.as_ref().is_none_or(|(j, _)| i > *j) {
                best = Some((i, path.to_string()));
            }
        }
    }
    best.map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_paths_of_dockerd_and_containerd() {
        let d = "time=\"2026-12-06T04:22:45.758Z\" level=info msg=\"goroutine stacks written to /x/exec/goroutine-stacks-2026-12-06T042245Z.log\"\n";
        assert_eq!(logged_path(d).as_deref(), Some("/x/exec/goroutine-stacks-2026-12-06T042245Z.log"));
        let c = "level=info msg=\"goroutine stack dump written to /tmp/containerd.12.stacks.log\"";
        assert_eq!(logged_path(c).as_deref(), Some("/tmp/containerd.12.stacks.log"));
        let j = r#"{"level":"info","msg":"goroutine stacks written to /run/docker/goroutine-stacks-1.log","time":"x"}"#;
        assert_eq!(logged_path(j).as_deref(), Some("/run/docker/goroutine-stacks-1.log"));
        // The last one wins.
        let two = format!("{d}{}", d.replace("042245Z", "050000Z"));
        assert!(logged_path(&two).unwrap().ends_with("050000Z.log"));
        assert_eq!(logged_path("nothing here"), None);
        assert_eq!(logged_path("goroutine stacks written to \"\n"), None);
    }

    /// A process standing for a daemon: our own pid (so `/proc/<pid>/root` is our root)
    /// with the daemon's command line.
    fn fake(args: &[&str]) -> Process {
        Process { pid: std::process::id(), comm: args[0].into(), cmdline: args.iter().map(|a| a.to_string()).collect() }
    }

    fn dirs(ps: &[Place]) -> Vec<String> {
        ps.iter().map(|p| format!("{} ({})", p.shown.display(), p.why)).collect()
    }

    #[test]
    fn dockerd_places_from_flags_config_and_default() {
        let tmp = std::env::temp_dir().join(format!("holdup-daemons-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let conf = tmp.join("daemon.json");
        std::fs::write(&conf, r#"{"debug": true, "exec-root": "/srv/docker-exec"}"#).unwrap();
        let p = fake(&["dockerd", "--exec-root=/x/exec", "--config-file", conf.to_str().unwrap()]);
        let mut notes = Vec::new();
        let ps = places(Kind::Dockerd, &p, &[], &mut notes);
        assert_eq!(
            dirs(&ps),
            vec![
                "/x/exec (its --exec-root)".to_string(),
                format!("/srv/docker-exec (\"exec-root\" in {})", conf.display()),
                "/var/run/docker (dockerd's default exec root)".to_string(),
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
        assert!(ps.iter().all(|p| p.pattern == Pattern::Prefix("goroutine-stacks-")));
        // A broken config file is a note, not a failure.
        std::fs::write(&conf, "{not json").unwrap();
        let ps = places(Kind::Dockerd, &p, &[PathBuf::from("/extra")], &mut notes);
        assert_eq!(ps.len(), 3);
        assert_eq!(ps[2].pattern, Pattern::Any);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn containerd_and_crio_places() {
        let tmp = std::env::temp_dir().join(format!("holdup-daemons-c-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let conf = tmp.join("config.toml");
        std::fs::write(&conf, "version = 2\ntemp = \"/var/lib/ctd-tmp\"\n[grpc]\naddress = \"x\"\n").unwrap();
        let p = fake(&["containerd", "--config", conf.to_str().unwrap()]);
        let mut notes = Vec::new();
        let ps = places(Kind::Containerd, &p, &[], &mut notes);
        let name = format!("containerd.{}.stacks.log", p.pid);
        assert_eq!(ps[0].shown, PathBuf::from("/var/lib/ctd-tmp"));
        assert_eq!(ps.last().unwrap().shown, PathBuf::from("/tmp"));
        assert!(ps.iter().all(|pl| pl.pattern == Pattern::Exact(name.clone())));
        let ps = places(Kind::Crio, &fake(&["crio"]), &[], &mut notes);
        assert_eq!(dirs(&ps), vec!["/tmp (cri-o's dump dir)"]);
        assert_eq!(ps[0].pattern, Pattern::Prefix("crio-goroutine-stacks-"));
        assert!(places(Kind::Kubelet, &fake(&["kubelet"]), &[], &mut notes).is_empty());
        assert_eq!(Kind::Kubelet.dump_signal(), None);
        assert_eq!(Kind::of(&fake(&["/usr/bin/crio", "--log-level", "info"])), Kind::Crio);
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn signals_parse() {
        assert_eq!(Signal::parse("usr1"), Ok(Signal::Usr1));
        assert_eq!(Signal::parse("SIGQUIT"), Ok(Signal::Quit));
        assert!(Signal::parse("KILL").is_err());
        assert!(Signal::parse("TERM").is_err());
    }

    #[test]
    fn patterns() {
        assert!(Pattern::Prefix("goroutine-stacks-").matches("goroutine-stacks-2026-12-06T042245Z.log"));
        assert!(!Pattern::Prefix("goroutine-stacks-").matches("goroutine-stacks-x.txt"));
        assert!(Pattern::Exact("containerd.5.stacks.log".into()).matches("containerd.5.stacks.log"));
        assert!(!Pattern::Exact("containerd.5.stacks.log".into()).matches("containerd.6.stacks.log"));
    }
}
