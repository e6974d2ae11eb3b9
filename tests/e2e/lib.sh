# lib.sh - what the end-to-end tests share (sourced, POSIX sh): the
# ok/bad/finish counters, a clean libpq environment, and a private
# PostgreSQL server in a temporary directory.
#
# venv DIR LABEL REQ...: a Python venv in DIR (made with $PY) from the
# requirement files, made once and reused while DIR/.complete exists; pip
# downloads are cached in ~/.cache/pip. Stops the test when pip fails.
#
# backend_venv APPS: the venv of the generated backends under APPS (every
# app's requirements.txt must pin the same), cached in
# ~/.cache/appgen/backend-venv/<hash of the pins>; sets VENV and VPY.
#
# After pg_start, for the app scripts (they set VPY, SECRET and pids=):
#   q USER DB psql-args...         psql on the private server
#   val USER DB SQL                one value (or psql's error text)
#   setup_db SLUG APPDIR [DB]      the app's role (NOSUPERUSER NOBYPASSRLS,
#                                  made once) and database (default
#                                  db_<slug>), migrations applied as the role
#   start_app LABEL APPDIR ROLE DB [VAR=value...]
#                                  uvicorn on a free loopback port; sets URL
#                                  and APID; logs to $T/uvicorn.LABEL.log
#   stop_app                       stops the last one started
#   relay PREFIX FILE              a check script's ok/FAIL lines, counted
#
# extra_repo DIR: a blueprint repository in DIR (DIR/blueprints) with the
# keyword-stress blueprint and every tests/spec/valid fixture, each under
# its slug. Needs AG, PY, HERE and ROOT.
#
# pg_start DIR PORT: initdb DIR/pg, start the server on the unix socket
# DIR/sock (no TCP) and set PGBIN, PSQL, SOCK, started=1. As root the
# server runs as "postgres" (or "nobody") through as_server. pg_stop stops
# it. Binaries come from PATH or /usr/lib/postgresql/15/bin.

pass=0
fail=0
started=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
	fail=$((fail + 1))
	echo "FAIL $1"
	if [ -n "${2:-}" ]; then printf '%s\n' "$2" | head -n 40 | sed 's/^/     /'; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] && exit 0
	exit 1
}

# Keep the environment's libpq settings out of every connection.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE PGSERVICE \
	PGSERVICEFILE PGOPTIONS PGSSLMODE PGTZ PGCLIENTENCODING PGAPPNAME PGCONNECT_TIMEOUT 2>/dev/null

RUNAS=
as_server() {
	if [ -n "$RUNAS" ]; then
		runuser -u "$RUNAS" -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	_pg_dir=$1 _pg_port=$2
	PGPORT_=$2
	PGBIN=
	for d in "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/15/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			PGBIN=$d
			break
		fi
	done
	PSQL=$(command -v psql 2>/dev/null || echo "$PGBIN/psql")
	if [ -z "$PGBIN" ] || [ ! -x "$PSQL" ]; then
		bad "PostgreSQL binaries (initdb, pg_ctl, postgres, psql) not found on PATH or in /usr/lib/postgresql/15/bin"
		finish
	fi
	# The socket's path must fit in sun_path (107 bytes): callers use /tmp.
	SOCK=$_pg_dir/sock
	mkdir "$SOCK" "$_pg_dir/pg"
	if [ "$(id -u)" = 0 ]; then
		if id postgres >/dev/null 2>&1; then RUNAS=postgres; else RUNAS=nobody; fi
		chown "$RUNAS" "$_pg_dir/pg" "$SOCK"
	fi
	if ! as_server "$PGBIN/initdb" -D "$_pg_dir/pg" -U postgres --auth=trust -E UTF8 --locale=C -N \
		>"$_pg_dir/initdb.log" 2>&1; then
		bad "initdb" "$(tail -n 20 "$_pg_dir/initdb.log")"
		finish
	fi
	if as_server "$PGBIN/pg_ctl" -D "$_pg_dir/pg" -l "$_pg_dir/pg/server.log" -w -t 60 \
		-o "-k $SOCK -c listen_addresses='' -p $_pg_port -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >"$_pg_dir/pg_ctl.log" 2>&1; then
		started=1
		ok "PostgreSQL $("$PGBIN/postgres" --version | sed 's/^[^0-9]*\([0-9.]*\).*/\1/') started on $SOCK"
	else
		bad "pg_ctl start" "$(cat "$_pg_dir/pg_ctl.log" "$_pg_dir/pg/server.log" 2>/dev/null | tail -n 20)"
		finish
	fi
}

pg_stop() {
	if [ "$started" = 1 ]; then
		as_server "$PGBIN/pg_ctl" -D "$1/pg" -m immediate -w stop >/dev/null 2>&1
		started=0
	fi
}

