//! Quick throughput check while optimizing: `cargo run --release --example parse_speed FILE…`
//! (the real benchmark is `cargo bench`). Reads each file into memory, then parses and
//! analyzes it repeatedly, printing the best time of each stage.

use std::time::Instant;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("read input");
        let mb = bytes.len() as f64 / 1e6;
        let (tp, dumps) = best(5, || holdup::read_dumps_from(&bytes[..], &path).expect("parse"));
        let (ta, locks) = best(5, || dumps.iter().map(|d| holdup::analysis::analyze(d).locks.len()).sum::<usize>());
        let goroutines = dumps.iter().map(|d| d.goroutine_count()).sum::<u64>();
        println!(
            "{path}: {goroutines} goroutines, {locks} locks; parse {:.1} ms ({:.0} MB/s), analyze {:.1} ms ({:.0} MB/s)",
            tp * 1e3,
            mb / tp,
            ta * 1e3,
            mb / ta
        );
    }
}
