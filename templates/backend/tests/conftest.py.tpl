{{ header }}
"""Fixtures of the generated tests: the app in-process (FastAPI's
TestClient as a context manager, so the lifespan runs: the database role
check and the admin bootstrap), the users the tests act as, and the rows
each test makes (deleted when it ends).

Run from backend/, against a database migrated by the app's own role
(db/migrations/*.sql, applied with psql as that role):

    pip install -r requirements.txt -r requirements-test.txt
    DATABASE_URL=postgresql+psycopg://... SECRET_KEY=... ADMIN_EMAIL=... ADMIN_PASSWORD=... pytest tests

Every run uses fresh unique values and users, so runs may repeat on the
same database and tests may run in any order."""

import os

import pytest

from . import blueprint as bp
from .support import CannotBuild, Rows, Team

NEEDED = ["DATABASE_URL", "SECRET_KEY"] + (["ADMIN_EMAIL", "ADMIN_PASSWORD"] if bp.AUTH else [])


@pytest.fixture(scope="session")
def client():
    missing = [name for name in NEEDED if not os.environ.get(name)]
    if missing:
        pytest.exit("the generated tests need " + ", ".join(missing) + " in the environment", returncode=2)
    from fastapi.testclient import TestClient

    from app.main import app

    try:
        started = TestClient(app)
        c = started.__enter__()
    except Exception as e:  # the lifespan refused: no database, a superuser role, ...
        pytest.exit(f"the app did not start: {type(e).__name__}: {e}", returncode=3)
    try:
        yield c
    finally:
        started.__exit__(None, None, None)


@pytest.fixture(scope="session")
def team(client):
    try:
        t = Team(client)
    except AssertionError as e:
        pytest.exit(f"cannot sign in as ADMIN_EMAIL (the admin is bootstrapped only on an empty user table): {e}",
                    returncode=3)
    yield t
    t.dispose()


@pytest.fixture
def rows(client, team):
    r = Rows(client, team)
    yield r
    r.cleanup()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test whose rows the blueprint makes impossible to create through the
    API (say, a required self-reference) is skipped, saying why."""
    try:
        return (yield)
    except CannotBuild as e:
        pytest.skip(f"cannot make the rows this test needs: {e}")
