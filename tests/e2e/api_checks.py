#!/usr/bin/env python3
"""api_checks.py - black-box checks of one generated backend, run by
tests/e2e/backend_test.sh against the app under uvicorn.

Usage: api_checks.py BASE_URL IR_JSON SUPER_DSN APP_DSN

  BASE_URL   the running app (http://127.0.0.1:PORT)
  IR_JSON    the app tree's blueprint.json
  SUPER_DSN  libpq conninfo of a superuser (the truth: every row)
  APP_DSN    libpq conninfo of the app's own role (direct SQL under RLS)

With auth on, the bootstrap admin (ADMIN_EMAIL/ADMIN_PASSWORD from the
environment) creates two users per role through /auth/users, and rows in
every table. Then, for every role and table, the API's answers are compared
with (a) the permissions and row filters of the IR, evaluated here in
Python on the superuser's view of the rows (db_checks.App), and (b) what a
direct SQL session of the app role sees with that user's settings:
list (all pages) and aggregate count, read of visible and hidden rows,
create, update and delete, each 2xx / 403 / 404 as the blueprint says.
Also: /health, /docs, /openapi.json, 401s, /auth/users rules, signup,
PUT as a full replace, the aggregate metrics, 422 naming the field, and
the body cap with and without Content-Length.

Prints "ok ..." / "FAIL ..." lines (with indented details); the caller
counts them. Needs psycopg (the backend venv has it).
"""

import http.client
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from db_checks import A, B, E1, E2, U1, U2, App, same  # noqa: E402

SYSTEM = ("id", "created_at", "updated_at", "created_by")


def check(name, cond, info=""):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond and info != "":
        print("     " + str(info)[:800].replace("\n", "\n     "))
    return cond


class Client:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, token=None, form=None, raw=None, headers=None):
        hdrs = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, h, text = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, h, text = e.code, e.headers, e.read()
        try:
            doc = json.loads(text) if text else None
        except ValueError:
            doc = text.decode(errors="replace")
        return status, {k.lower(): v for k, v in h.items()}, doc


