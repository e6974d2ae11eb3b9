#!/usr/bin/env python3
"""db_checks.py - SQL check scripts for tests/e2e/db_test.sh.

Usage: db_checks.py seed|constraints|rls SLUG IR_JSON

Reads an app's normalized IR (blueprint.json of the app tree) and prints a
psql script. Every check runs in its own transaction that is rolled back,
and reports through one NOTICE "ok SLUG: ..." or "FAIL SLUG: ...", which
db_test.sh counts. The SQL here is written independently of the emitter
(its own quoting, its own reading of the row filters) so it can judge it.

  seed         as a superuser: rows A ("mine") and B ("someone else's") in
               every table, with foreign-key triggers off while inserting
               (cycles), then a check that every foreign key holds; for
               auth apps two users (U1, a non-admin role; U2, the admin).
  constraints  as a superuser: CHECK (enum, min, max, maxLength), NOT NULL,
               UNIQUE, FOREIGN KEY, column defaults, the updated_at trigger
               and the ON DELETE behaviour of every relationship.
  rls          as the app's role (which owns the tables): for every table
               and every role (plus a session with no settings and one with
               an unknown role) the rows it can select, update and delete,
               and whether it may insert a row that passes its row filter
               and one that does not; then the _users policies.

Expectations come from the IR's policies and row filters evaluated here in
Python on the seeded values (SQL three-valued logic).
"""

import datetime
import json
import math
import sys
import uuid

U1 = "11111111-1111-4111-8111-111111111111"
E1 = "me@example.com"
U2 = "22222222-2222-4222-8222-222222222222"
E2 = "someone.else@example.com"
NS = uuid.UUID("6f1c5a8e-5b1d-4c55-9a43-0d5c2f9e7a10")
TS = "2024-01-01T00:00:00+00:00"

PGTYPE = {
    "uuid": "uuid", "text": "text", "int": "bigint", "float": "double precision",
    "bool": "boolean", "date": "date", "timestamptz": "timestamptz", "jsonb": "jsonb",
}

A, B, C, D, E = 0, 1, 2, 3, 4  # seeded mine/other, inserted mine/other, defaults row
TAG = "$ag_check$"


def qi(name):
    return '"' + name.replace('"', '""') + '"'


def ql(text):
    return "'" + str(text).replace("'", "''") + "'"


def lit(value, typ):
    """A Python value as an SQL literal of blueprint type typ."""
    if value is None:
        return "NULL::" + PGTYPE[typ]
    if typ == "jsonb":
        return ql(json.dumps(value)) + "::jsonb"
    if typ == "bool":
        return "true" if value else "false"
    if typ in ("int", "float"):
        return "(" + repr(value) + ")::" + PGTYPE[typ]
    return ql(value) + "::" + PGTYPE[typ]


def same(a, b, typ):
    """SQL '=' on two non-null values of type typ."""
    if typ == "uuid":
        return str(a).lower() == str(b).lower()
    if typ in ("int", "float"):
        return float(a) == float(b)
    if typ == "date":
        return datetime.date.fromisoformat(a) == datetime.date.fromisoformat(b)
    if typ == "timestamptz":
        return datetime.datetime.fromisoformat(a) == datetime.datetime.fromisoformat(b)
    return a == b


def sql_and(vals):
    if any(v is False for v in vals):
        return False
    return None if any(v is None for v in vals) else True


def sql_or(vals):
    if any(v is True for v in vals):
        return True
    return None if any(v is None for v in vals) else False


