# t0020: appgen check on files, directories, stdin; the three formats.
. "$(dirname "$0")/lib.sh"
BP=$PWD/blueprints

expect_exit 0 "the example blueprints are valid" "$AG" check "$BP"
(cd "$PWD" && "$AG" check >/dev/null 2>&1) && ok "check defaults to blueprints/" || bad "check defaults to blueprints/"
(cd "$TMP" && "$AG" check >"$TMP/o" 2>"$TMP/e"; echo $? >"$TMP/rc")
[ "$(cat "$TMP/rc")" = 2 ] && ok "no blueprints/ and no PATH is a usage error" || bad "no blueprints/ and no PATH is a usage error"

# a broken copy of a real blueprint: every problem reported, located
sed -e 's/"required": true/"requird": true/' "$BP/sales-crm.json" > "$TMP/sales-crm.json"
n=$(grep -c '"requird": true' "$TMP/sales-crm.json")
expect_exit 1 "a misspelt key fails" "$AG" check "$TMP/sales-crm.json"
expect_grep "$TMP/err" "sales-crm.json:[0-9]+:[0-9]+: error\[E101\]: unknown key \"requird\" in a column" "located E101"
expect_grep "$TMP/err" "hint: did you mean \"required\"\?" "did-you-mean hint"
expect_grep "$TMP/err" '^ +\| +.*\^~+' "caret under the source"
got=$(grep -c 'error\[E101\]' "$TMP/err")
[ "$got" -eq "$n" ] && ok "all $n errors reported, not just the first" || bad "all errors reported" "got $got of $n"

# json format on stdout, text on stderr
expect_exit 1 "--format json" "$AG" check --format json "$TMP/sales-crm.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"] == int(sys.argv[2]) and d["diagnostics"][0]["code"] == "E101"' "$TMP/out" "$n" \
	&& ok "json output parses and counts errors" || bad "json output parses and counts errors" "$(head -c 400 "$TMP/out")"

# SARIF 2.1.0 with rules and regions
expect_exit 1 "--format sarif" "$AG" check --format=sarif "$TMP/sales-crm.json"
python3 - "$TMP/out" <<'PY' && ok "sarif is 2.1.0 with located results" || bad "sarif is 2.1.0 with located results"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0"
run = d["runs"][0]
rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
assert "E101" in rules
r = run["results"][0]
assert r["ruleId"] == "E101" and rules[r["ruleIndex"]] == "E101"
reg = r["locations"][0]["physicalLocation"]["region"]
assert reg["startLine"] > 0 and reg["startColumn"] > 0
assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("sales-crm.json")
PY

# stdin
expect_exit 0 "stdin" sh -c "\"$AG\" check - < \"$BP/helpdesk.json\""
expect_exit 1 "stdin with a syntax error" sh -c "printf '{\"version\": 2,}' | \"$AG\" check -"
expect_grep "$TMP/err" '^-:1:15: error\[E001\]' "stdin diagnostics are named -"

# repo rules: file name = slug, unique slugs
mkdir -p "$TMP/repo/blueprints"
cp "$BP/helpdesk.json" "$TMP/repo/blueprints/desk.json"
expect_exit 1 "file name must be the slug" "$AG" check "$TMP/repo/blueprints"
expect_grep "$TMP/err" 'error\[E502\]' "E502 for a misnamed file"
mv "$TMP/repo/blueprints/desk.json" "$TMP/repo/blueprints/helpdesk.json"
expect_exit 0 "renamed file passes" "$AG" check "$TMP/repo/blueprints"
cp "$BP/helpdesk.json" "$TMP/other.json"
expect_exit 1 "duplicate slug across files" "$AG" check "$TMP/repo/blueprints" "$TMP/other.json"
expect_grep "$TMP/err" 'error\[E501\]' "E501 for a duplicate slug"

# quiet and color
expect_exit 1 "--quiet" "$AG" --quiet check "$TMP/sales-crm.json"
expect_no_grep "$TMP/err" 'files? checked' "--quiet drops the summary"
expect_exit 1 "--color=always" "$AG" --color=always check "$TMP/sales-crm.json"
expect_grep "$TMP/err" "$(printf '\033')\\[1;31merror" "--color=always colors errors"
expect_exit 1 "no color when piped" "$AG" check "$TMP/sales-crm.json"
expect_no_grep "$TMP/err" "$(printf '\033')" "no escape codes when not a terminal"

# binary and oversized input: located errors, exit 1, never a crash
head -c 4096 /bin/sh > "$TMP/bin.json"
expect_exit 1 "binary input" "$AG" check "$TMP/bin.json"
python3 -c 'import sys; open(sys.argv[1],"w").write("{\"a\": \"" + "x" * (9 * 1024 * 1024) + "\"}")' "$TMP/big.json"
expect_exit 1 "oversized input" "$AG" check "$TMP/big.json"
expect_grep "$TMP/err" 'error\[E005\]' "E005 for an oversized file"

# --print-ir
expect_exit 0 "--print-ir" "$AG" check --print-ir "$BP/sales-crm.json"
python3 - "$TMP/out" <<'PY' && ok "IR has system columns, schema and policies" || bad "IR has system columns, schema and policies"
import json, sys
ir = json.load(open(sys.argv[1]))
assert ir["format"] == "appgen-ir/1"
assert ir["app"]["dbSchema"] == "app_sales_crm"
cols = [c["name"] for c in ir["data"]["tables"][0]["columns"]]
assert cols[0] == "id" and cols[-3:] == ["created_at", "updated_at", "created_by"]
assert all(len(p["name"]) <= 63 for p in ir["security"]["policies"])
assert sorted(ir["data"]["tableOrder"]) == sorted(t["name"] for t in ir["data"]["tables"])
PY
"$AG" check --print-ir "$BP/sales-crm.json" > "$TMP/ir2"
cmp -s "$TMP/out" "$TMP/ir2" && ok "IR is byte-identical across runs" || bad "IR is byte-identical across runs"
# The IR names its source as given; from two directories, with another
# time zone and locale, the same relative path gives the same bytes.
mkdir -p "$TMP/d1/blueprints" "$TMP/d2/blueprints"
cp "$BP/sales-crm.json" "$TMP/d1/blueprints/"; cp "$BP/sales-crm.json" "$TMP/d2/blueprints/"
(cd "$TMP/d1" && "$AG" check --print-ir blueprints/sales-crm.json > ../ir3)
(cd "$TMP/d2" && TZ=Asia/Tokyo LC_ALL=C.UTF-8 "$AG" check --print-ir blueprints/sales-crm.json > ../ir4)
cmp -s "$TMP/ir3" "$TMP/ir4" && ok "IR does not depend on TZ, locale or directory" || bad "IR does not depend on TZ, locale or directory"
grep -q '"source": "blueprints/sales-crm.json"' "$TMP/ir3" && ok "IR names its source" || bad "IR names its source"
finish
