#!/bin/sh
# migrate_test.sh - migrations from Git history on a real PostgreSQL
# (issue "Git-driven pipeline", point 1; DESIGN §4 "Migrations").
#
# Run from the repository root with ./appgen built:  sh tests/e2e/migrate_test.sh
#
# A blueprint repository gets the versions of tests/e2e/migrate_versions.py
# one commit each (adds, drops, renames, type, default, null, unique,
# index, CHECK, FK and policy changes, roles, auth off and on, an invalid
# version, a version without a schema change), built after every commit.
# Then:
#   - the incremental builds equal one fresh --force build of the last commit;
#   - the invalid version is left out with a W903 warning;
#   - 0001..N applied in order as the app's NOSUPERUSER NOBYPASSRLS role,
#     with rows inserted after 0001: the rows survive (renamed, converted,
#     filled) and a removed role's users are gone;
#   - every migration is refused a second time and before its predecessor;
#   - the schema (pg_dump --schema-only, columns sorted) equals what a
#     fresh build of the last version creates with its 0001 alone, and so
#     do the app's db/migrate.sh and `alembic upgrade head`;
#   - `appgen diff` prints the SQL of the last migration.
set -u

AG=${AG:-$PWD/appgen}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-python3}
PORT=5447
. "$HERE/lib.sh"

if [ ! -x "$AG" ]; then
	bad "no appgen binary at $AG (run make first)"
	finish
fi

T=$(mktemp -d /tmp/agmig.XXXXXX) || exit 1
chmod 755 "$T"
cleanup() {
	pg_stop "$T"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# expect LABEL WANT GOT
expect() {
	if [ "$3" = "$2" ]; then ok "$1"; else bad "$1" "want: $2
got:  $3"; fi
}

# ---- the repository, one commit per version, built after each -------------
R=$T/repo
mkdir -p "$R/blueprints"
git -C "$R" init -q -b main
git -C "$R" config user.email test@example.com
git -C "$R" config user.name Test
n=$("$PY" "$HERE/migrate_versions.py" count)
valid=0
for k in $(seq 1 "$n"); do
	"$PY" "$HERE/migrate_versions.py" "$k" >"$R/blueprints/mig-shop.json"
	git -C "$R" add -A
	git -C "$R" commit -qm "version $k"
	(cd "$R" && "$AG" --color=never build --out "$T/out") >"$T/build.$k.log" 2>&1
	rc=$?
	if "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$R/blueprints/mig-shop.json" 2>/dev/null; then
		valid=$((valid + 1))
		files=$(ls "$T/out/apps/mig-shop/db/migrations" 2>/dev/null | wc -l)
		if [ "$rc" -eq 0 ] && [ "$files" -eq "$valid" ]; then
			ok "version $k builds with $valid migrations"
		else
			bad "version $k builds with $valid migrations (exit $rc, $files files)" "$(cat "$T/build.$k.log")"
		fi
	elif [ "$rc" -eq 1 ] && [ "$(ls "$T/out/apps/mig-shop/db/migrations" | wc -l)" -eq "$valid" ]; then
		ok "version $k (invalid JSON) fails the build and keeps the last tree"
	else
		bad "version $k (invalid JSON) fails the build and keeps the last tree (exit $rc)" "$(cat "$T/build.$k.log")"
	fi
done
M=$T/out/apps/mig-shop/db/migrations
ls "$M" >"$T/files"
if [ "$valid" -ge 8 ] && [ "$(wc -l <"$T/files")" -eq "$valid" ]; then
	ok "$valid migrations from $n versions: $(tr '\n' ' ' <"$T/files")"
else
	bad "one migration per valid version" "$(cat "$T/files")"
fi
if grep -q 'warning\[W903\]: version 4 ' "$T/build.$n.log"; then
	ok "the invalid version 4 is left out with a W903 warning"
else
	bad "W903 for version 4" "$(cat "$T/build.$n.log")"
fi
(cd "$R" && "$AG" --color=never build --out "$T/fresh-out" --force) >"$T/build.force.log" 2>&1
if diff -r "$T/out/apps" "$T/fresh-out/apps" >"$T/diff.log" 2>&1; then
	ok "incremental builds, commit by commit, equal one --force build"
else
	bad "incremental builds equal one --force build" "$(head -n 30 "$T/diff.log")"
fi

# ---- the database, migrated step by step -------------------------------------
pg_start "$T" "$PORT"
ROLE=app_mig_shop
q postgres postgres -c "CREATE ROLE $ROLE LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE" \
	-c "ALTER ROLE $ROLE SET search_path = ''" >/dev/null
for db in db_migrated db_fresh db_order db_script db_alembic; do
	q postgres postgres -c "CREATE DATABASE $db" -c "REVOKE ALL ON DATABASE $db FROM PUBLIC" \
		-c "GRANT CONNECT, CREATE, TEMPORARY ON DATABASE $db TO $ROLE" >/dev/null
done
S=app_mig_shop

apply() { # apply DB FILE -> 0 when psql succeeded
	q "$ROLE" "$1" -f "$M/$2" >"$T/apply.log" 2>&1
}
first=$(sed -n 1p "$T/files")
if apply db_migrated "$first"; then ok "$first applied as $ROLE"; else bad "$first applied" "$(cat "$T/apply.log")"; fi

# rows of version 1, inserted as the superuser (RLS does not bind it)
if q postgres db_migrated >"$T/seed.log" 2>&1 <<SQL
INSERT INTO $S.customers (id, name, email, notes) VALUES
  ('00000000-0000-0000-0000-000000000001', 'Ada', 'ada@example.com', 'first'),
  ('00000000-0000-0000-0000-000000000002', 'Bob', NULL, NULL);
INSERT INTO $S.orders (customer_id, total, status, note) VALUES
  ('00000000-0000-0000-0000-000000000001', 10.5, 'new', 'a'),
  ('00000000-0000-0000-0000-000000000001', 20, 'paid', NULL),
  ('00000000-0000-0000-0000-000000000002', 0, 'paid', 'b');
INSERT INTO $S.products (title, price) VALUES ('Pen', 1.4), ('Desk', 99.5);
INSERT INTO $S.tags (label) VALUES ('sale');
INSERT INTO $S._users (email, password_hash, role) VALUES
  ('viewer@example.com', 'x', 'Viewer'), ('clerk@example.com', 'x', 'Clerk');
SQL
then ok "rows of version 1 inserted"; else bad "rows of version 1 inserted" "$(cat "$T/seed.log")"; fi

k=0
while IFS= read -r f; do
	k=$((k + 1))
	[ "$k" -eq 1 ] && continue
	if apply db_migrated "$f"; then
		ok "$f applied as $ROLE"
	else
		bad "$f applied as $ROLE" "$(cat "$T/apply.log")"
		continue
	fi
	if apply db_migrated "$f"; then
		bad "$f refused a second time"
	elif grep -q "is already applied" "$T/apply.log"; then
		ok "$f refused a second time"
	else
		bad "$f refused a second time (with the guard's message)" "$(cat "$T/apply.log")"
	fi
	case "$f" in
	*drop_customers_remarks*)
		expect "after $f: prices narrowed to int (rounded)" "1 100" \
			"$(val postgres db_migrated "SELECT string_agg(price::text, ' ' ORDER BY price) FROM $S.items")"
		;;
	*security*)
		expect "after $f: the dropped role's users are gone, the others stay" "Clerk" \
			"$(val postgres db_migrated "SELECT string_agg(role, ' ') FROM $S._users")"
		;;
	esac
