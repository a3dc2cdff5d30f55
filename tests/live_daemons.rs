//! holdup against real daemons: a dockerd 20.10 (Debian's `docker.io`) with its own
//! directories and its containerd, started here as root. One test walks through it all in
//! order on one daemon: SIGUSR1 captures from dockerd and containerd, pprof over dockerd's
//! unix socket, `holdup watch` on its exec root, the node-problem-detector plugin, and the
//! seed incident reproduced live (a volume of many directories being removed while
//! `docker run -v` and `docker volume ls` wait), whose dump must name the remover.
//!
//! It starts system daemons and takes a minute or two, so it runs under `CI=true` (where
//! `.ci/run` installs the packages, and a missing piece fails it) or when `HOLDUP_LIVE=1`;
//! elsewhere it prints how to run it and passes. It needs root, dockerd, docker and
//! busybox. `HOLDUP_LIVE_DIRS` sets the incident volume's first directory count (default 100,000;
//! four times as many, up to twice, when the removal ends before the capture).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// Why the test cannot run here, if it cannot.
fn cannot_run() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("it needs root (dockerd runs here with its own directories)".into());
    }
    for tool in ["dockerd", "docker", "containerd", "busybox"] {
        if find_tool(tool).is_none() {
            return Some(format!("{tool} is not installed (apt-get install docker.io busybox-static)"));
        }
    }
    None
}

struct Live {
    base: PathBuf,
    dockerd: Child,
    docker: PathBuf,
}

impl Live {
    fn sock(&self) -> PathBuf {
        self.base.join("d.sock")
    }

    fn pid(&self) -> u32 {
        self.dockerd.id()
    }

