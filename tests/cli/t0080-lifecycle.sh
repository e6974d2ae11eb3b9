# t0080: appgen init, hook install, start / stop / delete, watch - the
# way a new user works: init, commit, build, watch, push.
. "$(dirname "$0")/lib.sh"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export APPGEN_PUSH_DELAY_MS=10
# an identity in the user's config, as start/stop/delete read it
export HOME=$TMP/home GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME" && git config --global user.name "Pat Doe" && git config --global user.email pat@example.com
git config --global init.defaultBranch main
W=$TMP/work/tasks

# ---- init
expect_exit 0 "init a new directory" "$AG" init "$W"
for f in blueprints/team-tasks.json appgen.json .github/workflows/appgen.yml .gitignore; do
	[ -f "$W/$f" ] || bad "init writes $f"
done
[ -d "$W/.git" ] && ok "init runs git init" || bad "init runs git init"
expect_grep "$TMP/out" '^created  blueprints/team-tasks.json$' "init says what it created"
expect_exit 0 "the example passes appgen check" "$AG" check "$W/blueprints/team-tasks.json"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$W/appgen.json" && ok "appgen.json is JSON" || bad "appgen.json is JSON"
python3 - "$W/.github/workflows/appgen.yml" <<'PY' && ok "the workflow builds with fetch-depth 0 and pushes" || bad "the workflow builds with fetch-depth 0 and pushes"
import sys
t = open(sys.argv[1]).read()
assert "fetch-depth: 0" in t and "appgen build --shard" in t and "--push" in t and "actions/checkout" in t
PY
expect_exit 1 "init refuses a blueprint repository" "$AG" init "$W"
expect_grep "$TMP/err" 'already exists' "and says why"
mkdir -p "$TMP/work/half" && printf '{}\n' > "$TMP/work/half/appgen.json"
expect_exit 1 "init refuses a directory with an appgen.json" "$AG" init "$TMP/work/half"
[ "$(cat "$TMP/work/half/appgen.json")" = "{}" ] && [ ! -e "$TMP/work/half/blueprints" ] && ok "and writes nothing" || bad "and writes nothing"
git init -q "$TMP/work/outer" && mkdir -p "$TMP/work/outer/sub" && printf 'mine\n' > "$TMP/work/outer/sub/.gitignore"
expect_exit 0 "init inside a repository" "$AG" init "$TMP/work/outer/sub"
[ ! -e "$TMP/work/outer/sub/.git" ] && ok "runs no git init there" || bad "runs no git init there"
[ "$(cat "$TMP/work/outer/sub/.gitignore")" = mine ] && expect_grep "$TMP/out" '^kept +\.gitignore' "keeps an existing file" || bad "keeps an existing file"
(cd "$W" && git add -A && git commit -qm "first app")
git init -q --bare "$TMP/work/artifacts.git"
expect_exit 0 "build --zip --push of the new repository" "$AG" build --repo "$W" --out "$W/out" --zip --push
[ -f "$W/out/dist/team-tasks-v1.zip" ] && ok "its zip" || bad "its zip"
[ -n "$(git -C "$TMP/work/artifacts.git" rev-parse -q --verify apps/team-tasks)" ] && ok "its artifact branch (../artifacts.git)" || bad "its artifact branch (../artifacts.git)"
[ -z "$(git -C "$W" status --porcelain)" ] && ok "out/ is ignored" || bad "out/ is ignored" "$(git -C "$W" status --porcelain)"

