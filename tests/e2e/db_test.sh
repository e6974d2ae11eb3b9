#!/bin/sh
# db_test.sh - the generated database (db/migrations/0001_init.sql and
# db/teardown.sql) on a real PostgreSQL 15.
#
# Run from the repository root with ./appgen built:  sh tests/e2e/db_test.sh
#
# Starts a private server (unix socket only) in a temp dir, builds the
# repository's blueprints, the keyword-stress blueprint next to this file
# and every tests/spec/valid fixture, and for each app:
#   - applies 0001 with psql -v ON_ERROR_STOP=1 as the app's own
#     NOSUPERUSER NOBYPASSRLS login role (CREATE on its database only);
#   - applies it again: refused with the guard's message, schema unchanged;
#   - checks every table of the schema has RLS enabled and forced and is
#     owned by that role;
#   - seeds rows as a superuser and runs tests/e2e/db_checks.py: CHECK,
#     NOT NULL, UNIQUE, FK, defaults, the updated_at trigger, ON DELETE
#     behaviours (as the superuser), then the role x command matrix of the
#     policies and row filters and the _users policies (as the app's role,
#     so FORCE ROW LEVEL SECURITY is what makes them bind);
#   - runs teardown.sql as the app's role: the schema is gone.
# Then scenario tests on sales-crm and keyword-stress written out by hand.
#
# Prints "ok ..." / "FAIL ..." lines and "N passed, N failed"; exits 1 on
# a failure. PG binaries come from PATH or /usr/lib/postgresql/15/bin;
# as root the server runs as the "postgres" (or "nobody") user.
set -u

AG=${AG:-$PWD/appgen}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-python3}
PORT=5439
. "$HERE/lib.sh"

if [ ! -x "$AG" ]; then
	bad "no appgen binary at $AG (run make first)"
	finish
fi

# A short path: the socket's path must fit in sun_path (107 bytes).
T=$(mktemp -d /tmp/agdb.XXXXXX) || exit 1
chmod 755 "$T"
cleanup() {
	pg_stop "$T"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
pg_start "$T" "$PORT"


# Count the "ok ..." / "FAIL ..." NOTICE lines a check script printed.
# report FILE PREFIX
report() {
	sed -n -E 's/^.*NOTICE:  (ok|FAIL) /\1 /p' "$1" >"$1.lines"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		*) bad "${line#FAIL }" ;;
		esac
	done <"$1.lines"
}

# ---- build -----------------------------------------------------------------

EXTRA=$T/extra
extra_repo "$EXTRA"

if "$AG" build --worktree --repo "$ROOT" --out "$T/out" >"$T/build1.log" 2>&1; then
	ok "appgen build of blueprints/"
else
	bad "appgen build of blueprints/" "$(tail -n 20 "$T/build1.log")"
fi
if "$AG" build --worktree --repo "$EXTRA" --out "$T/out2" >"$T/build2.log" 2>&1; then
	ok "appgen build of keyword-stress and the tests/spec/valid fixtures"
else
	bad "appgen build of keyword-stress and the tests/spec/valid fixtures" "$(tail -n 20 "$T/build2.log")"
fi

# ---- per app ---------------------------------------------------------------

# The schema as text: relations, columns, constraints, indexes, policies,
# triggers and functions. snapshot SCHEMA DATABASE
snapshot() {
	q postgres "$2" -A -t -v schema="$1" <<'EOF'
SELECT string_agg(x, E'\n' ORDER BY x) FROM (
    SELECT 'rel ' || c.relname || ' ' || c.relkind || ' ' || c.relrowsecurity || ' ' || c.relforcerowsecurity AS x
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :'schema'
    UNION ALL
    SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' '
            || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = :'schema' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(co.oid)
        FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = :'schema'
    UNION ALL
    SELECT 'idx ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = :'schema'
    UNION ALL
    SELECT 'pol ' || tablename || ' ' || policyname || ' ' || permissive || ' ' || cmd || ' ' || roles::text
            || ' ' || coalesce(qual, '-') || ' ' || coalesce(with_check, '-')
        FROM pg_policies WHERE schemaname = :'schema'
    UNION ALL
    SELECT 'trg ' || tgrelid::regclass || ' ' || tgname || ' ' || pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = :'schema' AND NOT t.tgisinternal
    UNION ALL
    SELECT 'fn ' || p.proname || ' ' || md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = :'schema'
) s;
EOF
}