class App:
    def __init__(self, slug, ir):
        self.slug = slug
        self.ir = ir
        self.schema = ir["app"]["dbSchema"]
        self.tables = {t["name"]: t for t in ir["data"]["tables"]}
        self.order = ir["data"]["tableOrder"]
        self.cols = {t["name"]: {c["name"]: c for c in t["columns"]} for t in ir["data"]["tables"]}
        self.rels = ir["data"]["relationships"]
        self.fk = {(r["fkTable"], r["fkColumn"]): r for r in self.rels}
        sec = ir["security"]
        self.auth = sec["auth"]["enabled"]
        self.signup = sec["auth"].get("signupRole")
        self.roles = sec["roles"]
        self.policies = {(p["table"], p["role"], p["command"]) for p in sec["policies"]}
        self.filters = {(f["role"], f["resource"]): f["filter"] for f in sec["rowFilters"]}
        self.bias = {}
        for f in sec["rowFilters"]:
            self.collect(f["filter"], f["resource"], f["role"])
        self.memo = {}

    def q(self, table):
        return qi(self.schema) + "." + qi(table)

    # ---- values ---------------------------------------------------------

    def fits(self, col, v):
        """v satisfies the column's CHECK constraints."""
        if v is None:
            return not col["required"]
        if "enum" in col and v not in col["enum"]:
            return False
        if "min" in col and isinstance(v, (int, float)) and v < col["min"]:
            return False
        if "max" in col and isinstance(v, (int, float)) and v > col["max"]:
            return False
        if "maxLength" in col and isinstance(v, str) and len(v) > col["maxLength"]:
            return False
        return True

    def other_than(self, col, excluded):
        """A valid value of col that is none of excluded (SQL '='), or None."""
        typ = col["type"]
        if "enum" in col:
            cands = list(col["enum"])
        elif typ == "text":
            cands = ["zz", "z", "zz-other"]
        elif typ == "int":
            lo = math.ceil(col.get("min", -1000))
            hi = math.floor(col.get("max", 1000))
            cands = [v for v in (7, lo, hi, lo + 1, hi - 1, 0) if lo <= v <= hi]
        elif typ == "float":
            lo, hi = col.get("min", -1000.0), col.get("max", 1000.0)
            cands = [v for v in (7.75, lo, hi, (lo + hi) / 2) if lo <= v <= hi]
        elif typ == "bool":
            cands = [True, False]
        elif typ == "uuid":
            cands = [str(uuid.uuid5(NS, "other/" + col["name"]))]
        elif typ == "date":
            cands = ["2001-02-03"]
        elif typ == "timestamptz":
            cands = ["2001-02-03T04:05:06+00:00"]
        else:
            cands = [{"other": True}]
        for v in cands:
            if self.fits(col, v) and not any(x is not None and same(v, x, typ) for x in excluded):
                return v
        return None

    def set_bias(self, table, column, mine, other):
        col = self.cols[table][column]
        if column == "id" or (table, column) in self.fk or (table, column) in self.bias:
            return
        if not self.fits(col, mine) or not self.fits(col, other):
            return
        self.bias[(table, column)] = (mine, other)

    def collect(self, f, table, role):
        """Seed values that make row A pass the filters and row B fail them."""
        op = f["op"]
        if op in ("and", "or"):
            for arg in f["args"]:
                self.collect(arg, table, role)
        elif op == "in":
            col = self.cols[table][f["column"]]
            self.set_bias(table, f["column"], f["values"][0], self.other_than(col, f["values"]))
        elif op == "equals":
            left, right = f["left"], f["right"]
            if "column" in left and "column" not in right:
                column, opnd = left["column"], right
            elif "column" in right and "column" not in left:
                column, opnd = right["column"], left
            else:
                return
            col = self.cols[table][column]
            if "variable" in opnd:
                var = opnd["variable"]
                mine = {"user.id": U1, "user.email": E1, "user.role": role}[var]
                other = {"user.id": U2, "user.email": E2}.get(var) or self.other_than(col, [role])
            elif opnd.get("value") is None:
                mine, other = None, self.generate(col, table, B)
            else:
                mine = opnd["value"]
                other = self.other_than(col, [mine])
            self.set_bias(table, column, mine, other)

    def generate(self, col, table, i):
        typ, name = col["type"], col["name"]
        letter = "abcde"[i]
        if "enum" in col:
            vals = col["enum"]
            return vals[(i % 2) % len(vals)] if i < C or len(vals) < 3 else vals[i % len(vals)]
        if typ == "text":
            if col.get("format") == "email":
                v = f"{letter}{i}@example.com"
            else:
                v = f"{letter}{i}-{name}"
            return v[: col["maxLength"]] if "maxLength" in col else v
        if typ == "int":
            lo = math.ceil(col["min"]) if "min" in col else None
            hi = math.floor(col["max"]) if "max" in col else None
            v = 1 + i
            if lo is not None and v < lo:
                v = lo + i
            if hi is not None and v > hi:
                v = hi - i
            if lo is not None and v < lo:
                v = lo
            return v
        if typ == "float":
            lo, hi = col.get("min"), col.get("max")
            v = 1.5 + i
            if lo is not None and v < lo:
                v = lo + i
            if hi is not None and v > hi:
                v = hi - i * 0.001
            if lo is not None and v < lo:
                v = lo
            return v
        if typ == "bool":
            return i % 2 == 0
        if typ == "uuid":
            return str(uuid.uuid5(NS, f"{self.schema}/{table}/{name}/{i}"))
        if typ == "date":
            return f"2024-01-0{i + 1}"
        if typ == "timestamptz":
            return f"2024-01-0{i + 1}T10:00:00+00:00"
        return {"row": i, "name": name}

    def value(self, table, column, i, stack=()):
        key = (table, column, i)
        if key in self.memo:
            return self.memo[key]
        col = self.cols[table][column]
        fk = self.fk.get((table, column))
        if column == "id":
            v = str(uuid.uuid5(NS, f"{self.schema}/{table}/{i}"))
        elif column in ("created_at", "updated_at"):
            v = TS
        elif fk and key not in stack:
            parent, ref = fk["refTable"], fk["refColumn"]
            if parent == table:  # self-reference: A is the root, B its child
                v = None if i == A and not col["required"] else self.value(parent, ref, A, stack + (key,))
            else:
                v = self.value(parent, ref, A if i % 2 == 0 else B, stack + (key,))
            if i >= C and col["unique"] and not col["required"]:
                v = None  # the parent's value is taken by row A or B
        elif (table, column) in self.bias and not (col["unique"] and i >= C):
            mine, other = self.bias[(table, column)]
            v = mine if i % 2 == 0 else other
        else:
            v = self.generate(col, table, i)
        self.memo[key] = v
        return v

    def row(self, table, i):
        return {c: self.value(table, c, i) for c in self.cols[table]}

    def insertable(self, table):
        """Rows C/D can be inserted next to A and B (no unique required FK)."""
        return not any(
            (table, c) in self.fk and col["unique"] and col["required"] for c, col in self.cols[table].items()
        )

    def insert_sql(self, table, rows):
        cols = list(self.cols[table])
        values = []
        for r in rows:
            values.append("(" + ", ".join(lit(r[c], self.cols[table][c]["type"]) for c in cols) + ")")
        return "INSERT INTO %s (%s) VALUES %s" % (self.q(table), ", ".join(qi(c) for c in cols), ", ".join(values))

    # ---- row filters ----------------------------------------------------

    def operand(self, opnd, row, sess):
        if "column" in opnd:
            return row[opnd["column"]]
        if "variable" in opnd:
            return sess[opnd["variable"]]
        return opnd.get("value")

    def ev(self, f, row, sess):
        op = f["op"]
        if op == "and":
            return sql_and([self.ev(a, row, sess) for a in f["args"]])
        if op == "or":
            return sql_or([self.ev(a, row, sess) for a in f["args"]])
        if op == "in":
            v = row[f["column"]]
            if v is None:
                return None
            return any(same(v, x, f["type"]) for x in f["values"])
        left, right = f["left"], f["right"]
        lnull = "column" not in left and "variable" not in left and left.get("value") is None
        rnull = "column" not in right and "variable" not in right and right.get("value") is None
        if rnull:
            return self.operand(left, row, sess) is None
        if lnull:
            return self.operand(right, row, sess) is None
        a, b = self.operand(left, row, sess), self.operand(right, row, sess)
        if a is None or b is None:
            return None
        return same(a, b, left.get("type") or right.get("type"))

    def allowed(self, table, role, command, row, sess):
        if not self.auth:
            return True
        if role is None or (table, role, command) not in self.policies:
            return False
        f = self.filters.get((role, table))
        return f is None or self.ev(f, row, sess) is True


