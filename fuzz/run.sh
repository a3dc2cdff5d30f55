#!/bin/sh
# Runs one fuzz target for a while, its corpus seeded with the dumps under testdata/.
#   fuzz/run.sh extract_parse 900     (target, seconds; MAX_LEN=32768 for shorter inputs)
# Needs cargo-fuzz and a nightly toolchain. Built with AddressSanitizer (cargo-fuzz's default):
# the byte kernels in input.rs and model.rs use unsafe code, which it checks. The targets'
# stderr (warnings about the damaged input) is closed: libFuzzer keeps its own. Leaks are
# not reported: the commands forget their model on purpose (the process ends there).
set -eu
target=${1:?target: extract_parse or analyze}
secs=${2:-900}
here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/corpus/$target"
mkdir -p "$corpus"
# Seeds: every plain-text dump under testdata/ up to 128 KiB (larger ones, and gzip files that
# inflate to tens of megabytes, only slow each run down).
find "$here/../testdata" -type f -size -129k ! -name '*.json' ! -name '*.md' ! -name '*.go' ! -name '*.gz' \
    -exec cp -n {} "$corpus/" \; 2>/dev/null || true
cd "$here"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
exec cargo +nightly fuzz run -O "$target" "$corpus" -- \
    -max_total_time="$secs" -max_len="${MAX_LEN:-131072}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -close_fd_mask=2 -detect_leaks=0
