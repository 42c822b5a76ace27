"""Motions: a member proposes, the group discusses, the members vote, the rules decide,
an organiser records the minutes.

Life of a motion: DISCUSSION (for the rules' discussion days; a thread hangs off it) →
VOTING (opened by `civic tick` when the discussion ends, or early by an organiser with a
published reason) → CLOSED (by the tick at the end of the voting days, or early by an
organiser with a reason), then minutes.

The vote is a secret ballot (DESIGN §4): one row per member keyed by an HMAC voter key
scoped to the motion (`ballot_box.voter_key("group_motion:<id>", user)`), one each by the
unique index; the log records only that someone voted, under a pseudonym scoped to the
motion, in shuffled batches. Who may vote is fixed when voting opens (`MotionElector`:
the members then, by voter key), which is also the quorum's base; a member who has left
since cannot vote, checked under the motion's row lock. Opening, every cast and the close
take that lock first (DESIGN §4a), so the close counts every vote answered with success
and every later vote is refused with a 409.

Group votes are among a few people, so nothing about turnout or choices is shown until
the close; then the counts are published (a group's members are entitled to know how
their motion was decided), and the ballots by receipt only when enough were cast that no
one's choice can be picked out (`civic.privacy.publishable`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from civic import audit, ballot_box, privacy
from civic import markdown as md
from civic.accounts.models import Group, GroupMembership, GroupRole, User, utcnow
from civic.accounts.services import membership_of, require_group_manager
from civic.clock import aware, early_reason
from civic.database import lock_row, lock_rows
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.groups import rules as group_rules
from civic.groups import tally
from civic.groups.models import (
    MajorityRule,
    Motion,
    MotionElector,
    MotionOutcome,
    MotionState,
    MotionVote,
    Proposers,
    QuorumRule,
)
from civic.i18n import _, format_number
from civic.i18n import lazy_gettext as _l
from civic.notifications import feed
from civic.notifications.events import clipped
from civic.notifications.kinds import Kind
from civic.notifications.wording import Later
from civic.permissions import require_signed_in
from civic.receipts import codes as receipts
from civic.text import clean_text
from civic.votes import wording as vote_wording
from civic.web import path_for
from civic.wording import spoken

CHOICES = {"for": "For", "against": "Against", "abstain": "Abstain"}
TITLE_MAX, TEXT_MAX, MINUTES_MAX = 200, 10_000, 20_000


def scope(motion: Motion) -> str:
    """The ballot box of one motion: voter keys in it match no other vote's."""
    return f"group_motion:{motion.id}"


def get_motion(group: Group, motion_id: int) -> Motion:
    motion = db.session.get(Motion, motion_id)
    if motion is None or motion.group_id != group.id:
        raise NotFound(_("This group has no motion with that number."))
    return motion


def motions_of(group: Group) -> list[Motion]:
    return list(
        db.session.scalars(
            select(Motion).where(Motion.group_id == group.id).order_by(Motion.id.desc())
        )
    )


def can_propose(user: User | None, group: Group) -> bool:
    membership = membership_of(user, group)
    if membership is None:
        return False
    if group_rules.rules_of(group).proposers == Proposers.ORGANISERS.value:
        return membership.role is GroupRole.ORGANISER
    return True


def require_proposer(actor: User | None, group: Group) -> User:
    user = require_signed_in(actor)
    if membership_of(user, group) is None:
        raise PermissionDenied(
            _("Only members of %(group)s can propose motions.", group=group.name)
        )
    if not can_propose(user, group):
        raise PermissionDenied(
            _("The rules of %(group)s let only its organisers propose.", group=group.name)
        )
    return user


