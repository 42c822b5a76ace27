"""Numbered ballot papers for budget rounds (issue 17): managers print runs of fresh
numbers, a desk enters each paper once by its number, and a resident's paper ballot is
never typed over by a second one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import GroupRole, User, utcnow
from civic.audit.models import AuditEntry
from civic.budgets import services
from civic.budgets.models import Ballot, BallotEntry, BallotKind, BudgetRound
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.notifications.kinds import Kind
from civic.notifications.models import Notification
from civic.paper import services as paper_forms
from tests.budgets.rounds_helpers import KINDS, enter_paper, make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import GroupFactory, MembershipFactory, ModeratorFactory, UserFactory
from tests.races import all_at_once, many_residents, skip_without_postgres


def _ballots(round_: BudgetRound) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id)
    )


def _logged(action: str) -> list[dict]:
    rows = db.session.scalars(
        select(AuditEntry.body).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    )
    return [json.loads(body) for body in rows]


def _in_group(round_: BudgetRound) -> tuple[User, User]:
    """Put the round in a group; its organiser, and another group's organiser."""
    group = GroupFactory(area=round_.area)
    round_.group_id = group.id
    db.session.flush()
    db.session.expire(round_, ["group"])
    organiser = resident_of(round_.area)
    MembershipFactory(group=group, user=organiser, role=GroupRole.ORGANISER)
    elsewhere = resident_of(round_.area)
    MembershipFactory(
        group=GroupFactory(area=round_.area), user=elsewhere, role=GroupRole.ORGANISER
    )
    return organiser, elsewhere


# --- printing -----------------------------------------------------------------------------


def test_each_printing_reserves_fresh_numbers_and_is_logged():
    round_, moderator, _projects = make_round()
    assert paper_forms.issue_papers(moderator, round_, "5") == (1, 5)
    assert paper_forms.issue_papers(moderator, round_, 3) == (6, 8)
    assert round_.papers_issued == 8
    assert paper_forms.paper_label(round_, 42) == f"B{round_.id}-0042"
    printed = [e["data"] for e in _logged("paper:print")]
    assert printed == [{"first": 1, "last": 5}, {"first": 6, "last": 8}]
    for wrong in ("0", "-2", "many", "", str(paper_forms.MAX_PRINT + 1)):
        with pytest.raises(ValidationFailed) as refused:
            paper_forms.issue_papers(moderator, round_, wrong)
        assert "count" in refused.value.errors
    assert round_.papers_issued == 8


def test_who_may_print_a_rounds_papers():
    round_, _moderator, _projects = make_round()
    organiser, other_organiser = _in_group(round_)
    for refused in (None, UserFactory(), resident_of(round_.area), other_organiser):
        with pytest.raises(PermissionDenied):
            paper_forms.issue_papers(refused, round_, 1)
    assert paper_forms.issue_papers(organiser, round_, 2) == (1, 2)
    assert paper_forms.issue_papers(ModeratorFactory(), round_, 1) == (3, 3)


def test_only_issued_numbers_can_be_shown_to_print():
    round_, moderator, _projects = make_round()
    paper_forms.issue_papers(moderator, round_, 4)
    assert list(paper_forms.printable_range(round_, "2", "4")) == [2, 3, 4]
    for first, last in (("0", "2"), ("3", "5"), ("4", "2"), ("x", "2"), (None, None)):
        with pytest.raises(Exception, match="were not issued") as refused:
            paper_forms.printable_range(round_, first, last)
        assert refused.value.status == 404


# --- entering -----------------------------------------------------------------------------


def test_a_paper_ballot_keeps_its_number_and_the_log_names_the_paper_only():
    round_, moderator, (a, b, *_rest) = make_round()
    rita = resident_of(round_.area)
    paper_forms.issue_papers(moderator, round_, 3)
    ballot = services.cast_ballot(
        moderator, round_, [(a.id, 1), (b.id, 1)], voter=rita, paper_number=f"b{round_.id}-0002"
    )
    assert ballot.paper and ballot.paper_number == 2
    audit.release_pending(round_)
    (cast,) = _logged("budget_ballot:cast")
    assert cast["data"] == {"paper": True}
    # the ballot is rita's private act under her own pseudonym for the round, as online;
    # the officer's entry is named and gives the paper's number only
    assert cast["actor"] == audit.pseudonym(rita.id, f"budget_round:{round_.slug}")
    (entered,) = _logged("paper:enter")
    assert entered["actor"] == audit.pseudonym(moderator.id)
    assert entered["data"] == {"paper": f"B{round_.id}-0002"}
    # and she is told, with a link to her ballot page where she can contest it
    (note,) = db.session.scalars(
        select(Notification).where(Notification.user_id == rita.id, Notification.kind == Kind.PAPER)
    )
    assert note.url == f"/budgets/{round_.slug}/ballot" and f"B{round_.id}-0002" in note.text


