"""Resident petitions: who may start and sign, moderation against the rules, one signature
each, withdrawal until the threshold, the thresholds' duties, the response and expiry."""

from __future__ import annotations

import json
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.audit.models import AuditEntry, AuditPending
from civic.clock import utcnow
from civic.consultations.models import ConsultationState
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.notifications.models import Notification
from civic.petitions import engine, services, thresholds
from civic.petitions.models import FollowUp, PetitionKind, PetitionSignature, PetitionState
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import resident_of
from tests.factories import AdminFactory, AreaFactory, ModeratorFactory, UserFactory
from tests.petitions.helpers import open_petition, pending


def _entries(action: str) -> list[dict]:
    return [
        json.loads(e.body)
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    ]


def _stored(petition) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(PetitionSignature)
        .where(PetitionSignature.petition_id == petition.id)
    )


# --- levels -------------------------------------------------------------------------------


def test_a_level_is_a_number_or_a_share_and_zero_or_over_100_percent_is_refused() -> None:
    assert engine.Level.parse("250").signatures(10_000) == 250
    assert engine.Level.parse("2.5%").signatures(1_001) == 26  # 25.025 rounded up
    assert engine.Level.parse("2.5%").words() == "2.5%"
    assert engine.Level.parse(" 100 % ").percent == Fraction(100)
    # digits to Python's isdigit that int() refuses or reads otherwise: not a level
    for typed in ("²", "١٢", "1_0"):
        with pytest.raises(engine.LevelError):
            engine.Level.parse(typed)
    for wrong, words in (
        ("0", "zero"),
        ("0%", "above 0"),
        ("100.5%", "at most 100"),
        ("-3", "number of signatures"),
        ("lots", "number of signatures"),
        ("", "number of signatures"),
    ):
        with pytest.raises(engine.LevelError, match=words):
            engine.Level.parse(wrong)


def test_an_administrator_sets_thresholds_per_area_and_kind_and_zero_is_refused() -> None:
    admin, area = AdminFactory(), AreaFactory()
    with pytest.raises(ValidationFailed) as refused:
        thresholds.set_thresholds(admin, area, PetitionKind.GENERAL, "0", "10", FollowUp.VOTE)
    assert "zero" in refused.value.errors["first"]
    with pytest.raises(ValidationFailed) as refused:
        thresholds.set_thresholds(admin, area, PetitionKind.GENERAL, "10", "5", FollowUp.VOTE)
    assert "above the first" in refused.value.errors["second"]
    with pytest.raises(ValidationFailed) as refused:
        thresholds.set_thresholds(admin, area, PetitionKind.RECALL, "50", "60", FollowUp.VOTE)
    assert "share" in refused.value.errors["first"]
    assert thresholds.all_settings() == []  # nothing half-written
    thresholds.set_thresholds(admin, area, PetitionKind.GENERAL, "3", "5", FollowUp.VOTE)
    setting = thresholds.setting_for(area)
    assert (setting.first.count, setting.second.count, setting.follow_up) == (3, 5, FollowUp.VOTE)
    assert thresholds.setting_for(AreaFactory()).saved is False  # other areas: defaults
    [entry] = _entries("petition_threshold:set")
    assert entry["data"] == {"kind": "general", "first": "3", "second": "5", "follow_up": "vote"}
    with pytest.raises(PermissionDenied):
        thresholds.set_thresholds(
            ModeratorFactory(), area, PetitionKind.GENERAL, "3", "5", FollowUp.VOTE
        )


def test_a_recall_threshold_for_an_area_replaces_the_configured_share() -> None:
    from civic.contracts.recall import services as recall

    area = AreaFactory()
    assert recall.threshold_percent(area) == Fraction(5)
    thresholds.set_thresholds(
        AdminFactory(), area, PetitionKind.RECALL, "12.5%", "20%", FollowUp.CONSULTATION
    )
    assert recall.threshold_percent(area) == Fraction(25, 2)
    assert recall.threshold_percent(AreaFactory()) == Fraction(5)


# --- starting and moderating ----------------------------------------------------------------


def test_only_an_eligible_resident_starts_a_petition_and_it_waits_for_moderation() -> None:
    area = AreaFactory()
    with pytest.raises(PermissionDenied, match="Your areas"):
        services.start(UserFactory(), area, "T", "A", "W")
    with pytest.raises(ValidationFailed) as refused:
        services.start(resident_of(area), area, " ", "", "x" * 5001)
    assert set(refused.value.errors) == {"title", "asks", "why"}
    petition, people = pending()
    assert petition.state is PetitionState.PENDING
    assert petition.started_by_id == people[0].id
    due = petition.moderation_due_at - petition.created_at
    assert due == timedelta(days=services.moderation_days())
    assert not services.can_see(petition, UserFactory())
    assert services.can_see(petition, people[0]) and services.can_see(petition, ModeratorFactory())
    [entry] = _entries("petition:start")
    assert entry["actor"] == audit.pseudonym(people[0].id)  # named: the page shows who


