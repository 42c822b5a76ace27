"""Signing and withdrawing from a recall petition, and the recall review its threshold
triggers.

One serialisation point (DESIGN §4a): every signature and withdrawal locks the petition's
row (civic.database.lock_row) before it checks the petition's state, and counts the
signatures under that lock, so however many residents sign at once exactly one of them
crosses the threshold and creates exactly one recall review, in its own transaction.
One signature per person is kept by the database: INSERT ... ON CONFLICT DO NOTHING on
(petition, signer key), never a check followed by an insert.

Signing is a private act, like a vote: the log records it under a pseudonym scoped to the
petition, in shuffled hourly batches, and pages show the count only in bands of
`CIVIC_MIN_ELECTORATE` (civic.privacy.turnout_band), so it never ticks up by one right
after someone's named comment.

The signing, counting and banding are the shared petition engine's (civic.petitions.engine),
which resident petitions use too; recall keeps its own tables, since its petition is opened
by the first signature against a contract rather than by a resident and a moderator.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, case, func, select

from civic import audit, ballot_box, privacy
from civic.accounts.models import Area, User
from civic.clock import utcnow
from civic.contracts import review as reviews
from civic.contracts.models import Contract, ContractState
from civic.contracts.recall.models import PetitionState, RecallPetition, RecallSignature
from civic.database import lock_row
from civic.errors import Conflict, NotFound, PermissionDenied
from civic.extensions import db
from civic.i18n import _, format_day
from civic.notifications import events
from civic.permissions import require_signed_in
from civic.petitions import engine
from civic.petitions.engine import percent_words, threshold_for

__all__ = ["percent_words", "threshold_for"]  # the shared engine's, kept importable here


def threshold_percent(area: Area | None = None) -> Fraction:
    """The share for `area`: an administrator's recall threshold for the area (the
    petitions' thresholds page, kind "recall"), else the configured one (checked at
    start-up: above 0, at most 100)."""
    if area is not None:
        from civic.petitions import thresholds

        if (percent := thresholds.recall_percent(area)) is not None:
            return percent
    return Fraction(str(current_app.config.get("RECALL_THRESHOLD_PERCENT", "5")).strip())


def petition_for(contract: Contract) -> RecallPetition | None:
    return db.session.scalar(
        select(RecallPetition).where(RecallPetition.contract_id == contract.id)
    )


def _signer_key(petition: RecallPetition, user: User) -> str:
    return engine.signer_key(f"recall:{petition.id}", user.id)


def can_sign_reason(contract: Contract, user: User | None) -> str | None:
    """Why `user` cannot sign now (None: they can), in words for the page."""
    if not contract.is_public or contract.state is not ContractState.PUBLISHED:
        return _("This contract is not open to a recall petition.")
    if contract.has_ended(reviews.today()):
        return _(
            "This contract ended on %(day)s, so its recall petition can no longer be signed.",
            day=format_day(contract.last_day),
        )
    if user is None or not user.is_authenticated:
        return None  # the page offers to sign in
    if not user.is_eligible_in(contract.area):
        return _(
            "Only residents of %(area)s can sign this petition. To show you live there, "
            "enter the code from your letter on the 'Your areas' page.",
            area=contract.area.name,
        )
    return None


def require_signer(actor: User | None, contract: Contract) -> User:
    """Who may sign against `contract`; the page calls it before reading the form."""
    user = require_signed_in(actor)
    if not user.is_eligible_in(contract.area):
        raise PermissionDenied(can_sign_reason(contract, user) or _("You cannot sign this."))
    return user


def _locked(petition_id: int) -> RecallPetition:
    petition = lock_row(RecallPetition, petition_id)
    if petition is None:  # pragma: no cover - petitions are never deleted
        raise NotFound(_("No recall petition has that number."))
    return petition


def _count(petition: RecallPetition) -> int:
    return engine.count_signatures(RecallSignature.__table__, petition.id)


def _already_reached(petition: RecallPetition) -> Conflict:
    return Conflict(
        _(
            "This recall petition reached its threshold on %(day)s and a recall review has "
            "started; its signatures are final.",
            day=format_day(petition.reached_at),
        )
    )


@dataclass(frozen=True)
class Signed:
    petition: RecallPetition
    triggered: bool  # this signature crossed the threshold


def sign(actor: User | None, contract: Contract) -> Signed:
    """Add the resident's signature to the contract's recall petition (creating the
    petition with the first signature). Crossing the threshold triggers the recall review
    in this same transaction."""
    user = require_signer(actor, contract)
    if reason := can_sign_reason(contract, user):
        raise Conflict(reason)
    # the petition row: made by the first signature, once (unique on contract_id)
    eligible = privacy.area_electorate(contract.area_id)
    percent = threshold_percent(contract.area)
    ballot_box.insert_or_nothing(
        RecallPetition.__table__,
        ["contract_id"],
        {
            "contract_id": contract.id,
            "state": PetitionState.OPEN.value,
            "eligible_count": eligible,
            "threshold_percent": percent_words(percent),
            "threshold": threshold_for(eligible, percent),
            "signature_count": 0,
            "created_at": utcnow(),
        },
    )
    found = petition_for(contract)
    assert found is not None
    petition = _locked(found.id)  # the one serialisation point; state checked after it
    if petition.state is not PetitionState.OPEN:
        raise _already_reached(petition)
    added = engine.add_signature(
        RecallSignature.__table__, petition.id, _signer_key(petition, user)
    )
    if not added:
        raise Conflict(_("You have already signed this recall petition."))
    petition.signature_count = _count(petition)
    audit.record(user, "recall:sign", petition)  # private: scoped pseudonym, batched
    events.took_part(user, contract)
    triggered = petition.signature_count >= petition.threshold
    if triggered:
        _trigger_review(petition)
    db.session.flush()
    return Signed(petition, triggered)


def _trigger_review(petition: RecallPetition) -> None:
    """The threshold is met: freeze the petition and create the recall review (an
    outsourcing proposal pre-filled from the contract, in-house by default)."""
    contract = petition.contract
    proposal = reviews.create_review_proposal(None, contract, reviews.RECALL)
    petition.state = PetitionState.REACHED
    petition.reached_at = utcnow()
    petition.review_proposal_id = proposal.id
    # every signature counted is in the log before the entry that counts them
    audit.release_pending(petition)
    audit.record(
        None,
        "recall:threshold",
        petition,
        {
            "contract": contract.id,
            "reference": contract.reference,
            "signatures": petition.signature_count,
            "threshold": petition.threshold,
            "threshold_percent": petition.threshold_percent,
            "eligible": petition.eligible_count,
            "proposal": proposal.id,
            "default_option": reviews.DEFAULT_OPTION.value,
        },
    )


def withdraw(actor: User | None, contract: Contract) -> RecallPetition:
    """Take back the resident's signature, while the threshold has not been reached."""
    user = require_signed_in(actor)
    found = petition_for(contract)
    if found is None:
        raise Conflict(_("You have not signed this recall petition."))
    petition = _locked(found.id)
    if petition.state is not PetitionState.OPEN:
        raise _already_reached(petition)
    removed = engine.remove_signature(
        RecallSignature.__table__, petition.id, _signer_key(petition, user)
    )
    if not removed:
        raise Conflict(_("You have not signed this recall petition."))
    petition.signature_count = _count(petition)
    audit.record(user, "recall:withdraw", petition)
    db.session.flush()
    return petition


