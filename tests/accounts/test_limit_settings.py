"""Registration, sign-in and letter-code limits are settings, and each one takes effect: a
limit of 2 refuses the third attempt with 429. The per-address sign-in limit is separate from
the per-account one, so a library sharing one address can raise it alone."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from civic import config, create_app
from tests.conftest import RequestClient, csrf_token, login
from tests.factories import PASSWORD, UserFactory


def _browser(app: Flask, address: str = "192.0.2.10") -> FlaskClient:
    app.test_client_class = RequestClient
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _sign_in(browser: FlaskClient, email: str, password: str = "wrong-guess") -> int:
    data = {"csrf_token": csrf_token(browser), "email": email, "password": password}
    return browser.post("/accounts/sign-in", data=data).status_code


def _register(browser: FlaskClient, n: int) -> int:
    data = {
        "csrf_token": csrf_token(browser, "/accounts/register"),
        "email": f"drop-in-{n}@example.org",
        "display_name": f"Drop-in visitor {n}",
        "password": "library-computer-passphrase",
        "confirm": "library-computer-passphrase",
    }
    return browser.post("/accounts/register", data=data).status_code


def test_the_registration_limit_is_a_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_RATE_LIMIT", "2 per hour")
    # three people at one library computer (one address), each in a fresh browser
    statuses = [_register(_browser(app), n) for n in range(3)]
    assert statuses == [302, 302, 429]
    # another address is counted on its own
    assert _register(_browser(app, "192.0.2.99"), 3) == 302


def test_the_per_address_sign_in_limit_is_a_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "2 per minute")
    people = [UserFactory() for _ in range(3)]
    library = _browser(app)
    assert [_sign_in(library, person.email) for person in people] == [422, 422, 429]


def test_raising_the_per_address_limit_keeps_each_account_bounded(app, monkeypatch):
    """A drop-in raises the address limit; guessing at one account is still limited."""
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "100 per minute")
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    residents = [UserFactory() for _ in range(8)]
    for resident in residents:  # eight residents sign in from the one address
        browser = _browser(app)
        login(browser, resident)
    target = UserFactory()
    guesses = [_sign_in(_browser(app, f"198.51.100.{n}"), target.email) for n in range(3)]
    assert guesses == [422, 422, 429]


def test_the_letter_code_limit_is_a_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "CODE_RATE_LIMIT", "2 per hour")
    resident = UserFactory()
    browser = _browser(app)
    login(browser, resident, PASSWORD)
    statuses = [
        browser.post(
            "/accounts/eligibility",
            data={
                "csrf_token": csrf_token(browser, "/accounts/eligibility"),
                "code": "WRNG-CODE-0000",
            },
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (
            {},
            {
                "LOGIN_RATE_LIMIT": "5 per minute;30 per hour",
                "LOGIN_ADDRESS_RATE_LIMIT": "5 per minute;30 per hour",
                "REGISTER_RATE_LIMIT": "20 per hour",
                "CODE_RATE_LIMIT": "10 per hour",
            },
        ),
        (
            {"CIVIC_LOGIN_RATE_LIMIT": "3 per minute"},
            {"LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "3 per minute"},
        ),
        (
            {
                "CIVIC_LOGIN_ADDRESS_RATE_LIMIT": "60 per minute;600 per hour",
                "CIVIC_REGISTER_RATE_LIMIT": "200 per hour",
                "CIVIC_CODE_RATE_LIMIT": "4 per hour",
            },
            {
                "LOGIN_RATE_LIMIT": "5 per minute;30 per hour",
                "LOGIN_ADDRESS_RATE_LIMIT": "60 per minute;600 per hour",
                "REGISTER_RATE_LIMIT": "200 per hour",
                "CODE_RATE_LIMIT": "4 per hour",
            },
        ),
    ],
)
def test_limits_are_read_from_the_environment(monkeypatch, environment, expected):
    """The per-address sign-in limit follows CIVIC_LOGIN_RATE_LIMIT unless set itself, so
    a site that only set the older setting keeps both limits as they were."""
    for name in (
        "CIVIC_LOGIN_RATE_LIMIT",
        "CIVIC_LOGIN_ADDRESS_RATE_LIMIT",
        "CIVIC_REGISTER_RATE_LIMIT",
        "CIVIC_CODE_RATE_LIMIT",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    limits = config.rate_limits()
    assert {key: limits[key] for key in expected} == expected


def _empty_sign_in(browser: FlaskClient, token: str, forwarded_for: str) -> int:
    data = {"csrf_token": token, "email": "", "password": ""}
    headers = {"X-Forwarded-For": forwarded_for}
    return browser.post("/accounts/sign-in", data=data, headers=headers).status_code


def test_behind_a_configured_proxy_each_address_is_counted_on_its_own():
    """CIVIC_PROXY_HOPS=1: the address the proxy forwards is the one limited, so residents
    behind one proxy do not share a single per-address count."""
    app = create_app({"PROXY_HOPS": 1, "LOGIN_ADDRESS_RATE_LIMIT": "2 per minute"})
    browser = app.test_client()
    token = csrf_token(browser)
    assert [_empty_sign_in(browser, token, "203.0.113.1") for _ in range(3)] == [422, 422, 429]
    assert _empty_sign_in(browser, token, "203.0.113.2") == 422


def test_without_a_proxy_a_forwarded_address_is_ignored():
    """CIVIC_PROXY_HOPS=0: a guesser cannot pick a new address for each try with a header."""
    app = create_app({"PROXY_HOPS": 0, "LOGIN_ADDRESS_RATE_LIMIT": "2 per minute"})
    browser = app.test_client()
    token = csrf_token(browser)
    statuses = [_empty_sign_in(browser, token, f"203.0.113.{n}") for n in range(3)]
    assert statuses == [422, 422, 429]
