"""Withdrawing a saved ballot before the close (issue 12): the resident's own online ballot,
while voting is open, audited, its receipt retired as withdrawn, counted nowhere, with a
confirmation step that needs no JavaScript; and, on PostgreSQL, withdrawals racing the
move to results are either counted as withdrawn or refused, never half done."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.audit.models import AuditEntry
from civic.budgets import services
from civic.budgets.models import Ballot, BallotEntry, BudgetRound, Phase, RoundResult
from civic.errors import Conflict, PermissionDenied
from civic.extensions import db
from civic.receipts import codes
from civic.receipts.models import RetiredReceipt
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import UserFactory
from tests.races import ACCEPTED, log_of, many_residents, race, skip_without_postgres

EARLY = "Closed early for the test"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_withdrawn_ballot_is_counted_nowhere_and_its_receipt_says_withdrawn(client):
    round_, moderator, (a, b, *_rest) = make_round()
    voters = [resident_of(round_.area) for _ in range(4)]
    for voter in voters:
        services.cast_ballot(voter, round_, [(a.id, 1)])
    leaver = voters[0]
    services.cast_ballot(leaver, round_, [(b.id, 1)])  # a change first: its old code replaced
    code = services.my_receipt(round_, leaver)

    assert services.withdraw_ballot(leaver, round_) == code
    assert services.my_receipt(round_, leaver) is None
    assert services.current_choice(round_, leaver) == []
    assert _count(Ballot) == 3 and _count(BallotEntry) == 3
    retired = db.session.scalars(select(RetiredReceipt).where(RetiredReceipt.code == code)).one()
    assert retired.reason == codes.WITHDRAWN

    # a receipt check before the close says nothing about the withdrawal
    assert client.get(f"/receipts/{code}.json").get_json()["status"] == "not_published"

    services.advance_phase(moderator, round_, Phase.RESULTS, reason=EARLY)
    result = db.session.get(RoundResult, round_.id)
    assert result.ballots == 3
    assert {p["id"]: p["votes"] for p in result.projects}[a.external_id] == 3
    assert {p["id"]: p["votes"] for p in result.projects}[b.external_id] == 0
    assert codes.participation_count(round_.audit_subject) == 3  # 4 casts, 1 withdrawal
    actions = [action for _, action, _ in log_of("budget_round", round_.slug)]
    assert actions.count("budget_ballot:withdraw") == 1

    published = client.get(f"/budgets/{round_.slug}/ballots.json").get_json()
    assert code not in {b["receipt"] for b in published}
    assert client.get(f"/budgets/{round_.slug}/replaced.json").get_json()["withdrawn"] == [code]
    said = client.get(f"/receipts/{code}.json").get_json()
    assert said["status"] == "withdrawn"
    assert "withdrawn by its voter" in said["message"] and "not counted" in said["message"]
    page = client.get(f"/receipts?code={code}").get_data(as_text=True)
    assert "Withdrawn by its voter: not counted" in page


def test_a_resident_can_vote_again_after_withdrawing():
    round_, moderator, (a, b, *_rest) = make_round()
    voter = resident_of(round_.area)
    services.cast_ballot(voter, round_, [(a.id, 1)])
    services.withdraw_ballot(voter, round_)
    again = services.cast_ballot(voter, round_, [(b.id, 1)])
    assert again.replaced_receipt is None  # a new ballot, not a change
    services.advance_phase(moderator, round_, Phase.RESULTS, reason=EARLY)
    assert db.session.get(RoundResult, round_.id).ballots == 1
    assert codes.participation_count(round_.audit_subject) == 1  # cast, withdraw, cast


def test_withdrawal_is_refused_without_a_ballot_for_paper_and_after_the_close():
    round_, moderator, (a, *_rest) = make_round()
    voter, paper_voter = resident_of(round_.area), resident_of(round_.area)
    with pytest.raises(Conflict, match="nothing to withdraw"):
        services.withdraw_ballot(voter, round_)
    enter_paper(moderator, round_, [(a.id, 1)], paper_voter)
    with pytest.raises(Conflict, match="contest it"):
        services.withdraw_ballot(paper_voter, round_)
    with pytest.raises(PermissionDenied):
        services.withdraw_ballot(UserFactory(), round_)  # not a resident of the area
    services.cast_ballot(voter, round_, [(a.id, 1)])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason=EARLY)
    with pytest.raises(Conflict, match="can no longer be withdrawn; it is counted"):
        services.withdraw_ballot(voter, round_)
    assert _count(Ballot) == 2
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "budget_ballot:withdraw")
        )
        == 0
    )


def test_withdrawing_asks_for_confirmation_and_works_without_javascript(client):
    round_, _, (a, *_rest) = make_round()
    voter = resident_of(round_.area)
    login(client, voter)
    ballot_url = f"/budgets/{round_.slug}/ballot"
    url = f"{ballot_url}/withdraw"
    assert "Withdraw your ballot</a>" not in client.get(ballot_url).get_data(as_text=True)
    client.post(ballot_url, data={"csrf_token": csrf_token(client, ballot_url), "project": [a.id]})
    assert f'href="{url}"' in client.get(ballot_url).get_data(as_text=True)

    code = services.my_receipt(round_, voter)
    page = client.get(url).get_data(as_text=True)
    assert code in page and "Yes, withdraw my ballot" in page
    assert re.search(r'<form method="post" action="' + re.escape(url), page)
    assert _count(Ballot) == 1  # asking changes nothing

    assert client.post(url, data={}).status_code == 400  # no CSRF token
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302 and response.headers["Location"].endswith(ballot_url)
    assert _count(Ballot) == 0
    page = client.get(ballot_url).get_data(as_text=True)
    assert f"Its receipt {code} is now marked withdrawn" in page
    assert "You have not saved a ballot yet." in page

    again = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert again.status_code == 409
    assert "nothing to withdraw" in again.get_data(as_text=True)


@pytest.mark.commits
def test_withdrawals_racing_the_move_to_results_are_withdrawn_or_refused(app):
    skip_without_postgres()
    round_, moderator, (a, b, *_rest) = make_round(rule="greedy")
    people = many_residents(round_.area, 80)
    for person in people:
        services.cast_ballot(person, round_, [(a.id, 1), (b.id, 1)])
    db.session.commit()
    round_id, moderator_id, slug = round_.id, moderator.id, round_.slug

    def withdraw(user_id: int) -> str:
        services.withdraw_ballot(
            db.session.get(User, user_id), db.session.get(BudgetRound, round_id)
        )
        db.session.commit()
        return ACCEPTED

    def close() -> None:
        services.advance_phase(
            db.session.get(User, moderator_id),
            db.session.get(BudgetRound, round_id),
            Phase.RESULTS,
            reason=EARLY,
        )
        db.session.commit()

    outcome = race(app, [p.id for p in people], withdraw, close, close_after=10)
    print(f"{len(outcome.accepted)} withdrawals accepted, {len(outcome.refused)} refused")
    assert outcome.errors == [] and outcome.close_error is None
    assert outcome.refused, "the close landed after every withdrawal: no race was tested"
    assert all("can no longer be withdrawn" in m for m in outcome.refused.values())

    db.session.expire_all()
    kept = len(people) - len(outcome.accepted)
    result = db.session.get(RoundResult, round_id)
    stored = db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
    )
    assert result.ballots == stored == kept
    assert codes.participation_count(round_.audit_subject) == kept
    # every accepted withdrawal is in the log before the results, none after
    entries = log_of("budget_round", slug)
    results_seq = next(seq for seq, action, _ in entries if action == "budget_round:results")
    withdrawn = [seq for seq, action, _ in entries if action == "budget_ballot:withdraw"]
    assert len(withdrawn) == len(outcome.accepted)
    assert all(seq < results_seq for seq in withdrawn)
    retired = db.session.scalar(
        select(func.count())
        .select_from(RetiredReceipt)
        .where(RetiredReceipt.subject_id == slug, RetiredReceipt.reason == codes.WITHDRAWN)
    )
    assert retired == len(outcome.accepted)
