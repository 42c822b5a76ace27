"""Starting, moderating, signing and answering resident petitions, and expiring them.

One serialisation point (DESIGN §4a): moderation, every signature and withdrawal, the
council's response and the expiry lock the petition's row (civic.database.lock_row) and
check its state after taking the lock; signatures are counted under that lock, so however
many residents sign at once exactly one of them crosses each threshold, and the response
duty (first level) or the consultation or public vote (higher level) is created once, in
that signature's transaction, with its audit entry.

Signing is a private act, like a vote: the log records it under a pseudonym scoped to the
petition, in shuffled batches; pages show the count in bands of `CIVIC_MIN_ELECTORATE`
until the first threshold is reached (civic.petitions.engine.banded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from civic import audit, privacy
from civic.accounts.models import Area, User
from civic.clock import aware, utcnow
from civic.consultations.models import Audience, Consultation, ConsultationState
from civic.database import lock_row
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_day, format_number
from civic.i18n import lazy_gettext as _l
from civic.notifications import events
from civic.notifications.wording import day as later_day
from civic.permissions import require_moderator, require_signed_in
from civic.petitions import engine, thresholds
from civic.petitions.models import (
    FollowUp,
    Petition,
    PetitionKind,
    PetitionSignature,
    PetitionState,
)
from civic.votes.models import Proposal, ProposalKind, ProposalState

TITLE_MAX = 200
TEXT_MAX = 5000
REASON_MAX = 2000
RESPONSE_MAX = 20000
SIGNATURES = PetitionSignature.__table__


# --- settings ---------------------------------------------------------------------------


def moderation_days() -> int:
    return int(current_app.config.get("PETITION_MODERATION_DAYS", 10))


def open_days() -> int:
    return int(current_app.config.get("PETITION_OPEN_DAYS", 180))


def response_days() -> int:
    return int(current_app.config.get("PETITION_RESPONSE_DAYS", 30))


# --- reading ----------------------------------------------------------------------------


def get(petition_id: int) -> Petition:
    petition = db.session.get(Petition, petition_id) if 0 < petition_id < 2**31 else None
    if petition is None:
        raise NotFound(_("No petition has that number."))
    return petition


def can_see(petition: Petition, viewer: User | None) -> bool:
    """Pending petitions are seen by their starter and moderators only; once moderated,
    accepted and refused ones alike are public (a refusal is published with its reason)."""
    if petition.state is not PetitionState.PENDING:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.is_moderator or viewer.id == petition.started_by_id


def overdue(petition: Petition, now: datetime | None = None) -> bool:
    """Waiting for moderation past the published number of days."""
    return petition.state is PetitionState.PENDING and aware(petition.moderation_due_at) < (
        now or utcnow()
    )


def response_overdue(petition: Petition, now: datetime | None = None) -> bool:
    return (
        petition.response_due_at is not None
        and petition.responded_at is None
        and aware(petition.response_due_at) < (now or utcnow())
    )


def listed(area: Area | None = None, state: PetitionState | None = None) -> list[Petition]:
    """The public list: every moderated petition, newest first, filtered if asked."""
    query = select(Petition).where(Petition.state != PetitionState.PENDING)
    if area is not None:
        query = query.where(Petition.area_id == area.id)
    if state is not None:
        query = query.where(Petition.state == state)
    return list(db.session.scalars(query.order_by(Petition.created_at.desc(), Petition.id.desc())))


def waiting_counts() -> tuple[int, int]:
    """(waiting for moderation, of which past the limit): shown on the public list, so a
    slow moderation queue is visible to everyone, not only to moderators."""
    now = utcnow()
    waiting = db.session.scalar(
        select(func.count()).select_from(Petition).where(Petition.state == PetitionState.PENDING)
    )
    late = db.session.scalar(
        select(func.count())
        .select_from(Petition)
        .where(Petition.state == PetitionState.PENDING, Petition.moderation_due_at < now)
    )
    return waiting, late


def queue() -> list[Petition]:
    """The moderators' queue: pending petitions, the most overdue first."""
    return list(
        db.session.scalars(
            select(Petition)
            .where(Petition.state == PetitionState.PENDING)
            .order_by(Petition.moderation_due_at, Petition.id)
        )
    )