def check(app, name, body, declare=""):
    """One check: its own transaction, one DO block, rolled back."""
    text = (
        "BEGIN;\nDO %s\nDECLARE\n    label text := %s;\n%sBEGIN\n%s\nEND\n%s;\nROLLBACK;\n"
        % (TAG, ql(app.slug + ": " + name), declare, body, TAG)
    )
    assert text.count(TAG) == 2, "dollar-quote tag inside a check"
    return text


def notice_ok():
    return "RAISE NOTICE '%', 'ok ' || label;"


def notice_fail(detail_sql):
    return "RAISE NOTICE '%%', 'FAIL ' || label || ': ' || %s;" % detail_sql


def expect_error(app, name, stmt, errname):
    body = """    BEGIN
        %s;
        %s
    EXCEPTION WHEN %s THEN
        %s
    WHEN OTHERS THEN
        %s
    END;""" % (
        stmt,
        notice_fail(ql("accepted, expected " + errname)),
        errname,
        notice_ok(),
        notice_fail("SQLSTATE || ' ' || SQLERRM"),
    )
    return check(app, name, body)


def expect_true(app, name, setup, cond, detail="'false'"):
    body = """    BEGIN
        %s
        IF %s THEN
            %s
        ELSE
            %s
        END IF;
    EXCEPTION WHEN OTHERS THEN
        %s
    END;""" % (
        setup, cond, notice_ok(), notice_fail(detail), notice_fail("SQLSTATE || ' ' || SQLERRM"))
    return check(app, name, body)


