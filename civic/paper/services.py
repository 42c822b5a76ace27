"""Paper votes and consultation responses entered by officers (their contests are in
`civic.paper.contests`).

The one-person-one-cast rule is the online one: a paper vote is a `VoteCast` row under the
resident's own voter key (`ballot_box.voter_key`), a paper response a `Response` row under
their account, so the existing unique constraints refuse a paper cast after an online one
and the online services refuse an online cast over a paper one. Every entry takes the
subject's row lock first and checks the state after it (DESIGN §4a), as online casts do,
so a close counts it or refuses it. Each printed paper has a number, unique per subject by
a database constraint, so the same paper cannot be entered twice.

Logging (DESIGN §4): the vote or response itself is the private act it is online (the
resident's scoped pseudonym, in shuffled batches); the officer's entry (`paper:enter`) is
a named act giving the paper number only, never the choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic import audit, ballot_box
from civic.accounts import paper_residents
from civic.accounts.codes import normalise
from civic.accounts.models import EligibilityCode, User, utcnow
from civic.accounts.services import find_user_by_email
from civic.budgets.models import Ballot, BudgetRound
from civic.constituencies import services as constituencies
from civic.consultations import services as consultations
from civic.consultations.models import Audience, Consultation, Response
from civic.errors import Conflict, NotFound, ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.notifications import feed
from civic.notifications.kinds import Kind
from civic.paper.models import PaperKind
from civic.params import parse_int
from civic.permissions import require_moderator
from civic.privacy import publishable
from civic.receipts import codes as receipts
from civic.votes import services as votes
from civic.votes.models import Proposal, VoteCast
from civic.web import path_for

MAX_PRINT = 500  # papers per printing: one print run of a desk's stack
MAX_CHECK = 200

Subject = Proposal | Consultation | BudgetRound
LETTERS = {PaperKind.VOTE: "V", PaperKind.RESPONSE: "C", PaperKind.BALLOT: "B"}


def kind_of(subject: Subject) -> PaperKind:
    if isinstance(subject, BudgetRound):
        return PaperKind.BALLOT
    return PaperKind.VOTE if isinstance(subject, Proposal) else PaperKind.RESPONSE


def get_subject(kind: str, subject_id: int) -> Subject:
    """The proposal or consultation a paper URL names (404 for anything else)."""
    if kind == PaperKind.VOTE.value:
        return votes.get_proposal(subject_id)
    if kind == PaperKind.RESPONSE.value:
        return consultations.get_consultation(subject_id)
    raise NotFound(_("There are no paper forms of that kind."))


def _key(subject: Subject, user: User) -> str:
    """The resident's key for the subject: the vote's own voter key (so a contest names no
    account), and the same construction for a consultation."""
    return ballot_box.voter_key(f"{kind_of(subject).value}:{subject.id}", user.id)


def paper_label(subject: Subject, number: int) -> str:
    """The number as printed on the paper: V for a vote, C for a consultation form, B for
    a budget round's ballot paper."""
    return f"{LETTERS[kind_of(subject)]}{subject.id}-{number:04d}"


# --- printing -----------------------------------------------------------------------------


def issue_papers(actor: User | None, subject: Subject, count: Any) -> tuple[int, int]:
    """Reserve `count` new paper numbers for printing; returns (first, last). Each printing
    gets numbers never printed before, so two stacks never share a number."""
    officer = _require_printer(actor, subject)
    wanted = print_count(count)
    locked = _lock(subject)
    first = locked.papers_issued + 1
    locked.papers_issued = locked.papers_issued + wanted
    last = locked.papers_issued
    audit.record(officer, "paper:print", locked, {"first": first, "last": last})
    db.session.flush()
    return first, last


def print_count(count: Any) -> int:
    """How many papers a printing asks for, as typed (one desk's stack at most); also
    used by the group papers (civic.groups.paper)."""
    try:
        wanted = int(str(count).strip())
    except ValueError:
        wanted = 0
    if not 1 <= wanted <= MAX_PRINT:
        raise ValidationFailed(
            {"count": _("Enter how many papers to print, from 1 to %(most)s", most=MAX_PRINT)}
        )
    return wanted


def _require_printer(actor: User | None, subject: Subject) -> User:
    """Moderators print papers; a budget round's papers also its group's organisers, who
    enter its paper ballots (`civic.budgets.services.can_manage`)."""
    if isinstance(subject, BudgetRound):
        from civic.budgets import services as budgets  # it imports this module

        return budgets.require_manager(actor, subject)
    return require_moderator(actor)


