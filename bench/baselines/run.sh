#!/usr/bin/env bash
# Measures the baselines holdup is compared with (see bench/BASELINES.md):
# the memory-speed floor (wc -l, cat) and panicparse (the Debian command and
# its library through bench/baselines/ppscan) and, if its source has been put
# in benchdata/gostackparse/, DataDog/gostackparse (bench/baselines/gspscan),
# on the dumps made by bench/make-dumps.sh.
#
#   bench/baselines/run.sh                       # all dumps in benchdata/ that exist
#   bench/baselines/run.sh benchdata/bigdump-100k-go1.27.txt
#   TOOLS="wc cat ppscan" RUNS=5 bench/baselines/run.sh FILE...
#
# For each tool and input: one run under `/usr/bin/time -v` (wall time, peak
# RSS; killed after LIMIT seconds, default 300: then that tool is skipped on
# this input and on the larger inputs after it), then `hyperfine -N --runs
# RUNS` (default 3; 10 runs after a warm-up when a run takes < 1 s). Output
# goes to stdout of each tool -> /dev/null (hyperfine's default). Files are
# read from the page cache (24 GiB RAM here): the time -v run warms it.
# Raw results: $RES (default benchdata/baselines/), one .timev, .json, .err
# per measurement; bench/baselines/summarize.py turns them into a table.
#
# Needs: apt-get install -y panicparse golang-github-maruel-panicparse-dev hyperfine time
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RES=${RES:-$ROOT/benchdata/baselines}
LIMIT=${LIMIT:-300}
RUNS=${RUNS:-3}
TOOLS=${TOOLS:-wc cat gostackparse gostackparse-mem ppscan ppscan-aggregate panicparse panicparse-default}
GO127=${GO127:-/tmp/go127/bin/go}
PPSCAN=$ROOT/benchdata/bin/ppscan
GSPSCAN=$ROOT/benchdata/bin/gspscan
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off

mkdir -p "$RES" "$(dirname "$PPSCAN")"
(cd "$ROOT/bench/baselines/ppscan" && "$GO127" build -o "$PPSCAN" .)
if [[ -f $ROOT/benchdata/gostackparse/gostackparse.go ]]; then
	(cd "$ROOT/bench/baselines/gspscan" && "$GO127" build -o "$GSPSCAN" .)
else
	echo "no benchdata/gostackparse/gostackparse.go: skipping gostackparse" >&2
	TOOLS=$(echo "$TOOLS" | tr ' ' '\n' | grep -v '^gostackparse' | tr '\n' ' ')
fi

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc: $(nproc)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "mem: $(free -g | awk '/^Mem:/{print $2}') GiB"
	echo "kernel: $(uname -r)"
	echo "hyperfine: $(hyperfine --version)"
	echo "panicparse: $(dpkg-query -W -f '${Version}' panicparse), built with $("$GO127" version -m /usr/bin/panicparse | head -1 | awk '{print $2}')"
	echo "ppscan: $("$GO127" version "$PPSCAN" | awk '{print $2}'), panicparse library $(dpkg-query -W -f '${Version}' golang-github-maruel-panicparse-dev)"
	[[ ! -x $GSPSCAN ]] || echo "gspscan: $("$GO127" version "$GSPSCAN" | awk '{print $2}'), gostackparse.go sha256 $(sha256sum "$ROOT/benchdata/gostackparse/gostackparse.go" | cut -c1-16)"
	echo "coreutils: $(wc --version | head -1)"
} | tee "$RES/machine.txt"

cmdline() { # cmdline TOOL FILE -> the command as words
	case $1 in
	wc) echo wc -l "$2" ;;
	cat) echo cat "$2" ;;
	gostackparse) echo "$GSPSCAN" -in file "$2" ;;
	gostackparse-mem) echo "$GSPSCAN" -in mem "$2" ;;
	ppscan) echo "$PPSCAN" "$2" ;;
	ppscan-aggregate) echo "$PPSCAN" -aggregate "$2" ;;
	# parse + aggregate + print the buckets; no GOROOT/GOPATH guessing, no source reading
	panicparse) echo panicparse -rebase=false -parse=false "$2" ;;
	# as a user types it: also guesses GOROOT/GOPATH and parses the sources it finds
	panicparse-default) echo panicparse "$2" ;;
	*) echo "unknown tool $1" >&2; return 2 ;;
	esac
}

inputs=("$@")
if [[ ${#inputs[@]} -eq 0 ]]; then
	for f in bigdump-1k-go1.27.txt bigdump-10k-go1.27.txt bigdump-100k-go1.27.txt bigdump-100k-go1.19.txt bigdump-550k-go1.27.txt bigdump-1m-go1.27.txt; do
		[[ -f $ROOT/benchdata/$f ]] && inputs+=("$ROOT/benchdata/$f")
	done
fi

declare -A over=()
for f in "${inputs[@]}"; do
	base=$(basename "$f" .txt)
	cat "$f" >/dev/null
	for tool in $TOOLS; do
		# shellcheck disable=SC2207
		cmd=($(cmdline "$tool" "$f"))
		key=$RES/$base.$tool
		echo "== $base $tool: ${cmd[*]}" >&2
		if [[ -n ${over[$tool]:-} ]]; then
			echo "skipped: ${over[$tool]} (a smaller input) took over ${LIMIT}s" | tee "$key.skip" >&2
			rm -f "$key.json" "$key.timev" "$key.out" "$key.err"
			continue
		fi
		rc=0
		out=$key.out
		# panicparse prints the buckets, cat the file: keep only the counts
		[[ $tool != panicparse* && $tool != cat ]] || { out=/dev/null; rm -f "$key.out"; }
		timeout "$LIMIT" /usr/bin/time -v -o "$key.timev" "${cmd[@]}" >"$out" 2>"$key.err" || rc=$?
		if [[ $rc -eq 124 ]]; then
			echo "skipped: over ${LIMIT}s (killed)" | tee "$key.skip" >&2
			over[$tool]=$base
			rm -f "$key.json" "$key.timev"
			continue
		fi
		rm -f "$key.skip"
		[[ $rc -eq 0 ]] || { echo "exit $rc" >&2; tail -3 "$key.err" >&2; }
		runs=(--runs "$RUNS")
		if awk '/Elapsed \(wall clock\)/{n=split($NF,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; exit !(s < 1)}' "$key.timev"; then
			runs=(--warmup 1 --runs 10)
		fi
		hyperfine -N "${runs[@]}" --export-json "$key.json" "${cmd[*]}" >&2
	done
done
python3 "$ROOT/bench/baselines/summarize.py" "$RES"
