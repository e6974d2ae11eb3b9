#!/bin/sh
# bench/run.sh - appgen benchmarks (`make bench`, from the repo root).
# bench/README.md describes every case.
#
# Generates deterministic synthetic blueprints with bench/gen.py into a temp
# directory (removed at exit), checks that every one passes `appgen check`,
# then measures two things.
#
# check: `appgen check` (parse + validate + normalize, one process, one
# thread) on
#   1. one blueprint with 50 tables
#   2. a blueprints/ directory of 1,000 blueprints of 5-10 tables each
#   3. one blueprint of about 1 MB
# and prints wall time and throughput (input bytes / mean time, MB = 10^6 B).
#
# build: `appgen build` (front end + Lua emitters + writing the app trees) on
#   A. a repository (--worktree) holding one app of 5, 20 or 100 tables, and
#      one holding none (the process cost); wall time of the whole process,
#      peak memory, and the per-app front / compile / write times the build
#      itself records in out/build.json. Then repositories of several apps of
#      each size, where the first app pays the worker's start and the others
#      show the steady per-app cost.
#   B. a Git repository of 1,000 apps of 5-10 tables, built from HEAD with
#      --jobs 2 and --jobs 1 into an empty out/, then again with --jobs 2
#      over an up-to-date out/ (nothing may be rewritten); peak memory.
# Targets (issue 3): a 20-table app in <= 10 ms, 1,000 apps in <= 10 s.
#
# Uses hyperfine when installed, else a shell loop timed with date +%s%N.
# The appgen binary is copied into the temp directory first, so a rebuild
# of ./appgen while the benchmark runs does not change what is measured.
# No thresholds: the figures are for reading, not for failing the build.
#
# Environment: APPGEN (default ./appgen), PYTHON (python3), BENCH_SEED (42),
# BENCH_RUNS (minimum runs per benchmark, default 10), BENCH_BIG_RUNS (runs
# of each 1,000-app build, default 3), BENCH_WARM_APPS (apps per repository
# of the steady per-app cases, default 8), BENCH_APPS (apps of the large
# build, default 1000; fewer for a quick try), BENCH_ONLY (check, build or
# pipeline: run one part only; pipeline is bench/pipeline.sh, issue 4), BENCH_NO_HYPERFINE=1 (use the shell loop even when
# hyperfine is installed).
set -eu

APPGEN=${APPGEN:-./appgen}
PYTHON=${PYTHON:-python3}
SEED=${BENCH_SEED:-42}
RUNS=${BENCH_RUNS:-10}
BIG_RUNS=${BENCH_BIG_RUNS:-3}
WARM_APPS=${BENCH_WARM_APPS:-8}
APPS=${BENCH_APPS:-1000}
ONLY=${BENCH_ONLY:-}
HERE=$(cd "$(dirname "$0")" && pwd)

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

case $ONLY in '' | check | build | pipeline) ;; *) die "BENCH_ONLY must be check, build or pipeline, not '$ONLY'" ;; esac

[ -x "$APPGEN" ] || die "$APPGEN not found; run 'make' first"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/appgen-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$APPGEN" "$TMP/appgen" || die "cannot copy $APPGEN"
APPGEN=$TMP/appgen
STAT="$PYTHON $HERE/buildstat.py"

# every generated blueprint must pass `appgen check`
verify() {
	if ! "$APPGEN" check "$@" >"$TMP/verify.out" 2>&1; then
		sed -n '1,40p' "$TMP/verify.out" >&2
		die "generated blueprint(s) rejected by appgen check: $* (bench/gen.py is out of step with the validator)"
	fi
}

gen() { "$PYTHON" "$HERE/gen.py" "$@" --seed "$SEED"; }

# ---- measure ------------------------------------------------------------------

# measure [--prepare CMD] [--runs N] [--warmup N] [--may-fail] NAME ARGS...
# -> appends "NAME mean_s stddev_s runs cpu_s min_s" to $RESULTS (cpu_s =
# mean user + system time, "-" when unknown). Without --runs: at least $RUNS runs
# and 2 warm-up runs. --prepare runs CMD (no shell) before every run, warm-up
# runs included; --may-fail keeps timing a command that exits non-zero (a
# build where some app fails; the build tables say so).
if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null 2>&1; then
	TOOL=hyperfine
	HF_SHELL=-N
	hyperfine -N --runs 1 --style none true >/dev/null 2>&1 || HF_SHELL=
