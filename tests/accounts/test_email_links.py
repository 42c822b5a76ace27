"""Emailed account links (issue 14, accounts): a confirmed address before eligibility,
forgotten passwords, a change of address; each link single-use and expiring, and forged,
expired or used links refused with a clear page and nothing changed."""

from __future__ import annotations

import json
import re
import secrets
import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from civic.accounts import services, tokens
from civic.accounts.models import AccountToken, Role, TokenPurpose, User
from civic.accounts.passwords import verify_password
from civic.audit.models import AuditPending
from civic.clock import ago
from civic.errors import ValidationFailed
from civic.extensions import db
from tests.accounts.mail_links import confirm, latest_link, messages_to, token_of
from tests.conftest import RequestClient, login, on_postgres, post_form
from tests.factories import PASSWORD, AreaFactory, ModeratorFactory, UserFactory

NEW_PASSWORD = "pelican-quarry-lantern-velvet"
SIGN_UP = {
    "email": "nadia@example.org",
    "display_name": "Nadia New",
    "password": "velvet-tractor-harbour",
    "confirm": "velvet-tractor-harbour",
}

CSRF_TOKEN = re.compile(rb'(X-CSRFToken": "|name="csrf_token" value=")[^"]+')


@pytest.fixture
def other(app: Flask) -> FlaskClient:
    """A second browser (the owner's phone, or an intruder's copy of the session)."""
    app.test_client_class = RequestClient
    return app.test_client()


def _signed_in(client: FlaskClient) -> bool:
    status = client.get("/accounts/eligibility").status_code
    assert status in (200, 302)
    return status == 200


def _unconfirmed(email: str = "nadia@example.org") -> User:
    user = services.register(email, "Nadia New", "velvet-tractor-harbour")
    assert user is not None and not user.email_confirmed
    return user


def _pending(action: str) -> list[AuditPending]:
    return list(db.session.scalars(select(AuditPending).where(AuditPending.action == action)))


def _forgot(client: FlaskClient, email: str):
    return post_form(client, "/accounts/forgot-password", {"email": email})


def _reset(client: FlaskClient, link: str, password: str = NEW_PASSWORD):
    # the token from another page: a dead link's page has no form to take it from
    return post_form(
        client, link, {"password": password, "confirm": password}, token_from="/accounts/sign-in"
    )


# --- a confirmed address before eligibility ------------------------------------------------


def test_a_letter_code_is_refused_until_the_address_is_confirmed():
    area = AreaFactory(name="Riverside")
    moderator = ModeratorFactory()
    _batch, codes = services.generate_codes(moderator, area, count=2, valid_days=30)
    person = _unconfirmed()
    with pytest.raises(ValidationFailed) as refused:
        services.redeem_code(person, codes[0])
    message = refused.value.errors["code"]
    assert message.startswith("Confirm your email address first")
    assert "nadia@example.org" in message and "send it again" in message
    assert not person.is_eligible_in(area)
    confirm("nadia@example.org")
    assert person.email_confirmed
    assert services.redeem_code(person, codes[0]).area is area  # the same code still works


def test_a_moderator_cannot_confirm_an_unconfirmed_resident():
    area = AreaFactory(name="Riverside")
    moderator = ModeratorFactory()
    person = _unconfirmed()
    with pytest.raises(ValidationFailed) as refused:
        services.confirm_eligibility(moderator, person, area, "Council tax bill seen")
    assert "has not confirmed their email address" in refused.value.errors["email"]
    confirm("nadia@example.org")
    services.confirm_eligibility(moderator, person, area, "Council tax bill seen")
    assert person.is_eligible_in(area)


def test_eligibility_granted_before_confirmation_existed_stays():
    area = AreaFactory()
    moderator = ModeratorFactory()
    person = UserFactory()
    services.confirm_eligibility(moderator, person, area, "Tenancy agreement seen")
    person.email_confirmed_at = None  # an account from before migration 0029
    db.session.flush()
    assert person.is_eligible_in(area)


