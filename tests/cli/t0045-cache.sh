# t0045: incremental builds - what the cache skips, why it rebuilds, and
# that an incremental build writes exactly what a full build writes.
. "$(dirname "$0")/lib.sh"
R=$TMP/repo
O=$TMP/o
git_repo "$R" sales-crm helpdesk people-hr

# explain SLUG REASON NAME: the last --explain output has that line
explain() {
	expect_grep "$TMP/out" "^$1 +$2\$" "$3"
}
# same_as_full NAME: the incremental tree equals a full build of HEAD
same_as_full() {
	rm -rf "$TMP/full"
	"$AG" -q build --repo "$R" --out "$TMP/full" >/dev/null 2>&1
	diff -r "$TMP/full/apps" "$O/apps" >/dev/null && ok "$1" || bad "$1" "$(diff -r "$TMP/full/apps" "$O/apps" | head -5)"
}

expect_exit 0 "first build" "$AG" build --repo "$R" --out "$O" --explain
explain helpdesk 'rebuilt: not built before' "first build: every app is new"
[ -f "$O/.appgen/cache.json" ] && ok "the cache is written under OUT/.appgen" || bad "the cache is written under OUT/.appgen"

expect_exit 0 "second build" "$AG" build --repo "$R" --out "$O" --explain
[ "$(grep -c 'up to date$' "$TMP/out")" -eq 3 ] && ok "nothing changed: three apps up to date" || bad "nothing changed: three apps up to date" "$(cat "$TMP/out")"
python3 - "$O/build.json" <<'PY' && ok "build.json marks cached apps" || bad "build.json marks cached apps"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["totals"]["cached"] == 3 and r["totals"]["succeeded"] == 3, r["totals"]
assert all(a["cached"] and a["status"] == "succeeded" and "rebuilt" not in a for a in r["apps"])
assert all(a["files"] > 0 for a in r["apps"])
PY

# one blueprint changes: only that app is rebuilt
python3 - "$BP/helpdesk.json" "$R/blueprints/helpdesk.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["app"]["name"] = "Help desk"
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
git -C "$R" commit -qam "rename helpdesk"
expect_exit 0 "a commit changing one blueprint" "$AG" build --repo "$R" --out "$O" --explain
explain helpdesk 'rebuilt: blueprint changed' "the changed app is rebuilt"
explain sales-crm 'up to date' "the others are not"
expect_grep "$O/apps/helpdesk/README.md" 'Help desk' "the change is in the tree"
same_as_full "incremental = full after a blueprint change"

# an override changes every app
mkdir -p "$R/.appgen/templates/app"
sed 's/^/ /; s/^ //' "$PWD/templates/app/README.md.tpl" > "$R/.appgen/templates/app/README.md.tpl"
printf '\n{# an edit #}\n' >> "$R/.appgen/templates/app/README.md.tpl"
git -C "$R" add -A && git -C "$R" commit -qm "override"
expect_exit 0 "build with an override" "$AG" build --repo "$R" --out "$O" --explain
explain sales-crm 'rebuilt: emitters or templates changed' "an override rebuilds every app"

# appgen.json
printf '{}\n' > "$R/appgen.json"
git -C "$R" add -A && git -C "$R" commit -qm "config"
expect_exit 0 "build with appgen.json" "$AG" build --repo "$R" --out "$O" --explain
explain people-hr 'rebuilt: appgen.json changed' "appgen.json rebuilds every app"

# a tree removed by hand is rebuilt
rm -rf "$O/apps/sales-crm"
expect_exit 0 "build after rm -rf of one tree" "$AG" build --repo "$R" --out "$O" --explain
explain sales-crm 'rebuilt: output missing' "a missing tree is rebuilt"
explain helpdesk 'up to date' "the rest stay"
[ -f "$O/apps/sales-crm/blueprint.json" ] && ok "the tree is back" || bad "the tree is back"

# another appgen (its build id is in the cache)
python3 - "$O/.appgen/cache.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for a in c["apps"].values():
    a["appgen"] = "0" * 40
json.dump(c, open(sys.argv[1], "w"))
PY
expect_exit 0 "build after an appgen change" "$AG" build --repo "$R" --out "$O" --explain
explain helpdesk 'rebuilt: appgen changed' "a different appgen rebuilds every app"

# a damaged cache is no cache: everything is rebuilt, to the same bytes
printf '{"format": 1, "apps": {"x": 3}}' > "$O/.appgen/cache.json"
expect_exit 0 "build with a damaged cache" "$AG" build --repo "$R" --out "$O" --explain
explain helpdesk 'rebuilt: not built before' "a damaged cache is ignored"
same_as_full "incremental = full after a damaged cache"

# a removed blueprint: the app is reported deleted, its tree becomes its teardown
git -C "$R" rm -q blueprints/people-hr.json && git -C "$R" commit -qm "drop hr"
expect_exit 0 "build after removing a blueprint" "$AG" build --repo "$R" --out "$O" --explain
explain people-hr 'deleted: its tree is now its teardown' "--explain: deleted"
python3 - "$O/build.json" <<'PY' && ok "build.json marks it deleted" || bad "build.json marks it deleted"
import json, sys
r = json.load(open(sys.argv[1]))
hr = [a for a in r["apps"] if a["slug"] == "people-hr"]
assert len(hr) == 1 and hr[0]["status"] == "deleted" and r["totals"]["deleted"] == 1, hr
PY
[ "$(cd "$O/apps/people-hr" && find . -type f | sort | tr '\n' ' ')" = "./DELETED.md ./db/teardown.sql " ] && ok "its tree holds only the teardown" || bad "its tree holds only the teardown" "$(cd "$O/apps/people-hr" && find . -type f)"
expect_grep "$O/apps/people-hr/db/teardown.sql" 'DROP SCHEMA "app_people_hr" CASCADE;' "the teardown drops its schema"

# a failing app keeps its last tree and is retried next time
sed 's/"type": "text"/"type": "txt"/' "$BP/sales-crm.json" > "$R/blueprints/sales-crm.json"
git -C "$R" commit -qam "break crm"
expect_exit 1 "a broken blueprint fails" "$AG" build --repo "$R" --out "$O" --explain
[ -f "$O/apps/sales-crm/blueprint.json" ] && ok "its last good tree stays" || bad "its last good tree stays"
expect_exit 1 "and fails again next time (not cached)" "$AG" build --repo "$R" --out "$O" --explain
expect_grep "$TMP/out" '^blueprints/sales-crm.json +failed at validate \(built because: blueprint changed\)$' "--explain says it is retried"

# --worktree works with the cache too (blob ids of the files on disk):
# going back to the last good bytes is a new version after the broken one
cp "$BP/sales-crm.json" "$R/blueprints/sales-crm.json"
expect_exit 0 "--worktree with the last good file" "$AG" build --repo "$R" --worktree --out "$O" --explain
explain sales-crm 'rebuilt: version history changed' "--worktree: the fix is a new version"
sed 's/"description": "/"description": "Edited. /' "$BP/sales-crm.json" > "$R/blueprints/sales-crm.json"
expect_exit 0 "--worktree with an edit" "$AG" build --repo "$R" --worktree --out "$O" --explain
explain sales-crm 'rebuilt: blueprint changed' "--worktree: an uncommitted edit is rebuilt"
explain helpdesk 'up to date' "--worktree: the others are up to date"
finish
