#!/bin/bash
# Two or more builds of holdup timed in turn on one input, for before/after figures on a
# machine whose speed drifts (BENCHMARKS.md, "Warm and cold runs").
#
#   bench/alternate-runs.sh ROUNDS PAUSE FILE BINARY...
#
# Each round runs `BINARY analyze --format json FILE` once per binary, in the order given;
# with PAUSE > 0, it sleeps PAUSE seconds before each run ("cold": on a VM that hands free
# memory back to its host, the run then pays for every page it touches). Prints, per binary,
# the median, best and worst wall time (ms), the median system time and the mean peak RSS
# (MiB).
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 ROUNDS PAUSE FILE BINARY..." >&2; exit 2; }
rounds=$1 pause=$2 file=$3
shift 3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
  for i in $(seq $#); do
    b=${!i}
    [ "$pause" != 0 ] && sleep "$pause"
    start=$(date +%s%N)
    /usr/bin/time -f "%S %M" -o "$out/one" "$b" analyze --format json "$file" > /dev/null 2>&1
    end=$(date +%s%N)
    echo "$(( (end - start) / 100000 )) $(cat "$out/one")" >> "$out/$i"
  done
done
for i in $(seq $#); do
  b=${!i}
  sort -n "$out/$i" | awk -v n="$b" '{w[NR] = $1 / 10} END {printf "%s: wall median %.1f ms, best %.1f, worst %.1f (%d runs)", n, w[int((NR + 1) / 2)], w[1], w[NR], NR}'
  sort -n -k2 "$out/$i" | awk '{s[NR] = $2; m += $3} END {printf "; system median %.2f s; peak RSS mean %.1f MiB\n", s[int((NR + 1) / 2)], m / NR / 1024}'
done
