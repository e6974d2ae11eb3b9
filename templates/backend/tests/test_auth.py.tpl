{{ header }}
"""Authentication: 401 without a token and with a bad one, login of the
bootstrapped admin, /auth/me, /auth/users for the admin role only, and
/auth/signup (only when the blueprint names a signup role)."""

import datetime as _dt
import os
import uuid

import jwt
import pytest

from . import blueprint as bp
from .support import RUN, call, expect, expect_error, login, path, show, total

TABLES = bp.TABLE_ORDER
OTHER_ROLES = [r for r in bp.ROLES if r != bp.ADMIN_ROLE]


def _token(claims, key=None):
    return jwt.encode(claims, key or os.environ["SECRET_KEY"], algorithm="HS256")


def _claims(user, **changes):
    now = _dt.datetime.now(_dt.timezone.utc)
    claims = {"sub": user.id, "role": user.role, "email": user.email, "iat": now, "exp": now + _dt.timedelta(minutes=5)}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _bad_tokens(admin):
    past = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=5)
    return {
        "garbage": "Bearer not-a-token",
        "another key": "Bearer " + _token(_claims(admin), key="another-secret-key-of-at-least-32-chars"),
        "expired": "Bearer " + _token(_claims(admin, exp=past)),
        "unknown role": "Bearer " + _token(_claims(admin, role="zz-no-such-role")),
        "no subject": "Bearer " + _token(_claims(admin, sub=None)),
        "not bearer": "Basic " + admin.token,
        "empty bearer": "Bearer ",
    }


@pytest.mark.parametrize("table", TABLES)
def test_no_token_is_401(client, table):
    row = path(table, uuid.uuid4())
    for method, url in (("GET", path(table)), ("POST", path(table)), ("GET", row), ("PUT", row), ("PATCH", row),
                        ("DELETE", row), ("GET", path(table, "aggregate"))):
        expect_error(call(client, method, url, json={} if method in ("POST", "PUT", "PATCH") else None), 401)


@pytest.mark.parametrize("table", TABLES)
def test_bad_token_is_401(client, team, table):
    for label, header in _bad_tokens(team.admin).items():
        r = call(client, "GET", path(table), headers={"Authorization": header})
        assert r.status_code == 401, f"{label}: " + show(r)


def test_me_needs_a_token(client, team):
    expect_error(client.get("/auth/me"), 401)
    expect_error(client.get("/auth/me", headers={"Authorization": "Bearer not-a-token"}), 401)


def test_login_of_the_bootstrapped_admin(client, team):
    r = expect(client.post("/auth/login", data={"username": os.environ["ADMIN_EMAIL"],
                                                "password": os.environ["ADMIN_PASSWORD"]}), 200)
    body = r.json()
    assert body.get("token_type") == "bearer" and body.get("access_token"), body
    me = expect(client.get("/auth/me", headers={"Authorization": "Bearer " + body["access_token"]}), 200).json()
    assert me["email"] == os.environ["ADMIN_EMAIL"] and me["role"] == bp.ADMIN_ROLE and me["id"], me


def test_login_refuses_wrong_credentials(client, team):
    email = os.environ["ADMIN_EMAIL"]
    for username, password in ((email, "wrong-password-" + RUN), (f"nobody.{RUN}@example.com", "whatever-123")):
        expect_error(client.post("/auth/login", data={"username": username, "password": password}), 401)


def test_admin_manages_users(client, team):
    admin = team.admin
    email = f"managed.{RUN}@example.com"
    role = OTHER_ROLES[0] if OTHER_ROLES else bp.ADMIN_ROLE
    r = expect(call(client, "POST", "/auth/users", admin, json={"email": email, "password": "first-pass-1", "role": role}), 201)
    made = r.json()
    try:
        assert set(made) == {"id", "email", "role", "created_at", "updated_at"}, f"fields (no password hash): {made}"
        assert made["email"] == email and made["role"] == role, made
        expect_error(call(client, "POST", "/auth/users", admin,
                          json={"email": email, "password": "other-pass-1", "role": role}), 409)

        r = expect(call(client, "GET", "/auth/users", admin, params=[("id", made["id"])]), 200)
        assert total(r) == 1 and [u["id"] for u in r.json()] == [made["id"]], show(r)
        assert all("password" not in k for u in r.json() for k in u), r.json()
        r = expect(call(client, "GET", "/auth/users", admin, params=[("_start", "0"), ("_end", "100")]), 200)
        assert total(r) >= 2 and len(r.json()) <= 100, show(r)
        got = expect(call(client, "GET", f"/auth/users/{made['id']}", admin), 200).json()
        assert got == made, (got, made)

        token = login(client, email, "first-pass-1")
        me = expect(client.get("/auth/me", headers={"Authorization": "Bearer " + token}), 200).json()
        assert me == {"id": made["id"], "email": email, "role": role}, me

        new_role = bp.ROLES[-1]
        got = expect(call(client, "PATCH", f"/auth/users/{made['id']}", admin,
                          json={"role": new_role, "password": "second-pass-2"}), 200).json()
        assert got["role"] == new_role and got["email"] == email, got
        expect_error(client.post("/auth/login", data={"username": email, "password": "first-pass-1"}), 401)
        token = login(client, email, "second-pass-2")
        me = expect(client.get("/auth/me", headers={"Authorization": "Bearer " + token}), 200).json()
        assert me["role"] == new_role, me
    finally:
        r = call(client, "DELETE", f"/auth/users/{made['id']}", admin)
    assert r.status_code == 200 and r.json()["id"] == made["id"], show(r)
    expect_error(call(client, "GET", f"/auth/users/{made['id']}", admin), 404)
    expect_error(client.post("/auth/login", data={"username": email, "password": "second-pass-2"}), 401)


