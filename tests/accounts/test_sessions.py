"""Sessions end when they should: sign-out, password change, deactivation, age; CSRF rotates."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from civic.accounts import services
from civic.accounts import session as account_session
from civic.accounts.passwords import verify_password
from tests.conftest import RequestClient, csrf_token, login, post_form
from tests.factories import PASSWORD, AdminFactory, UserFactory

NEW_PASSWORD = "pelican-quarry-lantern-velvet"


@pytest.fixture
def other(app: Flask) -> FlaskClient:
    """A second browser (someone who copied the first one's cookie, or the owner's phone)."""
    app.test_client_class = RequestClient
    return app.test_client()


def _copy_session(source: FlaskClient, target: FlaskClient) -> None:
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def _signed_in(client: FlaskClient) -> bool:
    """The account page answers (200) only to a signed-in browser; otherwise it redirects."""
    status = client.get("/accounts/eligibility").status_code
    assert status in (200, 302)
    return status == 200


def test_a_copied_cookie_works_until_the_owner_signs_out(client, other):
    user = UserFactory()
    login(client, user)
    _copy_session(client, other)
    assert _signed_in(other)  # the copy is a working session: the control for what follows
    post_form(client, "/accounts/sign-out", {}, token_from="/")
    assert not _signed_in(client)
    assert not _signed_in(other)
    assert user.display_name not in other.get("/").get_data(as_text=True)


def test_signing_out_ends_the_sessions_on_other_browsers_too(client, other):
    user = UserFactory()
    login(client, user)
    login(other, user)
    post_form(client, "/accounts/sign-out", {}, token_from="/")
    assert not _signed_in(other)


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(client, other, app):
    user = UserFactory()
    login(client, user)
    _copy_session(client, other)
    response = post_form(
        client,
        "/accounts/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(other)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    third = app.test_client()
    login(third, user, NEW_PASSWORD)
    assert _signed_in(third)


def test_password_change_form_errors_keep_the_session_and_the_password(client, other):
    user = UserFactory()
    login(client, user)
    _copy_session(client, other)
    old_hash = user.password_hash
    response = post_form(
        client,
        "/accounts/password",
        {"current_password": "not-my-password", "password": "password123", "confirm": "x"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#password"' in page and 'href="#confirm"' in page  # linked to the fields
    assert "most common passwords" in page and "do not match" in page
    assert "not-my-password" not in page and "password123" not in page
    wrong_current = post_form(
        client,
        "/accounts/password",
        {"current_password": "not-my-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong_current.status_code == 422
    assert "current password is not right" in wrong_current.get_data(as_text=True)
    assert user.password_hash == old_hash
    assert _signed_in(other)  # nothing changed, so nothing ended


def test_password_page_needs_sign_in(client):
    response = client.get("/accounts/password")
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


def test_deactivation_ends_sessions_even_after_reactivation(client, other):
    admin, user = AdminFactory(), UserFactory()
    login(client, user)
    _copy_session(client, other)
    services.set_active(admin, user, False)
    assert not _signed_in(client) and not _signed_in(other)
    services.set_active(admin, user, True)
    assert not _signed_in(other)  # the old cookie names a token that is gone
    login(client, user)
    assert _signed_in(client)


def test_a_session_ends_after_its_lifetime_however_busy(client, app, monkeypatch):
    user = UserFactory()
    started = account_session._now()
    login(client, user)
    max_seconds = int(app.config["SESSION_MAX_HOURS"] * 3600)
    for elapsed in (60, max_seconds // 2, max_seconds - 60):
        monkeypatch.setattr(account_session, "_now", lambda e=elapsed: started + e)
        assert _signed_in(client), elapsed
    monkeypatch.setattr(account_session, "_now", lambda: started + max_seconds + 60)
    assert not _signed_in(client)
    monkeypatch.setattr(account_session, "_now", lambda: started + 60)
    assert not _signed_in(client)  # the refused sign-in was dropped from the cookie


def test_the_lifetime_is_a_setting(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_MAX_HOURS", 1)
    started = account_session._now()
    login(client, UserFactory())
    monkeypatch.setattr(account_session, "_now", lambda: started + 3600 + 60)
    assert not _signed_in(client)


def test_a_session_without_a_sign_in_time_or_current_token_is_refused(client):
    user = UserFactory()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = user.get_id()
    assert not _signed_in(client)  # e.g. a cookie made before sessions had lifetimes
    for forged in (str(user.id), f"{user.id}:wrong-token", f"{user.id}:", "²:x", "9" * 30):
        with client.session_transaction() as cookie:
            cookie["_user_id"] = forged
            cookie[account_session.SIGNED_IN_AT] = account_session._now()
        assert not _signed_in(client), forged
    with client.session_transaction() as cookie:
        cookie["_user_id"] = user.get_id()
        cookie[account_session.SIGNED_IN_AT] = account_session._now()
    assert _signed_in(client)  # the same cookie with everything right is accepted


def test_the_csrf_token_changes_at_sign_in(client):
    user = UserFactory()
    before = csrf_token(client)
    with client.session_transaction() as cookie:
        secret_before = cookie["csrf_token"]
    login(client, user)
    after = csrf_token(client, "/")
    with client.session_transaction() as cookie:
        secret_after = cookie["csrf_token"]
    assert secret_before != secret_after and before != after
    refused = client.post("/accounts/sign-out", data={"csrf_token": before})
    assert refused.status_code == 400
    assert _signed_in(client)
    accepted = client.post("/accounts/sign-out", data={"csrf_token": after})
    assert accepted.status_code == 302 and not _signed_in(client)


def test_user_id_in_the_cookie_changes_when_the_token_does():
    user = UserFactory()
    before = user.get_id()
    user.end_sessions()
    assert before != user.get_id() and user.get_id().startswith(f"{user.id}:")