# ---- seed ---------------------------------------------------------------------

def seed(app):
    out = ["BEGIN;", "SET LOCAL session_replication_role = replica;"]
    for t in app.order:
        out.append(app.insert_sql(t, [app.row(t, A), app.row(t, B)]) + ";")
    if app.auth:
        admin = app.roles[0]
        user_role = app.roles[1] if len(app.roles) > 1 else admin
        out.append(
            "INSERT INTO %s (id, email, password_hash, role) VALUES (%s, %s, 'x', %s), (%s, %s, 'x', %s);"
            % (app.q("_users"), ql(U1), ql(E1), ql(user_role), ql(U2), ql(E2), ql(admin))
        )
    out.append("COMMIT;")
    for r in app.rels:
        cond = "NOT EXISTS (SELECT 1 FROM %s c WHERE c.%s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %s p WHERE p.%s = c.%s))" % (
            app.q(r["fkTable"]), qi(r["fkColumn"]), app.q(r["refTable"]), qi(r["refColumn"]), qi(r["fkColumn"]))
        out.append(expect_true(app, "seed rows satisfy %s" % r["constraint"], "", cond))
    return "\n".join(out)


# ---- constraints --------------------------------------------------------------

def constraints(app):
    out = []
    for t in app.order:
        a_id = lit(app.value(t, "id", A), "uuid")
        b_id = lit(app.value(t, "id", B), "uuid")
        for cname, col in app.cols[t].items():
            typ = col["type"]
            target = "%s.%s" % (t, cname)
            upd = "UPDATE %s SET %s = %%s WHERE id = %s" % (app.q(t), qi(cname), a_id)
            fk = (t, cname) in app.fk
            if "enum" in col:
                bad = "not-in-enum"
                while bad in col["enum"]:
                    bad += "!"
                out.append(expect_error(app, "CHECK rejects %s outside its enum" % target, upd % lit(bad, typ), "check_violation"))
            if "min" in col:
                out.append(expect_error(app, "CHECK rejects %s below min" % target, upd % lit(col["min"] - 1, typ), "check_violation"))
                if not col["unique"] and not fk:
                    out.append(expect_true(app, "CHECK accepts %s = min" % target, upd % lit(col["min"], typ) + ";", "true"))
            if "max" in col:
                out.append(expect_error(app, "CHECK rejects %s above max" % target, upd % lit(col["max"] + 1, typ), "check_violation"))
                if not col["unique"] and not fk:
                    out.append(expect_true(app, "CHECK accepts %s = max" % target, upd % lit(col["max"], typ) + ";", "true"))
            if "maxLength" in col:
                n = col["maxLength"]
                out.append(expect_error(app, "CHECK rejects %s longer than %d" % (target, n), upd % ("repeat('x', %d)" % (n + 1)), "check_violation"))
                if "enum" not in col and not col["unique"] and not fk:
                    out.append(expect_true(app, "CHECK accepts %s of length %d" % (target, n), upd % ("repeat('é', %d)" % n) + ";", "true"))
            if col["required"] and cname != "id":
                stmt = upd % ("NULL::" + PGTYPE[typ])
                if cname == "updated_at":  # the trigger would set it
                    stmt = "ALTER TABLE %s DISABLE TRIGGER USER;\n        %s" % (app.q(t), stmt)
                out.append(expect_error(app, "NOT NULL on %s" % target, stmt, "not_null_violation"))
            if col["unique"]:
                stmt = "UPDATE %s SET %s = (SELECT %s FROM %s WHERE id = %s) WHERE id = %s" % (
                    app.q(t), qi(cname), qi(cname), app.q(t), a_id, b_id)
                if app.value(t, cname, A) is not None:
                    out.append(expect_error(app, "UNIQUE on %s" % target, stmt, "unique_violation"))
            if fk and typ == "uuid":
                out.append(expect_error(app, "FOREIGN KEY on %s rejects a missing row" % target,
                                        upd % lit(str(uuid.uuid5(NS, "missing")), "uuid"), "foreign_key_violation"))
        # updated_at trigger
        out.append(expect_true(
            app, "trigger sets %s.updated_at on UPDATE" % t,
            "UPDATE %s SET updated_at = '2000-01-01T00:00:00Z' WHERE id = %s;" % (app.q(t), a_id),
            "(SELECT updated_at = now() FROM %s WHERE id = %s)" % (app.q(t), a_id)))
        out.append(defaults_check(app, t))
    for r in app.rels:
        out.append(on_delete_check(app, r))
    if app.auth:
        out.append(expect_error(app, "CHECK rejects a _users.role outside the roles",
                                "UPDATE %s SET role = 'NoSuchRole' WHERE id = %s" % (app.q("_users"), ql(U1)), "check_violation"))
        out.append(expect_error(app, "UNIQUE on _users.email",
                                "UPDATE %s SET email = %s WHERE id = %s" % (app.q("_users"), ql(E2), ql(U1)), "unique_violation"))
        out.append(expect_true(
            app, "trigger sets _users.updated_at on UPDATE",
            "UPDATE %s SET updated_at = '2000-01-01T00:00:00Z' WHERE id = %s;" % (app.q("_users"), ql(U1)),
            "(SELECT updated_at = now() FROM %s WHERE id = %s)" % (app.q("_users"), ql(U1))))
    return "\n".join(out)


