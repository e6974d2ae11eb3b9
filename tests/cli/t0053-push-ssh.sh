# t0053: appgen build --push over ssh: a real sshd on loopback (started
# here with its own host key and config), keys from an ssh-agent, the host
# checked against ~/.ssh/known_hosts (HOME is a temp dir).
. "$(dirname "$0")/lib.sh"
S=$TMP/ssh
mkdir -p "$S" "$TMP/home/.ssh"
SSHD=/usr/sbin/sshd
for c in "$SSHD" ssh-keygen ssh-agent ssh-add ssh-keyscan; do
	command -v "$c" >/dev/null 2>&1 || { bad "$c is installed (scripts/deps.sh test installs openssh-server)"; finish; exit 1; }
done
USER_NAME=$(id -un)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$S/host" && ssh-keygen -q -t ed25519 -N '' -C appgen-test -f "$S/id" &&
	cp "$S/id.pub" "$S/authorized_keys" && chmod 600 "$S/authorized_keys"
cat > "$S/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $S/host
AuthorizedKeysFile $S/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $USER_NAME
UsePAM no
StrictModes no
PidFile $S/sshd.pid
EOF
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
"$SSHD" -f "$S/sshd_config" -E "$S/sshd.log"
eval "$(ssh-agent -s)" >/dev/null
AGENT_SOCK=$SSH_AUTH_SOCK
unset SSH_AUTH_SOCK
trap '[ -f "$S/sshd.pid" ] && kill "$(cat "$S/sshd.pid")" 2>/dev/null; kill "$SSH_AGENT_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
while ! ssh-keyscan -p "$PORT" -t ed25519 127.0.0.1 >"$S/keyscan" 2>/dev/null || [ ! -s "$S/keyscan" ]; do
	i=$((i + 1)); [ $i -ge 50 ] && break; sleep 0.1
done
[ -s "$S/keyscan" ] && ok "sshd is up on 127.0.0.1:$PORT" || bad "sshd is up" "$(cat "$S/sshd.log")"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$S/stranger"
SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -q "$S/stranger" 2>/dev/null && ok "a key the server does not accept is in the agent" || bad "a key the server does not accept is in the agent"
export HOME=$TMP/home

R=$TMP/repo
git_repo "$R" sales-crm helpdesk
export APPGEN_PUSH_DELAY_MS=10
git init -q --bare "$S/arts.git"
URL=ssh://$USER_NAME@127.0.0.1:$PORT$S/arts.git
printf '{"artifacts": {"layout": "branch-per-app", "remote": "%s"}}\n' "$URL" > "$R/appgen.json"
git -C "$R" add -A && git -C "$R" commit -qm "artifacts over ssh"
A=$S/arts.git

# a host that is not in known_hosts is not trusted
SSH_AUTH_SOCK=$AGENT_SOCK expect_exit 3 "an unknown host key: exit 3" "$AG" build --repo "$R" --out "$TMP/o" --push
expect_grep "$TMP/err" "cannot fetch the artifact branches from '$URL'.*host ?key" "it says the host key is unknown"
[ -z "$(tip "$A" refs/heads/apps/helpdesk)" ] && ok "nothing reached the remote" || bad "nothing reached the remote"
cp "$S/keyscan" "$HOME/.ssh/known_hosts"

# a known host, but no agent: said so
expect_exit 3 "no ssh-agent: exit 3" "$AG" build --repo "$R" --out "$TMP/o" --push
expect_grep "$TMP/err" 'wants an ssh-agent \(SSH_AUTH_SOCK is not set\)' "it says an ssh-agent is wanted"

# an agent whose keys the server refuses: said so
SSH_AUTH_SOCK=$AGENT_SOCK expect_exit 3 "refused agent keys: exit 3" "$AG" build --repo "$R" --out "$TMP/o" --push
expect_grep "$TMP/err" "wants a key the ssh-agent does not hold" "it says the agent's keys were refused"
SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -q -D 2>/dev/null
SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -q "$S/id" 2>/dev/null && ok "the accepted key is in the agent" || bad "the accepted key is in the agent"

# the agent's key: everything goes out
SSH_AUTH_SOCK=$AGENT_SOCK expect_exit 0 "with the agent: the apps are committed and pushed" "$AG" build --repo "$R" --out "$TMP/o" --push
A1=$(tip "$A" refs/heads/apps/helpdesk)
[ -n "$A1" ] && [ -n "$(tip "$A" refs/heads/apps/sales-crm)" ] && ok "both branches are on the remote" || bad "both branches are on the remote" "$(git -C "$A" branch -a)"
git -C "$A" fsck --strict >/dev/null 2>&1 && ok "git fsck --strict of the remote is clean" || bad "git fsck --strict of the remote is clean"
git clone -q -b apps/helpdesk "$A" "$TMP/clone" 2>/dev/null && diff -r -x .git "$TMP/clone" "$TMP/o/apps/helpdesk" >/dev/null &&
	ok "the branch holds the app tree" || bad "the branch holds the app tree"

# a change: one commit on top
desc "over ssh"
SSH_AUTH_SOCK=$AGENT_SOCK expect_exit 0 "a change is pushed" "$AG" build --repo "$R" --out "$TMP/o" --push
A2=$(tip "$A" refs/heads/apps/helpdesk)
[ "$A2" != "$A1" ] && [ "$(git -C "$A" rev-parse "$A2^")" = "$A1" ] && ok "one commit, whose parent is the previous artifact" || bad "one commit, whose parent is the previous artifact"

# someone else pushed over ssh: the next artifact builds on it
export GIT_SSH_COMMAND="ssh -i $S/id -o IdentitiesOnly=yes -o UserKnownHostsFile=$HOME/.ssh/known_hosts -p $PORT"
git clone -q -b apps/helpdesk "ssh://$USER_NAME@127.0.0.1$S/arts.git" "$TMP/other" 2>/dev/null
echo x > "$TMP/other/stray" && git -C "$TMP/other" add stray && git -C "$TMP/other" -c user.name=o -c user.email=o@o commit -qm stray &&
	git -C "$TMP/other" push -q origin apps/helpdesk 2>/dev/null
unset GIT_SSH_COMMAND
O=$(tip "$A" refs/heads/apps/helpdesk)
[ "$O" != "$A2" ] && ok "another client pushed over ssh" || bad "another client pushed over ssh"
desc "after the other"
SSH_AUTH_SOCK=$AGENT_SOCK expect_exit 0 "a remote that moved: the push still succeeds" "$AG" build --repo "$R" --out "$TMP/o" --push
[ "$(git -C "$A" rev-parse apps/helpdesk^)" = "$O" ] && ok "the new artifact's parent is the other commit" || bad "the new artifact's parent is the other commit"
git -C "$A" fsck --strict >/dev/null 2>&1 && ok "and fsck is still clean" || bad "and fsck is still clean"
finish
