# t0050: a blueprint repository overrides a built-in emitter under .appgen/;
# a broken override fails the app with a diagnostic naming the emitter.
. "$(dirname "$0")/lib.sh"
BP=$PWD/blueprints
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
R=$TMP/repo
mkdir -p "$R/blueprints" "$R/.appgen/lua/emitters/db"
git -c init.defaultBranch=main init -q "$R"
cp "$BP/helpdesk.json" "$R/blueprints/"
cat > "$R/.appgen/lua/emitters/db/teardown.lua" <<'LUA'
-- an override: the teardown of this repository keeps a backup schema
return { emit = function(app, ctx)
	ctx:file("db/teardown.sql", "-- overridden by the repository\nALTER SCHEMA " ..
		ag.sql.ident(app.app.dbSchema) .. " RENAME TO " .. ag.sql.ident(app.app.dbSchema .. "_old") .. ";\n")
end }
LUA
git -C "$R" add -A && git -C "$R" commit -qm "override teardown"
expect_exit 0 "build with an override" "$AG" build --repo "$R" --out "$TMP/build"
expect_grep "$TMP/build/apps/helpdesk/db/teardown.sql" '^-- overridden by the repository' "the override replaced the built-in emitter"
expect_grep "$TMP/build/apps/helpdesk/db/teardown.sql" 'RENAME TO "app_helpdesk_old"' "the override sees the IR"
[ -f "$TMP/build/apps/helpdesk/db/migrations/0001_init.sql" ] && ok "other built-in emitters still run" || bad "other built-in emitters still run"

printf 'return { emit = function(app, ctx) local t = {} while true do t[#t + 1] = 1 end end }\n' \
	> "$R/.appgen/lua/emitters/db/teardown.lua"
git -C "$R" commit -qam "runaway override"
expect_exit 1 "a runaway override fails the app" "$AG" build --repo "$R" --out "$TMP/build"
expect_grep "$TMP/err" "error\[E70[23]\]: emitter 'emitters.db.teardown'" "the diagnostic names the emitter"
expect_grep "$TMP/build/apps/helpdesk/db/teardown.sql" '^-- overridden by the repository' "the last good tree is kept"

printf 'return { emit = function(app, ctx) ctx:file("../escape.txt", "x") end }\n' \
	> "$R/.appgen/lua/emitters/db/teardown.lua"
git -C "$R" commit -qam "escaping override"
expect_exit 1 "an override cannot write outside the app tree" "$AG" build --repo "$R" --out "$TMP/build"
[ ! -e "$TMP/build/apps/escape.txt" ] && [ ! -e "$TMP/build/escape.txt" ] && ok "nothing written outside" || bad "nothing written outside"

printf 'return { emit = function(app, ctx) ctx:file("x", io.open("/etc/passwd"):read("a")) end }\n' \
	> "$R/.appgen/lua/emitters/db/teardown.lua"
git -C "$R" commit -qam "io override"
expect_exit 1 "an override has no io" "$AG" build --repo "$R" --out "$TMP/build"
expect_grep "$TMP/err" "error\[E701\]" "E701 for a failing emitter"
finish
