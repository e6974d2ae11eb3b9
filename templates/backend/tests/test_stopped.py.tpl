{{ header }}
"""The app is stopped (app.status in the blueprint): /health answers, every
other route (the tables, /auth, /openapi.json, /docs) is 503 "App stopped".
The rest of the suite is generated when the app runs again."""

import uuid

import pytest

from . import blueprint as bp
from .support import call, show


def _routes():
    out = [("GET", "/openapi.json"), ("GET", "/docs")]
    if bp.AUTH:
        out += [("POST", "/auth/login"), ("GET", "/auth/me"), ("GET", "/auth/users")]
    for table in bp.TABLE_ORDER:
        row = f"/{table}/{uuid.UUID(int=1)}"
        out += [("GET", "/" + table), ("POST", "/" + table), ("GET", f"/{table}/aggregate"), ("GET", row),
                ("PUT", row), ("PATCH", row), ("DELETE", row)]
    return [pytest.param(m, p, id=f"{m} {p}") for m, p in out]


def test_health_answers(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}, show(r)


@pytest.mark.parametrize("method,path", _routes())
def test_route_is_503(client, method, path):
    r = call(client, method, path, json={} if method in ("POST", "PUT", "PATCH") else None)
    assert r.status_code == 503 and r.json().get("message") == "App stopped", show(r)
