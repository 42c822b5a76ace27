"""Asking, answering, refusing and going overdue: permissions per role, anonymity in the
log, references, bad input that writes nothing, and the scorecard's hand-counted figure."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic import audit, clock
from civic.audit.models import AuditEntry
from civic.contracts.inforequests import services
from civic.contracts.inforequests.models import (
    InfoRequest,
    InfoRequestCounter,
    RequestStatus,
    ShownStatus,
)
from civic.contracts.models import ContractState
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.votes.models import ProposalState
from tests.factories import (
    AdminFactory,
    ContractFactory,
    ModeratorFactory,
    ProviderFactory,
    UserFactory,
)
from tests.votes.helpers import make_proposal

QUESTION = "How many missed collections were reported last quarter?"


def _entries(req: InfoRequest) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == "info_request")
            .where(AuditEntry.subject_id == str(req.id))
            .order_by(AuditEntry.seq)
        )
    )


def _count() -> int:
    return db.session.scalar(select(func.count(InfoRequest.id)))


def test_a_resident_asks_and_gets_a_reference_and_a_due_date_20_working_days_on():
    contract = ContractFactory()
    resident = UserFactory()
    req = services.ask(resident, f"contract-{contract.id}", QUESTION, True)
    today = services.today()
    assert req.reference == f"IR-{today.year}-0001"
    assert req.received_on == today
    assert req.due_on == services.due_date(today)
    assert req.status is RequestStatus.RECEIVED
    assert req.contract_id == contract.id and req.subject_title.startswith(contract.title)
    second = services.ask(UserFactory(), f"provider-{contract.provider_id}", QUESTION, False)
    assert second.reference == f"IR-{today.year}-0002"


def test_references_are_sequential_per_year_and_restart_in_a_new_year():
    contract = ContractFactory()
    back = timedelta(days=400)  # always a day in an earlier year than today
    with clock.ago(back):
        last_year = services.today().year
    db.session.add(InfoRequestCounter(year=last_year, last=41))
    db.session.flush()
    with clock.ago(back):
        old = services.ask(UserFactory(), f"contract-{contract.id}", QUESTION, False)
    assert old.reference == f"IR-{last_year}-0042" and old.year == last_year
    new = services.ask(UserFactory(), f"contract-{contract.id}", QUESTION, False)
    assert new.reference == f"IR-{services.today().year}-0001"


def test_requests_can_be_about_a_provider_or_a_public_decision():
    provider = ProviderFactory()
    proposal, _, _ = make_proposal(ProposalState.CONSULTATION)
    about_provider = services.ask(UserFactory(), f"provider-{provider.id}", QUESTION, False)
    about_decision = services.ask(UserFactory(), f"proposal-{proposal.id}", QUESTION, False)
    assert about_provider.subject_title == provider.name
    assert about_decision.subject_title == proposal.title
    assert services.about(provider) == [about_provider]
    assert services.about(proposal) == [about_decision]


def test_anonymous_cannot_ask():
    contract = ContractFactory()
    with pytest.raises(PermissionDenied):
        services.ask(None, f"contract-{contract.id}", QUESTION, False)
    assert _count() == 0


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Enter your question"),
        ("   ", "Enter your question"),
        ("Why?", "at least 10 characters"),
        ("x" * 5001, "5,000 characters or fewer"),
    ],
)
def test_a_bad_question_is_refused_and_nothing_is_written(question, message):
    contract = ContractFactory()
    with pytest.raises(ValidationFailed) as failed:
        services.ask(UserFactory(), f"contract-{contract.id}", question, False)
    assert message in failed.value.errors["question"]
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(InfoRequestCounter)) == 0


def test_an_unknown_or_draft_subject_is_refused_and_nothing_is_written():
    draft = ContractFactory(state=ContractState.DRAFT)
    draft_proposal, _, _ = make_proposal(ProposalState.DRAFT)
    for key in (
        "contract-999999",
        f"contract-{draft.id}",
        f"proposal-{draft_proposal.id}",
        "provider-0",
        "budget-1",
        "contract-x",
        "",
        "contract-99999999999999999999",
    ):
        with pytest.raises(ValidationFailed) as failed:
            services.ask(UserFactory(), key, QUESTION, False)
        assert "Choose the contract, provider or decision" in failed.value.errors["subject"]
    assert _count() == 0


def test_both_problems_are_reported_at_once():
    with pytest.raises(ValidationFailed) as failed:
        services.ask(UserFactory(), "contract-999999", "", False)
    assert set(failed.value.errors) == {"subject", "question"}


def test_an_anonymous_ask_is_logged_without_a_name_under_a_pseudonym_scoped_to_the_request():
    contract = ContractFactory()
    resident = UserFactory(display_name="Harriet Quimby-Okafor")
    req = services.ask(resident, f"contract-{contract.id}", QUESTION, False)
    (entry,) = _entries(req)
    assert entry.action == "info_request:ask"
    assert entry.actor != audit.pseudonym(resident.id)  # not their public pseudonym
    assert entry.actor == audit.pseudonym(resident.id, f"info_request:{req.id}/info_request:ask")
    body = entry.body.decode()
    assert "Harriet" not in body and resident.email not in body
    assert audit.pseudonym(resident.id) not in body
    data = json.loads(body)["data"]
    assert data["reference"] == req.reference and data["question"] == QUESTION
    # a second anonymous ask by the same person cannot be joined to the first
    other = services.ask(resident, f"contract-{contract.id}", QUESTION, False)
    assert _entries(other)[0].actor != entry.actor


def test_a_named_ask_is_logged_under_the_public_pseudonym():
    contract = ContractFactory()
    resident = UserFactory()
    req = services.ask(resident, f"contract-{contract.id}", QUESTION, True)
    (entry,) = _entries(req)
    assert entry.action == "info_request:ask_named"
    assert entry.actor == audit.pseudonym(resident.id)
    assert req.requester_shown == resident.display_name


def _received() -> InfoRequest:
    return services.ask(UserFactory(), f"contract-{ContractFactory().id}", QUESTION, False)


def test_a_resident_cannot_answer_or_refuse():
    req = _received()
    resident = UserFactory()
    with pytest.raises(PermissionDenied):
        services.answer(resident, req, "Here it is")
    with pytest.raises(PermissionDenied):
        services.refuse(resident, req, "Because it is exempt")
    with pytest.raises(PermissionDenied):
        services.answer(None, req, "Here it is")
    assert req.status is RequestStatus.RECEIVED and len(_entries(req)) == 1


@pytest.mark.parametrize("staff", [ModeratorFactory, AdminFactory])
def test_staff_answer_in_sanitised_markdown_and_it_is_logged(staff):
    req = _received()
    officer = staff()
    services.answer(officer, req, "There were **14**. <script>alert(1)</script>")
    assert req.status is RequestStatus.ANSWERED
    assert "<strong>14</strong>" in req.answer_html and "<script>" not in req.answer_html
    assert req.responded_on == services.today() and req.answered_in_time
    entry = _entries(req)[-1]
    assert entry.action == "info_request:answer" and entry.actor == audit.pseudonym(officer.id)
    assert json.loads(entry.body)["data"]["in_time"] is True


def test_a_refusal_needs_a_published_reason():
    req = _received()
    moderator = ModeratorFactory()
    with pytest.raises(ValidationFailed, match="reason"):
        services.refuse(moderator, req, "  no  ")
    with pytest.raises(ValidationFailed, match="5,000"):
        services.refuse(moderator, req, "x" * 5001)
    assert req.status is RequestStatus.RECEIVED
    services.refuse(moderator, req, "Commercially sensitive (section 43 exemption).")
    assert req.status is RequestStatus.REFUSED and req.refusal_reason.startswith("Commercially")
    assert _entries(req)[-1].action == "info_request:refuse"


def test_an_empty_answer_is_refused():
    req = _received()
    with pytest.raises(ValidationFailed, match="Enter the answer"):
        services.answer(ModeratorFactory(), req, "   ")
    assert req.status is RequestStatus.RECEIVED


def test_a_decided_request_cannot_be_answered_again():
    req = _received()
    moderator = ModeratorFactory()
    services.answer(moderator, req, "The figure is 14.")
    with pytest.raises(Conflict, match="already been answered"):
        services.answer(moderator, req, "Another answer")
    with pytest.raises(Conflict, match="already been answered"):
        services.refuse(moderator, req, "A late refusal reason")


def test_an_unknown_reference_is_not_found():
    with pytest.raises(NotFound):
        services.get_by_reference("IR-2026-9999")


def _asked_days_ago(days: int) -> InfoRequest:
    with clock.ago(timedelta(days=days)):
        return services.ask(UserFactory(), f"contract-{ContractFactory().id}", QUESTION, False)


def test_overdue_is_computed_and_tick_records_it_exactly_once():
    late = _asked_days_ago(60)
    fresh = _received()
    today = services.today()
    assert late.is_overdue(today) and late.shown_status(today) is ShownStatus.OVERDUE
    assert not fresh.is_overdue(today)
    assert services.record_overdue() == [f"Information request {late.reference} is overdue."]
    assert services.record_overdue() == []
    overdue_entries = [e for e in _entries(late) if e.action == "info_request:overdue"]
    assert len(overdue_entries) == 1 and overdue_entries[0].actor is None
    assert [e.action for e in _entries(fresh)] == ["info_request:ask"]


def test_tick_does_not_report_a_request_answered_late_or_due_today():
    answered_late = _asked_days_ago(60)
    services.answer(ModeratorFactory(), answered_late, "Sorry for the delay: 14.")
    assert not answered_late.answered_in_time
    due_today = _received()
    assert services.record_overdue(on=due_today.due_on) == []
    assert services.record_overdue(on=due_today.due_on + timedelta(days=1)) == [
        f"Information request {due_today.reference} is overdue."
    ]


def test_the_lists_filter_by_shown_status():
    late, fresh, answered, refused = (_asked_days_ago(60), _received(), _received(), _received())
    moderator = ModeratorFactory()
    services.answer(moderator, answered, "The figure is 14.")
    services.refuse(moderator, refused, "The information is not held by the council.")

    def listed(status):
        return set(db.session.scalars(services.filtered(status)))

    assert listed(ShownStatus.OVERDUE) == {late}
    assert listed(ShownStatus.RECEIVED) == {fresh}
    assert listed(ShownStatus.ANSWERED) == {answered}
    assert listed(ShownStatus.REFUSED) == {refused}
    assert listed(None) == {late, fresh, answered, refused}


def test_timeliness_against_a_hand_count():
    moderator = ModeratorFactory()
    # 1 answered in time, 1 answered late, 1 refused, 1 overdue, 2 received and not yet due
    in_time = _received()
    services.answer(moderator, in_time, "The figure is 14.")
    late = _asked_days_ago(60)
    services.answer(moderator, late, "The figure is 15.")
    services.refuse(moderator, _received(), "The information is not held by the council.")
    _asked_days_ago(45)
    _received(), _received()
    # counted: answered (2) + refused (1) + overdue (1) = 4; in time: 1
    assert services.timeliness() == services.Timeliness(in_time=1, counted=4)


def test_a_due_date_past_the_holiday_table_is_refused_and_nothing_is_written(app, tmp_path):
    short = tmp_path / "short.json"
    short.write_text(json.dumps({"events": [{"date": "2019-01-01"}]}))
    app.config["BANK_HOLIDAYS_FILE"] = str(short)
    try:
        with pytest.raises(Conflict, match="2019 to 2019"):
            _received()
    finally:
        app.config["BANK_HOLIDAYS_FILE"] = ""
    assert _count() == 0


def test_the_database_refuses_a_request_with_two_subjects():
    req = _received()
    req.provider_id = req.contract.provider_id
    with pytest.raises(IntegrityError, match=r"one_subject"):
        db.session.flush()
    db.session.rollback()


def test_dates_are_stored_as_dates():
    req = _received()
    assert isinstance(req.received_on, date) and isinstance(req.due_on, date)
