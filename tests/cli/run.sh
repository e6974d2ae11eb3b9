#!/bin/sh
# run.sh APPGEN - run the numbered CLI test scripts t*.sh and total them.
set -u
AG=$(cd "$(dirname "${1:-./appgen}")" && pwd)/$(basename "${1:-./appgen}")
export AG
dir=$(dirname "$0")
p=0 f=0
for t in "$dir"/t[0-9]*.sh; do
	echo "-- $(basename "$t")"
	out=$(sh "$t" 2>&1)
	printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $(basename "$t") printed no summary"
		f=$((f + 1))
		continue
	fi
	p=$((p + ${line%% passed*}))
	f=$((f + $(echo "$line" | sed 's/.* passed, \([0-9]*\) failed/\1/')))
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
