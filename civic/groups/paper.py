"""Paper votes on a group's motions and paper ballots in its elections and recalls, entered
by an organiser or a moderator at a desk or a meeting, for members who cannot use the site.

The rules are the online ones, by the same means. A paper vote is a `MotionVote` or an
`ElectionBallot` row under the member's own voter key for that ballot box, so the unique
constraint that keeps one vote per member refuses a paper vote after an online one and an
online vote after a paper one. Every entry takes the motion's or election's row lock
first and checks its state and the member's right to vote after it (DESIGN §4a), so the
close counts it or it is refused. Paper numbers come from printings (`issue`) and are
unique per motion or election by a database constraint, so one paper is entered once.

Reused from civic.paper: identifying the member (`identify`), reading the typed number
(`_paper_number`), the size of a printing (`print_count`), the printable range, the error
gathering. A member's contest of their paper follows the flow every paper entry shares
(`civic.groups.paper_contests`, a kind of `civic.contests.flow`), in its own table
(`GroupPaperContest`): the public one's subjects are proposals and consultations.

Logging (DESIGN §4): the vote is the private act it is online (`motion:vote_cast`,
`group_election:cast`, under the member's pseudonym scoped to the subject, batched); the
officer's entry (`paper:enter`) is a named act under the group, as every decision about a
group's motions and elections is, giving the paper number only, never the choice.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic import audit, ballot_box, privacy
from civic.accounts.models import Group, GroupMembership, User, utcnow
from civic.accounts.services import require_group_manager
from civic.clock import aware
from civic.errors import Conflict, NotFound, ValidationFailed
from civic.extensions import db
from civic.groups import elections, motions
from civic.groups.election_models import ElectionBallot, ElectionState, GroupElection
from civic.groups.models import Motion, MotionState, MotionVote
from civic.groups.paper_models import GroupPaperKind
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.notifications import feed
from civic.notifications.events import clipped
from civic.notifications.kinds import Kind
from civic.paper import services as paper
from civic.receipts import codes as receipts
from civic.web import path_for

Subject = Motion | GroupElection


def kind_of(subject: Subject) -> GroupPaperKind:
    return GroupPaperKind.MOTION if isinstance(subject, Motion) else GroupPaperKind.ELECTION


def get_subject(group: Group, kind: str, subject_id: int) -> Subject:
    """The motion or election of `group` a paper URL names (404 for anything else)."""
    if kind == GroupPaperKind.MOTION.value:
        return motions.get_motion(group, subject_id)
    if kind == GroupPaperKind.ELECTION.value:
        return elections.get_election(group, subject_id)
    raise NotFound(_("There are no paper forms of that kind."))


def label(subject: Subject, number: int) -> str:
    """The number as printed: M for a motion, E for an election, R for a recall."""
    letter = "M" if isinstance(subject, Motion) else "R" if subject.is_recall else "E"
    return f"{letter}{subject.id}-{number:04d}"


def title(subject: Subject) -> str:
    """How a motion, an election or a recall is named on its paper pages and in the queue."""
    if isinstance(subject, Motion):
        return subject.title
    if subject.is_recall:
        name = subject.target.display_name if subject.target else _("an organiser")
        return _("Recall vote on %(name)s", name=name)
    return _("Election of organisers of %(group)s", group=subject.group.name)


def _key(subject: Subject, user_id: int) -> str:
    """The member's key in the subject's ballot box: the one their online vote has."""
    scope = (
        motions.scope(subject) if isinstance(subject, Motion) else f"group_election:{subject.id}"
    )
    return ballot_box.voter_key(scope, user_id)


def _lock(subject: Subject) -> Subject:
    # the lock, and the re-read, of the subject's online casts and its close
    return motions._locked(subject) if isinstance(subject, Motion) else elections._locked(subject)


def require_officer(actor: User | None, group: Group) -> User:
    """Who enters and prints papers: the group's organisers and moderators, as for a group
    budget round's paper ballots."""
    return require_group_manager(actor, group)


def is_closed(subject: Subject) -> bool:
    if isinstance(subject, Motion):
        return subject.state is MotionState.CLOSED
    return subject.state in (ElectionState.CLOSED, ElectionState.LAPSED)


# --- printing -----------------------------------------------------------------------------


def issue(actor: User | None, subject: Subject, count: Any) -> tuple[int, int]:
    """Reserve `count` new paper numbers for printing; returns (first, last)."""
    officer = require_officer(actor, subject.group)
    wanted = paper.print_count(count)
    locked = _lock(subject)
    if is_closed(locked):
        raise Conflict(_("Voting has ended, so no more papers are printed."))
    if isinstance(locked, GroupElection) and elections.phase(locked) == elections.NOMINATIONS:
        raise Conflict(
            _(
                "Print the ballot papers once voting opens: until then members can still "
                "stand or withdraw, so the list of candidates may change."
            )
        )
    first = locked.papers_issued + 1
    locked.papers_issued = locked.papers_issued + wanted
    last = locked.papers_issued
    audit.record(
        officer,
        "paper:print",
        locked.group,
        {kind_of(locked).value: locked.id, "first": first, "last": last},
    )
    db.session.flush()
    return first, last