def _key(petition: Petition, user: User) -> str:
    return engine.signer_key(f"petition:{petition.id}", user.id)


def has_signed(petition: Petition, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return engine.has_signature(SIGNATURES, petition.id, _key(petition, user))


def progress(petition: Petition) -> dict[str, Any]:
    """What anyone may know of the petition's progress: the banded count before the first
    threshold, the exact count after it (from then on signatures cannot be withdrawn)."""
    first = petition.first_threshold or 1
    exact = petition.first_reached_at is not None or petition.state is PetitionState.CLOSED
    shown = engine.banded(petition.signature_count, first, exact=exact)
    second = petition.second_threshold or 0
    at_least = shown["at_least"]
    return {
        **shown,
        "said": band_words(shown["words"]),
        "first": first,
        "first_level": petition.first_level,
        "second": second,
        "second_level": petition.second_level,
        "second_percent": (min(at_least, second) * 100) // second if second else 0,
        "eligible": petition.eligible_count,
        "first_reached": petition.first_reached_at is not None,
        "second_reached": petition.second_reached_at is not None,
    }


def band_words(words: str) -> str:
    """A banded count ("fewer than 10", "at least 20", "none", "12") in the reader's
    language; the JSON keeps the English."""
    if words == "none":
        return _("none")
    for english, translated in (
        ("fewer than ", _l("fewer than %(num)s")),
        ("at least ", _l("at least %(num)s")),
    ):
        if words.startswith(english):
            return str(translated) % {"num": words.removeprefix(english)}
    return words


def can_sign_reason(petition: Petition, user: User | None) -> str | None:
    """Why `user` cannot sign now (None: they can, or must sign in first), in words."""
    if petition.state is not PetitionState.OPEN:
        return {
            PetitionState.PENDING: _("This petition is waiting for a moderator's check."),
            PetitionState.REFUSED: _("This petition was refused, so it cannot be signed."),
            PetitionState.CLOSED: _("This petition has closed, so it can no longer be signed."),
        }[petition.state]
    if petition.closes_at is not None and aware(petition.closes_at) <= utcnow():
        return _("This petition has closed, so it can no longer be signed.")
    if user is None or not user.is_authenticated:
        return None
    if not user.is_eligible_in(petition.area):
        return not_eligible_words(petition.area)
    return None


def not_eligible_words(area: Area) -> str:
    return _(
        "Only residents of %(area)s can sign this petition. To show you live there, "
        "enter the code from your letter on the 'Your areas' page, or ask a moderator to "
        "check your proof of address.",
        area=area.name,
    )


# --- starting and moderating ------------------------------------------------------------


def start(actor: User | None, area: Area, title: str, asks: str, why: str) -> Petition:
    """An eligible resident of `area` starts a petition; it waits for a moderator's check
    against the published rules, due within CIVIC_PETITION_MODERATION_DAYS days."""
    user = require_signed_in(actor)
    if not user.is_eligible_in(area):
        raise PermissionDenied(
            _(
                "Only residents of %(area)s can start a petition there. To show you live "
                "there, enter the code from your letter on the 'Your areas' page.",
                area=area.name,
            )
        )
    title, asks, why = (title or "").strip(), (asks or "").strip(), (why or "").strip()
    problems: dict[str, str] = {}
    if not title:
        problems["title"] = _("Enter a title for the petition")
    elif len(title) > TITLE_MAX:
        problems["title"] = _("The title must be %(num)s characters or fewer", num=TITLE_MAX)
    missing = {"asks": _l("Enter what the petition asks"), "why": _l("Enter why")}
    for name, text in (("asks", asks), ("why", why)):
        if not text:
            problems[name] = str(missing[name])
        elif len(text) > TEXT_MAX:
            problems[name] = _(
                "This must be %(num)s characters or fewer", num=format_number(TEXT_MAX)
            )
    if any("\x00" in text for text in (title, asks, why)):
        problems.setdefault("title", _("Remove the invisible control characters"))
    if problems:
        raise ValidationFailed(problems)
    now = utcnow()
    petition = Petition(
        kind=PetitionKind.GENERAL,
        area_id=area.id,
        title=title,
        asks=asks,
        why=why,
        state=PetitionState.PENDING,
        started_by_id=user.id,
        created_at=now,
        moderation_due_at=now + timedelta(days=moderation_days()),
    )
    db.session.add(petition)
    db.session.flush()
    audit.record(user, "petition:start", petition, {"area": area.slug, "title": title})
    events.took_part(user, petition)
    return petition


def _locked(petition: Petition) -> Petition:
    locked = lock_row(Petition, petition.id)
    if locked is None:  # pragma: no cover - petitions are never deleted
        raise NotFound(_("No petition has that number."))
    return locked


# a second moderation's refusal, a whole sentence per state the petition is in now
_MODERATED = {
    PetitionState.OPEN: _l("This petition has been moderated already: it is open."),
    PetitionState.REFUSED: _l("This petition has been moderated already: it is refused."),
    PetitionState.CLOSED: _l("This petition has been moderated already: it is closed."),
}


def _pending(petition: Petition) -> None:
    if petition.state is not PetitionState.PENDING:
        raise Conflict(_MODERATED[petition.state])


def accept(actor: User | None, petition: Petition) -> Petition:
    """A moderator accepts the petition: it opens for signatures until its closing date,
    with the area's thresholds fixed now from today's electorate."""
    moderator = require_moderator(actor)
    petition = _locked(petition)
    _pending(petition)
    setting = thresholds.setting_for(petition.area, petition.kind)
    eligible = privacy.area_electorate(petition.area_id)
    now = utcnow()
    petition.state = PetitionState.OPEN
    petition.moderated_by_id = moderator.id
    petition.moderated_at = now
    petition.closes_at = now + timedelta(days=open_days())
    petition.eligible_count = eligible
    petition.first_level = setting.first.words()
    petition.first_threshold = setting.first.signatures(eligible)
    petition.second_level = setting.second.words()
    petition.second_threshold = max(
        setting.second.signatures(eligible), petition.first_threshold + 1
    )
    petition.follow_up = setting.follow_up
    db.session.flush()
    audit.record(
        moderator,
        "petition:accept",
        petition,
        {
            "closes": petition.closes_at.isoformat(),
            "eligible": eligible,
            "first_level": petition.first_level,
            "first_threshold": petition.first_threshold,
            "second_level": petition.second_level,
            "second_threshold": petition.second_threshold,
            "follow_up": petition.follow_up.value,
            "late": now > aware(petition.moderation_due_at),
        },
    )
    return petition


def refuse(actor: User | None, petition: Petition, reason: str) -> Petition:
    """A moderator refuses the petition under the published rules; the petition and the
    reason are published."""
    moderator = require_moderator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("Say which rule the petition breaks, and why")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            {
                "reason": _(
                    "The reason must be %(most)s characters or fewer",
                    most=format_number(REASON_MAX),
                )
            }
        )
    petition = _locked(petition)
    _pending(petition)
    now = utcnow()
    petition.state = PetitionState.REFUSED
    petition.moderated_by_id = moderator.id
    petition.moderated_at = now
    petition.refusal_reason = reason
    db.session.flush()
    audit.record(
        moderator,
        "petition:refuse",
        petition,
        {"reason": reason, "late": now > aware(petition.moderation_due_at)},
    )
    return petition


