# t0052: appgen build --push over HTTP: Git's smart protocol (git
# http-backend behind Basic auth, tests/cli/git_http.py) with the token
# from APPGEN_GIT_TOKEN or GITHUB_TOKEN. The same code serves https (TLS is
# libgit2's stream underneath).
. "$(dirname "$0")/lib.sh"
R=$TMP/repo
git_repo "$R" sales-crm helpdesk
export APPGEN_PUSH_DELAY_MS=10
unset APPGEN_GIT_TOKEN GITHUB_TOKEN
SECRET=tok-$$-secret
mkdir -p "$TMP/srv"
git init -q --bare "$TMP/srv/arts.git"
python3 "$(dirname "$0")/git_http.py" "$TMP/srv" "$SECRET" "$TMP/port" 2>"$TMP/http.log" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$TMP/port" 2>/dev/null)
[ -n "$PORT" ] && ok "the HTTP Git server is up" || bad "the HTTP Git server is up" "$(cat "$TMP/http.log")"
URL=http://127.0.0.1:$PORT/arts.git
printf '{"artifacts": {"layout": "branch-per-app", "remote": "%s"}}\n' "$URL" > "$R/appgen.json"
git -C "$R" add -A && git -C "$R" commit -qm "artifacts over http"
A=$TMP/srv/arts.git

# no token: the server says 401; a fresh out dir cannot learn the remote's
# history, so it commits nothing yet
expect_exit 3 "no token: exit 3" "$AG" build --repo "$R" --out "$TMP/o" --push
expect_grep "$TMP/err" "cannot fetch the artifact branches from '$URL'.*wants a token \\(set APPGEN_GIT_TOKEN or GITHUB_TOKEN\\)" "it says a token is wanted, and where it goes"
expect_grep "$TMP/err" '2 apps not pushed' "it says what was not pushed"
[ -z "$(tip "$A" refs/heads/apps/helpdesk)" ] && ok "nothing reached the remote" || bad "nothing reached the remote"
[ -z "$(tip "$TMP/o/.appgen/artifacts.git" refs/heads/apps/helpdesk)" ] && ok "no commit without the remote's history" || bad "no commit without the remote's history"

# a wrong token: refused the same way, and said so
APPGEN_GIT_TOKEN=wrong expect_exit 3 "a wrong token: exit 3" "$AG" build --repo "$R" --out "$TMP/o" --push
expect_grep "$TMP/err" "refused the one in APPGEN_GIT_TOKEN" "it says the token was refused"
[ -z "$(tip "$A" refs/heads/apps/helpdesk)" ] && ok "still nothing on the remote" || bad "still nothing on the remote"

# the right token: everything goes out
APPGEN_GIT_TOKEN=$SECRET expect_exit 0 "APPGEN_GIT_TOKEN: the apps are committed and pushed" "$AG" build --repo "$R" --out "$TMP/o" --push
A1=$(tip "$A" refs/heads/apps/helpdesk)
[ -n "$A1" ] && [ -n "$(tip "$A" refs/heads/apps/sales-crm)" ] && ok "both branches are on the remote" || bad "both branches are on the remote" "$(git -C "$A" branch -a)"
[ "$A1" = "$(tip "$TMP/o/.appgen/artifacts.git" refs/heads/apps/helpdesk)" ] && ok "the remote has the staging commit" || bad "the remote has the staging commit"
git -C "$A" fsck --strict >/dev/null 2>&1 && ok "git fsck --strict of the remote is clean" || bad "git fsck --strict of the remote is clean"
grep -rqs "$SECRET" "$TMP/o" "$TMP/out" "$TMP/err" && bad "the token is written nowhere" "$(grep -rls "$SECRET" "$TMP/o" "$TMP/out" "$TMP/err")" || ok "the token is written nowhere"

# a change built without the token: committed, and it waits
desc "over http"
expect_exit 3 "a change without the token: exit 3" "$AG" build --repo "$R" --out "$TMP/o" --push
P=$(tip "$TMP/o/.appgen/artifacts.git" refs/heads/apps/helpdesk)
[ -n "$P" ] && [ "$P" != "$A1" ] && [ "$(tip "$A" refs/heads/apps/helpdesk)" = "$A1" ] && ok "the commit waits in the staging repository" || bad "the commit waits in the staging repository"
# GITHUB_TOKEN also serves: the next build pushes what waits
GITHUB_TOKEN=$SECRET expect_exit 0 "GITHUB_TOKEN: the waiting commit is pushed" "$AG" build --repo "$R" --out "$TMP/o" --push
A2=$(tip "$A" refs/heads/apps/helpdesk)
[ "$A2" = "$P" ] && ok "the remote has the commit that waited" || bad "the remote has the commit that waited"
[ "$A2" != "$A1" ] && [ "$(git -C "$A" rev-parse "$A2^")" = "$A1" ] && ok "one commit, whose parent is the previous artifact" || bad "one commit, whose parent is the previous artifact"
[ "$(git -C "$A" rev-list --count apps/sales-crm)" = 1 ] && ok "the unchanged app gets no commit" || bad "the unchanged app gets no commit"

# someone else pushed to the branch over HTTP: the next artifact builds on it
git -c "http.extraHeader=Authorization: Basic $(printf 'x-access-token:%s' "$SECRET" | base64)" clone -q -b apps/helpdesk "$URL" "$TMP/other" 2>/dev/null
echo x > "$TMP/other/stray" && git -C "$TMP/other" add stray && git -C "$TMP/other" -c user.name=o -c user.email=o@o commit -qm stray &&
	git -C "$TMP/other" -c "http.extraHeader=Authorization: Basic $(printf 'x-access-token:%s' "$SECRET" | base64)" push -q origin apps/helpdesk 2>/dev/null
S=$(tip "$A" refs/heads/apps/helpdesk)
[ "$S" != "$A2" ] && ok "another client pushed over HTTP" || bad "another client pushed over HTTP"
desc "after the other"
APPGEN_GIT_TOKEN=$SECRET expect_exit 0 "a remote that moved: the push still succeeds" "$AG" build --repo "$R" --out "$TMP/o" --push
[ "$(git -C "$A" rev-parse apps/helpdesk^)" = "$S" ] && ok "the new artifact's parent is the other commit" || bad "the new artifact's parent is the other commit"
git -C "$A" cat-file -e apps/helpdesk:stray 2>/dev/null && bad "the tree is exactly the app's" || ok "the tree is exactly the app's"
git -C "$A" fsck --strict >/dev/null 2>&1 && ok "and fsck is still clean" || bad "and fsck is still clean"

# a fresh out dir fetches over HTTP and continues the remote's history
APPGEN_GIT_TOKEN=$SECRET expect_exit 0 "a fresh out dir" "$AG" build --repo "$R" --out "$TMP/fresh" --push
[ "$(tip "$TMP/fresh/.appgen/artifacts.git" refs/heads/apps/helpdesk)" = "$(tip "$A" refs/heads/apps/helpdesk)" ] &&
	ok "finds the tree already published (no new commit)" || bad "finds the tree already published (no new commit)"
grep -q 'Authorization' "$TMP/http.log" && bad "the server log holds no credentials" || ok "the server log holds no credentials"
finish
