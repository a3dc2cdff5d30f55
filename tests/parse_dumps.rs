//! Every dump in `testdata/dumps` (made by the programs in `testdata/programs` with real Go
//! toolchains) parses to what its process recorded in the `.truth.json` beside it: goroutine
//! counts, roles with their states and frames, labels with their values, panic reasons,
//! ancestors, elision counts and pprof `debug=1` records.
//!
//! Ids and addresses change whenever the dumps are regenerated, so everything here is read
//! from the truth files and the dump text, never written into the test.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{count_headers, files_under, read_plain, testdata, warnings};
use holdup::Dump;
use holdup::model::{DumpKind, GoVersion, Goroutine};
use serde_json::Value;

/// A dump file with its truth.
struct Case {
    name: String,
    path: PathBuf,
    truth: Value,
    text: Vec<u8>,
}

fn cases(scenario: Option<&str>) -> Vec<Case> {
    let dir = testdata("dumps");
    let mut out = Vec::new();
    for truth_path in files_under(&dir, &|n| n.ends_with(".truth.json")) {
        let path = PathBuf::from(truth_path.to_str().unwrap().trim_end_matches(".truth.json"));
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        if scenario.is_some_and(|s| !name.starts_with(&format!("{s}/"))) {
            continue;
        }
        let truth: Value = serde_json::from_slice(&std::fs::read(&truth_path).unwrap()).expect("truth JSON");
        let text = read_plain(&path);
        out.push(Case { name, path, truth, text });
    }
    out
}

fn parse(c: &Case) -> Dump {
    let mut ds = holdup::read_path(c.path.to_str().unwrap()).unwrap_or_else(|e| panic!("{}: {e}", c.name));
    assert_eq!(ds.len(), 1, "{}: {}", c.name, common::summaries(&ds).join("; "));
    ds.remove(0)
}

fn ids(v: &Value) -> Vec<u64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_u64).collect()).unwrap_or_default()
}

fn go_version(s: &str) -> GoVersion {
    let mut it = s.trim_start_matches("go").split('.').map(|p| p.parse::<u8>().unwrap());
    GoVersion(it.next().unwrap(), it.next().unwrap())
}

fn labels_of(g: &Goroutine) -> BTreeMap<String, String> {
    g.labels.iter().cloned().collect()
}

fn truth_labels(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}

/// Whether any function on the goroutine's stack (its frames, `created by`, ancestors)
/// contains `needle`.
fn on_stack(d: &Dump, g: &Goroutine, needle: &str) -> bool {
    d.frames(g).any(|f| f.func.full.contains(needle))
        || g.created_by.is_some_and(|c| d.created_by(&c).0.full.contains(needle))
        || g.ancestors.iter().any(|a| d.frames_in(a.frames.clone()).any(|f| f.func.full.contains(needle)))
}

/// The header line of goroutine `id` in the raw text, found without the parser.
fn raw_header(text: &[u8], id: u64) -> Option<String> {
    let want = format!("goroutine {id} ");
    text.split(|&c| c == b'\n')
        .find(|l| l.starts_with(want.as_bytes()))
        .map(|l| String::from_utf8_lossy(l).into_owned())
}

