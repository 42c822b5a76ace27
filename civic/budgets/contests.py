"""Paper ballots a resident can see and contest, and moderators resolve.

An officer (a moderator, or a group's organiser) enters a paper ballot for a resident at an
in-person event. It uses the resident's own voter key, so it counts once and the resident
cannot also vote online. Because someone else typed it, the resident is shown it (on their
ballot page: when, by whom, what it says) and can contest it with a reason. The contest
follows the rules every paper entry shares (`civic.contests.flow`): a moderator other than
the officer who entered it keeps the ballot or removes it (the resident can then vote
again online, or an officer can enter a corrected paper ballot while voting is open).

The contest is signed by a pseudonym scoped to the contest itself, so it cannot be joined
to the resident's comments or other acts; the resolution is signed by the moderator's
public pseudonym and holds the outcome only, never the ballot's contents. Results are not
computed while a contest in the round is open (`services.open_contest_count`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from civic.accounts.models import User
from civic.budgets.models import Ballot, BallotContest, BudgetRound, ContestState, RoundResult
from civic.budgets.services import count_ballots, voter_key
from civic.contests import flow
from civic.extensions import db
from civic.i18n import _, format_day
from civic.receipts import codes as receipts


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
    return flow.contests_of(BALLOTS, round_, user)


def results_frozen(round_: BudgetRound) -> bool:
    """Whether the round's results are computed: its ballots can no longer change."""
    return db.session.get(RoundResult, round_.id) is not None


def _kept_since_entered(ballot: Ballot) -> BallotContest | None:
    """A decision that this ballot, as it now reads, stands (a re-entered ballot may be
    contested afresh)."""
    return db.session.scalar(
        select(BallotContest)
        .join(Ballot, Ballot.id == BallotContest.ballot_id)  # the stored time, not a cached one
        .where(
            BallotContest.ballot_id == ballot.id,
            BallotContest.state == ContestState.KEPT,
            BallotContest.resolved_at >= Ballot.updated_at,
        )
        .limit(1)
    )


def _moment(when: Any) -> str:
    return f"{format_day(when)} {when:%H:%M}"


class BallotContests(flow.ContestKind):
    """Budget ballots: the round is the subject; its row lock is the one the move to
    results takes, so a ballot is never removed under frozen results."""

    key = "budget_ballot"
    model = BallotContest
    contest_action = "budget_ballot:contest"
    resolve_action = "budget_ballot:contest_resolve"
    entry_template = "budgets/_contest_entry.html"

    def entry_for(self, subject: BudgetRound, user: User) -> Ballot | None:
        return paper_ballot_for(subject, user)

    def mine(self, subject: BudgetRound, user: User) -> tuple[Any, ...]:
        key = voter_key(subject, user)
        return (BallotContest.round_id == subject.id, BallotContest.voter_key == key)

    def new_contest(self, subject: BudgetRound, entry: Ballot, user: User) -> BallotContest:
        return BallotContest(round_id=subject.id, ballot_id=entry.id, voter_key=entry.voter_key)

    def contest_data(self, subject: BudgetRound, row: BallotContest) -> dict[str, Any]:
        return {"round": subject.slug}

    def kept_decision(self, entry: Ballot, earlier: list[BallotContest]) -> BallotContest | None:
        return _kept_since_entered(entry)

    def subject_of(self, row: BallotContest) -> BudgetRound:
        return row.round

    def lock(self, subject: BudgetRound) -> BudgetRound:
        db.session.execute(
            select(BudgetRound.id).where(BudgetRound.id == subject.id).with_for_update()
        )
        return subject

    def is_final(self, subject: BudgetRound) -> bool:
        return results_frozen(subject)

    def entered_by_id(self, row: BallotContest) -> int | None:
        return row.ballot.entered_by_id if row.ballot is not None else None

    def remove(self, row: BallotContest, subject: BudgetRound) -> None:
        if row.ballot is not None:
            # its receipt now says "voided"; the log's resolution (outcome "removed") is
            # what takes the ballot out of the participation count
            receipts.retire(subject.audit_subject, row.ballot.receipt, receipts.VOIDED)
            paper = row.ballot.paper
            db.session.delete(row.ballot)
            count_ballots(subject.id, -1, paper=paper)
        row.ballot_id = None

    def logged(
        self, row: BallotContest, subject: BudgetRound, state: ContestState
    ) -> tuple[Any, dict[str, Any]]:
        return row, {"round": subject.slug, "outcome": state.value}

    def heading(self, row: BallotContest) -> str:
        return _(
            "%(title)s: contest of %(moment)s",
            title=row.round.title,
            moment=_moment(row.created_at),
        )

    def words(self, row: Any = None) -> dict[str, str]:
        return {
            "no_entry": _("No paper ballot was entered for you in this round."),
            "final": _(
                "The results of this round are computed and frozen, so the ballot can no "
                "longer be changed. Write to the council if you think it was entered wrongly."
            ),
            "final_remove": _("The results are computed and frozen; the ballot cannot be removed."),
            "already": _("You have already contested this ballot; a moderator will decide."),
            "missing": _("Say what is wrong with the ballot entered for you"),
            "kept": _(
                "A moderator decided on %(day)s that this ballot stands. "
                "Write to the council if you still think it was entered wrongly.",
                day=format_day(row.resolved_at),
            )
            if row is not None
            else "",
        }


BALLOTS = flow.register(BallotContests())


def require_contestant(actor: User | None, round_: BudgetRound) -> tuple[User, Ballot]:
    """Only the resident a paper ballot was entered for may contest it; views call this
    before reading the form."""
    return flow.require_contestant(BALLOTS, actor, round_)


def contest_paper_ballot(actor: User | None, round_: BudgetRound, reason: str) -> BallotContest:
    """The resident says the paper ballot entered for them is wrong (or not theirs)."""
    return flow.contest(BALLOTS, actor, round_, reason)
