//! Throughput of each stage on realistic dumps: line splitting, extraction + parsing (one
//! pass), analysis, grouping. Inputs: dumps under testdata/ (always present) and, listed in
//! `HOLDUP_BENCH_FILES` (comma-separated), the large dumps made by bench/make-dumps.sh.

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

// The binary's allocator, so that the figures are the binary's (see `holdup::alloc`).
#[global_allocator]
static ALLOC: holdup::alloc::HugePageAlloc = holdup::alloc::HugePageAlloc;

fn inputs() -> Vec<(String, Vec<u8>)> {
    holdup::alloc::tune_malloc_for(u64::MAX);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = Vec::new();
    let mut add = |name: &str, p: PathBuf| {
        if let Ok(bytes) = std::fs::read(&p) {
            let plain = if bytes.starts_with(&[0x1f, 0x8b]) {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&bytes[..]), &mut out).unwrap();
                out
            } else {
                bytes
            };
            v.push((name.to_string(), plain));
        }
    };
    add("real-go1.4-coordinator", root.join("testdata/corpus/real/go1.4-build-coordinator-statusmu-waiters.txt"));
    add(
        "s1-go1.27-276",
        root.join("testdata/corpus/gen/S1-seed-volume-remove/go1.27.3/goroutine-stacks-2026-11-27T052133Z.log"),
    );
    add("bigdump-go1.27-10k", root.join("testdata/bench/bigdump-10k-go1.27.txt.gz"));
    add(
        "s7-go1.27-20k",
        root.join("testdata/corpus/gen/S7-healthy-20k/go1.27.3/goroutine-stacks-2026-11-27T052140Z.log.gz"),
    );
    if let Ok(extra) = std::env::var("HOLDUP_BENCH_FILES") {
        for p in extra.split(',').filter(|p| !p.is_empty()) {
            add(Path::new(p).file_name().unwrap().to_str().unwrap(), PathBuf::from(p));
        }
    }
    v
}

fn stages(c: &mut Criterion) {
    for (name, bytes) in inputs() {
        let mut g = c.benchmark_group(&name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.sample_size(10);
        // The floor: splitting the input into lines, which extraction and parsing share.
        g.bench_function("lines", |b| {
            b.iter(|| {
                let mut r = holdup::input::LineReader::from_slice(&bytes, holdup::MAX_LINE_PIECE);
                let mut n = 0u64;
                while let Some(l) = r.next_line().unwrap() {
                    n += l.text.len() as u64;
                }
                n
            })
        });
        // Extraction and parsing are one pass over the lines.
        g.bench_function("parse", |b| b.iter(|| holdup::read_dumps(&bytes, "bench").unwrap()));
        let dumps = holdup::read_dumps(&bytes, "bench").unwrap();
        g.bench_function("analyze", |b| {
            b.iter(|| dumps.iter().map(|d| holdup::analysis::analyze(d).locks.len()).sum::<usize>())
        });
        g.bench_function("group", |b| {
            b.iter(|| {
                dumps
                    .iter()
                    .map(|d| {
                        let all: Vec<usize> = (0..d.goroutines.len()).collect();
                        holdup::group::group(d, &all, holdup::group::Similarity::Args).len()
                    })
                    .sum::<usize>()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
