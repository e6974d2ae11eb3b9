# t0047: blueprint versions from the first-parent history of the build's
# revision (and the cache's "version history" input).
. "$(dirname "$0")/lib.sh"
R=$TMP/repo
git_repo "$R" sales-crm helpdesk
# edit FILE TEXT: a commit that changes FILE's description
edit() {
	python3 - "$R/blueprints/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["app"]["description"] = sys.argv[2]
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
	git -C "$R" commit -qam "$1: $2"
}
# version OUT SLUG: the version build.json reports
version() {
	python3 -c 'import json, sys; print({a["slug"]: a["version"] for a in json.load(open(sys.argv[1]))["apps"]}[sys.argv[2]])' "$1/build.json" "$2"
}

edit helpdesk "second"
printf 'notes\n' > "$R/NOTES" && git -C "$R" add -A && git -C "$R" commit -qm "not a blueprint"
edit helpdesk "third"
expect_exit 0 "build" "$AG" build --repo "$R" --out "$TMP/o" --zip
[ "$(version "$TMP/o" helpdesk)" = 3 ] && ok "three commits changed helpdesk: version 3" || bad "three commits changed helpdesk: version 3" "$(version "$TMP/o" helpdesk)"
[ "$(version "$TMP/o" sales-crm)" = 1 ] && ok "sales-crm never changed: version 1" || bad "sales-crm never changed: version 1"
expect_grep "$TMP/o/apps/helpdesk/README.md" 'blueprints/helpdesk.json@v3' "the tree names the version"
[ -f "$TMP/o/dist/helpdesk-v3.zip" ] && ok "the zip is named after the version" || bad "the zip is named after the version"

expect_exit 0 "--rev HEAD~2" "$AG" build --repo "$R" --rev HEAD~2 --out "$TMP/o2"
[ "$(version "$TMP/o2" helpdesk)" = 2 ] && ok "an older revision has fewer versions" || bad "an older revision has fewer versions"

# a commit that touches no blueprint leaves every app up to date
printf 'more\n' >> "$R/NOTES" && git -C "$R" commit -qam "notes again"
expect_exit 0 "build after an unrelated commit" "$AG" build --repo "$R" --out "$TMP/o" --explain
[ "$(grep -c 'up to date$' "$TMP/out")" -eq 2 ] && ok "an unrelated commit rebuilds nothing" || bad "an unrelated commit rebuilds nothing" "$(cat "$TMP/out")"

# back and forth: the same bytes as the cached build, but two more versions
b=$(git -C "$R" rev-parse HEAD:blueprints/helpdesk.json)
edit helpdesk "fourth"
git -C "$R" show "$b" > "$R/blueprints/helpdesk.json" && git -C "$R" commit -qam "back to third"
expect_exit 0 "build after a revert" "$AG" build --repo "$R" --out "$TMP/o" --explain
expect_grep "$TMP/out" '^helpdesk +rebuilt: version history changed$' "same bytes, longer history: rebuilt"
[ "$(version "$TMP/o" helpdesk)" = 5 ] && ok "a revert is a version too" || bad "a revert is a version too" "$(version "$TMP/o" helpdesk)"

# deleted and added again: numbering goes on
git -C "$R" rm -q blueprints/sales-crm.json && git -C "$R" commit -qm "drop crm"
cp "$BP/sales-crm.json" "$R/blueprints/" && git -C "$R" add -A && git -C "$R" commit -qm "crm is back"
expect_exit 0 "build after delete + add" "$AG" build --repo "$R" --out "$TMP/o3"
[ "$(version "$TMP/o3" sales-crm)" = 2 ] && ok "a blueprint added again is its next version" || bad "a blueprint added again is its next version" "$(version "$TMP/o3" sales-crm)"