def test_numbers_not_printed_are_refused_by_the_field_with_nothing_written():
    round_, moderator, (a, *_rest) = make_round()
    other, _officer, _p = make_round()
    rita = resident_of(round_.area)
    paper_forms.issue_papers(moderator, round_, 3)
    for wrong in ("", "0", "4", "two", None):
        with pytest.raises(ValidationFailed) as refused:
            services.cast_ballot(moderator, round_, [(a.id, 1)], voter=rita, paper_number=wrong)
        assert "papers 1 to 3 were printed" in refused.value.errors["paper_number"]
    with pytest.raises(ValidationFailed, match="belongs to another vote or round"):
        services.cast_ballot(
            moderator, round_, [(a.id, 1)], voter=rita, paper_number=f"B{other.id}-0001"
        )
    # a wrong ballot and a wrong number are both reported at once
    with pytest.raises(ValidationFailed) as both:
        services.cast_ballot(moderator, round_, [(a.id, 1)] * 2, voter=rita, paper_number="9")
    assert {"paper_number", "ballot"} <= set(both.value.errors)
    assert _ballots(round_) == 0 and services.ballot_count(round_) == (0, 0)


def test_the_same_paper_twice_is_refused_and_nothing_is_written():
    round_, moderator, (a, b, *_rest) = make_round()
    rita, sam = resident_of(round_.area), resident_of(round_.area)
    paper_forms.issue_papers(moderator, round_, 2)
    services.cast_ballot(moderator, round_, [(a.id, 1)], voter=rita, paper_number="1")
    with pytest.raises(paper_forms.DuplicatePaper, match=f"Paper B{round_.id}-0001 was already"):
        services.cast_ballot(moderator, round_, [(b.id, 1)], voter=sam, paper_number="1")
    assert _ballots(round_) == 1 and services.ballot_count(round_) == (1, 1)
    assert services.current_choice(round_, sam) == []
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1


def test_the_database_decides_when_the_check_misses_a_used_number(monkeypatch):
    """The check under the lock only words the refusal: with it blind (as two desks on a
    database without the round lock would be), the unique constraint still refuses."""
    round_, moderator, (a, b, *_rest) = make_round()
    rita, sam = resident_of(round_.area), resident_of(round_.area)
    paper_forms.issue_papers(moderator, round_, 2)
    services.cast_ballot(moderator, round_, [(a.id, 1)], voter=rita, paper_number="2")
    monkeypatch.setattr(paper_forms, "_number_taken", lambda *_args: False)
    with pytest.raises(paper_forms.DuplicatePaper, match=f"Paper B{round_.id}-0002 was already"):
        services.cast_ballot(moderator, round_, [(b.id, 1)], voter=sam, paper_number="2")
    assert _ballots(round_) == 1 and services.ballot_count(round_) == (1, 1)
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1
    # the session is still usable: the refused insert was rolled back to its savepoint
    services.cast_ballot(moderator, round_, [(b.id, 1)], voter=sam, paper_number="1")
    assert _ballots(round_) == 2


def test_a_second_paper_for_the_same_resident_is_refused():
    round_, moderator, (a, b, *_rest) = make_round()
    organiser, _other = _in_group(round_)
    rita = resident_of(round_.area)
    paper_forms.issue_papers(moderator, round_, 2)
    first = services.cast_ballot(moderator, round_, [(a.id, 1)], voter=rita, paper_number="1")
    receipt = first.receipt
    with pytest.raises(Conflict, match="one paper never replaces another") as refused:
        services.cast_ballot(organiser, round_, [(b.id, 1)], voter=rita, paper_number="2")
    assert isinstance(refused.value, services.AlreadyVoted)
    assert services.current_choice(round_, rita) == [(a.id, 1)]
    assert services.my_receipt(round_, rita) == receipt
    # paper 2 was not used up: it can be entered for someone else
    services.cast_ballot(
        organiser, round_, [(b.id, 1)], voter=resident_of(round_.area), paper_number="2"
    )
    assert services.ballot_count(round_) == (2, 2)


