# t0049: concurrency and faults - the out-dir lock, kill -9 mid-build, a
# broken blueprint that keeps its last good tree and artifact.
. "$(dirname "$0")/lib.sh"
R=$TMP/repo
git_repo "$R" sales-crm helpdesk people-hr
# 40 more apps, so a build takes a while
for n in $(seq 1 40); do
	sed "s/\"slug\": \"helpdesk\"/\"slug\": \"help-$n\"/" "$BP/helpdesk.json" > "$R/blueprints/help-$n.json"
done
git -C "$R" add -A && git -C "$R" commit -qm "many"
"$AG" -q build --repo "$R" --out "$TMP/ref" >/dev/null 2>&1

# the lock: a build waits while another holds <out>/.appgen/lock
mkdir -p "$TMP/o/.appgen"
flock "$TMP/o/.appgen/lock" sleep 3 &
holder=$!
sleep 0.5
"$AG" -q build --repo "$R" --out "$TMP/o" >/dev/null 2>&1 &
builder=$!
sleep 1.5
if [ -f "$TMP/o/build.json" ]; then bad "a build waits for the lock"; else ok "a build waits for the lock"; fi
wait "$holder"
wait "$builder" && ok "then completes" || bad "then completes"
diff -r "$TMP/ref/apps" "$TMP/o/apps" >/dev/null && ok "with the same trees" || bad "with the same trees"

# two builds at once on one out dir: both succeed, nothing interleaves
rm -rf "$TMP/o2"
"$AG" -q build --repo "$R" --out "$TMP/o2" --force >/dev/null 2>"$TMP/b1.err" &
a=$!
"$AG" -q build --repo "$R" --out "$TMP/o2" --force >/dev/null 2>"$TMP/b2.err" &
b=$!
wait "$a" && wait "$b" && ok "two concurrent builds both succeed" || bad "two concurrent builds both succeed" "$(cat "$TMP/b1.err" "$TMP/b2.err")"
diff -r "$TMP/ref/apps" "$TMP/o2/apps" >/dev/null && ok "and leave the same trees as one build" || bad "and leave the same trees as one build"
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); assert len(c["apps"]) == 43' "$TMP/o2/.appgen/cache.json" \
	&& ok "and a whole cache" || bad "and a whole cache"

# kill -9 in the middle of a build: every tree is old or new, never half
rm -rf "$TMP/o3"
"$AG" -q build --repo "$R" --out "$TMP/o3" --jobs 2 >/dev/null 2>&1 &
k=$!
i=0
while [ "$(ls "$TMP/o3/apps" 2>/dev/null | wc -l)" -lt 5 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$k" 2>/dev/null
wait "$k" 2>/dev/null
if [ -f "$TMP/o3/build.json" ]; then
	ok "kill -9 mid-build (the build had already finished: nothing to check)"
else
	ok "kill -9 mid-build"
fi
half=""
for d in "$TMP"/o3/apps/*/; do
	s=$(basename "$d")
	diff -r "$TMP/ref/apps/$s" "$d" >/dev/null 2>&1 || half="$half $s"
done
[ -z "$half" ] && ok "every tree present is complete" || bad "every tree present is complete" "$half"
expect_exit 0 "the next build completes" "$AG" build --repo "$R" --out "$TMP/o3"
diff -r "$TMP/ref/apps" "$TMP/o3/apps" >/dev/null && ok "with every tree" || bad "with every tree"
[ -z "$(find "$TMP/o3/apps" -maxdepth 1 -name '.*')" ] && ok "and no staging leftovers" || bad "and no staging leftovers" "$(ls -a "$TMP/o3/apps" | head)"

# a broken blueprint keeps its last good tree and artifact; the others go on
git init -q --bare "$TMP/arts.git"
printf '{"artifacts": {"layout": "branch-per-app", "remote": "../arts.git"}}\n' > "$R/appgen.json"
git -C "$R" add -A && git -C "$R" commit -qm "artifacts"
"$AG" -q build --repo "$R" --out "$TMP/o4" --push >/dev/null 2>&1
good=$(git -C "$TMP/arts.git" rev-parse apps/helpdesk)
sed 's/"type": "text"/"type": "txt"/' "$BP/helpdesk.json" > "$R/blueprints/helpdesk.json"
python3 - "$BP/sales-crm.json" "$R/blueprints/sales-crm.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["app"]["description"] = "changed"; json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
git -C "$R" commit -qam "break helpdesk, change crm"
crm=$(git -C "$TMP/arts.git" rev-parse apps/sales-crm)
expect_exit 1 "a broken blueprint: exit 1" "$AG" build --repo "$R" --out "$TMP/o4" --push
[ "$(git -C "$TMP/arts.git" rev-parse apps/helpdesk)" = "$good" ] && ok "its artifact stays the last good one" || bad "its artifact stays the last good one"
diff -r "$TMP/ref/apps/helpdesk" "$TMP/o4/apps/helpdesk" >/dev/null && ok "so does its tree" || bad "so does its tree"
[ "$(git -C "$TMP/arts.git" rev-parse apps/sales-crm)" != "$crm" ] && ok "the other apps are published" || bad "the other apps are published"
finish
