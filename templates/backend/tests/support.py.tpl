{{ header }}
"""What the generated tests share: valid values for every column, rows
made through the API (parents first, by a user allowed to), row filters
evaluated here in Python (SQL three-valued logic) and the users of every
role. Nothing here is specific to the app: it reads tests/blueprint.py."""

import dataclasses
import datetime as _dt
import itertools
import math
import os
import re
import secrets
import uuid

import pytest

from . import blueprint as bp

# Unique per run, so values of unique columns and user emails never meet
# what an earlier run on the same database left behind.
RUN = secrets.token_hex(4)
SYSTEM = ("id", "created_at", "updated_at", "created_by")
COLUMNS = {t: {c["name"]: c for c in cols} for t, cols in bp.TABLES.items()}
FKS = {(r["table"], r["column"]): r for r in bp.RELATIONSHIPS}
ORDERED = ("int", "float", "date", "timestamptz")
FILTERABLE = ("uuid", "text", "int", "float", "bool", "date", "timestamptz")
_seq = itertools.count(1)
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


class CannotBuild(Exception):
    """No row with the wanted properties can be made through the API."""


def user_columns(table):
    return [c for c in bp.TABLES[table] if not c["system"]]


def fk(table, column):
    return FKS.get((table, column))


# ---- answers -----------------------------------------------------------------

def show(r):
    """A request and its answer, for assertion messages."""
    return f"{r.request.method} {r.request.url} -> {r.status_code} {r.text[:600]}"


def expect(r, *statuses):
    assert r.status_code in statuses, show(r)
    return r


def names(message, field):
    """The error message names the field (as a word of its own)."""
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(field) + r"(?![A-Za-z0-9_])", message or "") is not None


def expect_error(r, status, field=None):
    """An error answer: the status, JSON {message, detail}, the field named."""
    expect(r, status)
    body = r.json()
    assert isinstance(body, dict) and "message" in body and "detail" in body, show(r)
    if field is not None:
        assert names(body["message"], field), f"the message does not name {field!r}: " + show(r)
    return body


def path(table, row_id=None):
    """/table or /table/{row_id}."""
    return "/" + table if row_id is None else f"/{table}/{row_id}"


def total(r):
    value = r.headers.get("x-total-count")
    assert value is not None and value.isdigit(), "no X-Total-Count: " + show(r)
    return int(value)


# ---- values ------------------------------------------------------------------

def same(a, b, typ):
    """SQL '=' between a value the API answered and one the test holds."""
    if a is None or b is None:
        return a is None and b is None
    if typ == "uuid":
        return str(a).lower() == str(b).lower()
    if typ in ("int", "float"):
        return not isinstance(a, bool) and math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if typ == "date":
        return _dt.date.fromisoformat(str(a)) == _dt.date.fromisoformat(str(b))
    if typ == "timestamptz":
        return _dt.datetime.fromisoformat(str(a)) == _dt.datetime.fromisoformat(str(b))
    return a == b


def sort_key(v, typ):
    if typ == "uuid":
        return uuid.UUID(str(v)).bytes
    if typ == "date":
        return _dt.date.fromisoformat(str(v))
    if typ == "timestamptz":
        return _dt.datetime.fromisoformat(str(v))
    return v


def query_value(v, typ):
    """A value as the list's query parameters write it."""
    if typ == "bool":
        return "true" if v else "false"
    return str(v)


def fits(col, v):
    """v passes the column's constraints (enum, min, max, maxLength, required)."""
    if v is None:
        return not col["required"]
    if "enum" in col and v not in col["enum"]:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "min" in col and v < col["min"] or "max" in col and v > col["max"]:
            return False
    if isinstance(v, str) and "maxLength" in col and len(v) > col["maxLength"]:
        return False
    return True


