#!/usr/bin/env python3
"""Turns the raw results of bench/baselines/run.sh into a Markdown table.

usage: summarize.py [RESULTS_DIR]   (default benchdata/baselines)

For each <input>.<tool>: hyperfine's mean ± stddev, min and max over its runs,
throughput (input bytes / mean; MB = 10^6 bytes), and from the
`/usr/bin/time -v` run: wall, user and system time and the peak RSS.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
res = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "benchdata", "baselines")

ORDER = ["wc", "cat", "gostackparse", "gostackparse-mem", "ppscan", "ppscan-aggregate", "panicparse", "panicparse-default"]


def timev(path):
    d = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            v = line.rsplit(" ", 1)[1]
            parts = [float(x) for x in v.split(":")]
            s = 0.0
            for p in parts:
                s = s * 60 + p
            d["wall"] = s
        elif line.startswith("Maximum resident set size"):
            d["rss_kb"] = int(line.rsplit(" ", 1)[1])
        elif line.startswith("User time"):
            d["user"] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("System time"):
            d["sys"] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("Exit status"):
            d["exit"] = int(line.rsplit(" ", 1)[1])
    return d


def size_of(base):
    p = os.path.join(ROOT, "benchdata", base + ".txt")
    return os.path.getsize(p) if os.path.exists(p) else None


def input_order(base):
    m = re.search(r"-(\d+)([km])-go(\d+)\.(\d+)", base)
    if not m:
        return (0, base)
    n = int(m.group(1)) * (1000 if m.group(2) == "k" else 1000000)
    return (n, -int(m.group(4)), base)


keys = set()
for name in os.listdir(res):
    m = re.match(r"(.+)\.([a-z-]+)\.(timev|skip)$", name)
    if m:
        keys.add((m.group(1), m.group(2)))

print("| input | size MB | tool | mean ± sd (s) | min–max (s) | runs | MB/s | peak RSS MB | RSS / input | time -v wall / user / sys (s) | its output |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|")
for base, tool in sorted(keys, key=lambda k: (input_order(k[0]), ORDER.index(k[1]) if k[1] in ORDER else 99)):
    size = size_of(base)
    mb = f"{size / 1e6:.1f}" if size else "?"
    key = os.path.join(res, f"{base}.{tool}")
    if os.path.exists(key + ".skip"):
        print(f"| {base} | {mb} | {tool} | {open(key + '.skip').read().strip()} | | | | | | | |")
        continue
    if not os.path.exists(key + ".timev"):
        continue
    tv = timev(key + ".timev")
    mean = sd = lo = hi = None
    runs = 0
    if os.path.exists(key + ".json") and os.path.getsize(key + ".json") > 0:
        r = json.load(open(key + ".json"))["results"][0]
        mean, sd, lo, hi = r["mean"], r["stddev"] or 0.0, r["min"], r["max"]
        runs = len(r["times"])
    t = mean if mean is not None else tv.get("wall")
    mbs = f"{size / 1e6 / t:.0f}" if size and t else "?"
    rss = tv.get("rss_kb", 0) / 1024
    ratio = f"{tv.get('rss_kb', 0) * 1024 / size:.2f}" if size else "?"
    ex = "" if tv.get("exit", 0) == 0 else f" (exit {tv['exit']})"
    meanstr = f"{mean:.4f} ± {sd:.4f}" if mean is not None else "–"
    rng = f"{lo:.4f}–{hi:.4f}" if mean is not None else "–"
    said = ""
    if os.path.exists(key + ".out"):
        said = " ".join(open(key + ".out").read().split()).replace(os.path.join(ROOT, "benchdata") + "/", "")
    print(f"| {base} | {mb} | {tool} | {meanstr} | {rng} | {runs} | {mbs} | {rss:.0f} | {ratio} | "
          f"{tv.get('wall', 0):.2f} / {tv.get('user', 0):.2f} / {tv.get('sys', 0):.2f}{ex} | {said} |")
