{{ header }}
"""Every table through the API, each action as a user whose role may run
it without a row filter (authentication off: anyone): create, get, list
with the simple-rest parameters, aggregate, replace (PUT), update
(PATCH), delete, foreign keys, and the error answers (404, 409, 413,
422). Plus /health and /openapi.json."""

import math
import uuid

import pytest

from . import blueprint as bp
from .support import (COLUMNS, FILTERABLE, ORDERED, SYSTEM, Eq, call, default_of, expect, expect_error, fk,
                      missing_value, other_than, patchable, path, query_value, same, show, sort_key, total,
                      user_columns)

TABLES = bp.TABLE_ORDER


def _cases(fn):
    """pytest params (table, *case), id "table-suffix", from fn(table) ->
    (suffix, case)... over every table."""
    out = []
    for table in TABLES:
        for suffix, case in fn(table):
            out.append(pytest.param(table, *case, id=f"{table}-{suffix}" if suffix else table))
    return out


def _bad_values(table):
    wrong = {"text": 12345, "int": "not-a-number", "float": "not-a-number", "bool": "not-a-bool",
             "uuid": "not-a-uuid", "date": "not-a-date", "timestamptz": "not-a-time"}
    for col in user_columns(table):
        name = col["name"]
        if col["type"] in wrong:
            yield f"{name}-type", (name, wrong[col["type"]], True)
        if "enum" in col:
            yield f"{name}-enum", (name, "zz-not-in-enum", True)
        if "min" in col:
            yield f"{name}-min", (name, math.floor(col["min"]) - 1, True)
        if "max" in col:
            yield f"{name}-max", (name, math.ceil(col["max"]) + 1, True)
        if "maxLength" in col:
            yield f"{name}-maxLength", (name, "x" * (col["maxLength"] + 1), True)
        if col["required"]:
            yield f"{name}-null", (name, None, False)  # in a PATCH only the database refuses it


def _unique_columns(table):
    for col in user_columns(table):
        if col["unique"] and fk(table, col["name"]) is None:
            yield col["name"], (col["name"],)


def _methods_and_system_columns(table):
    for method in ("POST", "PUT", "PATCH"):
        for name in SYSTEM:
            yield f"{method}-{name}", (method, name)


def _relationships():
    return [pytest.param(r, id=f"{r['table']}.{r['column']}->{r['ref_table']}.{r['ref_column']}")
            for r in bp.RELATIONSHIPS]


_ACTION = {"POST": "create", "PUT": "update", "PATCH": "update"}


def _same_row(got, want, table, skip=()):
    """The columns on which two answers for one row differ."""
    return [c for c, col in COLUMNS[table].items()
            if c not in skip and not same(got.get(c), want.get(c), col["type"])]


# ---- /health, /openapi.json ---------------------------------------------------

def test_health(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}, show(r)


@pytest.fixture(scope="module")
def openapi_paths(client):
    return expect(client.get("/openapi.json"), 200).json()["paths"]


@pytest.mark.parametrize("table", TABLES)
def test_openapi_lists_table(openapi_paths, table):
    paths = openapi_paths
    assert {"get", "post"} <= set(paths.get(path(table), {})), sorted(paths)
    assert {"get", "put", "patch", "delete"} <= set(paths.get(path(table, "{id}"), {})), sorted(paths)
    assert "get" in paths.get(path(table, "aggregate"), {}), sorted(paths)


# ---- create, get, replace, update, delete ---------------------------------------

@pytest.mark.parametrize("table", TABLES)
def test_create_and_get(client, team, rows, table):
    user, reader = team.actor(table, "create"), team.actor(table, "read")
    body = rows.body(table)
    r = expect(rows.post(table, body, user), 201)
    row = r.json()
    assert set(row) == set(COLUMNS[table]), f"the answer's fields are the table's columns: {sorted(row)}"
    differ = [c for c, v in body.items() if not same(row[c], v, COLUMNS[table][c]["type"])]
    assert not differ, f"{differ} differ from what was sent: {row} vs {body}"
    uuid.UUID(row["id"])
    assert row["created_at"] and row["updated_at"], row
    assert same(row["created_by"], user.id if user else None, "uuid"), row
    got = expect(rows.get(table, row["id"], reader), 200).json()
    assert not _same_row(got, row, table), (got, row)


