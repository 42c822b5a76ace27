"""Members elect their group's organisers, and can recall one, by secret ballot.

Every state change here is one service function that checks permission, validates, writes
and logs in the caller's transaction (DESIGN §1). What is public is logged under the group
and named: calling an election, standing, withdrawing, starting or supporting a recall,
the opening and the count. Casting a ballot is private: it is logged under a pseudonym
scoped to the election, in shuffled batches (`group_election:cast`), and the ballot row
holds an HMAC voter key, never an account.

One serialisation point (DESIGN §4a): casts, the opening and the count all lock the
election's row first (civic.database.lock_row) and check its state and dates after the
lock, so the count sees every ballot that was answered with success, and a ballot that
arrives after the count is refused with a 409. Who may vote ("a member now, who joined
before voting opened") is checked under that lock too.

Small groups: an election runs whatever the group's size, but the votes per candidate (and
a recall's yes and no) are published only when at least CIVIC_MIN_ELECTORATE ballots were
cast; below that only who was elected (or whether the recall passed) is published.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from civic import audit, ballot_box, privacy
from civic.accounts.models import Group, GroupMembership, GroupRole, User
from civic.accounts.services import member_pseudonym
from civic.audit.log import head
from civic.clock import aware, utcnow
from civic.constituencies.services import doing_words
from civic.database import lock_row, lock_rows
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.groups import election_count
from civic.groups.election_models import (
    ElectionBallot,
    ElectionCandidate,
    ElectionKind,
    ElectionState,
    GroupElection,
    RecallSupporter,
)
from civic.i18n import _, format_number, ngettext
from civic.params import MAX_ID, parse_int
from civic.permissions import require_signed_in
from civic.receipts import codes as receipts
from civic.text import clean_text
from civic.votes import wording as vote_wording
from civic.wording import spoken

MAX_SEATS = 20
MAX_TERM_MONTHS = 60
MAX_STATEMENT = 2000
MIN_REASON = 10
# a recall needs this share of the members' support (the proposer included) to go to a vote
RECALL_SUPPORT_DIVISOR = 5
RECALL_SUPPORT_MINIMUM = 2

# what `phase` answers, for pages and JSON
NOMINATIONS, VOTING, COUNT_DUE, CLOSED, LAPSED = (
    "nominations",
    "voting",
    "count_due",
    "closed",
    "lapsed",
)


# --- reading ----------------------------------------------------------------------------


def get_election(group: Group, election_id: int) -> GroupElection:
    found = db.session.get(GroupElection, election_id)
    if found is None or found.group_id != group.id:
        raise NotFound(_("This group has no election with that number."))
    return found


def elections_for(group: Group) -> list[GroupElection]:
    return list(
        db.session.scalars(
            select(GroupElection)
            .where(GroupElection.group_id == group.id)
            .order_by(GroupElection.created_at.desc(), GroupElection.id.desc())
        )
    )


def membership(group: Group, user: User | None) -> GroupMembership | None:
    """The person's membership as the database holds it now (not a cached relationship)."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == user.id
        )
    )


def _support_count(election: GroupElection) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecallSupporter)
        .where(RecallSupporter.election_id == election.id)
    )


def phase(election: GroupElection, now: datetime | None = None) -> str:
    """Where the election stands by its dates, whether or not the tick has caught up:
    nominations, voting, count_due (voting ended, not counted yet), closed or lapsed."""
    now = now or utcnow()
    if election.state is ElectionState.CLOSED:
        return CLOSED
    if election.state is ElectionState.LAPSED:
        return LAPSED
    if now < aware(election.voting_opens_at):
        return NOMINATIONS
    if (
        election.state is ElectionState.NOMINATIONS
        and election.is_recall
        and _support_count(election) < (election.support_needed or 0)
    ):
        return LAPSED
    if now < aware(election.voting_closes_at):
        return VOTING
    return COUNT_DUE


def electorate_now(election: GroupElection) -> int:
    """Members who may vote: members now who joined before voting opened."""
    return db.session.scalar(
        select(func.count())
        .select_from(GroupMembership)
        .where(
            GroupMembership.group_id == election.group_id,
            GroupMembership.joined_at <= election.voting_opens_at,
        )
    )