@pytest.mark.parametrize("field,body", [
    pytest.param("role", {"role": "zz-no-such-role"}, id="bad-role"),
    pytest.param("email", {"email": "not-an-email"}, id="bad-email"),
    pytest.param("password", {"password": "short-7"}, id="password-7-bytes"),
    pytest.param("password", {"password": "x" * 73}, id="password-73-bytes"),
    pytest.param("zz_unknown_field", {"zz_unknown_field": 1}, id="unknown-field"),
])
def test_bad_user_is_422(client, team, field, body):
    user = dict({"email": f"bad.{uuid.uuid4().hex[:8]}@example.com", "password": "good-pass-1",
                 "role": bp.ROLES[-1]}, **body)
    r = call(client, "POST", "/auth/users", team.admin, json=user)
    if r.status_code == 201:
        call(client, "DELETE", f"/auth/users/{r.json()['id']}", team.admin)
    expect_error(r, 422, field)


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_the_admin_role_manages_users(client, team, role):
    user = team.user(role)
    target = team.admin.id
    for method, url, body in (("GET", "/auth/users", None), ("GET", f"/auth/users/{target}", None),
                               ("POST", "/auth/users", {"email": f"x.{RUN}@example.com", "password": "good-pass-1",
                                                        "role": role}),
                               ("PATCH", f"/auth/users/{target}", {"role": role}),
                               ("DELETE", f"/auth/users/{target}", None)):
        expect_error(call(client, method, url, user, json=body), 403)
    me = expect(call(client, "GET", "/auth/me", user), 200).json()
    assert me == {"id": user.id, "email": user.email, "role": role}, me
{%- if signup %}


def test_signup_makes_a_signup_role_user(client, team):
    email = f"signup.{RUN}@example.com"
    r = expect(client.post("/auth/signup", json={"email": email, "password": "signup-pass-1"}), 201)
    body = r.json()
    assert body.get("token_type") == "bearer" and body.get("access_token"), body
    me = expect(client.get("/auth/me", headers={"Authorization": "Bearer " + body["access_token"]}), 200).json()
    try:
        assert me["email"] == email and me["role"] == bp.SIGNUP_ROLE, me
        expect_error(client.post("/auth/signup", json={"email": email, "password": "signup-pass-2"}), 409)
        login(client, email, "signup-pass-1")
    finally:
        call(client, "DELETE", f"/auth/users/{me['id']}", team.admin)


@pytest.mark.parametrize("field,body", [
    pytest.param("role", {"role": bp.ADMIN_ROLE}, id="role-chosen"),
    pytest.param("password", {"password": "short-7"}, id="password-7-bytes"),
    pytest.param("email", {"email": "not-an-email"}, id="bad-email"),
])
def test_bad_signup_is_422(client, team, field, body):
    r = client.post("/auth/signup", json=dict({"email": f"signup.{uuid.uuid4().hex[:8]}@example.com",
                                               "password": "signup-pass-1"}, **body))
    if r.status_code == 201:
        token = r.json()["access_token"]
        me = client.get("/auth/me", headers={"Authorization": "Bearer " + token}).json()
        call(client, "DELETE", f"/auth/users/{me['id']}", team.admin)
    expect_error(r, 422, field)
{%- else %}


def test_no_signup_route(client):
    r = client.post("/auth/signup", json={"email": f"signup.{RUN}@example.com", "password": "signup-pass-1"})
    assert r.status_code == 404, show(r)
{%- end %}