done <"$T/files"
expect "migrations recorded in order" "$(seq -s ' ' 1 "$valid")" \
	"$(val postgres db_migrated "SELECT string_agg(version::text, ' ' ORDER BY version) FROM $S._migrations")"

# out of order: 0003 on a database that has only 0001
third=$(sed -n 3p "$T/files") second=$(sed -n 2p "$T/files")
apply db_order "$first" >/dev/null 2>&1
if apply db_order "$third"; then
	bad "$third refused before $second"
elif grep -q "needs $(basename "$second" .sql) applied first" "$T/apply.log"; then
	ok "$third refused before $second"
else
	bad "$third refused before $second (with the guard's message)" "$(cat "$T/apply.log")"
fi

# the rows of version 1, through every change
expect "customers survive, renamed column gone, phone filled with its default" \
	"Ada|ada@example.com|basic||f Bob||basic||f" \
	"$(val postgres db_migrated "SELECT string_agg(concat_ws('|', name, coalesce(email, ''), tier, phone,
		(SELECT count(*) > 0 FROM information_schema.columns WHERE table_schema = '$S' AND column_name = 'remarks')),
		' ' ORDER BY name) FROM $S.customers")"
expect "orders survive with the new column's default (int -> float)" "0:1:paid 10.5:1:new 20:1:paid" \
	"$(val postgres db_migrated "SELECT string_agg(concat_ws(':', total, priority, status), ' ' ORDER BY total)
		FROM $S.orders")"