/// The checks every dump gets; returns the problems found.
fn check_common(c: &Case, d: &Dump) -> Vec<String> {
    let mut p = Vec::new();
    let t = &c.truth;
    let transport = t["transport"].as_str().unwrap();
    let kind = match transport {
        "runtime.Stack" | "pprof-goroutine-debug2" => DumpKind::Raw,
        "sigquit" => DumpKind::Sigquit,
        "crash-stderr" => DumpKind::Panic,
        "pprof-goroutine-debug1" => DumpKind::PprofDebug1,
        other => {
            p.push(format!("unknown transport {other}"));
            return p;
        }
    };
    if d.kind != kind {
        p.push(format!("kind {}, expected {kind}", d.kind));
    }
    if !d.warnings.is_empty() {
        p.push(format!("warnings on an undamaged dump: {:?}", warnings(d)));
    }
    let want = t["goroutines_in_dump"].as_u64().unwrap();
    let dups = ids(&t["duplicate_goroutine_ids"]).len() as u64;
    if kind == DumpKind::PprofDebug1 {
        if d.goroutine_count() != want {
            p.push(format!("{} goroutines counted, truth says {want}", d.goroutine_count()));
        }
    } else {
        if d.goroutines.len() as u64 != want {
            p.push(format!("{} goroutines, truth says {want}", d.goroutines.len()));
        }
        let headers = count_headers(&c.text) as u64;
        if headers != want + dups {
            p.push(format!("{headers} headers in the text, truth says {want} goroutines and {dups} repeated ids"));
        }
        if let Some(g) = d.goroutines.iter().find(|g| g.id.is_none()) {
            p.push(format!("anonymous goroutine at line {}", g.line));
        }
    }
    let v = go_version(t["go_version"].as_str().unwrap());
    if d.era.min.is_some_and(|m| m > v) || d.era.max.is_some_and(|m| m < v) {
        p.push(format!("era {} excludes {v}: {:?}", d.era, d.era.clues));
    }
    if kind == DumpKind::PprofDebug1 {
        return p;
    }
    // Every role the scenario placed: present (unless it exited) with an accepted state,
    // its expected frame, and `locked to thread` where required. A crash with the default
    // GOTRACEBACK=single prints only the goroutine that crashed.
    let exited = ids(&t["exited_ids"]);
    let single =
        transport == "crash-stderr" && t["env_GOTRACEBACK"].as_str().is_some_and(|s| s.is_empty() || s == "single");
    let observed: Vec<u64> =
        t["observed_role_headers"].as_object().into_iter().flatten().filter_map(|(k, _)| k.parse().ok()).collect();
    for r in t["roles"].as_array().into_iter().flatten() {
        let Some(id) = r["id"].as_u64() else { continue };
        let role = r["role"].as_str().unwrap_or("?");
        let absent = r["extra"]["expect_absent"].as_bool() == Some(true) || exited.contains(&id);
        if single && !observed.contains(&id) {
            if d.goroutine(id).is_some() {
                p.push(format!("goroutine {id} ({role}) printed although GOTRACEBACK=single"));
            }
            continue;
        }
        match (d.goroutine(id), absent) {
            (Some(_), true) => p.push(format!("goroutine {id} ({role}) exited but is in the dump")),
            (None, false) => p.push(format!("goroutine {id} ({role}) is missing")),
            (None, true) => {}
            (Some(g), false) => {
                let accepted: Vec<&str> =
                    r["accepted_status"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                if !accepted.is_empty() && !accepted.contains(&d.state(g)) {
                    p.push(format!("goroutine {id} ({role}): state {:?} not in {accepted:?}", d.state(g)));
                }
                if let Some(f) = r["expected_frame"].as_str()
                    && !on_stack(d, g, f)
                {
                    p.push(format!("goroutine {id} ({role}): no frame with {f:?}"));
                }
                if r["locked_to_thread"].as_bool() == Some(true) && !g.locked_to_thread {
                    p.push(format!("goroutine {id} ({role}): not locked to thread"));
                }
            }
        }
    }
    // The states the process saw in its own headers.
    for (id, header) in t["observed_role_headers"].as_object().into_iter().flatten() {
        let id: u64 = id.parse().unwrap();
        let header = header.as_str().unwrap();
        if let Some(g) = d.goroutine(id) {
            let open = header.find('[').unwrap() + 1;
            let end = open + header[open..].find([',', ']']).unwrap();
            if d.state(g) != &header[open..end] {
                p.push(format!("goroutine {id}: state {:?}, header {header:?}", d.state(g)));
            }
        }
    }
    p
}

fn run_all(scenario: Option<&str>, extra: &dyn Fn(&Case, &Dump) -> Vec<String>) -> usize {
    let cs = cases(scenario);
    let mut problems = Vec::new();
    for c in &cs {
        let d = parse(c);
        for m in check_common(c, &d).into_iter().chain(extra(c, &d)) {
            problems.push(format!("{}: {m}", c.name));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    cs.len()
}

#[test]
fn every_dump_matches_its_truth() {
    let n = run_all(None, &|_, _| Vec::new());
    let listed = serde_json::from_slice::<Value>(&std::fs::read(testdata("dumps/index.json")).unwrap()).unwrap();
    assert_eq!(n, listed.as_array().unwrap().len(), "every dump in index.json has a truth file here");
    assert!(n >= 60, "only {n} dumps found");
}

#[test]
fn labels_are_parsed_with_their_values() {
    let mut seen = 0;
    run_all(Some("labels"), &|c, d| {
        let mut p = Vec::new();
        let t = &c.truth;
        if c.truth["transport"] == "pprof-goroutine-debug1" {
            return p;
        }
        let by_id: BTreeMap<u64, BTreeMap<String, String>> = t["labels_by_id"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.parse().unwrap(), truth_labels(v)))
            .collect();
        for g in &d.goroutines {
            let id = g.id.unwrap();
            let printed = raw_header(&c.text, id).is_some_and(|h| h.contains("] {"));
            let want = match by_id.get(&id) {
                Some(l) if printed => l.clone(),
                _ => BTreeMap::new(),
            };
            if labels_of(g) != want {
                p.push(format!("goroutine {id}: labels {:?}, expected {want:?}", labels_of(g)));
            }
        }
        p
    });
    // The dumps that print labels do print them for the labelled goroutines.
    for c in cases(Some("labels")) {
        if c.name.ends_with("stack.txt") || c.name.ends_with("sigquit-stderr.txt") {
            let d = parse(&c);
            let n = d.goroutines.iter().filter(|g| !g.labels.is_empty()).count();
            assert!(n >= c.truth["labels_by_id"].as_object().unwrap().len(), "{}: {n} labelled goroutines", c.name);
            assert!(d.era.min >= Some(GoVersion(1, 27)), "{}: labels mean go1.27+", c.name);
            seen += 1;
        }
        if c.name.ends_with("stack-tracebacklabels0.txt") {
            let d = parse(&c);
            assert!(d.goroutines.iter().all(|g| g.labels.is_empty()), "{}: tracebacklabels=0 prints none", c.name);
        }
    }
    assert_eq!(seen, 2);
}

#[test]
fn panics_keep_their_reason() {
    let n = run_all(Some("panics"), &|c, d| {
        let mut p = Vec::new();
        let t = &c.truth;
        let reason = d.reason.as_deref().unwrap_or("");
        let first = t["first_line"].as_str().unwrap();
        if reason.lines().next() != Some(first) {
            p.push(format!("reason {reason:?} does not start with {first:?}"));
        }
        for line in t["fatal_lines"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !reason.lines().any(|l| l == line.trim()) {
                p.push(format!("reason {reason:?} lacks {line:?}"));
            }
        }
        // The goroutine that panicked is printed first.
        let first_id = d.goroutines.first().and_then(|g| g.id);
        let expected = match t["panicked_goroutine"].as_u64() {
            Some(id) => vec![id],
            None => ids(&t["panicked_goroutine_candidates"]),
        };
        if !expected.is_empty() && !first_id.is_some_and(|id| expected.contains(&id)) {
            p.push(format!("first goroutine {first_id:?}, expected one of {expected:?}"));
        }
        if t["mode"] == "deadlock" && !reason.contains("all goroutines are asleep - deadlock!") {
            p.push(format!("deadlock reason {reason:?}"));
        }
        // A crash printed by two threads at once: the goroutine shown as "stack unavailable"
        // by one is printed with its stack by the other; one goroutine, with frames.
        for id in ids(&t["duplicate_goroutine_ids"]) {
            match d.goroutine(id) {
                Some(g) if !g.frames.is_empty() => {}
                other => p.push(format!("repeated goroutine {id}: {other:?}")),
            }
        }
        p
    });
    assert!(n >= 20, "{n} panic dumps");
}

#[test]
fn ancestors_follow_the_creation_chain() {
    let n = run_all(Some("ancestors"), &|c, d| {
        let mut p = Vec::new();
        let depth = c.truth["tracebackancestors"].as_u64().unwrap_or(5) as usize;
        for r in c.truth["roles"].as_array().into_iter().flatten() {
            let Some(g) = r["id"].as_u64().and_then(|id| d.goroutine(id)) else { continue };
            let chain = ids(&r["extra"]["ancestors_nearest_first"]);
            let want = &chain[..chain.len().min(depth)];
            let got: Vec<u64> = g.ancestors.iter().map(|a| a.id).collect();
            if got != want {
                p.push(format!("goroutine {:?}: ancestors {got:?}, truth {want:?}", g.id));
            }
            if let Some(a) = g.ancestors.iter().find(|a| a.frames.is_empty()) {
                p.push(format!("goroutine {:?}: ancestor {} without frames", g.id, a.id));
            }
            if let Some(parent) = r["extra"]["parent"].as_u64()
                && let Some(printed) = g.created_by.and_then(|c| c.parent)
                && printed != parent
            {
                p.push(format!("goroutine {:?}: created in goroutine {printed}, truth {parent}", g.id));
            }
        }
        p
    });
    assert_eq!(n, 4);
}

#[test]
fn elided_frames_are_counted() {
    let n = run_all(Some("elided"), &|c, d| {
        let mut p = Vec::new();
        let v = go_version(c.truth["go_version"].as_str().unwrap());
        for r in c.truth["roles"].as_array().into_iter().flatten() {
            let (Some(id), Some(depth)) = (r["id"].as_u64(), r["extra"]["recursion_depth"].as_u64()) else { continue };
            let fab = r["extra"]["frames_at_block"].as_u64().unwrap();
            let g = d.goroutine(id).unwrap();
            let printed = g.frames.len() as u64;
            match (v >= GoVersion(1, 21), g.elided) {
                // go1.21+: 50 innermost frames, `...N frames elided...`, 50 outermost.
                (true, Some(e)) => {
                    let total = printed + u64::from(e.count.unwrap_or(0));
                    if e.count.is_none() || e.after != 50 || printed != 100 {
                        p.push(format!("goroutine {id}: {printed} frames, elision {e:?}"));
                    }
                    if total < depth || total > fab + 10 {
                        p.push(format!("goroutine {id}: {total} frames in all, recursion {depth}, {fab} at block"));
                    }
                }
                (true, None) if depth >= 100 => p.push(format!("goroutine {id}: {depth} deep but no elision")),
                // go1.19 may also cut a deep stack silently at 100 frames, hidden runtime
                // frames included.
                (_, None) if printed < depth.min(90) => {
                    p.push(format!("goroutine {id}: {printed} frames for a recursion {depth} deep"))
                }
                // go1.19: `...additional frames elided...` after the first 100, no count.
                (false, Some(e)) if e.count.is_some() || e.after != 100 => {
                    p.push(format!("goroutine {id}: elision {e:?}"))
                }
                _ => {}
            }
            if g.elided.is_some() && g.created_by.is_none() {
                p.push(format!("goroutine {id}: `created by` after the elision was lost"));
            }
        }
        p
    });
    assert_eq!(n, 8);
}

#[test]
fn pprof_debug1_records_keep_counts_and_labels() {
    let mut checked = 0;
    for c in cases(None).into_iter().filter(|c| c.truth["transport"] == "pprof-goroutine-debug1") {
        let d = parse(&c);
        let mut used = vec![false; d.goroutines.len()];
        for rec in c.truth["expected_debug1_records"].as_array().into_iter().flatten() {
            let count = rec["count"].as_u64().unwrap() as u32;
            let frame = rec["frame"].as_str().unwrap();
            let labels = truth_labels(&rec["labels"]);
            let found = d.goroutines.iter().enumerate().position(|(i, g)| {
                !used[i]
                    && g.count == count
                    && labels_of(g) == labels
                    && d.frames(g).any(|f| f.func.full.contains(frame))
            });
            match found {
                Some(i) => used[i] = true,
                None => panic!("{}: no record of {count} with {frame} and labels {labels:?}", c.name),
            }
            checked += 1;
        }
        // Every record has frames with files and lines.
        for g in &d.goroutines {
            assert!(!g.frames.is_empty(), "{}: record at line {} has no frames", c.name, g.line);
            assert!(d.frames(g).all(|f| f.func.full == "?" || f.site.line > 0), "{}: line {}", c.name, g.line);
        }
    }
    assert!(checked >= 10, "{checked} records checked");
}

#[test]
fn diff_pairs_are_two_dumps_that_are_never_merged() {
    for v in ["go1.23.9", "go1.27.3"] {
        let dir = testdata(&format!("dumps/diff-pair/{v}"));
        let t1: Value = serde_json::from_slice(&std::fs::read(dir.join("dump1.txt.truth.json")).unwrap()).unwrap();
        let a = std::fs::read(dir.join("dump1.txt")).unwrap();
        let b = std::fs::read(dir.join("dump2.txt")).unwrap();
        let both = [&a[..], b"\n", &b[..]].concat();
        let ds = holdup::read_dumps(&both, "pair.txt").unwrap();
        assert_eq!(ds.len(), 2, "{v}: {:?}", common::summaries(&ds));
        let lines_a = a.iter().filter(|&&c| c == b'\n').count() as u64;
        assert_eq!(ds[1].span.first_line, lines_a + 2, "{v}: the second dump starts at its first header");
        let present = |d: &Dump, id: u64| d.goroutine(id).is_some();
        for id in ids(&t1["gone"]) {
            assert!(present(&ds[0], id) && !present(&ds[1], id), "{v}: gone goroutine {id}");
        }
        for id in ids(&t1["new"]) {
            assert!(!present(&ds[0], id) && present(&ds[1], id), "{v}: new goroutine {id}");
        }
        for id in ids(&t1["stuck"]).into_iter().chain(ids(&t1["unchanged"])) {
            assert!(present(&ds[0], id) && present(&ds[1], id), "{v}: goroutine {id} in both");
        }
        // Changed goroutines changed state or stack between the dumps.
        for id in ids(&t1["changed"]) {
            let (g1, g2) = (ds[0].goroutine(id).unwrap(), ds[1].goroutine(id).unwrap());
            let f1: Vec<_> = common::funcs(&ds[0], g1);
            let f2: Vec<_> = common::funcs(&ds[1], g2);
            assert!(ds[0].state(g1) != ds[1].state(g2) || f1 != f2, "{v}: goroutine {id} did not change");
        }
    }
}

#[test]
fn the_big_dump_parses_whole() {
    let c = cases(Some("bigwaiters")).pop().expect("bigwaiters dump");
    assert!(c.path.extension().is_some_and(|e| e == "gz"));
    let d = parse(&c);
    let all: usize = c.truth["role_ids"].as_object().unwrap().values().map(|v| ids(v).len()).sum();
    let missing: Vec<u64> = c.truth["role_ids"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(ids)
        .filter(|&id| d.goroutine(id).is_none_or(|g| g.frames.is_empty()))
        .collect();
    assert!(all >= 5000, "{all} role ids");
    assert!(
        missing.is_empty(),
        "{} role goroutines missing or without frames: {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
}

#[test]
fn the_same_dump_wrapped_in_other_ways_parses_the_same() {
    // A real dump, logged as one logrus line, through journald, and pasted indented: the
    // goroutines and frames must not change.
    let path: &Path = &testdata("dumps/waitkinds/go1.27.3/stack.txt");
    let text = String::from_utf8(std::fs::read(path).unwrap()).unwrap();
    let base = common::one(&text);
    let shape = |d: &Dump| -> Vec<(Option<u64>, String, Vec<String>, usize)> {
        d.goroutines
            .iter()
            .map(|g| {
                let sites = d.frames(g).map(|f| format!("{}({}) {}:{}", f.func.full, f.args, f.site.file, f.site.line));
                (g.id, d.state(g).to_string(), sites.collect(), g.labels.len())
            })
            .collect()
    };
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\t', "\\t");
    let logrus = format!(
        "time=\"2024-01-01T00:00:00Z\" level=info msg=\"=== BEGIN goroutine stack dump ===\\n{escaped}\\n=== END goroutine stack dump ===\"\n"
    );
    let journald: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| format!("Jan {:>2} 00:00:{:02} host app[42]: {l}\n", 1 + i / 1000, i % 60))
        .collect();
    let indented: String = text.lines().map(|l| format!("    {l}\n")).collect();
    for (what, wrapped) in [("logrus", logrus), ("journald", journald), ("indented", indented)] {
        let d = common::one(&wrapped);
        assert!(d.warnings.is_empty(), "{what}: {:?}", warnings(&d));
        assert_eq!(shape(&d), shape(&base), "{what}");
    }
}
