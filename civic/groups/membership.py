"""Joining and leaving a group by one's own choice, and requests to join.

- Open groups: a resident who has shown Civic they live in the group's area joins at once
  (residence is what makes a neighbourhood group's members neighbours; the rules page
  says so). Anyone else is told to ask the organisers for an invitation.
- By request: anyone signed in asks, with an optional message for the organisers; an
  organiser (or moderator) approves, or refuses with a reason the person is told.
- Closed: invitation only (civic.accounts.invitations), as before.

Anyone leaves whenever they like. An organiser who leaves stops organising; if they were
the last one, the group has no organiser until a moderator appoints one (or the members
elect one), and its motions still open and close on their dates.

Privacy (DESIGN §4): the group page names a member only if they chose to be named, so
joining, asking and leaving are logged under pseudonyms (the actor's scoped to the group
and the act, the member in the data by the group's member pseudonym, as accepting an
invitation is), never under the person's public pseudonym. Organisers' decisions about
requests are official acts, logged under their names.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from civic import audit, ballot_box
from civic.accounts.models import Group, GroupMembership, GroupRole, JoinPolicy, User, utcnow
from civic.accounts.services import member_pseudonym, membership_of, require_group_manager
from civic.database import lock_row
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.groups.models import JoinRequest, RequestState
from civic.i18n import _, format_number
from civic.permissions import require_signed_in
from civic.text import clean_text

MESSAGE_MAX = 1000
REASON_MIN, REASON_MAX = 10, 1000


def _insert_membership(group: Group, user: User) -> GroupMembership:
    """The membership row, made by one INSERT ... ON CONFLICT DO NOTHING: two clicks (or an
    approval racing an invitation's acceptance) leave one row, and the loser is told."""
    made = ballot_box.insert_or_nothing(
        GroupMembership.__table__,
        ("group_id", "user_id"),
        {
            "group_id": group.id,
            "user_id": user.id,
            "role": GroupRole.MEMBER.value,
            "joined_at": utcnow(),
            "show_name": False,
        },
    )
    if made is None:
        raise Conflict(
            _(
                "%(name)s is already a member of %(group)s.",
                name=user.display_name,
                group=group.name,
            )
        )
    db.session.expire(group, ["memberships"])
    return db.session.get(GroupMembership, made)


def join_refusal(user: User | None, group: Group) -> str | None:
    """Why `user` cannot join `group` by themselves now (None: they can, or may ask)."""
    if user is None or not user.is_authenticated:
        return _("Sign in to join.")
    if membership_of(user, group) is not None:
        return _("You are a member of this group.")
    if group.join_policy is JoinPolicy.CLOSED:
        return _("This group is closed: people join when its organisers invite them.")
    if group.join_policy is JoinPolicy.OPEN and not user.is_eligible_in(group.area):
        return _(
            "Only people who have shown they live in %(area)s join this group "
            "by themselves: enter the code from your letter on the 'Your areas' page, or "
            "ask the organisers to invite you.",
            area=group.area.name,
        )
    return None


def pending_request(user: User | None, group: Group) -> JoinRequest | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.group_id == group.id,
            JoinRequest.user_id == user.id,
            JoinRequest.state == RequestState.PENDING,
        )
    )


def require_joiner(actor: User | None, group: Group) -> User:
    """Who may join (or ask to join) `group` now; the view asks before reading the form.
    Already a member, or a closed group: 409; not a resident, for an open group: 403."""
    user = require_signed_in(actor)
    if membership_of(user, group) is not None:
        raise Conflict(_("You are already a member of %(group)s.", group=group.name))
    if group.join_policy is JoinPolicy.CLOSED:
        raise Conflict(_("This group is closed: people join when its organisers invite them."))
    if group.join_policy is JoinPolicy.OPEN and (refusal := join_refusal(user, group)):
        raise PermissionDenied(refusal)
    return user


