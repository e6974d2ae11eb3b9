#!/bin/sh
# bench/pipeline.sh - the Git pipeline of issue 4 (from the repo root; part
# of `make bench`, or alone: sh bench/pipeline.sh).
#
# A Git repository of APPS apps (bench/gen.py many --rich) whose history has
# one more commit per app (each edits one blueprint), and a local bare
# artifact repository. Measured, wall time:
#   1. the first build: --zip --push of every app (once);
#   2. a no-change rebuild (--zip --push): the cache skips every app;
#   3. the history walk: the same, without out/.appgen/history.json, so
#      every commit is read again;
#   4. a one-blueprint commit, then build --zip --push: that app alone is
#      rebuilt, zipped, committed to its artifact branch and pushed.
# Targets (issue 4): 4 <= 200 ms, 2 <= 100 ms. No thresholds: figures only.
# Environment: APPGEN (./appgen), PYTHON (python3), BENCH_SEED (42),
# BENCH_APPS (1000), BENCH_RUNS (10), BENCH_KEEP (0).
set -eu

APPGEN=${APPGEN:-./appgen}
PYTHON=${PYTHON:-python3}
SEED=${BENCH_SEED:-42}
APPS=${BENCH_APPS:-1000}
RUNS=${BENCH_RUNS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)

die() { printf 'pipeline: %s\n' "$*" >&2; exit 1; }
[ -x "$APPGEN" ] || die "$APPGEN not found; run 'make' first"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/appgen-pipeline.XXXXXX") || die "mktemp failed"
# BENCH_KEEP=1 keeps the repository and out dir for a closer look
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cp "$APPGEN" "$TMP/appgen"
AG=$TMP/appgen
R=$TMP/repo
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

ms() { date +%s%N; }
# time_ms CMD...: wall milliseconds of one run
time_ms() {
	t0=$(ms)
	"$@" >/dev/null 2>&1 || die "failed: $*"
	echo $((($(ms) - t0) / 1000000))
}
# stats LIST: mean, min, max of numbers
stats() { echo "$1" | tr ' ' '\n' | awk 'NF { s += $1; n++; if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 }
	END { printf "mean %d ms, min %d ms, max %d ms (%d runs)", s / n, min, max, n }'; }

echo "generating $APPS apps and $APPS commits (seed $SEED) in $TMP"
"$PYTHON" "$HERE/gen.py" many "$R/blueprints" "$APPS" --rich --seed "$SEED" >/dev/null
git -c init.defaultBranch=main init -q "$R"
git init -q --bare "$TMP/artifacts.git"
printf '{"artifacts": {"layout": "branch-per-app", "remote": "../artifacts.git"}}\n' > "$R/appgen.json"
git -C "$R" add -A && git -C "$R" commit -qm "apps"
# one commit per app through fast-import: quick, and a real history
ls "$R/blueprints" > "$TMP/list"
"$PYTHON" - "$R" "$TMP/list" <<'PY' | git -C "$R" fast-import --quiet
import json, sys
repo, names = sys.argv[1], open(sys.argv[2]).read().split()
sys.stdout.write("reset refs/heads/main\nfrom refs/heads/main^0\n")
for i, name in enumerate(names):
    d = json.load(open(f"{repo}/blueprints/{name}"))
    d["app"]["description"] = f"edit {i}"
    body = json.dumps(d, indent=2).encode()
    msg = f"edit {name}".encode()
    sys.stdout.write(f"commit refs/heads/main\ncommitter bench <bench@example.com> {1767225600 + i} +0000\n")
    sys.stdout.write(f"data {len(msg)}\n"); sys.stdout.flush()
    sys.stdout.buffer.write(msg + b"\n")
    sys.stdout.write(f"M 100644 inline blueprints/{name}\ndata {len(body)}\n"); sys.stdout.flush()
    sys.stdout.buffer.write(body + b"\n")
PY
git -C "$R" reset -q --hard main
echo "history: $(git -C "$R" rev-list --count HEAD) commits"
echo

O=$TMP/out
echo "1. first build --zip --push of $APPS apps: $(time_ms "$AG" -q build --repo "$R" --out "$O" --jobs 2 --zip --push) ms"
l=""
for i in $(seq "$RUNS"); do l="$l $(time_ms "$AG" -q build --repo "$R" --out "$O" --jobs 2 --zip --push)"; done
echo "2. no-change rebuild --zip --push: $(stats "$l")   target <= 100 ms"
l=""
for i in $(seq "$RUNS"); do
	rm -f "$O/.appgen/history.json"
	l="$l $(time_ms "$AG" -q build --repo "$R" --out "$O" --jobs 2 --zip --push)"
done
echo "3. the same with a full history walk ($(git -C "$R" rev-list --count HEAD) commits): $(stats "$l")"
l=""
for i in $(seq "$RUNS"); do
	f=$(sed -n "$(( (i * 37) % APPS + 1 ))p" "$TMP/list")
	"$PYTHON" - "$R/blueprints/$f" "$i" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["app"]["description"] = "bench " + sys.argv[2]; json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
	git -C "$R" commit -qam "bench $i"
	l="$l $(time_ms "$AG" -q build --repo "$R" --out "$O" --jobs 2 --zip --push)"
done
echo "4. one-blueprint commit -> rebuild + zip + artifact commit + push: $(stats "$l")   target <= 200 ms"
python3 -c 'import json, sys; t = json.load(open(sys.argv[1]))["totals"]; print("   (last build:", t["succeeded"] - t["cached"], "rebuilt,", t["cached"], "up to date)")' "$O/build.json"
