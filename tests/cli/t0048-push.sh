# t0048: appgen build --push - artifact repositories (local bare repos).
. "$(dirname "$0")/lib.sh"
# the remote is relative to the blueprint repository: $TMP/arts.git
R=$TMP/repo
git_repo "$R" sales-crm helpdesk
export APPGEN_PUSH_DELAY_MS=10
git init -q --bare "$TMP/arts.git"
printf '{"artifacts": {"layout": "branch-per-app", "remote": "../arts.git"}}\n' > "$R/appgen.json"
git -C "$R" add -A && git -C "$R" commit -qm "artifacts"
C1=$(git -C "$R" rev-parse HEAD)

expect_exit 0 "build --push" "$AG" build --repo "$R" --out "$TMP/o" --push
A1=$(tip "$TMP/arts.git" refs/heads/apps/helpdesk)
[ -n "$A1" ] && [ -n "$(tip "$TMP/arts.git" refs/heads/apps/sales-crm)" ] && ok "one branch apps/<slug> per app" || bad "one branch apps/<slug> per app" "$(git -C "$TMP/arts.git" branch -a)"
git -C "$TMP/arts.git" fsck --strict >/dev/null 2>&1 && ok "git fsck --strict of the remote is clean" || bad "git fsck --strict of the remote is clean"
git clone -q -b apps/helpdesk "$TMP/arts.git" "$TMP/clone" 2>/dev/null && ok "git clone of an app branch works" || bad "git clone of an app branch works"
diff -r -x .git "$TMP/clone" "$TMP/o/apps/helpdesk" >/dev/null && ok "the branch holds the app tree" || bad "the branch holds the app tree"
[ -x "$TMP/clone/db/migrate.sh" ] && ok "executable files stay executable" || bad "executable files stay executable"
git -C "$TMP/arts.git" log -1 --format='%an <%ae>|%cn|%ad|%s|%b' --date=iso-strict apps/helpdesk > "$TMP/log"
expect_grep "$TMP/log" "^appgen <appgen@appgen.invalid>\|appgen\|2026-01-02T03:04:05\+00:00\|helpdesk v1\|Built by appgen from $C1 \(blueprints/helpdesk.json, version 1\)" "author appgen, the source commit's time, a message naming commit and version"

expect_exit 0 "build --push again" "$AG" build --repo "$R" --out "$TMP/o" --push
[ "$(tip "$TMP/arts.git" refs/heads/apps/helpdesk)" = "$A1" ] && ok "no change, no commit" || bad "no change, no commit"