def printable_range(subject: Subject, first: Any, last: Any) -> range:
    """The paper numbers a print page shows: only numbers already issued."""
    start, end = parse_int(first, minimum=1), parse_int(last, minimum=1)  # ASCII digits only
    if start is None or end is None:
        raise NotFound(_("Print papers first: those numbers were not issued."))
    if not start <= end <= subject.papers_issued or end - start >= MAX_PRINT:
        raise NotFound(_("Print papers first: those numbers were not issued."))
    return range(start, end + 1)


# --- entering -------------------------------------------------------------------------


@dataclass
class Identified:
    user: User | None  # None until `resident_for` opens a paper-only account for `code`
    check: str  # how the officer identified the resident, kept with the entry
    code: EligibilityCode | None = None  # an unused letter code: a new resident
    new: bool = False  # the entry made a paper-only account (the confirmation says so)


def identify(code: str, email: str, check: str, *, check_required: bool = True) -> Identified:
    """The resident a paper is entered for: by their letter code (used or not: a resident
    without an account has only the letter), or by their account's email and the check
    the officer made (`check_required=False` where the entry keeps no check: budgets)."""
    code, email, check = (code or "").strip(), (email or "").strip(), (check or "").strip()
    if code:
        row = paper_residents.find_code(code)
        label = _("letter code ending %(end)s", end=normalise(code)[-4:])
        if row.redeemed_by_id is None:
            paper_residents.usable_at_desk(row)
            return Identified(None, label, code=row, new=True)
        user = db.session.get(User, row.redeemed_by_id)
        if user is None or not user.active:
            raise ValidationFailed(
                {"code": _("The account this letter code was used for is closed")}
            )
        return Identified(user, label)
    errors = {}
    user = find_user_by_email(email) if email else None
    if not email:
        errors["email"] = _("Enter the resident's letter code, or their email address")
    elif user is None or user.paper_only:
        errors["email"] = _("No resident's account uses this email address")
    if check_required and not check:
        errors["check"] = _("Say how you checked who the resident is (kept with the entry)")
    elif len(check) > MAX_CHECK:
        errors["check"] = _("Keep it to %(most)s characters", most=MAX_CHECK)
    if errors:
        raise ValidationFailed(errors)
    return Identified(user, check)


def _code_admits(row: EligibilityCode, subject: Any) -> bool:
    """Whether the account an unused code would open may take part in `subject`: what
    `may_take_part` (or `can_respond`) will say once the code's grant is made."""
    if isinstance(subject, Consultation) and subject.audience is Audience.SIGNED_IN:
        return True
    batch = row.batch
    classes = constituencies.linked(subject)
    if not classes:
        return batch.constituency_id is None and batch.area_id == subject.area_id
    return batch.constituency_id in {c.id for c in classes}


def resident_for(officer: User, who: Identified, subject: Any) -> User:
    """The account a paper entry in `subject` goes under. An unused code opens a paper-only
    account (moderators only: it makes an account), after checking that its letter is
    for the people `subject` is open to, so a refused entry opens nothing."""
    if who.user is not None:
        return who.user
    if not officer.is_moderator:
        raise ValidationFailed(
            {
                "code": _(
                    "This letter code has not been used yet. Only a moderator can enter a "
                    "paper for a resident who has no account; ask one, or help the resident "
                    "register with the code first."
                )
            }
        )
    if not _code_admits(who.code, subject):
        raise ValidationFailed(
            {"code": _("This letter code is for people who cannot take part in this")}
        )
    who.user = paper_residents.open_for_code(officer, who.code)
    who.new = who.user.paper_only
    return who.user


def name_of(user: User) -> str:
    """How an officer's messages name the resident: a paper-only account has no name."""
    return _("the resident with this letter code") if user.paper_only else user.display_name


def _mark(entry: Any, who: Identified) -> Any:
    """What the desk's confirmation says about the resident (not stored)."""
    entry.new_resident = who.new
    entry.paper_only_resident = who.user.paper_only
    return entry


def _paper_number(subject: Any, raw: Any, label: Callable[[Any, int], str] = paper_label) -> int:
    """The number typed from the paper: plain ("42") or as printed ("V3-0042"). `label` is
    how the subject's papers are labelled (the group papers have their own letters)."""
    text = str(raw or "").strip().upper()
    if "-" in text:
        prefix, _dash, text = text.rpartition("-")
        if prefix and prefix != label(subject, 0).split("-")[0]:
            raise ValidationFailed(
                {
                    "paper_number": _("This ballot paper belongs to another vote or round")
                    if isinstance(subject, BudgetRound)
                    else _("This paper belongs to another vote or consultation")
                }
            )
    number = parse_int(text, minimum=1, maximum=subject.papers_issued)
    if number is None:  # ASCII digits only: "²" is a digit to Python, not to int()
        raise ValidationFailed(
            {
                "paper_number": _(
                    "Enter the number printed on the paper (papers 1 to %(last)s were printed)",
                    last=subject.papers_issued,
                )
            }
        )
    return number