def _voter_key(election: GroupElection, user: User) -> str:
    return ballot_box.voter_key(f"group_election:{election.id}", user.id)


def my_receipt(election: GroupElection, user: User | None) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(ElectionBallot.receipt).where(
            ElectionBallot.election_id == election.id,
            ElectionBallot.voter_key == _voter_key(election, user),
        )
    )


def candidate_of(election: GroupElection, user: User | None) -> ElectionCandidate | None:
    if user is None or not user.is_authenticated:
        return None
    return next((c for c in election.candidates if c.user_id == user.id), None)


def has_supported(election: GroupElection, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return any(s.user_id == user.id for s in election.supporters)


# --- permissions ------------------------------------------------------------------------


def can_call(actor: User | None, group: Group) -> bool:
    """Organisers and moderators call elections; so may any member when the group has no
    organiser left (after a recall, say), so a group is never stuck without a way to elect."""
    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_moderator:
        return True
    mine = membership(group, actor)
    if mine is None:
        return False
    if mine.role is GroupRole.ORGANISER:
        return True
    return not any(m.role is GroupRole.ORGANISER for m in group.memberships)


def can_count(actor: User | None, group: Group) -> bool:
    """Who may start the count by hand once voting has ended (the tick does it anyway)."""
    if actor is None or not actor.is_authenticated:
        return False
    mine = membership(group, actor)
    return actor.is_moderator or (mine is not None and mine.role is GroupRole.ORGANISER)


def require_member(actor: User | None, group: Group, doing: str) -> User:
    """Only the group's members `doing` ("stand for election"): a clear refusal otherwise."""
    user = require_signed_in(actor)
    if membership(group, user) is None:
        raise PermissionDenied(
            _(
                "Only members of %(group)s can %(doing)s. Ask its organisers to invite you, "
                "and come back once you have joined.",
                group=group.name,
                doing=doing_words(doing),
            )
        )
    return user


def require_voter(actor: User | None, election: GroupElection) -> User:
    """Who may vote: a member now who joined before voting opened (checked again, under the
    election's lock, by `cast`)."""
    user = require_member(actor, election.group, "vote in its elections")
    mine = membership(election.group, user)
    assert mine is not None
    if aware(mine.joined_at) > aware(election.voting_opens_at):
        raise PermissionDenied(
            _(
                "You joined %(group)s after voting opened (%(moment)s), so you cannot vote in "
                "this one: only members at the time voting opened can.",
                group=election.group.name,
                moment=spoken(election.voting_opens_at),
            )
        )
    return user


def require_caller(actor: User | None, group: Group) -> User:
    user = require_signed_in(actor)
    if not can_call(user, group):
        raise PermissionDenied(
            _(
                "Only the group's organisers and moderators can call an election (any member "
                "can when the group has no organiser)."
            )
        )
    return user


def require_counter(actor: User | None, group: Group) -> User:
    user = require_signed_in(actor)
    if not can_count(user, group):
        raise PermissionDenied(_("Only the group's organisers and moderators can do this."))
    return user


# --- calling ----------------------------------------------------------------------------


def _check_window(
    opens_at: datetime | None, closes_at: datetime | None, errors: dict[str, str]
) -> None:
    now = utcnow()
    if opens_at is None:
        errors["opens"] = _("Enter the date voting opens")
    elif aware(opens_at) <= now:
        errors["opens"] = _("The date voting opens must be in the future")
    if closes_at is None:
        errors["closes"] = _("Enter the date voting closes")
    elif aware(closes_at) <= now:
        errors["closes"] = _("The date voting closes must be in the future")
    elif opens_at is not None and aware(closes_at) <= aware(opens_at):
        errors["closes"] = _("Voting must close after it opens")


def _running(group: Group, kind: ElectionKind, target_user_id: int | None = None) -> bool:
    stmt = select(GroupElection.id).where(
        GroupElection.group_id == group.id,
        GroupElection.kind == kind,
        GroupElection.state.in_((ElectionState.NOMINATIONS, ElectionState.VOTING)),
    )
    if target_user_id is not None:
        stmt = stmt.where(GroupElection.target_user_id == target_user_id)
    return db.session.scalar(stmt.limit(1)) is not None


def call_election(
    actor: User | None,
    group: Group,
    *,
    seats: int | None,
    term_months: int | None,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> GroupElection:
    """Call an election of `seats` organisers for `term_months`: members stand until voting
    opens, vote until it closes, and the winners replace the group's organisers."""
    user = require_caller(actor, group)
    errors: dict[str, str] = {}
    if seats is None or not 1 <= seats <= MAX_SEATS:
        errors["seats"] = _("The number of seats must be from 1 to %(most)s", most=MAX_SEATS)
    if term_months is None or not 1 <= term_months <= MAX_TERM_MONTHS:
        errors["term_months"] = _(
            "The term must be from 1 to %(most)s months", most=MAX_TERM_MONTHS
        )
    _check_window(opens_at, closes_at, errors)
    if errors:
        raise ValidationFailed(errors)
    assert seats is not None and term_months is not None
    assert opens_at is not None and closes_at is not None
    if _running(group, ElectionKind.ELECTION):
        raise Conflict(_("This group already has an election running: wait until it is counted."))
    election = GroupElection(
        group_id=group.id,
        kind=ElectionKind.ELECTION,
        seats=seats,
        term_months=term_months,
        voting_opens_at=aware(opens_at),
        voting_closes_at=aware(closes_at),
        called_by_id=user.id,
    )
    db.session.add(election)
    db.session.flush()
    audit.record(
        user,
        "group_election:call",
        group,
        {
            "election": election.id,
            "seats": seats,
            "term_months": term_months,
            "opens": aware(opens_at).isoformat(),
            "closes": aware(closes_at).isoformat(),
        },
    )
    return election


def _locked(election: GroupElection) -> GroupElection:
    locked = lock_row(GroupElection, election.id)
    if locked is None:  # pragma: no cover - elections are never deleted
        raise NotFound(_("This group has no election with that number."))
    return locked


def _nominations_open(election: GroupElection, doing: str) -> None:
    if election.state is not ElectionState.NOMINATIONS or utcnow() >= aware(
        election.voting_opens_at
    ):
        raise Conflict(_nominations_closed(doing, spoken(election.voting_opens_at)))


def _nominations_closed(doing: str, moment: str) -> str:
    """One whole sentence for each thing done only before voting opens."""
    if doing == "stand":
        return _("You can only stand until voting opens (%(moment)s).", moment=moment)
    if doing == "withdraw":
        return _("You can only withdraw until voting opens (%(moment)s).", moment=moment)
    return _("You can only support a recall until voting opens (%(moment)s).", moment=moment)


def stand(actor: User | None, election: GroupElection, statement: str) -> ElectionCandidate:
    """The member stands for election, with a statement shown to the voters. Public and
    named: the candidate's name is on the page and their public pseudonym signs the entry."""
    user = require_member(actor, election.group, "stand for election")
    if election.is_recall:
        raise Conflict(_("Nobody stands in a recall vote."))
    statement = clean_text(statement)
    if not statement:
        raise ValidationFailed({"statement": _("Say in a few words why members should elect you")})
    if len(statement) > MAX_STATEMENT:
        raise ValidationFailed(
            {
                "statement": _(
                    "Your statement must be %(most)s characters or fewer",
                    most=format_number(MAX_STATEMENT),
                )
            }
        )
    election = _locked(election)
    _nominations_open(election, "stand")
    added = ballot_box.insert_or_nothing(
        ElectionCandidate.__table__,
        ["election_id", "user_id"],
        {
            "election_id": election.id,
            "user_id": user.id,
            "statement": statement,
            "stood_at": utcnow(),
        },
    )
    if added is None:
        raise Conflict(_("You are already standing in this election."))
    db.session.expire(election, ["candidates"])
    audit.record(
        user,
        "group_election:stand",
        election.group,
        {"election": election.id, "candidate": added, "statement": audit.logged_text(statement)},
    )
    candidate = db.session.get(ElectionCandidate, added)
    assert candidate is not None
    return candidate


def withdraw(actor: User | None, election: GroupElection) -> None:
    """The candidate stands down, before voting opens."""
    user = require_signed_in(actor)
    election = _locked(election)
    _nominations_open(election, "withdraw")
    mine = candidate_of(election, user)
    if mine is None:
        raise Conflict(_("You are not standing in this election."))
    candidate_id = mine.id
    db.session.execute(delete(ElectionCandidate).where(ElectionCandidate.id == candidate_id))
    db.session.expire(election, ["candidates"])
    audit.record(
        user,
        "group_election:withdraw",
        election.group,
        {"election": election.id, "candidate": candidate_id},
    )
    db.session.flush()


# --- recall -----------------------------------------------------------------------------


def support_needed(members: int) -> int:
    """Supporters a recall needs before it goes to a vote: a fifth of the members, at
    least two (so no member can put an organiser to a vote alone)."""
    return max(RECALL_SUPPORT_MINIMUM, math.ceil(members / RECALL_SUPPORT_DIVISOR))


def start_recall(
    actor: User | None,
    group: Group,
    *,
    organiser_id: int | None,
    reason: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> GroupElection:
    """A member proposes a recall vote on one organiser, with a published reason. It goes to
    a vote when voting is due to open if enough members supported it by then; otherwise it
    lapses. The proposer is its first supporter."""
    user = require_member(actor, group, "propose a recall")
    errors: dict[str, str] = {}
    target = next(
        (
            m
            for m in group.memberships
            if m.user_id == organiser_id and m.role is GroupRole.ORGANISER
        ),
        None,
    )
    if target is None:
        errors["organiser"] = _("Choose one of the group's organisers")
    reason = clean_text(reason)
    if len(reason) < MIN_REASON:
        errors["reason"] = _(
            "Give the reason for the recall, in at least %(least)s characters",
            least=format_number(MIN_REASON),
        )
    elif len(reason) > MAX_STATEMENT:
        errors["reason"] = _(
            "The reason must be %(most)s characters or fewer", most=format_number(MAX_STATEMENT)
        )
    _check_window(opens_at, closes_at, errors)
    if errors:
        raise ValidationFailed(errors)
    assert target is not None and opens_at is not None and closes_at is not None
    if _running(group, ElectionKind.RECALL, target.user_id):
        raise Conflict(
            _("A recall of %(name)s is already under way.", name=target.user.display_name)
        )
    needed = support_needed(len(group.memberships))
    election = GroupElection(
        group_id=group.id,
        kind=ElectionKind.RECALL,
        seats=1,
        term_months=1,
        voting_opens_at=aware(opens_at),
        voting_closes_at=aware(closes_at),
        called_by_id=user.id,
        target_user_id=target.user_id,
        reason=reason,
        support_needed=needed,
    )
    db.session.add(election)
    db.session.flush()
    db.session.add(RecallSupporter(election_id=election.id, user_id=user.id, supported_at=utcnow()))
    audit.record(
        user,
        "group_recall:start",
        group,
        {
            "election": election.id,
            "organiser": member_pseudonym(target.user_id, group),
            "reason": audit.logged_text(reason),
            "support_needed": needed,
            "opens": aware(opens_at).isoformat(),
            "closes": aware(closes_at).isoformat(),
        },
    )
    db.session.flush()
    return election


def support(actor: User | None, election: GroupElection) -> int:
    """A member supports holding the recall vote (public, like seconding a motion); returns
    the number of supporters now."""
    user = require_member(actor, election.group, "support a recall")
    if not election.is_recall:
        raise Conflict(_("Only a recall is supported; in an election, members stand or vote."))
    election = _locked(election)
    _nominations_open(election, "support a recall")
    added = ballot_box.insert_or_nothing(
        RecallSupporter.__table__,
        ["election_id", "user_id"],
        {"election_id": election.id, "user_id": user.id, "supported_at": utcnow()},
    )
    if added is None:
        raise Conflict(_("You already support this recall."))
    db.session.expire(election, ["supporters"])
    count = _support_count(election)
    audit.record(
        user, "group_recall:support", election.group, {"election": election.id, "supporters": count}
    )
    return count


# --- opening and casting ----------------------------------------------------------------


def _open_if_due(election: GroupElection, now: datetime) -> None:
    """Under the election's lock: once voting is due to open, open it (fixing the size of
    the electorate) or, for a recall without enough support, let it lapse."""
    if election.state is not ElectionState.NOMINATIONS or now < aware(election.voting_opens_at):
        return
    if election.is_recall:
        supporters = _support_count(election)
        if supporters < (election.support_needed or 0):
            election.state = ElectionState.LAPSED
            election.outcome = LAPSED
            election.closed_at = now
            audit.record(
                None,
                "group_recall:lapse",
                election.group,
                {
                    "election": election.id,
                    "supporters": supporters,
                    "support_needed": election.support_needed,
                },
            )
            return
    election.state = ElectionState.VOTING
    election.opened_at = now
    election.electorate = electorate_now(election)
    audit.record(
        None,
        "group_election:open",
        election.group,
        {
            "election": election.id,
            "kind": election.kind.value,
            "electorate": election.electorate,
            "candidates": [c.id for c in election.candidates],
        },
    )


def _too_late(election: GroupElection) -> Conflict:
    if election.state is ElectionState.LAPSED:
        return Conflict(_("This recall did not get enough support to go to a vote."))
    if election.state is ElectionState.CLOSED or election.closed_at is not None:
        return Conflict(
            _(
                "Voting closed and the votes were counted before your ballot arrived; "
                "it was not counted."
            )
        )
    if utcnow() < aware(election.voting_opens_at):
        return Conflict(_("Voting opens %(moment)s.", moment=spoken(election.voting_opens_at)))
    return Conflict(
        _(
            "Voting closed at %(moment)s before your ballot arrived; it was not counted.",
            moment=spoken(election.voting_closes_at),
        )
    )


def _read_choices(election: GroupElection, choices: list[str]) -> list[Any]:
    if election.is_recall:
        picked = [c for c in choices if c]
        if len(picked) != 1 or picked[0] not in ("yes", "no"):
            raise ValidationFailed({"choice": _("Choose yes or no")})
        return picked
    ids: set[int] = set()
    known = {c.id for c in election.candidates}
    for raw in choices:
        candidate = parse_int(str(raw), minimum=1, maximum=MAX_ID)
        if candidate is None or candidate not in known:
            raise ValidationFailed({"candidates": _("Choose from the candidates listed")})
        ids.add(candidate)
    if not ids:
        raise ValidationFailed({"candidates": _("Choose at least one candidate")})
    if len(ids) > election.seats:
        raise ValidationFailed(
            {
                "candidates": ngettext(
                    "Choose at most %(num)s candidate: there is %(num)s seat",
                    "Choose at most %(num)s candidates: there are %(num)s seats",
                    election.seats,
                )
            }
        )
    return sorted(ids)


def cast(actor: User | None, election: GroupElection, choices: list[str]) -> str:
    """Record a member's secret ballot and return its receipt code. One ballot per member,
    kept by the database; it cannot be changed (the ballot is final once cast)."""
    user = require_signed_in(actor)
    election = _locked(election)  # the one serialisation point; everything after the lock
    now = utcnow()
    _open_if_due(election, now)
    if election.state is not ElectionState.VOTING or now >= aware(election.voting_closes_at):
        raise _too_late(election)
    mine = membership(election.group, user)
    if mine is None:
        raise PermissionDenied(
            _(
                "Only members of %(group)s can vote in its elections; you are not "
                "a member (any more), so your ballot was not counted.",
                group=election.group.name,
            )
        )
    if aware(mine.joined_at) > aware(election.voting_opens_at):
        raise PermissionDenied(
            _(
                "You joined after voting opened, so you cannot vote in this one: only members "
                "at the time voting opened can."
            )
        )
    picked = _read_choices(election, choices)
    code = receipts.new_code(election.audit_subject, {"choices": picked})
    added = ballot_box.insert_or_nothing(
        ElectionBallot.__table__,
        ["election_id", "voter_key"],
        {
            "election_id": election.id,
            "voter_key": _voter_key(election, user),
            "receipt": code,
            "choices": json.dumps(picked),
        },
    )
    if added is None:
        raise Conflict(_("You have already voted in this election: each member votes once."))
    audit.record(user, "group_election:cast", election)  # private: scoped, batched
    return code


# --- the count --------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30]
    days += [31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month, day=min(moment.day, days[month - 1]))


def _ballot_choices(election: GroupElection) -> list[list[Any]]:
    return [
        json.loads(raw)
        for raw in db.session.scalars(
            select(ElectionBallot.choices).where(ElectionBallot.election_id == election.id)
        )
    ]


def close(actor: User | None, election: GroupElection, *, by_date: bool = False) -> str:
    """Count the votes once voting has ended; returns the outcome.

    An election's winners become the group's organisers, with their term's end stored, and
    the organisers not re-elected return to members (when nobody was elected, nothing
    changes). A recall that passes returns its organiser to member. Ties are drawn by lot
    from the audit log's root at the count (civic.groups.election_count)."""
    user = None if by_date else require_counter(actor, election.group)
    election = _locked(election)
    now = utcnow()
    _open_if_due(election, now)
    if election.state is ElectionState.LAPSED:
        return LAPSED
    if election.state is not ElectionState.VOTING:
        raise Conflict(_("This election has already been counted."))
    if now < aware(election.voting_closes_at):
        raise Conflict(
            _(
                "Voting runs until %(moment)s; the votes are counted after that, never before.",
                moment=spoken(election.voting_closes_at),
            )
        )
    audit.release_pending(election)  # every counted ballot is in the log before the count
    tree = head()  # under the append lock the release took: nothing appends meanwhile
    seed = tree.root.hex()
    ballots = _ballot_choices(election)
    publish = privacy.publishable(len(ballots))
    election.state = ElectionState.CLOSED
    election.closed_at = now
    election.ballots = len(ballots)
    election.tie_seed = seed
    election.counts_published = publish
    group = election.group
    data: dict[str, Any] = {
        "election": election.id,
        "kind": election.kind.value,
        "electorate": election.electorate,
        "ballots": len(ballots),
        "tie_seed": seed,
        "tie_seed_size": tree.size,
    }
    if election.is_recall:
        yes = sum(1 for b in ballots if b == ["yes"])
        no = len(ballots) - yes
        passed = election_count.recall_passes(yes, no, election.electorate or 0)
        election.yes_votes, election.no_votes = yes, no
        election.outcome = "passed" if passed else "failed"
        assert election.target_user_id is not None
        data |= {
            "outcome": election.outcome,
            "organiser": member_pseudonym(election.target_user_id, group),
        }
        if publish:
            data |= {"yes": yes, "no": no}
        target = membership(group, election.target)
        if passed and target is not None and target.role is GroupRole.ORGANISER:
            target.role = GroupRole.MEMBER
            data["stood_down"] = [member_pseudonym(target.user_id, group)]
    else:
        candidates = list(election.candidates)
        result = election_count.count([c.id for c in candidates], ballots, election.seats, seed)
        term_ends = add_months(now, election.term_months)
        still_members = {
            m.user_id: m
            for m in db.session.scalars(
                select(GroupMembership).where(GroupMembership.group_id == group.id)
            )
        }
        elected = [c for c in candidates if c.id in result.elected and c.user_id in still_members]
        for candidate in candidates:
            candidate.votes = result.votes[candidate.id]
            candidate.lot = result.lots[candidate.id]
            candidate.elected = candidate in elected
            candidate.term_ends_at = term_ends if candidate.elected else None
        election.outcome = "elected" if elected else "no_one_elected"
        data |= {
            "seats": election.seats,
            "outcome": election.outcome,
            "elected": [c.id for c in elected],
            "by_lot": result.by_lot,
            "term_ends": term_ends.isoformat() if elected else None,
        }
        if publish:
            data["votes"] = {str(c): n for c, n in result.votes.items()}
        if elected:
            winners = {c.user_id for c in elected}
            made, stood_down = [], []
            for member in still_members.values():
                if member.user_id in winners and member.role is not GroupRole.ORGANISER:
                    member.role = GroupRole.ORGANISER
                    made.append(member_pseudonym(member.user_id, group))
                elif member.user_id not in winners and member.role is GroupRole.ORGANISER:
                    member.role = GroupRole.MEMBER
                    stood_down.append(member_pseudonym(member.user_id, group))
            data |= {"made_organiser": sorted(made), "stood_down": sorted(stood_down)}
    db.session.expire(group, ["memberships"])
    audit.record(user, "group_election:close", group, data)
    db.session.flush()
    return election.outcome or ""


def advance_due(now: datetime | None = None) -> list[str]:
    """For `civic tick`: open elections whose voting is due (or let a recall lapse) and
    count those whose voting has ended. Every due election is locked, in id order, before
    the first is touched (as `votes.services.close_due_votes` does), so the tick never
    waits for a subject's lock after appending to the log."""
    now = now or utcnow()
    due = [
        e.id
        for e in db.session.scalars(
            select(GroupElection).where(
                GroupElection.state.in_((ElectionState.NOMINATIONS, ElectionState.VOTING))
            )
        )
        if aware(e.voting_opens_at) <= now
    ]
    done = []
    for election in lock_rows(GroupElection, due):
        before = election.state
        _open_if_due(election, now)
        if election.state is ElectionState.VOTING and aware(election.voting_closes_at) <= now:
            outcome = close(None, election, by_date=True)
            done.append(f"group election {election.id}: {outcome}")
        elif election.state is not before:
            done.append(f"group election {election.id}: {election.state.value}")
    return done


# --- what is published ------------------------------------------------------------------


def public_turnout(election: GroupElection) -> str | None:
    """Before the count only a band of the ballots cast (civic.privacy.turnout_band)."""
    if election.state is not ElectionState.VOTING:
        return None
    cast_so_far = db.session.scalar(
        select(func.count())
        .select_from(ElectionBallot)
        .where(ElectionBallot.election_id == election.id)
    )
    return vote_wording.band_words(cast_so_far)


def withheld_reason(election: GroupElection) -> str | None:
    if election.state is not ElectionState.CLOSED:
        return "Votes are counted, and published, only after voting closes."
    if not election.counts_published:
        return privacy.ballots_withheld_words(election.ballots or 0)
    return None


def published_ballots(election: GroupElection) -> list[dict[str, Any]]:
    """Every ballot by receipt code (sorted by code: says nothing of who or when), for
    voters to find theirs and anyone to recount; only after a count that publishes."""
    if withheld_reason(election) is not None:
        return []
    rows = db.session.execute(
        select(ElectionBallot.receipt, ElectionBallot.choices)
        .where(ElectionBallot.election_id == election.id)
        .order_by(ElectionBallot.receipt)
    )
    return [{"receipt": code, "choices": json.loads(raw)} for code, raw in rows]


def result(election: GroupElection) -> dict[str, Any]:
    """The election as JSON: rules, dates, candidates (named: standing is public), and
    after the count the outcome, the tie-break seed and lots, and the counts if published."""
    state = phase(election)
    closed = election.state is ElectionState.CLOSED
    body: dict[str, Any] = {
        "id": election.id,
        "group": election.group.slug,
        "kind": election.kind.value,
        "phase": state,
        "seats": election.seats,
        "term_months": election.term_months,
        "voting_opens": aware(election.voting_opens_at).isoformat(),
        "voting_closes": aware(election.voting_closes_at).isoformat(),
        "rule": election_count.RULE_RECALL if election.is_recall else election_count.RULE,
        "electorate": election.electorate,
        "ballots": election.ballots if closed else None,
        "turnout": public_turnout(election),
        "outcome": election.outcome,
        "tie_seed": election.tie_seed,
        "counts_withheld": withheld_reason(election),
    }
    if election.is_recall:
        body |= {
            "organiser": election.target.display_name if election.target else None,
            "reason": election.reason,
            "support_needed": election.support_needed,
            "supporters": len(election.supporters),
            "yes": election.yes_votes if election.counts_published else None,
            "no": election.no_votes if election.counts_published else None,
        }
    else:
        body["candidates"] = [
            {
                "id": c.id,
                "name": c.user.display_name,
                "statement": c.statement,
                "votes": c.votes if closed and election.counts_published else None,
                "elected": c.elected if closed else None,
                "term_ends": aware(c.term_ends_at).isoformat() if c.term_ends_at else None,
                "lot": c.lot if closed else None,
            }
            for c in election.candidates
        ]
    body["ballots_by_receipt"] = published_ballots(election)
    return body