# check_app APPDIR: everything above for one generated app tree.
check_app() {
	dir=$1
	slug=$(basename "$dir")
	u=$(echo "$slug" | tr - _)
	role=app_$u
	db=db_$u
	ir=$dir/blueprint.json
	mig=$dir/db/migrations/0001_init.sql
	td=$dir/db/teardown.sql
	W=$T/work/$slug
	mkdir -p "$W"
	if [ ! -f "$mig" ] || [ ! -f "$td" ]; then
		bad "$slug: db/migrations/0001_init.sql and db/teardown.sql are generated"
		return
	fi
	schema=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["app"]["dbSchema"])' "$ir")
	tables=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["data"]["tables"]) + 1 + d["security"]["auth"]["enabled"])' "$ir")

	head -n 1 "$mig" | grep -q "^-- generated by appgen from .*@v1 — do not edit\$" \
		&& ok "$slug: 0001 starts with the generated-by line" \
		|| bad "$slug: 0001 starts with the generated-by line" "$(head -n 1 "$mig")"

	if ! q postgres postgres -c "CREATE ROLE $role LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE" \
		-c "ALTER ROLE $role SET search_path = ''" \
		-c "CREATE DATABASE $db" \
		-c "REVOKE ALL ON DATABASE $db FROM PUBLIC" \
		-c "GRANT CONNECT, CREATE, TEMPORARY ON DATABASE $db TO $role" >"$W/setup.log" 2>&1; then
		bad "$slug: create role and database" "$(cat "$W/setup.log")"
		return
	fi

	# 1. apply as the app's role
	if q "$role" "$db" -f "$mig" >"$W/apply1.log" 2>&1; then
		ok "$slug: 0001 applies as $role (non-superuser)"
	else
		bad "$slug: 0001 applies as $role (non-superuser)" "$(cat "$W/apply1.log")"
		return
	fi
	snapshot "$schema" "$db" >"$W/snap1" 2>&1

	# 2. a second run is refused and changes nothing
	if q "$role" "$db" -f "$mig" >"$W/apply2.log" 2>&1; then
		bad "$slug: a second run of 0001 fails"
	elif grep -q "migration 0001_init is already applied to schema $schema" "$W/apply2.log"; then
		ok "$slug: a second run of 0001 fails with the guard's message"
	else
		bad "$slug: a second run of 0001 fails with the guard's message" "$(cat "$W/apply2.log")"
	fi
	snapshot "$schema" "$db" >"$W/snap2" 2>&1
	if [ -s "$W/snap1" ] && cmp -s "$W/snap1" "$W/snap2"; then
		ok "$slug: the schema is unchanged by the refused run"
	else
		bad "$slug: the schema is unchanged by the refused run" "$(diff "$W/snap1" "$W/snap2" | head -n 10)"
	fi
	got=$(val "$role" "$db" "SELECT string_agg(version || ' ' || name, ',') FROM \"$schema\"._migrations")
	[ "$got" = "1 init" ] && ok "$slug: _migrations records (1, init)" || bad "$slug: _migrations records (1, init)" "$got"

	# 3. RLS enabled and forced on every table, all owned by the app's role
	got=$(val postgres "$db" "SELECT count(*) || ' ' || count(*) FILTER (WHERE c.relrowsecurity AND c.relforcerowsecurity)
		|| ' ' || count(*) FILTER (WHERE pg_get_userbyid(c.relowner) = '$role')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$schema' AND c.relkind = 'r'")
	[ "$got" = "$tables $tables $tables" ] \
		&& ok "$slug: all $tables tables have RLS enabled and forced and belong to $role" \
		|| bad "$slug: all $tables tables have RLS enabled and forced and belong to $role" "tables, forced, owned: $got"
	got=$(val postgres "$db" "SELECT rolsuper::text || rolbypassrls::text FROM pg_roles WHERE rolname = '$role'")
	[ "$got" = "falsefalse" ] && ok "$slug: $role is neither superuser nor BYPASSRLS" || bad "$slug: $role is neither superuser nor BYPASSRLS" "$got"

	# 4. data checks
	for step in seed constraints rls; do
		who=postgres
		[ "$step" = rls ] && who=$role
		if ! "$PY" "$HERE/db_checks.py" "$step" "$slug" "$ir" >"$W/$step.sql" 2>"$W/$step.gen.log"; then
			bad "$slug: db_checks.py $step" "$(cat "$W/$step.gen.log")"
			continue
		fi
		if q "$who" "$db" -f "$W/$step.sql" >"$W/$step.log" 2>&1; then
			[ "$step" = seed ] && ok "$slug: seed rows A and B in every table"
		else
			bad "$slug: $step script ran to the end" "$(grep -v NOTICE "$W/$step.log" | tail -n 5)"
		fi
		report "$W/$step.log"
	done
	if [ "$(grep -c '' "$W/rls.log.lines" 2>/dev/null)" -gt 0 ]; then :; else bad "$slug: the rls script reported nothing"; fi

	# 5. teardown as the app's role
	if q "$role" "$db" -f "$td" >"$W/teardown.log" 2>&1 \
		&& [ "$(val postgres "$db" "SELECT count(*) FROM pg_namespace WHERE nspname = '$schema'")" = 0 ]; then
		ok "$slug: teardown.sql drops the schema"
	else
		bad "$slug: teardown.sql drops the schema" "$(cat "$W/teardown.log")"
	fi
}

