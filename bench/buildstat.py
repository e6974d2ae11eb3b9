#!/usr/bin/env python3
"""Helpers of the `appgen build` benchmark (bench/run.sh) and profile
(bench/profile.sh). Standard library only.

    buildstat.py run LOG OUT [--fresh] [--track] -- CMD...
        Runs CMD once (its stdout and stderr go to LOG.out) and appends one
        JSON line to LOG: exit status, peak memory of the process
        (getrusage(RUSAGE_CHILDREN).ru_maxrss: CMD is the only child),
        wall / user / system time, and the per-app records of OUT/build.json
        (status, files, bytes, written, timings_ms). --fresh removes OUT
        first (a build into an empty out/); --track also records whether any
        file under OUT/apps got a new inode or mtime (a no-change build must
        leave every file alone).
    buildstat.py hyperfine HF_JSON NAME
        Prints "NAME mean_s stddev_s runs cpu_s min_s" from a hyperfine
        export (the format of run.sh's results file).
    buildstat.py table RESULTS DIR
        Prints the build tables from RESULTS (run.sh's hyperfine lines) and
        DIR/<case>.jsonl (the `run` records).
    buildstat.py stages PREFIX MANIFEST
        PREFIX.* are the parts of one callgrind run of `appgen build --jobs 1`
        with --dump-before=ag_ir_to_json,push_app,run_emitter,ag_write_tree.
        Prints the instructions (Ir) of each stage of the build, per app
        (the mean over the apps after the first, whose worker is warm).
        MANIFEST (lua/emitters/_manifest.lua) names the emitters in order.
    buildstat.py lines FILE ROOT [N]
        FILE is bench/luaprof.c's output; prints the Lua VM instructions per
        source file, then the N (default 25) busiest lines with their text
        (read from ROOT/lua/..., ROOT/templates/...).
"""
import glob
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

# ---- run ---------------------------------------------------------------------


def tree_state(root):
    """{path: (inode, mtime_ns)} of every file below root."""
    state = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            st = os.lstat(p)
            state[p] = (st.st_ino, st.st_mtime_ns)
    return state


def run(args):
    fresh = "--fresh" in args
    track = "--track" in args
    args = [a for a in args if a not in ("--fresh", "--track")]
    log, out, sep, cmd = args[0], args[1], args[2], args[3:]
    assert sep == "--" and cmd, "usage: run LOG OUT [--fresh] [--track] -- CMD..."
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    before = tree_state(os.path.join(out, "apps")) if track else None
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(log + ".out", "wb") as o:
        rc = subprocess.call(cmd, stdout=o, stderr=subprocess.STDOUT)
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    rec = {"rc": rc, "wall_s": wall, "user_s": ru.ru_utime - ru0.ru_utime,
           "sys_s": ru.ru_stime - ru0.ru_stime, "maxrss_kb": ru.ru_maxrss}
    try:
        b = json.load(open(os.path.join(out, "build.json")))
        rec["total_ms"] = b["totals"]["ms"]
        rec["apps"] = [{"status": a["status"], "files": a["files"], "bytes": a["bytes"],
                        "written": a["written"], **a.get("timings_ms", {})} for a in b["apps"]]
    except (OSError, ValueError, KeyError) as e:
        rec["error"] = "no usable build.json: %s" % e
    if track:
        after = tree_state(os.path.join(out, "apps"))
        rec["touched"] = sum(1 for p, s in after.items() if before.get(p) != s) + \
            sum(1 for p in before if p not in after)
    with open(log, "a") as f:
        f.write(json.dumps(rec) + "\n")
    return 0


# ---- hyperfine ------------------------------------------------------------------


def hyperfine(args):
    r = json.load(open(args[0]))["results"][0]
    print(args[1], "%.9f" % r["mean"], "%.9f" % (r["stddev"] or 0.0), len(r["times"]),
          "%.9f" % (r["user"] + r["system"]), "%.9f" % r["min"])
    return 0


# ---- table ------------------------------------------------------------------------

