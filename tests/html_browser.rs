//! The HTML report in a real browser: headless Chromium loads the page written for real
//! dumps, runs its script, and the test reads the DOM it leaves (findings, the graph's nodes,
//! the search filter hiding groups) and takes a screenshot.
//!
//! Skipped, with a message, when `chromium` is not installed — except under `CI=true`, where
//! `.ci/run` installs it and the test must run.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{run, testdata};

const S1: &str = "corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log";
const S2: &str = "corpus/gen/S2-abba-deadlock/go1.27.3/goroutine-stacks-2026-11-27T052134Z.log";

fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is required under CI=true (.ci/run installs it)"
        );
        eprintln!("skipped: chromium is not installed (apt-get install -y chromium), and CI is not set");
    }
    found
}

/// Runs headless Chromium on `url` with `extra` arguments, with a fresh profile, and returns
/// its standard output; gives up after a minute.
fn browse(chrome: &Path, dir: &Path, url: &str, extra: &[&str]) -> String {
    let profile = dir.join(format!("profile-{}", extra.len()));
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    // Read while it runs: a DOM larger than the pipe's buffer would otherwise block it.
    let mut stdout = child.stdout.take().expect("chromium's stdout");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            panic!("chromium took more than a minute on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    String::from_utf8_lossy(&reader.join().expect("reading chromium's output")).into_owned()
}

fn page(dir: &Path, rel: &str, name: &str) -> PathBuf {
    let file = dir.join(name);
    let dump = testdata(rel);
    let o = run(&["analyze", "--format", "html", "-o", file.to_str().unwrap(), dump.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    file
}

fn dot_nodes(rel: &str) -> usize {
    let o = run(&["graph", "--format", "dot", testdata(rel).to_str().unwrap()], None);
    String::from_utf8_lossy(&o.stdout).lines().filter(|l| l.contains(" [shape=")).count()
}

/// Whether a group (its text from just after `<details class="group"`) carries `hidden`.
fn is_hidden(g: &str) -> bool {
    let tag = &g[..g.find('>').unwrap_or(g.len())];
    tag.split(' ').any(|a| a == "hidden" || a.starts_with("hidden="))
}

fn hidden_groups(dom: &str) -> usize {
    dom.split("<details class=\"group\"").skip(1).filter(|g| is_hidden(g)).count()
}

#[test]
fn the_page_works_in_a_browser() {
    let Some(chrome) = chromium() else { return };
    let dir = std::env::temp_dir().join(format!("holdup-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (rel, name, finding, query) in [
        (S1, "s1.html", "<span class=\"tag\">BLOCKING</span>goroutine 197 in local.(*Root).Remove", "removepath"),
        (S2, "s2.html", "<span class=\"tag\">DEADLOCK</span>goroutines 9, 10 wait for each other", "subscribetopic"),
    ] {
        let file = page(&dir, rel, name);
        let url = format!("file://{}", file.display());
        // Unfiltered: the script ran, every group is shown.
        let dom = browse(&chrome, &dir, &url, &["--dump-dom"]);
        assert!(dom.contains("data-ready=\"yes\""), "{name}: the page's script did not run:\n{dom}");
        assert!(dom.contains(finding), "{name}: the first finding");
        let nodes = dom.matches("<g class=\"node ").count();
        assert_eq!(nodes, dot_nodes(rel), "{name}: the graph's nodes");
        assert!(dom.contains(&format!("data-nodes=\"{nodes}\"")));
        let groups = dom.matches("<details class=\"group\"").count();
        assert!(groups > 3, "{name}: {groups} groups");
        assert_eq!(hidden_groups(&dom), 0, "{name}: nothing filtered yet");
        // Filtered through the address: only the groups that mention the text stay.
        let dom = browse(&chrome, &dir, &format!("{url}#q={query}"), &["--dump-dom"]);
        let hidden = hidden_groups(&dom);
        let shown: Vec<&str> = dom
            .split("<details class=\"group\"")
            .skip(1)
            .filter(|g| !is_hidden(g))
            .map(|g| &g[..g.find("</details>").unwrap()])
            .collect();
        assert!(hidden > 0 && !shown.is_empty(), "{name}: {hidden} hidden, {} shown", shown.len());
        assert_eq!(hidden + shown.len(), groups);
        for g in &shown {
            assert!(g.to_lowercase().contains(query), "{name}: a group without {query} is shown: {g}");
        }
        assert!(dom.contains(&format!("data-shown=\"{}\"", shown.len())), "{name}: the count shown");
    }
    // A screenshot of the first page, as a person would see it.
    let png = dir.join("s1.png");
    let url = format!("file://{}", dir.join("s1.html").display());
    browse(&chrome, &dir, &url, &["--window-size=1280,1500", &format!("--screenshot={}", png.display())]);
    let bytes = std::fs::read(&png).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 20_000, "{} bytes", bytes.len());
    eprintln!("screenshot: {}", png.display());
    if let Some(keep) = std::env::var_os("HOLDUP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
    std::fs::remove_dir_all(&dir).ok();
}
