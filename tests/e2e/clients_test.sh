#!/bin/sh
# clients_test.sh - black-box clients against the generated backends.
#
# Run from the repository root with ./appgen built:  sh tests/e2e/clients_test.sh
#
#   - builds blueprints/ into a temp dir;
#   - installs the Refine client's exact pins (tests/e2e/clients/
#     package-lock.json) with `npm ci --cache ~/.cache/npm --prefer-offline`
#     into tests/e2e/clients/node_modules, again only when the lock changed;
#   - the backend venv from the generated requirements.txt, as
#     backend_test.sh does (~/.cache/appgen/backend-venv/<hash>);
#   - a private PostgreSQL (unix socket only); for every app of
#     blueprints/ (auth on: the bootstrap admin logs in with POST
#     /auth/login; a stopped app is skipped): the app's NOSUPERUSER
#     NOBYPASSRLS role and database,
#     every db/migrations/*.sql applied in order as that role, uvicorn on a
#     free loopback port;
#   - clients/specs.py makes a spec per table from the app's IR (creating
#     the foreign-key parents first) and clients/refine_client.mjs runs the
#     Refine data-provider checks on EVERY table;
#   - clients/schemathesis.sh: no 5xx over every operation of /openapi.json;
#   - no traceback in the server log.
#
# APPS="event-board sales-crm" picks the apps (default: all of blueprints/); SKIP_SCHEMATHESIS=1 leaves
# Schemathesis out (ST_* settings pass through to schemathesis.sh); LOGS=DIR
# keeps every log (server, clients, Schemathesis) and spec in DIR. Prints "ok ..." / "FAIL ..." lines and "N passed, N
# failed"; exits 1 on a failure. Needs node (>= 18) and npm: on Debian the
# packages nodejs and npm.
set -u

AG=${AG:-$PWD/appgen}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CLIENTS=$HERE/clients
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
PGPORT_=5443
APPS=${APPS:-$(cd "$ROOT/blueprints" && ls *.json | sed 's/\.json$//')}
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD=admin-pass-123
SECRET=clients-test-secret-key-0123456789abcdef
. "$HERE/lib.sh"

if [ ! -x "$AG" ]; then
	bad "no appgen binary at $AG (run make first)"
	finish
fi