# (case, label, tables, apps in the repository); the measurement of each
# case is the hyperfine line of the same name and DIR/<case>.jsonl.
SINGLE = [
    ("b-empty", "empty repository (process cost)", 0),
    ("b-5", "5 tables", 5),
    ("b-20", "20 tables", 20),
    ("b-100", "100 tables", 100),
]
WARM = [("w-5", "5 tables", 5), ("w-20", "20 tables", 20), ("w-100", "100 tables", 100)]
MANY = [
    ("m-j2", "--jobs 2, fresh out/"),
    ("m-j1", "--jobs 1, fresh out/"),
    ("m-j2-nochange", "--jobs 2, no change"),
]
TARGET_APP_MS = 10.0   # a 20-table app
TARGET_REPO_S = 10.0   # 1,000 apps, --jobs 2


def load(path):
    try:
        return [json.loads(line) for line in open(path)]
    except OSError:
        return []


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def per_app(recs, skip_first=False):
    """Median front, compile, write and total ms over the apps of recs."""
    apps = [a for r in recs for a in r.get("apps", [])[1 if skip_first else 0:]
            if a["status"] == "succeeded"]
    cols = [[a.get(k, 0.0) for a in apps] for k in ("front", "compile", "write")]
    tot = [a.get("front", 0.0) + a.get("compile", 0.0) + a.get("write", 0.0) for a in apps]
    return [med(c) for c in cols] + [med(tot)], len(apps)


def failures(recs):
    return sum(1 for r in recs for a in r.get("apps", []) if a["status"] == "failed") + \
        sum(1 for r in recs if r["rc"] != 0 or "error" in r)


def verdict(value, target):
    return "ok" if value <= target else "MISSED (x%.1f)" % (value / target)


def row(fmt, *cols):
    """A table row: fmt is a list of (width, precision); None prints "-"."""
    out = []
    for (w, prec), v in zip(fmt, cols):
        if isinstance(v, str):
            out.append("%-*s" % (w, v) if not out else "%*s" % (w, v))
        elif v is None or v != v:
            out.append("%*s" % (w, "-"))
        else:
            out.append("%*.*f" % (w, prec, v))
    return " ".join(out).rstrip()


