# t0050: migrations from blueprint history: refused destructive and unsafe
# steps (located E230/E231), migrations.allowDestructive, renames, skipped
# invalid versions, and appgen diff. (tests/e2e/migrate_test.sh applies
# them on PostgreSQL.)
. "$(dirname "$0")/lib.sh"
R=$TMP/repo
git_repo "$R" sales-crm helpdesk
M=$TMP/o/apps/sales-crm/db/migrations
# change PY-STATEMENTS MESSAGE: edit sales-crm's blueprint (d) and commit
change() {
	python3 - "$R/blueprints/sales-crm.json" "$1" <<'PY'
import json, sys
path = sys.argv[1]
d = json.load(open(path))
def table(n): return next(t for t in d["data"]["tables"] if t["name"] == n)
def column(t, c): return next(x for x in table(t)["columns"] if x["name"] == c)
exec(sys.argv[2])
json.dump(d, open(path, "w"), indent=2)
open(path, "a").write("\n")
PY
	git -C "$R" commit -qam "$2"
}
migrations() { ls "$M" | tr '\n' ' '; }

expect_exit 0 "first build" "$AG" build --repo "$R" --out "$TMP/o"
[ "$(migrations)" = "0001_init.sql " ] && ok "one version: 0001_init.sql alone" || bad "one version: 0001_init.sql alone" "$(migrations)"

change 'table("activities")["columns"].append({"name": "scratch", "type": "text"})
d["data"]["tables"].append({"name": "scratchpad", "columns": [{"name": "body", "type": "text"}]})' "scratch"
expect_exit 0 "a column and a table added" "$AG" build --repo "$R" --out "$TMP/o"
[ "$(migrations)" = "0001_init.sql 0002_add_scratchpad_and_more.sql " ] && ok "0002 names its first step" || bad "0002 names its first step" "$(migrations)"

# a dropped column without allowDestructive: refused, located, the last tree stays
change 't = table("activities"); t["columns"] = [c for c in t["columns"] if c["name"] != "scratch"]' "drop scratch"
expect_exit 1 "dropping a column is refused" "$AG" --color=never build --repo "$R" --out "$TMP/o"
line=$(grep -n '"name": "activities"' "$R/blueprints/sales-crm.json" | cut -d: -f1)
expect_grep "$TMP/err" "^blueprints/sales-crm.json:$line:[0-9]+: error\\[E230\\]: this version would drop column activities.scratch and its data" "E230 at the table's name"
expect_grep "$TMP/err" 'add "drop column activities.scratch" to migrations.allowDestructive' "the hint names the entry to add"
[ "$(ls "$M" | wc -l)" -eq 2 ] && ok "the refused app keeps its last tree" || bad "the refused app keeps its last tree" "$(migrations)"
[ -f "$TMP/o/apps/helpdesk/README.md" ] && ok "the other app still builds" || bad "the other app still builds"
python3 -c 'import json,sys; a={x["slug"]: x for x in json.load(open(sys.argv[1]))["apps"]}["sales-crm"]; sys.exit(0 if a["status"] == "failed" and any(d["code"] == "E230" for d in a["diagnostics"]) else 1)' "$TMP/o/build.json" &&
	ok "build.json: failed, with the E230" || bad "build.json: failed, with the E230"

change 'd["migrations"] = {"allowDestructive": ["drop column activities.scratch"]}' "allow it"
expect_exit 0 "allowed in migrations.allowDestructive, it builds" "$AG" build --repo "$R" --out "$TMP/o"
f=0003_drop_activities_scratch.sql
[ -f "$M/$f" ] && ok "0003 drops (version 3 has no migration)" || bad "0003 drops" "$(migrations)"
expect_grep "$M/$f" '^ALTER TABLE "app_sales_crm"\."activities" DROP COLUMN "scratch";$' "0003 drops the column"
expect_grep "$M/$f" 'INSERT INTO "app_sales_crm"\."_migrations" \("version", "name"\) VALUES \(3, '"'"'drop_activities_scratch'"'"'\);' "0003 records itself"
expect_grep "$TMP/err" 'warning\[W903\]: version 3 \(commit [0-9a-f]{7}\) has no migration of its own: this version would drop' "W903 says why version 3 is left out"

