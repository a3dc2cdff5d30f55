#!/bin/sh
# holdup as a node-problem-detector custom plugin.
#
# node-problem-detector runs this every invoke_interval and reads its exit status and its
# standard output: exit 0 = OK, 1 = problem (the node condition turns True), anything else =
# unknown; the output's first max_output_length bytes (80 unless configured) become the
# condition's message. This script always prints exactly one line and exits 0, 1 or 2.
#
#   holdup-plugin.sh [DAEMON|PID]    DAEMON: dockerd (default), containerd, crio; or a pid
#
# It makes the daemon dump its goroutines (holdup capture: SIGUSR1), moves the dump out of
# the daemon's directory into $HOLDUP_DUMP_DIR (a tmpfs such as /var/run/docker must not fill
# up with dumps), and checks it (holdup check --format npd, with the rules of
# $HOLDUP_CONFIG when that file exists: e.g. max_blocked = 5 so that a moment of contention
# on a busy daemon is not a problem).
#
# Environment: HOLDUP (the binary, default /holdup/holdup), HOLDUP_DUMP_DIR (default
# /var/lib/holdup/dumps), HOLDUP_CONFIG (default /etc/holdup/holdup.toml),
# HOLDUP_CAPTURE_TIMEOUT (default 30s), HOLDUP_MAX_LINE (default 80).
set -u
daemon=${1:-dockerd}
holdup=${HOLDUP:-/holdup/holdup}
dir=${HOLDUP_DUMP_DIR:-/var/lib/holdup/dumps}
config=${HOLDUP_CONFIG:-/etc/holdup/holdup.toml}
timeout=${HOLDUP_CAPTURE_TIMEOUT:-30s}
max=${HOLDUP_MAX_LINE:-80}

# One line, at most $max bytes, and exit 2 (unknown).
unknown() {
    printf 'unknown: %s\n' "$1" | tr '\t\r' '  ' | head -n 1 | cut -b "1-$max"
    exit 2
}

[ -x "$holdup" ] || unknown "holdup not found at $holdup"
mkdir -p "$dir" 2>/dev/null || unknown "cannot create $dir"
dump="$dir/$daemon-last.log"
case $daemon in
    *[!0-9]*|'') which="--process" ;;
    *) which="--pid" ;;
esac
if ! err=$("$holdup" capture "$which" "$daemon" --move --out "$dump" --timeout "$timeout" --format json 2>&1 >/dev/null); then
    # The first line that says what went wrong (not the progress or the notes).
    why=$(printf '%s\n' "$err" | grep -v -e '^holdup: sending' -e '^holdup: note' | head -n 1 | sed 's/^holdup: //')
    unknown "${why:-holdup capture failed}"
fi
if [ -f "$config" ]; then
    exec "$holdup" check --format npd --npd-max-length "$max" --config "$config" "$dump" 2>/dev/null
fi
exec "$holdup" check --format npd --npd-max-length "$max" --no-config "$dump" 2>/dev/null
