"""The request wrapper: error pages, JSON errors, security headers, one commit per request."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from civic import create_app
from civic.accounts.models import Area
from civic.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import ModeratorFactory, UserFactory


def test_unknown_page_is_a_404_in_the_site_layout(client):
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page and 'id="main-content"' in page and "Audit log" in page


def test_errors_under_api_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["status"] == 404 and response.get_json()["message"]


def test_wrong_method_is_a_405(client):
    response = client.delete("/accounts/sign-in")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "does not accept" in response.get_data(as_text=True)


def test_oversized_request_is_a_413_and_writes_nothing(client):
    login(client, ModeratorFactory())
    token = csrf_token(client, "/accounts/areas/new")
    response = client.post(
        "/accounts/areas/new",
        data={"csrf_token": token, "name": "x", "slug": "x", "description": "a" * 2_000_000},
    )
    assert response.status_code == 413
    assert "at most 1024 KB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Area)) == 0


def test_permission_denied_is_a_403_with_sign_in_link(client):
    response = client.get("/accounts/people")
    assert response.status_code == 302  # login_required first
    login(client, UserFactory())
    response = client.get("/accounts/people")
    assert response.status_code == 403
    assert "Only administrators" in response.get_data(as_text=True)


def test_bad_query_parameter_is_a_400(client):
    response = client.get("/audit?before=abc")
    assert response.status_code == 400
    assert "whole number" in response.get_data(as_text=True)


def test_security_headers_on_every_response(client):
    for path in ("/", "/no-such-page", "/static/css/civic.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "HX-Request" in headers["Vary"]


def test_pages_have_no_inline_script(client):
    for path in ("/", "/accounts/sign-in", "/accounts/register", "/audit"):
        page = client.get(path).get_data(as_text=True)
        for chunk in page.split("<script")[1:]:
            assert chunk.lstrip().startswith(("src=", 'type="module" src=')), path
        assert " onclick=" not in page and "javascript:" not in page


def test_session_cookie_flags(client):
    response = client.get("/accounts/sign-in")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookie_is_secure_when_served_over_https(monkeypatch, tmp_path):
    monkeypatch.setenv("CIVIC_HTTPS", "1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_secret_key_is_generated_once_never_hard_coded(monkeypatch, tmp_path):
    from civic.config import from_environment

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = from_environment(tmp_path)["SECRET_KEY"]
    assert len(first) >= 40 and first == from_environment(tmp_path)["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert from_environment(tmp_path / "other")["SECRET_KEY"] != first


@pytest.fixture
def crashing_app() -> Flask:
    app = create_app({"PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError("boom")

    return app


def test_unexpected_errors_are_a_500_page_and_json_under_api(crashing_app):
    client = crashing_app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Nothing you sent was saved" in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
    api = client.get("/api/boom")
    assert api.status_code == 500 and api.get_json()["status"] == 500


def test_one_commit_per_request_only_when_it_succeeds(tmp_path):
    """A view that wrote and then answered 4xx or crashed leaves no trace; a 2xx commits."""
    from flask_migrate import upgrade

    from civic import audit

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.db'}",
            "PROPAGATE_EXCEPTIONS": False,
            "WTF_CSRF_ENABLED": False,
        }
    )

    def write(slug: str) -> None:
        db.session.add(Area(slug=slug, name=slug, kind="ward"))
        audit.record(None, "area:create", audit.Subject("area", slug))

    @app.post("/write/<int:status>")
    def write_then(status: int):
        write(f"s{status}")
        if status == 500:
            raise RuntimeError("after writing")
        return "", status

    with app.app_context():
        upgrade()
    client = app.test_client()
    assert [client.post(f"/write/{s}").status_code for s in (422, 500, 201)] == [422, 500, 201]
    with app.app_context():
        assert db.session.scalars(select(Area.slug)).all() == ["s201"]
        assert audit.verify().size == 1
