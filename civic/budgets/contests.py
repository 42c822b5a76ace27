"""Paper ballots a resident can see and contest, and moderators resolve.

An officer (a moderator, or a group's organiser) enters a paper ballot for a resident at an
in-person event. It uses the resident's own voter key, so it counts once and the resident
cannot also vote online. Because someone else typed it, the resident is shown it (on their
ballot page: when, by whom, what it says) and can contest it with a reason. A moderator
other than the officer who entered it decides: *upheld* (the ballot stands) or *voided*
(the ballot is removed, so the resident can vote again online, or an officer can enter a
corrected paper ballot while voting is open).

Both acts are logged. The contest is signed by a pseudonym scoped to the contest itself,
so it cannot be joined to the resident's comments or other acts; the resolution is signed
by the moderator's public pseudonym and holds the outcome only, never the ballot's contents.
Results are not computed while a contest in the round is open (`services.open_contest_count`).
"""

from __future__ import annotations

from sqlalchemy import select

from civic import audit
from civic.accounts.models import User, utcnow
from civic.budgets.models import (
    Ballot,
    BallotContest,
    BudgetRound,
    ContestState,
    RoundResult,
)
from civic.budgets.services import count_ballots, voter_key
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_day, format_number
from civic.permissions import require_moderator, require_signed_in
from civic.receipts import codes as receipts

MAX_TEXT = 1000
OUTCOMES = {"upheld": ContestState.UPHELD, "voided": ContestState.VOIDED}


def paper_ballot_for(round_: BudgetRound, user: User | None) -> Ballot | None:
    """The paper ballot an officer entered for `user` in this round, if any."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Ballot).where(
            Ballot.round_id == round_.id,
            Ballot.voter_key == voter_key(round_, user),
            Ballot.paper.is_(True),
        )
    )


def contests_of(round_: BudgetRound, user: User | None) -> list[BallotContest]:
    """The resident's own contests in this round, newest first (found by voter key)."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(BallotContest)
            .where(
                BallotContest.round_id == round_.id,
                BallotContest.voter_key == voter_key(round_, user),
            )
            .order_by(BallotContest.id.desc())
        )
    )


def results_frozen(round_: BudgetRound) -> bool:
    return db.session.get(RoundResult, round_.id) is not None


def require_contestant(actor: User | None, round_: BudgetRound) -> tuple[User, Ballot]:
    """Only the resident a paper ballot was entered for may contest it; views call this
    before reading the form."""
    user = require_signed_in(actor)
    ballot = paper_ballot_for(round_, user)
    if ballot is None:
        raise NotFound(_("No paper ballot was entered for you in this round."))
    return user, ballot


def _open_contest(round_: BudgetRound, key: str) -> BallotContest | None:
    return db.session.scalar(
        select(BallotContest).where(
            BallotContest.round_id == round_.id,
            BallotContest.voter_key == key,
            BallotContest.state == ContestState.OPEN,
        )
    )


def _upheld_since_entered(ballot: Ballot) -> BallotContest | None:
    """A decision that this ballot, as it now reads, stands (a re-entered ballot may be
    contested afresh)."""
    return db.session.scalar(
        select(BallotContest)
        .join(Ballot, Ballot.id == BallotContest.ballot_id)  # the stored time, not a cached one
        .where(
            BallotContest.ballot_id == ballot.id,
            BallotContest.state == ContestState.UPHELD,
            BallotContest.resolved_at >= Ballot.updated_at,
        )
        .limit(1)
    )


def _text(value: str, field: str, missing: str) -> str:
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


