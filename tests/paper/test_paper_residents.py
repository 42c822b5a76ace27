"""Residents without an account take part on paper with their letter code alone, and
take the paper-only account over when they register with the same code (issue 17)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.accounts import data_rights, tokens
from civic.accounts import services as accounts
from civic.accounts.models import Eligibility, EligibilityCode, User, utcnow
from civic.audit.models import AuditEntry, AuditPending
from civic.budgets import contests as budget_contests
from civic.budgets import services as budgets
from civic.budgets.models import Ballot
from civic.errors import Conflict, ValidationFailed
from civic.extensions import db
from civic.notifications import mailing, outbox
from civic.notifications.models import Notification, OutboxMessage
from civic.paper import contests as paper_contests
from civic.paper import services as paper
from civic.votes import services as votes
from civic.votes.models import ProposalState, VoteCast
from tests.budgets.rounds_helpers import make_round
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation
from tests.factories import AdminFactory, AreaFactory, UserFactory
from tests.votes.helpers import make_proposal

PASSWORD = "Riverside-library-2026!"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _paper_people() -> list[User]:
    return list(db.session.scalars(select(User).where(User.paper_only.is_(True))))


def _codes(moderator, area, n: int = 2) -> list[str]:
    return accounts.generate_codes(moderator, area, count=n, valid_days=30)[1]


@pytest.fixture
def voting():
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    paper.issue_papers(moderator, proposal, 10)
    return proposal, moderator, area


def _vote(proposal, moderator, code: str, number: str = "1", choice: str = "for"):
    return paper.enter_vote(moderator, proposal, choice=choice, paper_number=number, code=code)


# --- the desk ------------------------------------------------------------------------------


def test_an_unused_code_opens_a_paper_only_account_and_the_vote_counts(voting):
    proposal, moderator, area = voting
    code, _spare = _codes(moderator, area)
    cast = _vote(proposal, moderator, code)
    assert cast.new_resident and cast.paper_only_resident
    (person,) = _paper_people()
    assert person.email.endswith("@paper.invalid") and not person.email_confirmed
    assert not accounts.authenticate(person.email, "!paper-only")  # no usable password
    assert person.is_eligible_in(area)
    row = db.session.scalar(
        select(EligibilityCode).where(EligibilityCode.redeemed_by_id.is_not(None))
    )
    assert row.redeemed_by_id == person.id
    assert cast.voter_key == paper._key(proposal, person) and votes.tally(proposal) == (1, 0)
    # logged as an online registration is: the account registers itself, the grant is private
    (registered,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "account:register")
    )
    assert registered.actor == audit.pseudonym(person.id)
    body = json.loads(registered.body)
    assert body["data"] == {"role": "resident"}
    assert code not in registered.body.decode() and code[-4:] not in registered.body.decode()
    grants = db.session.scalars(
        select(AuditPending.data).where(AuditPending.action == "eligibility:grant")
    ).all()
    assert grants == ['{"area":"' + area.slug + '","method":"code"}']
    # the officer's named act, paper number only
    (entered,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "paper:enter"))
    assert entered.actor == audit.pseudonym(moderator.id)


def test_the_same_code_later_finds_the_same_account(voting):
    proposal, moderator, area = voting
    code, _spare = _codes(moderator, area)
    _vote(proposal, moderator, code)
    consultation, _mod, q = make_consultation()
    consultation.area_id = area.id
    db.session.flush()
    paper.issue_papers(moderator, consultation, 3)
    response = paper.enter_response(
        moderator, consultation, {q["single"].id: "1"}, paper_number="2", code=code.lower()
    )
    (person,) = _paper_people()
    assert response.respondent_id == person.id
    assert response.paper_only_resident and not response.new_resident


def test_the_same_code_twice_on_one_vote_is_refused_and_nothing_written(voting):
    proposal, moderator, area = voting
    code, _spare = _codes(moderator, area)
    _vote(proposal, moderator, code)
    with pytest.raises(Conflict, match="already entered for the resident with this letter code"):
        _vote(proposal, moderator, code, number="2", choice="against")
    assert _count(VoteCast) == 1 and len(_paper_people()) == 1
    assert votes.tally(proposal) == (1, 0)


def test_a_code_for_another_area_opens_nothing(voting):
    proposal, moderator, _area = voting
    (code,) = _codes(moderator, AreaFactory(), 1)
    with pytest.raises(ValidationFailed) as refused:
        _vote(proposal, moderator, code)
    assert "cannot take part in this" in refused.value.errors["code"]
    assert _paper_people() == [] and _count(VoteCast) == 0
    assert db.session.scalar(select(EligibilityCode.redeemed_at)) is None


def test_an_expired_unused_code_opens_nothing(voting):
    proposal, moderator, area = voting
    batch, (code,) = accounts.generate_codes(moderator, area, count=1, valid_days=1)
    batch.expires_at = utcnow() - timedelta(days=1)
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        _vote(proposal, moderator, code)
    assert "expired" in refused.value.errors["code"]
    assert _paper_people() == []


def test_an_organiser_cannot_open_an_account_but_can_use_a_used_code():
    round_, moderator, _projects = make_round()
    organiser = UserFactory()
    code, used = _codes(moderator, round_.area)
    online = UserFactory()
    accounts.redeem_code(online, used)
    who = paper.identify(code, "", "", check_required=False)
    with pytest.raises(ValidationFailed, match="Only a moderator"):
        paper.resident_for(organiser, who, round_)
    assert _paper_people() == []
    known = paper.identify(used, "", "", check_required=False)
    assert paper.resident_for(organiser, known, round_) == online


def test_a_paper_budget_ballot_by_an_unused_code(client):
    round_, moderator, (a, *_rest) = make_round()
    code, _spare = _codes(moderator, round_.area)
    paper.issue_papers(moderator, round_, 2)
    url = f"/budgets/{round_.slug}/paper"
    login(client, moderator)
    page = client.get(url).get_data(as_text=True)
    assert "A code not yet used is fine" in page
    form = {
        "csrf_token": csrf_token(client, url),
        "code": code,
        "project": [str(a.id)],
        "paper_number": "1",
    }
    answer = client.post(url, data=form)
    assert answer.status_code == 302
    assert "no account, paper only" in client.get(url).get_data(as_text=True)
    (person,) = _paper_people()
    ballot = budget_contests.paper_ballot_for(round_, person)
    assert ballot is not None and ballot.voter_key == budgets.voter_key(round_, person)
    # another area's code: by its field, nothing written
    (foreign,) = _codes(moderator, AreaFactory(), 1)
    refused = client.post(
        url,
        data={**form, "code": foreign, "paper_number": "2", "csrf_token": csrf_token(client, url)},
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="code-error"' in text and 'href="#code"' in text and foreign in text
    assert _count(Ballot) == 1 and len(_paper_people()) == 1


def test_the_desk_says_new_resident_paper_only(client, voting):
    proposal, moderator, area = voting
    code, _spare = _codes(moderator, area)
    desk = f"/paper/proposal/{proposal.id}/enter"
    login(client, moderator)
    assert "A code not yet used is fine" in client.get(desk).get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, desk), "code": code, "paper_number": "4"}
    answer = client.post(desk, data={**form, "choice": "against"})
    assert answer.status_code == 302
    assert "new resident, paper only" in client.get(desk).get_data(as_text=True)
    again = client.post(
        desk,
        data={**form, "csrf_token": csrf_token(client, desk), "paper_number": "5", "choice": "for"},
    )
    assert again.status_code == 409
    assert _count(VoteCast) == 1 and len(_paper_people()) == 1


# --- nothing is mailed to a paper-only account -----------------------------------------------


def test_no_mail_goes_to_a_paper_only_account(voting, app):
    proposal, moderator, area = voting
    code, _spare = _codes(moderator, area)
    _vote(proposal, moderator, code)
    (person,) = _paper_people()
    notes = db.session.scalars(
        select(Notification.id).where(Notification.user_id == person.id)
    ).all()
    assert notes  # told in the account, to read once it is theirs
    assert mailing.mail_immediately(notes) == 0
    assert not mailing.send_digest(person.id, utcnow().date(), utcnow())
    with app.test_request_context():
        with pytest.raises(ValidationFailed):  # not an address anyone can ask a reset for
            tokens.request_password_reset(person.email)
        tokens.send_confirmation(person)
    assert outbox.queue(to=person.email, subject="x", text="x", html="x", key="k") is None
    assert _count(OutboxMessage) == 0


# --- taking the account over online ----------------------------------------------------------


@pytest.fixture
def on_paper(voting):
    """Paper vote V-0001 entered with an unused code; the code, the account."""
    proposal, moderator, area = voting
    code, _spare = _codes(moderator, area)
    _vote(proposal, moderator, code)
    (person,) = _paper_people()
    return proposal, moderator, area, code, person


def test_registering_with_the_code_takes_the_account_over(on_paper, app):
    proposal, _moderator, area, code, person = on_paper
    with app.test_request_context():
        user = accounts.register("rhian@example.org", "Rhian Evans", PASSWORD, code=code)
    assert user.id == person.id
    db.session.refresh(person)
    assert (person.email, person.display_name, person.paper_only) == (
        "rhian@example.org",
        "Rhian Evans",
        False,
    )
    assert person.paper_claimed_at is not None and not person.email_confirmed
    assert person.is_eligible_in(area)
    (mail,) = db.session.scalars(select(OutboxMessage))
    assert mail.to_address == "rhian@example.org"  # the confirmation link, as for any account
    pending = db.session.scalars(select(AuditPending.action)).all()
    assert "account:paper_claim" in pending
    # what was entered on paper is theirs: shown, not repeatable online, contestable
    assert paper_contests.paper_entry(proposal, person) is not None
    with pytest.raises(Conflict):
        votes.cast_vote(person, proposal, "against")
    assert _count(VoteCast) == 1
    row = paper_contests.contest(person, proposal, "I meant to vote against")
    assert row.voter_key == paper._key(proposal, person)
    # the code is spent: it cannot take the account over again
    with app.test_request_context(), pytest.raises(ValidationFailed) as again:
        accounts.register("other@example.org", "Someone", PASSWORD, code=code)
    assert "No paper votes or forms" in again.value.errors["code"]


def test_registering_reports_a_code_problem_with_the_other_fields(app):
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        accounts.register("not-an-address", "", "short", code="7K2M-Q9XD-4HPA")
    assert {"code", "email", "display_name", "password"} <= set(refused.value.errors)
    assert _count(User) == 0


def test_a_code_used_online_does_not_take_over_anything(app, voting):
    _proposal, moderator, area = voting
    code, _spare = _codes(moderator, area)
    accounts.redeem_code(UserFactory(), code)
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        accounts.register("new@example.org", "New Person", PASSWORD, code=code)
    assert "No paper votes or forms" in refused.value.errors["code"]


def test_an_address_in_use_leaves_the_paper_account_as_it_was(on_paper, app):
    _proposal, _moderator, _area, code, person = on_paper
    owner = UserFactory(email="taken@example.org")
    with app.test_request_context():
        assert accounts.register("taken@example.org", "Someone", PASSWORD, code=code) is None
    db.session.refresh(person)
    assert person.paper_only and person.email.endswith("@paper.invalid")
    (note,) = db.session.scalars(select(OutboxMessage))
    assert note.to_address == owner.email  # its owner is told, as for any registration


def test_an_existing_account_cannot_redeem_a_code_used_on_paper(on_paper):
    _proposal, _moderator, _area, code, _person = on_paper
    resident = UserFactory()
    with pytest.raises(ValidationFailed) as refused:
        accounts.redeem_code(resident, code)
    assert "council desk" in refused.value.errors["code"]
    assert not db.session.scalar(
        select(func.count()).select_from(Eligibility).where(Eligibility.user_id == resident.id)
    )


def test_the_export_says_the_account_began_on_paper(on_paper):
    *_rest, person = on_paper
    (account,) = data_rights.export(person).as_json()["account"]
    assert account["paper_only"] is True and account["paper_claimed_at"] is None


def test_the_whole_journey_through_the_pages(client, app, on_paper):
    proposal, _moderator, _area, code, person = on_paper
    page = client.get("/accounts/register").get_data(as_text=True)
    assert 'name="code"' in page
    form = {
        "csrf_token": csrf_token(client, "/accounts/register"),
        "email": "dai@example.org",
        "display_name": "Dai Morgan",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "code": code,
    }
    assert client.post("/accounts/register", data=form).status_code == 302
    db.session.refresh(person)
    assert person.email == "dai@example.org"
    person.email_confirmed_at = utcnow()
    db.session.commit()
    login(client, person, PASSWORD)
    mine = client.get(f"/paper/proposal/{proposal.id}/mine").get_data(as_text=True)
    assert f"V{proposal.id}-0001" in mine
    # the vote page offers no online vote beside the paper one
    detail = client.get(f"/votes/{proposal.id}")
    assert detail.status_code == 200
    assert _count(VoteCast) == 1


def test_the_people_page_shows_no_placeholder_address(client, on_paper):
    *_rest, person = on_paper
    login(client, AdminFactory())
    page = client.get("/accounts/people").get_data(as_text=True)
    assert "New resident, paper only" in page
    assert person.email not in page and "paper.invalid" not in page
