"""Every change to an information request: a resident asks, a moderator answers or
refuses, and `civic tick` logs the moment one goes overdue. Each checks permission,
validates, writes and logs in the caller's transaction (flushed, never committed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from civic import audit, markdown
from civic.accounts.models import User
from civic.audit import logged_text
from civic.clock import utcnow
from civic.contracts.inforequests import workingdays
from civic.contracts.inforequests.models import (
    ANSWER_MAX,
    QUESTION_MAX,
    REASON_MAX,
    InfoRequest,
    InfoRequestCounter,
    RequestStatus,
    ShownStatus,
    SubjectKind,
)
from civic.contracts.models import Contract, Provider
from civic.database import lock_row, lock_rows
from civic.errors import Conflict, NotFound, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_number
from civic.permissions import require_moderator, require_signed_in
from civic.votes import services as votes
from civic.votes.models import Proposal

QUESTION_MIN = 10
REASON_MIN = 10


def today() -> date:
    """Civic keeps no site time zone: a request's dates are UTC calendar days."""
    return utcnow().date()


def holiday_table() -> workingdays.HolidayTable:
    return workingdays.load_table(current_app.config.get("BANK_HOLIDAYS_FILE") or None)


def due_date(received: date) -> date:
    """20 working days after receipt; a Conflict if the holiday table does not reach."""
    try:
        return workingdays.foi_due_date(received, holiday_table())
    except workingdays.BeyondHolidayTable as exc:
        raise Conflict(
            _(
                "Civic cannot set the request's due date: %(problem)s Nothing was saved; "
                "please tell the council.",
                problem=exc,
            )
        ) from None


# --- subjects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectChoice:
    """A thing a request can be about, as the ask form lists it ("contract-3")."""

    kind: SubjectKind
    id: int
    title: str

    @property
    def key(self) -> str:
        return f"{self.kind.value}-{self.id}"

    @property
    def label(self) -> str:
        return f"{self.kind.label}: {self.title}"


def subject_choices() -> list[SubjectChoice]:
    """Every public contract, every provider and every public decision, by kind then title."""
    contracts = db.session.scalars(select(Contract).order_by(Contract.title)).all()
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    proposals = db.session.scalars(select(Proposal).order_by(Proposal.title)).all()
    return [
        *(
            SubjectChoice(SubjectKind.CONTRACT, c.id, f"{c.title} ({c.reference})")
            for c in contracts
            if c.is_public
        ),
        *(SubjectChoice(SubjectKind.PROVIDER, p.id, p.name) for p in providers),
        *(
            SubjectChoice(SubjectKind.PROPOSAL, p.id, p.title)
            for p in proposals
            if votes.is_public(p)
        ),
    ]


def find_subject(key: str) -> Contract | Provider | Proposal:
    """The public subject named by a form's key ("contract-3"), or a ValidationFailed on
    the `subject` field: a draft contract or proposal is as unknown as a missing one."""
    kind_text, _dash, ident_text = (key or "").partition("-")
    unknown = ValidationFailed(
        {"subject": _("Choose the contract, provider or decision your question is about")}
    )
    try:
        kind, ident = SubjectKind(kind_text), int(ident_text)
    except ValueError:
        raise unknown from None
    if not 0 < ident < 2**31:
        raise unknown
    if kind is SubjectKind.CONTRACT:
        contract = db.session.get(Contract, ident)
        if contract is None or not contract.is_public:
            raise unknown
        return contract
    if kind is SubjectKind.PROVIDER:
        provider = db.session.get(Provider, ident)
        if provider is None:
            raise unknown
        return provider
    proposal = db.session.get(Proposal, ident)
    if proposal is None or not votes.is_public(proposal):
        raise unknown
    return proposal


# --- asking -----------------------------------------------------------------------------


