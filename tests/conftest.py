"""Shared fixtures: one app per session, every test inside a transaction that is rolled back.

SQLite in memory by default. With CIVIC_TEST_DATABASE_URL set (its database name must end
in `_test`, since the schema is dropped) the same suite runs on PostgreSQL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import Connection, text
from sqlalchemy.pool import StaticPool

from civic import audit, create_app
from civic.extensions import db, limiter

PG_URL = os.environ.get("CIVIC_TEST_DATABASE_URL", "")


def _database_config() -> dict[str, object]:
    if not PG_URL:
        return {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "poolclass": StaticPool,
                "connect_args": {"check_same_thread": False},
            },
        }
    name = PG_URL.rsplit("/", 1)[-1].split("?")[0]
    if not name.endswith("_test"):
        raise pytest.UsageError("CIVIC_TEST_DATABASE_URL must name a database ending in _test")
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", PG_URL)
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 60, "max_overflow": 10},
    }


def on_postgres() -> bool:
    return bool(PG_URL)


# What the PostgreSQL schema looked like right after the last full reset (its number of
# objects and Alembic's revision): while it still looks so, emptying the tables is enough.
_pristine: tuple[int, int, tuple[str, ...]] | None = None


def _schema_fingerprint(conn: Connection) -> tuple[int, int, tuple[str, ...]]:
    """Objects, triggers switched off, and Alembic's revision: a test that disabled the
    audit log's guard triggers (as a tamperer would) and committed leaves the same objects,
    and the next test must not inherit a log that accepts UPDATE and DELETE."""
    objects = conn.execute(
        text("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
    ).scalar_one()
    disabled = conn.execute(
        text(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = 'public'::regnamespace AND t.tgenabled = 'D'"
        )
    ).scalar_one()
    revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return objects, disabled, tuple(sorted(revisions))


def reset_schema() -> None:
    """An empty database with every migration applied: the tests exercise the real schema.

    On PostgreSQL the first reset drops the schema and runs the migrations (about ten
    seconds); later ones (after each of the ~120 tests that commit for real) only empty
    every table and restart its sequences, since the migrations leave no rows but
    Alembic's own. The audit tables refuse TRUNCATE by trigger, as in production; the
    reset alone sets `session_replication_role` for its transaction to pass them. If the
    schema no longer looks as the migrations left it, the full reset runs again."""
    global _pristine
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            if _pristine is not None and _schema_fingerprint(conn) == _pristine:
                tables = conn.execute(
                    text(
                        "SELECT quote_ident(tablename) FROM pg_tables "
                        "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                ).scalars()
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                return
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            _pristine = _schema_fingerprint(conn)


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    application = create_app(_database_config())
    with application.app_context():
        reset_schema()
    yield application


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """Each test runs in an outer transaction that is rolled back; requests inside it
    commit to savepoints (join_transaction_mode="create_savepoint").

    Tests marked `commits` (real concurrency on PostgreSQL) get real commits instead and a
    fresh schema afterwards.
    """
    limiter.reset()
    with app.app_context():
        if request.node.get_closest_marker("commits"):
            yield
            db.session.remove()
            reset_schema()
            return
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            outer.rollback()
            connection.close()
            engines[None] = engine


class RequestClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Otherwise requests would reuse the test's app context and share `g` (Flask-Login's
    current user, Flask-WTF's CSRF token) and the test's database session. Afterwards the
    test's session is expired so it sees what the request committed.
    """

    def open(self, *args, **kwargs):
        # What the test itself recorded is in the log before the request reads it, as the
        # test's rows are: a real request commits its entries on its way out.
        audit.append_recorded()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = RequestClient
    return app.test_client()


@pytest.fixture
def htmx_client(client: FlaskClient, app: Flask) -> FlaskClient:
    """A client whose requests look like htmx's (the HX-Request header)."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_HX_REQUEST"] = "true"
    return test_client


CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/accounts/sign-in") -> str:
    """The token a real browser would have, read from a page's form."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict, *, token_from: str | None = None):
    """POST like a browser: with the CSRF token from the page the form lives on."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_from or path), **data})


def login(client: FlaskClient, user, password: str = "a-Strong-test-passw0rd") -> None:
    response = post_form(client, "/accounts/sign-in", {"email": user.email, "password": password})
    redirected = response.status_code == 302 or "HX-Redirect" in response.headers
    assert redirected, response.get_data(as_text=True)[:500]


def drop_audit_guard() -> None:
    """Simulate someone with direct database access (the guard stops mistakes, not owners)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_update"))
        db.session.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_delete"))


def tamper_audit_entry(seq: int, **values: object) -> None:
    audit.append_recorded()  # the tamperer changes the log as committed
    drop_audit_guard()
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    db.session.execute(
        text(f"UPDATE audit_entry SET {assignments} WHERE seq = :seq"), {**values, "seq": seq}
    )
    db.session.expire_all()
