//! Time of each analysis stage on one file, best of 5: `cargo run --release --example stage_times FILE`.
//! `stage_times FILE parse N` times only the parse, best of N: steadier for comparing two builds.
//! A tool for finding where the time goes; the benchmark proper is `cargo bench`.

use std::time::Instant;

use holdup::{graph, group, infer, locks, waits};

fn best<T>(name: &str, f: impl FnMut() -> T) -> T {
    best_of(5, name, f)
}

fn best_of<T>(runs: usize, name: &str, mut f: impl FnMut() -> T) -> T {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    println!("{name:>10}: {:7.1} ms", best * 1e3);
    out.expect("at least one run")
}

#[global_allocator]
static ALLOC: holdup::alloc::HugePageAlloc = holdup::alloc::HugePageAlloc;

fn main() {
    let path = std::env::args().nth(1).expect("usage: stage_times FILE");
    holdup::alloc::tune_malloc_for(std::fs::metadata(&path).map_or(0, |m| m.len()));
    let bytes = std::fs::read(&path).expect("read input");
    if std::env::args().nth(2).as_deref() == Some("parse") {
        let runs = std::env::args().nth(3).and_then(|n| n.parse().ok()).unwrap_or(15);
        best_of(runs, "parse", || holdup::read_dumps(&bytes, &path).expect("parse"));
        return;
    }
    let dumps = best("parse", || holdup::read_dumps(&bytes, &path).expect("parse"));
    let d = &dumps[0];
    println!(
        "args_text {} bytes, {} frames, {} sites, {} funcs",
        d.args.len(),
        d.frames.len(),
        d.sites.len(),
        d.funcs.len()
    );
    best("words", || (0..d.frames.len() as u32).map(|fi| d.reliable_words_at(fi).count()).sum::<usize>());
    let w = best("waits", || waits::classify_all(d));
    let l = best("locks", || locks::group(d, &w));
    let h = best("holders", || infer::infer(d, &w, &l));
    let _g = best("graph", || graph::WaitGraph::build(&l, &h));
    let e = best("entries", || graph::Entries::new(d));
    let skip = vec![false; d.goroutines.len()];
    best("stuck", || holdup::stuck::find(d, &w, &e, &skip).findings.len());
    let all: Vec<usize> = (0..d.goroutines.len()).collect();
    best("group", || group::group(d, &all, group::Similarity::Lines).len());
    let a = best("analyze", || holdup::analysis::analyze(d));
    best("json", || {
        let doc = holdup::report::analysis_json::dump_analysis(&a, 0);
        serde_json::to_vec(&doc).expect("serialize").len()
    });
}