def propose(actor: User | None, group: Group, title: str, text: str) -> Motion:
    """A member's motion. It opens for discussion now and for voting after the rules'
    discussion days (at once when they are 0). The pages do not name the proposer: that
    would tell who belongs to the group, which members choose to show or not."""
    user = require_proposer(actor, group)
    title, text = clean_text(title), (text or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Enter the motion's title")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title must be %(num)s characters or fewer", num=TITLE_MAX)
    if not text:
        errors["text"] = _("Enter what the motion proposes")
    elif len(text) > TEXT_MAX:
        errors["text"] = _(
            "The motion must be %(num)s characters or fewer", num=format_number(TEXT_MAX)
        )
    if errors:
        raise ValidationFailed(errors)
    rules = group_rules.rules_of(group)
    now = utcnow()
    motion = Motion(
        group_id=group.id,
        title=title,
        text=text,
        proposed_by_id=user.id,
        state=MotionState.DISCUSSION,
        created_at=now,
        voting_planned=now + timedelta(days=rules.discussion_days),
    )
    db.session.add(motion)
    db.session.flush()
    audit.record(
        user,
        "motion:propose",
        group,
        {
            "motion": motion.id,
            "title": title,
            "text": audit.logged_text(text),
            "voting_from": motion.voting_planned.isoformat(),
        },
    )
    if rules.discussion_days == 0:
        _open(None, motion, now)
    return motion


def _locked(motion: Motion) -> Motion:
    locked = lock_row(Motion, motion.id)
    if locked is None:
        raise NotFound(_("This group has no motion with that number."))
    return locked


def open_voting(actor: User | None, motion: Motion, reason: str = "") -> None:
    """An organiser opens voting before the discussion's published end, with a reason
    that is published (on or after that date no reason is needed)."""
    manager = require_group_manager(actor, motion.group)
    motion = _locked(motion)
    if motion.state is not MotionState.DISCUSSION:
        raise Conflict(_("Voting on this motion has already opened."))
    now = utcnow()
    why = early_reason(reason, motion.voting_planned, now, doing="open the vote")
    _open(manager, motion, now, why)


def _open(actor: User | None, motion: Motion, now: datetime, why: str = "") -> None:
    """Snapshot the electorate and the rules, and start the voting days. The caller holds
    the motion's row lock (or has just made it)."""
    group = motion.group
    rules = group_rules.rules_of(group)
    members = list(
        db.session.scalars(
            select(GroupMembership.user_id).where(GroupMembership.group_id == group.id)
        )
    )
    db.session.add_all(
        MotionElector(motion_id=motion.id, voter_key=ballot_box.voter_key(scope(motion), uid))
        for uid in members
    )
    motion.state = MotionState.VOTING
    motion.voting_from = now
    motion.voting_until = now + timedelta(days=rules.voting_days)
    motion.quorum_rule = QuorumRule(rules.quorum_rule)
    motion.quorum_value = rules.quorum_value
    motion.majority_rule = MajorityRule(rules.majority_rule)
    motion.electorate = len(members)
    db.session.flush()
    audit.record(
        actor,
        "motion:open",
        group,
        {
            "motion": motion.id,
            "closes": motion.voting_until.isoformat(),
            "electorate": len(members),
            "quorum_rule": rules.quorum_rule,
            "quorum_value": rules.quorum_value,
            "majority_rule": rules.majority_rule,
            **({"early_reason": why} if why else {}),
        },
    )
    feed.announce(
        Kind.OPENED,
        event=f"motion-voting:{motion.id}",
        title=clipped(
            _l("Voting has opened: %(title)s (%(group)s)", title=motion.title, group=group.name)
        ),
        url=path_for("groups.motion", slug=group.slug, motion_id=motion.id),
        to=members,
    )


def voting_open(motion: Motion, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        motion.state is MotionState.VOTING
        and motion.voting_until is not None
        and now < aware(motion.voting_until)
    )


def _is_elector(motion: Motion, key: str) -> bool:
    return (
        db.session.scalar(
            select(MotionElector.id).where(
                MotionElector.motion_id == motion.id, MotionElector.voter_key == key
            )
        )
        is not None
    )


def _still_member(group: Group, user: User) -> bool:
    return (
        db.session.scalar(
            select(GroupMembership.id).where(
                GroupMembership.group_id == group.id, GroupMembership.user_id == user.id
            )
        )
        is not None
    )


def require_voter(actor: User | None, motion: Motion) -> User:
    """Members vote; the vote page asks this before reading the form (403 otherwise)."""
    user = require_signed_in(actor)
    if not _still_member(motion.group, user):
        raise PermissionDenied(
            _(
                "Only members of %(group)s vote on its motions; you are not a member.",
                group=motion.group.name,
            )
        )
    return user


def can_vote(user: User | None, motion: Motion) -> bool:
    """Whether the page should offer `user` the vote form now."""
    if user is None or not user.is_authenticated or not voting_open(motion):
        return False
    key = ballot_box.voter_key(scope(motion), user.id)
    return (
        _still_member(motion.group, user)
        and _is_elector(motion, key)
        and my_receipt(motion, user) is None
    )


def cast(actor: User | None, motion: Motion, choice: str) -> str:
    """Record a member's vote and return its receipt code. One vote each: a second is
    refused (409), whatever its choice; the database's unique index decides, so two
    clicks at once make one vote."""
    user = require_voter(actor, motion)
    if choice not in CHOICES:
        raise ValidationFailed({"choice": _("Choose for, against or abstain")})
    motion = _locked(motion)
    if not voting_open(motion):
        if motion.state is MotionState.DISCUSSION:
            raise Conflict(
                _("Voting on this motion has not opened yet; your vote was not counted.")
            )
        ended = motion.closed_at or motion.voting_until
        raise Conflict(
            _(
                "Voting closed at %(moment)s before your vote arrived; it was not counted.",
                moment=spoken(ended),
            )
        )
    # again under the lock: a member who left meanwhile does not vote
    if not _still_member(motion.group, user):
        raise PermissionDenied(_("You have left this group, so you cannot vote on its motions."))
    key = ballot_box.voter_key(scope(motion), user.id)
    if not _is_elector(motion, key):
        raise PermissionDenied(
            _(
                "You joined after voting on this motion opened: members vote on the motions "
                "that open while they belong."
            )
        )
    code = receipts.new_code(motion.audit_subject, {"choice": choice})
    made = ballot_box.insert_or_nothing(
        MotionVote.__table__,
        ("motion_id", "voter_key"),
        {
            "motion_id": motion.id,
            "voter_key": key,
            "choice": choice,
            "receipt": code,
            "cast_at": utcnow(),
        },
    )
    if made is None:
        raise Conflict(_("You have already voted on this motion: each member votes once."))
    audit.record(user, "motion:vote_cast", motion)  # participation only, never the choice
    return code


def my_receipt(motion: Motion, user: User | None) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(MotionVote.receipt).where(
            MotionVote.motion_id == motion.id,
            MotionVote.voter_key == ballot_box.voter_key(scope(motion), user.id),
        )
    )


