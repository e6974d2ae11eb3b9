# t0040: appgen build from real Git repositories.
. "$(dirname "$0")/lib.sh"
R=$TMP/repo
git_repo "$R" sales-crm helpdesk

expect_exit 0 "build a repository" "$AG" build --repo "$R" --out "$TMP/out1"
[ -f "$TMP/out1/apps/sales-crm/blueprint.json" ] && [ -f "$TMP/out1/apps/helpdesk/blueprint.json" ] \
	&& ok "one tree per app" || bad "one tree per app"
expect_grep "$TMP/err" '^\[1/2\] helpdesk +compiled' "progress line per app"
python3 - "$TMP/out1/build.json" "$(git -C "$R" rev-parse HEAD)" <<'PY' && ok "build.json reports the apps" || bad "build.json reports the apps"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["sourceCommit"] == sys.argv[2]
assert [a["slug"] for a in r["apps"]] == ["helpdesk", "sales-crm"]
assert all(a["status"] == "succeeded" and a["stage"] == "write" for a in r["apps"])
assert r["totals"]["succeeded"] == 2 and r["totals"]["failed"] == 0
assert all(len(a["blueprintHash"]) == 40 for a in r["apps"])
PY

# determinism: another out dir, time zone, umask and locale give the same tree
(umask 077; TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 "$AG" build --repo "$R" --out "$TMP/out2" >/dev/null 2>&1)
diff -r "$TMP/out1/apps" "$TMP/out2/apps" >/dev/null && ok "trees are byte-identical across runs" || bad "trees are byte-identical across runs"
[ "$(stat -c %a "$TMP/out2/apps/helpdesk/blueprint.json")" = 644 ] && ok "file modes ignore the umask" || bad "file modes ignore the umask"

# an unchanged rebuild rewrites nothing: the cache skips the apps, and a
# forced rebuild finds every file identical
ino=$(stat -c %i "$TMP/out1/apps/helpdesk/blueprint.json")
expect_exit 0 "rebuild" "$AG" build --repo "$R" --out "$TMP/out1" --explain
expect_grep "$TMP/out" '^helpdesk +up to date$' "rebuild: helpdesk is up to date"
expect_grep "$TMP/err" '\(2 up to date, 0 failed\)' "rebuild: the summary counts the cached apps"
if grep -q 'compiled' "$TMP/err"; then bad "rebuild compiles nothing" "$(cat "$TMP/err")"; else ok "rebuild compiles nothing"; fi
expect_exit 0 "forced rebuild" "$AG" build --repo "$R" --out "$TMP/out1" --force --explain
expect_grep "$TMP/err" 'helpdesk +compiled [0-9]+ files? in [0-9]+ ms \(unchanged\)' "forced rebuild says unchanged"
expect_grep "$TMP/out" '^helpdesk +rebuilt: --force$' "--explain names --force"
[ "$(stat -c %i "$TMP/out1/apps/helpdesk/blueprint.json")" = "$ino" ] && ok "unchanged files are not rewritten" || bad "unchanged files are not rewritten"

# a broken blueprint fails alone; the others still build
sed 's/"type": "text"/"type": "txt"/' "$BP/people-hr.json" > "$R/blueprints/people-hr.json"
git -C "$R" add -A && git -C "$R" commit -qm "broken hr"
expect_exit 1 "one failing blueprint: exit 1" "$AG" build --repo "$R" --out "$TMP/out1" --explain
expect_grep "$TMP/err" 'people-hr.json:[0-9]+:[0-9]+: error\[E104\]' "its diagnostics are shown"
expect_grep "$TMP/out" '^blueprints/people-hr.json +failed at validate \(built because: not built before\)$' "--explain: the new blueprint failed"
expect_grep "$TMP/out" '^sales-crm +up to date$' "the others are still there, up to date"
python3 - "$TMP/out1/build.json" <<'PY' && ok "build.json marks the failure" || bad "build.json marks the failure"
import json, sys
r = {a["file"]: a for a in json.load(open(sys.argv[1]))["apps"]}
hr = r["blueprints/people-hr.json"]
assert hr["status"] == "failed" and hr["stage"] == "validate" and hr["diagnostics"][0]["code"] == "E104"
assert r["blueprints/sales-crm.json"]["status"] == "succeeded"
PY

