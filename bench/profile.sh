#!/bin/sh
# bench/profile.sh - where the time of `appgen build` goes (from the repo root).
#
#     sh bench/profile.sh [TABLES [APPS]]      default: 20 tables, 4 apps
#
# Builds a repository of APPS different generated apps of TABLES tables each
# (bench/gen.py sized --rich) with --jobs 1, with the emitters and templates
# of the work tree (lua/, templates/, as .appgen/ overrides), three times:
#   1. under callgrind, dumping a profile part before each stage of each app
#      (IR -> cJSON, cJSON -> Lua, every emitter, blueprint.json, write):
#      instructions per stage, per warm app (bench/buildstat.py stages);
#   2. under callgrind: the functions with the highest inclusive cost;
#   3. with bench/luaprof.so preloaded (built here from bench/luaprof.c):
#      Lua VM instructions per emitter source file and line.
# Instruction counts do not depend on the load of the machine, unlike the
# times of bench/run.sh. Needs valgrind and a C compiler; the Lua headers
# (liblua5.4-dev) for luaprof. Everything is written under a temp directory,
# removed at exit. Environment: APPGEN (./appgen), PYTHON (python3),
# BENCH_SEED (42), PROFILE_KEEP=1 keeps the temp directory.
set -eu

APPGEN=${APPGEN:-./appgen}
PYTHON=${PYTHON:-python3}
SEED=${BENCH_SEED:-42}
TABLES=${1:-20}
APPS=${2:-4}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

die() { printf 'profile: %s\n' "$*" >&2; exit 1; }

[ -x "$APPGEN" ] || die "$APPGEN not found; run 'make' first"
command -v valgrind >/dev/null 2>&1 || die "valgrind not found"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/appgen-profile.XXXXXX") || die "mktemp failed"
if [ -z "${PROFILE_KEEP:-}" ]; then trap 'rm -rf "$TMP"' EXIT; else echo "keeping $TMP"; fi
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$APPGEN" "$TMP/appgen"
R=$TMP/repo
"$PYTHON" "$HERE/gen.py" sized "$R/blueprints" "$APPS" "$TABLES" --rich --seed "$SEED"
# lua/ and templates/ of the work tree as the repository's overrides: the
# build runs exactly the sources the reports quote, even when ./appgen was
# built from older ones
mkdir -p "$R/.appgen"
cp -R "$ROOT/lua" "$ROOT/templates" "$R/.appgen/"
"$TMP/appgen" build --worktree --repo "$R" --out "$TMP/out" --jobs 1 >"$TMP/build.log" 2>&1 ||
	{ sed -n '1,20p' "$TMP/build.log" >&2; die "the build fails; nothing to profile"; }

echo "appgen build --jobs 1 of $APPS apps of $TABLES tables ($($TMP/appgen --version | head -n 1))"
echo
echo "== instructions per stage (callgrind)"
rm -rf "$TMP/out"
(cd "$TMP" && valgrind --tool=callgrind --callgrind-out-file=cg.out \
	--dump-before=ag_ir_to_json --dump-before=push_app --dump-before=run_emitter \
	--dump-before=ag_json_write --dump-before=ag_write_tree \
	./appgen build --worktree --repo "$R" --out "$TMP/out" --jobs 1) >"$TMP/cg.log" 2>&1 ||
	{ tail -n 20 "$TMP/cg.log" >&2; die "callgrind run failed"; }
"$PYTHON" "$HERE/buildstat.py" stages "$TMP/cg.out" "$R/.appgen/lua/emitters/_manifest.lua"

echo
echo "== the whole run: highest inclusive cost (callgrind, a recursive function counted once)"
rm -rf "$TMP/out"
(cd "$TMP" && valgrind --tool=callgrind --callgrind-out-file=all.out \
	./appgen build --worktree --repo "$R" --out "$TMP/out" --jobs 1) >"$TMP/cg.log" 2>&1
callgrind_annotate --auto=no --inclusive=yes "$TMP/all.out" 2>/dev/null |
	grep -E '^ *[0-9,]+ \(.*\]$' | grep -v "'[0-9]" |
	grep -v -E 'below main|libc-start|ld-linux|/cli/|build\.c:|ag_lua_pcall|lua_pcallk|lua_callk|0x0000' |
	sed -n '1,30p'

if command -v cc >/dev/null 2>&1 && [ -f /usr/include/lua5.4/lua.h ]; then
	echo
	echo "== Lua VM instructions per source line (bench/luaprof.c)"
	cc -O2 -shared -fPIC -I/usr/include/lua5.4 -o "$TMP/luaprof.so" "$HERE/luaprof.c" -ldl
	rm -rf "$TMP/out"
	LUAPROF_OUT=$TMP/luaprof.out LD_PRELOAD=$TMP/luaprof.so \
		"$TMP/appgen" build --worktree --repo "$R" --out "$TMP/out" --jobs 1 >/dev/null 2>&1
	"$PYTHON" "$HERE/buildstat.py" lines "$TMP/luaprof.out" "$ROOT"
	echo "(VM instructions only: time in C functions - string.gsub, table.concat, ag.* - is in the callgrind lists)"
else
	echo "(no C compiler or no /usr/include/lua5.4/lua.h: Lua line profile skipped)"
fi