def test_moderation_overdue_is_shown_once_the_days_pass() -> None:
    petition, _ = pending()
    assert not services.overdue(petition)
    assert services.waiting_counts() == (1, 0)
    petition.moderation_due_at = utcnow() - timedelta(hours=1)
    db.session.flush()
    assert services.overdue(petition)
    assert services.waiting_counts() == (1, 1)
    assert services.queue() == [petition]
    services.accept(ModeratorFactory(), petition)
    assert _entries("petition:accept")[0]["data"]["late"] is True
    assert services.waiting_counts() == (0, 0)


def test_accepting_fixes_the_thresholds_from_todays_electorate() -> None:
    area = AreaFactory()
    thresholds.set_thresholds(
        AdminFactory(), area, PetitionKind.GENERAL, "10%", "50%", FollowUp.CONSULTATION
    )
    petition, _ = open_petition(39, area)  # 40 eligible
    assert petition.state is PetitionState.OPEN
    assert (petition.eligible_count, petition.first_threshold, petition.second_threshold) == (
        40,
        4,
        20,
    )
    assert petition.closes_at - petition.moderated_at == timedelta(days=services.open_days())
    for _ in range(40):
        resident_of(area)
    assert services.progress(petition)["first"] == 4  # newcomers do not move it
    with pytest.raises(Conflict, match="moderated already"):
        services.accept(ModeratorFactory(), petition)


def test_a_refused_petition_is_published_with_its_reason() -> None:
    petition, people = pending()
    with pytest.raises(ValidationFailed):
        services.refuse(ModeratorFactory(), petition, "  ")
    assert petition.state is PetitionState.PENDING
    with pytest.raises(PermissionDenied):
        services.refuse(people[0], petition, "mine")
    services.refuse(ModeratorFactory(), petition, "It names a private individual.")
    assert petition.state is PetitionState.REFUSED
    assert services.can_see(petition, None)
    assert services.listed() == [petition]
    assert _entries("petition:refuse")[0]["data"]["reason"] == "It names a private individual."
    with pytest.raises(Conflict):
        services.sign(people[0], petition)


# --- signing --------------------------------------------------------------------------------


def test_signing_is_once_each_private_and_database_enforced() -> None:
    area = AreaFactory()
    thresholds.set_thresholds(AdminFactory(), area, PetitionKind.GENERAL, "5", "9", FollowUp.VOTE)
    petition, people = open_petition(10, area)
    services.sign(people[1], petition)
    with pytest.raises(Conflict, match="already signed"):
        services.sign(people[1], petition)
    assert petition.signature_count == 1 == _stored(petition)
    queued = db.session.scalars(
        select(AuditPending).where(AuditPending.action == "petition:sign")
    ).all()
    assert len(queued) == 1
    assert queued[0].actor == audit.pseudonym(people[1].id, f"petition:{petition.id}")
    assert queued[0].actor != audit.pseudonym(people[1].id)
    # the row holds an HMAC, never the user id
    row = db.session.scalar(select(PetitionSignature))
    assert row.signer_key == engine.signer_key(f"petition:{petition.id}", people[1].id)
    assert str(people[1].id) != row.signer_key
    # the database itself refuses a second row for the same key
    assert not engine.add_signature(PetitionSignature.__table__, petition.id, row.signer_key)


def test_signing_when_not_eligible_says_how_to_become_eligible() -> None:
    petition, _ = open_petition(2)
    outsider = resident_of(AreaFactory())
    with pytest.raises(PermissionDenied, match="code from your letter"):
        services.sign(outsider, petition)
    assert _stored(petition) == 0


def test_withdrawing_until_the_threshold_then_signatures_are_final() -> None:
    area = AreaFactory()
    thresholds.set_thresholds(AdminFactory(), area, PetitionKind.GENERAL, "2", "5", FollowUp.VOTE)
    petition, people = open_petition(5, area)
    services.sign(people[1], petition)
    services.withdraw(people[1], petition)
    assert petition.signature_count == 0
    with pytest.raises(Conflict, match="not signed"):
        services.withdraw(people[1], petition)
    services.sign(people[1], petition)
    signed = services.sign(people[2], petition)
    assert signed.first and not signed.second
    with pytest.raises(Conflict, match="cannot be withdrawn"):
        services.withdraw(people[1], petition)
    assert petition.signature_count == 2 == _stored(petition)


