"""What a resident sees of the paper vote or response an officer entered for them, and
their contest of it: the paper kind of `civic.contests.flow` (the rules every paper entry
shares). Kept apart from the entering code (`civic.paper.services`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from civic.accounts.models import User
from civic.constituencies import services as constituencies
from civic.consultations import services as consultations
from civic.consultations.models import Answer, AnswerChoice, Response
from civic.contests import flow
from civic.contests.states import ContestState
from civic.extensions import db
from civic.i18n import _
from civic.paper.models import PaperContest
from civic.paper.services import Subject, _key, _lock, get_subject, kind_of, paper_label
from civic.receipts import codes as receipts
from civic.votes import services as votes
from civic.votes.models import Proposal, VoteCast


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
    """The resident's own contests of papers here, newest first."""
    return flow.contests_of(PAPERS, subject, user)


def still_open(subject: Subject) -> bool:
    """Whether a paper can still be removed: the vote or consultation has not closed."""
    if isinstance(subject, Proposal):
        return votes.voting_open(subject)
    return consultations.accepting(subject)


class PaperEntryContests(flow.ContestKind):
    """What every kind of numbered paper entry (a public vote or response, a group's vote)
    shares: the contest row names its entry by `cast_id` and its officer by
    `entered_by_id`, a kept decision holds for that entry, the log's words are the same
    and refusals speak of "the paper"."""

    contest_action = "paper:contest"
    resolve_action = "paper:contest_resolve"
    entry_template = "paper/_contest_entry.html"  # who entered it, never what it says

    def contest_data(self, subject: Any, row: Any) -> dict[str, Any]:
        return {"kind": row.kind.value}

    def kept_decision(self, entry: Any, earlier: list[Any]) -> Any | None:
        return next(
            (c for c in earlier if c.state is ContestState.KEPT and c.cast_id == entry.id), None
        )

    def entered_by_id(self, row: Any) -> int | None:
        return row.entered_by_id

    def words(self, row: Any = None) -> dict[str, str]:
        return {
            "no_entry": _("No paper form was entered for you here."),
            "final": _(
                "This has closed and its count is final, so the paper can no longer be "
                "removed. Write to the council if you think it was entered wrongly."
            ),
            "final_remove": _("This has closed and its count is final; the paper stays counted."),
            "already": _("You have already contested this paper; a moderator will decide."),
            "missing": _("Say what is wrong with the paper entered for you"),
            "kept": _(
                "A moderator decided that this paper stands. Write to the council if you "
                "still think it was entered wrongly."
            ),
        }


class PaperContests(PaperEntryContests):
    """Paper votes and consultation responses: the proposal or consultation is the
    subject, locked as its online casts and its close lock it."""

    key = "paper"
    model = PaperContest

    def entry_for(self, subject: Subject, user: User) -> VoteCast | Response | None:
        return paper_entry(subject, user)

    def mine(self, subject: Subject, user: User) -> tuple[Any, ...]:
        return (
            PaperContest.kind == kind_of(subject),
            PaperContest.subject_id == subject.id,
            PaperContest.voter_key == _key(subject, user),
        )

    def new_contest(self, subject: Subject, entry: Any, user: User) -> PaperContest:
        return PaperContest(
            kind=kind_of(subject),
            subject_id=subject.id,
            cast_id=entry.id,
            paper_number=entry.paper_number,
            entered_by_id=entry.entered_by_id,
            voter_key=_key(subject, user),
        )

    def subject_of(self, row: PaperContest) -> Subject:
        return contest_subject(row)

    def lock(self, subject: Subject) -> Subject:
        return _lock(subject)

    def is_final(self, subject: Subject) -> bool:
        return not still_open(subject)

    def remove(self, row: PaperContest, subject: Subject) -> None:
        _remove(subject, row.cast_id)
        row.cast_id = None

    def logged(
        self, row: PaperContest, subject: Subject, state: ContestState
    ) -> tuple[Any, dict[str, Any]]:
        paper = paper_label(subject, row.paper_number)
        return subject, {"contest": row.id, "paper": paper, "outcome": state.value}

    def heading(self, row: PaperContest) -> str:
        subject = contest_subject(row)
        return f"{subject.title}: " + _(
            "paper %(label)s", label=paper_label(subject, row.paper_number)
        )


PAPERS = flow.register(PaperContests())


def contest(actor: User | None, subject: Subject, reason: str) -> PaperContest:
    """The resident says the paper entered for them is wrong, or not theirs."""
    return flow.contest(PAPERS, actor, subject, reason)


def contest_subject(row: PaperContest) -> Subject:
    return get_subject(row.kind.value, row.subject_id)


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