# ---- stop / start / delete
printf 'notes\n' > "$W/NOTES" && git -C "$W" add NOTES      # staged, not committed
printf 'scratch\n' > "$W/scratch"                           # untracked
printf 'out/\n*.tmp\n' > "$W/.gitignore"                     # tracked, edited, unstaged
before=$(git -C "$W" rev-parse HEAD)
expect_exit 0 "stop" "$AG" stop team-tasks --repo "$W"
[ "$(git -C "$W" rev-list --count "$before..HEAD")" = 1 ] && ok "stop makes one commit" || bad "stop makes one commit"
[ "$(git -C "$W" log -1 --format='%an <%ae>|%s')" = "Pat Doe <pat@example.com>|appgen: stop team-tasks" ] && ok "with the user's identity and a clear message" || bad "with the user's identity and a clear message" "$(git -C "$W" log -1 --format='%an <%ae>|%s')"
[ "$(git -C "$W" diff --name-only HEAD~1 HEAD)" = "blueprints/team-tasks.json" ] && ok "touching only the blueprint" || bad "touching only the blueprint"
[ "$(git -C "$W" diff HEAD~1 HEAD | grep -c '^[-+] ')" = 2 ] && ok "one line changed, formatting kept" || bad "one line changed, formatting kept" "$(git -C "$W" diff HEAD~1 HEAD)"
[ "$(git -C "$W" diff --cached --name-only)" = "NOTES" ] && ok "a staged file stays staged and uncommitted" || bad "a staged file stays staged and uncommitted"
[ -f "$W/scratch" ] && ok "an untracked file survives" || bad "an untracked file survives"
[ "$(git -C "$W" diff --name-only)" = ".gitignore" ] && grep -q tmp "$W/.gitignore" && ok "an unstaged edit survives, unstaged" || bad "an unstaged edit survives, unstaged" "$(git -C "$W" status --porcelain)"
[ -z "$(git -C "$W" status --porcelain blueprints)" ] && ok "work tree and index match the commit" || bad "work tree and index match the commit" "$(git -C "$W" status --porcelain)"
expect_exit 0 "stop again" "$AG" stop team-tasks --repo "$W"
expect_grep "$TMP/out" 'stopped already; nothing to commit' "stopping a stopped app does nothing"
expect_exit 0 "build the stopped app" "$AG" build --repo "$W" --out "$W/out"
expect_grep "$W/out/apps/team-tasks/README.md" 'status stopped' "the build sees it stopped"
expect_exit 0 "start" "$AG" start team-tasks --repo "$W"
expect_grep "$W/blueprints/team-tasks.json" '"status": "running"' "start sets running"
expect_exit 1 "an unknown app" "$AG" stop nope --repo "$W"
expect_grep "$TMP/err" "no app 'nope'.*apps: team-tasks" "the message lists the apps"
expect_exit 1 "a misspelt app" "$AG" stop team-task --repo "$W"
expect_grep "$TMP/err" "did you mean 'team-tasks'" "did you mean"
expect_exit 2 "a slug that is a path" "$AG" delete ../appgen --repo "$W"
[ -f "$W/appgen.json" ] && ok "deletes nothing" || bad "deletes nothing"
git -C "$W" checkout -q --detach
expect_exit 1 "a detached HEAD" "$AG" stop team-tasks --repo "$W"
expect_grep "$TMP/err" 'not on a branch' "is refused"
git -C "$W" checkout -q main
printf ' ' >> "$W/blueprints/team-tasks.json" && git -C "$W" add blueprints/team-tasks.json
git -C "$W" show HEAD:blueprints/team-tasks.json > "$W/blueprints/team-tasks.json"
git -C "$W" show :blueprints/team-tasks.json | cmp -s - "$W/blueprints/team-tasks.json" && bad "a staged-only change (setup)" || ok "a staged-only change (setup)"
expect_exit 1 "a blueprint with a staged change" "$AG" stop team-tasks --repo "$W"
expect_grep "$TMP/err" 'staged changes' "is refused, the staged change kept"
git -C "$W" reset -q -- blueprints/team-tasks.json
printf ' ' >> "$W/blueprints/team-tasks.json"
expect_exit 1 "a blueprint with uncommitted changes" "$AG" stop team-tasks --repo "$W"
expect_grep "$TMP/err" 'uncommitted changes' "is refused"
git -C "$W" checkout -q -- blueprints/team-tasks.json
(HOME=$TMP/nohome; mkdir -p "$HOME"; unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
 "$AG" stop team-tasks --repo "$W" >/dev/null 2>"$TMP/noid.err"; echo $? > "$TMP/noid.rc")