def _lock(subject: Subject) -> Subject:
    # the same lock, and the same re-read, as the subject's online casts and its close
    if isinstance(subject, BudgetRound):
        from civic.budgets import services as budgets  # it imports this module

        return budgets._locked(subject)
    return (
        votes._locked(subject) if isinstance(subject, Proposal) else consultations._locked(subject)
    )


def _number_taken(subject: Subject, number: int) -> bool:
    if isinstance(subject, BudgetRound):
        where = (Ballot.round_id == subject.id, Ballot.paper_number == number)
        return db.session.scalar(select(func.count()).select_from(Ballot).where(*where)) > 0
    if isinstance(subject, Proposal):
        where = (VoteCast.proposal_id == subject.id, VoteCast.paper_number == number)
        return db.session.scalar(select(func.count()).select_from(VoteCast).where(*where)) > 0
    where = (Response.consultation_id == subject.id, Response.paper_number == number)
    return db.session.scalar(select(func.count()).select_from(Response).where(*where)) > 0


class DuplicatePaper(Conflict):
    """The paper's number was entered before: the same paper is never entered twice."""


def _duplicate(subject: Subject, number: int) -> Conflict:
    return DuplicatePaper(
        _(
            "Paper %(label)s was already entered; the same paper cannot be entered twice.",
            label=paper_label(subject, number),
        )
    )


def _collect(*steps: Any) -> list[Any]:
    """Run each step, gathering every field's error, so the form shows them all at once."""
    errors: dict[str, str] = {}
    results = []
    for step in steps:
        try:
            results.append(step())
        except ValidationFailed as failure:
            errors.update(failure.errors)
            results.append(None)
    if errors:
        raise ValidationFailed(errors)
    return results


def enter_vote(
    actor: User | None,
    proposal: Proposal,
    *,
    choice: str,
    paper_number: Any,
    code: str = "",
    email: str = "",
    check: str = "",
) -> VoteCast:
    """An officer enters a paper vote for a resident."""
    officer = require_moderator(actor)

    def chosen() -> str:
        if choice not in ("for", "against"):
            raise ValidationFailed({"choice": _("Choose what the paper says: for or against")})
        return choice

    who, number, _choice = _collect(
        lambda: identify(code, email, check), lambda: _paper_number(proposal, paper_number), chosen
    )
    field = "code" if code.strip() else "email"
    resident_for(officer, who, proposal)
    if not constituencies.may_take_part(who.user, proposal):
        raise ValidationFailed(
            {field: _("%(name)s cannot vote on this proposal", name=name_of(who.user))}
        )
    proposal = _lock(proposal)
    if not votes.voting_open(proposal):
        raise votes._too_late(proposal)
    if _number_taken(proposal, number):
        raise _duplicate(proposal, number)
    key = _key(proposal, who.user)
    existing = db.session.scalar(
        select(VoteCast.paper).where(VoteCast.proposal_id == proposal.id, VoteCast.voter_key == key)
    )
    if existing is not None:
        raise _already(who.user, existing, PaperKind.VOTE)
    receipt = receipts.new_code(proposal.audit_subject, {"choice": choice})
    values = {
        "proposal_id": proposal.id,
        "voter_key": key,
        "choice": choice,
        "receipt": receipt,
        "updated_at": utcnow(),
        "paper": True,
        "paper_number": number,
        "entered_by_id": officer.id,
        "paper_check": who.check,
    }
    try:  # the constraints decide; the checks above only word the refusal
        with db.session.begin_nested():
            cast_id = ballot_box.insert_or_nothing(
                VoteCast.__table__, ("proposal_id", "voter_key"), values
            )
    except IntegrityError:
        raise _duplicate(proposal, number) from None
    if cast_id is None:
        raise _already(who.user, False, PaperKind.VOTE)
    constituencies.record_classes(proposal, cast_id, who.user)
    # the vote as online: a private act under the resident's pseudonym for this proposal
    audit.record(who.user, "proposal:vote_cast", proposal)
    audit.record(officer, "paper:enter", proposal, {"paper": paper_label(proposal, number)})
    tell_entered(who.user, proposal, number)
    return _mark(db.session.get(VoteCast, cast_id), who)


