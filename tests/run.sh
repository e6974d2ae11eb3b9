#!/bin/sh
# run.sh - every test suite of `make check`, in order, from the repo root.
# Each suite prints "N passed, N failed" (once per program it runs; they
# are added up); a suite that prints no such
# line counts as one test, passed or failed by its exit status. The last
# line is the total, for CI.
set -u

total_pass=0
total_fail=0
failed_suites=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT
venv=${XDG_CACHE_HOME:-$HOME/.cache}/appgen/venv
PY=python3
[ -x "$venv/bin/python" ] && PY=$venv/bin/python

suite() {
	name=$1
	shift
	printf '== %s\n' "$name"
	"$@" >"$log" 2>&1
	rc=$?
	# show failures in full, passing suites by their summary
	if [ $rc -ne 0 ]; then
		cat "$log"
	else
		grep -v '^ok ' "$log" | tail -n 15
	fi
	# a suite may run several programs: add up all their summary lines
	lines=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log")
	if [ -n "$lines" ]; then
		p=$(echo "$lines" | awk '{ s += $1 } END { print s }')
		f=$(echo "$lines" | awk '{ s += $3 } END { print s }')
		[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
	elif [ $rc -eq 0 ]; then
		p=1 f=0
	else
		p=0 f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -ne 0 ] && failed_suites="$failed_suites $name"
	return 0
}

suite unit build/unit_tests
suite spec "$PY" tests/spec/run.py ./appgen
suite cli sh tests/cli/run.sh ./appgen
suite golden sh tests/golden/run.sh
suite schema "$PY" tests/schema/differential.py ./appgen
suite fuzz-replay make --no-print-directory fuzz-replay
suite asan-ubsan make --no-print-directory asan
suite tsan make --no-print-directory tsan
suite valgrind sh tests/valgrind.sh
suite e2e-db sh tests/e2e/db_test.sh
suite e2e-migrate sh tests/e2e/migrate_test.sh
suite e2e-backend sh tests/e2e/backend_test.sh
suite e2e-app-files sh tests/e2e/app_files_test.sh
suite e2e-app-tests sh tests/e2e/app_tests_test.sh
suite e2e-clients sh tests/e2e/clients_test.sh

echo
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
