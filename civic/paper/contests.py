"""What a resident sees of the paper vote or response an officer entered for them, their
contest of it, and the moderators' decision. Kept apart from the entering code
(`civic.paper.services`) so the two change independently."""

from __future__ import annotations

from sqlalchemy import delete, select

from civic import audit
from civic.accounts.models import User, utcnow
from civic.constituencies import services as constituencies
from civic.consultations import services as consultations
from civic.consultations.models import Answer, AnswerChoice, Response
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.paper.models import PaperContest, PaperContestState
from civic.paper.services import Subject, _key, _lock, get_subject, kind_of, paper_label
from civic.permissions import require_moderator, require_signed_in
from civic.receipts import codes as receipts
from civic.votes import services as votes
from civic.votes.models import Proposal, VoteCast

MAX_TEXT = 1000


def paper_entry(subject: Subject, user: User | None) -> VoteCast | Response | None:
    """The paper vote or response entered for `user` in `subject`, if any."""
    if user is None or not user.is_authenticated:
        return None
    if isinstance(subject, Proposal):
        return db.session.scalar(
            select(VoteCast).where(
                VoteCast.proposal_id == subject.id,
                VoteCast.voter_key == _key(subject, user),
                VoteCast.paper.is_(True),
            )
        )
    return db.session.scalar(
        select(Response).where(
            Response.consultation_id == subject.id,
            Response.respondent_id == user.id,
            Response.paper.is_(True),
        )
    )


def contests_of(subject: Subject, user: User | None) -> list[PaperContest]:
    if user is None or not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(PaperContest)
            .where(
                PaperContest.kind == kind_of(subject),
                PaperContest.subject_id == subject.id,
                PaperContest.voter_key == _key(subject, user),
            )
            .order_by(PaperContest.id.desc())
        )
    )


def _still_open(subject: Subject) -> bool:
    if isinstance(subject, Proposal):
        return votes.voting_open(subject)
    return consultations.accepting(subject)


def contest(actor: User | None, subject: Subject, reason: str) -> PaperContest:
    """The resident says the paper entered for them is wrong, or not theirs."""
    user = require_signed_in(actor)
    entry = paper_entry(subject, user)
    if entry is None:
        raise NotFound(_("No paper form was entered for you here."))
    if not _still_open(subject):
        raise Conflict(
            _(
                "This has closed and its count is final, so the paper can no longer be "
                "removed. Write to the council if you think it was entered wrongly."
            )
        )
    key = _key(subject, user)
    for earlier in contests_of(subject, user):
        if earlier.state is PaperContestState.OPEN:
            raise Conflict(_("You have already contested this paper; a moderator will decide."))
        if earlier.state is PaperContestState.REJECTED and earlier.cast_id == entry.id:
            raise Conflict(
                _(
                    "A moderator decided that this paper stands. Write to the council if you "
                    "still think it was entered wrongly."
                )
            )
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed({"reason": _("Say what is wrong with the paper entered for you")})
    if len(text) > MAX_TEXT:
        raise ValidationFailed({"reason": _("Keep it to %(most)s characters", most=MAX_TEXT)})
    row = PaperContest(
        kind=kind_of(subject),
        subject_id=subject.id,
        cast_id=entry.id,
        paper_number=entry.paper_number,
        entered_by_id=entry.entered_by_id,
        voter_key=key,
        reason=text,
        state=PaperContestState.OPEN,
        created_at=utcnow(),
        response="",
    )
    db.session.add(row)
    db.session.flush()
    audit.record(user, "paper:contest", row, {"kind": row.kind.value}, private=True)
    return row


def contest_queue(actor: User | None) -> list[PaperContest]:
    require_moderator(actor)
    return list(
        db.session.scalars(
            select(PaperContest)
            .where(PaperContest.state == PaperContestState.OPEN)
            .order_by(PaperContest.created_at, PaperContest.id)
        )
    )


def recently_resolved(actor: User | None, limit: int = 20) -> list[PaperContest]:
    require_moderator(actor)
    return list(
        db.session.scalars(
            select(PaperContest)
            .where(PaperContest.state != PaperContestState.OPEN)
            .order_by(PaperContest.resolved_at.desc(), PaperContest.id.desc())
            .limit(limit)
        )
    )


def contest_subject(row: PaperContest) -> Subject:
    return get_subject(row.kind.value, row.subject_id)


def get_contest(contest_id: int) -> PaperContest:
    row = db.session.get(PaperContest, contest_id)
    if row is None:
        raise NotFound(_("That contest does not exist."))
    return row


def require_resolver(actor: User | None, row: PaperContest) -> User:
    """A moderator, but not the officer who entered the contested paper."""
    moderator = require_moderator(actor)
    if row.entered_by_id == moderator.id:
        raise PermissionDenied(
            _("You entered this paper, so another moderator must decide the contest.")
        )
    return moderator


OUTCOMES = {"upheld": PaperContestState.UPHELD, "rejected": PaperContestState.REJECTED}


def resolve(actor: User | None, row: PaperContest, outcome: str, response: str) -> None:
    """Uphold the contest (the paper entry is removed and the resident may take part again
    while it is open) or reject it (the paper stands). `response` goes to the resident."""
    moderator = require_resolver(actor, row)
    if row.state is not PaperContestState.OPEN:
        raise Conflict(_("This contest is already decided."))
    errors = {}
    state = OUTCOMES.get(outcome or "")
    if state is None:
        errors["outcome"] = _("Choose whether to uphold the contest or reject it")
    text = (response or "").strip()
    if not text:
        errors["response"] = _("Tell the resident why; only they see it")
    elif len(text) > MAX_TEXT:
        errors["response"] = _("Keep it to %(most)s characters", most=MAX_TEXT)
    if errors:
        raise ValidationFailed(errors)
    subject = _lock(contest_subject(row))
    if state is PaperContestState.UPHELD:
        if not _still_open(subject):
            raise Conflict(_("This has closed and its count is final; the paper stays counted."))
        _remove(subject, row.cast_id)
        row.cast_id = None
    row.state = state
    row.response = text
    row.resolver_id = moderator.id
    row.resolved_at = utcnow()
    db.session.flush()
    audit.release_pending(row)  # the contest reaches the log before its answer
    audit.record(
        moderator,
        "paper:contest_resolve",
        subject,
        {
            "contest": row.id,
            "paper": paper_label(subject, row.paper_number),
            "outcome": state.value,
        },
    )


def _remove(subject: Subject, cast_id: int | None) -> None:
    if cast_id is None:
        return
    constituencies.forget_cast(subject, cast_id)
    if isinstance(subject, Proposal):
        cast = db.session.get(VoteCast, cast_id)
        if cast is not None:
            receipts.retire(subject.audit_subject, cast.receipt, receipts.VOIDED)
            db.session.delete(cast)
        return
    answers = select(Answer.id).where(Answer.response_id == cast_id)
    db.session.execute(delete(AnswerChoice).where(AnswerChoice.answer_id.in_(answers)))
    db.session.execute(delete(Answer).where(Answer.response_id == cast_id))
    db.session.execute(delete(Response).where(Response.id == cast_id))