# --- signing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    petition: Petition
    first: bool  # this signature reached the first threshold (the response duty)
    second: bool  # ... and this one the higher threshold


def require_signer(actor: User | None, petition: Petition) -> User:
    """Who may sign `petition`; the page calls it before reading the form (a 403 that
    says how to become eligible)."""
    user = require_signed_in(actor)
    if not user.is_eligible_in(petition.area):
        raise PermissionDenied(not_eligible_words(petition.area))
    return user


def sign(actor: User | None, petition: Petition) -> Signed:
    """Add the resident's signature. Crossing a threshold triggers its duty in this same
    transaction: the first a council response due by a date, the higher a consultation
    or a public vote (a draft for moderators to fill in and open)."""
    user = require_signer(actor, petition)
    petition = _locked(petition)  # the one serialisation point; state checked after it
    if reason := can_sign_reason(petition, user):
        raise Conflict(reason)
    if not engine.add_signature(SIGNATURES, petition.id, _key(petition, user)):
        raise Conflict(_("You have already signed this petition."))
    petition.signature_count = engine.count_signatures(SIGNATURES, petition.id)
    audit.record(user, "petition:sign", petition)  # private: scoped pseudonym, batched
    events.took_part(user, petition)
    first = second = False
    if petition.first_reached_at is None and petition.signature_count >= (
        petition.first_threshold or 1
    ):
        _reach_first(petition)
        first = True
    if petition.second_reached_at is None and petition.signature_count >= (
        petition.second_threshold or 2**31
    ):
        _reach_second(petition)
        second = True
    db.session.flush()
    return Signed(petition, first, second)