def table(args):
    results, d = args[0], args[1]
    hf = {}
    for line in open(results):
        f = line.split()
        if len(f) >= 6:
            hf[f[0]] = {"mean": float(f[1]), "sd": float(f[2]), "runs": int(f[3]),
                        "cpu": None if f[4] == "-" else float(f[4]), "min": float(f[5])}
    notes = []

    def warn(label, recs):
        if failures(recs):
            notes.append("%s: %d failed apps or runs (their first errors are printed above)"
                         % (label, failures(recs)))

    bar = (1, 0)
    fmt_a = [(31, 0), (8, 1), (6, 1), (7, 1), (7, 1), (6, 1), bar, (6, 2), (7, 2), (6, 2), (7, 2), bar, (1, 0)]
    print("A. one app per repository: appgen build --worktree --repo R --out O, a fresh O every run")
    print("   wall / min / cpu: the whole process (hyperfine); front, compile, write and app: that app's")
    print("   timings_ms in O/build.json (median of the runs), without the process start-up")
    print()
    print(row(fmt_a, "case", "wall ms", "+- ms", "min ms", "cpu ms", "RSS MB", "|", "front", "compile",
              "write", "app ms", "|", "target: 20 tables <= 10 ms"))
    for name, label, tables in SINGLE:
        h, recs = hf.get(name), load(os.path.join(d, name + ".jsonl"))
        if not h:
            continue
        rss = max((r["maxrss_kb"] for r in recs), default=0) / 1024
        (fr, co, wr, tot), n = per_app(recs)
        if not n:
            inproc = med([r["total_ms"] for r in recs if "total_ms" in r])
            ver = "the build itself: %.1f ms" % inproc
        elif tables == 20:
            ver = "app %s; process %s" % (verdict(tot, TARGET_APP_MS), verdict(h["min"] * 1e3, TARGET_APP_MS))
        else:
            ver = ""
        cpu = h["cpu"] * 1e3 if h["cpu"] is not None else None
        print(row(fmt_a, label, h["mean"] * 1e3, h["sd"] * 1e3, h["min"] * 1e3, cpu, rss, "|",
                  fr if n else None, co if n else None, wr if n else None, tot if n else None, "|", ver))
        warn(label, recs)
    print()
    print("   several different apps of one size in a repository, --jobs 1: the first app pays the")
    print("   worker's start (Lua state, emitter modules and templates compiled), the others show the")
    print("   steady per-app cost of a large build")
    print()
    fmt_w = [(40, 0), (5, 0), (7, 1), bar, (6, 2), (7, 2), (6, 2), (7, 2), bar, (1, 0)]
    print(row(fmt_w, "case", "apps", "RSS MB", "|", "front", "compile", "write", "app ms", "|",
              "target: 20 tables <= 10 ms"))
    for name, label, tables in WARM:
        recs = load(os.path.join(d, name + ".jsonl"))
        if not recs:
            continue
        napps = len(recs[0].get("apps", []))
        rss = max(r["maxrss_kb"] for r in recs) / 1024
        cold = per_app([{"apps": r.get("apps", [])[:1]} for r in recs])[0]
        warm = per_app(recs, skip_first=True)[0]
        for sub, vals in (("first app (cold worker)", cold), ("apps 2-%d (warm worker)" % napps, warm)):
            ver = verdict(vals[3], TARGET_APP_MS) if tables == 20 else ""
            print(row(fmt_w, "%s, %s" % (label, sub), napps, rss, "|", *vals, "|", ver))
        warn(label + " (several apps)", recs)
    print()

    many = load(os.path.join(d, MANY[0][0] + ".jsonl"))
    n_many = len(many[0].get("apps", [])) if many else 0
    fmt_b = [(21, 0), (6, 2), (5, 2), (6, 2), (6, 1), (6, 1), (5, 0), (6, 0), (7, 0), bar,
             (7, 2), (9, 2), (7, 2), (6, 2), bar, (1, 0)]
    print("B. a repository of %d apps of 5-10 tables: appgen build --repo R --out O --jobs N" % n_many)
    print("   front: the front end of every app (serial, before the workers start); compile, write:")
    print("   summed over the apps (worker time); app: median per app; written: files (re)written")
    print()
    print(row(fmt_b, "case", "wall s", "+- s", "min s", "cpu s", "RSS MB", "ok", "files", "written", "|",
              "front s", "compile s", "write s", "app ms", "|", "target: 1,000 apps <= 10 s"))
    for name, label in MANY:
        h, recs = hf.get(name), load(os.path.join(d, name + ".jsonl"))
        if not h or not recs:
            continue
        r = recs[-1]
        apps = r.get("apps", [])
        ok = sum(1 for a in apps if a["status"] == "succeeded")
        sums = [sum(a.get(k, 0.0) for a in apps) / 1e3 for k in ("front", "compile", "write")]
        tot = per_app([r])[0][3]
        ver = verdict(h["mean"], TARGET_REPO_S) if name == "m-j2" and n_many == 1000 else ""
        if "touched" in r:
            ver = "files given a new inode or mtime: %d" % r["touched"]
        print(row(fmt_b, label, h["mean"], h["sd"], h["min"], h["cpu"], r["maxrss_kb"] / 1024, ok,
                  sum(a["files"] for a in apps), sum(a["written"] for a in apps), "|", *sums, tot, "|", ver))
        warn(label, recs)
    for n in notes:
        print("warning: " + n)
    return 0


# ---- profile ----------------------------------------------------------------------