def enter_response(
    actor: User | None,
    consultation: Consultation,
    raw: dict[int, Any],
    *,
    paper_number: Any,
    code: str = "",
    email: str = "",
    check: str = "",
) -> Response:
    """An officer enters a paper consultation form for a resident (submitted at once)."""
    officer = require_moderator(actor)
    who, number, parsed = _collect(
        lambda: identify(code, email, check),
        lambda: _paper_number(consultation, paper_number),
        lambda: consultations.parse_answers(consultation, raw, complete=True),
    )
    field = "code" if code.strip() else "email"
    resident_for(officer, who, consultation)
    if not consultations.can_respond(who.user, consultation):
        raise ValidationFailed(
            {field: _("%(name)s cannot respond to this consultation", name=name_of(who.user))}
        )
    consultation = _lock(consultation)
    if not consultations.accepting(consultation):
        raise consultations._too_late(consultation)
    if _number_taken(consultation, number):
        raise _duplicate(consultation, number)
    existing = db.session.scalar(
        select(Response.paper).where(
            Response.consultation_id == consultation.id, Response.respondent_id == who.user.id
        )
    )
    if existing is not None:
        raise _already(who.user, existing, PaperKind.RESPONSE)
    now = utcnow()
    response = Response(
        consultation_id=consultation.id,
        respondent_id=who.user.id,
        submitted_at=now,
        updated_at=now,
        paper=True,
        paper_number=number,
        entered_by_id=officer.id,
        paper_check=who.check,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        raise _duplicate(consultation, number) from None
    constituencies.record_classes(consultation, response.id, who.user)
    consultations.write_answers(consultation, response.id, parsed)
    audit.record(who.user, "consultation:respond", consultation)
    audit.record(officer, "paper:enter", consultation, {"paper": paper_label(consultation, number)})
    tell_entered(who.user, consultation, number)
    db.session.flush()
    return _mark(response, who)


def _already(user: User, paper: bool, kind: PaperKind) -> Conflict:
    if paper:
        return Conflict(
            _(
                "A paper form was already entered for %(name)s here; nobody takes part twice.",
                name=name_of(user),
            )
        )
    if kind is PaperKind.VOTE:
        return Conflict(
            _(
                "%(name)s has already voted online, so a paper vote cannot be added; nobody "
                "votes both ways.",
                name=name_of(user),
            )
        )
    return Conflict(
        _(
            "%(name)s has already responded online, so a paper response cannot be added; "
            "nobody responds both ways.",
            name=name_of(user),
        )
    )


def tell_entered(user: User, subject: Subject, number: int) -> None:
    """Tell the resident a paper was entered for them, with where to see and contest it
    (a paper-only account is told too: it reads the message once taken over)."""
    kind = kind_of(subject)
    what = {
        PaperKind.VOTE: _("vote"),
        PaperKind.RESPONSE: _("consultation response"),
        PaperKind.BALLOT: _("budget ballot"),
    }[kind]
    if kind is PaperKind.BALLOT:  # a round's paper ballot shows on the resident's ballot page
        url = path_for("budgets.ballot", slug=subject.slug)
    else:
        url = path_for("paper.mine", kind=kind.value, subject_id=subject.id)
    feed.announce(
        Kind.PAPER,
        event=f"paper-{kind.value}:{subject.id}:{number}",
        title=_("A paper %(what)s was entered for you: %(title)s", what=what, title=subject.title)[
            :300
        ],
        url=url,
        text=_(
            "An officer entered paper %(label)s for you. If you did not fill it in, or it "
            "does not say what you meant, contest it.",
            label=paper_label(subject, number),
        ),
        to=[user.id],
    )


# --- counts -------------------------------------------------------------------------------


def split_counts(subject: Subject) -> dict[str, int] | None:
    """{"paper": n, "online": m} among the counted votes or submitted responses, once the
    subject is closed, and only when each figure is 0 or large enough not to single anyone
    out (the small-count rule of `civic.privacy`); else None."""
    if isinstance(subject, Proposal):
        if not votes.is_counted(subject):
            return None
        total = (subject.votes_for or 0) + (subject.votes_against or 0)
        paper = subject.paper_votes
        if paper is None:  # closed before paper votes were kept
            paper = db.session.scalar(
                select(func.count())
                .select_from(VoteCast)
                .where(VoteCast.proposal_id == subject.id, VoteCast.paper.is_(True))
            )
    else:
        if not consultations.is_closed(subject):
            return None
        rows = db.session.execute(
            select(Response.paper, func.count())
            .where(Response.consultation_id == subject.id, Response.submitted_at.is_not(None))
            .group_by(Response.paper)
        ).all()
        counts = {bool(p): n for p, n in rows}
        paper, total = counts.get(True, 0), sum(counts.values())
    online = total - paper
    if not all(n == 0 or publishable(n) for n in (paper, online)):
        return None
    return {"paper": paper, "online": online}


def paper_vote_count(proposal: Proposal) -> int:
    """Paper votes among the cast votes now: for the count at close."""
    return db.session.scalar(
        select(func.count())
        .select_from(VoteCast)
        .where(VoteCast.proposal_id == proposal.id, VoteCast.paper.is_(True))
    )
