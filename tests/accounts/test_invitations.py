"""Invitations to a group: made by organisers, answered by the person invited, audited
without the address, and the same answer whether or not the address has an account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.accounts import invitations, services
from civic.accounts.models import (
    GroupInvitation,
    GroupMembership,
    GroupRole,
    InvitationState,
    utcnow,
)
from civic.audit.models import AuditEntry
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.accounts.mail_links import confirm, latest_link
from tests.conftest import csrf_token, login, post_form
from tests.factories import GroupFactory, MembershipFactory, ModeratorFactory, UserFactory


@pytest.fixture
def group():
    return GroupFactory(slug="park-friends", name="Park Friends")


@pytest.fixture
def organiser(group):
    return MembershipFactory(group=group, role=GroupRole.ORGANISER).user


def _members(group) -> set[int]:
    return set(
        db.session.scalars(
            select(GroupMembership.user_id).where(GroupMembership.group_id == group.id)
        )
    )


def _bodies() -> str:
    return b"\n".join(db.session.scalars(select(AuditEntry.body))).decode("utf-8")


# --- services ----------------------------------------------------------------------------


def test_invited_person_joins_only_by_accepting(group, organiser):
    person = UserFactory(email="sam@example.org", display_name="Sam Invited")
    invitation, token = invitations.invite_member(organiser, group, "  Sam@Example.org ")
    assert invitation.email == "sam@example.org"  # found whatever case was typed
    assert invitation.state is InvitationState.PENDING
    assert invitation.token_hash == invitations.token_digest(token) != token
    assert person.id not in _members(group)
    assert invitations.invitations_for(person) == [invitation]
    assert invitations.waiting_count(person) == 1

    membership = invitations.accept(person, invitation)
    assert membership.role is GroupRole.MEMBER and person.id in _members(group)
    assert membership.show_name is False  # counted, not named, until they choose
    assert invitation.state is InvitationState.ACCEPTED and invitation.answered_by_id == person.id
    assert invitations.invitations_for(person) == []
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries][-2:] == ["group:invite", "group:invite_accept"]
    accepted = entries[-1]
    # the acceptance is signed by a pseudonym scoped to it, not the one on their comments
    assert accepted.actor != audit.pseudonym(person.id)
    assert services.member_pseudonym(person.id, group).encode() in accepted.body
    assert b"sam@example.org" not in accepted.body


def test_the_log_never_holds_the_address_nor_says_whether_it_has_an_account(group, organiser):
    UserFactory(email="known@example.org")
    invitations.invite_member(organiser, group, "known@example.org")
    invitations.invite_member(organiser, group, "unknown@example.org")
    known, unknown = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "group:invite").order_by(AuditEntry.seq)
    ).all()
    bodies = _bodies()
    assert "known@example.org" not in bodies and "unknown@example.org" not in bodies

    def shape(entry):
        # the invitation number and the time differ; nothing else may
        return re.sub(rb'"(invitation|time)":("[^"]*"|\d+)', b"", entry.body.split(b'"seq"')[0])

    assert shape(known) == shape(unknown)


def test_invitation_to_an_address_without_an_account_waits_for_registration(group, organiser):
    invitation, _ = invitations.invite_member(organiser, group, "later@example.org")
    newcomer = services.register("Later@example.org", "Lee Later", "velvet-tractor-harbour")
    # anyone can register with any address: only a confirmed one finds its invitations
    assert invitations.invitations_for(newcomer) == []
    assert invitations.waiting_count(newcomer) == 0
    confirm("later@example.org")
    assert invitations.invitations_for(newcomer) == [invitation]
    invitations.accept(newcomer, invitation)
    assert newcomer.id in _members(group)


def test_decline_leaves_no_membership_and_is_final(group, organiser):
    person = UserFactory()
    invitation, _ = invitations.invite_member(organiser, group, person.email)
    invitations.decline(person, invitation)
    assert invitation.state is InvitationState.DECLINED
    assert person.id not in _members(group)
    with pytest.raises(Conflict, match="already declined"):
        invitations.accept(person, invitation)
    assert "group:invite_decline" in db.session.scalars(select(AuditEntry.action)).all()


def test_expired_invitation_cannot_be_accepted_and_tick_records_the_expiry(group, organiser):
    person = UserFactory()
    invitation, _ = invitations.invite_member(organiser, group, person.email)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    assert invitations.invitations_for(person) == []
    with pytest.raises(Conflict, match="expired"):
        invitations.accept(person, invitation)
    assert person.id not in _members(group)
    assert invitations.expire_due() == [
        f"Invitation {invitation.id} to Park Friends expired unanswered."
    ]
    assert invitation.state is InvitationState.EXPIRED
    assert invitations.expire_due() == []
    assert "group:invite_expire" in db.session.scalars(select(AuditEntry.action)).all()
    # the address can be invited again
    again, _ = invitations.invite_member(organiser, group, person.email)
    invitations.accept(person, again)
    assert person.id in _members(group)


def test_organisers_cancel_pending_invitations_and_others_cannot(group, organiser):
    person, member = UserFactory(), MembershipFactory(group=group).user
    invitation, _ = invitations.invite_member(organiser, group, person.email)
    for outsider in (member, person, UserFactory()):
        with pytest.raises(PermissionDenied):
            invitations.cancel(outsider, invitation)
    invitations.cancel(organiser, invitation)
    assert invitation.state is InvitationState.CANCELLED
    with pytest.raises(Conflict, match="withdrew"):
        invitations.accept(person, invitation)
    with pytest.raises(Conflict):
        invitations.cancel(organiser, invitation)
    assert person.id not in _members(group)


def test_who_may_invite(group, organiser):
    member, outsider, moderator = (
        MembershipFactory(group=group).user,
        UserFactory(),
        ModeratorFactory(),
    )
    for refused in (member, outsider, None):
        with pytest.raises(PermissionDenied):
            invitations.invite_member(refused, group, "x@example.org")
    # organisers invite members; only moderators invite organisers
    with pytest.raises(PermissionDenied):
        invitations.invite_member(organiser, group, "x@example.org", GroupRole.ORGANISER)
    invitation, _ = invitations.invite_member(
        moderator, group, "x@example.org", GroupRole.ORGANISER
    )
    person = UserFactory(email="x@example.org")
    assert invitations.accept(person, invitation).role is GroupRole.ORGANISER


def test_one_waiting_invitation_per_address_and_bad_addresses_refused(group, organiser):
    invitations.invite_member(organiser, group, "twice@example.org")
    with pytest.raises(ValidationFailed) as refused:
        invitations.invite_member(organiser, group, "TWICE@example.org")
    assert refused.value.errors == {"email": invitations.ALREADY_WAITING}
    with pytest.raises(ValidationFailed) as bad:
        invitations.invite_member(organiser, group, "not an address")
    assert "email" in bad.value.errors
    assert db.session.scalar(select(func.count()).select_from(GroupInvitation)) == 1


def test_inviting_a_member_answers_the_same_and_accepting_changes_nothing(group, organiser):
    membership = MembershipFactory(group=group)
    invitation, _ = invitations.invite_member(organiser, group, membership.user.email)
    assert invitations.accept(membership.user, invitation).id == membership.id
    assert membership.role is GroupRole.MEMBER


def test_only_the_addressee_may_answer(group, organiser):
    person, other = UserFactory(), UserFactory()
    invitation, _ = invitations.invite_member(organiser, group, person.email)
    with pytest.raises(NotFound):
        invitations.accept(other, invitation)
    with pytest.raises(NotFound):
        invitations.decline(other, invitation)
    with pytest.raises(NotFound):
        invitations.get_for(other, invitation.id)
    assert invitation.state is InvitationState.PENDING


# --- pages -------------------------------------------------------------------------------


def test_invite_form_answers_the_same_for_known_and_unknown_addresses(client, group, organiser):
    UserFactory(email="known@example.org")
    login(client, organiser)
    answers = []
    for email in ("known@example.org", "unknown@example.org"):
        response = post_form(client, "/accounts/groups/park-friends", {"email": email})
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        banner = re.search(r"If that address belongs.*?</p>", page, re.S)
        assert banner, page[:2000]
        answers.append((response.status_code, response.headers["Location"], banner.group(0)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302


def test_invited_person_accepts_from_their_invitations_page(client, group, organiser):
    person = UserFactory(display_name="Ira Invitee")
    invitations.invite_member(organiser, group, person.email)
    assert "Ira Invitee" not in client.get("/accounts/groups/park-friends").get_data(as_text=True)
    login(client, person)
    # the account menu says an invitation waits
    assert "Invitations (1)" in client.get("/").get_data(as_text=True)
    page = client.get("/accounts/invitations").get_data(as_text=True)
    assert "Park Friends" in page
    action = re.search(r'action="(/accounts/invitations/\d+/accept)"', page)
    assert action
    accepted = post_form(client, action.group(1), {}, token_from="/accounts/invitations")
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/park-friends")
    group_page = client.get("/accounts/groups/park-friends").get_data(as_text=True)
    assert "You have joined Park Friends" in group_page and "Ira Invitee (you)" in group_page
    # accepted once: a second click is told so, and changes nothing
    again = post_form(client, action.group(1), {}, token_from="/accounts/invitations")
    assert again.status_code == 409 and "already accepted" in again.get_data(as_text=True)


def test_a_token_opens_its_invitation_once(client, group, organiser):
    person = UserFactory()
    invitation, token = invitations.invite_member(organiser, group, person.email)
    login(client, person)
    page = client.get(f"/accounts/invitations/open/{token}").get_data(as_text=True)
    assert f"/accounts/invitations/{invitation.id}/accept" in page
    assert client.get("/accounts/invitations/open/not-a-real-token").status_code == 404
    post_form(client, f"/accounts/invitations/{invitation.id}/accept", {}, token_from="/")
    used = client.get(f"/accounts/invitations/open/{token}")
    body = used.get_data(as_text=True)
    assert used.status_code == 200 and "no longer open: you accepted it" in body
    assert "/accept" not in body


def test_someone_elses_token_opens_nothing(client, group, organiser):
    _, token = invitations.invite_member(organiser, group, UserFactory().email)
    login(client, UserFactory())
    assert client.get(f"/accounts/invitations/open/{token}").status_code == 404


def test_decline_and_cancel_through_the_pages(client, group, organiser):
    person, other = UserFactory(), UserFactory()
    first, _ = invitations.invite_member(organiser, group, person.email)
    second, _ = invitations.invite_member(organiser, group, other.email)
    login(client, person)
    declined = post_form(client, f"/accounts/invitations/{first.id}/decline", {}, token_from="/")
    assert declined.status_code == 302
    assert first.state is InvitationState.DECLINED
    login(client, organiser)
    page = client.get("/accounts/groups/park-friends").get_data(as_text=True)
    assert other.email in page and person.email not in page  # only waiting ones listed
    cancel = f"/accounts/groups/park-friends/invitations/{second.id}/cancel"
    assert post_form(client, cancel, {}, token_from="/").status_code == 302
    assert second.state is InvitationState.CANCELLED


def test_registering_with_an_invited_address_shows_the_invitation(client, group, organiser):
    invitations.invite_member(organiser, group, "fresh@example.org")
    registered = post_form(
        client,
        "/accounts/register",
        {
            "email": "fresh@example.org",
            "display_name": "Fran Fresh",
            "password": "velvet-tractor-harbour",
            "confirm": "velvet-tractor-harbour",
        },
    )
    assert registered.status_code == 302
    assert registered.headers["Location"].endswith("/accounts/register/check-email")
    person = services.find_user_by_email("fresh@example.org")
    login(client, person, "velvet-tractor-harbour")
    # signed in but unconfirmed: the invitation is not shown yet
    assert "Park Friends" not in client.get("/accounts/invitations").get_data(as_text=True)
    link = latest_link("fresh@example.org", "confirm-email")
    confirmed = post_form(client, link, {})
    assert confirmed.status_code == 302
    landing = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "A group has invited you to join" in landing
    assert "Park Friends" in client.get("/accounts/invitations").get_data(as_text=True)


def test_htmx_invite_errors_come_back_in_the_members_block(htmx_client, group, organiser):
    login(htmx_client, organiser)
    token = csrf_token(htmx_client, "/accounts/groups/park-friends")
    response = htmx_client.post(
        "/accounts/groups/park-friends", data={"csrf_token": token, "email": ""}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and body.lstrip().startswith('<div id="members">')
    assert "Enter the email address of the person to invite" in body


def test_tick_marks_lapsed_invitations_expired(app, group, organiser):
    invitation, _ = invitations.invite_member(organiser, group, "late@example.org")
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 0, result.output
    assert f"Invitation {invitation.id} to Park Friends expired unanswered." in result.output
    db.session.refresh(invitation)
    assert invitation.state is InvitationState.EXPIRED
