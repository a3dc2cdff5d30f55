//! The text report fits 100 columns: every line of `holdup analyze` over every dump in
//! `testdata/` (the shared corpus's real and generated dumps are copied under
//! `testdata/corpus/`), and over a dump whose names are far longer than a line. Columns are
//! counted in characters, not bytes (`—`, `→` and `…` are one column, three bytes).

mod common;

use common::{files_under, read_plain, run, testdata};

const WIDTH: usize = 100;

/// Lines of `text` wider than [`WIDTH`], with their widths.
fn too_wide(text: &str) -> Vec<String> {
    text.lines().filter(|l| l.chars().count() > WIDTH).map(|l| format!("{:4} {l}", l.chars().count())).collect()
}

/// Files that are not dumps: the programs that made them, their truth, notes, configs.
fn is_dump(name: &str) -> bool {
    let skip = [".json", ".go", ".md", ".py", ".mod", ".sum", ".toml", ".sh", ".txt.time", ".gen.log"];
    !skip.iter().any(|s| name.ends_with(s))
}

#[test]
fn every_line_of_every_report_fits_100_columns() {
    let mut files = Vec::new();
    for dir in ["corpus", "dumps", "capture", "check", "inject", "bench"] {
        files.extend(files_under(&testdata(dir), &is_dump));
    }
    assert!(files.len() >= 120, "the dumps under testdata/: {}", files.len());
    let (mut reports, mut findings) = (0, 0);
    let mut wide = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(common::root()).unwrap().to_str().unwrap();
        let out = run(&["analyze", "--color", "never", rel], None);
        if !out.status.success() {
            // Not a dump (check/bad holds broken inputs on purpose): nothing to lay out.
            continue;
        }
        let text = String::from_utf8(out.stdout).unwrap();
        reports += 1;
        findings += text.lines().filter(|l| l.starts_with("1. ")).count();
        wide.extend(too_wide(&text).into_iter().map(|l| format!("{rel}:\n{l}")));
    }
    assert!(reports >= 120 && findings >= 50, "{reports} reports, {findings} with findings");
    assert!(wide.is_empty(), "{} lines over {WIDTH} columns:\n{}", wide.len(), wide.join("\n"));
}

/// The seed dump with its holder's type, its entry function and a source file renamed to
/// names longer than a line (as generic instantiations and generated code have): the
/// report elides them and still names the holder.
#[test]
fn names_longer_than_a_line_are_elided() {
    let s1 = testdata("corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log");
    let text = String::from_utf8(read_plain(&s1)).unwrap();
    let ty = format!("Root{}", "WithAVeryLongName".repeat(8));
    let long = text
        .replace("local.(*Root)", &format!("local.(*{ty})"))
        .replace("deleteContainers", &format!("delete{}", "Containers".repeat(15)))
        .replace("local.go:", &format!("{}.go:", "local".repeat(30)));
    assert_ne!(long, text);
    let out = run(&["analyze", "--color", "never", "-"], Some(long.as_bytes()));
    let report = String::from_utf8(out.stdout).unwrap();
    let first: String = report.lines().skip(2).take(3).collect::<Vec<_>>().join(" ");
    assert!(first.starts_with("1. BLOCKING goroutine 197 in"), "{report}");
    assert!(first.contains("local.(*RootWithAVeryLong") && first.contains(".Remove"), "{report}");
    assert!(report.contains("30 ContainerCreate, 10 Cleanup"), "{report}");
    let wide = too_wide(&report);
    assert!(wide.is_empty(), "lines over {WIDTH} columns:\n{}\n\n{report}", wide.join("\n"));
}
