"""A member's contest of the paper vote or ballot an officer entered for them in a group's
motion or election: the group kind of `civic.contests.flow`, so it waits in the one
moderators' queue and is decided by the one form, under the rules every paper entry shares.

Only moderators decide, never the group's organisers: an organiser may be a candidate, or
on one side of the motion. Removing takes the motion's or election's row lock, the one its
online casts and its close take, and checks after it that voting is still open (DESIGN
§4a). The decision is logged under the group, as every decision about a group's motions
and elections is, with the paper number and the outcome, never the choice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from civic.accounts.models import User
from civic.contests import flow
from civic.contests.states import ContestState
from civic.extensions import db
from civic.groups.paper import (
    Subject,
    _key,
    _lock,
    _table,
    get_subject,
    kind_of,
    label,
    paper_entry,
    still_open,
    title,
)
from civic.groups.paper_models import GroupPaperContest
from civic.i18n import _
from civic.paper import contests as paper_contests
from civic.receipts import codes as receipts


class GroupPaperContests(paper_contests.PaperEntryContests):
    """Paper votes on motions and paper ballots in elections and recalls: the motion or
    election is the subject. The log's words, the refusals and what the queue shows of
    the entry are those of a public vote's paper."""

    key = "group_paper"
    model = GroupPaperContest

    def entry_for(self, subject: Subject, user: User) -> Any:
        return paper_entry(subject, user)

    def mine(self, subject: Subject, user: User) -> tuple[Any, ...]:
        return (
            GroupPaperContest.kind == kind_of(subject),
            GroupPaperContest.subject_id == subject.id,
            GroupPaperContest.voter_key == _key(subject, user.id),
        )

    def new_contest(self, subject: Subject, entry: Any, user: User) -> GroupPaperContest:
        return GroupPaperContest(
            group_id=subject.group_id,
            kind=kind_of(subject),
            subject_id=subject.id,
            cast_id=entry.id,
            paper_number=entry.paper_number,
            entered_by_id=entry.entered_by_id,
            voter_key=entry.voter_key,
        )

    def subject_of(self, row: GroupPaperContest) -> Subject:
        return contest_subject(row)

    def lock(self, subject: Subject) -> Subject:
        return _lock(subject)

    def is_final(self, subject: Subject) -> bool:
        return not still_open(subject)

    def remove(self, row: GroupPaperContest, subject: Subject) -> None:
        if row.cast_id is not None:
            table = _table(subject)
            cast = db.session.get(table, row.cast_id)
            if cast is not None:
                receipts.retire(subject.audit_subject, cast.receipt, receipts.VOIDED)
                db.session.execute(delete(table).where(table.id == row.cast_id))
        row.cast_id = None

    def logged(
        self, row: GroupPaperContest, subject: Subject, state: ContestState
    ) -> tuple[Any, dict[str, Any]]:
        return subject.group, {
            kind_of(subject).value: subject.id,
            "contest": row.id,
            "paper": label(subject, row.paper_number),
            "outcome": state.value,
        }

    def heading(self, row: GroupPaperContest) -> str:
        subject = contest_subject(row)
        return f"{subject.group.name}: {title(subject)}: " + _(
            "paper %(label)s", label=label(subject, row.paper_number)
        )


GROUP_PAPERS = flow.register(GroupPaperContests())


def contest_subject(row: GroupPaperContest) -> Subject:
    return get_subject(row.group, row.kind.value, row.subject_id)


def contests_of(subject: Subject, user: User | None) -> list[GroupPaperContest]:
    """The member's own contests of papers here, newest first (found by voter key)."""
    return flow.contests_of(GROUP_PAPERS, subject, user)


def contest(actor: User | None, subject: Subject, reason: str) -> GroupPaperContest:
    """The member says the paper entered for them is wrong, or not theirs."""
    return flow.contest(GROUP_PAPERS, actor, subject, reason)