else
	TOOL="shell loop (date +%s%N)"
fi
measure() {
	prepare= runs="--min-runs $RUNS" nruns=$RUNS warmup=2 mayfail=
	while :; do
		case $1 in
		--prepare) prepare=$2; shift 2 ;;
		--runs) runs="--runs $2"; nruns=$2; shift 2 ;;
		--warmup) warmup=$2; shift 2 ;;
		--may-fail) mayfail=--ignore-failure; shift ;;
		*) break ;;
		esac
	done
	name=$1; shift
	if [ "$TOOL" = hyperfine ]; then
		cmd="$*"
		if [ -n "$prepare" ]; then set -- --prepare "$prepare" "$cmd"; else set -- "$cmd"; fi
		hyperfine $HF_SHELL --style basic --warmup "$warmup" $runs $mayfail \
			--export-json "$TMP/hf.json" --command-name "$name" "$@"
		$STAT hyperfine "$TMP/hf.json" "$name" >>"$RESULTS"
		return
	fi
	i=0
	while [ "$i" -lt "$warmup" ]; do
		$prepare
		"$@" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	: >"$TMP/times"
	i=0
	while [ "$i" -lt "$nruns" ]; do
		$prepare
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || [ -n "$mayfail" ] || die "$name: $* failed"
		t1=$(date +%s%N)
		echo $((t1 - t0)) >>"$TMP/times"
		i=$((i + 1))
	done
	awk -v name="$name" '{ s += $1; q += $1 * $1; n++; if (n == 1 || $1 < lo) lo = $1 }
		END { m = s / n; v = q / n - m * m; if (v < 0) v = 0;
		      printf "%s %.9f %.9f %d - %.9f\n", name, m / 1e9, sqrt(v) / 1e9, n, lo / 1e9 }' \
		"$TMP/times" >>"$RESULTS"
	awk -v name="$name" '{ s += $1; n++ } END { printf "%s: mean %.1f ms over %d runs\n", name, s / n / 1e6, n }' "$TMP/times"
}

# ---- appgen check -----------------------------------------------------------------

bench_check() {
	printf 'generating blueprints (seed %s) in %s\n' "$SEED" "$TMP"
	mkdir -p "$TMP/one" "$TMP/large" "$TMP/small"
	ONE=$TMP/one/tables-50.json
	LARGE=$TMP/large/large-app.json
	DIR=$TMP/blueprints
	gen one "$ONE" 50
	gen many "$DIR" 1000
	gen large "$LARGE" 1048576
	# a tiny blueprint: the fixed cost of one `appgen check` process
	gen one "$TMP/small/tables-1.json" 1
	SMALL=$TMP/small/tables-1.json

	nfiles=$(ls "$DIR" | wc -l | tr -d ' ')
	[ "$nfiles" -eq 1000 ] || die "expected 1000 generated blueprints, found $nfiles"

	# every generated blueprint must be valid
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

	RESULTS=$TMP/results
	: >"$RESULTS"
	echo
	echo "measuring appgen check with $TOOL ($RUNS+ runs each)"
	measure small "$APPGEN" check "$SMALL"
	measure one50 "$APPGEN" check "$ONE"
	measure dir1000 "$APPGEN" check "$DIR"
	measure large1mb "$APPGEN" check "$LARGE"
}

report_check() {
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
}

# ---- appgen build -----------------------------------------------------------------

# A Git repository of the files under $1 (one commit), or nothing when git
# is not installed (the build then reads the work tree).
commit_repo() {
	command -v git >/dev/null 2>&1 || return 1
	(
		unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY
		cd "$1" && git init -q . && git add -A &&
			git -c user.name=bench -c user.email=bench@localhost -c commit.gpgsign=false \
				-c core.hooksPath=/dev/null commit -q -m "bench: generated apps"
	) >"$TMP/git.out" 2>&1 || { sed -n '1,20p' "$TMP/git.out" >&2; die "cannot commit $1"; }
}

