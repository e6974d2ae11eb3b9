{{ header }}
"""The app is stopped (app.status in the blueprint): /health answers, every
other route (the tables, /auth, /openapi.json, /docs) is 503 "App stopped".
The rest of the suite is generated when the app runs again."""

import uuid

import pytest

from . import blueprint as bp
from .support import call, path, show


def _routes():
    out = [("GET", "/openapi.json"), ("GET", "/docs")]
    if bp.AUTH:
        out += [("POST", "/auth/login"), ("GET", "/auth/me"), ("GET", "/auth/users")]
    for table in bp.TABLE_ORDER:
        row = path(table, uuid.UUID(int=1))
        out += [("GET", path(table)), ("POST", path(table)), ("GET", path(table, "aggregate")), ("GET", row),
                ("PUT", row), ("PATCH", row), ("DELETE", row)]
    return [pytest.param(method, url, id=f"{method} {url}") for method, url in out]


def test_health_answers(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}, show(r)


@pytest.mark.parametrize("method,url", _routes())
def test_route_is_503(client, method, url):
    r = call(client, method, url, json={} if method in ("POST", "PUT", "PATCH") else None)
    assert r.status_code == 503 and r.json().get("message") == "App stopped", show(r)