expect "the renamed table keeps its rows" "Desk Pen" \
	"$(val postgres db_migrated "SELECT string_agg(title, ' ' ORDER BY title) FROM $S.items")"
expect "the dropped table is gone" "" "$(val postgres db_migrated "SELECT to_regclass('$S.tags')")"
expect "auth off dropped _users, auth on made it again (empty)" "0" \
	"$(val postgres db_migrated "SELECT count(*) FROM $S._users")"

# ---- the same schema as a fresh build of the last version --------------------
F=$T/fresh
mkdir -p "$F/blueprints"
cp "$R/blueprints/mig-shop.json" "$F/blueprints/"
git -C "$F" init -q -b main
git -C "$F" add -A
git -C "$F" -c user.email=t@example.com -c user.name=T commit -qm "only the last version"
(cd "$F" && "$AG" --color=never build --out "$F/out") >"$T/fresh.log" 2>&1
if [ "$(ls "$F/out/apps/mig-shop/db/migrations")" = "0001_init.sql" ] &&
	q "$ROLE" db_fresh -f "$F/out/apps/mig-shop/db/migrations/0001_init.sql" >"$T/apply.log" 2>&1; then
	ok "a fresh build of the last version: 0001_init.sql alone, applied"
else
	bad "fresh build of the last version" "$(cat "$T/fresh.log" "$T/apply.log")"
fi
PGDUMP=$PGBIN/pg_dump
[ -x "$PGDUMP" ] || PGDUMP=/usr/lib/postgresql/15/bin/pg_dump
dump() {
	"$PGDUMP" -h "$SOCK" -p "$PORT" -U postgres --schema-only --no-comments -n "$S" "$1" |
		"$PY" "$HERE/schema_normalize.py"
}
dump db_migrated >"$T/schema.migrated"
dump db_fresh >"$T/schema.fresh"
if [ -s "$T/schema.fresh" ] && grep -q "CREATE POLICY" "$T/schema.fresh" && cmp -s "$T/schema.migrated" "$T/schema.fresh"; then
	ok "0001..$(printf %04d "$valid") give the schema of a fresh 0001 ($(wc -l <"$T/schema.fresh") normalized lines)"
else
	bad "migrated schema equals the fresh one" "$(diff "$T/schema.migrated" "$T/schema.fresh" | head -n 40)"
fi

# ---- the app's own ways to migrate: db/migrate.sh and alembic ---------------
A=$T/out/apps/mig-shop
if PGHOST=$SOCK PGPORT=$PORT PGUSER=$ROLE PGDATABASE=db_script sh "$A/db/migrate.sh" >"$T/script.log" 2>&1 &&
	[ "$(grep -c ': applied$' "$T/script.log")" -eq "$valid" ] && dump db_script | cmp -s - "$T/schema.fresh"; then
	ok "db/migrate.sh applies all $valid migrations: the same schema"
else
	bad "db/migrate.sh applies all migrations: the same schema" "$(cat "$T/script.log")"
fi
backend_venv "$T/out/apps"
if (cd "$A/backend" && DATABASE_URL="postgresql+psycopg://$ROLE@/db_alembic?host=$SOCK&port=$PORT" \
	"$VENV/bin/alembic" upgrade head) >"$T/alembic.log" 2>&1 && dump db_alembic | cmp -s - "$T/schema.fresh" &&
	[ "$(val postgres db_alembic "SELECT count(*) FROM $S._migrations")" = "$valid" ]; then
	ok "alembic upgrade head runs the $valid versions: the same schema"
else
	bad "alembic upgrade head: the same schema" "$(tail -n 20 "$T/alembic.log")"
fi

# ---- random version chains: migrated == fresh ----------------------------------
CHAINS=${MIGRATE_CHAINS:-24}
PG_DUMP=$PGDUMP "$PY" "$HERE/migrate_random.py" "$AG" "$SOCK" "$PORT" "$ROLE" "$T" "$CHAINS" "${MIGRATE_SEED:-1}" \
	>"$T/random.log" 2>&1
relay "random " "$T/random.log"

# ---- appgen diff ---------------------------------------------------------------
last=$(sed -n "${valid}p" "$T/files")
(cd "$R" && "$AG" diff mig-shop) >"$T/diff.sql" 2>"$T/diff.err"
if cmp -s "$T/diff.sql" "$M/$last"; then
	ok "appgen diff mig-shop prints $last"
else
	bad "appgen diff mig-shop prints $last" "$(cat "$T/diff.err"; diff "$T/diff.sql" "$M/$last" | head -n 20)"
fi

finish