[ "$(cat "$TMP/noid.rc")" = 3 ] && grep -q 'user.name' "$TMP/noid.err" && ok "no Git identity: exit 3, says to set user.name" || bad "no Git identity: exit 3, says to set user.name" "$(cat "$TMP/noid.rc") $(cat "$TMP/noid.err")"
# a blueprint without app.status gets the key
python3 - "$W/blueprints/team-tasks.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); del d["app"]["status"]; json.dump(d, open(sys.argv[1], "w"), indent=4)
PY
git -C "$W" commit -qm "no status" blueprints/team-tasks.json
before=$(git -C "$W" rev-parse HEAD)
expect_exit 0 "start without a status key" "$AG" start team-tasks --repo "$W"
expect_grep "$TMP/out" 'running already; nothing to commit' "is running by default: nothing to do"
[ "$(git -C "$W" rev-parse HEAD)" = "$before" ] && ok "and no commit" || bad "and no commit"
expect_exit 0 "stop without a status key" "$AG" stop team-tasks --repo "$W"
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["app"]["status"] == "stopped"' "$W/blueprints/team-tasks.json" \
	&& ok "adds app.status" || bad "adds app.status"
expect_grep "$W/blueprints/team-tasks.json" '^        "status": "stopped",$' "indented like its neighbours"

# ---- delete
expect_exit 0 "delete" "$AG" delete team-tasks --repo "$W"
[ ! -e "$W/blueprints/team-tasks.json" ] && [ -z "$(git -C "$W" ls-files blueprints/team-tasks.json)" ] && ok "the file is gone from work tree, index and commit" || bad "the file is gone from work tree, index and commit"
expect_exit 0 "build after delete" "$AG" build --repo "$W" --out "$W/out" --push
python3 -c 'import json, sys; a = {x["slug"]: x for x in json.load(open(sys.argv[1]))["apps"]}; assert a["team-tasks"]["status"] == "deleted"' "$W/out/build.json" \
	&& ok "build.json marks it deleted" || bad "build.json marks it deleted"
git -C "$TMP/work/artifacts.git" show apps/team-tasks:db/teardown.sql 2>/dev/null | grep -q 'DROP SCHEMA' && ok "its last artifact is the teardown" || bad "its last artifact is the teardown"

# ---- hook install
expect_exit 0 "hook install" "$AG" hook install --repo "$W"
H=$W/.git/hooks/post-commit
[ -x "$H" ] && ok "an executable post-commit hook" || bad "an executable post-commit hook"
grep -Fq "'$AG' build" "$H" && ok "running this appgen by its absolute path" || bad "running this appgen by its absolute path" "$(cat "$H")"
(cd "$(dirname "$AG")" && ./appgen hook install --repo "$W" >"$TMP/out" 2>&1) && expect_grep "$TMP/out" 'installed already' "./appgen is the same absolute path" || bad "./appgen is the same absolute path"
sh -n "$H" && ok "the hook is valid sh" || bad "the hook is valid sh"
expect_exit 0 "hook install twice" "$AG" hook install --repo "$W"
expect_grep "$TMP/out" 'installed already' "is a no-op"
cp "$BP/helpdesk.json" "$W/blueprints/" && git -C "$W" add -A && git -C "$W" commit -qm "helpdesk"
i=0; while [ ! -f "$W/out/apps/helpdesk/blueprint.json" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ -f "$W/out/apps/helpdesk/blueprint.json" ] && ok "a commit triggers a build" || bad "a commit triggers a build" "$(cat "$W/.git/appgen-build.log" 2>/dev/null)"
printf '#!/bin/sh\necho mine\n' > "$H"
expect_exit 1 "a foreign hook is kept" "$AG" hook install --repo "$W"
expect_exit 0 "--force replaces it" "$AG" hook install --repo "$W" --force
expect_grep "$H" 'appgen' "the hook is appgen's again"
rm -f "$H"
git -C "$W" config core.hooksPath myhooks
expect_exit 0 "hook install with core.hooksPath" "$AG" hook install --repo "$W"
[ -x "$W/myhooks/post-commit" ] && [ ! -e "$H" ] && ok "goes to core.hooksPath" || bad "goes to core.hooksPath"
git -C "$W" config --unset core.hooksPath