# --- entering -----------------------------------------------------------------------------


def _motion_choice(choice: str) -> str:
    if choice not in motions.CHOICES:
        raise ValidationFailed({"choice": _("Choose what the paper says: for, against or abstain")})
    return choice


def _election_choices(election: GroupElection, choices: list[str]) -> list[Any]:
    return elections._read_choices(election, choices)


def _refuse_late(subject: Subject) -> Conflict:
    if isinstance(subject, Motion):
        if subject.state is MotionState.DISCUSSION:
            return Conflict(_("Voting on this motion has not opened yet, so no paper was entered."))
        return Conflict(_("Voting on this motion has closed, so the paper was not entered."))
    return elections._too_late(subject)


def _open_now(subject: Subject) -> bool:
    """Under the subject's lock: whether a vote may be added now."""
    if isinstance(subject, Motion):
        return motions.voting_open(subject)
    now = utcnow()
    elections._open_if_due(subject, now)
    return subject.state is ElectionState.VOTING and now < aware(subject.voting_closes_at)


def _may_vote(subject: Subject, user: User) -> bool:
    """Under the lock: the online rule of who votes. A motion: the members when voting
    opened (its electors) who are members still. An election: a member now who joined
    before voting opened."""
    if isinstance(subject, Motion):
        return motions._still_member(subject.group, user) and motions._is_elector(
            subject, _key(subject, user.id)
        )
    mine = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == subject.group_id, GroupMembership.user_id == user.id
        )
    )
    return mine is not None and aware(mine.joined_at) <= aware(subject.voting_opens_at)


def _table(subject: Subject) -> Any:
    return MotionVote if isinstance(subject, Motion) else ElectionBallot


def _of(subject: Subject) -> Any:
    """The subject's column in its ballots' table."""
    row = _table(subject)
    return row.motion_id if isinstance(subject, Motion) else row.election_id


class DuplicatePaper(paper.DuplicatePaper):
    """The paper's number was entered before (shown by the paper number's field)."""


def _duplicate(subject: Subject, number: int) -> Conflict:
    return DuplicatePaper(
        _(
            "Paper %(label)s was already entered; the same paper cannot be entered twice.",
            label=label(subject, number),
        )
    )


def _already(user: User, was_paper: bool) -> Conflict:
    if was_paper:
        return Conflict(
            _(
                "A paper vote was already entered for %(name)s here; nobody votes twice.",
                name=user.display_name,
            )
        )
    return Conflict(
        _(
            "%(name)s has already voted online, so a paper vote cannot be added; nobody "
            "votes both ways.",
            name=user.display_name,
        )
    )