def test_only_managers_enter_paper_ballots():
    round_, moderator, (a, *_rest) = make_round()
    organiser, other_organiser = _in_group(round_)
    paper_forms.issue_papers(moderator, round_, 3)
    rita = resident_of(round_.area)
    for refused in (None, UserFactory(), resident_of(round_.area), other_organiser):
        with pytest.raises(PermissionDenied):
            services.cast_ballot(refused, round_, [(a.id, 1)], voter=rita, paper_number="1")
    assert _ballots(round_) == 0
    services.cast_ballot(organiser, round_, [(a.id, 1)], voter=rita, paper_number="1")
    assert _ballots(round_) == 1


def test_the_database_refuses_one_number_twice_in_a_round():
    round_, _moderator, _projects = make_round()
    other, _officer, _p = make_round()

    def row(round_id: int, key: str, number: int | None) -> Ballot:
        return Ballot(
            round_id=round_id,
            voter_key=key,
            paper=number is not None,
            paper_number=number,
            extra={},
            updated_at=utcnow(),
            receipt=key[:19],
        )

    # online ballots (no number) never clash; the same number in another round does not
    db.session.add_all([row(round_.id, "a" * 64, None), row(round_.id, "b" * 64, None)])
    db.session.add_all([row(round_.id, "c" * 64, 7), row(other.id, "d" * 64, 7)])
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(row(round_.id, "e" * 64, 7))
        db.session.flush()


# --- pages --------------------------------------------------------------------------------


def _desk(client, round_, data):
    url = f"/budgets/{round_.slug}/paper"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_printing_from_the_desk_page_and_the_print_page(client):
    round_, moderator, projects = make_round()
    login(client, moderator)
    desk = client.get(f"/budgets/{round_.slug}/paper").get_data(as_text=True)
    assert "Print blank ballot papers" in desk and "No ballot papers have been printed" in desk
    url = f"/budgets/{round_.slug}/paper/print"
    token = csrf_token(client, f"/budgets/{round_.slug}/paper")
    wrong = client.post(url, data={"csrf_token": token, "count": "lots"})
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Enter how many papers to print" in page
    assert 'value="lots"' in page and 'href="#count"' in page
    printed = client.post(url, data={"csrf_token": token, "count": "3"})
    assert printed.status_code == 302
    assert printed.headers["Location"].endswith(
        f"/budgets/{round_.slug}/paper/papers?first=1&last=3"
    )
    again = client.post(url, data={"csrf_token": token, "count": "2"})
    assert again.headers["Location"].endswith("first=4&last=5")
    sheet = client.get(f"/budgets/{round_.slug}/paper/papers?first=4&last=5")
    text = sheet.get_data(as_text=True)
    assert sheet.status_code == 200
    assert text.count('class="civic-paper"') == 2
    assert f"B{round_.id}-0004" in text and f"B{round_.id}-0005" in text
    assert f"B{round_.id}-0003" not in text
    assert all(p.title in text for p in projects) and "£400" in text
    assert "Mark a cross in the box of each project you choose" in text
    assert "before voting closes on" in text
    for first, last in (("6", "6"), ("0", "1"), ("1", "x")):
        missing = client.get(f"/budgets/{round_.slug}/paper/papers?first={first}&last={last}")
        assert missing.status_code == 404


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (BallotKind.K_OF_N, "Mark a cross in the box of each project you choose"),
        (BallotKind.CUMULATIVE, "write the points you give a project in its box"),
        (BallotKind.RANKED, "write 1 in the box of your first choice"),
    ],
)
def test_the_printed_paper_follows_the_ballot_kind(client, kind, words):
    settings, _votes = KINDS[kind]
    round_, moderator, _projects = make_round(kind, **settings)
    paper_forms.issue_papers(moderator, round_, 1)
    login(client, moderator)
    text = client.get(f"/budgets/{round_.slug}/paper/papers?first=1&last=1").get_data(as_text=True)
    assert words in text