# a new required column without a default: E231 at the column
change 'table("deals")["columns"].append({"name": "region", "type": "text", "required": True})' "required region"
expect_exit 1 "a required column without a default is refused" "$AG" --color=never build --repo "$R" --out "$TMP/o"
line=$(grep -n '"name": "region"' "$R/blueprints/sales-crm.json" | cut -d: -f1)
expect_grep "$TMP/err" "^blueprints/sales-crm.json:$line:[0-9]+: error\\[E231\\]: new required column deals.region has no default" "E231 at the column"
change 'column("deals", "region")["default"] = "emea"' "region default"
expect_exit 0 "with a default it builds" "$AG" build --repo "$R" --out "$TMP/o"
f=0004_add_deals_region.sql
expect_grep "$M/$f" 'ADD COLUMN "region" text NOT NULL DEFAULT '"'"'emea'"'"'::text;' "the column comes with its default"

# renames need no allowance: RENAME, never DROP + ADD
change 't = table("scratchpad"); t["name"], t["renamedFrom"] = "jottings", "scratchpad"
c = column("deals", "region"); c["name"], c["renamedFrom"] = "area", "region"' "renames"
expect_exit 0 "renames build" "$AG" --color=never build --repo "$R" --out "$TMP/o"
f=$(ls "$M" | sed -n 5p)
expect_grep "$M/$f" '^ALTER TABLE "app_sales_crm"\."scratchpad" RENAME TO "jottings";$' "a renamed table is renamed"
expect_grep "$M/$f" '^ALTER TABLE "app_sales_crm"\."deals" RENAME COLUMN "region" TO "area";$' "a renamed column is renamed"
expect_no_grep "$M/$f" 'DROP TABLE|DROP COLUMN' "nothing is dropped"

# appgen diff
expect_exit 0 "appgen diff SLUG" "$AG" diff --repo "$R" sales-crm
cmp -s "$TMP/out" "$M/$f" && ok "appgen diff prints the newest migration, byte for byte" || bad "appgen diff prints the newest migration" "$(diff "$TMP/out" "$M/$f" | head)"
expect_exit 0 "appgen diff SLUG REV_A" "$AG" diff --repo "$R" sales-crm HEAD~1
cmp -s "$TMP/out" "$M/$f" && ok "from the previous revision: the same file" || bad "from the previous revision: the same file"
expect_exit 0 "appgen diff SLUG REV_A REV_B" "$AG" diff --repo "$R" sales-crm HEAD~5 HEAD~3
expect_grep "$TMP/out" '^-- Migration 0003_drop_activities_scratch of schema app_sales_crm' "an older pair is numbered after REV_A's migrations"
expect_exit 1 "a pair whose step is refused" "$AG" --color=never diff --repo "$R" sales-crm HEAD~3 HEAD~2
expect_grep "$TMP/err" 'error\[E231\]' "diff reports the refusal"
expect_exit 0 "the same blueprint at both ends" "$AG" diff --repo "$R" sales-crm HEAD HEAD
[ ! -s "$TMP/out" ] && ok "no change: nothing on stdout" || bad "no change: nothing on stdout"
change 'column("deals", "area")["maxLength"] = 8' "area length"
python3 - "$R/blueprints/sales-crm.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
next(t for t in d["data"]["tables"] if t["name"] == "deals")["columns"].append({"name": "score", "type": "int", "min": 0})
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 0 "appgen diff --worktree" "$AG" diff --repo "$R" --worktree sales-crm
expect_grep "$TMP/out" '^-- Migration 0007_add_deals_score' "the uncommitted change is the next migration"
expect_grep "$TMP/out" 'ADD COLUMN "score" bigint;' "with its step"
expect_exit 1 "an unknown app" "$AG" diff --repo "$R" no-such-app
expect_grep "$TMP/err" 'no blueprints/no-such-app.json at HEAD' "says what is missing"
expect_exit 2 "no slug: usage error" "$AG" diff --repo "$R"
expect_exit 2 "a path is not a slug" "$AG" diff --repo "$R" ../x
expect_exit 1 "an unknown revision" "$AG" diff --repo "$R" sales-crm no-such-rev
finish