def contest_paper_ballot(actor: User | None, round_: BudgetRound, reason: str) -> BallotContest:
    """The resident says the paper ballot entered for them is wrong (or not theirs)."""
    user, ballot = require_contestant(actor, round_)
    if results_frozen(round_):
        raise Conflict(
            _(
                "The results of this round are computed and frozen, so the ballot can no "
                "longer be changed. Write to the council if you think it was entered wrongly."
            )
        )
    if _open_contest(round_, ballot.voter_key) is not None:
        raise Conflict(_("You have already contested this ballot; a moderator will decide."))
    if (upheld := _upheld_since_entered(ballot)) is not None:
        # otherwise each new contest would hold the round's results back again
        raise Conflict(
            _(
                "A moderator decided on %(day)s that this ballot stands. "
                "Write to the council if you still think it was entered wrongly.",
                day=format_day(upheld.resolved_at),
            )
        )
    text = _text(reason, "reason", _("Say what is wrong with the ballot entered for you"))
    contest = BallotContest(
        round_id=round_.id,
        ballot_id=ballot.id,
        voter_key=ballot.voter_key,
        reason=text,
        state=ContestState.OPEN,
        created_at=utcnow(),
        response="",
    )
    db.session.add(contest)
    db.session.flush()
    # signed by a pseudonym scoped to this contest: not the resident's public one
    audit.record(user, "budget_ballot:contest", contest, {"round": round_.slug}, private=True)
    return contest


def contest_queue(actor: User | None) -> list[BallotContest]:
    """Open contests, oldest first, for moderators."""
    require_moderator(actor)
    return list(
        db.session.scalars(
            select(BallotContest)
            .where(BallotContest.state == ContestState.OPEN)
            .order_by(BallotContest.created_at, BallotContest.id)
        )
    )


def recently_resolved(actor: User | None, limit: int = 20) -> list[BallotContest]:
    require_moderator(actor)
    return list(
        db.session.scalars(
            select(BallotContest)
            .where(BallotContest.state != ContestState.OPEN)
            .order_by(BallotContest.resolved_at.desc(), BallotContest.id.desc())
            .limit(limit)
        )
    )


def get_contest(contest_id: int) -> BallotContest:
    contest = db.session.get(BallotContest, contest_id)
    if contest is None:
        raise NotFound(_("That contest does not exist."))
    return contest


def require_resolver(actor: User | None, contest: BallotContest) -> User:
    """A moderator, but not the officer who entered the contested ballot."""
    moderator = require_moderator(actor)
    if contest.ballot is not None and contest.ballot.entered_by_id == moderator.id:
        raise PermissionDenied(
            "You entered this paper ballot, so another moderator must decide the contest."
        )
    return moderator


def _lock_round(round_: BudgetRound) -> None:
    """Serialise with the move to results (which takes the same row lock on PostgreSQL;
    SQLite serialises writers anyway), so a ballot is never voided under frozen results."""
    db.session.execute(select(BudgetRound.id).where(BudgetRound.id == round_.id).with_for_update())


def resolve_contest(
    actor: User | None, contest: BallotContest, outcome: str, response: str
) -> None:
    """Uphold the ballot or void it; `response` is shown to the resident only."""
    moderator = require_resolver(actor, contest)
    if contest.state is not ContestState.OPEN:
        raise Conflict(f"This contest is already decided ({contest.state.label.lower()}).")
    state = OUTCOMES.get(outcome or "")
    errors = {}
    if state is None:
        errors["outcome"] = _("Choose whether the ballot stands or is voided")
    try:
        text = _text(response, "response", _("Tell the resident why; only they see it"))
    except ValidationFailed as failure:
        errors.update(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    round_ = contest.round
    if state is ContestState.VOIDED:
        _lock_round(round_)
        if results_frozen(round_):
            raise Conflict(_("The results are computed and frozen; the ballot cannot be voided."))
        if contest.ballot is not None:
            # its receipt now says "voided"; the log's resolution (outcome "voided") is
            # what takes the ballot out of the participation count
            receipts.retire(round_.audit_subject, contest.ballot.receipt, receipts.VOIDED)
            paper = contest.ballot.paper
            db.session.delete(contest.ballot)
            count_ballots(round_.id, -1, paper=paper)
        contest.ballot_id = None
    contest.state = state
    contest.response = text
    contest.resolver_id = moderator.id
    contest.resolved_at = utcnow()
    db.session.flush()
    # the contest itself waited in the private queue; it reaches the log before its answer
    audit.release_pending(contest)
    # the moderator acts in public; the entry names the outcome, never the ballot's contents
    audit.record(
        moderator,
        "budget_ballot:contest_resolve",
        contest,
        {"round": round_.slug, "outcome": state.value},
    )