def test_the_areas_page_asks_to_confirm_and_sends_the_link_again(client):
    person = _unconfirmed()
    first = latest_link("nadia@example.org", "confirm-email")
    login(client, person, "velvet-tractor-harbour")
    page = client.get("/accounts/eligibility").get_data(as_text=True)
    assert "Confirm your email address first" in page and "nadia@example.org" in page
    refused = post_form(client, "/accounts/eligibility", {"code": "7K2M-Q9XD-4HPA"})
    assert refused.status_code == 422
    assert "Confirm your email address first" in refused.get_data(as_text=True)

    again = post_form(
        client, "/accounts/confirm-email/resend", {}, token_from="/accounts/eligibility"
    )
    assert again.status_code == 302
    second = latest_link("nadia@example.org", "confirm-email")
    assert second != first
    assert post_form(client, first, {}, token_from=second).status_code == 410  # replaced
    assert post_form(client, second, {}).status_code == 302
    assert person.email_confirmed
    page = client.get("/accounts/eligibility").get_data(as_text=True)
    assert "Your email address is confirmed" in page
    assert "Confirm your email address first" not in page


def test_sending_the_link_again_is_rate_limited(client):
    person = _unconfirmed()
    login(client, person, "velvet-tractor-harbour")
    statuses = [
        post_form(
            client, "/accounts/confirm-email/resend", {}, token_from="/accounts/eligibility"
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert len(messages_to("nadia@example.org")) == 4  # the first link and three more


def test_the_confirmation_link_works_without_signing_in_and_leads_to_sign_in(client):
    _unconfirmed()
    link = latest_link("nadia@example.org", "confirm-email")
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my email address" in page.get_data(as_text=True)
    assert not services.find_user_by_email("nadia@example.org").email_confirmed  # GET: no
    done = post_form(client, link, {})
    assert done.headers["Location"].endswith("/accounts/sign-in")
    person = services.find_user_by_email("nadia@example.org")
    assert person.email_confirmed
    entry = _pending("account:email_confirm")[0]
    assert "nadia" not in entry.data and entry.subject_type == "account"
    assert entry.subject_id != person.audit_subject.id  # not the public pseudonym


# --- links: forged, expired, used -----------------------------------------------------------


def test_a_forged_link_is_a_clear_404_and_changes_nothing(client):
    person = _unconfirmed()
    for path in (
        f"/accounts/confirm-email/{secrets.token_urlsafe(32)}",
        f"/accounts/reset-password/{secrets.token_urlsafe(32)}",
        f"/accounts/email/confirm/{secrets.token_urlsafe(32)}",
        "/accounts/reset-password/" + "x" * 300,
    ):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "This link is not valid" in page.get_data(as_text=True)
    # a real link of one kind is no link of another kind
    confirm_token = token_of(latest_link("nadia@example.org", "confirm-email"))
    wrong = _reset(client, f"/accounts/reset-password/{confirm_token}")
    assert wrong.status_code == 404
    assert not verify_password(person.password_hash, NEW_PASSWORD)


def test_an_expired_reset_link_is_a_clear_410_and_changes_nothing(client):
    person = UserFactory(email="ruth@example.org")
    with ago(timedelta(minutes=61)):  # CIVIC_PASSWORD_RESET_MINUTES is 60
        tokens.request_password_reset("ruth@example.org")
    link = latest_link("ruth@example.org", "reset-password")
    page = client.get(link)
    assert page.status_code == 410
    assert "This link has expired" in page.get_data(as_text=True)
    assert "Ask for a new link" in page.get_data(as_text=True)
    refused = _reset(client, link)
    assert refused.status_code == 410
    assert verify_password(person.password_hash, PASSWORD)
    assert _pending("account:password_reset") == []


def test_a_reset_link_inside_its_lifetime_works(client):
    person = UserFactory(email="ruth@example.org")
    with ago(timedelta(minutes=59)):
        tokens.request_password_reset("ruth@example.org")
    assert _reset(client, latest_link("ruth@example.org", "reset-password")).status_code == 302
    assert verify_password(person.password_hash, NEW_PASSWORD)


def test_the_lifetimes_are_settings(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MINUTES", 5)
    monkeypatch.setitem(app.config, "EMAIL_CONFIRM_HOURS", 1)
    assert tokens.lifetime(TokenPurpose.RESET_PASSWORD) == timedelta(minutes=5)
    assert tokens.lifetime(TokenPurpose.CONFIRM_EMAIL) == timedelta(hours=1)
    assert tokens.lifetime(TokenPurpose.CHANGE_EMAIL) == timedelta(hours=1)
    UserFactory(email="ruth@example.org")
    with ago(timedelta(minutes=6)):
        tokens.request_password_reset("ruth@example.org")
    with pytest.raises(tokens.LinkProblem) as problem:
        tokens.find(
            token_of(latest_link("ruth@example.org", "reset-password")),
            TokenPurpose.RESET_PASSWORD,
        )
    assert problem.value.kind == "expired"


def test_a_used_link_is_a_clear_410(client):
    UserFactory(email="ruth@example.org")
    tokens.request_password_reset("ruth@example.org")
    link = latest_link("ruth@example.org", "reset-password")
    assert _reset(client, link).status_code == 302
    again = _reset(client, link, "another-quarry-lantern-velvet")
    assert again.status_code == 410
    assert "This link has already been used" in again.get_data(as_text=True)
    person = services.find_user_by_email("ruth@example.org")
    assert verify_password(person.password_hash, NEW_PASSWORD)
    assert len(_pending("account:password_reset")) == 1


def test_only_the_hash_of_a_link_is_stored():
    UserFactory(email="ruth@example.org")
    tokens.request_password_reset("ruth@example.org")
    secret = token_of(latest_link("ruth@example.org", "reset-password"))
    row = db.session.scalar(select(AccountToken))
    assert row.token_hash == tokens.digest(secret) and secret not in row.token_hash


# --- forgotten passwords ---------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_any_address(client):
    UserFactory(email="ruth@example.org")
    UserFactory(email="gone@example.org", active=False)
    answers = []
    for address in ("ruth@example.org", "nobody@example.org", "gone@example.org"):
        response = _forgot(client, address)
        page = client.get(response.headers["Location"])
        # the CSRF token in the page is signed with the time in seconds: not part of the answer
        body = CSRF_TOKEN.sub(b"<token>", page.get_data())
        answers.append((response.status_code, response.headers["Location"], body))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1].endswith("/accounts/forgot-password/sent")
    assert b"If a Civic account uses the address you gave" in answers[0][2]
    # only the active account's owner gets a message
    assert [m.subject for m in messages_to("ruth@example.org")] == ["Reset your Civic password"]
    assert messages_to("nobody@example.org") == messages_to("gone@example.org") == []
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 1


def test_the_sign_in_page_links_to_forgot_password(client):
    page = client.get("/accounts/sign-in").get_data(as_text=True)
    assert 'href="/accounts/forgot-password"' in page


def test_forgot_password_errors_keep_input(client):
    response = _forgot(client, "not-an-address")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'href="#email"' in page and 'value="not-an-address"' in page


def test_forgot_password_is_rate_limited_per_address_typed(client):
    UserFactory(email="ruth@example.org")
    statuses = [_forgot(client, "Ruth@example.org ").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert _forgot(client, "someone@example.org").status_code == 302  # another address
    assert len(messages_to("ruth@example.org")) == 3


def test_a_reset_sets_the_password_ends_every_session_and_retires_other_links(client, other):
    person = UserFactory(email="ruth@example.org")
    login(other, person)  # e.g. an intruder who knows the old password
    tokens.request_password_reset("ruth@example.org")
    older = latest_link("ruth@example.org", "reset-password")
    tokens.request_password_reset("ruth@example.org")
    newer = latest_link("ruth@example.org", "reset-password")
    assert older != newer

    page = client.get(newer)
    assert page.status_code == 200 and "Set a new password" in page.get_data(as_text=True)
    weak = _reset(client, newer, "password123")
    assert weak.status_code == 422 and "most common passwords" in weak.get_data(as_text=True)
    done = _reset(client, newer)
    assert done.status_code == 302 and done.headers["Location"].endswith("/accounts/sign-in")
    assert verify_password(person.password_hash, NEW_PASSWORD)
    assert not _signed_in(other)
    assert _reset(client, older, "another-quarry-lantern-velvet").status_code == 410
    entry = _pending("account:password_reset")[0]
    assert json.loads(entry.data) == {}
    assert entry.actor != person.audit_subject.id  # never the public pseudonym
    login(client, person, NEW_PASSWORD)


def test_a_reset_link_confirms_an_unconfirmed_address(client):
    person = _unconfirmed()
    tokens.request_password_reset("nadia@example.org")
    _reset(client, latest_link("nadia@example.org", "reset-password"))
    assert person.email_confirmed


def test_changing_the_password_retires_reset_links(client):
    person = UserFactory(email="ruth@example.org")
    tokens.request_password_reset("ruth@example.org")
    link = latest_link("ruth@example.org", "reset-password")
    services.change_password(person, PASSWORD, NEW_PASSWORD)
    assert _reset(client, link, "another-quarry-lantern-velvet").status_code == 410


def test_the_reset_mail_has_both_parts_and_the_link():
    UserFactory(email="ruth@example.org")
    tokens.request_password_reset("ruth@example.org")
    message = messages_to("ruth@example.org")[0]
    link = latest_link("ruth@example.org", "reset-password")
    assert link in message.text_body and link in message.html_body
    assert "60 minutes" in message.text_body
    assert '<html lang="en">' in message.html_body and "<h1" in message.html_body


# --- a change of address -----------------------------------------------------------------------


def _ask_to_move(client: FlaskClient, new_email: str, password: str = PASSWORD):
    return post_form(client, "/accounts/email", {"email": new_email, "current_password": password})


def test_a_change_of_address_happens_only_when_the_new_address_confirms(client, other):
    person = UserFactory(email="old@example.org")
    login(client, person)
    login(other, person)
    tokens.request_password_reset("old@example.org")
    old_reset = latest_link("old@example.org", "reset-password")

    asked = _ask_to_move(client, "New@Example.org")
    assert asked.status_code == 302
    assert person.email == "old@example.org"  # nothing changes yet
    notice = messages_to("old@example.org")[-1]
    assert notice.subject == "Your Civic email address is being changed"
    assert "new@example.org" not in notice.text_body + notice.html_body
    assert "/accounts/forgot-password" in notice.text_body  # how to get help
    link = latest_link("new@example.org", "email/confirm")
    assert messages_to("new@example.org")[0].subject == ("Confirm your new email address for Civic")

    page = client.get(link)
    assert page.status_code == 200 and "new@example.org" in page.get_data(as_text=True)
    assert person.email == "old@example.org"  # opening the link is not enough
    done = post_form(client, link, {})
    assert done.status_code == 302 and done.headers["Location"].endswith("/accounts/eligibility")
    assert person.email == "new@example.org" and person.email_confirmed
    assert _signed_in(client) and not _signed_in(other)
    assert _reset(client, old_reset).status_code == 410  # sent to the old address
    entry = _pending("account:email_change")[0]
    assert "example.org" not in entry.data
    assert post_form(client, link, {}, token_from="/accounts/sign-in").status_code == 410


def test_a_change_of_address_needs_the_password_and_a_different_address(client):
    person = UserFactory(email="old@example.org")
    login(client, person)
    wrong = _ask_to_move(client, "new@example.org", "not-my-password")
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "Your current password is not right" in page and 'value="new@example.org"' in page
    same = _ask_to_move(client, "OLD@example.org")
    assert same.status_code == 422 and tokens.SAME_ADDRESS in same.get_data(as_text=True)
    assert messages_to("new@example.org") == []


def test_an_address_taken_meanwhile_refuses_the_change_and_changes_nothing(client):
    person = UserFactory(email="old@example.org")
    login(client, person)
    _ask_to_move(client, "wanted@example.org")
    link = latest_link("wanted@example.org", "email/confirm")
    UserFactory(email="wanted@example.org")  # someone else registers it first
    refused = post_form(client, link, {})
    assert refused.status_code == 409
    assert "Another Civic account already uses this email address" in refused.get_data(as_text=True)
    assert person.email == "old@example.org"
    assert _signed_in(client)  # nothing changed, sessions included
    assert (
        db.session.scalar(
            select(AccountToken.used_at).where(AccountToken.purpose == "change_email")
        )
        is None
    )


def test_a_password_reset_stops_a_change_of_address_not_yet_confirmed(client):
    person = UserFactory(email="old@example.org")
    tokens.request_email_change(person, PASSWORD, "intruder@example.org")
    link = latest_link("intruder@example.org", "email/confirm")
    tokens.request_password_reset("old@example.org")
    _reset(client, latest_link("old@example.org", "reset-password"))
    assert post_form(client, link, {}, token_from="/accounts/sign-in").status_code == 410
    assert person.email == "old@example.org"


# --- the database decides single use ------------------------------------------------------


@pytest.mark.commits
def test_two_uses_of_one_link_at_once_use_it_once(app):
    if not on_postgres():
        pytest.skip(
            "needs PostgreSQL: two uses racing for one link need concurrent connections "
            "and row locks; set CIVIC_TEST_DATABASE_URL"
        )
    person = services.create_user(
        None, "race@example.org", "Rae Race", "velvet-tractor-harbour", Role.RESIDENT
    )
    tokens.request_password_reset("race@example.org")
    db.session.commit()
    person_id = person.id
    secret = token_of(latest_link("race@example.org", "reset-password"))
    racers = 6
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def use(n: int) -> None:
        with app.test_request_context():
            try:
                barrier.wait()
                tokens.reset_password(secret, f"quarry-lantern-velvet-{n}-pelican")
                db.session.commit()
                outcomes.append(f"set {n}")
            except tokens.LinkProblem as problem:
                db.session.rollback()
                outcomes.append(problem.kind)
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    winners = [o for o in outcomes if o.startswith("set ")]
    assert len(winners) == 1, outcomes
    assert sorted(o for o in outcomes if o not in winners) == ["used"] * (racers - 1)
    db.session.expire_all()
    stored = db.session.get(User, person_id)
    number = winners[0].split()[1]
    assert verify_password(stored.password_hash, f"quarry-lantern-velvet-{number}-pelican")
    assert len(_pending("account:password_reset")) == 1


def test_asking_to_change_address_is_rate_limited(client):
    person = UserFactory(email="old@example.org")
    login(client, person)
    statuses = [_ask_to_move(client, f"new{n}@example.org").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert messages_to("new3@example.org") == []


def test_links_start_with_the_site_url_whatever_host_the_request_claims(app, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_URL", "https://haveyoursay.example.gov.uk")
    UserFactory(email="ruth@example.org")
    with app.test_request_context(base_url="http://forger.example"):
        tokens.request_password_reset("ruth@example.org")
    (message,) = messages_to("ruth@example.org")
    assert "https://haveyoursay.example.gov.uk/accounts/reset-password/" in message.text_body
    assert "forger.example" not in message.text_body + message.html_body
