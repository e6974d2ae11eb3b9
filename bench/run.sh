#!/bin/sh
# bench/run.sh - front-end benchmark (`make bench`, from the repo root).
#
# Generates deterministic synthetic blueprints with bench/gen.py into a temp
# directory (removed at exit), checks that every one passes `appgen check`,
# then times `appgen check` (parse + validate + normalize, one process, one
# thread) on:
#   1. one blueprint with 50 tables
#   2. a blueprints/ directory of 1,000 blueprints of 5-10 tables each
#   3. one blueprint of about 1 MB
# and prints wall time and throughput (input bytes / mean time, MB = 10^6 B).
# Uses hyperfine when installed, else a shell loop timed with date +%s%N.
# No thresholds: the figures are for reading, not for failing the build.
#
# Environment: APPGEN (default ./appgen), PYTHON (python3), BENCH_SEED (42),
# BENCH_RUNS (minimum runs per benchmark, default 10), BENCH_NO_HYPERFINE=1
# (use the shell loop even when hyperfine is installed).
set -eu

APPGEN=${APPGEN:-./appgen}
PYTHON=${PYTHON:-python3}
SEED=${BENCH_SEED:-42}
RUNS=${BENCH_RUNS:-10}
HERE=$(cd "$(dirname "$0")" && pwd)

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ -x "$APPGEN" ] || die "$APPGEN not found; run 'make' first"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/appgen-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- generate ---------------------------------------------------------------

printf 'generating blueprints (seed %s) in %s\n' "$SEED" "$TMP"
mkdir -p "$TMP/one" "$TMP/large" "$TMP/small"
ONE=$TMP/one/tables-50.json
LARGE=$TMP/large/large-app.json
DIR=$TMP/blueprints
"$PYTHON" "$HERE/gen.py" one "$ONE" 50 --seed "$SEED"
"$PYTHON" "$HERE/gen.py" many "$DIR" 1000 --seed "$SEED"
"$PYTHON" "$HERE/gen.py" large "$LARGE" 1048576 --seed "$SEED"
# a tiny blueprint: the fixed cost of one `appgen check` process
"$PYTHON" "$HERE/gen.py" one "$TMP/small/tables-1.json" 1 --seed "$SEED"
SMALL=$TMP/small/tables-1.json

nfiles=$(ls "$DIR" | wc -l | tr -d ' ')
[ "$nfiles" -eq 1000 ] || die "expected 1000 generated blueprints, found $nfiles"

# ---- every generated blueprint must be valid ---------------------------------

verify() {
	if ! "$APPGEN" check "$@" >"$TMP/verify.out" 2>&1; then
		sed -n '1,40p' "$TMP/verify.out" >&2
		die "generated blueprint(s) rejected by appgen check: $* (bench/gen.py is out of step with the validator)"
	fi
}
verify "$ONE"
verify "$LARGE"
verify "$SMALL"
verify "$DIR"
echo "all $((nfiles + 3)) generated blueprints pass appgen check"