def _reach_first(petition: Petition) -> None:
    """The first threshold: the council owes a published response by a due date."""
    now = utcnow()
    petition.first_reached_at = now
    petition.response_due_at = now + timedelta(days=response_days())
    # every signature counted is in the log before the entry that counts them
    audit.release_pending(petition)
    audit.record(
        None,
        "petition:threshold",
        petition,
        {
            "level": "first",
            "signatures": petition.signature_count,
            "threshold": petition.first_threshold,
            "threshold_level": petition.first_level,
            "eligible": petition.eligible_count,
            "response_due": petition.response_due_at.isoformat(),
        },
    )
    events.petition_news(
        petition,
        "threshold",
        _l(
            "The council must publish its response by %(day)s.",
            day=later_day(petition.response_due_at),
        ),
    )


def _reach_second(petition: Petition) -> None:
    """The higher threshold: a consultation or a public vote, created now in draft and
    linked from the petition; moderators fill it in and open it."""
    now = utcnow()
    petition.second_reached_at = now
    data: dict[str, Any] = {
        "level": "second",
        "signatures": petition.signature_count,
        "threshold": petition.second_threshold,
        "threshold_level": petition.second_level,
        "follow_up": petition.follow_up.value,
    }
    if petition.follow_up is FollowUp.VOTE:
        proposal = Proposal(
            kind=ProposalKind.OUTSOURCING,
            title=f"Public vote: {petition.title}"[:200],
            service=petition.title[:200],
            area_id=petition.area_id,
            state=ProposalState.DRAFT,
            current_provision=petition.asks,
            consultation_days=int(current_app.config.get("MIN_CONSULTATION_DAYS", 28)),
            created_by_id=None,
        )
        db.session.add(proposal)
        db.session.flush()
        petition.proposal_id = proposal.id
        audit.record(
            None,
            "proposal:create",
            proposal,
            {"area": petition.area.slug, "kind": proposal.kind.value, "petition": petition.id},
        )
        data["proposal"] = proposal.id
    else:
        opens = now + timedelta(days=14)
        consultation = Consultation(
            title=f"Petition: {petition.title}"[:200],
            service=petition.title[:200],
            area_id=petition.area_id,
            summary=f"Residents petitioned the council: {petition.asks}",
            documents="",
            audience=Audience.RESIDENTS,
            state=ConsultationState.DRAFT,
            opens_at=opens,
            closes_at=opens
            + timedelta(days=int(current_app.config.get("MIN_CONSULTATION_DAYS", 28))),
            # a draft in the name of the moderator who accepted the petition, who
            # completes it; the log names the system as its maker
            created_by_id=petition.moderated_by_id,
        )
        db.session.add(consultation)
        db.session.flush()
        petition.consultation_id = consultation.id
        audit.record(
            None,
            "consultation:create",
            consultation,
            {
                "area": petition.area.slug,
                "audience": Audience.RESIDENTS.value,
                "closes": consultation.closes_at.isoformat(),
                "petition": petition.id,
            },
        )
        data["consultation"] = consultation.id
    audit.record(None, "petition:threshold", petition, data)
    events.petition_news(
        petition,
        "higher",
        _l("A public vote will be held.")
        if petition.follow_up is FollowUp.VOTE
        else _l("A consultation will be held."),
    )