# ---- watch
R=$TMP/wrepo
git_repo "$R" sales-crm
expect_exit 0 "watch --once builds the tip" "$AG" watch --repo "$R" --out "$TMP/wo" --once
expect_grep "$TMP/out" "^$(git -C "$R" rev-parse --short=12 HEAD)  1 built, 0 up to date, 0 failed" "one log line per build"
for n in 1 2 3; do
	python3 - "$R/blueprints/sales-crm.json" "$n" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["app"]["description"] = "v" + sys.argv[2]; json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
	git -C "$R" commit -qam "v$n"
done
expect_exit 0 "watch --once after three commits" "$AG" watch --repo "$R" --out "$TMP/wo" --once
grep -E '^[0-9a-f]{12}  ' "$TMP/out" | cut -c1-12 > "$TMP/built"
git -C "$R" rev-list --reverse --abbrev-commit --abbrev=12 HEAD~3..HEAD | cut -c1-12 > "$TMP/want"
cmp -s "$TMP/built" "$TMP/want" && ok "builds the three, oldest first, one line each" || bad "builds the three, oldest first, one line each" "$(cat "$TMP/out")"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["sourceCommit"] == sys.argv[2] and r["apps"][0]["version"] == 4' "$TMP/wo/build.json" "$(git -C "$R" rev-parse HEAD)" \
	&& ok "build.json is the tip's, version 4" || bad "build.json is the tip's, version 4" "$(head -c 400 "$TMP/wo/build.json")"
expect_exit 0 "watch --once again" "$AG" watch --repo "$R" --out "$TMP/wo" --once
expect_no_grep "$TMP/out" '^[0-9a-f]{12}  ' "nothing new: no build"
# in the background: commits between two polls, then Ctrl-C
"$AG" watch --repo "$R" --out "$TMP/wo" --interval 50 >"$TMP/watch.log" 2>&1 &
wp=$!
i=0; while ! grep -q '^watching' "$TMP/watch.log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
for n in 4 5 6; do
	python3 - "$R/blueprints/sales-crm.json" "$n" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["app"]["description"] = "v" + sys.argv[2]; json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
	git -C "$R" commit -qam "v$n"
done
i=0; while [ "$(grep -c ' built,' "$TMP/watch.log")" -lt 3 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT "$wp"
i=0; while kill -0 "$wp" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$wp" 2>/dev/null; then kill -9 "$wp"; bad "Ctrl-C stops watch within 5 s"; else ok "Ctrl-C stops watch within 5 s"; fi
wait "$wp"; rc=$?
[ "$rc" = 0 ] && ok "and it exits 0" || bad "and it exits 0" "exit $rc"
[ "$(grep -c ' built,' "$TMP/watch.log")" = 3 ] && ok "three new commits: three builds" || bad "three new commits: three builds" "$(cat "$TMP/watch.log")"
expect_grep "$TMP/watch.log" "^$(git -C "$R" rev-parse --short=12 HEAD~2)  1 built" "the oldest new commit first"
expect_grep "$TMP/watch.log" '^watch: stopped$' "a last line on exit"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["sourceCommit"] == sys.argv[2] and r["apps"][0]["version"] == 7' "$TMP/wo/build.json" "$(git -C "$R" rev-parse HEAD)" \
	&& ok "the last build is the tip's, version 7" || bad "the last build is the tip's, version 7"
finish