desc "second"
C2=$(git -C "$R" rev-parse HEAD)
expect_exit 0 "build --push after a change" "$AG" build --repo "$R" --out "$TMP/o" --push
A2=$(tip "$TMP/arts.git" refs/heads/apps/helpdesk)
[ "$A2" != "$A1" ] && [ "$(git -C "$TMP/arts.git" rev-parse "$A2^")" = "$A1" ] && ok "one commit, whose parent is the previous artifact" || bad "one commit, whose parent is the previous artifact"
[ "$(git -C "$TMP/arts.git" rev-list --count apps/sales-crm)" = 1 ] && ok "the unchanged app gets no commit" || bad "the unchanged app gets no commit"
# the push sent what the remote lacked and nothing more
want=$(git -C "$TMP/arts.git" rev-list --objects "$A2" "^$A1" | wc -l)
pack=$(ls -t "$TMP/arts.git"/objects/pack/*.idx | head -n 1)
got=$(git -C "$TMP/arts.git" show-index < "$pack" | wc -l)
[ "$got" -eq "$want" ] && ok "the push sent only the new objects ($want)" || bad "the push sent only the new objects" "$got sent, $want new"
[ -z "$(ls "$TMP/o/.appgen/artifacts.git/appgen-push/refs/heads/apps" 2>/dev/null)" ] && ok "the push leaves no scratch references" || bad "the push leaves no scratch references"
python3 - "$TMP/o/build.json" "$A2" <<'PY' && ok "build.json reports the artifact" || bad "build.json reports the artifact"
import json, sys
r = {a["slug"]: a for a in json.load(open(sys.argv[1]))["apps"]}
h = r["helpdesk"]
assert h["artifact"] == sys.argv[2] and h["artifactCommitted"] and h["pushed"] and h["stage"] == "push", h
assert not r["sales-crm"]["artifactCommitted"] and not r["sales-crm"]["pushed"]
PY

# another machine: a clone in another directory with its own ../arts.git,
# another time zone and umask, the same builds -> the same commit ids
mkdir -p "$TMP/m2" && git clone -q "$R" "$TMP/m2/repo" && git init -q --bare "$TMP/m2/arts.git"
(cd "$TMP/m2" && umask 077 && TZ=Asia/Kolkata "$AG" -q build --repo repo --rev "$C1" --out out --push >/dev/null 2>&1 &&
	TZ=Asia/Kolkata "$AG" -q build --repo repo --rev "$C2" --out out --push >/dev/null 2>&1)
[ "$(tip "$TMP/m2/arts.git" refs/heads/apps/helpdesk)" = "$A2" ] && ok "artifact commit ids are equal across runs, dirs, TZ and umask" || bad "artifact commit ids are equal across runs, dirs, TZ and umask" "$(tip "$TMP/m2/arts.git" refs/heads/apps/helpdesk) vs $A2"
git -C "$TMP/m2/arts.git" fsck --strict >/dev/null 2>&1 && ok "git fsck of the second remote is clean" || bad "git fsck of the second remote is clean"

# a fresh out dir continues the remote's history
expect_exit 0 "build --push from a fresh out dir" "$AG" build --repo "$R" --out "$TMP/fresh" --push
[ "$(tip "$TMP/arts.git" refs/heads/apps/helpdesk)" = "$A2" ] && ok "a fresh out dir finds the tree already published" || bad "a fresh out dir finds the tree already published"
desc "third"
expect_exit 0 "and builds on it" "$AG" build --repo "$R" --out "$TMP/fresh" --push
A3=$(tip "$TMP/arts.git" refs/heads/apps/helpdesk)
[ "$(git -C "$TMP/arts.git" rev-parse "$A3^")" = "$A2" ] && ok "its next commit's parent is the remote's tip" || bad "its next commit's parent is the remote's tip"

# the remote is gone: the push fails after retries, the commit waits
mv "$TMP/arts.git" "$TMP/arts.away"
desc "fourth"
expect_exit 3 "a failed push: exit 3" "$AG" build --repo "$R" --out "$TMP/o" --push
expect_grep "$TMP/err" 'not pushed; what was committed stays in' "it says the commit is kept"
P=$(tip "$TMP/o/.appgen/artifacts.git" refs/heads/apps/helpdesk)
[ -n "$P" ] && [ "$P" != "$A3" ] && ok "the commit is in the staging repository" || bad "the commit is in the staging repository"
mv "$TMP/arts.away" "$TMP/arts.git"
expect_exit 0 "the next build pushes what is pending" "$AG" build --repo "$R" --out "$TMP/o" --push
# (the staging branch was behind the remote, which another out dir moved
# to A3: the pending tree is published on top of A3)
T=$(tip "$TMP/arts.git" refs/heads/apps/helpdesk)
[ "$(git -C "$TMP/arts.git" rev-parse "$T^{tree}")" = "$(git -C "$TMP/o/.appgen/artifacts.git" rev-parse "$P^{tree}")" ] &&
	[ "$(git -C "$TMP/arts.git" rev-parse "$T^")" = "$A3" ] && ok "the remote has the pending tree, on top of its history" || bad "the remote has the pending tree, on top of its history"
git -C "$TMP/arts.git" fsck --strict >/dev/null 2>&1 && ok "and fsck is still clean" || bad "and fsck is still clean"

# someone else committed on the branch: the next artifact builds on it
git clone -q -b apps/helpdesk "$TMP/arts.git" "$TMP/other"
echo x > "$TMP/other/stray" && git -C "$TMP/other" add stray && git -C "$TMP/other" -c user.name=o -c user.email=o@o commit -qm stray && git -C "$TMP/other" push -q origin apps/helpdesk 2>/dev/null
S=$(tip "$TMP/arts.git" refs/heads/apps/helpdesk)
# (and a reference an interrupted push left in the scratch directory)
mkdir -p "$TMP/o/.appgen/artifacts.git/appgen-push/refs/heads/apps"
echo 0123456789012345678901234567890123456789 > "$TMP/o/.appgen/artifacts.git/appgen-push/refs/heads/apps/stale"
desc "fifth"
expect_exit 0 "a remote that moved: the push still succeeds" "$AG" build --repo "$R" --out "$TMP/o" --push
[ ! -e "$TMP/o/.appgen/artifacts.git/appgen-push/refs/heads/apps/stale" ] && ok "the interrupted push's scratch reference is gone" || bad "the interrupted push's scratch reference is gone"
[ "$(git -C "$TMP/arts.git" rev-parse apps/helpdesk^)" = "$S" ] && ok "the new artifact's parent is the other commit (nothing lost)" || bad "the new artifact's parent is the other commit (nothing lost)"
git -C "$TMP/arts.git" cat-file -e apps/helpdesk:stray 2>/dev/null && bad "the tree is exactly the app's" || ok "the tree is exactly the app's"

# repo-per-app
mkdir -p "$TMP/per" && git init -q --bare "$TMP/per/helpdesk.git" && git init -q --bare "$TMP/per/sales-crm.git"
printf '{"artifacts": {"layout": "repo-per-app", "remote": "file://%s/per/{slug}.git", "branch": "deploy"}}\n' "$TMP" > "$R/appgen.json"
git -C "$R" commit -qam "repo per app"
expect_exit 0 "repo-per-app --push" "$AG" build --repo "$R" --out "$TMP/q" --push
[ -n "$(tip "$TMP/per/helpdesk.git" refs/heads/deploy)" ] && [ -n "$(tip "$TMP/per/sales-crm.git" refs/heads/deploy)" ] \
	&& ok "each app in its own repository, on the configured branch" || bad "each app in its own repository, on the configured branch"
# someone else committed on one app's repository: its next artifact builds on that
git clone -q -b deploy "$TMP/per/helpdesk.git" "$TMP/other2"
echo x > "$TMP/other2/stray" && git -C "$TMP/other2" add stray && git -C "$TMP/other2" -c user.name=o -c user.email=o@o commit -qm stray && git -C "$TMP/other2" push -q origin deploy 2>/dev/null
S=$(tip "$TMP/per/helpdesk.git" refs/heads/deploy)
desc "sixth"
expect_exit 0 "repo-per-app: a remote that moved, the push still succeeds" "$AG" build --repo "$R" --out "$TMP/q" --push
[ "$(git -C "$TMP/per/helpdesk.git" rev-parse deploy^)" = "$S" ] && ok "repo-per-app: the new artifact's parent is the other commit" || bad "repo-per-app: the new artifact's parent is the other commit"
python3 - "$TMP/q/build.json" "$(tip "$TMP/per/helpdesk.git" refs/heads/deploy)" <<'PY' && ok "build.json reports the artifact the remote has" || bad "build.json reports the artifact the remote has"
import json, sys
r = {a["slug"]: a for a in json.load(open(sys.argv[1]))["apps"]}
assert r["helpdesk"]["artifact"] == sys.argv[2] and r["helpdesk"]["pushed"], r["helpdesk"]
PY
git -C "$TMP/per/helpdesk.git" fsck --strict >/dev/null 2>&1 && ok "repo-per-app: fsck is clean" || bad "repo-per-app: fsck is clean"

# configuration errors
printf '{"artifacts": {"layout": "tree-per-app", "remote": "x"}}\n' > "$R/appgen.json" && git -C "$R" commit -qam "bad layout"
expect_exit 1 "an invalid appgen.json: exit 1" "$AG" build --repo "$R" --out "$TMP/q" --push
expect_grep "$TMP/err" '^appgen.json:1:[0-9]+: error\[E801\]' "located E801 diagnostic"
printf '{}\n' > "$R/appgen.json" && git -C "$R" commit -qam "no artifacts"
expect_exit 3 "--push without artifacts: exit 3" "$AG" build --repo "$R" --out "$TMP/q" --push
expect_exit 2 "--push --worktree: usage error" "$AG" build --repo "$R" --worktree --push
finish