@pytest.mark.parametrize("table", TABLES)
def test_replace_resets_omitted_fields(client, team, rows, table):
    user = team.actor(table, "update", "read")
    row = rows.create(table)
    body = {c["name"]: row[c["name"]] for c in user_columns(table)
            if c["required"] and c.get("default") is None}
    r = expect(call(client, "PUT", path(table, row["id"]), user, json=body), 200)
    got = r.json()
    wrong = []
    for col in user_columns(table):
        name = col["name"]
        is_value, default = default_of(col)
        if name in body:
            ok = same(got[name], body[name], col["type"])
        elif is_value:
            ok = same(got[name], default, col["type"])
        elif col.get("default") is not None:
            ok = got[name] is not None
        else:
            ok = got[name] is None
        if not ok:
            wrong.append(f"{name}={got[name]!r}")
    assert not wrong, f"PUT without these fields left them not at their default / null: {wrong}"
    assert not _same_row(got, row, table, skip=[c["name"] for c in user_columns(table)] + ["updated_at"]), (got, row)
    if body:
        expect_error(call(client, "PUT", path(table, row["id"]), user, json={}), 422, next(iter(body)))


@pytest.mark.parametrize("table", TABLES)
def test_update_changes_only_given_fields(client, team, rows, table):
    user = team.actor(table, "update", "read")
    row = rows.create(table)
    col = patchable(table)
    change = {} if col is None else {col["name"]: other_than(col, [row[col["name"]]])}
    got = expect(call(client, "PATCH", path(table, row["id"]), user, json=change), 200).json()
    for name, v in change.items():
        assert same(got[name], v, COLUMNS[table][name]["type"]), (name, got[name], v)
    assert not _same_row(got, row, table, skip=list(change) + ["updated_at"]), (got, row)
    assert sort_key(got["updated_at"], "timestamptz") >= sort_key(row["updated_at"], "timestamptz"), (got, row)
    again = expect(rows.get(table, row["id"], user), 200).json()
    assert not _same_row(again, got, table), (again, got)


@pytest.mark.parametrize("table", TABLES)
def test_delete_returns_the_row_then_404(client, team, rows, table):
    user = team.actor(table, "delete", "read")
    row = rows.create(table)
    got = expect(call(client, "DELETE", path(table, row["id"]), user), 200).json()
    assert got["id"] == row["id"], got
    expect_error(rows.get(table, row["id"], user), 404)
    expect_error(call(client, "DELETE", path(table, row["id"]), user), 404)


@pytest.mark.parametrize("table", TABLES)
def test_unknown_id_is_404(client, team, rows, table):
    row_id = str(uuid.uuid4())
    body = rows.body(table, fake_parents=True)
    for action, method, kw in (("read", "GET", {}), ("update", "PUT", {"json": body}), ("update", "PATCH", {"json": {}}),
                               ("delete", "DELETE", {})):
        for user in team.able(table, action):
            expect_error(call(client, method, path(table, row_id), user, **kw), 404)
            break


# ---- list (Refine simple-rest) ---------------------------------------------------

def _listing(client, table, user, query):
    r = expect(call(client, "GET", path(table), user, params=query), 200)
    body = r.json()
    assert isinstance(body, list), show(r)
    return body, total(r)


def _ids(rows_):
    return [r["id"] for r in rows_]


@pytest.mark.parametrize("table", TABLES)
def test_list_pages_sorts_and_counts(client, team, rows, table):
    user = team.actor(table, "list")
    made = [rows.create(table) for _ in range(3)]
    ids = [m["id"] for m in made]
    by_id = [("id", i) for i in ids]
    asc = sorted(ids, key=lambda i: sort_key(i, "uuid"))

    got, count = _listing(client, table, user, by_id)
    assert count == 3 and sorted(_ids(got)) == sorted(ids), (count, got)
    got, count = _listing(client, table, user, by_id + [("_sort", "id"), ("_order", "desc")])
    assert _ids(got) == asc[::-1], (_ids(got), asc[::-1])
    got, count = _listing(client, table, user, by_id + [("_sort", "id"), ("_order", "asc"), ("_start", "1"), ("_end", "2")])
    assert _ids(got) == asc[1:2] and count == 3, (_ids(got), count)

    ordered = [c for c in user_columns(table) if c["type"] in ORDERED and fk(table, c["name"]) is None]
    if ordered:
        # PostgreSQL sorts NULL first in descending order; ties by id.
        name, typ = ordered[0]["name"], ordered[0]["type"]
        got, _ = _listing(client, table, user, by_id + [("_sort", f"{name},id"), ("_order", "desc,asc")])
        by_uuid = sorted(made, key=lambda m: sort_key(m["id"], "uuid"))
        values = sorted((m for m in by_uuid if m[name] is not None), key=lambda m: sort_key(m[name], typ), reverse=True)
        want = [m for m in by_uuid if m[name] is None] + values
        assert _ids(got) == _ids(want), (name, _ids(got), _ids(want))

    page, count = _listing(client, table, user, [("_start", "0"), ("_end", "1000")])
    assert len(page) <= 100, f"a page of {len(page)} rows: the page size is capped at 100"
    expect_error(call(client, "GET", path(table), user, params=[("zz_no_such_column", "1")]), 422, "zz_no_such_column")
    expect_error(call(client, "GET", path(table), user, params=[("_sort", "zz_no_such_column")]), 422)


