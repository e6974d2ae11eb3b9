#!/bin/sh
# valgrind.sh - the unit tests and appgen check (valid, invalid, spec files)
# under valgrind's memcheck: no errors, no leaks.
set -u
p=0 f=0
vg() {
	name=$1
	shift
	if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$@" >/dev/null 2>build/valgrind.log; [ $? -ne 99 ]; then
		p=$((p + 1)); echo "ok   $name"
	else
		f=$((f + 1)); echo "FAIL $name"; cat build/valgrind.log
	fi
}
vg unit-tests build/unit_tests
vg check-blueprints ./appgen check blueprints
for d in tests/spec/invalid tests/spec/valid; do
	[ -d "$d" ] || continue
	set -- "$d"/*.json
	vg "check $d" ./appgen check --format json "$@"
	vg "check --format sarif $d" ./appgen check --format sarif "$@"
done
vg print-ir ./appgen check --print-ir blueprints
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
