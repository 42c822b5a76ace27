"""The request wrapper: error pages, JSON errors, security headers, one commit per request."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from civic import create_app
from civic.accounts.models import Area
from civic.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import AdminFactory, UserFactory


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
    login(client, AdminFactory())
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
        if not path.startswith("/static/"):  # WhiteNoise answers those, the same for htmx
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


def test_https_settings_follow_civic_https(monkeypatch, tmp_path):
    from civic.config import from_environment

    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("CIVIC_HTTPS", "1")
    on = from_environment(tmp_path)
    assert on["SESSION_COOKIE_SECURE"] and on["REMEMBER_COOKIE_SECURE"]
    assert on["WTF_CSRF_SSL_STRICT"] and on["CIVIC_HTTPS"]
    assert on["PREFERRED_URL_SCHEME"] == "https"
    monkeypatch.delenv("CIVIC_HTTPS")
    off = from_environment(tmp_path)
    assert not (off["SESSION_COOKIE_SECURE"] or off["WTF_CSRF_SSL_STRICT"] or off["CIVIC_HTTPS"])


@pytest.fixture
def https_app() -> Flask:
    """CIVIC_HTTPS=1 and no proxy configured: TLS ends somewhere Civic is not told about."""
    return create_app({"CIVIC_HTTPS": True, "PROXY_HOPS": 0})


def test_civic_https_alone_sends_hsts_and_secure_cookies(https_app, client):
    response = https_app.test_client().get("/accounts/sign-in")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in response.headers["Set-Cookie"]
    assert 'action="/accounts/sign-in"' in response.get_data(as_text=True)
    plain = client.get("/accounts/sign-in")  # the suite's app: no CIVIC_HTTPS
    assert "Strict-Transport-Security" not in plain.headers
    assert "Secure" not in plain.headers["Set-Cookie"]


def test_civic_https_alone_turns_on_the_strict_referrer_check(https_app):
    browser = https_app.test_client()
    token = csrf_token(browser)
    form = {"csrf_token": token, "email": "", "password": ""}
    no_referrer = browser.post("/accounts/sign-in", data=form)
    assert no_referrer.status_code == 400 and "nothing was saved" in no_referrer.get_data(
        as_text=True
    )
    elsewhere = browser.post(
        "/accounts/sign-in", data=form, headers={"Referer": "https://evil.example/x"}
    )
    assert elsewhere.status_code == 400
    own_page = browser.post(
        "/accounts/sign-in", data=form, headers={"Referer": "https://localhost/accounts/sign-in"}
    )
    assert own_page.status_code == 422  # past the CSRF check, to the form's own messages
    assert "Enter your email" in own_page.get_data(as_text=True)


def test_civic_https_wins_over_a_proxy_that_says_http():
    app = create_app({"CIVIC_HTTPS": True, "PROXY_HOPS": 1})
    response = app.test_client().get("/static/css/civic.css", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize(
    "environment",
    [
        {"DATABASE_URL": "postgresql://civic@db.internal/civic"},
        {"DATABASE_URL": "postgres://civic@db.internal/civic"},
        {"CIVIC_HTTPS": "1"},
        {"CIVIC_HTTPS": "1", "RATELIMIT_STORAGE_URI": "memory://"},
    ],
)
def test_production_with_in_memory_rate_limits_refuses_to_start(monkeypatch, tmp_path, environment):
    from civic.config import ConfigurationError

    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("CIVIC_HTTPS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as refusal:
        create_app()
    assert isinstance(refusal.value, RuntimeError)
    assert "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0" in refusal.value.message


def test_what_counts_as_production():
    from civic.config import check_production, is_production

    assert not is_production({"SQLALCHEMY_DATABASE_URI": "sqlite:///instance/civic.db"})
    assert is_production({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/civic"})
    assert is_production({"SQLALCHEMY_DATABASE_URI": "sqlite://", "CIVIC_HTTPS": True})
    redis = {"CIVIC_HTTPS": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    check_production(redis)  # Redis: no refusal
    check_production({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})  # a laptop: no refusal
    check_production({"TESTING": True, "CIVIC_HTTPS": True})  # the test suite: one process


def test_the_command_line_prints_the_refusal_as_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    flask = Path(sys.executable).with_name("flask")
    environment = {
        **os.environ,
        "SECRET_KEY": "k" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "CIVIC_HTTPS": "1",
    }
    environment.pop("RATELIMIT_STORAGE_URI", None)
    done = subprocess.run(
        [str(flask), "--app", "civic", "db", "upgrade"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: Civic will not start"), done.stderr
    assert "RATELIMIT_STORAGE_URI=redis://" in lines[0]
    assert not (tmp_path / "x.db").exists()  # refused before touching the database


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