def _random(n):
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def _text(col, n):
    tag = f"{RUN}{n:04d}"
    limit = col.get("maxLength")
    fmt = col.get("format")
    if fmt == "email":
        v = f"t{tag}@example.com"
    elif fmt in ("url", "image"):
        v = f"https://example.com/t/{tag}.png"
    else:
        v = f"{col['name'][:16]}-{tag}"
    if limit is not None and len(v) > limit:
        if fmt == "email" and limit >= 6:
            v = _random(limit - 5) + "@x.io"
        else:
            v = _random(max(1, min(limit, 24)))[:limit]
    return v


def _number(col, n, integer):
    lo, hi = col.get("min"), col.get("max")
    if integer:
        lo = None if lo is None else math.ceil(lo)
        hi = None if hi is None else math.floor(hi)
    width = 10**9 if col["unique"] else 1000
    if lo is None:
        lo = 0 if hi is None or hi >= width else hi - width
    if hi is None:
        hi = lo + width
    k = secrets.randbelow(10**9) if col["unique"] else n
    if integer:
        return lo + k % (hi - lo + 1)
    return lo + (hi - lo) * (k % 997 + 1) / 999


def value(col, n=None):
    """A valid value of a column that is not a foreign key; unique columns
    get a value no earlier run can have."""
    n = next(_seq) if n is None else n
    typ = col["type"]
    if "enum" in col:
        return secrets.choice(col["enum"]) if col["unique"] else col["enum"][n % len(col["enum"])]
    if typ == "text":
        return _text(col, n)
    if typ == "int":
        return _number(col, n, True)
    if typ == "float":
        return _number(col, n, False)
    if typ == "bool":
        return n % 2 == 1
    if typ == "uuid":
        return str(uuid.uuid4())
    if typ == "date":
        days = secrets.randbelow(36500) if col["unique"] else n % 3000
        return (_dt.date(2024, 1, 1) + _dt.timedelta(days=days)).isoformat()
    if typ == "timestamptz":
        secs = secrets.randbelow(10**9) if col["unique"] else n * 3607
        return (_dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(seconds=secs)).isoformat()
    return {"test": RUN, "n": n}


def other_than(col, excluded):
    """A valid, non-null value of col that is none of `excluded`."""
    if "enum" in col:
        cands = list(col["enum"])
    elif col["type"] == "bool":
        cands = [True, False]
    else:
        cands = [value(col) for _ in range(4)]
    for v in cands:
        if fits(col, v) and not any(same(v, x, col["type"]) for x in excluded):
            return v
    raise CannotBuild(f"no valid value of {col['name']} other than {list(excluded)!r}")


def missing_value(table, column):
    """A value of a foreign key column that no referenced row has."""
    col = COLUMNS[table][column]
    if col["type"] == "uuid":
        return str(uuid.uuid4())
    return value(dict(col, unique=True))


def default_of(col):
    """(True, value) for a column default that is a value, (False, None) otherwise."""
    d = col.get("default")
    if d is not None and d["kind"] == "value":
        return True, d["value"]
    return False, None


# ---- row filters -------------------------------------------------------------

def row_filter(role, table):
    return bp.ROW_FILTERS.get((role, table)) if bp.AUTH else None


def _variable(name, user):
    if user is None:
        return None
    return {"user.id": user.id, "user.email": user.email, "user.role": user.role}[name]


def _operand(x, row, user):
    if "column" in x:
        return row.get(x["column"])
    if "variable" in x:
        return _variable(x["variable"], user)
    return x.get("value")


def _null_literal(x):
    return "column" not in x and "variable" not in x and x.get("value") is None


def ev(f, row, user):
    """The filter on a row (JSON) for a user: True, False or None (SQL NULL)."""
    op = f["op"]
    if op in ("and", "or"):
        vals = [ev(a, row, user) for a in f["args"]]
        stop = op == "or"  # or: any True wins; and: any False wins
        if any(v is stop for v in vals):
            return stop
        return None if any(v is None for v in vals) else not stop
    if op == "in":
        v = row.get(f["column"])
        return None if v is None else any(same(v, x, f["type"]) for x in f["values"])
    left, right = f["left"], f["right"]
    if _null_literal(right):
        return _operand(left, row, user) is None
    if _null_literal(left):
        return _operand(right, row, user) is None
    a, b = _operand(left, row, user), _operand(right, row, user)
    if a is None or b is None:
        return None
    return same(a, b, left.get("type") or right.get("type"))


