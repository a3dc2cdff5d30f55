//! The outputs made from the report model — HTML, SVG, Markdown, folded stacks — on real
//! dumps, and every output on a dump made to inject markup and terminal escapes.

mod common;

use common::{run, testdata};

const S1: &str = "corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log";
const S2: &str = "corpus/gen/S2-abba-deadlock/go1.27.3/goroutine-stacks-2026-11-27T052134Z.log";
const INJECT: &str = "inject/markup-and-escapes.txt";

fn out(args: &[&str]) -> String {
    let o = run(args, None);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

fn path(rel: &str) -> String {
    testdata(rel).to_string_lossy().into_owned()
}

/// Nodes declared in the DOT output (`name [shape=…]`).
fn dot_nodes(file: &str) -> usize {
    out(&["graph", "--format", "dot", file]).lines().filter(|l| l.contains(" [shape=")).count()
}

#[test]
fn svg_is_xml_with_the_nodes_of_the_dot_graph() {
    for rel in [S1, S2, INJECT] {
        let file = path(rel);
        let svg = out(&["graph", "--format", "svg", &file]);
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{rel}: not XML: {e}\n{svg}"));
        let nodes = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "g" && n.attribute("class").is_some_and(|c| c.starts_with("node ")))
            .count();
        assert_eq!(nodes, dot_nodes(&file), "{rel}");
        assert!(doc.descendants().all(|n| n.tag_name().name() != "script"), "{rel}: a script element");
    }
    // The deadlock's cycle is drawn in red: two held-by and two waits edges.
    let svg = out(&["graph", "--format", "svg", &path(S2)]);
    assert_eq!(svg.matches("class=\"edge cycle\"").count(), 4, "{svg}");
    assert_eq!(svg.matches("class=\"node goroutine deadlock\"").count(), 2);
}

#[test]
fn collapsed_stacks_fold_every_goroutine_outermost_first() {
    let text = out(&["groups", "--format", "collapsed", &path(S1)]);
    let mut total = 0;
    for line in text.lines() {
        let (stack, n) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no count: {line}"));
        total += n.parse::<u64>().unwrap_or_else(|_| panic!("bad count: {line}"));
        assert!(!stack.is_empty() && !stack.contains('\t'), "{line}");
    }
    assert_eq!(total, 276, "every goroutine once");
    let remover = text.lines().find(|l| l.contains("os.RemoveAll")).expect("the remover's stack");
    let at = |f: &str| remover.find(f).unwrap_or_else(|| panic!("{f} in {remover}"));
    assert!(at("net/http.(*conn).serve") < at("volume/local.(*Root).Remove"));
    assert!(at("volume/local.(*Root).Remove") < at("os.RemoveAll"));
    assert!(remover.ends_with("syscall.Syscall 1"), "{remover}");
}

#[test]
fn markdown_shows_the_finding_its_stack_and_folded_waiters() {
    let md = out(&["analyze", "--format", "markdown", &path(S1)]);
    let first = md.find("#### 1.").expect("a first finding");
    assert!(
        md[first..].starts_with(
            "#### 1. 🔴 BLOCKING: goroutine 197 in local.(\\*Root).Remove (deleting a directory tree: \
             os.RemoveAll → unix.Unlinkat) holds mutex 0xc0000dc980 — 40 goroutines wait: 30 ContainerCreate, \
             10 Cleanup\n"
        ),
        "{md}"
    );
    let block = &md[md.find("```text").expect("a code block")..];
    assert!(block.contains("os.RemoveAll\n") && block.contains("volume/local.(*Root).Remove\n"), "{md}");
    // The waiters' title names their operations as the headline does.
    assert!(md.contains("<details><summary>40 goroutines wait: 30 ContainerCreate, 10 Cleanup"), "{md}");
    assert!(md.contains("| 30 | ContainerCreate | semacquire | `local.(*Root).Get` ←"), "{md}");
    let md = out(&["analyze", "--format", "markdown", &path(S2)]);
    assert!(md.contains("#### 1. 🔴 DEADLOCK: goroutines 9, 10 wait for each other"), "{md}");
    assert!(
        md.contains("<summary>behind the cycle, 10 goroutines wait: 5 ContainerInspect, 5 SubscribeToEvents</summary>"),
        "{md}"
    );
}