extra_repo() {
	mkdir -p "$1/blueprints"
	cp "$HERE/db_keyword_stress.json" "$1/blueprints/keyword-stress.json"
	for _x_f in "$ROOT"/tests/spec/valid/*.json; do
		[ -f "$_x_f" ] || continue
		_x_slug=$("$AG" check --print-ir "$_x_f" 2>/dev/null |
			"$PY" -c 'import json,sys; print(json.load(sys.stdin)["app"]["slug"])' 2>/dev/null)
		if [ -n "$_x_slug" ]; then
			cp "$_x_f" "$1/blueprints/$_x_slug.json"
		else
			bad "spec fixture $(basename "$_x_f") has no IR"
		fi
	done
}

venv() {
	_v_dir=$1 _v_label=$2
	shift 2
	if [ -x "$_v_dir/bin/python" ] && [ -f "$_v_dir/.complete" ]; then
		ok "$_v_label venv reused: $_v_dir"
		return 0
	fi
	rm -rf "$_v_dir"
	mkdir -p "$(dirname "$_v_dir")" "$HOME/.cache/pip"
	_v_args=
	for _v_req in "$@"; do _v_args="$_v_args -r $_v_req"; done
	# shellcheck disable=SC2086 # requirement paths have no spaces (temp dirs, the repo)
	if "$PY" -m venv "$_v_dir" >"$T/venv.log" 2>&1 &&
		PIP_CACHE_DIR=$HOME/.cache/pip "$_v_dir/bin/pip" install -q --disable-pip-version-check $_v_args \
			>>"$T/venv.log" 2>&1; then
		touch "$_v_dir/.complete"
		ok "$_v_label venv created: $_v_dir"
	else
		bad "$_v_label venv" "$(tail -n 20 "$T/venv.log")"
		rm -rf "$_v_dir"
		finish
	fi
}

backend_venv() {
	rm -f "$T/pins"
	_b_same=1
	for _b_f in "$1"/*/backend/requirements.txt; do
		[ -f "$_b_f" ] || continue
		if [ -f "$T/pins" ]; then
			grep -v '^#' "$_b_f" | cmp -s - "$T/pins" || _b_same=0
		else
			grep -v '^#' "$_b_f" >"$T/pins"
		fi
	done
	if [ ! -f "$T/pins" ]; then
		bad "backend/requirements.txt is generated"
		finish
	fi
	[ "$_b_same" = 1 ] && ok "every app pins the same requirements" || bad "every app pins the same requirements"
	VENV=$HOME/.cache/appgen/backend-venv/$(sha256sum "$T/pins" | cut -c1-16)
	venv "$VENV" backend "$T/pins"
	VPY=$VENV/bin/python
}

q() {
	_q_user=$1 _q_db=$2
	shift 2
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PGPORT_" -U "$_q_user" -d "$_q_db" "$@"
}
# one value: val USER DATABASE SQL
val() { q "$1" "$2" -A -t -c "$3" 2>&1; }

setup_db() {
	_d_u=$(echo "$1" | tr - _)
	_d_db=${3:-db_$_d_u}
	: >"$T/setup.$1.log"
	if ! q postgres postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'app_$_d_u'" | grep -q 1; then
		q postgres postgres -c "CREATE ROLE app_$_d_u LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE" \
			-c "ALTER ROLE app_$_d_u SET search_path = ''" >>"$T/setup.$1.log" 2>&1
	fi
	if q postgres postgres -c "CREATE DATABASE $_d_db" \
		-c "REVOKE ALL ON DATABASE $_d_db FROM PUBLIC" \
		-c "GRANT CONNECT, CREATE, TEMPORARY ON DATABASE $_d_db TO app_$_d_u" >>"$T/setup.$1.log" 2>&1; then
		ok "$1: role app_$_d_u (NOSUPERUSER NOBYPASSRLS) and database $_d_db"
	else
		bad "$1: role and database $_d_db" "$(cat "$T/setup.$1.log")"
		return 1
	fi
	for _d_m in "$2"/db/migrations/*.sql; do
		if q "app_$_d_u" "$_d_db" -f "$_d_m" >"$T/apply.$1.log" 2>&1; then
			ok "$1: $(basename "$_d_m") applied to $_d_db as app_$_d_u"
		else
			bad "$1: $(basename "$_d_m") applied to $_d_db as app_$_d_u" "$(cat "$T/apply.$1.log")"
			return 1
		fi
	done
}

start_app() {
	_s_label=$1 _s_dir=$2 _s_role=$3 _s_db=$4
	shift 4
	_s_port=$("$VPY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
	URL=http://127.0.0.1:$_s_port
	(cd "$_s_dir/backend" && exec env DATABASE_URL="postgresql+psycopg://$_s_role@/$_s_db?host=$SOCK&port=$PGPORT_" \
		SECRET_KEY=$SECRET CORS_ORIGINS=http://localhost:5173 "$@" \
		"$VPY" -m uvicorn app.main:app --host 127.0.0.1 --port "$_s_port" --log-level warning) \
		>"$T/uvicorn.$_s_label.log" 2>&1 &
	APID=$!
	pids="$pids $APID"
	for _ in $(seq 1 150); do
		if "$VPY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/health", timeout=1)' "$URL" 2>/dev/null; then
			ok "$_s_label: uvicorn serves on $URL"
			return 0
		fi
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.1
	done
	bad "$_s_label: uvicorn starts" "$(tail -n 30 "$T/uvicorn.$_s_label.log")"
	return 1
}

stop_app() {
	kill "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null
}

relay() {
	while IFS= read -r _r_line; do
		case $_r_line in
		"ok   "*) ok "$1${_r_line#ok   }" ;;
		"FAIL "*) bad "$1${_r_line#FAIL }" ;;
		"skip "* | "     "*) echo "$_r_line" ;;
		*" passed, "*" failed"*) ;;
		*) bad "$1unexpected output: $_r_line" ;;
		esac
	done <"$2"
}
