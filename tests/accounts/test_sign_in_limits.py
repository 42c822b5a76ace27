"""Guessing stays bounded per address and per account, and strangers cannot lock anyone out.

The tests' limit is 5 sign-in attempts a minute (defaults_for_tests' LOGIN_RATE_LIMIT).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from civic.accounts import devices
from tests.conftest import RequestClient, csrf_token, login, post_form
from tests.factories import PASSWORD, UserFactory

LIMIT = 5


def _browser(app: Flask, address: str) -> FlaskClient:
    app.test_client_class = RequestClient
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


@pytest.fixture
def owner_browser(app: Flask) -> FlaskClient:
    return _browser(app, "198.51.100.7")


def _attempt(browser: FlaskClient, email: str, password: str = "wrong-guess") -> int:
    data = {"csrf_token": csrf_token(browser), "email": email, "password": password}
    return browser.post("/accounts/sign-in", data=data).status_code


def _sign_out(browser: FlaskClient) -> None:
    post_form(browser, "/accounts/sign-out", {}, token_from="/")


def _device_cookie(browser: FlaskClient) -> str:
    cookie = browser.get_cookie(devices.COOKIE, path="/accounts/")
    assert cookie is not None
    return cookie.value


def _give_device_cookie(browser: FlaskClient, value: str) -> None:
    browser.set_cookie(devices.COOKIE, value, path="/accounts/")


def _exhaust_account(app: Flask, email: str, *, used: int = 0) -> None:
    """Guess from a new address each time (a botnet), so only the per-account limit can
    stop it; `used` attempts were already made (every attempt counts, a right one too, so
    that many guesses sent at once cannot slip past the check)."""
    statuses = [_attempt(_browser(app, f"203.0.113.{n}"), email) for n in range(LIMIT - used + 1)]
    assert statuses == [422] * (LIMIT - used) + [429]


def test_signing_in_leaves_a_device_cookie_for_the_account(owner_browser):
    owner = UserFactory()
    login(owner_browser, owner)
    cookie = owner_browser.get_cookie(devices.COOKIE, path="/accounts/")
    assert cookie is not None and cookie.http_only
    assert owner.email not in cookie.value  # the account is named by a keyed hash


def test_a_stranger_cannot_lock_the_owner_out(app, owner_browser):
    owner = UserFactory()
    login(owner_browser, owner)
    _sign_out(owner_browser)
    _exhaust_account(app, owner.email, used=1)
    # The owner, on the browser they used before, still signs in...
    assert _attempt(owner_browser, owner.email, PASSWORD) == 302
    # ...while the account stays closed to browsers without the device cookie, even with
    # the right password (a stranger cannot tell a right guess from a wrong one now).
    assert _attempt(_browser(app, "203.0.113.200"), owner.email, PASSWORD) == 429


def test_a_new_browser_of_the_owner_is_limited_like_a_stranger(app):
    owner = UserFactory()
    _exhaust_account(app, owner.email)
    assert _attempt(_browser(app, "198.51.100.99"), owner.email, PASSWORD) == 429


def test_guessing_from_a_trusted_device_is_bounded_per_device(app, owner_browser):
    owner = UserFactory()
    login(owner_browser, owner)
    _sign_out(owner_browser)
    statuses = [_attempt(owner_browser, owner.email) for _ in range(LIMIT + 1)]
    assert statuses == [422] * LIMIT + [429]
    # The device's failures did not use up the account's budget for other browsers.
    assert _attempt(_browser(app, "203.0.113.50"), owner.email, PASSWORD) == 302


def test_the_per_address_limit_holds_across_accounts(app):
    people = [UserFactory() for _ in range(LIMIT + 1)]
    attacker = _browser(app, "203.0.113.66")
    statuses = [_attempt(attacker, person.email) for person in people]
    assert statuses == [422] * LIMIT + [429]


def test_a_device_cookie_for_another_account_earns_nothing(app):
    """An attacker with their own account gets a device cookie, but only for that account."""
    own, target = UserFactory(), UserFactory()
    attacker = _browser(app, "203.0.113.77")
    login(attacker, own)
    _sign_out(attacker)
    helpers = [_browser(app, f"203.0.113.{n}") for n in range(100, 100 + LIMIT)]
    for helper in helpers:
        _give_device_cookie(helper, _device_cookie(attacker))
        assert _attempt(helper, target.email) == 422
    helper = _browser(app, "203.0.113.150")
    _give_device_cookie(helper, _device_cookie(attacker))
    assert _attempt(helper, target.email) == 429


def test_a_forged_device_cookie_is_ignored(app, owner_browser):
    owner = UserFactory()
    login(owner_browser, owner)
    genuine = _device_cookie(owner_browser)
    _exhaust_account(app, owner.email, used=1)
    forger = _browser(app, "203.0.113.99")
    _give_device_cookie(forger, genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB"))
    assert _attempt(forger, owner.email, PASSWORD) == 429


def test_a_shared_computer_remembers_several_accounts(owner_browser, app):
    first, second = UserFactory(), UserFactory()
    login(owner_browser, first)
    _sign_out(owner_browser)
    login(owner_browser, second)
    _sign_out(owner_browser)
    _exhaust_account(app, first.email, used=1)
    assert _attempt(owner_browser, first.email, PASSWORD) == 302


def test_a_stranger_sharing_the_owners_address_cannot_lock_them_out(app, owner_browser):
    """A library or a block of flats behind one address: the per-address limit stops the
    stranger, and the owner's browser, known to the account, is counted on its own."""
    owner = UserFactory()
    login(owner_browser, owner)
    _sign_out(owner_browser)
    neighbour = _browser(app, "198.51.100.7")  # the owner's address
    statuses = [_attempt(neighbour, UserFactory().email) for _ in range(LIMIT)]
    assert statuses == [422] * (LIMIT - 1) + [429]  # the owner's sign-in counted once
    assert _attempt(owner_browser, owner.email, PASSWORD) == 302
