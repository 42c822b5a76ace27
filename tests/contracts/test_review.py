"""Expiry review: which contracts are due, `civic tick` marking them once, and a
moderator starting the review as an outsourcing proposal with in-house as the default."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.contracts import review as reviews
from civic.contracts.models import ContractState, ContractTerm
from civic.errors import Conflict, PermissionDenied
from civic.extensions import db
from civic.votes import decision as rules
from civic.votes.models import ProposalKind, ProposalState, Standard
from tests.factories import ContractFactory, ModeratorFactory, UserFactory

ON = date(2026, 3, 15)


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),  # a shorter month: its last day
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # a leap year
        (date(2026, 12, 31), 1, date(2027, 1, 31)),  # across the year end
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
    ],
)
def test_add_months(start, months, expected) -> None:
    assert reviews.add_months(start, months) == expected


def test_the_window_includes_exactly_twelve_months_and_no_more() -> None:
    exactly = ContractFactory(start_date=date(2024, 1, 1), end_date=date(2027, 3, 15))
    one_day_more = ContractFactory(start_date=date(2024, 1, 1), end_date=date(2027, 3, 16))
    ends_today = ContractFactory(start_date=date(2024, 1, 1), end_date=ON)
    ended_yesterday = ContractFactory(start_date=date(2024, 1, 1), end_date=ON - timedelta(1))
    assert reviews.is_due(exactly, ON)
    assert reviews.is_due(ends_today, ON)
    assert not reviews.is_due(one_day_more, ON)
    assert not reviews.is_due(ended_yesterday, ON)
    due = [row.contract for row in reviews.due_contracts(ON)]
    assert exactly in due and ends_today in due
    assert one_day_more not in due and ended_yesterday not in due


def test_drafts_and_terminated_contracts_are_not_due() -> None:
    draft = ContractFactory(
        state=ContractState.DRAFT, start_date=date(2024, 1, 1), end_date=date(2026, 6, 1)
    )
    terminated = ContractFactory(
        state=ContractState.TERMINATED,
        start_date=date(2024, 1, 1),
        end_date=date(2026, 6, 1),
        ended_on=date(2026, 1, 1),
    )
    assert reviews.due_contracts(ON) == []
    assert not reviews.is_due(draft, ON) and not reviews.is_due(terminated, ON)


def test_due_list_is_ordered_by_end_date_with_days_left() -> None:
    later = ContractFactory(start_date=date(2024, 1, 1), end_date=date(2026, 12, 1))
    sooner = ContractFactory(start_date=date(2024, 1, 1), end_date=date(2026, 4, 14))
    rows = reviews.due_contracts(ON)
    assert [r.contract for r in rows] == [sooner, later]
    assert [r.days_left for r in rows] == [30, 261]
    assert not any(r.started for r in rows)


def test_the_window_is_a_setting(app, monkeypatch) -> None:
    contract = ContractFactory(start_date=date(2024, 1, 1), end_date=date(2026, 12, 1))
    assert reviews.is_due(contract, ON)
    monkeypatch.setitem(app.config, "CONTRACT_REVIEW_MONTHS", "6")
    assert not reviews.is_due(contract, ON)
    assert reviews.window_end(ON) == date(2026, 9, 15)


def test_tick_marks_each_due_contract_once() -> None:
    due = ContractFactory(start_date=date(2024, 1, 1), end_date=date(2026, 9, 30))
    ContractFactory(start_date=date(2024, 1, 1), end_date=date(2029, 9, 30))  # not due
    said = reviews.mark_due_reviews(ON)
    assert said == [f"Contract {due.reference} is due for review (ends 2026-09-30)."]
    assert reviews.review_for(due).due_marked_at is not None
    entries = _entries("contract:review_due")
    assert [(e.subject_type, e.subject_id, e.actor) for e in entries] == [
        ("contract", str(due.id), None)
    ]
    # idempotent: a second run (and a third) marks nothing and logs nothing
    assert reviews.mark_due_reviews(ON) == []
    assert reviews.mark_due_reviews(ON) == []
    assert len(_entries("contract:review_due")) == 1


def test_civic_tick_runs_the_review_marking(app) -> None:
    today = reviews.today()
    due = ContractFactory(start_date=date(2020, 1, 1), end_date=today + timedelta(days=180))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["civic", "tick"])
    assert first.exit_code == 0, first.output
    assert f"Contract {due.reference} is due for review" in first.output
    second = runner.invoke(args=["civic", "tick"])
    assert second.exit_code == 0, second.output
    assert due.reference not in second.output


def _with_terms(contract) -> None:
    db.session.add_all(
        [
            ContractTerm(contract_id=contract.id, standard=Standard.FAIR_WAGE, answer="yes"),
            ContractTerm(
                contract_id=contract.id,
                standard=Standard.UNION_RECOGNITION,
                answer="no",
                note="The provider recognises no union",
            ),
            ContractTerm(
                contract_id=contract.id, standard=Standard.OPEN_BOOK, answer="not_applicable"
            ),
        ]
    )
    db.session.flush()
    db.session.expire(contract, ["terms"])


def test_starting_the_review_pre_fills_an_outsourcing_proposal_in_house_by_default() -> None:
    moderator = ModeratorFactory()
    contract = ContractFactory(
        title="Household waste collection",
        service="Household waste and recycling collection",
        annual_value=4_200_000_00,
        start_date=date(2020, 4, 1),
        end_date=reviews.today() + timedelta(days=170),
        break_clause="Either side may end it on 6 months' notice",
    )
    _with_terms(contract)
    proposal = reviews.start_review(moderator, contract)

    assert proposal.kind is ProposalKind.OUTSOURCING
    assert proposal.state is ProposalState.DRAFT
    assert proposal.title == "Review: Household waste collection"
    assert proposal.service == "Household waste and recycling collection"
    assert proposal.area_id == contract.area_id
    assert proposal.current_cost == 4_200_000_00
    assert contract.provider.name in proposal.current_provision
    assert contract.reference in proposal.current_provision
    assert "Trade-union recognition: No (The provider recognises no union)" in (
        proposal.current_provision
    )
    assert "6 months' notice" in proposal.current_provision
    assert proposal.answers["fair_wage"] == "yes"
    assert proposal.answers["union_recognition"] == "no"
    assert proposal.answers["open_book"] == "not_applicable"
    assert proposal.answers["local_labour"] is None  # not a term: left for the moderator
    notes = {a.standard.value: a.note for a in proposal.standards}
    assert notes["open_book"] == f"As in contract {contract.reference}"

    # linked both ways, with in-house as the default option
    review = reviews.review_for(contract)
    assert review.proposal_id == proposal.id and review.started_by_id == moderator.id
    assert review.default_option == "in_house"
    assert reviews.review_of(proposal) == (contract, reviews.EXPIRY)
    # the decision rule keeps in-house unless the vote passes and the standards are met
    assert rules.default_decision(rules.QUORUM_NOT_MET, True) == rules.IN_HOUSE
    assert rules.default_decision(rules.PASSED, rules.standards_met(proposal.answers)) == (
        rules.IN_HOUSE
    )
    (entry,) = _entries("contract:review_start")
    assert entry.subject_id == str(contract.id) and entry.actor is not None
    assert b'"default_option":"in_house"' in entry.body
    assert f'"proposal":{proposal.id}'.encode() in entry.body


def test_starting_twice_is_refused() -> None:
    moderator = ModeratorFactory()
    contract = ContractFactory(end_date=reviews.today() + timedelta(days=100))
    first = reviews.start_review(moderator, contract)
    with pytest.raises(Conflict, match=f"started already: see proposal {first.id}") as refused:
        reviews.start_review(ModeratorFactory(), contract)
    assert refused.value.status == 409
    assert len(_entries("contract:review_start")) == 1


def test_only_moderators_start_a_review() -> None:
    contract = ContractFactory(end_date=reviews.today() + timedelta(days=100))
    with pytest.raises(PermissionDenied):
        reviews.start_review(UserFactory(), contract)
    with pytest.raises(PermissionDenied):
        reviews.start_review(None, contract)
    assert reviews.review_for(contract) is None


def test_an_ended_contract_cannot_be_reviewed() -> None:
    contract = ContractFactory(
        start_date=date(2020, 1, 1), end_date=reviews.today() - timedelta(days=1)
    )
    with pytest.raises(Conflict, match="ended on"):
        reviews.start_review(ModeratorFactory(), contract)


# --- pages ------------------------------------------------------------------------------


def test_review_due_page_lists_due_contracts_with_days_left(client) -> None:
    today = reviews.today()
    due = ContractFactory(title="Bin collection", end_date=today + timedelta(days=45))
    ContractFactory(title="Far future", end_date=today + timedelta(days=900))
    page = client.get("/contracts/review-due")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bin collection" in html and "Far future" not in html
    assert ">45<" in html
    assert "Not started" in html
    assert f"/contracts/{due.id}" in html


def test_moderator_starts_the_review_from_the_contract_page(client) -> None:
    from tests.conftest import login, post_form

    moderator = ModeratorFactory()
    contract = ContractFactory(end_date=reviews.today() + timedelta(days=45))
    login(client, moderator)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Start the review" in page
    response = post_form(
        client, f"/contracts/{contract.id}/review", {}, token_from=f"/contracts/{contract.id}"
    )
    assert response.status_code == 302
    proposal_id = reviews.review_for(contract).proposal_id
    assert response.headers["Location"].endswith(f"/votes/{proposal_id}/manage")
    again = post_form(
        client, f"/contracts/{contract.id}/review", {}, token_from=f"/contracts/{contract.id}"
    )
    assert again.status_code == 409
    assert "started already" in again.get_data(as_text=True)
    # the proposal page links back to the contract
    detail = client.get(f"/votes/{proposal_id}").get_data(as_text=True)
    assert 'id="reviews-contract"' in detail and contract.reference in detail
    listed = client.get("/contracts/review-due").get_data(as_text=True)
    assert f"/votes/{proposal_id}" in listed


def test_a_resident_cannot_start_a_review(client) -> None:
    from tests.conftest import login

    resident = UserFactory()
    contract = ContractFactory(end_date=reviews.today() + timedelta(days=45))
    login(client, resident)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Start the review" not in page
    token = client.get("/").get_data(as_text=True).split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(f"/contracts/{contract.id}/review", data={"csrf_token": token})
    assert response.status_code == 403
    assert reviews.review_for(contract) is None