#[test]
fn html_is_one_self_contained_page_with_the_first_finding_first() {
    let html = out(&["analyze", "--format", "html", &path(S1)]);
    for banned in ["src=\"http", "href=\"http", "<link", "@import", "url(http", "<script src"] {
        assert!(!html.contains(banned), "{banned} in the page");
    }
    let finding = html
        .find("<span class=\"tag\">BLOCKING</span>goroutine 197 in local.(*Root).Remove (deleting a directory tree")
        .expect("the finding");
    let graph = html.find("Wait-for graph").expect("the graph");
    let flame = html.find("Where the goroutines sit").expect("the flame graph");
    let groups = html.find("class=\"box groups\"").expect("the groups");
    assert!(finding < graph && graph < flame && flame < groups);
    assert!(html.contains("os.RemoveAll"));
    assert!(html.contains("<h3>40 goroutines wait: 30 ContainerCreate, 10 Cleanup"), "{html}");
    assert!(html.contains("<td class=\"n\">30 ×</td><td>ContainerCreate</td>"), "{html}");
    // The graph's nodes link to their groups, and those groups exist.
    for target in html.match_indices("<a href=\"#group-").map(|(at, _)| &html[at + 10..]) {
        let id = &target[..target.find('"').unwrap()];
        assert!(html.contains(&format!("id=\"{id}\"")), "no element {id}");
    }
    // -o writes the same page to a file, nothing to stdout.
    let file = std::env::temp_dir().join(format!("holdup-report-{}.html", std::process::id()));
    let o = run(&["analyze", "--format", "html", "-o", file.to_str().unwrap(), &path(S1)], None);
    assert!(o.status.success() && o.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), html);
    std::fs::remove_file(&file).ok();
}

/// Every output of the injection dump: markup stays text, escape sequences stay visible.
#[test]
fn strings_from_a_dump_never_escape_their_format() {
    let file = path(INJECT);
    let evil_html = ["<script>alert", "<img src=x"];
    for args in [
        vec!["analyze", "--color", "always"],
        vec!["analyze", "--color", "never"],
        vec!["analyze", "--format", "json"],
        vec!["analyze", "--format", "dot"],
        vec!["analyze", "--format", "svg"],
        vec!["analyze", "--format", "markdown"],
        vec!["analyze", "--format", "html"],
        vec!["groups", "--format", "collapsed"],
        vec!["groups", "--color", "never"],
    ] {
        let mut all = args.clone();
        all.push(&file);
        let text = out(&all);
        // The dump's own escape sequence never arrives raw (the text report's colours may).
        assert!(!text.contains("\x1b[31mRED"), "{args:?}: raw escape sequence");
        match args.last().copied() {
            Some("html") | Some("svg") => {
                for e in evil_html {
                    assert!(!text.contains(e), "{args:?}: {e}");
                }
                assert!(text.contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)"), "{args:?}");
                if args.last() == Some(&"html") {
                    assert!(text.contains("\\x1b[31mRED"), "{args:?}: the escape made visible");
                }
            }
            Some("json") => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let ev = v["dumps"][0]["locks"][0]["holders"][0]["evidence"][0].as_str().unwrap();
                // The model already shows a dump's control characters as `\x1b` (parse).
                assert!(ev.contains("evil.(*Store).Get`tick`\\x1b[31mRED\\x1b[0m"), "{ev}");
            }
            Some("dot") => {
                for line in text.lines().filter(|l| l.contains("label=")) {
                    let quotes = line.replace("\\\\", "").replace("\\\"", "").matches('"').count();
                    assert_eq!(quotes % 2, 0, "unbalanced quotes: {line}");
                }
            }
            Some("markdown") => {
                // Outside code the markup is entities; inside code spans and blocks it is
                // literal, where Markdown shows it as text.
                assert!(
                    text.contains("example.com/&lt;script&gt;alert(\"x&amp;y\")&lt;/script&gt;.(\\*Store).Get"),
                    "{text}"
                );
                for line in text.lines().filter(|l| l.contains("<script>")) {
                    let code = line.starts_with("example.com/") || line.starts_with("| ");
                    assert!(code, "markup outside code: {line}");
                }
                assert!(text.contains("``evil.(*Store).Get`tick`\\x1b[31mRED\\x1b[0m``") || text.contains("```text"));
            }
            Some("collapsed") => {
                for line in text.lines() {
                    let (_, n) = line.rsplit_once(' ').unwrap();
                    n.parse::<u64>().unwrap();
                }
            }
            _ => assert!(text.contains("\\x1b[31mRED"), "{args:?}: the escape made visible"),
        }
    }
}

/// The JSON says what the headline says: the holder's work and, for a lock without a holder,
/// its waiters by operation.
#[test]
fn json_carries_the_holders_work_and_the_waiters_operations() {
    let v: serde_json::Value = serde_json::from_str(&out(&["analyze", "--format", "json", &path(S1)])).unwrap();
    let b = &v["dumps"][0]["blockers"][0];
    assert_eq!(b["doing"], "deleting a directory tree: os.RemoveAll → unix.Unlinkat", "{b}");
    assert_eq!(b["work"], "disk", "{b}");
    assert_eq!(b["by_operation"], serde_json::json!({"ContainerCreate": 30, "Cleanup": 10}), "{b}");
    let leaked = "corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt";
    let v: serde_json::Value = serde_json::from_str(&out(&["analyze", "--format", "json", &path(leaked)])).unwrap();
    let d = &v["dumps"][0];
    assert_eq!(d["leaked_locks"], serde_json::json!(["L1"]), "{d}");
    assert_eq!(d["leaked_by_operation"], serde_json::json!({"L1": {"ContainerRm": 1, "Containers": 1}}), "{d}");
}