# --rev reads an older commit; --worktree reads uncommitted files
expect_exit 0 "--rev HEAD~1" "$AG" build --repo "$R" --rev HEAD~1 --out "$TMP/out3"
expect_exit 2 "--worktree excludes --rev" "$AG" build --repo "$R" --rev HEAD --worktree
cp "$BP/people-hr.json" "$R/blueprints/people-hr.json"
expect_exit 0 "--worktree builds the fixed, uncommitted file" "$AG" build --repo "$R" --worktree --out "$TMP/out4"
[ -f "$TMP/out4/apps/people-hr/blueprint.json" ] && ok "worktree app built" || bad "worktree app built"
expect_exit 1 "without --worktree the commit is built" "$AG" build --repo "$R" --out "$TMP/out5"

# selection
expect_exit 0 "--app" "$AG" build --repo "$R" --rev HEAD~1 --app helpdesk --out "$TMP/out6"
[ -d "$TMP/out6/apps/helpdesk" ] && [ ! -d "$TMP/out6/apps/sales-crm" ] && ok "--app builds only that app" || bad "--app builds only that app"
"$AG" -q build --repo "$R" --rev HEAD~1 --shard 1/2 --out "$TMP/s1"; "$AG" -q build --repo "$R" --rev HEAD~1 --shard 2/2 --out "$TMP/s2"
n=$(ls "$TMP/s1/apps" "$TMP/s2/apps" 2>/dev/null | grep -c -v -e '^$' -e ':$')
[ "$n" -eq 2 ] && ok "two shards build every app once" || bad "two shards build every app once" "got $n"
expect_exit 2 "bad shard" "$AG" build --repo "$R" --shard 3/2

# --jobs: the same trees, report and diagnostics for any number of threads
mkdir -p "$TMP/many/blueprints"
for f in "$BP"/*.json; do cp "$f" "$TMP/many/blueprints/"; done
for n in 1 2 3 4 5 6; do sed "s/\"slug\": \"helpdesk\"/\"slug\": \"helpdesk-$n\"/" "$BP/helpdesk.json" > "$TMP/many/blueprints/helpdesk-$n.json"; done
sed 's/"type": "text"/"type": "txt"/' "$BP/sales-crm.json" > "$TMP/many/blueprints/broken-crm.json"
"$AG" build --worktree --repo "$TMP/many" --out "$TMP/j1" --jobs 1 >/dev/null 2>"$TMP/j1.err"
"$AG" build --worktree --repo "$TMP/many" --out "$TMP/j4" --jobs 4 >/dev/null 2>"$TMP/j4.err"
diff -r "$TMP/j1/apps" "$TMP/j4/apps" >/dev/null && ok "--jobs 4 writes the same trees as --jobs 1" || bad "--jobs 4 writes the same trees as --jobs 1"
python3 - "$TMP/j1/build.json" "$TMP/j4/build.json" <<'PY' && ok "--jobs 4 gives the same report" || bad "--jobs 4 gives the same report"
import json, sys
def strip(p):
    r = json.load(open(p))
    for a in r["apps"]:
        a.pop("timings_ms")
    r["totals"].pop("ms")
    return r
a, b = strip(sys.argv[1]), strip(sys.argv[2])
assert a == b
assert a["totals"]["succeeded"] == 11 and a["totals"]["failed"] == 1, a["totals"]
PY
[ "$(grep -c 'error\[' "$TMP/j1.err")" = "$(grep -c 'error\[' "$TMP/j4.err")" ] && ok "--jobs 4 reports the same diagnostics" || bad "--jobs 4 reports the same diagnostics"
expect_exit 2 "--jobs 0 is a usage error" "$AG" build --repo "$R" --jobs 0

# environment errors
mkdir -p "$TMP/norepo"
expect_exit 3 "no repository: exit 3" "$AG" build --repo "$TMP/norepo"
expect_grep "$TMP/err" 'no Git repository' "says there is no repository"
expect_exit 3 "unknown revision: exit 3" "$AG" build --repo "$R" --rev nosuchbranch
finish