for dir in "$T"/out/apps/* "$T"/out2/apps/*; do
	[ -d "$dir" ] && check_app "$dir"
done

# ---- scenarios ---------------------------------------------------------------

# scenario SLUG NAME: apply 0001 again (after the teardown) and run the SQL
# on stdin as the app's role; NOTICE "ok ..."/"FAIL ..." lines count.
scenario() {
	slug=$1 name=$2
	u=$(echo "$slug" | tr - _)
	W=$T/work/$slug
	mig=$T/out/apps/$slug/db/migrations/0001_init.sql
	[ -f "$mig" ] || mig=$T/out2/apps/$slug/db/migrations/0001_init.sql
	if ! q "app_$u" "db_$u" -f "$mig" >"$W/$name.apply.log" 2>&1; then
		bad "$slug: re-apply 0001 after teardown" "$(cat "$W/$name.apply.log")"
		cat >/dev/null
		return
	fi
	ok "$slug: 0001 applies again after teardown"
	if ! q "app_$u" "db_$u" >"$W/$name.log" 2>&1; then
		bad "$slug: $name script ran to the end" "$(grep -v NOTICE "$W/$name.log" | tail -n 5)"
	fi
	report "$W/$name.log"
}

# The sales-crm story: an admin enters deals for two reps; each rep sees and
# changes only their own; a viewer sees closed deals only.
scenario sales-crm rep-story <<'EOF'
SET client_encoding = 'UTF8';
\set ON_ERROR_STOP 1
BEGIN;
SELECT set_config('app.role', 'Admin', true), set_config('app.user_id', 'aaaaaaaa-0000-4000-8000-000000000001', true) \g /dev/null
INSERT INTO app_sales_crm.companies (id, name) VALUES ('c0000000-0000-4000-8000-000000000001', 'Acme');
INSERT INTO app_sales_crm.deals (id, title, stage, company_id, owner_id, created_by) VALUES
    ('d0000000-0000-4000-8000-000000000001', 'Rep one, open', 'lead', 'c0000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001'),
    ('d0000000-0000-4000-8000-000000000002', 'Rep two, won', 'won', 'c0000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000001');
INSERT INTO app_sales_crm.activities (subject, occurred_at, deal_id, created_by) VALUES
    ('call', now(), 'd0000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001'),
    ('mail', now(), 'd0000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000002');
COMMIT;

DO $t$
DECLARE n bigint;
BEGIN
    SELECT count(*) INTO n FROM app_sales_crm.deals;
    RAISE NOTICE '%', CASE WHEN n = 0 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: without settings the owner role sees no deal (' || n || ')';
    SELECT count(*) INTO n FROM app_sales_crm.companies;
    RAISE NOTICE '%', CASE WHEN n = 0 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: without settings the owner role sees no company (' || n || ')';
END
$t$;

BEGIN;
DO $t$
DECLARE n bigint; t text;
BEGIN
    PERFORM set_config('app.role', 'SalesRep', true), set_config('app.user_id', '10000000-0000-4000-8000-000000000001', true);
    SELECT count(*), min(title) INTO n, t FROM app_sales_crm.deals;
    RAISE NOTICE '%', CASE WHEN n = 1 AND t = 'Rep one, open' THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: rep one sees only their own deal (' || n || ')';
    UPDATE app_sales_crm.deals SET title = 'taken over' WHERE id = 'd0000000-0000-4000-8000-000000000002';
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE '%', CASE WHEN n = 0 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: rep one cannot update rep two''s deal (' || n || ' rows)';
    UPDATE app_sales_crm.deals SET probability = 50;
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE '%', CASE WHEN n = 1 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: rep one updates their own deal (' || n || ' rows)';
    DELETE FROM app_sales_crm.deals;
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE '%', CASE WHEN n = 0 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: a rep (no delete permission) deletes nothing (' || n || ' rows)';
    BEGIN
        UPDATE app_sales_crm.deals SET owner_id = '20000000-0000-4000-8000-000000000002';
        RAISE NOTICE '%', 'FAIL sales-crm story: rep one gave their deal away';
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE '%', 'ok sales-crm story: rep one cannot move their deal out of their filter';
    END;
    BEGIN
        INSERT INTO app_sales_crm.deals (title, company_id, owner_id) VALUES ('for rep two', 'c0000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002');
        RAISE NOTICE '%', 'FAIL sales-crm story: rep one inserted a deal owned by rep two';
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE '%', 'ok sales-crm story: rep one cannot insert a deal owned by rep two (' || SQLERRM || ')';
    END;
    INSERT INTO app_sales_crm.deals (title, company_id, owner_id) VALUES ('mine too', 'c0000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001');
    RAISE NOTICE '%', 'ok sales-crm story: rep one inserts a deal they own';
    SELECT count(*) INTO n FROM app_sales_crm.activities;
    RAISE NOTICE '%', CASE WHEN n = 1 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: rep one sees only the activities they created (' || n || ')';
END
$t$;
ROLLBACK;

BEGIN;
DO $t$
DECLARE n bigint; t text;
BEGIN
    PERFORM set_config('app.role', 'Viewer', true), set_config('app.user_id', '30000000-0000-4000-8000-000000000003', true);
    SELECT count(*), min(stage) INTO n, t FROM app_sales_crm.deals;
    RAISE NOTICE '%', CASE WHEN n = 1 AND t = 'won' THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: a viewer sees only closed deals (' || n || ')';
    UPDATE app_sales_crm.deals SET probability = 1;
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE '%', CASE WHEN n = 0 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: a viewer updates nothing (' || n || ' rows)';
    PERFORM set_config('app.role', 'SalesManager', true);
    SELECT count(*) INTO n FROM app_sales_crm.deals;
    RAISE NOTICE '%', CASE WHEN n = 2 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: a manager sees every deal (' || n || ')';
    DELETE FROM app_sales_crm.companies;
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE '%', CASE WHEN n = 0 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: a manager (no delete on companies) deletes none (' || n || ')';
    PERFORM set_config('app.role', 'Admin', true);
    BEGIN
        DELETE FROM app_sales_crm.companies;
        RAISE NOTICE '%', 'FAIL sales-crm story: a company with deals was deleted (restrict)';
    EXCEPTION WHEN foreign_key_violation THEN
        RAISE NOTICE '%', 'ok sales-crm story: deleting a company with deals is restricted';
    END;
    DELETE FROM app_sales_crm.deals WHERE id = 'd0000000-0000-4000-8000-000000000001';
    SELECT count(*) INTO n FROM app_sales_crm.activities;
    RAISE NOTICE '%', CASE WHEN n = 1 THEN 'ok' ELSE 'FAIL' END || ' sales-crm story: deleting a deal cascades to its activities (' || n || ' left)';
    BEGIN
        UPDATE app_sales_crm.deals SET stage = 'closed';
        RAISE NOTICE '%', 'FAIL sales-crm story: stage ''closed'' was accepted';
    EXCEPTION WHEN check_violation THEN
        RAISE NOTICE '%', 'ok sales-crm story: a stage outside the enum is rejected';
    END;
    BEGIN
        UPDATE app_sales_crm.deals SET amount = -1;
        RAISE NOTICE '%', 'FAIL sales-crm story: a negative amount was accepted';
    EXCEPTION WHEN check_violation THEN
        RAISE NOTICE '%', 'ok sales-crm story: an amount below min is rejected';
    END;
END
$t$;
ROLLBACK;

DROP SCHEMA app_sales_crm CASCADE;
EOF

# keyword-stress: the catalog holds the self-reference and the FK cycle.
scenario keyword-stress catalog <<'EOF'
\set ON_ERROR_STOP 1
DO $t$
DECLARE n bigint;
BEGIN
    SELECT count(*) INTO n FROM pg_constraint
        WHERE contype = 'f' AND conrelid = '"app_keyword_stress"."group"'::regclass AND confrelid = conrelid;
    RAISE NOTICE '%', CASE WHEN n = 1 THEN 'ok' ELSE 'FAIL' END || ' keyword-stress: "group" references itself (pg_constraint)';
    SELECT count(*) INTO n FROM pg_constraint a JOIN pg_constraint b
        ON a.contype = 'f' AND b.contype = 'f' AND a.conrelid = b.confrelid AND a.confrelid = b.conrelid AND a.conrelid <> a.confrelid
        WHERE a.conrelid = '"app_keyword_stress"."group"'::regclass;
    RAISE NOTICE '%', CASE WHEN n = 1 THEN 'ok' ELSE 'FAIL' END || ' keyword-stress: "group" and "user" reference each other (FK cycle)';
    SELECT count(*) INTO n FROM pg_attribute
        WHERE attrelid = '"app_keyword_stress"."order"'::regclass
          AND attname IN ('from', 'class', 'type', 'select', 'default', 'import', 'async', 'await');
    RAISE NOTICE '%', CASE WHEN n = 8 THEN 'ok' ELSE 'FAIL' END || ' keyword-stress: "order" has the keyword columns (' || n || ')';
END
$t$;

BEGIN;
DO $t$
DECLARE r record;
BEGIN
    PERFORM set_config('app.role', 'Admin', true);
    INSERT INTO app_keyword_stress."group" (name) VALUES ('g');
    INSERT INTO app_keyword_stress."user" (email) VALUES ('u@example.com');
    INSERT INTO app_keyword_stress."order" ("from") VALUES ('LHR') RETURNING * INTO r;
    RAISE NOTICE '%', CASE WHEN r."class" = 'back\slash' AND r."select" = -2 AND r."import" = 1.25 AND NOT r."async"
        AND r."await" = '{"k": [1, "it''s", null, "a\\b"]}'::jsonb AND r."ref" = '123e4567-e89b-12d3-a456-426614174000'
        AND r."day" = '2024-02-29' AND r."default" = '2024-06-01 12:00:00+00' AND r."type" = current_date
        AND r."note" = 'O''Brien \ "quoted" – ünïcode'
        THEN 'ok' ELSE 'FAIL' END || ' keyword-stress: defaults with quotes, backslashes and unicode round-trip';
END
$t$;
ROLLBACK;
DROP SCHEMA app_keyword_stress CASCADE;
EOF

finish
