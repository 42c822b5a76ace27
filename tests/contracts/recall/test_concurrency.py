"""100 residents signing at once across the threshold trigger exactly one recall review,
and one person signing twice at once leaves one signature (PostgreSQL, real threads)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.audit.models import AuditEntry
from civic.contracts.models import Contract
from civic.contracts.recall import services
from civic.contracts.recall.models import PetitionState, RecallPetition, RecallSignature
from civic.errors import Conflict
from civic.extensions import db
from civic.votes.models import Proposal
from tests.factories import AreaFactory, ContractFactory, ProviderFactory
from tests.races import all_at_once, many_residents, skip_without_postgres


def _committed_world(app, residents: int):
    """A contract and its area's residents, committed so other connections see them (the
    `commits` mark gives this test real commits and a fresh schema afterwards)."""
    area = AreaFactory()
    contract = ContractFactory(area=area, provider=ProviderFactory())
    people = many_residents(area, residents)
    db.session.commit()
    return contract.id, [p.id for p in people], area.id


@pytest.mark.commits
def test_hundred_signatures_across_the_threshold_trigger_exactly_one_review(app) -> None:
    skip_without_postgres()
    # 1000 residents at 5%: the threshold is 50; 100 sign at once, so the 50th crosses it
    # and the other 50 find the petition closed (a 409, never a second review)
    contract_id, user_ids, _ = _committed_world(app, 1000)
    signers = user_ids[:100]
    outcomes: dict[int, str] = {}

    def work(n: int) -> None:
        user = db.session.get(User, signers[n])
        contract = db.session.get(Contract, contract_id)
        try:
            signed = services.sign(user, contract)
        except Conflict as refused:
            outcomes[n] = "refused: " + refused.message
            db.session.rollback()
            return
        outcomes[n] = "triggered" if signed.triggered else "signed"

    errors = all_at_once(app, 100, work)
    assert not errors, errors[:3]
    db.session.expire_all()
    petition = db.session.scalar(
        select(RecallPetition).where(RecallPetition.contract_id == contract_id)
    )
    assert petition.threshold == 50
    assert petition.state is PetitionState.REACHED
    triggered = [n for n, said in outcomes.items() if said == "triggered"]
    signed = [n for n, said in outcomes.items() if said == "signed"]
    refused = [n for n, said in outcomes.items() if said.startswith("refused")]
    assert len(triggered) == 1
    assert len(signed) == 49 and len(refused) == 50
    assert all("reached its threshold" in outcomes[n] for n in refused)
    stored = db.session.scalar(
        select(func.count())
        .select_from(RecallSignature)
        .where(RecallSignature.petition_id == petition.id)
    )
    assert stored == petition.signature_count == 50
    reviews = db.session.scalar(
        select(func.count())
        .select_from(Proposal)
        .where(
            Proposal.title.like("Recall review:%"), Proposal.area_id == petition.contract.area_id
        )
    )
    assert reviews == 1
    # the log: 50 signatures, then one threshold entry that counts them
    entries = [
        json.loads(e.body)
        for e in db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.subject_type == "recall_petition",
                AuditEntry.subject_id == str(petition.id),
            )
            .order_by(AuditEntry.seq)
        )
    ]
    actions = [e["action"] for e in entries]
    assert actions == ["recall:sign"] * 50 + ["recall:threshold"]
    assert entries[-1]["data"]["signatures"] == 50
    assert entries[-1]["data"]["proposal"] == petition.review_proposal_id


@pytest.mark.commits
def test_one_person_signing_twice_at_once_leaves_one_signature(app) -> None:
    skip_without_postgres()
    contract_id, user_ids, _ = _committed_world(app, 100)  # threshold 5
    outcomes: list[str] = []

    def work(_n: int) -> None:
        user = db.session.get(User, user_ids[0])
        contract = db.session.get(Contract, contract_id)
        try:
            services.sign(user, contract)
            outcomes.append("signed")
        except Conflict as refused:
            outcomes.append(refused.message)
            db.session.rollback()

    errors = all_at_once(app, 8, work)
    assert not errors, errors[:3]
    assert outcomes.count("signed") == 1
    assert outcomes.count("You have already signed this recall petition.") == 7
    db.session.expire_all()
    petition = db.session.scalar(
        select(RecallPetition).where(RecallPetition.contract_id == contract_id)
    )
    assert petition.signature_count == 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(RecallSignature)
            .where(RecallSignature.petition_id == petition.id)
        )
        == 1
    )


@pytest.mark.commits
def test_two_moderators_starting_a_review_at_once_make_one_proposal(app) -> None:
    from datetime import timedelta

    from civic.contracts import review as reviews
    from tests.factories import ModeratorFactory

    skip_without_postgres()
    contract = ContractFactory(end_date=reviews.today() + timedelta(days=90))
    moderators = [ModeratorFactory().id for _ in range(4)]
    contract_id = contract.id
    db.session.commit()
    outcomes: list[str] = []

    def work(n: int) -> None:
        try:
            reviews.start_review(
                db.session.get(User, moderators[n]), db.session.get(Contract, contract_id)
            )
            outcomes.append("started")
        except Conflict as refused:
            outcomes.append(refused.message)
            db.session.rollback()

    errors = all_at_once(app, 4, work)
    assert not errors, errors[:3]
    assert outcomes.count("started") == 1
    assert sum("has started already" in said for said in outcomes) == 3
    entries = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "contract:review_start")
    )
    assert entries == 1


@pytest.mark.commits
def test_ticks_at_once_mark_a_due_contract_once(app) -> None:
    from datetime import timedelta

    from civic.contracts import review as reviews

    skip_without_postgres()
    ContractFactory(end_date=reviews.today() + timedelta(days=30))
    ContractFactory(end_date=reviews.today() + timedelta(days=60))
    db.session.commit()
    said: list[list[str]] = []
    errors = all_at_once(app, 4, lambda _n: said.append(reviews.mark_due_reviews()))
    assert not errors, errors[:3]
    assert sum(len(lines) for lines in said) == 2
    entries = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "contract:review_due")
    )
    assert entries == 2