def defaults_check(app, t):
    """Insert row E with only the required columns; the others take their defaults."""
    given = {}
    for cname, col in app.cols[t].items():
        d = col.get("default")
        if cname == "id" or (col["required"] and d is None) or (t, cname) in app.fk and col["required"]:
            v = app.value(t, cname, E)
            if (t, cname) in app.fk and col["unique"]:
                return ""  # would collide with row A's reference
            given[cname] = v
    e_id = lit(given["id"], "uuid")
    conds = []
    for cname, col in app.cols[t].items():
        if cname in given:
            continue
        d = col.get("default")
        c = qi(cname)
        if d is None:
            conds.append("%s IS NULL" % c)
        elif d["kind"] == "uuid":
            conds.append("%s IS NOT NULL" % c)
        elif d["kind"] == "now":
            conds.append("%s = %s" % (c, "current_date" if col["type"] == "date" else "now()"))
        else:
            conds.append("%s = %s" % (c, lit(d["value"], col["type"])))
    cols = list(given)
    setup = "SET LOCAL session_replication_role = replica;\n        INSERT INTO %s (%s) VALUES (%s);" % (
        app.q(t), ", ".join(qi(c) for c in cols),
        ", ".join(lit(given[c], app.cols[t][c]["type"]) for c in cols))
    cond = "(SELECT %s FROM %s WHERE id = %s)" % (" AND ".join(conds) or "true", app.q(t), e_id)
    return expect_true(app, "defaults of %s" % t, setup, cond)


def on_delete_check(app, r):
    child, parent = r["fkTable"], r["refTable"]
    child_i = B if child == parent else A
    child_id = lit(app.value(child, "id", child_i), "uuid")
    parent_id = lit(app.value(parent, "id", A), "uuid")
    if app.value(child, r["fkColumn"], child_i) is None:
        return ""
    drops = []
    for o in app.rels:
        if o is not r:
            drops.append("ALTER TABLE %s DROP CONSTRAINT %s;" % (app.q(o["fkTable"]), qi(o["constraint"])))
    setup = "\n        ".join(drops)
    delete = "DELETE FROM %s WHERE id = %s" % (app.q(parent), parent_id)
    name = "ON DELETE %s of %s" % (r["onDelete"], r["constraint"])
    if r["onDelete"] == "restrict":
        body = """    %s
    BEGIN
        %s;
        %s
    EXCEPTION WHEN foreign_key_violation THEN
        %s
    WHEN OTHERS THEN
        %s
    END;""" % (setup, delete, notice_fail(ql("the parent was deleted")), notice_ok(), notice_fail("SQLSTATE || ' ' || SQLERRM"))
        return check(app, name, body)
    if r["onDelete"] == "cascade":
        cond = "NOT EXISTS (SELECT 1 FROM %s WHERE id = %s)" % (app.q(child), child_id)
    else:
        cond = "(SELECT %s IS NULL FROM %s WHERE id = %s)" % (qi(r["fkColumn"]), app.q(child), child_id)
    return expect_true(app, name, setup + "\n        " + delete + ";", cond)