def _tally(motion: Motion) -> tuple[int, int, int]:
    rows = dict(
        db.session.execute(
            select(MotionVote.choice, func.count())
            .where(MotionVote.motion_id == motion.id)
            .group_by(MotionVote.choice)
        ).all()
    )
    return rows.get("for", 0), rows.get("against", 0), rows.get("abstain", 0)


def close(
    actor: User | None, motion: Motion, *, by_date: bool = False, reason: str = ""
) -> tally.Outcome:
    """Count the votes and record the outcome with the rule that decided it. Takes the
    motion's row lock first: every cast answered with success is counted."""
    manager = None if by_date else require_group_manager(actor, motion.group)
    motion = _locked(motion)
    if motion.state is not MotionState.VOTING:
        raise Conflict(
            _("Voting on this motion has not opened yet.")
            if motion.state is MotionState.DISCUSSION
            else _("This motion is already closed.")
        )
    now = utcnow()
    due = motion.voting_until or now
    why = "" if by_date else early_reason(reason, due, now, doing="close the vote")
    votes_for, votes_against, abstentions = _tally(motion)
    count = tally.Count(motion.electorate or 0, votes_for, votes_against, abstentions)
    result = tally.decide(
        count,
        (motion.quorum_rule or QuorumRule.NONE).value,
        motion.quorum_value or 0,
        (motion.majority_rule or MajorityRule.SIMPLE).value,
    )
    motion.state = MotionState.CLOSED
    motion.closed_at = now
    motion.close_reason = why
    motion.votes_for, motion.votes_against, motion.abstentions = (
        votes_for,
        votes_against,
        abstentions,
    )
    motion.outcome = MotionOutcome(result.outcome)
    motion.explanation = result.explanation
    audit.release_pending(motion)  # every counted vote is in the log before the close
    audit.record(
        manager,
        "motion:close",
        motion.group,
        {
            "motion": motion.id,
            "electorate": count.electorate,
            "for": votes_for,
            "against": votes_against,
            "abstain": abstentions,
            "quorum_rule": motion.quorum_rule.value if motion.quorum_rule else "none",
            "quorum_value": motion.quorum_value or 0,
            "quorum_needed": result.quorum_needed,
            "majority_rule": motion.majority_rule.value if motion.majority_rule else "simple",
            "outcome": result.outcome,
            **({"early_reason": why, "closes": aware(due).isoformat()} if why else {}),
        },
    )
    db.session.flush()
    members = [m.user_id for m in motion.group.memberships]
    feed.announce(
        Kind.RESULT,
        event=f"motion-result:{motion.id}",
        title=clipped(
            _l(
                "Motion decided: %(title)s (%(group)s)",
                title=motion.title,
                group=motion.group.name,
            )
        ),
        url=path_for("groups.motion", slug=motion.group.slug, motion_id=motion.id),
        text=Later(lambda: group_rules.motion_outcome_words(motion)),
        to=members,
    )
    return result


