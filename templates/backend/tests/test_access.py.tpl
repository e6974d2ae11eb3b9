{{ header }}
"""Who may do what: every role x table x action of the blueprint's
permissions (allowed: 2xx; not allowed: 403), and every row filter (a row
the filter hides is 404 for that user and absent from their lists; a row
the role may not create or move outside its filter is refused). For each
role, the aggregate count agrees with the list's X-Total-Count."""

import uuid

import pytest

from . import blueprint as bp
from .support import (COLUMNS, CannotBuild, Eq, call, concrete, ev, expect, expect_error, filter_columns, fk, may,
                      other_than, patchable, path, plans, row_filter, same, show, total)

TABLES = bp.TABLE_ORDER
MATRIX = [pytest.param(role, table, action, id=f"{table}-{role}-{action}")
          for table in TABLES for role in bp.ROLES for action in bp.ACTIONS]
FILTERED = [pytest.param(role, table, id=f"{table}-{role}") for (role, table) in bp.ROW_FILTERS]
# Filters a row can be created or moved out of: they read more than created_by
# (which the token sets) and the role may create or update.
MOVABLE = [pytest.param(role, table, id=f"{table}-{role}") for (role, table), f in bp.ROW_FILTERS.items()
           if filter_columns(f) - {"created_by"} and set(bp.PERMISSIONS.get((role, table), ())) & {"create", "update"}]


def _visible_row(rows, table, user):
    """A new row the user's role may see (its row filter passes)."""
    f = row_filter(user.role, table)
    return rows.create(table) if f is None else rows.matching(table, f, user)


def _change(table, row, avoid=()):
    """A PATCH body changing one column the row filter does not read."""
    col = patchable(table, avoid)
    return {} if col is None else {col["name"]: other_than(col, [row[col["name"]]])}


def _some_row_id(rows, table):
    """A row of the table, or (when none can be made) an id no row has."""
    try:
        return rows.create(table)["id"], True
    except CannotBuild:
        return str(uuid.uuid4()), False


@pytest.mark.parametrize("role,table,action", MATRIX)
def test_role_action(client, team, rows, role, table, action):
    user = team.user(role)
    f = row_filter(role, table)
    if not may(user, table, action):
        if action == "list":
            expect_error(call(client, "GET", path(table), user), 403)
            expect_error(call(client, "GET", path(table, "aggregate"), user, params={"metric": "count"}), 403)
        elif action == "create":
            expect_error(rows.post(table, rows.body(table, fake_parents=True), user), 403)
        else:
            row_id, real = _some_row_id(rows, table)
            method = {"read": "GET", "update": "PATCH", "delete": "DELETE"}[action]
            kw = {"json": {}} if method == "PATCH" else {}
            expect_error(call(client, method, path(table, row_id), user, **kw), 403)
            for reader in team.able(table, "read") if action == "delete" and real else ():
                expect(rows.get(table, row_id, reader), 200)
                break
        return

    if action == "list":
        try:  # something to count, when the role can be shown a row
            rows.create(table) if f is None else rows.matching(table, f, user)
        except CannotBuild:
            pass
        r = expect(call(client, "GET", path(table), user, params=[("_start", "0"), ("_end", "100")]), 200)
        count = total(r)
        listed = r.json()
        assert len(listed) <= count, show(r)
        if f is not None:
            hidden = [x["id"] for x in listed if ev(f, x, user) is not True]
            assert not hidden, f"{user} lists rows its filter hides: {hidden}"
        agg = expect(call(client, "GET", path(table, "aggregate"), user, params={"metric": "count"}), 200).json()
        assert agg["value"] == count, f"aggregate count {agg['value']} != X-Total-Count {count} for {user}"
    elif action == "read":
        row = _visible_row(rows, table, user)
        got = expect(rows.get(table, row["id"], user), 200).json()
        assert got["id"] == row["id"], got
    elif action == "create":
        row = rows.create(table, by=user) if f is None else rows.matching(table, f, user, by=user)
        assert same(row["created_by"], user.id, "uuid"), f"created_by is not the caller: {row}"
    elif action == "update":
        row = _visible_row(rows, table, user)
        change = _change(table, row, filter_columns(f))
        got = expect(call(client, "PATCH", path(table, row["id"]), user, json=change), 200).json()
        for name, v in change.items():
            assert same(got[name], v, COLUMNS[table][name]["type"]), (name, got)
    else:
        row = _visible_row(rows, table, user)
        expect(call(client, "DELETE", path(table, row["id"]), user), 200)
        if may(user, table, "read"):
            expect_error(rows.get(table, row["id"], user), 404)