def join(actor: User | None, group: Group, message: str = "") -> GroupMembership | JoinRequest:
    """Join an open group at once, or ask to join a group that takes requests."""
    user = require_joiner(actor, group)
    if group.join_policy is JoinPolicy.OPEN:
        membership = _insert_membership(group, user)
        audit.record(user, "group:join", group, {"member": member_pseudonym(user.id, group)})
        return membership
    return _ask(user, group, message)


def _ask(user: User, group: Group, message: str) -> JoinRequest:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationFailed(
            {
                "message": _(
                    "The message must be %(num)s characters or fewer",
                    num=format_number(MESSAGE_MAX),
                )
            }
        )
    if pending_request(user, group) is not None:
        raise Conflict(_("You have already asked to join; the organisers have not answered yet."))
    request = JoinRequest(group_id=group.id, user_id=user.id, message=message)
    try:
        # the partial unique index settles two clicks at once: one request, one refusal
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        raise Conflict(
            _("You have already asked to join; the organisers have not answered yet.")
        ) from None
    audit.record(
        user,
        "group:join_request",
        group,
        {"request": request.id, "member": member_pseudonym(user.id, group)},
    )
    return request


def requests_for(actor: User | None, group: Group) -> list[JoinRequest]:
    """The group's unanswered requests, for its managers only (they show names)."""
    require_group_manager(actor, group)
    return list(
        db.session.scalars(
            select(JoinRequest)
            .where(JoinRequest.group_id == group.id, JoinRequest.state == RequestState.PENDING)
            .order_by(JoinRequest.created_at, JoinRequest.id)
        )
    )


def decide_request(
    actor: User | None, group: Group, request_id: int, *, approve: bool, reason: str = ""
) -> JoinRequest:
    """Approve a request (the person becomes a member) or refuse it with a reason, which
    the person sees on the group page. The request row is locked first, so two organisers
    answering at once make one decision and the second is told it was already answered."""
    manager = require_group_manager(actor, group)
    found = db.session.get(JoinRequest, request_id)
    if found is None or found.group_id != group.id:
        raise NotFound(_("This group has no request with that number."))
    reason = clean_text(reason)
    if not approve and not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationFailed(
            {
                "reason": _(
                    "Give the reason for refusing in %(least)s to %(most)s characters; the "
                    "person who asked is told it",
                    least=format_number(REASON_MIN),
                    most=format_number(REASON_MAX),
                )
            }
        )
    request = lock_row(JoinRequest, request_id)
    if request is None or request.state is not RequestState.PENDING:
        raise Conflict(_("This request was already answered."))
    request.state = RequestState.APPROVED if approve else RequestState.REFUSED
    request.reason = "" if approve else reason
    request.decided_at = utcnow()
    request.decided_by_id = manager.id
    member = member_pseudonym(request.user_id, group)
    if approve:
        _insert_membership(group, request.user)
    db.session.flush()
    audit.record(
        manager,
        "group:join_approve" if approve else "group:join_refuse",
        group,
        {"request": request.id, "member": member},
    )
    return request


def last_answer(user: User | None, group: Group) -> JoinRequest | None:
    """The person's latest refused request, so the group page can tell them why."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(JoinRequest)
        .where(
            JoinRequest.group_id == group.id,
            JoinRequest.user_id == user.id,
            JoinRequest.state == RequestState.REFUSED,
        )
        .order_by(JoinRequest.decided_at.desc(), JoinRequest.id.desc())
        .limit(1)
    )


def leave(actor: User | None, group: Group) -> bool:
    """Leave the group. Returns whether the group now has no organiser (the leaver was the
    last), so the page can say what happens next."""
    user = require_signed_in(actor)
    membership = membership_of(user, group)
    if membership is None:
        raise PermissionDenied(_("You are not a member of %(group)s.", group=group.name))
    was_organiser = membership.role is GroupRole.ORGANISER
    member = member_pseudonym(user.id, group)
    group.memberships.remove(membership)
    db.session.flush()
    audit.record(
        user,
        "group:leave",
        group,
        {"member": member, **({"was_organiser": True} if was_organiser else {})},
    )
    return was_organiser and not any(m.role is GroupRole.ORGANISER for m in group.memberships)