def has_signed(petition: RecallPetition | None, user: User | None) -> bool:
    if petition is None or user is None or not user.is_authenticated:
        return False
    return engine.has_signature(RecallSignature.__table__, petition.id, _signer_key(petition, user))


def public_progress(contract: Contract, petition: RecallPetition | None) -> dict[str, Any]:
    """What anyone may know of a petition's progress.

    Before the threshold the count is shown in bands (`privacy.turnout_band`), so it does
    not move by one right after a named act; once reached, the count is exact (it is the
    threshold's, and the petition no longer changes). Before the first signature the
    target is worked out from today's electorate, as the first signature would fix it."""
    if petition is None:
        eligible = privacy.area_electorate(contract.area_id)
        percent = threshold_percent(contract.area)
        threshold = threshold_for(eligible, percent)
        count, percent_text = 0, percent_words(percent)
    else:
        eligible, threshold = petition.eligible_count, petition.threshold
        count, percent_text = petition.signature_count, petition.threshold_percent
    reached = petition is not None and petition.state is PetitionState.REACHED
    return {
        "reached": reached,
        **engine.banded(count, threshold, exact=reached),
        "eligible": eligible,
        "percent": percent_text,
        "ended": contract.has_ended(reviews.today()),
    }


def _listed() -> ColumnElement[bool]:
    """Petitions the public list shows: reached, or with at least one band of signatures
    (a petition with a handful would tell when its first few people signed)."""
    step = max(1, privacy.min_electorate())
    return (RecallPetition.state == PetitionState.REACHED) | (
        RecallPetition.signature_count >= step
    )


def listed_petitions() -> list[RecallPetition]:
    """The petitions the public list shows (`_listed`), newest first."""
    return list(
        db.session.scalars(
            select(RecallPetition)
            .where(_listed())
            .order_by(RecallPetition.created_at.desc(), RecallPetition.id.desc())
        )
    )


def listed_counts() -> tuple[int, int]:
    """(petitions listed, of them reached), counted by the database: the scorecard asks
    on every view, and reads no petition to answer."""
    reached = func.sum(case((RecallPetition.state == PetitionState.REACHED, 1), else_=0))
    listed, reached_count = db.session.execute(
        select(func.count(RecallPetition.id), reached).where(_listed())
    ).one()
    return int(listed), int(reached_count or 0)
