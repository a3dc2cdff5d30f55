#!/bin/bash
# Whole-process timings of holdup on the bigdump inputs, for BENCHMARKS.md.
#
#   bench/holdup-timings.sh [OLD_BINARY]
#
# Runs hyperfine (wall time; means and, with jq, medians) and /usr/bin/time (peak RSS) on benchdata/bigdump-*.txt (made by
# bench/make-dumps.sh) with `wc -l` in the same runs as the floor; with OLD_BINARY, that
# build's `analyze` is measured in the same runs too, for before/after ratios. Also: one core
# (taskset) against two, gostackparse's harness (benchdata/bin/gspscan, see BASELINES.md) when
# built, and gzip/stdin input. Results go to benchdata/timings/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
B=benchdata
H=target/release/holdup
OLD=${1:-}
OUT=$B/timings
mkdir -p "$OUT"
cargo build --release --quiet
{ date -u +%FT%TZ; nproc; grep -m1 'model name' /proc/cpuinfo || true; } > "$OUT/machine.txt"

for n in 1k-go1.27 10k-go1.27 100k-go1.27 100k-go1.19; do
  F=$B/bigdump-$n.txt
  cmds=("wc -l $F" "$H summary $F" "$H analyze --format json $F")
  if [ -n "$OLD" ]; then cmds+=("$OLD analyze --format json $F"); fi
  hyperfine -N -w 2 -r 10 --export-json "$OUT/$n.json" "${cmds[@]}" > "$OUT/$n.txt"
done
F=$B/bigdump-100k-go1.27.txt
hyperfine -N -w 1 -r 10 --export-json "$OUT/one-core.json" \
  "taskset -c 0 $H summary $F" "taskset -c 0 $H analyze --format json $F" \
  "$H summary $F" "$H analyze --format json $F" > "$OUT/one-core.txt"
if [ -x $B/bin/gspscan ]; then
  F=$B/bigdump-100k-go1.27-nolabels.txt
  hyperfine -N -w 1 -r 10 --export-json "$OUT/gostackparse.json" \
    "wc -l $F" "$B/bin/gspscan -in file $F" "$H summary $F" "$H analyze --format json $F" > "$OUT/gostackparse.txt"
fi
for n in 550k 1m; do
  F=$B/bigdump-$n-go1.27.txt
  [ -f "$F" ] || continue
  hyperfine -N -w 1 -r 3 --export-json "$OUT/$n.json" \
    "wc -l $F" "$H summary $F" "$H analyze --format json $F" > "$OUT/$n.txt"
done

: > "$OUT/rss.txt"
for f in 1k-go1.27 10k-go1.27 100k-go1.27 100k-go1.19 550k-go1.27 1m-go1.27; do
  F=$B/bigdump-$f.txt
  [ -f "$F" ] || continue
  for cmd in summary "analyze --format json"; do
    /usr/bin/time -f "$f ${cmd%% *} %e s %M KiB" $H $cmd "$F" > /dev/null 2>> "$OUT/rss.txt"
  done
done
gzip -1 -c $B/bigdump-100k-go1.27.txt > "$OUT/100k.gz"
/usr/bin/time -f "100k gzip analyze %e s %M KiB" $H analyze --format json "$OUT/100k.gz" > /dev/null 2>> "$OUT/rss.txt"
/usr/bin/time -f "100k stdin analyze %e s %M KiB" $H analyze --format json - < $B/bigdump-100k-go1.27.txt > /dev/null 2>> "$OUT/rss.txt"
rm "$OUT/100k.gz"
grep -h -E 'Benchmark|Time' "$OUT"/*.txt
# Medians (what BENCHMARKS.md reports since the sixth pass: on this shared VM one slow run
# moves a mean of ten by up to 40%), from hyperfine's JSON, when jq is installed.
if command -v jq > /dev/null; then
  for j in "$OUT"/*.json; do
    jq -r --arg f "$(basename "$j" .json)" \
      '.results[] | "\($f)\t\(.median * 10000 | floor / 10) ms median\t\(.min * 10000 | floor / 10) ms min\t\(.command)"' "$j"
  done
fi
cat "$OUT/rss.txt"