# ---- row-level security -------------------------------------------------------

def settings(role, user=U1, email=E1):
    if role is None:
        return ""
    return "PERFORM set_config('app.role', %s, true), set_config('app.user_id', %s, true), set_config('app.email', %s, true);" % (
        ql(role), ql(user), ql(email))


UNDO = "RAISE EXCEPTION USING ERRCODE = 'AGUND';"


def rls_check(app, t, role, label):
    sess = {"user.id": U1 if role else None, "user.email": E1 if role else None, "user.role": role}
    rows = [app.row(t, A), app.row(t, B)]

    def n(cmd):
        return sum(1 for r in rows if app.allowed(t, role, cmd, r, sess))

    can_insert = app.insertable(t)
    want = "select %d, update %d, delete %d" % (n("select"), n("update"), n("delete"))
    if can_insert:
        verdict = ["allowed" if app.allowed(t, role, "insert", app.row(t, i), sess) else "denied" for i in (C, D)]
        want += ", insert mine %s, other %s" % tuple(verdict)
    drops = "".join(
        "\n            ALTER TABLE %s DROP CONSTRAINT %s;" % (app.q(r["fkTable"]), qi(r["constraint"]))
        for r in app.rels if r["refTable"] == t)
    inserts = ""
    if can_insert:
        for var, i in (("ins_c", C), ("ins_d", D)):
            inserts += """
    BEGIN
        %s;
        %s := 'allowed';
        %s
    EXCEPTION WHEN SQLSTATE 'AGUND' THEN NULL;
    WHEN insufficient_privilege THEN %s := 'denied';
    WHEN OTHERS THEN %s := 'error ' || SQLSTATE || ' ' || SQLERRM;
    END;""" % (app.insert_sql(t, [app.row(t, i)]), var, UNDO, var, var)
        got_ins = "|| ', insert mine ' || ins_c || ', other ' || ins_d"
    else:
        got_ins = ""
    body = """    %s
    SELECT count(*)::text INTO sel FROM %s;
    BEGIN
        UPDATE %s SET updated_at = now();
        GET DIAGNOSTICS n = ROW_COUNT;
        upd := n::text;
        %s
    EXCEPTION WHEN SQLSTATE 'AGUND' THEN NULL;
    WHEN OTHERS THEN upd := 'error ' || SQLSTATE || ' ' || SQLERRM;
    END;
    BEGIN%s
        DELETE FROM %s;
        GET DIAGNOSTICS n = ROW_COUNT;
        del := n::text;
        %s
    EXCEPTION WHEN SQLSTATE 'AGUND' THEN NULL;
    WHEN OTHERS THEN del := 'error ' || SQLSTATE || ' ' || SQLERRM;
    END;%s
    got := 'select ' || sel || ', update ' || upd || ', delete ' || del %s;
    IF got = want THEN
        RAISE NOTICE '%%', 'ok ' || label || ': ' || got;
    ELSE
        RAISE NOTICE '%%', 'FAIL ' || label || ': got ' || got || '; expected ' || want;
    END IF;""" % (settings(role), app.q(t), app.q(t), UNDO, drops, app.q(t), UNDO, inserts, got_ins)
    declare = "    want text := %s;\n    got text;\n    n bigint;\n    sel text; upd text; del text;\n    ins_c text; ins_d text;\n" % ql(want)
    return check(app, label, body, declare)


