#!/bin/sh
# run.sh [--update] - the app trees of blueprints/ compared byte for byte
# with tests/golden/<slug>/. A change to an emitter or template shows here
# as a diff; accept it on purpose with `make golden-update`.
set -u
AG=${AG:-./appgen}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if ! "$AG" -q build --worktree --repo . --out "$T/out" >"$T/log" 2>&1; then
	cat "$T/log"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ "${1:-}" = --update ]; then
	rm -rf tests/golden/apps
	cp -R "$T/out/apps" tests/golden/apps
	echo "golden trees updated: $(ls tests/golden/apps | tr '\n' ' ')"
	exit 0
fi
p=0 f=0 seen=""
for dir in "$T"/out/apps/* tests/golden/apps/*; do
	slug=$(basename "$dir")
	case " $seen " in *" $slug "*) continue ;; esac
	seen="$seen $slug"
	if diff -r "tests/golden/apps/$slug" "$T/out/apps/$slug" >"$T/diff" 2>&1; then
		p=$((p + 1)); echo "ok   $slug"
	else
		f=$((f + 1)); echo "FAIL $slug (make golden-update accepts a deliberate change)"; head -40 "$T/diff"
	fi
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