# build_case NAME REPO OUT [--fresh] [--track] [--runs N] [--stat-runs M]
#            [--no-hyperfine] BUILD-ARGS...
# measures `appgen build BUILD-ARGS --repo REPO --out OUT`: with hyperfine
# (unless --no-hyperfine; N runs, no warm-up, when --runs is given), then M
# more runs (default N, else $RUNS) under buildstat.py for the peak memory
# and OUT/build.json. --fresh: an empty OUT for every run; --track: a
# no-change build (buildstat.py counts the files it touched).
build_case() {
	name=$1 repo=$2 out=$3; shift 3
	fresh= track= runs= n= hf=yes
	while :; do
		case $1 in
		--fresh) fresh=--fresh; shift ;;
		--track) track=--track; shift ;;
		--runs) runs="--runs $2 --warmup 0"; n=${n:-$2}; shift 2 ;;
		--stat-runs) n=$2; shift 2 ;;
		--no-hyperfine) hf=; shift ;;
		*) break ;;
		esac
	done
	if [ -z "$hf" ]; then
		:
	elif [ -n "$fresh" ]; then
		measure --prepare "rm -rf $out" $runs --may-fail "$name" "$APPGEN" build "$@" --repo "$repo" --out "$out"
	else
		measure $runs --may-fail "$name" "$APPGEN" build "$@" --repo "$repo" --out "$out"
	fi
	i=0
	while [ "$i" -lt "${n:-$RUNS}" ]; do
		$STAT run "$B/$name.jsonl" "$out" $fresh $track -- "$APPGEN" build "$@" --repo "$repo" --out "$out"
		i=$((i + 1))
	done
	# a failing app is measured all the same (the tables say so): show why
	grep -m 3 'error\[' "$B/$name.jsonl.out" >&2 || true
}

bench_build() {
	B=$TMP/build
	RESULTS=$B/results
	mkdir -p "$B"
	: >"$RESULTS"
	printf '\ngenerating build inputs (seed %s, --rich) in %s\n' "$SEED" "$B"
	mkdir -p "$B/r-empty/blueprints"
	for n in 5 20 100; do
		mkdir -p "$B/r-$n/blueprints"
		gen one "$B/r-$n/blueprints/tables-$n.json" "$n" --rich
		gen sized "$B/w-$n/blueprints" "$WARM_APPS" "$n" --rich
		verify "$B/r-$n/blueprints" "$B/w-$n/blueprints"
	done
	gen many "$B/r-many/blueprints" "$APPS" --rich
	verify "$B/r-many/blueprints"
	if commit_repo "$B/r-many"; then
		SRC="HEAD of a Git repository"
		WT=
	else
		SRC="work tree (git not installed)"
		WT=--worktree
	fi
	echo "all $((3 + 3 * WARM_APPS + APPS)) generated blueprints pass appgen check"

	echo
	echo "measuring appgen build with $TOOL"
	LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
	for n in empty 5 20 100; do
		build_case "b-$n" "$B/r-$n" "$B/o-$n" --fresh --worktree
	done
	for n in 5 20 100; do
		build_case "w-$n" "$B/w-$n" "$B/ow-$n" --fresh --runs 3 --no-hyperfine --worktree --jobs 1
	done
	build_case m-j1 "$B/r-many" "$B/o-many" --fresh --runs "$BIG_RUNS" --stat-runs 1 $WT --jobs 1
	build_case m-j2 "$B/r-many" "$B/o-many" --fresh --runs "$BIG_RUNS" --stat-runs 1 $WT --jobs 2
	# o-many is up to date now: build it again
	build_case m-j2-nochange "$B/r-many" "$B/o-many" --track --runs "$BIG_RUNS" --stat-runs 1 $WT --jobs 2
	LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
}

report_build() {
	echo
	echo "appgen build - front end + emitters + write, $(nproc 2>/dev/null || echo '?') CPUs"
	echo "($("$APPGEN" --version 2>/dev/null | head -n 1), $(uname -m), measured with $TOOL; $APPS apps from the $SRC)"
	echo
	$STAT table "$B/results" "$B"
	echo
	echo "MB = 2^20 bytes; RSS = peak resident memory of the appgen process (getrusage);"
	echo "app ms = front + compile + write of one app as out/build.json records it (median);"
	echo "load average before / after: $LOAD_BEFORE / $LOAD_AFTER (other work on the machine inflates wall times)"
}

want check && bench_check
want build && bench_build
want check && report_check
want build && report_build
if want pipeline; then
	printf '\n== pipeline (bench/pipeline.sh): history, cache, zip, artifact commits\n'
	APPGEN="$APPGEN" PYTHON="$PYTHON" BENCH_SEED="$SEED" BENCH_APPS="$APPS" BENCH_RUNS="$RUNS" sh "$HERE/pipeline.sh"
fi
exit 0