@pytest.mark.parametrize("role,table", FILTERED)
def test_row_filter_hides_rows(client, team, rows, role, table):
    """Rows the filter shows to user a (and, as evaluated, maybe not to b of
    the same role) and rows it hides: read 404, absent from the list and the
    count, update and delete 404 for whoever may not see them."""
    f = row_filter(role, table)
    a, b = team.user(role, "a"), team.user(role, "b")
    if not (may(a, table, "read") or may(a, table, "list")):
        pytest.skip(f"{role} may neither read nor list {table}")
    made = []
    for want in (True, False):
        try:
            made.append(rows.matching(table, f, a, want))
        except CannotBuild as e:
            if want:
                pytest.skip(str(e))
    cases = [(row, user, ev(f, row, user) is True) for row in made for user in (a, b)]

    def what(row, user, seen):
        return f"{user}, row {row['id']} ({'shown' if seen else 'hidden'} by the filter)"

    wrong = []
    for row, user, seen in cases:
        if may(user, table, "read"):
            r = rows.get(table, row["id"], user)
            if r.status_code != (200 if seen else 404):
                wrong.append(f"{what(row, user, seen)}: GET -> {r.status_code}")
        if may(user, table, "list"):
            r = call(client, "GET", path(table), user, params=[("id", row["id"])])
            if r.status_code != 200 or total(r) != int(seen) or [x["id"] for x in r.json()] != [row["id"]] * int(seen):
                wrong.append(f"{what(row, user, seen)}: list -> {show(r)}")
            r = call(client, "GET", path(table, "aggregate"), user, params=[("id", row["id"]), ("metric", "count")])
            if r.status_code != 200 or r.json().get("value") != int(seen):
                wrong.append(f"{what(row, user, seen)}: aggregate count -> {show(r)}")
    assert not wrong, "\n".join(wrong)

    for row, user, seen in cases:
        if seen:
            continue
        if may(user, table, "update"):
            r = call(client, "PATCH", path(table, row["id"]), user, json=_change(table, row, filter_columns(f)))
            if r.status_code != 404:
                wrong.append(f"{what(row, user, seen)}: PATCH -> {r.status_code}")
        if may(user, table, "delete"):
            r = call(client, "DELETE", path(table, row["id"]), user)
            if r.status_code != 404:
                wrong.append(f"{what(row, user, seen)}: DELETE -> {r.status_code}")
    for reader in team.able(table, "read"):
        for row in made:
            r = rows.get(table, row["id"], reader)
            if r.status_code != 200 or any(not same(r.json()[c], row[c], COLUMNS[table][c]["type"])
                                           for c in COLUMNS[table] if c != "updated_at"):
                wrong.append(f"row {row['id']} changed or vanished: {show(r)}")
        break
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role,table", MOVABLE)
def test_row_filter_refuses_rows_outside_it(client, team, rows, role, table):
    """The role may not create a row its filter hides, nor move one out of it (403)."""
    f = row_filter(role, table)
    user = team.user(role)
    outside = plans(table, f, user, False)
    done = []
    if may(user, table, "create"):
        for plan in outside:
            try:
                body = _outside_values(table, plan, user.id)
                body = rows.body(table, {c: Eq(v) for c, v in body.items()})
            except CannotBuild:
                continue
            if ev(f, dict(body, created_by=user.id), user) is True:
                continue
            expect_error(rows.post(table, body, user), 403)
            done.append("create")
            break
    if may(user, table, "update") and may(user, table, "read"):
        try:
            row = rows.matching(table, f, user)
        except CannotBuild:
            row = None
        for plan in outside if row is not None else []:
            try:
                change = _outside_values(table, plan, row["created_by"])
            except CannotBuild:
                continue
            if not change or ev(f, dict(row, **change), user) is True:
                continue
            expect_error(call(client, "PATCH", path(table, row["id"]), user, json=change), 403)
            after = expect(rows.get(table, row["id"], user), 200).json()
            assert all(same(after[c], row[c], COLUMNS[table][c]["type"]) for c in change), (after, row)
            done.append("update")
            break
    if not done:
        pytest.skip(f"no row of {table} {role} could create or move outside its filter")


def _outside_values(table, plan, created_by):
    """The column values of a plan for a row whose created_by is given (the
    token sets it); CannotBuild when the plan needs another created_by or
    sets a foreign key."""
    c = plan.get("created_by")
    if c is not None and not (same(c.value, created_by, "uuid") if isinstance(c, Eq)
                              else created_by is not None and not any(same(created_by, v, "uuid") for v in c.values)):
        raise CannotBuild("the plan needs another creator")
    if any(fk(table, name) is not None for name in plan):
        raise CannotBuild("the plan sets a foreign key")
    return {name: concrete(COLUMNS[table][name], p) for name, p in plan.items() if name != "created_by"}
