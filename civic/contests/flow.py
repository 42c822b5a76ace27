"""The rules every contest of a paper entry follows, whatever kind of entry it is.

A resident contests the entry an officer made for them (a private act under a pseudonym
scoped to the contest); one contest per entry is open at a time (a partial unique index,
so two at once leave one); an entry a moderator kept is not contested again until it is
entered afresh, or each new contest would hold the count back again. A moderator other
than the officer who entered it decides: remove the entry or keep it. Removing takes the
subject's row lock and checks after it that the count is not final (DESIGN §4a), the
same lock the close or the move to results takes; the contest row is re-read under that
lock, so two moderators deciding at once decide once. The decision is a named act holding
the outcome only, logged after the contest it answers.

Each kind of entry registers a `ContestKind` (`register`): where its contests are kept,
how its entry is found, locked and removed, and the words of its refusals.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import User, utcnow
from civic.clock import aware
from civic.contests.states import OUTCOMES, ContestState
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_number
from civic.permissions import require_moderator, require_signed_in

MAX_TEXT = 1000


class ContestKind(ABC):
    """One kind of paper entry a resident can contest. The "subject" is what the entry
    belongs to (a budget round, a proposal, a consultation); the "row" is a contest."""

    key: str  # in the moderators' URLs: /contests/<key>/<id>
    model: Any  # the contest table (id, state, reason, response, created_at, resolved_at…)
    contest_action: str  # the resident's contest: a private act
    resolve_action: str  # the moderator's decision: a named act
    entry_template: str  # what the queue shows of the entry (rows of a summary list)

    @abstractmethod
    def entry_for(self, subject: Any, user: User) -> Any | None:
        """The paper entry made for `user` in `subject`, if any."""

    @abstractmethod
    def mine(self, subject: Any, user: User) -> tuple[Any, ...]:
        """Where-clauses picking the resident's contests in `subject` (by their voter key
        there, never their account)."""

    @abstractmethod
    def new_contest(self, subject: Any, entry: Any, user: User) -> Any:
        """An unsaved contest row naming the entry (never the resident's account)."""

    @abstractmethod
    def contest_data(self, subject: Any, row: Any) -> dict[str, Any]: ...

    @abstractmethod
    def kept_decision(self, entry: Any, earlier: list[Any]) -> Any | None:
        """A decision that this entry, as it now reads, stands."""

    @abstractmethod
    def subject_of(self, row: Any) -> Any: ...

    @abstractmethod
    def lock(self, subject: Any) -> Any:
        """Take the subject's row lock (the one its close takes); the subject, re-read."""

    @abstractmethod
    def is_final(self, subject: Any) -> bool:
        """Whether the count is final, so no entry can be removed any more."""

    @abstractmethod
    def entered_by_id(self, row: Any) -> int | None: ...

    @abstractmethod
    def remove(self, row: Any, subject: Any) -> None:
        """Take the contested entry out, so the resident can take part again."""

    @abstractmethod
    def logged(self, row: Any, subject: Any, state: ContestState) -> tuple[Any, dict[str, Any]]:
        """The audit subject and data of the decision: the outcome, never the contents."""

    @abstractmethod
    def heading(self, row: Any) -> str:
        """How the queue names the contested entry (never who contested it)."""

    @abstractmethod
    def words(self, row: Any = None) -> dict[str, str]:
        """The kind's refusals: no_entry, final, final_remove, already, missing, kept."""


KINDS: dict[str, ContestKind] = {}


def register(kind: ContestKind) -> ContestKind:
    KINDS[kind.key] = kind
    return kind


def kind_of_row(row: Any) -> ContestKind:
    for kind in KINDS.values():
        if isinstance(row, kind.model):
            return kind
    raise TypeError(f"no contest kind keeps {type(row).__name__}")


def checked_text(value: str | None, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed({field: missing})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            {
                field: _(
                    "Keep it to %(most)s characters; yours has %(count)s",
                    most=format_number(MAX_TEXT),
                    count=format_number(len(text)),
                )
            }
        )
    return text


# --- the resident's side ------------------------------------------------------------------


def contests_of(kind: ContestKind, subject: Any, user: User | None) -> list[Any]:
    """The resident's own contests in `subject`, newest first."""
    if user is None or not user.is_authenticated:
        return []
    model = kind.model
    query = select(model).where(*kind.mine(subject, user)).order_by(model.id.desc())
    return list(db.session.scalars(query))


def require_contestant(kind: ContestKind, actor: User | None, subject: Any) -> tuple[User, Any]:
    """Only the resident an entry was made for may contest it; views call this before
    reading the form."""
    user = require_signed_in(actor)
    entry = kind.entry_for(subject, user)
    if entry is None:
        raise NotFound(kind.words()["no_entry"])
    return user, entry


def contest(kind: ContestKind, actor: User | None, subject: Any, reason: str) -> Any:
    """The resident says the paper entered for them is wrong, or not theirs."""
    user, entry = require_contestant(kind, actor, subject)
    words = kind.words()
    if kind.is_final(subject):
        raise Conflict(words["final"])
    earlier = contests_of(kind, subject, user)
    if any(row.state is ContestState.OPEN for row in earlier):
        raise Conflict(words["already"])
    if (kept := kind.kept_decision(entry, earlier)) is not None:
        raise Conflict(kind.words(kept)["kept"])
    row = kind.new_contest(subject, entry, user)
    row.reason = checked_text(reason, "reason", words["missing"])
    row.state = ContestState.OPEN
    row.created_at = utcnow()
    row.response = ""
    try:  # the partial unique index decides between two contests sent at once
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(words["already"]) from None
    # signed by a pseudonym scoped to this contest: not the resident's public one
    audit.record(user, kind.contest_action, row, kind.contest_data(subject, row), private=True)
    return row


# --- the moderators' side -----------------------------------------------------------------


def queue(actor: User | None) -> list[tuple[ContestKind, Any]]:
    """Every open contest of every kind, oldest first."""
    require_moderator(actor)
    found = [
        (kind, row)
        for kind in KINDS.values()
        for row in db.session.scalars(
            select(kind.model).where(kind.model.state == ContestState.OPEN)
        )
    ]
    return sorted(found, key=lambda pair: (aware(pair[1].created_at), pair[0].key, pair[1].id))


def recently_resolved(actor: User | None, limit: int = 20) -> list[tuple[ContestKind, Any]]:
    require_moderator(actor)
    found = [
        (kind, row)
        for kind in KINDS.values()
        for row in db.session.scalars(
            select(kind.model)
            .where(kind.model.state != ContestState.OPEN)
            .order_by(kind.model.resolved_at.desc(), kind.model.id.desc())
            .limit(limit)
        )
    ]
    found.sort(key=lambda pair: aware(pair[1].resolved_at), reverse=True)
    return found[:limit]


def get(key: str, contest_id: int) -> Any:
    kind = KINDS.get(key)
    row = db.session.get(kind.model, contest_id) if kind is not None else None
    if row is None:
        raise NotFound(_("That contest does not exist."))
    return row


def require_resolver(actor: User | None, row: Any) -> User:
    """A moderator, but not the officer who entered the contested paper."""
    moderator = require_moderator(actor)
    if kind_of_row(row).entered_by_id(row) == moderator.id:
        raise PermissionDenied(
            _("You entered this paper, so another moderator must decide the contest.")
        )
    return moderator


def resolve(actor: User | None, row: Any, outcome: str, response: str) -> ContestState:
    """Remove the paper entry (the resident may take part again while it is open) or keep
    it; `response` is shown to the resident only."""
    moderator = require_resolver(actor, row)
    kind = kind_of_row(row)
    if row.state is not ContestState.OPEN:
        raise Conflict(_("This contest is already decided."))
    errors = {}
    state = OUTCOMES.get(outcome or "")
    if state is None:
        errors["outcome"] = _("Choose whether to remove the paper entry or keep it")
    try:
        text = checked_text(response, "response", _("Tell the resident why; only they see it"))
    except ValidationFailed as failure:
        errors.update(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    subject = kind.lock(kind.subject_of(row))
    db.session.refresh(row, with_for_update=True)  # another moderator may have decided
    if row.state is not ContestState.OPEN:
        raise Conflict(_("This contest is already decided."))
    if state is ContestState.REMOVED:
        if kind.is_final(subject):
            raise Conflict(kind.words(row)["final_remove"])
        kind.remove(row, subject)
    row.state = state
    row.response = text
    row.resolver_id = moderator.id
    row.resolved_at = utcnow()
    db.session.flush()
    # the contest itself waited in the private queue; it reaches the log before its answer
    audit.release_pending(row)
    audit.record(moderator, kind.resolve_action, *kind.logged(row, subject, state))
    return state