bytes_of() { cat "$@" | wc -c | tr -d ' '; }
B_SMALL=$(bytes_of "$SMALL")
B_ONE=$(bytes_of "$ONE")
B_LARGE=$(bytes_of "$LARGE")
B_DIR=$(cat "$DIR"/*.json | wc -c | tr -d ' ')

# ---- measure ------------------------------------------------------------------

# measure NAME ARGS... -> appends "NAME mean_s stddev_s runs cpu_s" to $TMP/results
# (cpu_s = mean user + system time, "-" when unknown)
if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null 2>&1; then
	TOOL=hyperfine
	HF_SHELL=-N
	hyperfine -N --runs 1 --style none true >/dev/null 2>&1 || HF_SHELL=
	measure() {
		name=$1; shift
		hyperfine $HF_SHELL --style basic --warmup 2 --min-runs "$RUNS" \
			--export-json "$TMP/hf.json" --command-name "$name" "$*"
		"$PYTHON" - "$TMP/hf.json" "$name" >>"$TMP/results" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(sys.argv[2], "%.9f" % r["mean"], "%.9f" % (r["stddev"] or 0.0), len(r["times"]),
      "%.9f" % (r["user"] + r["system"]))
EOF
	}
else
	TOOL="shell loop (date +%s%N)"
	measure() {
		name=$1; shift
		"$@" >/dev/null 2>&1 || true # warm-up
		: >"$TMP/times"
		i=0
		while [ "$i" -lt "$RUNS" ]; do
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1
			t1=$(date +%s%N)
			echo $((t1 - t0)) >>"$TMP/times"
			i=$((i + 1))
		done
		awk -v name="$name" '{ s += $1; q += $1 * $1; n++ }
			END { m = s / n; v = q / n - m * m; if (v < 0) v = 0;
			      printf "%s %.9f %.9f %d -\n", name, m / 1e9, sqrt(v) / 1e9, n }' \
			"$TMP/times" >>"$TMP/results"
		awk -v name="$name" '{ s += $1; n++ } END { printf "%s: mean %.1f ms over %d runs\n", name, s / n / 1e6, n }' "$TMP/times"
	}
fi

: >"$TMP/results"
echo
echo "measuring with $TOOL ($RUNS+ runs each)"
measure small "$APPGEN" check "$SMALL"
measure one50 "$APPGEN" check "$ONE"
measure dir1000 "$APPGEN" check "$DIR"
measure large1mb "$APPGEN" check "$LARGE"

# ---- report -------------------------------------------------------------------

echo
echo "appgen check - parse + validate + normalize, one process, single thread"
echo "($("$APPGEN" --version 2>/dev/null | head -n 1), $(uname -m), measured with $TOOL)"
echo
awk -v bs="$B_SMALL" -v b1="$B_ONE" -v bd="$B_DIR" -v bl="$B_LARGE" '
BEGIN {
	label["small"]    = "1 blueprint, 1 table (process cost)"; files["small"] = 1;    bytes["small"] = bs
	label["one50"]    = "1 blueprint, 50 tables";             files["one50"] = 1;    bytes["one50"] = b1
	label["dir1000"]  = "blueprints/ dir, 1,000 x 5-10 tables"; files["dir1000"] = 1000; bytes["dir1000"] = bd
	label["large1mb"] = "1 blueprint, ~1 MB";                  files["large1mb"] = 1;  bytes["large1mb"] = bl
	printf "%-38s %5s %10s %9s %7s %5s %9s %7s %7s\n", "benchmark", "files", "bytes", "wall ms", "+- ms", "runs",
		"cpu ms", "MB/s", "MB/s"
	printf "%-38s %5s %10s %9s %7s %5s %9s %7s %7s\n", "", "", "", "(mean)", "", "", "(u+s)", "(wall)", "(cpu)"
}
{
	name = $1; mean = $2; sd = $3; runs = $4; cpu = $5
	if (cpu == "-")
		printf "%-38s %5d %10d %9.1f %7.1f %5d %9s %7.1f %7s\n", label[name], files[name], bytes[name],
			mean * 1000, sd * 1000, runs, "-", bytes[name] / 1e6 / mean, "-"
	else
		printf "%-38s %5d %10d %9.1f %7.1f %5d %9.1f %7.1f %7.1f\n", label[name], files[name], bytes[name],
			mean * 1000, sd * 1000, runs, cpu * 1000, bytes[name] / 1e6 / mean, bytes[name] / 1e6 / cpu
	if (name == "dir1000") per_file = mean / 1000
}
END {
	if (per_file > 0) printf "\n1,000-blueprint directory: %.2f ms wall per blueprint\n", per_file * 1000
	print "MB = 10^6 bytes; MB/s = input bytes / time; cpu = user + system of the appgen process"
}' "$TMP/results"