    fn docker(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.docker);
        c.arg("-H").arg(format!("unix://{}", self.sock().display())).args(args);
        c
    }

    fn docker_ok(&self, args: &[&str]) -> Output {
        let o = self.docker(args).output().unwrap();
        assert!(o.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        o
    }

    fn start() -> Live {
        let base = PathBuf::from(format!("/tmp/holdup-live-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let log = std::fs::File::create(base.join("dockerd.log")).unwrap();
        let b = |s: &str| base.join(s).to_str().unwrap().to_string();
        let dockerd = Command::new(find_tool("dockerd").unwrap())
            .args(["--data-root", &b("root"), "--exec-root", &b("exec"), "-H", &format!("unix://{}", b("d.sock"))])
            .args(["--pidfile", &b("d.pid"), "--iptables=false", "--bridge=none", "--debug"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let live = Live { base, dockerd, docker: find_tool("docker").unwrap() };
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if live.docker(&["version"]).output().is_ok_and(|o| o.status.success()) {
                break;
            }
            assert!(Instant::now() < until, "dockerd did not answer within 60s:\n{}", live.log_tail());
            std::thread::sleep(Duration::from_millis(250));
        }
        live
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.base.join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The busybox image `bb`, imported with no registry.
    fn import_busybox(&self) {
        let rootfs = self.base.join("rootfs");
        std::fs::create_dir_all(rootfs.join("bin")).unwrap();
        std::fs::copy(find_tool("busybox").unwrap(), rootfs.join("bin/busybox")).unwrap();
        for app in ["sh", "true", "sleep", "ls", "cat"] {
            std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(app)).unwrap();
        }
        let mut tar =
            Command::new("tar").arg("-C").arg(&rootfs).args(["-c", "."]).stdout(Stdio::piped()).spawn().unwrap();
        let o = self.docker(&["import", "-", "bb"]).stdin(tar.stdout.take().unwrap()).output().unwrap();
        assert!(tar.wait().unwrap().success(), "tar of the busybox rootfs failed");
        assert!(o.status.success(), "docker import: {}", String::from_utf8_lossy(&o.stderr));
    }

    /// The containerd dockerd started (its child).
    fn containerd_pid(&self) -> u32 {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            for e in std::fs::read_dir("/proc").unwrap().flatten() {
                let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
                let Some(close) = stat.rfind(')') else { continue };
                let comm = stat[..close].split_once('(').map_or("", |(_, c)| c);
                let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
                if comm == "containerd" && ppid == Some(self.pid()) {
                    return pid;
                }
            }
            assert!(Instant::now() < until, "no containerd child of dockerd");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        // SAFETY: signals our own child.
        unsafe { libc::kill(self.dockerd.id() as i32, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(20);
        while self.dockerd.try_wait().ok().flatten().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.dockerd.kill();
        let _ = self.dockerd.wait();
        // Mounts dockerd may have left under its directories.
        if let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") {
            let base = self.base.to_str().unwrap_or("/nonexistent");
            let mut ours: Vec<&str> =
                mounts.lines().filter_map(|l| l.split_whitespace().nth(1)).filter(|m| m.starts_with(base)).collect();
            ours.reverse();
            for m in ours {
                let _ = Command::new("umount").args(["-l", m]).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn holdup(args: &[&str]) -> Output {
    let o = common::run(args, None);
    eprintln!("$ holdup {}\n{}", args.join(" "), String::from_utf8_lossy(&o.stderr).trim_end());
    o
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn plugin(live: &Live, pid: u32) -> (i32, String) {
    let script = common::root().join("deploy/node-problem-detector/holdup-plugin.sh");
    let o = Command::new("sh")
        .arg(&script)
        .arg(pid.to_string())
        .env("HOLDUP", common::bin())
        .env("HOLDUP_DUMP_DIR", live.base.join("npd"))
        .env("HOLDUP_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text:?}");
    let line = text.trim_end().to_string();
    assert!(line.len() <= 80, "{line}");
    (o.status.code().unwrap(), line)
}

#[test]
fn live_dockerd_and_containerd() {
    let ci = std::env::var("CI").as_deref() == Ok("true");
    if !ci && std::env::var("HOLDUP_LIVE").as_deref() != Ok("1") {
        eprintln!(
            "skipping the live dockerd test: set HOLDUP_LIVE=1 to run it (as root, with docker.io and busybox-static)"
        );
        return;
    }
    if let Some(why) = cannot_run() {
        if ci {
            panic!("CI=true, but the live daemon test cannot run: {why}");
        }
        eprintln!("skipping the live dockerd test: {why}");
        return;
    }
    let started = Instant::now();
    let live = Live::start();
    eprintln!("dockerd up in {:.1} s", started.elapsed().as_secs_f64());
    live.import_busybox();
    live.docker_ok(&["run", "-d", "--name", "idle", "bb", "sleep", "600"]);
    let pid = live.pid().to_string();
    let out_dir = live.base.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.to_str().unwrap();

    // 1. dockerd: SIGUSR1, the file in its exec root, copied, analyzed: healthy.
    let t = Instant::now();
    let o = holdup(&["capture", "--pid", &pid, "--out", out, "--format", "json", "--timeout", "30s"]);
    assert_eq!(o.status.code(), Some(0));
    eprintln!("dockerd capture: {:.2} s", t.elapsed().as_secs_f64());
    let v = json(&o);
    let d = &v["dumps"][0];
    assert!(d["goroutines"].as_u64().unwrap() > 20, "{d}");
    assert_eq!(d["kind"], "dockerd-file");
    assert_eq!(d["blockers"].as_array().map(Vec::len), Some(0), "{d}");
    let err = String::from_utf8_lossy(&o.stderr);
    let exec = live.base.join("exec");
    assert!(err.contains(&format!("wrote {}/goroutine-stacks-", exec.display())), "{err}");
    let saved: Vec<_> = std::fs::read_dir(&out_dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(saved.len(), 1);
    assert!(saved[0].to_str().unwrap().starts_with("goroutine-stacks-"));

    // 2. Its containerd: SIGUSR1, containerd.<pid>.stacks.log in /tmp (rewritten each time).
    let cpid = live.containerd_pid().to_string();
    for _ in 0..2 {
        let o = holdup(&["capture", "--pid", &cpid, "--out", out, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0));
        let v = json(&o);
        assert!(v["dumps"][0]["goroutines"].as_u64().unwrap() > 10);
        assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("containerd.{cpid}.stacks.log")));
    }

    // 3. pprof over dockerd's unix socket (it runs with --debug).
    let sock = live.sock();
    let o = holdup(&[
        "analyze",
        "--unix-socket",
        sock.to_str().unwrap(),
        "--format",
        "json",
        "http://localhost/debug/pprof/goroutine?debug=2",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(json(&o)["dumps"][0]["goroutines"].as_u64().unwrap() > 20);
    // An unknown profile: dockerd's pprof answers 404.
    let o =
        holdup(&["analyze", "--unix-socket", sock.to_str().unwrap(), "http://localhost/debug/pprof/nosuch?debug=2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("404"));

    // 4. holdup watch on the exec root: one whole JSON line per SIGUSR1 dump, exit 0 on SIGTERM.
    let mut watch = Command::new(common::bin())
        .args(["watch", "--format", "json", "--no-config", "--interval", "200ms"])
        .arg(&exec)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = watch.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    std::thread::sleep(Duration::from_millis(700));
    let mut lines = Vec::new();
    for _ in 0..2 {
        // SAFETY: signals the daemon we started.
        unsafe { libc::kill(live.pid() as i32, libc::SIGUSR1) };
        lines.push(rx.recv_timeout(Duration::from_secs(20)).expect("a line from holdup watch"));
        std::thread::sleep(Duration::from_millis(1100)); // a new file name each second
    }
    // SAFETY: signals our own child.
    unsafe { libc::kill(watch.id() as i32, libc::SIGTERM) };
    assert_eq!(watch.wait().unwrap().code(), Some(0));
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    assert_eq!(lines.len(), 2, "{lines:?}");
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["schema"], "holdup.check/v1");
        assert_eq!(v["passed"], true);
        assert!(v["inputs"][0]["source"].as_str().unwrap().contains("goroutine-stacks-"));
    }

    // 5. The node-problem-detector plugin on a healthy daemon: OK.
    let (code, line) = plugin(&live, live.pid());
    assert_eq!((code, line.as_str()), (0, "ok: no deadlock or blocked goroutine in 1 dump"));

    // 6. The seed incident, live: remove a volume of many directories while other volumes
    //    are created (docker run -v) and listed.
    // How fast a tree is removed depends on the disk and on what else the machine does: a
    // tree that takes ten seconds on a busy machine goes in three on an idle one. When the
    // removal ends before the capture, the attempt is made again with a tree four times as
    // large, rather than failing on a fast machine.
    let mut dirs: usize = std::env::var("HOLDUP_LIVE_DIRS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut attempt = 0;
    let (o, npd_code, npd_line, mut rm, waiting, t_rm) = loop {
        attempt += 1;
        let volume = format!("big{attempt}");
        live.docker_ok(&["volume", "create", &volume]);
        let data = live.base.join(format!("root/volumes/{volume}/_data"));
        let t = Instant::now();
        for i in 0..dirs.div_ceil(1000) {
            let d = data.join(format!("d{i}"));
            std::fs::create_dir(&d).unwrap();
            for j in 0..1000.min(dirs - i * 1000) {
                std::fs::create_dir(d.join(j.to_string())).unwrap();
            }
        }
        eprintln!("{dirs} directories made in {:.1} s", t.elapsed().as_secs_f64());
        let t_rm = Instant::now();
        let rm = live.docker(&["volume", "rm", &volume]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(1000));
        let mut waiting: Vec<Child> = (0..3)
            .map(|i| {
                live.docker(&["run", "--rm", "-v", &format!("other{attempt}-{i}:/x"), "bb", "true"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        waiting.push(live.docker(&["volume", "ls"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap());
        std::thread::sleep(Duration::from_millis(1500));
        let incident = live.base.join(format!("incident{attempt}.log"));
        let o = holdup(&["capture", "--pid", &pid, "--out", incident.to_str().unwrap(), "--format", "json"]);
        assert_eq!(o.status.code(), Some(0));
        let (npd_code, npd_line) = plugin(&live, live.pid());
        let mut rm = rm;
        if rm.try_wait().unwrap().is_none() {
            break (o, npd_code, npd_line, rm, waiting, t_rm);
        }
        eprintln!(
            "docker volume rm of {dirs} directories finished within {:.1} s, before the capture: again with {}",
            t_rm.elapsed().as_secs_f64(),
            dirs * 4
        );
        assert!(attempt < 3, "the removal always ended before the capture, the last time of {dirs} directories");
        for mut w in waiting {
            assert!(w.wait().unwrap().success(), "a docker command failed");
        }
        dirs *= 4;
    };
    let v = json(&o);
    let d = &v["dumps"][0];
    let blockers = d["blockers"].as_array().unwrap();
    eprintln!("incident analysis: {}", serde_json::to_string(&blockers).unwrap());
    assert_eq!(blockers.len(), 1, "{d}");
    let b = &blockers[0];
    let frames: Vec<&str> = b["top_frames"].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
    assert!(frames.iter().any(|f| f.ends_with("os.RemoveAll")), "{frames:?}");
    assert_eq!(b["confidence"], "high");
    assert!(b["blocked_goroutines"].as_u64().unwrap() >= 3, "{b}");
    assert_eq!(npd_code, 1, "{npd_line}");
    assert!(npd_line.contains("in local.(*Root).Remove"), "{npd_line}");

    // The incident ends when the removal does: then everybody proceeds.
    let until = Instant::now() + Duration::from_secs(600);
    while rm.try_wait().unwrap().is_none() {
        assert!(Instant::now() < until, "docker volume rm still running after 10 minutes");
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("docker volume rm of {dirs} directories took {:.1} s", t_rm.elapsed().as_secs_f64());
    for mut w in waiting {
        let st = w.wait().unwrap();
        assert!(st.success(), "a waiting docker command failed after the removal");
    }
    eprintln!("live test: {:.1} s in all", started.elapsed().as_secs_f64());
}
