//! `holdup capture` against stand-in daemons: small shell programs that handle the signals
//! other daemons use (a dump written to a directory on SIGUSR2, slowly; a SIGQUIT dump on
//! standard error), and the refusals and errors. They run as any user: the daemons are
//! our own children.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{run, testdata};

const SEED: &str = "corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log";

/// A stand-in daemon: on SIGUSR2 it writes the dump `$1` into `$2/stacks-N.log` in two
/// parts, the first `$3` bytes, then after half a second the rest (a writer that is slow);
/// on SIGQUIT it prints the dump on standard error and exits 2, like Go's default; SIGUSR1
/// is ignored.
const DAEMON: &str = r#"
trap 'n=$((n+1)); f="$2/stacks-$n.log"; head -c "$3" "$1" > "$f"; sleep 0.5; tail -c +"$(($3 + 1))" "$1" >> "$f"' USR2
trap 'cat "$1" >&2; exit 2' QUIT
trap '' USR1
n=0
touch "$2/ready"
while :; do sleep 0.05; done
"#;

struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Daemon {
    fn start(name: &str, stderr: Stdio) -> Daemon {
        let dir = std::env::temp_dir().join(format!("holdup-capture-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let dump = testdata(SEED);
        // A split point in the middle of a line: the first part does not end like a dump.
        let text = std::fs::read(&dump).unwrap();
        let split = text.windows(8).position(|w| w == b"os.Remov").unwrap() + 4;
        let mut cmd = Command::new("sh");
        cmd.args(["-c", DAEMON, "stand-in", dump.to_str().unwrap(), dir.to_str().unwrap(), &split.to_string()]);
        // A shell cannot trap a signal that was ignored when it started, and a test run in a
        // background job inherits SIGQUIT ignored: give the stand-in the defaults back.
        // SAFETY: between fork and exec only async-signal-safe calls (signal) are made.
        unsafe {
            cmd.pre_exec(|| {
                for sig in [libc::SIGQUIT, libc::SIGUSR1, libc::SIGUSR2, libc::SIGINT] {
                    libc::signal(sig, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        let child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(stderr).spawn().unwrap();
        let d = Daemon { child, dir };
        let until = Instant::now() + Duration::from_secs(10);
        while !d.dir.join("ready").exists() {
            assert!(Instant::now() < until, "the stand-in daemon did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stderr_of(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_dump_written_slowly_on_sigusr2_is_taken_whole() {
    let d = Daemon::start("usr2", Stdio::null());
    let out = d.dir.join("copy.log");
    let o = run(
        &[
            "capture",
            "--pid",
            &d.pid(),
            "--signal",
            "USR2",
            "--dir",
            d.dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--timeout",
            "20s",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    // The copy is the whole dump, not the first part.
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(testdata(SEED)).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let b = &v["dumps"][0]["blockers"][0];
    assert_eq!(b["goroutine"], 197, "{v}");
    assert_eq!(b["blocked_goroutines"], 40);
    assert!(stderr_of(&o).contains("stacks-1.log"), "{}", stderr_of(&o));
}

#[test]
fn sigquit_needs_force_and_then_reads_standard_error() {
    let mut d = Daemon::start("quit", Stdio::null());
    let o = run(&["capture", "--pid", &d.pid(), "--signal", "QUIT"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_of(&o).contains("--force"), "{}", stderr_of(&o));
    std::thread::sleep(Duration::from_millis(200));
    assert!(d.alive(), "refused, so nothing was sent");
    drop(d);

    // Standard error redirected to a file: holdup reads it through /proc/N/fd/2.
    let dir = std::env::temp_dir().join(format!("holdup-capture-quit-err-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let err = dir.join("stderr.log");
    std::fs::write(&err, "some earlier log line\n").unwrap();
    let f = std::fs::OpenOptions::new().append(true).open(&err).unwrap();
    let mut d = Daemon::start("quit2", Stdio::from(f));
    let o = run(&["capture", "--pid", &d.pid(), "--signal", "QUIT", "--force", "--format", "json"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["dumps"][0]["goroutines"], 276, "{}", stderr_of(&o));
    assert_eq!(v["dumps"][0]["blockers"][0]["goroutine"], 197);
    let until = Instant::now() + Duration::from_secs(5);
    while d.alive() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!d.alive(), "SIGQUIT ended it");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_program_is_not_signalled() {
    let mut d = Daemon::start("unknown", Stdio::null());
    let o = run(&["capture", "--pid", &d.pid()], None);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr_of(&o);
    assert!(e.contains("does not know how") && e.contains("--signal"), "{e}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(d.alive());
}

#[test]
fn no_dump_within_the_timeout_says_where_it_looked() {
    let mut d = Daemon::start("timeout", Stdio::null());
    let dir = d.dir.to_str().unwrap().to_string();
    let started = Instant::now();
    let o = run(&["capture", "--pid", &d.pid(), "--signal", "USR1", "--dir", &dir, "--timeout", "1s"], None);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr_of(&o);
    assert!(e.contains("no dump appeared within 1s") && e.contains(&dir), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(d.alive(), "SIGUSR1 is ignored by this one");
}

#[test]
fn names_that_match_no_process_or_several() {
    let o = run(&["capture", "--process", "holdup-no-such-daemon"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_of(&o).contains("no process named holdup-no-such-daemon"), "{}", stderr_of(&o));

    let o = run(&["capture", "--pid", "4194305"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_of(&o).contains("no such process: 4194305"), "{}", stderr_of(&o));

    // Two processes of one (unique) name.
    let dir = std::env::temp_dir().join(format!("holdup-capture-twins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("holdup-twin-{}", std::process::id());
    let bin = dir.join(&name);
    std::fs::copy(sleep_path(), &bin).unwrap();
    let mut kids: Vec<Child> = (0..2).map(|_| Command::new(&bin).arg("30").spawn().unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let o = run(&["capture", "--process", &name], None);
    let e = stderr_of(&o);
    for k in &mut kids {
        assert!(e.contains(&k.id().to_string()), "{e}");
        let _ = k.kill();
        let _ = k.wait();
    }
    assert_eq!(o.status.code(), Some(2));
    assert!(e.contains(&format!("2 processes are named {name}; pick one with --pid")), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn sleep_path() -> &'static Path {
    ["/bin/sleep", "/usr/bin/sleep"].into_iter().map(Path::new).find(|p| p.exists()).expect("sleep")
}