class Run:
    def __init__(self, base, ir, super_dsn, app_dsn):
        self.c = Client(base)
        self.app = App(ir["app"]["slug"], ir)
        self.ir = ir
        self.super = psycopg.connect(super_dsn, autocommit=True)
        self.app_dsn = app_dsn
        self.users = {}  # role -> [(id, email, token)]
        self.admin = None
        self.serial = 10
        self.created = {}  # (table, i) -> id of the seeded row
        self.rows = {}  # (table, i) -> the seeded row as the API answered it

    # ---- helpers ----------------------------------------------------------

    def truth(self, table):
        """Every row of table, as JSON values, keyed by id."""
        with self.super.cursor() as cur:
            cur.execute("SELECT to_jsonb(t) FROM %s t" % self.app.q(table))
            return {r[0]["id"]: r[0] for r in cur.fetchall()}

    def sql_visible(self, table, user):
        """Ids a direct SQL session of the app role sees with user's settings."""
        with psycopg.connect(self.app_dsn) as conn, conn.cursor() as cur:
            if user is not None:
                cur.execute("SELECT set_config('app.user_id', %s, true), set_config('app.role', %s, true),"
                            " set_config('app.email', %s, true)", (user[0], user[3], user[1]))
            cur.execute("SELECT id::text FROM %s" % self.app.q(table))
            ids = {r[0] for r in cur.fetchall()}
            conn.rollback()
            return ids

    def sess(self, user):
        if user is None:
            return {"user.id": None, "user.email": None, "user.role": None}
        return {"user.id": user[0], "user.email": user[1], "user.role": user[3]}

    def role_of(self, user):
        return None if user is None else user[3]

    def may(self, table, user, action):
        if not self.app.auth:
            return True
        for p in self.ir["security"]["permissions"]:
            if p["role"] == user[3] and p["resource"] == table:
                return bool(p["actions"].get(action))
        return False

    def sees(self, table, user, row):
        return self.app.allowed(table, self.role_of(user), "select", row, self.sess(user))

    def list_all(self, table, token, extra=""):
        rows, start, total = [], 0, None
        while True:
            s, h, b = self.c.call("GET", "/%s?_start=%d&_end=%d%s" % (table, start, start + 100, extra), token=token)
            if s != 200:
                return s, b, None
            rows += b
            total = int(h.get("x-total-count", "-1"))
            start += 100
            if start >= total or not b:
                return s, rows, total

    def vary(self, col, v, k):
        """v made distinct for serial k (unique columns), still valid."""
        typ = col["type"]
        if v is None or "enum" in col:
            return v
        if typ == "text":
            s = ("u%d@" % k + v.split("@", 1)[1]) if col.get("format") == "email" and "@" in v else "%d-%s" % (k, v)
            return s[: col["maxLength"]] if "maxLength" in col else s
        if typ in ("int", "float"):
            w = v + k
            return w if col.get("max") is None or w <= col["max"] else v - k if v - k >= col.get("min", v - k) else v
        if typ == "uuid":
            return str(uuid.uuid5(uuid.UUID(v), str(k)))
        if typ == "date":
            return "20%02d-01-01" % (k % 100)
        if typ == "timestamptz":
            return "20%02d-01-01T00:00:00+00:00" % (k % 100)
        return v

    def body(self, table, i, user, k=None):
        """A create body for table from db_checks' row i: users U1/U2 are
        `user` and another user, foreign keys point at seeded rows. None
        when a required foreign key has no row to point at."""
        other = self.other_user(user)
        ids = {U1: user[0] if user else None, U2: other[0] if other else None}
        mails = {E1: user[1] if user else E1, E2: other[1] if other else E2}
        out = {}
        for name, col in self.app.cols[table].items():
            if name in SYSTEM:
                continue
            v = self.app.value(table, name, i)
            fk = self.app.fk.get((table, name))
            if fk is not None:
                target = None
                for j in (A, B):
                    parent = self.rows.get((fk["refTable"], j))
                    if v is not None and parent and v == self.app.value(fk["refTable"], fk["refColumn"], j):
                        target = parent.get(fk["refColumn"])
                v = target
                if v is None and col["required"]:
                    return None
                if v is not None and col["unique"] and k is not None:
                    if col["required"]:
                        return None  # a second row would take the same parent
                    v = None
            elif isinstance(v, str):
                v = mails.get(v, ids.get(v, v)) if v in ids or v in mails else v
            if k is not None and col["unique"] and fk is None:
                v = self.vary(col, v, k)
            out[name] = v
        return out

    def other_user(self, user):
        if user is None:
            return None
        same_role = self.users.get(user[3], [])
        for u in same_role:
            if u[0] != user[0]:
                return u
        return self.admin

    # ---- auth ---------------------------------------------------------------

    def login(self, email, password):
        s, h, b = self.c.call("POST", "/auth/login", form={"username": email, "password": password})
        return b.get("access_token") if s == 200 and isinstance(b, dict) else None

    def auth_checks(self):
        first = self.app.order[0]
        s, h, b = self.c.call("GET", "/" + first)
        check("GET /%s without a token is 401 {message, detail}" % first,
              s == 401 and isinstance(b, dict) and "message" in b and "detail" in b, (s, b))
        s, h, b = self.c.call("GET", "/" + first, token="not.a.token")
        check("a bad token is 401", s == 401, (s, b))
        email, password = os.environ["ADMIN_EMAIL"], os.environ["ADMIN_PASSWORD"]
        check("a wrong password is 401", self.c.call("POST", "/auth/login",
              form={"username": email, "password": "wrong-password"})[0] == 401)
        check("a password over 72 bytes is 401, not an error", self.c.call("POST", "/auth/login",
              form={"username": email, "password": "x" * 100})[0] == 401)
        check("a NUL in the login email is 401", self.c.call("POST", "/auth/login",
              form={"username": "a\x00b", "password": password})[0] == 401)
        check("login ignores the case of the email", self.login(email.upper(), password) is not None)
        token = self.login(email, password)
        if not check("the bootstrap admin logs in", token is not None):
            return False
        s, h, me = self.c.call("GET", "/auth/me", token=token)
        admin_role = self.app.roles[0]
        check("/auth/me is the admin with the first role (%s)" % admin_role,
              s == 200 and me.get("email") == email and me.get("role") == admin_role, (s, me))
        self.admin = (me.get("id"), email, token, admin_role)
        self.users[admin_role] = [self.admin]
        for role in self.app.roles:
            for n in range(2 if role != admin_role else 1):
                e = "%s.%d@example.com" % ("".join(ch for ch in role.lower() if ch.isalnum()) or "r", n)
                s, h, b = self.c.call("POST", "/auth/users", {"email": e, "password": "pass-%d-word" % n, "role": role},
                                      token=token)
                ok = s == 201 and isinstance(b, dict) and b.get("role") == role and "password_hash" not in b \
                    and "password" not in b
                check("POST /auth/users creates a %s user" % role, ok, (s, b))
                if not ok:
                    continue
                t = self.login(e, "pass-%d-word" % n)
                check("the new %s user logs in" % role, t is not None)
                self.users.setdefault(role, []).append((b["id"], e, t, role))
        s, h, b = self.c.call("POST", "/auth/users", {"email": "x@example.com", "password": "short", "role": admin_role},
                              token=token)
        check("/auth/users: a password under 8 bytes is 422 naming password",
              s == 422 and "password" in b.get("message", ""), (s, b))
        s, h, b = self.c.call("POST", "/auth/users", {"email": "x@example.com", "password": "long-enough",
                                                     "role": "NoSuchRole"}, token=token)
        check("/auth/users: an unknown role is 422 naming role", s == 422 and "role" in b.get("message", ""), (s, b))
        s, h, b = self.c.call("POST", "/auth/users", {"email": "not-an-email", "password": "long-enough",
                                                     "role": admin_role}, token=token)
        check("/auth/users: a bad email is 422 naming email", s == 422 and "email" in b.get("message", ""), (s, b))
        s, h, b = self.c.call("POST", "/auth/users", {"email": email, "password": "long-enough", "role": admin_role},
                              token=token)
        check("/auth/users: a taken email is 409", s == 409, (s, b))
        s, h, b = self.c.call("GET", "/auth/users?_sort=email", token=token)
        n_users = sum(len(v) for v in self.users.values())
        check("GET /auth/users lists every user with X-Total-Count",
              s == 200 and h.get("x-total-count") == str(n_users) and len(b) == n_users
              and [u["email"] for u in b] == sorted(u["email"] for u in b), (s, h.get("x-total-count"), b))
        s, h, b = self.c.call("DELETE", "/auth/users/" + self.admin[0], token=token)
        check("the admin cannot delete themselves (409)", s == 409, (s, b))
        for role, us in self.users.items():
            if role == admin_role:
                continue
            s, h, b = self.c.call("GET", "/auth/users", token=us[0][2])
            check("GET /auth/users as %s is 403" % role, s == 403, (s, b))
            u = us[1]
            s, h, b = self.c.call("PATCH", "/auth/users/" + u[0], {"password": "new-pass-word"}, token=token)
            check("PATCH /auth/users/{id} sets a new password", s == 200 and self.login(u[1], "new-pass-word"), (s, b))
            break
        signup = self.app.signup
        s, h, b = self.c.call("POST", "/auth/signup", {"email": "new.person@example.com", "password": "signup-pass"})
        if signup:
            ok = check("POST /auth/signup creates a %s user and signs them in" % signup,
                       s == 201 and isinstance(b, dict) and b.get("access_token"), (s, b))
            if ok:
                s, h, me = self.c.call("GET", "/auth/me", token=b["access_token"])
                check("the signed-up user has the signup role", s == 200 and me.get("role") == signup, (s, me))
            s, h, b = self.c.call("POST", "/auth/signup", {"email": "new.person@example.com", "password": "signup-pass"})
            check("a second signup with the same email is 409", s == 409, (s, b))
            s, h, b = self.c.call("POST", "/auth/signup", {"email": "x2@example.com", "password": "signup-pass",
                                                          "role": self.app.roles[0]})
            check("signup cannot choose its role (422)", s == 422, (s, b))
        else:
            check("no signup route without a signupRole", s in (404, 405), (s, b))
        return True

    # ---- rows -----------------------------------------------------------------

    def creator_for(self, table):
        """Users who may create in table, admin first."""
        if not self.app.auth:
            return [None]
        out = [u for r in self.app.roles for u in self.users.get(r, [])[:1] if self.may(table, u, "create")]
        return out

    def owner_for(self, table):
        """The user that row A of table belongs to: a user of the first
        role with a row filter on it (else the admin)."""
        for f in self.ir["security"]["rowFilters"]:
            if f["resource"] == table and self.users.get(f["role"]):
                return self.users[f["role"]][0]
        return self.admin

    def seed(self):
        for table in self.app.order:
            for i in (A, B):
                owner = self.owner_for(table) if self.app.auth else None
                body = self.body(table, i, owner)
                if body is None:
                    check("seed %s row %d: no parent row for a required foreign key" % (table, i), True)
                    continue
                done = None
                for u in self.creator_for(table):
                    s, h, b = self.c.call("POST", "/" + table, body, token=u[2] if u else None)
                    if s == 201:
                        done = b
                        break
                if done is None and self.creator_for(table):
                    check("seed %s row %d through the API" % (table, i), False, (s, b, body))
                elif done is not None:
                    self.created[(table, i)] = done["id"]
                    self.rows[(table, i)] = done
        creatable = [t for t in self.app.order if self.creator_for(t)]
        check("seeded %d rows through the API" % len(self.created), len(self.created) > 0 or not creatable)

    def matrix(self):
        people = [u for r in self.app.roles for u in self.users.get(r, [])] if self.app.auth else [None]
        for table in self.app.order:
            truth = self.truth(table)
            for user in people:
                who = "anonymous" if user is None else "%s(%s)" % (user[3], user[1].split("@")[0])
                tok = user[2] if user else None
                expect = {i for i, r in truth.items() if self.sees(table, user, r)}
                # list + aggregate
                s, rows, total = self.list_all(table, tok)
                if not self.may(table, user, "list"):
                    check("%s: %s list is 403" % (table, who), s == 403, (s, rows))
                    s, h, b = self.c.call("GET", "/%s/aggregate?metric=count" % table, token=tok)
                    check("%s: %s aggregate is 403" % (table, who), s == 403, (s, b))
                else:
                    got = {r["id"] for r in rows} if s == 200 else None
                    sql = self.sql_visible(table, user)
                    check("%s: %s lists exactly the rows its filter allows (%d of %d), X-Total-Count agrees"
                          % (table, who, len(expect), len(truth)), got == expect and total == len(expect),
                          (s, "api-only", sorted((got or set()) - expect), "expected-only", sorted(expect - (got or set())),
                           total))
                    check("%s: %s direct SQL as the app role sees the same rows" % (table, who), sql == expect,
                          (sorted(sql - expect), sorted(expect - sql)))
                    s, h, b = self.c.call("GET", "/%s/aggregate?metric=count" % table, token=tok)
                    check("%s: %s aggregate count = %d" % (table, who, len(expect)),
                          s == 200 and b.get("value") == len(expect), (s, b))
                # read a visible and a hidden seeded row
                for i in (A, B):
                    rid = self.created.get((table, i))
                    if rid is None:
                        continue
                    s, h, b = self.c.call("GET", "/%s/%s" % (table, rid), token=tok)
                    want = 403 if not self.may(table, user, "read") else 200 if rid in expect else 404
                    check("%s: %s read of row %d is %d" % (table, who, i, want), s == want, (s, b))
                # create a row of its own, then update and delete it
                body = self.body(table, A, user, k=self.next())
                if body is None:
                    continue
                s, h, b = self.c.call("POST", "/" + table, body, token=tok)
                now = "2099-01-01T00:00:00+00:00"  # one transaction: created_at = updated_at
                row = dict(body, id=str(uuid.uuid4()), created_by=user[0] if user else None, created_at=now,
                           updated_at=now)
                if not self.may(table, user, "create"):
                    check("%s: %s create is 403" % (table, who), s == 403, (s, b))
                    continue
                insert_ok = self.app.allowed(table, self.role_of(user), "insert", row, self.sess(user)) \
                    and self.sees(table, user, row)
                want = 201 if insert_ok else 403
                if not check("%s: %s create is %d" % (table, who, want), s == want, (s, b, body)) or s != 201:
                    continue
                rid = b["id"]
                patch = self.patch_body(table)
                if patch is not None:
                    s, h, b = self.c.call("PATCH", "/%s/%s" % (table, rid), patch, token=tok)
                    want = 200 if self.may(table, user, "update") else 403
                    check("%s: %s update of its own row is %d" % (table, who, want), s == want, (s, b, patch))
                s, h, b = self.c.call("DELETE", "/%s/%s" % (table, rid), token=tok)
                want = 200 if self.may(table, user, "delete") else 403
                if not check("%s: %s delete of its own row is %d" % (table, who, want), s == want, (s, b)) \
                        or s != 200:
                    with self.super.cursor() as cur:
                        cur.execute("DELETE FROM %s WHERE id = %%s" % self.app.q(table), (rid,))
                # a hidden row stays hidden for update and delete
                hidden = [self.created[(table, i)] for i in (A, B)
                          if (table, i) in self.created and self.created[(table, i)] not in expect]
                if hidden and self.may(table, user, "update") and patch is not None:
                    s, h, b = self.c.call("PATCH", "/%s/%s" % (table, hidden[0]), patch, token=tok)
                    check("%s: %s update of a row its filter hides is 404" % (table, who), s == 404, (s, b))
                if hidden and self.may(table, user, "delete"):
                    s, h, b = self.c.call("DELETE", "/%s/%s" % (table, hidden[0]), token=tok)
                    check("%s: %s delete of a row its filter hides is 404" % (table, who), s == 404, (s, b))

    def next(self):
        self.serial += 1
        return self.serial

    def patch_body(self, table):
        """A change to a plain column (no filter, FK, unique or enum) of table."""
        used = set()
        for f in self.ir["security"]["rowFilters"]:
            if f["resource"] == table:
                used |= set(json.dumps(f["filter"]).split('"'))
        for name, col in self.app.cols[table].items():
            if name in SYSTEM or name in used or (table, name) in self.app.fk or col["unique"] or "enum" in col:
                continue
            if col["type"] == "text":
                v = "patched"
                return {name: v[: col["maxLength"]] if "maxLength" in col else v}
            if col["type"] == "bool":
                return {name: True}
        return None

    # ---- API features -----------------------------------------------------------

    def features(self):
        tok = self.admin[2] if self.admin else None
        s, h, b = self.c.call("GET", "/health")
        check("GET /health is 200 {status: ok}", s == 200 and b == {"status": "ok"}, (s, b))
        s, h, b = self.c.call("GET", "/docs")
        check("GET /docs serves Swagger UI", s == 200 and "swagger" in str(b).lower(), s)
        s, h, b = self.c.call("GET", "/openapi.json")
        paths = b.get("paths", {}) if isinstance(b, dict) else {}
        want = {p for t in self.app.order for p in ("/" + t, "/%s/{id}" % t, "/%s/aggregate" % t)}
        check("/openapi.json has every table's paths", s == 200 and want <= set(paths), sorted(want - set(paths)))
        for table in self.app.order:
            if self.app.auth and not (self.may(table, self.admin, "create") and self.may(table, self.admin, "update")):
                continue
            body = self.body(table, A, self.owner_for(table) if self.app.auth else None, k=self.next())
            if body is None:
                continue
            filtered = self.app.auth and (self.admin[3], table) in self.app.filters
            if not filtered:  # the checks compare with every row of the table
                self.put_check(table, body, tok)
                self.aggregate_check(table, tok)
            self.invalid_check(table, body, tok)
        self.body_cap(tok)

    def put_check(self, table, body, tok):
        s, h, b = self.c.call("POST", "/" + table, body, token=tok)
        if not check("%s: POST as the admin" % table, s == 201, (s, b, body)):
            return
        rid = b["id"]
        cols = self.app.cols[table]
        optional = [n for n, c in cols.items() if n not in SYSTEM and not c["required"] and body.get(n) is not None
                    and (table, n) not in self.app.fk]
        required = {n: v for n, v in body.items() if cols[n]["required"]}
        s, h, b = self.c.call("PUT", "/%s/%s" % (table, rid), required, token=tok)
        ok = s == 200
        for n in optional:
            d = cols[n].get("default")
            if d is None:
                ok = ok and b.get(n) is None
            elif d.get("kind") == "value" and d.get("value") is not None and b.get(n) is not None:
                typ = cols[n]["type"]
                ok = ok and (b.get(n) == d["value"] if typ == "jsonb" else same(b.get(n), d["value"], typ))
            elif d.get("kind") == "value":
                ok = ok and b.get(n) is None and d.get("value") is None
        check("%s: PUT is a full replace (omitted optional fields %s back to default/null)" % (table, optional),
              ok, (s, b))
        needed = [n for n in required if cols[n].get("default") is None]
        s, h, b = self.c.call("PUT", "/%s/%s" % (table, rid), {}, token=tok)
        check("%s: PUT {} is %s (required columns without a default: %s)" % (table, 422 if needed else 200, needed),
              s == (422 if needed else 200), (s, b))
        self.c.call("DELETE", "/%s/%s" % (table, rid), token=tok)

    def aggregate_check(self, table, tok):
        rows = list(self.truth(table).values())
        cols = self.app.cols[table]
        num = [n for n, c in cols.items() if c["type"] in ("int", "float")]
        for n in num[:2]:
            vals = [r[n] for r in rows if r.get(n) is not None]
            for metric, want in (("sum", sum(vals) if vals else None), ("min", min(vals) if vals else None),
                                 ("max", max(vals) if vals else None),
                                 ("avg", sum(vals) / len(vals) if vals else None)):
                s, h, b = self.c.call("GET", "/%s/aggregate?metric=%s&column=%s" % (table, metric, n), token=tok)
                got = b.get("value") if isinstance(b, dict) else None
                check("%s: aggregate %s(%s) = %s" % (table, metric, n, want),
                      s == 200 and (got == want or (got is not None and want is not None and abs(got - want) < 1e-6)),
                      (s, b))
        groupable = [n for n, c in cols.items() if "enum" in c or c["type"] == "bool"]
        for g in groupable[:1]:
            counts = {}
            for r in rows:
                counts[json.dumps(r.get(g))] = counts.get(json.dumps(r.get(g)), 0) + 1
            s, h, b = self.c.call("GET", "/%s/aggregate?metric=count&groupBy=%s" % (table, g), token=tok)
            got = {json.dumps(x["key"]): x["value"] for x in b.get("groups", [])} if s == 200 else None
            check("%s: aggregate count grouped by %s" % (table, g), got == counts, (s, b, counts))
        texts = [n for n, c in cols.items() if c["type"] == "text"]
        for n in texts[:1]:
            s, h, b = self.c.call("GET", "/%s/aggregate?metric=sum&column=%s" % (table, n), token=tok)
            check("%s: sum of a text column is 422 naming column" % table,
                  s == 422 and "column" in b.get("message", ""), (s, b))
        s, h, b = self.c.call("GET", "/%s/aggregate?metric=median" % table, token=tok)
        check("%s: an unknown metric is 422" % table, s == 422 and "metric" in b.get("message", ""), (s, b))

    def invalid_check(self, table, body, tok):
        cols = self.app.cols[table]
        for n, c in cols.items():
            if n in SYSTEM:
                continue
            bad = None
            if "maxLength" in c:
                bad = "x" * (c["maxLength"] + 1)
            elif c["type"] in ("int", "float") and "min" in c:
                bad = c["min"] - 1
            elif c["type"] == "int":
                bad = "not a number"
            if bad is not None:
                s, h, b = self.c.call("POST", "/" + table, dict(body, **{n: bad}), token=tok)
                check("%s: an invalid %s is 422 naming the field" % (table, n),
                      s == 422 and n in b.get("message", ""), (s, b))
                break
        # values PostgreSQL or the way back would not take: 422, never 500
        for n, c in cols.items():
            if n in SYSTEM or (table, n) in self.app.fk or "enum" in c:
                continue
            bads = {"text": ["a\u0000b"], "float": ["NaN", "Infinity"], "bool": [0, "yes"],
                    "timestamptz": ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
                    "int": [2**63]}.get(c["type"], [])
            for bad in bads:
                raw = json.dumps(dict(body, **{n: 0})).replace('"%s": 0' % n, '"%s": %s' % (n, json.dumps(bad)
                                                                                          if bad not in ("NaN", "Infinity") else bad))
                s, h, b = self.c.call("POST", "/" + table, raw=raw.encode(), token=tok,
                                      headers={"Content-Type": "application/json"})
                check("%s: %s = %s is 422 naming the field" % (table, n, raw.split('"%s": ' % n, 1)[1][:30].split(",")[0]),
                      s == 422 and isinstance(b, dict) and n in b.get("message", ""), (s, b))
            if c["required"]:
                rid = self.created.get((table, A))
                if rid is not None:
                    s, h, b = self.c.call("PATCH", "/%s/%s" % (table, rid), {n: None}, token=tok)
                    check("%s: PATCH %s = null (a required column) is 422" % (table, n), s == 422, (s, b))
        s, h, b = self.c.call("GET", "/%s?q=%%00" % table, token=tok)
        check("%s: a NUL in a filter is 422" % table, s == 422, (s, b))
        s, h, b = self.c.call("POST", "/" + table, dict(body, no_such_field=1), token=tok)
        check("%s: an unknown field is 422" % table, s == 422, (s, b))
        s, h, b = self.c.call("POST", "/" + table, dict(body, created_at="2020-01-01T00:00:00Z"), token=tok)
        check("%s: a system column in the body is 422" % table, s == 422, (s, b))
        s, h, b = self.c.call("GET", "/%s/%s" % (table, uuid.uuid4()), token=tok)
        check("%s: an unknown id is 404" % table, s == 404 and b.get("message") == "Not found", (s, b))

    def raw_post(self, path, body, tok, chunked):
        """POST body over a raw connection, as a client that keeps sending
        while the server may already have answered; the status or an error."""
        u = urllib.parse.urlsplit(self.c.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        if tok:
            conn.putheader("Authorization", "Bearer " + tok)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        try:
            for i in range(0, len(body), 65536):
                chunk = body[i:i + 65536]
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                conn.send(b"0\r\n\r\n")
        except OSError:
            pass  # the server may answer and close before the whole body is sent
        try:
            status = conn.getresponse().status
        except (OSError, http.client.HTTPException) as e:
            status = repr(e)
        conn.close()
        return status

    def body_cap(self, tok):
        path = "/" + self.app.order[0]
        big = b'{"x": "' + b"a" * (1024 * 1024) + b'"}'
        check("a body over 1 MiB with Content-Length is 413", self.raw_post(path, big, tok, False) == 413)
        check("a body over 1 MiB, chunked (no Content-Length), is 413", self.raw_post(path, big, tok, True) == 413)
        status = self.raw_post(path, b'{"no_such_field": 1}', tok, True)
        check("a small chunked body reaches the app (422 for its unknown field, or 403)", status in (403, 422), status)

    def stopped(self):
        s, h, b = self.c.call("GET", "/health")
        check("stopped: GET /health is 200", s == 200, (s, b))
        for method, path in [("GET", "/openapi.json"), ("POST", "/auth/login")] + [
                (m, "/" + t) for t in self.app.order for m in ("GET", "POST")]:
            s, h, b = self.c.call(method, path, {} if method == "POST" else None)
            check("stopped: %s %s is 503 App stopped" % (method, path),
                  s == 503 and isinstance(b, dict) and b.get("message") == "App stopped", (s, b))

    def main(self):
        if self.ir["app"].get("status") == "stopped":
            return self.stopped()
        if self.app.auth:
            if not self.auth_checks():
                return
        else:
            s, h, b = self.c.call("POST", "/auth/login", form={"username": "a", "password": "b"})
            check("auth off: no /auth routes", s == 404, (s, b))
        self.seed()
        self.features()
        self.matrix()
        with psycopg.connect(self.app_dsn) as conn, conn.cursor() as cur:
            seen = 0
            for t in self.app.order:
                cur.execute("SELECT count(*) FROM %s" % self.app.q(t))
                seen += cur.fetchone()[0]
        if self.app.auth:
            check("a direct SQL session of the app role without settings sees no row", seen == 0, seen)


if __name__ == "__main__":
    base, ir_path, super_dsn, app_dsn = sys.argv[1:5]
    with open(ir_path, encoding="utf-8") as f:
        ir = json.load(f)
    try:
        Run(base, ir, super_dsn, app_dsn).main()
    except Exception as e:  # noqa: BLE001
        import traceback
        check("the API checks ran without an exception", False, traceback.format_exc()[-1500:])
        del e