def enter(
    actor: User | None,
    subject: Subject,
    *,
    choices: list[str],
    paper_number: Any,
    code: str = "",
    email: str = "",
    check: str = "",
) -> MotionVote | ElectionBallot:
    """An organiser or moderator enters a member's paper vote (a motion: one of for,
    against, abstain) or ballot (an election: candidate ids; a recall: yes or no)."""
    group = subject.group
    officer = require_officer(actor, group)

    def read() -> Any:
        if isinstance(subject, Motion):
            return _motion_choice(choices[0] if choices else "")
        return _election_choices(subject, choices)

    who, number, picked = paper._collect(
        lambda: paper.identify(code, email, check),
        lambda: paper._paper_number(subject, paper_number, label),
        read,
    )
    field = "code" if code.strip() else "email"
    if who.user is None:  # an unused letter code: group members all have accounts
        raise ValidationFailed(
            {
                field: _(
                    "Nobody has registered with this letter code, so it belongs to no member "
                    "of the group. Find the member by the code they registered with or by email."
                )
            }
        )
    if who.user.id == officer.id:
        raise ValidationFailed(
            {field: _("You cannot enter your own vote: ask another organiser or a moderator.")}
        )
    subject = _lock(subject)  # everything after the lock, as online
    if not _open_now(subject):
        raise _refuse_late(subject)
    if not _may_vote(subject, who.user):
        raise ValidationFailed(
            {
                field: _(
                    "%(name)s cannot vote here: only members who belonged when voting opened, "
                    "and still do, vote.",
                    name=who.user.display_name,
                )
            }
        )
    table = _table(subject)
    taken = db.session.scalar(
        select(func.count())
        .select_from(table)
        .where(_of(subject) == subject.id, table.paper_number == number)
    )
    if taken:
        raise _duplicate(subject, number)
    key = _key(subject, who.user.id)
    earlier = db.session.scalar(
        select(table.paper).where(_of(subject) == subject.id, table.voter_key == key)
    )
    if earlier is not None:
        raise _already(who.user, earlier)
    values: dict[str, Any] = {
        "voter_key": key,
        "paper": True,
        "paper_number": number,
        "entered_by_id": officer.id,
        "paper_check": who.check,
    }
    if isinstance(subject, Motion):
        values |= {
            "motion_id": subject.id,
            "choice": picked,
            "receipt": receipts.new_code(subject.audit_subject, {"choice": picked}),
            "cast_at": utcnow(),
        }
        unique = ("motion_id", "voter_key")
    else:
        values |= {
            "election_id": subject.id,
            "choices": json.dumps(picked),
            "receipt": receipts.new_code(subject.audit_subject, {"choices": picked}),
        }
        unique = ("election_id", "voter_key")
    try:  # the constraints decide; the checks above only word the refusal
        with db.session.begin_nested():
            made = ballot_box.insert_or_nothing(table.__table__, unique, values)
    except IntegrityError:
        raise _duplicate(subject, number) from None
    if made is None:
        raise _already(who.user, False)
    # the vote as online: a private act under the member's pseudonym for this subject
    audit.record(
        who.user,
        "motion:vote_cast" if isinstance(subject, Motion) else "group_election:cast",
        subject,
    )
    audit.record(
        officer,
        "paper:enter",
        group,
        {kind_of(subject).value: subject.id, "paper": label(subject, number)},
    )
    _tell(who.user, subject, number)
    return db.session.get(table, made)


def _tell(user: User, subject: Subject, number: int) -> None:
    """The member hears of it in their own language (lazy strings, rendered per reader)."""
    kind = kind_of(subject)
    if isinstance(subject, Motion):
        title = _l("A paper vote was entered for you: %(title)s", title=subject.title)
    else:
        title = _l("A paper ballot was entered for you in %(group)s", group=subject.group.name)
    feed.announce(
        Kind.PAPER,
        event=f"group-paper-{kind.value}:{subject.id}:{number}",
        title=clipped(title),
        url=path_for(
            "group_paper.mine", slug=subject.group.slug, kind=kind.value, subject_id=subject.id
        ),
        text=_l(
            "An organiser or moderator entered paper %(label)s for you. If you did not fill it "
            "in, or it does not say what you meant, contest it.",
            label=label(subject, number),
        ),
        to=[user.id],
    )


# --- what the member sees (their contest: civic.groups.paper_contests) --------------------


def paper_entry(subject: Subject, user: User | None) -> MotionVote | ElectionBallot | None:
    """The paper vote or ballot entered for `user` in `subject`, if any."""
    if user is None or not user.is_authenticated:
        return None
    table = _table(subject)
    return db.session.scalar(
        select(table).where(
            _of(subject) == subject.id,
            table.voter_key == _key(subject, user.id),
            table.paper.is_(True),
        )
    )


def what_it_says(subject: Subject, entry: MotionVote | ElectionBallot) -> str:
    """The paper's choice in words, for the member's own page."""
    if isinstance(entry, MotionVote):
        return {"for": _("For"), "against": _("Against"), "abstain": _("Abstain")}[entry.choice]
    picked = json.loads(entry.choices)
    if subject.is_recall:
        return _("Yes, remove the organiser") if picked == ["yes"] else _("No, keep the organiser")
    names = {c.id: c.user.display_name for c in subject.candidates}
    return ", ".join(names.get(c, "?") for c in picked)


def still_open(subject: Subject) -> bool:
    """Whether a paper can still be entered or removed: voting has not ended."""
    if isinstance(subject, Motion):
        return motions.voting_open(subject)
    return elections.phase(subject) == elections.VOTING


# --- counts -------------------------------------------------------------------------------


def split_counts(subject: Subject) -> dict[str, int] | None:
    """{"paper": n, "online": m} among the counted votes, once counted, and only when each
    figure is 0 or large enough not to single anyone out (`civic.privacy`); else None."""
    if not isinstance(subject, Motion | GroupElection) or subject.state not in (
        MotionState.CLOSED,
        ElectionState.CLOSED,
    ):
        return None
    table = _table(subject)
    rows = db.session.execute(
        select(table.paper, func.count()).where(_of(subject) == subject.id).group_by(table.paper)
    ).all()
    counts = {bool(p): n for p, n in rows}
    split = {"paper": counts.get(True, 0), "online": counts.get(False, 0)}
    if not all(n == 0 or privacy.publishable(n) for n in split.values()):
        return None
    return split
