"""Links in emails start with CIVIC_SITE_URL, whatever Host header a request claims."""

from __future__ import annotations

from flask import Flask

from civic.web import site_url


def test_site_url_ignores_a_forged_host_header(app: Flask, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_URL", "https://haveyoursay.example.gov.uk")
    with app.test_request_context("/accounts/sign-in", headers={"Host": "evil.example"}):
        assert site_url("pages.home") == "https://haveyoursay.example.gov.uk/"
        assert site_url("accounts.sign_in").startswith(
            "https://haveyoursay.example.gov.uk/accounts/"
        )


def test_site_url_works_outside_a_request(app: Flask, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_URL", "https://civic.example")
    with app.app_context():
        assert site_url("pages.home") == "https://civic.example/"


def test_site_url_outside_a_request_runs_no_request_teardown(app: Flask, monkeypatch):
    """A request teardown sends queued mail and commits: building a link for a digest in
    `civic tick` must not trigger it in the middle of the caller's transaction."""
    torn_down: list[object] = []
    monkeypatch.setattr(app, "teardown_request_funcs", {None: [torn_down.append]})
    with app.app_context():
        assert site_url("accounts.sign_in").endswith("/accounts/sign-in")
    assert torn_down == []