@pytest.mark.parametrize("table", TABLES)
def test_list_filters(client, team, rows, table):
    """col=v (repeated = IN), col_ne, col_gte, col_lte, col_like and q, each
    against the same rows filtered here in Python."""
    user = team.actor(table, "list")
    made = [rows.create(table) for _ in range(3)]
    by_id = [("id", m["id"]) for m in made]
    wrong = []

    def check(label, query, keep):
        got, count = _listing(client, table, user, by_id + query)
        want = sorted(m["id"] for m in made if keep(m))
        if sorted(_ids(got)) != want or count != len(want):
            wrong.append(f"{label}: got {sorted(_ids(got))} (X-Total-Count {count}), expected {want}")

    texts = [c["name"] for c in COLUMNS[table].values() if c["type"] == "text"]
    for col in COLUMNS[table].values():
        name, typ = col["name"], col["type"]
        if typ not in FILTERABLE or name in ("id", "created_at", "updated_at"):  # id=: the getMany above
            continue
        values = [m[name] for m in made if m[name] is not None]
        if not values:
            continue
        v = values[0]
        check(f"{name}={v!r}", [(name, query_value(v, typ))], lambda m: same(m[name], v, typ))
        check(f"{name}=..&{name}=..", [(name, query_value(x, typ)) for x in values[:2]],
              lambda m: any(same(m[name], x, typ) for x in values[:2]))
        check(f"{name}_ne={v!r}", [(name + "_ne", query_value(v, typ))],
              lambda m: m[name] is not None and not same(m[name], v, typ))
        if typ in ORDERED:
            check(f"{name}_gte={v!r}", [(name + "_gte", query_value(v, typ))],
                  lambda m: m[name] is not None and sort_key(m[name], typ) >= sort_key(v, typ))
            check(f"{name}_lte={v!r}", [(name + "_lte", query_value(v, typ))],
                  lambda m: m[name] is not None and sort_key(m[name], typ) <= sort_key(v, typ))
        if typ == "text" and len(v) >= 3:
            needle = "".join(ch.swapcase() if ch.isascii() else ch for ch in v[1:-1])
            check(f"{name}_like={needle!r}", [(name + "_like", needle)],
                  lambda m: m[name] is not None and needle.lower() in m[name].lower())
            check(f"q={needle!r}", [("q", needle)],
                  lambda m: any(m[t] is not None and needle.lower() in m[t].lower() for t in texts))
    assert not wrong, "\n".join(wrong)


# ---- aggregate -------------------------------------------------------------------

def _aggregate(client, table, user, query):
    return call(client, "GET", path(table, "aggregate"), user, params=query)