T=$(mktemp -d /tmp/agcl.XXXXXX) || exit 1
chmod 755 "$T"
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pg_stop "$T"
	if [ -n "${LOGS:-}" ]; then
		mkdir -p "$LOGS" && cp "$T"/*.log "$LOGS"/ && cp -r "$T/specs" "$LOGS"/ 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# elapsed START: seconds since START (from `date +%s`).
elapsed() { echo "$(($(date +%s) - $1)) s"; }

# ---- node + the Refine client's packages ---------------------------------------

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	bad "node and npm are on PATH (the Refine client needs them; Debian: apt-get install nodejs npm)"
	finish
fi
nodev=$(node --version)
case $nodev in
v1[89].* | v[2-9][0-9].*) ok "node $nodev, npm $(npm --version 2>/dev/null)" ;;
*)
	bad "node >= 18 (found $nodev)"
	finish
	;;
esac
if cmp -s "$CLIENTS/package-lock.json" "$CLIENTS/node_modules/.appgen-lock" 2>/dev/null; then
	ok "Refine client packages already installed from package-lock.json"
elif (cd "$CLIENTS" && npm ci --cache "$HOME/.cache/npm" --prefer-offline --no-audit --no-fund) >"$T/npm.log" 2>&1 &&
	cp "$CLIENTS/package-lock.json" "$CLIENTS/node_modules/.appgen-lock"; then
	ok "npm ci of the Refine client's pins"
else
	bad "npm ci of the Refine client's pins" "$(tail -n 20 "$T/npm.log")"
	finish
fi

# ---- build -----------------------------------------------------------------

if "$AG" build --worktree --repo "$ROOT" --out "$T/out" >"$T/build.log" 2>&1; then
	ok "appgen build of blueprints/"
else
	bad "appgen build of blueprints/" "$(tail -n 20 "$T/build.log")"
	finish
fi
OUT=$T/out/apps

# ---- the backend venv --------------------------------------------------------

backend_venv "$OUT"

# ---- PostgreSQL ------------------------------------------------------------

pg_start "$T" "$PGPORT_"
# ---- every app ---------------------------------------------------------------

for slug in $APPS; do
	dir=$OUT/$slug
	if [ ! -f "$dir/blueprint.json" ]; then
		bad "$slug: in the build"
		continue
	fi
	ir() { "$VPY" -c "import json, sys; ir = json.load(open(sys.argv[1])); print($1)" "$dir/blueprint.json"; }
	if [ "$(ir 'ir["app"].get("status", "running")')" = stopped ]; then
		echo "skip $slug: app.status is stopped (every route but /health answers 503)"
		continue
	fi
	auth=$(ir 'int(ir["security"]["auth"]["enabled"])')
	u=$(echo "$slug" | tr - _)
	setup_db "$slug" "$dir" || continue
	if [ "$auth" = 1 ]; then
		start_app "$slug" "$dir" "app_$u" "db_$u" ADMIN_EMAIL=$ADMIN_EMAIL ADMIN_PASSWORD=$ADMIN_PASSWORD || continue
		if TOKEN=$("$VPY" "$CLIENTS/specs.py" login "$URL" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" 2>"$T/login.log"); then
			ok "$slug: the bootstrap admin logs in"
		else
			bad "$slug: the bootstrap admin logs in" "$(cat "$T/login.log")"
			stop_app
			continue
		fi
	else
		start_app "$slug" "$dir" "app_$u" "db_$u" || continue
		TOKEN=
	fi
	export TOKEN

	mkdir -p "$T/specs/$slug"
	if TOKEN=$TOKEN "$VPY" "$CLIENTS/specs.py" make "$dir/blueprint.json" "$URL" "$T/specs/$slug" >"$T/specs.$slug.log" 2>&1; then
		ok "$slug: a spec for every table (foreign-key parents created)"
	else
		bad "$slug: a spec for every table" "$(grep -v '^spec ' "$T/specs.$slug.log")"
	fi
	for table in $(ir '" ".join(ir["data"]["tableOrder"])'); do
		spec=$T/specs/$slug/$table.json
		[ -f "$spec" ] || continue
		t0=$(date +%s)
		BASE_URL=$URL TOKEN=$TOKEN node "$CLIENTS/refine_client.mjs" "$spec" >"$T/refine.$slug.$table.log" 2>&1
		rc=$?
		relay "$slug/" "$T/refine.$slug.$table.log"
		summary=$(grep ' passed, .* failed' "$T/refine.$slug.$table.log" | tail -n 1)
		if [ "$rc" = 0 ]; then
			ok "$slug/$table: Refine client: ${summary:-?} ($(elapsed "$t0"))"
		else
			bad "$slug/$table: Refine client exits 0 (exit $rc: ${summary:-no summary}; $(elapsed "$t0"))"
		fi
	done

	if [ "${SKIP_SCHEMATHESIS:-0}" = 1 ]; then
		echo "skip $slug: Schemathesis (SKIP_SCHEMATHESIS=1)"
	else
		t0=$(date +%s)
		if sh "$CLIENTS/schemathesis.sh" "$URL" "$TOKEN" >"$T/schemathesis.$slug.log" 2>&1; then
			ok "$slug: Schemathesis finds no server error ($(elapsed "$t0"))"
		else
			bad "$slug: Schemathesis finds no server error ($(elapsed "$t0"))" \
				"$(tail -n 2 "$T/schemathesis.$slug.log"; awk '/ FAILURES /{p=1} / (WARNINGS|SUMMARY) /{p=0} p && NF' "$T/schemathesis.$slug.log")"
		fi
	fi

	if grep -q "Traceback" "$T/uvicorn.$slug.log"; then
		bad "$slug: the server log has no traceback" "$(grep -A 25 Traceback "$T/uvicorn.$slug.log" | head -n 30)"
	else
		ok "$slug: the server log has no traceback"
	fi
	stop_app
done

finish