def withdraw(actor: User | None, petition: Petition) -> Petition:
    """Take back the resident's signature, while the first threshold is not reached."""
    user = require_signed_in(actor)
    petition = _locked(petition)
    if petition.first_reached_at is not None:
        raise Conflict(
            _(
                "This petition reached its threshold on %(day)s; "
                "its signatures are final and cannot be withdrawn.",
                day=format_day(petition.first_reached_at),
            )
        )
    if petition.state is not PetitionState.OPEN:
        raise Conflict(_("This petition is not open, so signatures cannot change."))
    if not engine.remove_signature(SIGNATURES, petition.id, _key(petition, user)):
        raise Conflict(_("You have not signed this petition."))
    petition.signature_count = engine.count_signatures(SIGNATURES, petition.id)
    audit.record(user, "petition:withdraw", petition)
    db.session.flush()
    return petition


# --- the council's response and the expiry ----------------------------------------------


def respond(actor: User | None, petition: Petition, text: str) -> Petition:
    """A moderator publishes the council's response (once the first threshold made it
    due; a later edit is refused, so what was published stays what the log holds)."""
    moderator = require_moderator(actor)
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed({"response": _("Enter the council's response")})
    if len(text) > RESPONSE_MAX:
        raise ValidationFailed(
            {
                "response": _(
                    "The response must be %(most)s characters or fewer",
                    most=format_number(RESPONSE_MAX),
                )
            }
        )
    petition = _locked(petition)
    if petition.first_reached_at is None:
        raise Conflict(_("This petition has not reached its threshold, so no response is due."))
    if petition.responded_at is not None:
        raise Conflict(
            _(
                "The council responded on %(day)s already.",
                day=format_day(petition.responded_at),
            )
        )
    now = utcnow()
    petition.response = text
    petition.responded_at = now
    petition.responded_by_id = moderator.id
    db.session.flush()
    audit.record(
        moderator,
        "petition:respond",
        petition,
        {
            "response": text,
            "due": aware(petition.response_due_at).isoformat() if petition.response_due_at else "",
            "late": petition.response_due_at is not None and now > aware(petition.response_due_at),
        },
    )
    events.petition_news(petition, "response", _l("Read the council's response."))
    return petition


def expire_due() -> list[str]:
    """`civic tick`: open petitions past their closing date close (audited once each)."""
    now = utcnow()
    due = list(
        db.session.scalars(
            select(Petition.id).where(
                Petition.state == PetitionState.OPEN, Petition.closes_at <= now
            )
        )
    )
    done: list[str] = []
    for petition_id in due:
        petition = lock_row(Petition, petition_id)
        if petition is None or petition.state is not PetitionState.OPEN:
            continue  # another tick closed it first
        petition.state = PetitionState.CLOSED
        audit.release_pending(petition)
        audit.record(
            None,
            "petition:close",
            petition,
            {
                "signatures": petition.signature_count,
                "first_reached": petition.first_reached_at is not None,
            },
        )
        done.append(f"Closed petition {petition.id} ({petition.title}): its time ran out.")
    db.session.flush()
    return done