def _next_number(year: int) -> int:
    """Take the next number of `year` with one atomic upsert: concurrent askers queue on
    the counter row, and each gets its own number (the UNIQUE(year, number) backs it)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(InfoRequestCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=[InfoRequestCounter.year],
            set_={"last": InfoRequestCounter.last + 1},
        )
        .returning(InfoRequestCounter.last)
    )
    return int(db.session.execute(stmt).scalar_one())


def reference_for(year: int, number: int) -> str:
    return f"IR-{year}-{number:04d}"


def check_question(
    subject_key: str, question: str
) -> tuple[Contract | Provider | Proposal | None, str, dict[str, str]]:
    """The subject, the cleaned question and every problem with them, by form field: the
    checks `ask` makes, so a form that failed elsewhere can show these too, at once."""
    errors: dict[str, str] = {}
    subject = None
    try:
        subject = find_subject(subject_key)
    except ValidationFailed as failure:
        errors.update(failure.errors)
    text = (question or "").strip()
    if len(text) < QUESTION_MIN:
        errors["question"] = (
            _("Enter your question, in at least %(num)s characters", num=QUESTION_MIN)
            if text
            else _("Enter your question")
        )
    elif len(text) > QUESTION_MAX:
        errors["question"] = _(
            "Your question must be %(num)s characters or fewer", num=format_number(QUESTION_MAX)
        )
    return subject, text, errors


def ask(actor: User | None, subject_key: str, question: str, publish_name: bool) -> InfoRequest:
    """A signed-in person asks a question about a contract, provider or decision.

    Received today; due 20 working days later. Logged under the requester's public
    pseudonym only if they chose to publish their name (`info_request:ask_named`);
    otherwise (`info_request:ask`) under a pseudonym scoped to this request, which joins it
    to nothing else they did, and with no name anywhere in the entry.
    """
    user = require_signed_in(actor)
    subject, text, errors = check_question(subject_key, question)
    if errors or subject is None:
        raise ValidationFailed(errors)
    received = today()
    due = due_date(received)
    number = _next_number(received.year)
    request = InfoRequest(
        reference=reference_for(received.year, number),
        year=received.year,
        number=number,
        contract_id=subject.id if isinstance(subject, Contract) else None,
        provider_id=subject.id if isinstance(subject, Provider) else None,
        proposal_id=subject.id if isinstance(subject, Proposal) else None,
        question=text,
        requester_id=user.id,
        publish_name=bool(publish_name),
        received_on=received,
        due_on=due,
        status=RequestStatus.RECEIVED,
    )
    db.session.add(request)
    db.session.flush()
    kind = request.subject_kind
    audit.record(
        user,
        "info_request:ask_named" if request.publish_name else "info_request:ask",
        request,
        {
            "reference": request.reference,
            "about": {"type": kind.value, "id": str(subject.id)},
            "question": logged_text(text),
            "received": received.isoformat(),
            "due": due.isoformat(),
        },
    )
    return request


# --- answering --------------------------------------------------------------------------


def get_by_reference(reference: str) -> InfoRequest:
    found = db.session.scalars(
        select(InfoRequest).where(InfoRequest.reference == (reference or "").upper())
    ).one_or_none()
    if found is None:
        raise NotFound(_("No information request has that reference."))
    return found


def _locked_open(request: InfoRequest, doing: str) -> InfoRequest:
    """Lock the request and check, after the lock, that nobody has answered it meanwhile."""
    locked = lock_row(InfoRequest, request.id)
    if locked is None:
        raise NotFound(_("No information request has that reference."))
    if locked.status is not RequestStatus.RECEIVED:
        if locked.status is RequestStatus.ANSWERED:
            said = _("%(reference)s has already been answered.", reference=locked.reference)
        else:
            said = _("%(reference)s has already been refused.", reference=locked.reference)
        raise Conflict(said)
    return locked


def _responded(locked: InfoRequest, moderator: User, status: RequestStatus) -> date:
    """Mark the request answered or refused today by `moderator`; return the day."""
    on = today()
    locked.status = status
    locked.responded_on = on
    locked.responded_at = utcnow()
    locked.responded_by_id = moderator.id
    db.session.flush()
    return on


def answer(actor: User | None, request: InfoRequest, source: str) -> InfoRequest:
    """A moderator publishes the answer (Markdown, shown sanitised)."""
    moderator = require_moderator(actor)
    text = (source or "").strip()
    if not text:
        raise ValidationFailed({"answer": _("Enter the answer")})
    if len(text) > ANSWER_MAX:
        raise ValidationFailed(
            {
                "answer": _(
                    "The answer must be %(num)s characters or fewer",
                    num=format_number(ANSWER_MAX),
                )
            }
        )
    locked = _locked_open(request, "answer")
    locked.answer_source = text
    locked.answer_html = markdown.render(text)
    on = _responded(locked, moderator, RequestStatus.ANSWERED)
    audit.record(
        moderator,
        "info_request:answer",
        locked,
        {
            "reference": locked.reference,
            "answer": logged_text(text),
            "on": on.isoformat(),
            "due": locked.due_on.isoformat(),
            "in_time": on <= locked.due_on,
        },
    )
    return locked


def refuse(actor: User | None, request: InfoRequest, reason: str) -> InfoRequest:
    """A moderator refuses, with a reason that is published."""
    moderator = require_moderator(actor)
    text = (reason or "").strip()
    if len(text) < REASON_MIN:
        raise ValidationFailed(
            {
                "reason": _(
                    "Give the reason for refusing, in at least %(num)s characters; it is published",
                    num=REASON_MIN,
                )
            }
        )
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            {
                "reason": _(
                    "The reason must be %(num)s characters or fewer",
                    num=format_number(REASON_MAX),
                )
            }
        )
    locked = _locked_open(request, "refuse")
    locked.refusal_reason = text
    on = _responded(locked, moderator, RequestStatus.REFUSED)
    audit.record(
        moderator,
        "info_request:refuse",
        locked,
        {
            "reference": locked.reference,
            "reason": logged_text(text),
            "on": on.isoformat(),
            "due": locked.due_on.isoformat(),
        },
    )
    return locked


def record_overdue(on: date | None = None) -> list[str]:
    """Log, once each, the requests that have passed their due date unanswered (cron).

    `overdue_recorded_at` is set in the same transaction as the entry, after the rows are
    locked and checked again, so two ticks never log the same request twice and an answer
    that lands meanwhile is not reported overdue. Run in a transaction of its own.
    """
    day = on or today()
    due = db.session.scalars(
        select(InfoRequest.id).where(
            InfoRequest.status == RequestStatus.RECEIVED,
            InfoRequest.due_on < day,
            InfoRequest.overdue_recorded_at.is_(None),
        )
    ).all()
    done = []
    for request in lock_rows(InfoRequest, list(due)):
        if not request.is_overdue(day) or request.overdue_recorded_at is not None:
            continue
        request.overdue_recorded_at = utcnow()
        db.session.flush()
        audit.record(
            None,
            "info_request:overdue",
            request,
            {"reference": request.reference, "due": request.due_on.isoformat()},
        )
        done.append(f"Information request {request.reference} is overdue.")
    return done


# --- reading ----------------------------------------------------------------------------


def filtered(status: ShownStatus | None, on: date | None = None) -> Select[tuple[InfoRequest]]:
    """Requests in one shown status (overdue included), newest first."""
    day = on or today()
    stmt = select(InfoRequest).order_by(InfoRequest.received_on.desc(), InfoRequest.id.desc())
    if status is ShownStatus.OVERDUE:
        stmt = (
            stmt.where(InfoRequest.status == RequestStatus.RECEIVED, InfoRequest.due_on < day)
            .order_by(None)
            .order_by(InfoRequest.due_on, InfoRequest.id)
        )
    elif status is ShownStatus.RECEIVED:
        stmt = stmt.where(InfoRequest.status == RequestStatus.RECEIVED, InfoRequest.due_on >= day)
    elif status is not None:
        stmt = stmt.where(InfoRequest.status == RequestStatus(status.value))
    return stmt


def about(subject: Contract | Provider | Proposal) -> list[InfoRequest]:
    if isinstance(subject, Contract):
        where = InfoRequest.contract_id == subject.id
    elif isinstance(subject, Provider):
        where = InfoRequest.provider_id == subject.id
    else:
        where = InfoRequest.proposal_id == subject.id
    return list(
        db.session.scalars(
            select(InfoRequest)
            .where(where)
            .order_by(InfoRequest.received_on.desc(), InfoRequest.id.desc())
        )
    )


@dataclass(frozen=True)
class Timeliness:
    """Requests answered by their due date, of those answered, refused or overdue."""

    in_time: int
    counted: int


def timeliness(on: date | None = None) -> Timeliness:
    """Counted: every request that has been answered or refused, or whose due date has
    passed unanswered. In time: answered on or before the due date. A refusal counts as
    not answered: the person did not get the information."""
    day = on or today()
    counted = db.session.scalar(
        select(func.count(InfoRequest.id)).where(
            or_(InfoRequest.status != RequestStatus.RECEIVED, InfoRequest.due_on < day)
        )
    )
    in_time = db.session.scalar(
        select(func.count(InfoRequest.id)).where(
            InfoRequest.status == RequestStatus.ANSWERED,
            InfoRequest.responded_on <= InfoRequest.due_on,
        )
    )
    return Timeliness(int(in_time or 0), int(counted or 0))