# --worktree: an uncommitted change is one version more; none, none more
expect_exit 0 "--worktree, clean" "$AG" build --repo "$R" --worktree --out "$TMP/w1"
[ "$(version "$TMP/w1" helpdesk)" = 5 ] && ok "--worktree, clean: HEAD's version" || bad "--worktree, clean: HEAD's version"
python3 - "$R/blueprints/helpdesk.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["app"]["description"] = "uncommitted"; json.dump(d, open(sys.argv[1], "w"))
PY
expect_exit 0 "--worktree, edited" "$AG" build --repo "$R" --worktree --out "$TMP/w2"
[ "$(version "$TMP/w2" helpdesk)" = 6 ] && ok "--worktree, edited: one version more" || bad "--worktree, edited: one version more"
git -C "$R" checkout -q -- blueprints/helpdesk.json

# a shallow clone knows only what it has
git clone -q --depth 1 "file://$R" "$TMP/shallow" 2>/dev/null
expect_exit 0 "build a shallow clone" "$AG" build --repo "$TMP/shallow" --out "$TMP/o4"
[ "$(version "$TMP/o4" helpdesk)" = 1 ] && ok "a shallow clone starts at version 1" || bad "a shallow clone starts at version 1"
expect_grep "$TMP/err" 'warning: the repository is a shallow clone: versions and migrations start where its history does' "a shallow clone is warned about"
expect_exit 0 "a full clone" "$AG" build --repo "$R" --out "$TMP/o5"
expect_no_grep "$TMP/err" 'shallow' "a full clone is not"

# not a repository: version 1
mkdir -p "$TMP/plain/blueprints" && cp "$BP/helpdesk.json" "$TMP/plain/blueprints/"
expect_exit 0 "--worktree outside Git" "$AG" build --repo "$TMP/plain" --worktree --out "$TMP/o5"
[ "$(version "$TMP/o5" helpdesk)" = 1 ] && ok "outside Git: version 1" || bad "outside Git: version 1"

# a merge: only the first-parent chain counts
git -C "$R" checkout -q -b side
edit helpdesk "side 1"
edit helpdesk "side 2"
git -C "$R" checkout -q main
git -C "$R" merge -q --no-ff -m "merge side" side
expect_exit 0 "build after a merge" "$AG" build --repo "$R" --out "$TMP/o6"
[ "$(version "$TMP/o6" helpdesk)" = 6 ] && ok "a merge commit is one version (first parent only)" || bad "a merge commit is one version (first parent only)" "$(version "$TMP/o6" helpdesk)"

# the history is kept in OUT/.appgen/history.json and continued: an
# incremental walk gives what a full walk gives, also after a rewrite
[ -f "$TMP/o6/.appgen/history.json" ] && ok "the history is saved for the next build" || bad "the history is saved for the next build"
edit helpdesk "after merge"
expect_exit 0 "incremental history walk" "$AG" build --repo "$R" --out "$TMP/o6"
[ "$(version "$TMP/o6" helpdesk)" = 7 ] && ok "continued walk: version 7" || bad "continued walk: version 7" "$(version "$TMP/o6" helpdesk)"
git -C "$R" reset -q --hard HEAD~2
edit helpdesk "rewritten"
expect_exit 0 "build after a history rewrite" "$AG" build --repo "$R" --out "$TMP/o6"
"$AG" -q build --repo "$R" --out "$TMP/o7" >/dev/null 2>&1
[ "$(version "$TMP/o6" helpdesk)" = "$(version "$TMP/o7" helpdesk)" ] && [ "$(version "$TMP/o7" helpdesk)" = 6 ] \
	&& ok "after a rewrite the walk starts over (version 6, as a fresh build)" || bad "after a rewrite the walk starts over (version 6, as a fresh build)" "$(version "$TMP/o6" helpdesk) vs $(version "$TMP/o7" helpdesk)"
diff -r "$TMP/o6/apps" "$TMP/o7/apps" >/dev/null && ok "and the same trees" || bad "and the same trees"
printf '{"format": 1, "commit": "%s", "files": {"blueprints/helpdesk.json": [["x"]]}}' "$(git -C "$R" rev-parse HEAD)" > "$TMP/o6/.appgen/history.json"
expect_exit 0 "build with a damaged history file" "$AG" build --repo "$R" --out "$TMP/o6"
[ "$(version "$TMP/o6" helpdesk)" = 6 ] && ok "a damaged history file is walked again" || bad "a damaged history file is walked again"
finish
