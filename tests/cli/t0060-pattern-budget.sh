# t0060: an override whose string pattern backtracks without end fails its
# app quickly with the budget error (E702); the other apps still build.
. "$(dirname "$0")/lib.sh"
BP=$PWD/blueprints
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
R=$TMP/repo
mkdir -p "$R/blueprints" "$R/.appgen/lua/emitters"
git -c init.defaultBranch=main init -q "$R"
cp "$BP/helpdesk.json" "$BP/sales-crm.json" "$R/blueprints/"
# Only the probe runs (the manifest is overridable too): the test is about
# the sandbox, whatever the built-in emitters do today.
printf 'return { "emitters.probe" }\n' > "$R/.appgen/lua/emitters/_manifest.lua"

# probe WHICH: the helpdesk app runs the call WHICH; every app then writes
# probe.txt with a few ordinary pattern results.
probe() {
	cat > "$R/.appgen/lua/emitters/probe.lua" <<LUA
return { emit = function(app, ctx)
	local s = string.rep("a", 20000)
	if app.app.slug == "helpdesk" then
		$1
	end
	local words = {}
	for w in ("one two three"):gmatch("%a+") do words[#words + 1] = w:upper() end
	ctx:file("probe.txt", table.concat(words, ",") .. " " .. (("x-y"):gsub("%-", "_")) .. "\n")
end }
LUA
	git -C "$R" add -A && git -C "$R" commit -qm "probe: $1"
}

probe 'local _ = 1'
expect_exit 0 "the probe builds both apps" "$AG" build --repo "$R" --out "$TMP/build"
expect_grep "$TMP/build/apps/helpdesk/probe.txt" '^ONE,TWO,THREE x_y$' "patterns work in the sandbox"

n=0
for call in 's:find(".-.-.-.-b")' 'string.match(s, ("a*"):rep(30) .. "b")' \
	'for _ in s:gmatch(".-.-.-b") do end' 's:gsub("a-a-a-a-b", "")' \
	'pcall(string.find, s, ".-.-.-.-b")'; do
	n=$((n + 1))
	probe "$call"
	start=$(date +%s)
	expect_exit 1 "$n: $call fails the build" timeout 60 "$AG" build --repo "$R" --out "$TMP/build"
	secs=$(($(date +%s) - start))
	[ "$secs" -le 20 ] && ok "$n: and quickly (${secs}s)" || bad "$n: and quickly" "took ${secs}s"
	expect_grep "$TMP/err" "helpdesk.json: error\[E702\]: emitter 'emitters.probe' failed: .*instruction budget exhausted" \
		"$n: E702 names the emitter"
	expect_no_grep "$TMP/err" "sales-crm.json: error" "$n: no diagnostic for the other app"
	expect_grep "$TMP/err" 'sales-crm +compiled' "$n: the other app builds"
	python3 - "$TMP/build/build.json" <<'PY' && ok "$n: build.json: helpdesk failed, sales-crm succeeded" || bad "$n: build.json: helpdesk failed, sales-crm succeeded"
import json, sys
r = {a["slug"]: a for a in json.load(open(sys.argv[1]))["apps"]}
assert r["helpdesk"]["status"] == "failed" and r["helpdesk"]["diagnostics"][0]["code"] == "E702", r["helpdesk"]
assert r["sales-crm"]["status"] == "succeeded"
PY
done
finish
