{{ header }}
"""Authentication is off: no /auth routes, and every table is fully open
to a caller without a token (rows have no created_by)."""

import pytest

from . import blueprint as bp
from .support import call, expect, path, show

TABLES = bp.TABLE_ORDER


@pytest.mark.parametrize("method,url", [("POST", "/auth/login"), ("GET", "/auth/me"), ("GET", "/auth/users"),
                                        ("POST", "/auth/users"), ("POST", "/auth/signup")])
def test_no_auth_routes(client, method, url):
    r = call(client, method, url, json={} if method == "POST" else None)
    assert r.status_code == 404, show(r)


@pytest.mark.parametrize("table", TABLES)
def test_every_action_without_a_token(client, rows, table):
    r = expect(rows.post(table, rows.body(table), None), 201)
    row = r.json()
    assert row["created_by"] is None, row
    expect(call(client, "GET", path(table)), 200)
    expect(call(client, "GET", path(table, "aggregate"), params={"metric": "count"}), 200)
    expect(call(client, "GET", path(table, row["id"])), 200)
    expect(call(client, "PUT", path(table, row["id"]), json=rows.body(table)), 200)
    expect(call(client, "PATCH", path(table, row["id"]), json={}), 200)
    expect(call(client, "DELETE", path(table, row["id"])), 200)