def parts(prefix):
    """[(trigger, Ir)] in dump order: the trigger names the function about
    to run when the part was dumped (None: program end)."""
    out = []
    for path in glob.glob(prefix + ".*") + [prefix]:
        if not os.path.exists(path):
            continue
        m = re.search(r"\.(\d+)$", path)
        num = int(m.group(1)) if m and path != prefix else 1 << 30
        trigger, ir = None, 0
        for line in open(path, errors="replace"):
            if line.startswith("desc: Trigger:"):
                t = re.search(r"--dump-before=(\w+)", line)
                trigger = t.group(1) if t else None
            elif line.startswith(("summary:", "totals:")):
                ir = int(line.split()[1])
                break
        out.append((num, trigger, ir))
    out.sort()
    return [(t, ir) for _, t, ir in out]


def stages(args):
    prefix, manifest = args[0], args[1]
    names = re.findall(r'"([\w.]+)"', re.sub(r"--[^\n]*", "", open(manifest).read()))
    seq = parts(prefix)
    # a part holds what ran since the previous dump: the previous trigger's stage
    apps, cur, head = [], None, seq[0][1] if seq else 0
    prev = seq[0][0] if seq else None
    emitter, new_app = 0, True
    for trig, ir in seq[1:]:
        if prev == "ag_ir_to_json" and new_app:
            cur = {}
            apps.append(cur)
            emitter, new_app = 0, False
            key = "IR -> cJSON (for Lua)"
        elif prev == "ag_ir_to_json":
            key = "blueprint.json (IR -> cJSON -> text)"
        elif prev == "push_app":
            key = "cJSON -> Lua tables, manifest"
        elif prev == "run_emitter":
            emitter += 1
            name = names[emitter - 1] if emitter <= len(names) else "?"
            key = "emitter %d %s" % (emitter, name)
        elif prev == "ag_json_write":
            key = "blueprint.json (JSON text of the IR)"
        elif prev == "ag_write_tree":
            key = "write + next app's start (user space only)"
            new_app = True
        else:
            key = "?"
        if cur is not None:
            cur[key] = cur.get(key, 0) + ir
        else:
            head += ir  # still before the first app
        prev = trig
    warm = apps[1:] or apps
    keys = []
    for a in warm:
        for k in a:
            if k not in keys:
                keys.append(k)
    total = sum(sum(a.values()) for a in warm) / max(len(warm), 1)
    print("start-up + front end of every app (before the first emitter): %.1f M Ir" % (head / 1e6))
    print("per app, mean over %d warm app(s) of %d:" % (len(warm), len(apps)))
    for k in keys:
        v = sum(a.get(k, 0) for a in warm) / len(warm)
        print("  %-52s %8.1f M Ir %5.1f%%" % (k, v / 1e6, 100 * v / total if total else 0))
    print("  %-52s %8.1f M Ir" % ("total per app", total / 1e6))
    return 0


def lines(args):
    path, root = args[0], args[1]
    top = int(args[2]) if len(args) > 2 else 25
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) == 4:
            rows.append((int(f[0]), f[1], int(f[2])))
    total = sum(r[0] for r in rows) or 1
    by_file = {}
    for n, src, _ in rows:
        by_file[src] = by_file.get(src, 0) + n
    print("Lua VM instructions: %.2f M in all" % (total / 1e6))
    for src, n in sorted(by_file.items(), key=lambda x: -x[1])[:12]:
        print("  %8.2f M %5.1f%%  %s" % (n / 1e6, 100 * n / total, src.lstrip("@=")))
    print("busiest lines:")
    for n, src, ln in sorted(rows, reverse=True)[:top]:
        name = src.lstrip("@=")
        text = ""
        for cand in (os.path.join(root, name), os.path.join(root, "lua", name)):
            if os.path.isfile(cand):
                with open(cand, errors="replace") as fh:
                    for i, t in enumerate(fh, 1):
                        if i == ln:
                            text = t.strip()[:70]
                            break
                break
        print("  %8.2f M %5.1f%%  %s:%d  %s" % (n / 1e6, 100 * n / total, name, ln, text))
    return 0


def main(argv):
    cmds = {"run": run, "hyperfine": hyperfine, "table": table, "stages": stages, "lines": lines}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