def filter_columns(f):
    """The columns a filter reads."""
    if f is None:
        return set()
    if f["op"] in ("and", "or"):
        return set().union(*(filter_columns(a) for a in f["args"]))
    if f["op"] == "in":
        return {f["column"]}
    return {x["column"] for x in (f["left"], f["right"]) if "column" in x}


@dataclasses.dataclass(frozen=True)
class Eq:
    """The column must hold this value (None: be null)."""
    value: object


@dataclasses.dataclass(frozen=True)
class Not:
    """The column must hold a non-null value that is none of these."""
    values: tuple


_PLANS_MAX = 64


def plans(table, f, user, want):
    """Ways to give a new row of `table` column values so that the filter is
    True for `user` (want=True) or not True (want=False): a list of
    {column: Eq | Not}, simplest first. created_by stands for who creates it."""
    cols = COLUMNS[table]

    def merge(a, b):
        m = dict(a)
        for k, c in b.items():
            o, typ = m.get(k), cols[k]["type"]
            if o is None:
                m[k] = c
            elif isinstance(o, Eq) and isinstance(c, Eq):
                if not same(o.value, c.value, typ):
                    return None
            elif isinstance(o, Not) and isinstance(c, Not):
                m[k] = Not(o.values + c.values)
            else:
                eq, ne = (o, c) if isinstance(o, Eq) else (c, o)
                if eq.value is None or any(same(eq.value, v, typ) for v in ne.values):
                    return None
                m[k] = eq
        return m

    def product(parts):
        result = [{}]
        for options in parts:
            result = [m for a in result for b in options if (m := merge(a, b)) is not None][:_PLANS_MAX]
        return result

    def walk(f, want):
        op = f["op"]
        if op in ("and", "or"):
            parts = [walk(a, want) for a in f["args"]]
            if (op == "and") == want:
                return product(parts)
            return [p for part in parts for p in part][:_PLANS_MAX]
        if op == "in":
            c = f["column"]
            if want:
                return [{c: Eq(v)} for v in f["values"]]
            return [{c: Not(tuple(f["values"]))}, {c: Eq(None)}]
        left, right = f["left"], f["right"]
        if "column" in left and "column" in right:
            return [] if want else [{}]  # two columns: generated values differ
        if "column" not in left and "column" not in right:
            return [{}] if (ev(f, {}, user) is True) == want else []
        column, other = (left["column"], right) if "column" in left else (right["column"], left)
        if _null_literal(other):
            return [{column: Eq(None)}] if want else [{column: Not(())}]
        v = _operand(other, {}, user)
        if v is None:
            return [] if want else [{}]
        return [{column: Eq(v)}] if want else [{column: Not((v,))}, {column: Eq(None)}]

    return walk(f, want) if f is not None else ([{}] if want else [])


def concrete(col, c):
    """A value meeting an Eq or Not of a plan."""
    v = c.value if isinstance(c, Eq) else other_than(col, c.values)
    if not fits(col, v):
        raise CannotBuild(f"{col['name']} = {v!r} does not fit the column")
    return v


# ---- users -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class User:
    id: str
    email: str
    role: str
    token: str

    def __str__(self):
        return f"{self.role} user {self.email}"


def call(client, method, path, user=None, **kw):
    """One request, as `user` (None: without a token)."""
    headers = dict(kw.pop("headers", None) or {})
    if user is not None:
        headers["Authorization"] = "Bearer " + user.token
    return client.request(method, path, headers=headers, **kw)


def role_may(role, table, action):
    return action in bp.PERMISSIONS.get((role, table), ())


def may(user, table, action):
    """The blueprint lets the user's role run the action on the table."""
    return not bp.AUTH or user is not None and role_may(user.role, table, action)


def login(client, email, password):
    r = client.post("/auth/login", data={"username": email, "password": password})
    assert r.status_code == 200, show(r)
    return r.json()["access_token"]


