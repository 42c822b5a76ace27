"""Paper votes and consultation responses entered by officers (civic.paper)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.accounts import services as accounts
from civic.audit.models import AuditEntry
from civic.consultations import services as consultations
from civic.consultations.models import Response
from civic.contests import flow
from civic.contests.states import ContestState
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.notifications.models import Notification
from civic.paper import contests as paper_contests
from civic.paper import services as paper
from civic.receipts import codes as receipts
from civic.votes import services as votes
from civic.votes.models import ProposalState, VoteCast
from tests.consultations.helpers import make_consultation
from tests.factories import ModeratorFactory, UserFactory
from tests.votes.helpers import make_proposal, residents


def _named(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def voting():
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    paper.issue_papers(moderator, proposal, 10)
    return proposal, moderator, area


def test_printing_reserves_fresh_numbers_and_is_logged(voting):
    proposal, moderator, _area = voting
    assert paper.issue_papers(moderator, proposal, 5) == (11, 15)
    assert proposal.papers_issued == 15
    printed = _named("paper:print")
    assert [e.actor for e in printed] == [audit.pseudonym(moderator.id)] * 2
    with pytest.raises(ValidationFailed):
        paper.issue_papers(moderator, proposal, 0)
    with pytest.raises(PermissionDenied):
        paper.issue_papers(residents(_area, 1)[0], proposal, 5)


def test_paper_vote_by_email_and_check_counts_and_is_logged(voting):
    proposal, moderator, area = voting
    (resident,) = residents(area, 1)
    cast = paper.enter_vote(
        moderator,
        proposal,
        choice="against",
        paper_number=f"V{proposal.id}-0003",
        email=resident.email,
        check="seen council tax bill",
    )
    assert (cast.paper, cast.paper_number, cast.entered_by_id) == (True, 3, moderator.id)
    assert cast.paper_check == "seen council tax bill"
    assert votes.tally(proposal) == (0, 1)
    # the officer's named act carries the paper's number, never the choice
    (entered,) = _named("paper:enter")
    assert entered.actor == audit.pseudonym(moderator.id)
    assert b"against" not in bytes(entered.body)
    # the vote itself waits, private, under the resident's pseudonym for this proposal
    audit.release_pending()
    (logged,) = _named("proposal:vote_cast")
    assert logged.actor == audit.pseudonym(resident.id, f"proposal:{proposal.id}")
    # the resident is told, with a link to their paper page
    (note,) = db.session.scalars(select(Notification).where(Notification.user_id == resident.id))
    assert note.url == f"/paper/proposal/{proposal.id}/mine"


def test_paper_vote_by_letter_code(voting):
    proposal, moderator, area = voting
    _batch, codes = accounts.generate_codes(moderator, area, count=2, valid_days=30)
    resident = UserFactory()
    accounts.redeem_code(resident, codes[0])
    cast = paper.enter_vote(moderator, proposal, choice="for", paper_number="1", code=codes[0])
    assert cast.voter_key == paper._key(proposal, resident)
    assert cast.paper_check.startswith("letter code ending")
    assert not cast.new_resident and not cast.paper_only_resident
    # an unused code is a resident without an account: it gets a paper-only one
    # (tests/paper/test_paper_residents.py)
    other = paper.enter_vote(moderator, proposal, choice="for", paper_number="2", code=codes[1])
    assert other.new_resident and other.paper_only_resident
    assert votes.tally(proposal) == (2, 0)


def test_every_missing_field_is_reported_together(voting):
    proposal, moderator, _area = voting
    with pytest.raises(ValidationFailed) as refused:
        paper.enter_vote(moderator, proposal, choice="", paper_number="99")
    assert set(refused.value.errors) == {"email", "check", "paper_number", "choice"}


def test_ineligible_resident_refused(voting):
    proposal, moderator, _area = voting
    outsider = UserFactory()
    with pytest.raises(ValidationFailed) as refused:
        paper.enter_vote(
            moderator, proposal, choice="for", paper_number="1", email=outsider.email, check="x"
        )
    assert "cannot vote" in refused.value.errors["email"]
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 0


def test_the_same_paper_cannot_be_entered_twice(voting):
    proposal, moderator, area = voting
    first, second = residents(area, 2)
    paper.enter_vote(
        moderator, proposal, choice="for", paper_number="4", email=first.email, check="bill"
    )
    with pytest.raises(paper.DuplicatePaper) as refused:
        paper.enter_vote(
            moderator, proposal, choice="against", paper_number="4", email=second.email, check="b"
        )
    assert refused.value.status == 409
    assert votes.tally(proposal) == (1, 0)
    assert len(_named("paper:enter")) == 1


def test_paper_after_online_refused_and_online_after_paper_refused(voting):
    proposal, moderator, area = voting
    online, on_paper = residents(area, 2)
    votes.cast_vote(online, proposal, "for")
    with pytest.raises(Conflict) as refused:
        paper.enter_vote(
            moderator, proposal, choice="against", paper_number="1", email=online.email, check="b"
        )
    assert "already voted online" in refused.value.message
    paper.enter_vote(
        moderator, proposal, choice="against", paper_number="2", email=on_paper.email, check="b"
    )
    with pytest.raises(Conflict) as refused:
        votes.cast_vote(on_paper, proposal, "for")
    assert "paper vote was entered for you" in refused.value.message
    assert votes.tally(proposal) == (1, 1)
    # a second paper for the same person is refused too
    with pytest.raises(Conflict):
        paper.enter_vote(
            moderator, proposal, choice="for", paper_number="3", email=on_paper.email, check="b"
        )


def test_paper_vote_after_the_close_is_refused(voting):
    proposal, moderator, area = voting
    (resident,) = residents(area, 1)
    votes.close_vote(moderator, proposal, reason="Ended early for the test")
    with pytest.raises(Conflict):
        paper.enter_vote(
            moderator, proposal, choice="for", paper_number="1", email=resident.email, check="b"
        )


def test_results_split_paper_and_online_only_when_publishable(voting, app, monkeypatch):
    proposal, moderator, area = voting
    people = residents(area, 4)
    for person in people[:2]:
        votes.cast_vote(person, proposal, "for")
    for n, person in enumerate(people[2:], start=1):
        paper.enter_vote(
            moderator,
            proposal,
            choice="against",
            paper_number=str(n),
            email=person.email,
            check="bill",
        )
    assert paper.split_counts(proposal) is None  # not counted yet
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 2)
    votes.close_vote(moderator, proposal, reason="Ended early for the test")
    assert proposal.paper_votes == 2
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 3)
    assert paper.split_counts(proposal) is None  # 2 on paper could single people out
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 2)
    assert paper.split_counts(proposal) == {"paper": 2, "online": 2}


def test_a_removed_paper_vote_is_gone_and_logged(voting):
    proposal, moderator, area = voting
    (resident,) = residents(area, 1)
    other_moderator = ModeratorFactory()
    paper.enter_vote(
        moderator, proposal, choice="for", paper_number="5", email=resident.email, check="b"
    )
    row = paper_contests.contest(resident, proposal, "I did not vote on paper")
    with pytest.raises(Conflict):
        paper_contests.contest(resident, proposal, "again")
    # the officer who entered the paper does not decide about it
    with pytest.raises(PermissionDenied):
        flow.resolve(moderator, row, "remove", "Removed")
    with pytest.raises(ValidationFailed) as refused:
        flow.resolve(other_moderator, row, "", "")
    assert set(refused.value.errors) == {"outcome", "response"}
    flow.resolve(other_moderator, row, "remove", "The signature did not match; removed.")
    assert row.state is ContestState.REMOVED and row.cast_id is None
    assert votes.tally(proposal) == (0, 0)
    (resolved,) = _named("paper:contest_resolve")
    assert resolved.actor == audit.pseudonym(other_moderator.id)
    assert (resolved.subject_type, resolved.subject_id) == ("proposal", str(proposal.id))
    # the contest itself reached the log, under a pseudonym that is not the resident's own
    (contested,) = _named("paper:contest")
    assert contested.actor != audit.pseudonym(resident.id)
    # the public log's count of votes drops with the removal
    audit.release_pending()
    assert receipts.participation_count(proposal.audit_subject) == 0
    # the resident may now vote online
    votes.cast_vote(resident, proposal, "against")
    assert votes.tally(proposal) == (0, 1)


def test_a_kept_paper_vote_stands(voting):
    proposal, moderator, area = voting
    (resident,) = residents(area, 1)
    paper.enter_vote(
        moderator, proposal, choice="for", paper_number="5", email=resident.email, check="b"
    )
    row = paper_contests.contest(resident, proposal, "Not mine")
    flow.resolve(ModeratorFactory(), row, "keep", "You signed it at the library.")
    assert votes.tally(proposal) == (1, 0)
    with pytest.raises(Conflict):  # decided: not contested again and again
        paper_contests.contest(resident, proposal, "Still not mine")


def test_only_the_resident_with_a_paper_contests(voting):
    proposal, _moderator, area = voting
    (resident,) = residents(area, 1)
    with pytest.raises(Exception) as refused:
        paper_contests.contest(resident, proposal, "Not mine")
    assert refused.value.status == 404


@pytest.fixture
def open_consultation():
    consultation, moderator, q = make_consultation()
    paper.issue_papers(moderator, consultation, 5)
    return consultation, moderator, q


def test_paper_response_counts_in_the_analysis(open_consultation):
    consultation, moderator, q = open_consultation
    from tests.budgets.rounds_helpers import resident_of

    resident = resident_of(consultation.area)
    response = paper.enter_response(
        moderator,
        consultation,
        {q["single"].id: "1", q["scale"].id: "4", q["free_text"].id: "More glass bins"},
        paper_number=f"C{consultation.id}-0002",
        email=resident.email,
        check="known to the housing office",
    )
    assert response.paper and response.submitted_at is not None
    total, results, _themes = consultations.analyse(consultation)
    assert total == 1
    assert results[0].counts == [0, 1]
    assert [e.actor for e in _named("paper:enter")] == [audit.pseudonym(moderator.id)]
    # required questions are required on paper too
    other = resident_of(consultation.area)
    with pytest.raises(ValidationFailed) as refused:
        paper.enter_response(
            moderator, consultation, {}, paper_number="3", email=other.email, check="b"
        )
    assert q["single"].field in refused.value.errors
    # the same form again: refused, nothing written
    with pytest.raises(paper.DuplicatePaper):
        paper.enter_response(
            moderator,
            consultation,
            {q["single"].id: "0"},
            paper_number="2",
            email=other.email,
            check="b",
        )
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_response_paper_and_online_exclude_each_other(open_consultation):
    consultation, moderator, q = open_consultation
    from tests.budgets.rounds_helpers import resident_of

    online, on_paper = resident_of(consultation.area), resident_of(consultation.area)
    consultations.save_response(online, consultation, {q["single"].id: "0"}, submit=True)
    with pytest.raises(Conflict) as refused:
        paper.enter_response(
            moderator,
            consultation,
            {q["single"].id: "1"},
            paper_number="1",
            email=online.email,
            check="b",
        )
    assert "already responded online" in refused.value.message
    paper.enter_response(
        moderator,
        consultation,
        {q["single"].id: "1"},
        paper_number="2",
        email=on_paper.email,
        check="b",
    )
    with pytest.raises(Conflict):
        consultations.save_response(on_paper, consultation, {q["single"].id: "0"}, submit=True)


def test_a_removed_paper_response_is_gone(open_consultation):
    consultation, moderator, q = open_consultation
    from tests.budgets.rounds_helpers import resident_of

    resident = resident_of(consultation.area)
    paper.enter_response(
        moderator,
        consultation,
        {q["single"].id: "1", q["multiple"].id: ["0", "2"]},
        paper_number="1",
        email=resident.email,
        check="b",
    )
    row = paper_contests.contest(resident, consultation, "I never filled this in")
    flow.resolve(ModeratorFactory(), row, "remove", "Removed: it was someone else's form.")
    assert consultations.analyse(consultation)[0] == 0
    assert paper_contests.paper_entry(consultation, resident) is None
    # the resident can now respond online
    consultations.save_response(resident, consultation, {q["single"].id: "0"}, submit=True)
    assert consultations.analyse(consultation)[0] == 1


@pytest.mark.parametrize("typed", ["²", "١٢", " 1_0 ", "99999999999999999999999", "V-²"])
def test_a_paper_number_is_ascii_digits_only(voting, typed):
    """ "²" is a digit to Python's isdigit but not to int(); "١٢" would read as 12. Each is
    refused by the number's field, never a 500, and nothing is written."""
    proposal, moderator, area = voting
    paper.issue_papers(moderator, proposal, 20)
    (person,) = residents(area, 1)
    with pytest.raises(ValidationFailed) as refused:
        paper.enter_vote(
            moderator, proposal, choice="for", paper_number=typed, email=person.email, check="ok"
        )
    assert set(refused.value.errors) == {"paper_number"}
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 0


@pytest.mark.parametrize("first", ["\u0661", "\u00b2", " 1_0", "", None])
def test_a_print_range_is_ascii_digits_only(voting, first):
    """An Arabic-Indic one would read as 1 through int(); only issued numbers print."""
    proposal, _moderator, _area = voting
    assert list(paper.printable_range(proposal, "1", "2")) == [1, 2]
    with pytest.raises(NotFound):
        paper.printable_range(proposal, first, "2")