@pytest.mark.parametrize("table", TABLES)
def test_aggregate(client, team, rows, table):
    user = team.actor(table, "list")
    made = [rows.create(table) for _ in range(3)]
    by_id = [("id", m["id"]) for m in made]
    r = expect(_aggregate(client, table, user, by_id + [("metric", "count")]), 200)
    assert r.json() == {"metric": "count", "column": None, "groupBy": None, "value": 3, "groups": []}, show(r)

    r = expect(_aggregate(client, table, user, by_id + [("metric", "count"), ("groupBy", "id")]), 200)
    keys = sorted((m["id"] for m in made), key=lambda i: sort_key(i, "uuid"))
    assert r.json()["groups"] == [{"key": k, "value": 1} for k in keys], show(r)

    wrong = []
    for col in user_columns(table):
        name = col["name"]
        if col["type"] not in ("int", "float") or fk(table, name) is not None:
            continue
        values = [m[name] for m in made if m[name] is not None]
        want = {"sum": sum(values), "min": min(values), "max": max(values),
                "avg": sum(values) / len(values)} if values else {"sum": None, "min": None, "max": None, "avg": None}
        for metric, v in want.items():
            r = expect(_aggregate(client, table, user, by_id + [("metric", metric), ("column", name)]), 200)
            got = r.json()
            if got["metric"] != metric or got["column"] != name or not same(got["value"], v, "float"):
                wrong.append(f"{metric}({name}): {got}, expected {v}")
    groupable = [c for c in user_columns(table) if "enum" in c or c["type"] == "bool"]
    if groupable:
        name = groupable[0]["name"]
        r = expect(_aggregate(client, table, user, by_id + [("metric", "count"), ("groupBy", name)]), 200)
        got = {repr(g["key"]): g["value"] for g in r.json()["groups"]}
        want = {}
        for m in made:
            want[repr(m[name])] = want.get(repr(m[name]), 0) + 1
        if got != want:
            wrong.append(f"count by {name}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)

    expect_error(_aggregate(client, table, user, [("metric", "median")]), 422, "metric")
    expect_error(_aggregate(client, table, user, [("metric", "max"), ("column", "zz_no_such_column")]), 422, "column")
    expect_error(_aggregate(client, table, user, [("metric", "count"), ("groupBy", "zz_no_such_column")]), 422, "groupBy")
    texts = [c["name"] for c in COLUMNS[table].values() if c["type"] == "text"]
    if texts:
        expect_error(_aggregate(client, table, user, [("metric", "sum"), ("column", texts[0])]), 422, "column")


# ---- invalid input: 422 naming the field, 413 -------------------------------------

@pytest.mark.parametrize("table,field,bad,in_patch", _cases(_bad_values))
def test_bad_value_is_422(client, team, rows, table, field, bad, in_patch):
    body = dict(rows.body(table, fake_parents=True), **{field: bad})
    expect_error(call(client, "POST", path(table), team.actor(table, "create"), json=body), 422, field)
    for user in team.able(table, "update") if in_patch else ():
        expect_error(call(client, "PATCH", path(table, uuid.uuid4()), user, json={field: bad}), 422, field)
        break


@pytest.mark.parametrize("table", TABLES)
def test_unknown_field_is_422(client, team, rows, table):
    body = dict(rows.body(table, fake_parents=True), zz_unknown_field=1)
    for method in ("POST", "PUT", "PATCH"):
        url = path(table) if method == "POST" else path(table, uuid.uuid4())
        for user in team.able(table, _ACTION[method]):
            expect_error(call(client, method, url, user, json=body), 422, "zz_unknown_field")
            break


@pytest.mark.parametrize("table,method,field", _cases(_methods_and_system_columns))
def test_system_column_in_body_is_422(client, team, rows, table, method, field):
    user = team.actor(table, _ACTION[method])
    v = str(uuid.uuid4()) if COLUMNS[table][field]["type"] == "uuid" else "2020-01-02T03:04:05+00:00"
    body = dict(rows.body(table, fake_parents=True), **{field: v})
    url = path(table) if method == "POST" else path(table, uuid.uuid4())
    expect_error(call(client, method, url, user, json=body), 422, field)


@pytest.mark.parametrize("table", TABLES)
def test_body_too_large_is_413(client, team, table):
    user = team.admin  # the cap comes before authentication
    body = b'{"zz": "' + b"x" * (1024 * 1024 + 16) + b'"}'
    r = call(client, "POST", path(table), user, content=body, headers={"Content-Type": "application/json"})
    expect_error(r, 413)


# ---- conflicts and foreign keys --------------------------------------------------

@pytest.mark.parametrize("table,field", _cases(_unique_columns))
def test_duplicate_unique_value_is_409(client, team, rows, table, field):
    user = team.actor(table, "create")
    first = rows.create(table, by=user)
    if first[field] is None:
        pytest.skip(f"{table}.{field} was left null")
    body = dict(rows.body(table), **{field: first[field]})
    expect_error(rows.post(table, body, user), 409)


@pytest.mark.parametrize("rel", _relationships())
def test_foreign_key_to_a_missing_row_is_409(client, team, rows, rel):
    table, column = rel["table"], rel["column"]
    user = team.actor(table, "create")
    body = dict(rows.body(table), **{column: missing_value(table, column)})
    expect_error(rows.post(table, body, user), 409)


@pytest.mark.parametrize("rel", _relationships())
def test_on_delete(client, team, rows, rel):
    """Deleting a referenced row: restrict -> 409 and the child stays;
    cascade -> the child is gone; set_null -> the child's key is null."""
    table, column, ref_table = rel["table"], rel["column"], rel["ref_table"]
    deleter, reader = team.actor(ref_table, "delete", "read"), team.actor(table, "read")
    parent = rows.create(ref_table)
    child = rows.create(table, {column: Eq(parent[rel["ref_column"]])})
    r = call(client, "DELETE", path(ref_table, parent["id"]), deleter)
    after = rows.get(table, child["id"], reader)
    if rel["on_delete"] == "restrict":
        expect_error(r, 409)
        assert after.status_code == 200 and after.json()[column] is not None, show(after)
    elif rel["on_delete"] == "cascade":
        expect(r, 200)
        expect_error(after, 404)
    else:
        expect(r, 200)
        assert after.status_code == 200 and after.json()[column] is None, show(after)
