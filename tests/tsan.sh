#!/bin/sh
# tsan.sh APPGEN - a parallel build (--jobs 4) of a dozen apps under
# ThreadSanitizer: no data race, and the same trees as a serial build.
set -u
AG=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/repo/blueprints"
cp blueprints/*.json "$T/repo/blueprints/"
for n in 1 2 3 4 5 6 7; do
	sed "s/\"slug\": \"helpdesk\"/\"slug\": \"helpdesk-$n\"/" blueprints/helpdesk.json > "$T/repo/blueprints/helpdesk-$n.json"
done
p=0 f=0
if TSAN_OPTIONS=halt_on_error=1:exitcode=66 "$AG" -q build --worktree --repo "$T/repo" --out "$T/par" --jobs 4 2>"$T/err"; then
	p=$((p + 1)); echo "ok   parallel build under ThreadSanitizer"
else
	f=$((f + 1)); echo "FAIL parallel build under ThreadSanitizer"; head -60 "$T/err"
fi
"$AG" -q build --worktree --repo "$T/repo" --out "$T/ser" --jobs 1 2>/dev/null
if diff -r "$T/par/apps" "$T/ser/apps" >/dev/null; then
	p=$((p + 1)); echo "ok   parallel and serial trees are identical"
else
	f=$((f + 1)); echo "FAIL parallel and serial trees differ"
fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
