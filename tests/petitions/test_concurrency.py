"""100 residents signing at once across the first threshold create exactly one response
duty and one threshold entry; one person signing twice at once leaves one signature
(PostgreSQL, real threads)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.audit.models import AuditEntry
from civic.errors import Conflict
from civic.extensions import db
from civic.petitions import services, thresholds
from civic.petitions.models import FollowUp, Petition, PetitionKind, PetitionSignature
from tests.factories import AdminFactory, AreaFactory, ModeratorFactory
from tests.races import all_at_once, many_residents, skip_without_postgres


def _committed_petition(residents: int, first: str, second: str) -> tuple[int, list[int]]:
    area = AreaFactory()
    people = many_residents(area, residents)
    thresholds.set_thresholds(
        AdminFactory(), area, PetitionKind.GENERAL, first, second, FollowUp.CONSULTATION
    )
    petition = services.start(people[0], area, "Reopen the toilets", "Reopen them", "Hygiene")
    services.accept(ModeratorFactory(), petition)
    db.session.commit()
    return petition.id, [p.id for p in people]


@pytest.mark.commits
def test_hundred_signatures_across_the_threshold_make_exactly_one_response_duty(app) -> None:
    skip_without_postgres()
    petition_id, user_ids = _committed_petition(100, "50", "1000")
    outcomes: dict[int, str] = {}

    def work(n: int) -> None:
        user = db.session.get(User, user_ids[n])
        petition = db.session.get(Petition, petition_id)
        try:
            signed = services.sign(user, petition)
        except Conflict as refused:
            outcomes[n] = "refused: " + refused.message
            db.session.rollback()
            return
        outcomes[n] = "first" if signed.first else "signed"

    errors = all_at_once(app, 100, work)
    assert not errors, errors[:3]
    assert list(outcomes.values()).count("first") == 1
    assert list(outcomes.values()).count("signed") == 99
    db.session.expire_all()
    petition = db.session.get(Petition, petition_id)
    stored = db.session.scalar(
        select(func.count())
        .select_from(PetitionSignature)
        .where(PetitionSignature.petition_id == petition_id)
    )
    assert stored == petition.signature_count == 100
    assert petition.first_reached_at is not None and petition.response_due_at is not None
    entries = [
        json.loads(body)
        for body in db.session.scalars(
            select(AuditEntry.body)
            .where(AuditEntry.subject_type == "petition", AuditEntry.subject_id == str(petition_id))
            .order_by(AuditEntry.seq)
        )
    ]
    thresholds_logged = [e for e in entries if e["action"] == "petition:threshold"]
    assert len(thresholds_logged) == 1
    assert thresholds_logged[0]["data"]["signatures"] == 50
    # the 50 signatures it counted are in the log before it
    before = [e["action"] for e in entries[: entries.index(thresholds_logged[0])]]
    assert before.count("petition:sign") == 50


@pytest.mark.commits
def test_one_person_signing_twice_at_once_leaves_one_signature(app) -> None:
    skip_without_postgres()
    petition_id, user_ids = _committed_petition(20, "10", "15")
    outcomes: list[str] = []

    def work(_n: int) -> None:
        user = db.session.get(User, user_ids[1])
        petition = db.session.get(Petition, petition_id)
        try:
            services.sign(user, petition)
            outcomes.append("signed")
        except Conflict as refused:
            outcomes.append(refused.message)
            db.session.rollback()

    errors = all_at_once(app, 8, work)
    assert not errors, errors[:3]
    assert outcomes.count("signed") == 1
    assert outcomes.count("You have already signed this petition.") == 7
    db.session.expire_all()
    assert db.session.get(Petition, petition_id).signature_count == 1
