# t0055: appgen report merge - the shards' reports of one build as one.
. "$(dirname "$0")/lib.sh"
R=$TMP/repo
git_repo "$R" sales-crm helpdesk people-hr corner-shop event-board
"$AG" -q build --repo "$R" --out "$TMP/all" >/dev/null 2>&1
for i in 1 2 3; do "$AG" -q build --repo "$R" --out "$TMP/s$i" --shard "$i/3" >/dev/null 2>&1; done
expect_exit 0 "merge three shard reports" "$AG" report merge -o "$TMP/merged.json" "$TMP/s1/build.json" "$TMP/s2/build.json" "$TMP/s3/build.json"
python3 - "$TMP/merged.json" "$TMP/all/build.json" <<'PY' && ok "the merge equals the report of one whole build (but timings)" || bad "the merge equals the report of one whole build (but timings)"
import json, sys
m, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def apps(r):
    out = []
    for x in r["apps"]:
        x = dict(x); x.pop("timings_ms"); out.append(x)
    return out
assert apps(m) == apps(a), (apps(m), apps(a))
assert m["sourceCommit"] == a["sourceCommit"]
for k in ("apps", "succeeded", "failed", "skipped"):
    assert m["totals"][k] == a["totals"][k], k
assert m["totals"]["shards"] == 3 and m["totals"]["skipped"] == 0
PY
"$AG" report merge "$TMP/s2/build.json" "$TMP/s1/build.json" "$TMP/s3/build.json" > "$TMP/merged2.json"
cmp -s "$TMP/merged.json" "$TMP/merged2.json" && ok "the order of the reports does not matter" || bad "the order of the reports does not matter"
expect_exit 1 "the same shard twice" "$AG" report merge "$TMP/s1/build.json" "$TMP/s1/build.json"
expect_grep "$TMP/err" 'built by two shards' "says an app was built twice"
python3 - "$R/blueprints/helpdesk.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["app"]["description"] = "x"; json.dump(d, open(sys.argv[1], "w"))
PY
git -C "$R" commit -qam change
"$AG" -q build --repo "$R" --out "$TMP/t1" --shard 1/3 >/dev/null 2>&1
expect_exit 1 "shards of different commits" "$AG" report merge "$TMP/t1/build.json" "$TMP/s2/build.json"
expect_grep "$TMP/err" 'only the shards of one build' "says why"
printf '{"apps": 3}' > "$TMP/bad.json"
expect_exit 1 "not a report" "$AG" report merge "$TMP/bad.json"
expect_exit 2 "no reports" "$AG" report merge
expect_exit 3 "a missing file" "$AG" report merge "$TMP/none.json"
finish
