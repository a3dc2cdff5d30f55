//! Any bytes through the whole analysis and every output format: never a panic, a hang or
//! unbounded memory, and every machine-readable output stays well-formed (JSON parses, JUnit
//! is XML) whatever the dump's function names hold.
#![no_main]

use holdup::check::{DumpResult, FileResult, Report, Settings, Status};
use holdup::group::Similarity;
use holdup::report;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dumps) = holdup::read_dumps(data, "fuzz") else { return };
    let analyses: Vec<_> = dumps.iter().enumerate().map(|(i, d)| (i, holdup::analysis::analyze(d))).collect();
    let mut out = Vec::new();
    let mut results = Vec::new();
    for (i, a) in &analyses {
        report::analysis_text::write(&mut out, a, *i, analyses.len()).unwrap();
        let json = serde_json::to_string(&report::analysis_json::dump_analysis(a, *i)).unwrap();
        serde_json::from_str::<serde_json::Value>(&json).expect("analysis JSON is well-formed");
        let settings = Settings::default();
        let findings = holdup::check::findings(a, &settings);
        results.push(DumpResult {
            index: *i,
            findings,
            ignored: 0,
            analysis: Some(report::analysis_json::dump_analysis(a, *i)),
        });
    }
    for d in &dumps {
        for sim in [Similarity::Exact, Similarity::Args, Similarity::Lines] {
            let all: Vec<usize> = (0..d.goroutines.len()).collect();
            let gs = holdup::group::group(d, &all, sim);
            report::groups::write_text(&mut out, d, sim, &gs, 10).unwrap();
            let json = serde_json::to_string(&report::groups::dump_groups(d, 0, sim, &gs)).unwrap();
            serde_json::from_str::<serde_json::Value>(&json).expect("groups JSON is well-formed");
        }
        let s = report::summary::summarize(d, 0);
        report::summary::write_text(&mut out, &s, 1).unwrap();
        serde_json::from_str::<serde_json::Value>(&serde_json::to_string(&s).unwrap()).unwrap();
    }
    report::dot::write(&mut out, &analyses).unwrap();
    let r = Report {
        settings: Settings::default(),
        files: vec![FileResult { source: "fuzz".into(), status: Status::Checked(results), notes: Vec::new() }],
        empty_dirs: Vec::new(),
    };
    out.clear();
    report::check::write_junit(&mut out, &r).unwrap();
    let xml = String::from_utf8(out.clone()).expect("JUnit is UTF-8");
    roxmltree::Document::parse(&xml).expect("JUnit is well-formed XML");
    out.clear();
    report::check::write_json(&mut out, &r).unwrap();
    serde_json::from_slice::<serde_json::Value>(&out).expect("check JSON is well-formed");
    out.clear();
    report::check::write_github(&mut out, &r).unwrap();
    for line in out.split(|&b| b == b'\n') {
        assert!(line.is_empty() || line.starts_with(b"::"), "a GitHub command spans one line");
    }
    report::check::write_text(&mut out, &r).unwrap();
});