def test_the_first_threshold_creates_one_response_duty_audited_after_its_signatures() -> None:
    area = AreaFactory()
    thresholds.set_thresholds(
        AdminFactory(), area, PetitionKind.GENERAL, "2", "3", FollowUp.CONSULTATION
    )
    petition, people = open_petition(4, area)
    assert not services.sign(people[1], petition).first
    assert petition.response_due_at is None
    signed = services.sign(people[2], petition)
    assert signed.first
    assert petition.response_due_at - petition.first_reached_at == timedelta(
        days=services.response_days()
    )
    actions = [
        e["action"]
        for e in map(
            json.loads,
            db.session.scalars(
                select(AuditEntry.body)
                .where(AuditEntry.subject_type == "petition")
                .order_by(AuditEntry.seq)
            ),
        )
    ]
    assert actions == ["petition:start", "petition:accept"] + ["petition:sign"] * 2 + [
        "petition:threshold"
    ]
    [first] = _entries("petition:threshold")
    assert first["data"]["level"] == "first" and first["data"]["signatures"] == 2
    # supporters (the starter and the signers follow the petition) are told
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.event == f"petition-threshold:{petition.id}"
            )
        )
    )
    assert told == {people[0].id, people[1].id, people[2].id}
    # the higher level opens a draft consultation, linked, once
    assert services.sign(people[3], petition).second
    assert petition.consultation is not None
    assert petition.consultation.state is ConsultationState.DRAFT
    assert not services.sign(people[4], petition).second
    assert len(_entries("petition:threshold")) == 2


def test_the_higher_threshold_can_open_a_public_vote_instead() -> None:
    area = AreaFactory()
    thresholds.set_thresholds(AdminFactory(), area, PetitionKind.GENERAL, "1", "2", FollowUp.VOTE)
    petition, people = open_petition(2, area)
    services.sign(people[0], petition)
    services.sign(people[1], petition)
    assert petition.proposal is not None and petition.proposal.state is ProposalState.DRAFT
    assert petition.consultation is None
    assert _entries("petition:threshold")[-1]["data"]["proposal"] == petition.proposal_id


# --- response and expiry --------------------------------------------------------------------


def test_the_council_responds_once_after_the_threshold_and_supporters_hear() -> None:
    area = AreaFactory()
    thresholds.set_thresholds(AdminFactory(), area, PetitionKind.GENERAL, "1", "9", FollowUp.VOTE)
    petition, people = open_petition(1, area)
    moderator = ModeratorFactory()
    with pytest.raises(Conflict, match="no response is due"):
        services.respond(moderator, petition, "Not yet")
    services.sign(people[1], petition)
    with pytest.raises(PermissionDenied):
        services.respond(people[1], petition, "I am the council")
    with pytest.raises(ValidationFailed):
        services.respond(moderator, petition, "   ")
    services.respond(moderator, petition, "We will keep the pool in-house until 2030.")
    assert petition.responded_at is not None
    with pytest.raises(Conflict, match="responded"):
        services.respond(moderator, petition, "Again")
    [entry] = _entries("petition:respond")
    assert entry["data"]["response"] == "We will keep the pool in-house until 2030."
    assert entry["data"]["late"] is False
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.event == f"petition-response:{petition.id}"
            )
        )
    )
    assert told == {people[0].id, people[1].id}


def test_an_overdue_response_is_shown_as_overdue() -> None:
    area = AreaFactory()
    thresholds.set_thresholds(AdminFactory(), area, PetitionKind.GENERAL, "1", "9", FollowUp.VOTE)
    petition, people = open_petition(0, area)
    services.sign(people[0], petition)
    assert not services.response_overdue(petition)
    petition.response_due_at = utcnow() - timedelta(days=1)
    assert services.response_overdue(petition)


def test_the_tick_closes_petitions_past_their_date_once() -> None:
    petition, people = open_petition(1)
    other, _ = open_petition(0)
    petition.closes_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    said = services.expire_due()
    assert len(said) == 1 and "Keep the Riverside pool" in said[0]
    assert petition.state is PetitionState.CLOSED and other.state is PetitionState.OPEN
    assert services.expire_due() == []
    assert len(_entries("petition:close")) == 1
    with pytest.raises(Conflict, match="closed"):
        services.sign(people[1], petition)


def test_a_petition_past_its_date_cannot_be_signed_before_the_tick_runs() -> None:
    petition, people = open_petition(1)
    petition.closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(Conflict, match="closed"):
        services.sign(people[1], petition)