def test_print_pages_per_role(client, app):
    round_, moderator, _projects = make_round()
    organiser, other_organiser = _in_group(round_)
    paper_forms.issue_papers(moderator, round_, 1)
    sheet = f"/budgets/{round_.slug}/paper/papers?first=1&last=1"
    url = f"/budgets/{round_.slug}/paper/print"
    visitor = client.get(sheet)
    assert visitor.status_code == 302 and "/sign-in" in visitor.headers["Location"]
    anonymous = client.post(url, data={"csrf_token": csrf_token(client), "count": "1"})
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    for user, allowed in (
        (resident_of(round_.area), False),
        (other_organiser, False),
        (organiser, True),
        (ModeratorFactory(), True),
    ):
        someone = app.test_client()
        login(someone, user)
        assert someone.get(sheet).status_code == (200 if allowed else 403)
        token = csrf_token(someone, "/budgets")
        printed = someone.post(url, data={"csrf_token": token, "count": "1"})
        assert printed.status_code == (302 if allowed else 403)
    db.session.expire(round_)
    assert round_.papers_issued == 3  # the two allowed printings only


def test_the_desk_refuses_a_number_by_its_field_and_keeps_the_input(client):
    round_, moderator, (a, b, *_rest) = make_round()
    rita, sam = resident_of(round_.area), resident_of(round_.area)
    paper_forms.issue_papers(moderator, round_, 2)
    login(client, moderator)
    form = {"email": rita.email, "project": [str(a.id)]}
    unprinted = _desk(client, round_, {**form, "paper_number": "9"})
    page = unprinted.get_data(as_text=True)
    assert unprinted.status_code == 422 and "papers 1 to 2 were printed" in page
    assert 'id="paper_number-error"' in page and 'href="#paper_number"' in page
    assert 'value="9"' in page and f'value="{rita.email}"' in page
    assert _ballots(round_) == 0

    entered = _desk(client, round_, {**form, "paper_number": f"B{round_.id}-0001"})
    assert entered.status_code == 302
    shown = client.get(f"/budgets/{round_.slug}/paper").get_data(as_text=True)
    assert f"Paper ballot B{round_.id}-0001 recorded" in shown

    twice = _desk(client, round_, {"email": sam.email, "project": [str(b.id)], "paper_number": "1"})
    page = twice.get_data(as_text=True)
    assert twice.status_code == 409
    assert f"Paper B{round_.id}-0001 was already entered" in page
    assert 'id="paper_number-error"' in page and 'value="1"' in page
    assert f'value="{sam.email}"' in page and "checked" in page
    assert _ballots(round_) == 1 and services.current_choice(round_, sam) == []

    again = _desk(
        client, round_, {"email": rita.email, "project": [str(b.id)], "paper_number": "2"}
    )
    page = again.get_data(as_text=True)
    assert again.status_code == 409 and "one paper never replaces another" in page
    assert 'id="email-error"' in page
    assert services.current_choice(round_, rita) == [(a.id, 1)]


def test_the_resident_sees_the_number_of_the_paper_entered_for_them(client):
    round_, moderator, (a, *_rest) = make_round()
    rita = resident_of(round_.area)
    paper_forms.issue_papers(moderator, round_, 5)
    enter_paper(moderator, round_, [(a.id, 1)], rita)
    login(client, rita)
    page = client.get(f"/budgets/{round_.slug}/ballot").get_data(as_text=True)
    assert "Paper number:" in page and f"B{round_.id}-0006" in page


# --- two desks at once (PostgreSQL) -------------------------------------------------------


@pytest.mark.commits
def test_one_paper_entered_at_two_desks_at_once_is_stored_once(app):
    skip_without_postgres()
    round_, moderator, (a, *_rest) = make_round()
    people = many_residents(round_.area, 10)
    paper_forms.issue_papers(moderator, round_, 5)
    db.session.commit()
    round_id, officer_id = round_.id, moderator.id
    ids = [p.id for p in people]

    def work(n: int) -> None:
        services.cast_ballot(
            db.session.get(User, officer_id),
            db.session.get(BudgetRound, round_id),
            [(a.id, 1)],
            voter=db.session.get(User, ids[n]),
            paper_number="3",
        )

    errors = all_at_once(app, 10, work)
    assert len(errors) == 9 and all(isinstance(e, paper_forms.DuplicatePaper) for e in errors)
    db.session.expire_all()
    stored = db.session.scalars(select(Ballot).where(Ballot.round_id == round_id)).all()
    assert [b.paper_number for b in stored] == [3]
    assert services.ballot_count(db.session.get(BudgetRound, round_id)) == (1, 1)