def record_minutes(actor: User | None, motion: Motion, minutes: str) -> None:
    """An organiser records (or corrects) the minutes of a decided motion: Markdown,
    sanitised for the page; the log binds the text (verbatim, or its SHA-256 if long)."""
    manager = require_group_manager(actor, motion.group)
    text = (minutes or "").strip()
    if not text:
        raise ValidationFailed({"minutes": _("Enter the minutes")})
    if len(text) > MINUTES_MAX:
        raise ValidationFailed(
            {
                "minutes": _(
                    "The minutes must be %(most)s characters or fewer",
                    most=format_number(MINUTES_MAX),
                )
            }
        )
    motion = _locked(motion)
    if motion.state is not MotionState.CLOSED:
        raise Conflict(_("Minutes are recorded once the motion has been decided."))
    motion.minutes = text
    motion.minutes_html = md.render(text)
    motion.minutes_at = utcnow()
    motion.minutes_by_id = manager.id
    audit.record(
        manager,
        "motion:minutes",
        motion.group,
        {"motion": motion.id, "minutes": audit.logged_text(text)},
    )
    db.session.flush()


def open_due(now: datetime | None = None) -> list[str]:
    """Open voting on every motion whose discussion has ended (run by `civic tick`). All
    due motions are locked, in id order, before the first appends to the log."""
    now = now or utcnow()
    due = [
        m.id
        for m in db.session.scalars(select(Motion).where(Motion.state == MotionState.DISCUSSION))
        if aware(m.voting_planned) <= now
    ]
    opened = []
    for motion in lock_rows(Motion, due):
        if motion.state is MotionState.DISCUSSION:
            _open(None, motion, now)
            opened.append(f"Motion {motion.id} of {motion.group.name}: voting opened.")
    return opened


def close_due(now: datetime | None = None) -> list[str]:
    """Close every motion whose voting days are over (run by `civic tick`)."""
    now = now or utcnow()
    due = [
        m.id
        for m in db.session.scalars(select(Motion).where(Motion.state == MotionState.VOTING))
        if m.voting_until is not None and aware(m.voting_until) <= now
    ]
    closed = []
    for motion in lock_rows(Motion, due):
        if motion.state is MotionState.VOTING:
            result = close(None, motion, by_date=True)
            closed.append(f"Motion {motion.id} of {motion.group.name}: {result.outcome}.")
    return closed


# --- what is published ------------------------------------------------------------------


def ballots_withheld(motion: Motion) -> str | None:
    """Why the ballots are not published by receipt (None: they are)."""
    if motion.state is not MotionState.CLOSED:
        return _("Ballots are published by receipt code when voting closes.")
    cast_count = (motion.votes_for or 0) + (motion.votes_against or 0) + (motion.abstentions or 0)
    if not privacy.publishable(cast_count):
        return vote_wording.votes_withheld(cast_count)
    return None


def published_ballots(motion: Motion) -> list[dict[str, str]]:
    rows = db.session.execute(
        select(MotionVote.receipt, MotionVote.choice)
        .where(MotionVote.motion_id == motion.id)
        .order_by(MotionVote.receipt)
    )
    return [{"receipt": code, "choice": choice} for code, choice in rows]


def as_json(motion: Motion) -> dict[str, Any]:
    """A motion as anyone may see it: counts only once closed, ballots only if publishable."""
    data: dict[str, Any] = {
        "id": motion.id,
        "group": motion.group.slug,
        "title": motion.title,
        "text": motion.text,
        "state": motion.state.value,
        "proposed_at": aware(motion.created_at).isoformat(),
        "voting_from": aware(motion.voting_from or motion.voting_planned).isoformat(),
        "voting_until": aware(motion.voting_until).isoformat() if motion.voting_until else None,
    }
    if motion.state is not MotionState.DISCUSSION:
        data["rules"] = {
            "quorum_rule": motion.quorum_rule.value if motion.quorum_rule else None,
            "quorum_value": motion.quorum_value,
            "majority_rule": motion.majority_rule.value if motion.majority_rule else None,
        }
        data["electorate"] = motion.electorate
    if motion.state is MotionState.CLOSED:
        data["result"] = {
            "for": motion.votes_for,
            "against": motion.votes_against,
            "abstain": motion.abstentions,
            "outcome": motion.outcome.value if motion.outcome else None,
            "explanation": motion.explanation,
            "closed_at": aware(motion.closed_at).isoformat() if motion.closed_at else None,
            "early_close_reason": motion.close_reason or None,
        }
        data["minutes"] = motion.minutes or None
        withheld = ballots_withheld(motion)
        data["ballots"] = None if withheld else published_ballots(motion)
        if withheld:
            data["ballots_withheld"] = withheld
    return data