class Team:
    """Who the tests act as: the admin bootstrapped from ADMIN_EMAIL /
    ADMIN_PASSWORD and, made through /auth/users on first use, users "a"
    and "b" of every role (deleted again at the end). Authentication off:
    one anonymous caller (None)."""

    def __init__(self, client):
        self.client = client
        self.password = "Pw-" + RUN + "-" + _random(10)
        self.users = {}
        self.admin = None
        if bp.AUTH:
            email = os.environ["ADMIN_EMAIL"]
            token = login(client, email, os.environ["ADMIN_PASSWORD"])
            r = client.get("/auth/me", headers={"Authorization": "Bearer " + token})
            assert r.status_code == 200, show(r)
            me = r.json()
            self.admin = User(me["id"], email, me["role"], token)

    def user(self, role, tag="a"):
        if not bp.AUTH:
            return None
        if (role, tag) not in self.users:
            email = f"{role.lower()}.{tag}.{RUN}@example.com"
            r = call(self.client, "POST", "/auth/users", self.admin,
                     json={"email": email, "password": self.password, "role": role})
            assert r.status_code == 201, show(r)
            made = r.json()
            self.users[(role, tag)] = User(str(made["id"]), email, role, login(self.client, email, self.password))
        return self.users[(role, tag)]

    def candidates(self, fit=lambda role: True):
        """The admin, then a user of every other role, as far as their role
        fits (users are made as they are reached)."""
        if not bp.AUTH:
            yield None
            return
        if fit(self.admin.role):
            yield self.admin
        for role in bp.ROLES:
            if role != self.admin.role and fit(role):
                yield self.user(role)

    def known(self):
        """The admin and the users made so far (None when authentication is off)."""
        if not bp.AUTH:
            return [None]
        return [self.admin, *self.users.values()]

    def able(self, table, *actions):
        """The users (the admin first) whose role may run every one of the
        actions on the table, with no row filter there."""
        yield from self.candidates(
            lambda role: all(role_may(role, table, a) for a in actions) and row_filter(role, table) is None)

    def actor(self, table, *actions):
        """The first of able(); skips the test when no role may."""
        for user in self.able(table, *actions):
            return user
        pytest.skip(f"no role may {' and '.join(actions)} {table} without a row filter")

    def dispose(self):
        for user in self.users.values():
            call(self.client, "DELETE", f"/auth/users/{user.id}", self.admin)
        self.users.clear()


# ---- rows --------------------------------------------------------------------

_NESTING_MAX = 8


