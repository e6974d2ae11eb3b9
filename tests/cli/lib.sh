# lib.sh - helpers for the numbered CLI test scripts (sourced).
# Each script calls `t NAME COMMAND...` assertions; counts go to the
# runner through the last line "N passed, N failed".
AG=${AG:-$PWD/appgen}
pass=0
fail=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; }

# expect_exit CODE NAME CMD... : run CMD, compare its exit status
expect_exit() {
	want=$1 name=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else bad "$name" "exit $got, expected $want; stderr: $(head -c 600 "$TMP/err")"; fi
}

# expect_grep FILE PATTERN NAME : FILE contains the extended regex
expect_grep() {
	if grep -Eq -- "$2" "$1"; then ok "$3"; else bad "$3" "no /$2/ in: $(head -c 600 "$1")"; fi
}

expect_no_grep() {
	if grep -Eq -- "$2" "$1"; then bad "$3" "unexpected /$2/ in: $(head -c 600 "$1")"; else ok "$3"; fi
}

finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }

# git_repo DIR SLUG...: a new Git repository (branch main) whose first
# commit holds blueprints/SLUG.json copied from the project's blueprints/,
# with a fixed identity and date (exported for the script's own commits).
BP=$PWD/blueprints
git_repo() {
	_r=$1
	shift
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
	export GIT_AUTHOR_DATE="2026-01-02T03:04:05Z" GIT_COMMITTER_DATE="2026-01-02T03:04:05Z"
	mkdir -p "$_r/blueprints"
	git -c init.defaultBranch=main init -q "$_r"
	for _s in "$@"; do cp "$BP/$_s.json" "$_r/blueprints/"; done
	git -C "$_r" add -A && git -C "$_r" commit -qm "$# apps"
}

# desc TEXT: a commit in the repository $R changing helpdesk's description
desc() {
	python3 - "$R/blueprints/helpdesk.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["app"]["description"] = sys.argv[2]; json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
	git -C "$R" commit -qam "helpdesk: $1"
}

# tip GITDIR REF: the commit REF names there (nothing when none)
tip() { git -C "$1" rev-parse --verify -q "$2" 2>/dev/null; }