def users_checks(app):
    admin = app.roles[0]
    user_role = app.roles[1] if len(app.roles) > 1 else admin
    u = app.q("_users")
    out = []
    out.append(expect_true(app, "_users: a session without settings sees no user", "",
                           "(SELECT count(*) = 0 FROM %s)" % u))
    out.append(expect_true(app, "_users: the admin role (%s) sees every user" % admin, settings(admin, U2, E2),
                           "(SELECT count(*) = 2 FROM %s)" % u))
    out.append(expect_true(
        app, "_users: the admin role creates a user and changes a role", settings(admin, U2, E2) +
        "\n        INSERT INTO %s (email, password_hash, role) VALUES ('new@example.com', 'x', %s);" % (u, ql(user_role)) +
        "\n        UPDATE %s SET role = %s WHERE id = %s;" % (u, ql(admin), ql(U1)),
        "(SELECT count(*) = 3 FROM %s)" % u))
    if user_role == admin:  # a single-role app: every user is an admin
        return out + signup_checks(app, admin, user_role)
    out.append(expect_true(app, "_users: a user sees only their own row", settings(user_role, U1, E1),
                           "(SELECT count(*) = 1 AND min(email) = %s FROM %s)" % (ql(E1), u)))
    body = """    %s
    UPDATE %s SET email = 'renamed@example.com' WHERE id = %s;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE %s SET email = 'hijack@example.com' WHERE id = %s;
    GET DIAGNOSTICS m = ROW_COUNT;
    IF n = 1 AND m = 0 THEN
        %s
    ELSE
        %s
    END IF;""" % (settings(user_role, U1, E1), u, ql(U1), u, ql(U2), notice_ok(),
                 notice_fail("'own ' || n || ', other ' || m"))
    out.append(check(app, "_users: a user updates their own row, not another's", body, "    n bigint;\n    m bigint;\n"))
    out.append(expect_error(app, "_users: a user cannot change their own role",
                            settings(user_role, U1, E1) + "\n        UPDATE %s SET role = %s WHERE id = %s" % (u, ql(admin), ql(U1)),
                            "insufficient_privilege"))
    out.append(expect_error(app, "_users: a non-admin cannot create users",
                            settings(user_role, U1, E1) + "\n        INSERT INTO %s (email, password_hash, role) VALUES ('x@example.com', 'x', %s)" % (u, ql(user_role)),
                            "insufficient_privilege"))
    return out + signup_checks(app, admin, user_role)


def signup_checks(app, admin, user_role):
    u = app.q("_users")
    out = []
    out.append(expect_true(app, "_users: login reads exactly the row of app.login_email",
                           "PERFORM set_config('app.login_email', %s, true);" % ql(E2),
                           "(SELECT count(*) = 1 AND min(role) = %s FROM %s)" % (ql(admin), u)))
    login = "PERFORM set_config('app.login_email', 'new.user@example.com', true);\n        "
    if app.signup:
        out.append(expect_true(app, "_users: signup inserts a %s row for app.login_email" % app.signup,
                               login + "INSERT INTO %s (email, password_hash, role) VALUES ('new.user@example.com', 'x', %s);" % (u, ql(app.signup)),
                               "(SELECT count(*) = 1 FROM %s)" % u))
        out.append(expect_error(app, "_users: signup cannot pick another email",
                                login + "INSERT INTO %s (email, password_hash, role) VALUES ('other.user@example.com', 'x', %s)" % (u, ql(app.signup)),
                                "insufficient_privilege"))
        if app.signup != admin:
            out.append(expect_error(app, "_users: signup cannot pick the admin role",
                                    login + "INSERT INTO %s (email, password_hash, role) VALUES ('new.user@example.com', 'x', %s)" % (u, ql(admin)),
                                    "insufficient_privilege"))
    else:
        out.append(expect_error(app, "_users: no signup without a signupRole",
                                login + "INSERT INTO %s (email, password_hash, role) VALUES ('new.user@example.com', 'x', %s)" % (u, ql(user_role)),
                                "insufficient_privilege"))
    return out


def rls(app):
    out = []
    roles = list(app.roles) if app.auth else []
    for t in app.order:
        out.append(rls_check(app, t, None, "rls %s with no settings" % t))
        for role in roles:
            out.append(rls_check(app, t, role, "rls %s as %s" % (t, role)))
        if app.auth:
            out.append(rls_check(app, t, "NoSuchRole", "rls %s as an unknown role" % t))
    if app.auth:
        out.extend(users_checks(app))
    return "\n".join(out)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("seed", "constraints", "rls"):
        sys.stderr.write(__doc__)
        return 2
    with open(sys.argv[3], encoding="utf-8") as f:
        app = App(sys.argv[2], json.load(f))
    print("\\set ON_ERROR_STOP 1")
    print("SET client_encoding = 'UTF8';")
    print({"seed": seed, "constraints": constraints, "rls": rls}[sys.argv[1]](app))
    return 0


if __name__ == "__main__":
    sys.exit(main())
