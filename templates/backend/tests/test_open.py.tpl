{{ header }}
"""Authentication is off: no /auth routes, and every table is fully open
to a caller without a token (rows have no created_by)."""

import pytest

from . import blueprint as bp
from .support import call, expect, show

TABLES = bp.TABLE_ORDER


@pytest.mark.parametrize("method,path", [("POST", "/auth/login"), ("GET", "/auth/me"), ("GET", "/auth/users"),
                                         ("POST", "/auth/users"), ("POST", "/auth/signup")])
def test_no_auth_routes(client, method, path):
    r = call(client, method, path, json={} if method == "POST" else None)
    assert r.status_code == 404, show(r)


@pytest.mark.parametrize("table", TABLES)
def test_every_action_without_a_token(client, rows, table):
    r = expect(rows.post(table, rows.body(table), None), 201)
    row = r.json()
    assert row["created_by"] is None, row
    expect(call(client, "GET", "/" + table), 200)
    expect(call(client, "GET", "/" + table + "/aggregate", params={"metric": "count"}), 200)
    expect(call(client, "GET", f"/{table}/{row['id']}"), 200)
    expect(call(client, "PATCH", f"/{table}/{row['id']}", json={}), 200)
    expect(call(client, "DELETE", f"/{table}/{row['id']}"), 200)