class Rows:
    """The rows one test makes, through the API; deleted again, newest
    first, when the test ends (the `rows` fixture)."""

    def __init__(self, client, team):
        self.client = client
        self.team = team
        self.made = []  # (table, row as the API answered it)
        self.parents = {}  # table -> a row children of this test may share

    def body(self, table, plan=None, fake_parents=False, stack=()):
        """A valid JSON body for POST /table: every column set, `plan`
        obeyed, foreign keys pointing at parent rows made first (shared
        within the test unless the key is unique; nullable keys are left
        null when their table is already being made: cycles and
        self-references). fake_parents: keys point nowhere (for a request
        that must be refused before it reaches the database)."""
        plan = plan or {}
        body = {}
        for col in user_columns(table):
            name = col["name"]
            ref = fk(table, name)
            if name in plan:
                body[name] = self.key(table, name, plan[name], stack) if ref and not fake_parents else concrete(col, plan[name])
            elif ref is None:
                body[name] = value(col)
            elif fake_parents:
                body[name] = missing_value(table, name) if col["required"] else None
            elif col["required"] or ref["ref_table"] not in stack:
                if len(stack) >= _NESTING_MAX:
                    raise CannotBuild(f"required foreign keys from {table} nest too deep (a cycle of them?)")
                parent = self.parent(ref["ref_table"], stack + (table,), shared=not col["unique"])
                body[name] = parent[ref["ref_column"]]
            else:
                body[name] = None
        return body

    def key(self, table, column, c, stack):
        """A foreign key value meeting a plan's Eq or Not: a row this test
        made (Eq), or a parent whose key is none of the Not's values."""
        ref, col = fk(table, column), COLUMNS[table][column]
        if isinstance(c, Eq):
            if c.value is None or any(t == ref["ref_table"] and same(row[ref["ref_column"]], c.value, col["type"])
                                      for t, row in self.made):
                return concrete(col, c)
            raise CannotBuild(f"{table}.{column} = {c.value!r} names no {ref['ref_table']} row")
        for shared in (not col["unique"], False):
            v = self.parent(ref["ref_table"], stack + (table,), shared)[ref["ref_column"]]
            if not any(same(v, x, col["type"]) for x in c.values):
                return v
        raise CannotBuild(f"no {ref['ref_table']} row for {table}.{column} outside {list(c.values)!r}")

    def parent(self, table, stack, shared):
        if not shared:
            return self.create(table, stack=stack)
        if table not in self.parents:
            self.parents[table] = self.create(table, stack=stack)
        return self.parents[table]

    def creator(self, table, body, plan):
        """The first user who may create the row: the role's permission, the
        plan's created_by, the role's row filter on the new row."""
        want = (plan or {}).get("created_by")
        for user in self.team.candidates(lambda role: role_may(role, table, "create")):
            uid = user.id if user is not None else None
            if want is not None and not (uid is not None and (
                    same(want.value, uid, "uuid") if isinstance(want, Eq)
                    else not any(same(uid, v, "uuid") for v in want.values))):
                continue
            f = row_filter(user.role, table) if user is not None else None
            if f is None or ev(f, dict(body, created_by=uid), user) is True:
                return user
        raise CannotBuild(f"no user may create this row of {table}")

    def post(self, table, body, user):
        """POST /table; a row made is deleted when the test ends."""
        r = call(self.client, "POST", path(table), user, json=body)
        if r.status_code == 201:
            self.made.append((table, r.json()))
        return r

    def create(self, table, plan=None, by="anyone", stack=()):
        """A new row of the table (the answer's JSON), made by `by` or by the
        first user who may."""
        attempts = 5 if any(c["unique"] for c in user_columns(table)) else 1
        for _ in range(attempts):  # a random unique value may be taken: new values
            body = self.body(table, plan, stack=stack)
            user = self.creator(table, body, plan) if by == "anyone" else by
            r = self.post(table, body, user)
            if r.status_code != 409:
                break
        assert r.status_code == 201, f"making a row of {table} as {user}: " + show(r)
        return r.json()

    def matching(self, table, f, user, want=True, by="anyone"):
        """A new row the filter shows to `user` (want=True) or hides from
        them (want=False); CannotBuild when no plan gives one."""
        reasons = []
        for plan in plans(table, f, user, want):
            try:
                row = self.create(table, plan, by=by)
            except CannotBuild as e:
                reasons.append(str(e))
                continue
            if (ev(f, row, user) is True) == want:
                return row
            reasons.append(f"the row made for {plan} does not {'pass' if want else 'fail'} the filter")
        raise CannotBuild(f"no row of {table} the filter {'shows to' if want else 'hides from'} {user}: "
                          + ("; ".join(reasons) or "the filter cannot be " + ("true" if want else "false")))

    def get(self, table, row_id, user):
        return call(self.client, "GET", path(table, row_id), user)

    def cleanup(self):
        for table, row in reversed(self.made):
            for user in self.team.known():
                if not may(user, table, "delete"):
                    continue
                r = call(self.client, "DELETE", path(table, row["id"]), user)
                if r.status_code == 200 or r.status_code == 404 and (user is None or row_filter(user.role, table) is None):
                    break
        self.made.clear()
        self.parents.clear()


def patchable(table, avoid=()):
    """A column a PATCH can change freely: not a foreign key, not in
    `avoid`; a non-unique one if there is one. None if no column fits."""
    cols = [c for c in user_columns(table) if fk(table, c["name"]) is None and c["name"] not in avoid]
    cols.sort(key=lambda c: c["unique"])
    return cols[0] if cols else None
