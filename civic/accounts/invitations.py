"""Invitations to join a neighbourhood group, and each member's choice to be named.

An organiser adds someone by typing their email address. That makes an invitation, not a
membership: the person joins only by accepting it, so nobody is listed in a group they did
not choose. The organiser is told the same thing whether or not the address has an
account (`INVITATION_SENT`), so the form cannot be used to find out who uses Civic.
There is no mail yet: a signed-in person sees the invitations sent to their address on
their invitations page, including those sent before they registered, once they have
confirmed that address (anyone can register with any address).

The token is what a future emailed link will carry; only its SHA-256 is stored, so a
leaked database accepts nothing, and an answered invitation's token opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy import false as sql_false
from sqlalchemy import true as sql_true
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import (
    Group,
    GroupInvitation,
    GroupMembership,
    GroupRole,
    InvitationState,
    User,
    utcnow,
)
from civic.accounts.services import (
    can_appoint_organisers,
    member_pseudonym,
    normalise_email,
    require_group_manager,
)
from civic.database import lock_row
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_day
from civic.i18n import lazy_gettext as _l
from civic.permissions import require_signed_in

INVITATION_DAYS = 30
INVITATION_SENT = _l(
    "Invitation made. If that address belongs to a Civic account, they will see the "
    "invitation when they sign in; if not, they will see it when they create an account "
    "with that address and confirm it. They join the group only if they accept."
)
ALREADY_WAITING = _l("An invitation to this address is already waiting for an answer")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def invite_member(
    actor: User, group: Group, email: str, role: GroupRole = GroupRole.MEMBER
) -> tuple[GroupInvitation, str]:
    """Invite whoever uses `email` to join `group`; return the invitation and its token
    (shown nowhere today: the mail outbox will put it in a link).

    The answer does not depend on whether an account uses the address, nor on whether
    that account is already a member (accepting then changes nothing), so an organiser
    learns nothing about who has an account.
    """
    require_group_manager(actor, group)
    if role is GroupRole.ORGANISER and not can_appoint_organisers(actor, group):
        raise PermissionDenied(_("Only moderators can appoint organisers."))
    email = normalise_email(email)
    now = utcnow()
    _expire_lapsed(group, email, now)
    waiting = db.session.scalar(
        select(GroupInvitation.id).where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.email == email,
            GroupInvitation.state == InvitationState.PENDING,
        )
    )
    if waiting is not None:
        raise ValidationFailed({"email": ALREADY_WAITING})
    token = secrets.token_urlsafe(32)
    invitation = GroupInvitation(
        group_id=group.id,
        email=email,
        role=role,
        token_hash=token_digest(token),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    try:
        # the partial unique index settles two organisers inviting one address at once
        with db.session.begin_nested():
            db.session.add(invitation)
    except IntegrityError:
        raise ValidationFailed({"email": ALREADY_WAITING}) from None
    # The log says an invitation was made, never to whom: not the address, and not a
    # pseudonym either, which would tell whether the address has an account.
    audit.record(
        actor,
        "group:invite",
        group,
        {
            "invitation": invitation.id,
            "role": role.value,
            "expires": invitation.expires_at.date().isoformat(),
        },
    )
    return invitation, token


def _expire_lapsed(group: Group, email: str, now: datetime) -> None:
    """Write down that a lapsed invitation to this address expired, so a new one can be
    made (only one may be pending per address and group)."""
    lapsed = db.session.scalars(
        select(GroupInvitation).where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.email == email,
            GroupInvitation.state == InvitationState.PENDING,
            GroupInvitation.expires_at <= now,
        )
    ).all()
    for invitation in lapsed:
        _mark_expired(invitation)


def _mark_expired(invitation: GroupInvitation) -> None:
    invitation.state = InvitationState.EXPIRED
    audit.record(None, "group:invite_expire", invitation, {"invitation": invitation.id})
    db.session.flush()


def expire_due(now: datetime | None = None) -> list[str]:
    """Mark every lapsed pending invitation expired (run by `civic tick`); what was done."""
    now = now or utcnow()
    lapsed = db.session.scalars(
        select(GroupInvitation)
        .where(
            GroupInvitation.state == InvitationState.PENDING,
            GroupInvitation.expires_at <= now,
        )
        .order_by(GroupInvitation.id)
    ).all()
    for invitation in lapsed:
        _mark_expired(invitation)
    return [f"Invitation {i.id} to {i.group.name} expired unanswered." for i in lapsed]


# --- what each person sees ---------------------------------------------------------------


def invitations_for(user: User | None) -> list[GroupInvitation]:
    """The invitations waiting for `user`'s answer (sent to their address, not lapsed)."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(GroupInvitation).where(*_waiting_for(user)).order_by(GroupInvitation.created_at)
        )
    )


def waiting_count(user: User | None) -> int:
    """How many invitations wait for `user`: the account menu shows the number."""
    if user is None or not user.is_authenticated:
        return 0
    count = select(func.count()).select_from(GroupInvitation).where(*_waiting_for(user))
    return int(db.session.scalar(count) or 0)


def _waiting_for(user: User) -> tuple[ColumnElement[bool], ...]:
    """What makes an invitation one waiting for `user`: sent to their confirmed address,
    unanswered and not lapsed (a lapsed one counts as expired before `civic tick` writes it
    down). Until the address is confirmed none is: see `addressed_to`."""
    return (
        GroupInvitation.email == user.email,
        sql_true() if user.email_confirmed else sql_false(),
        GroupInvitation.state == InvitationState.PENDING,
        GroupInvitation.expires_at > utcnow(),
    )


def pending_for_group(actor: User | None, group: Group) -> list[GroupInvitation]:
    """The group's unanswered invitations, for its managers only (they hold addresses)."""
    require_group_manager(actor, group)
    return list(
        db.session.scalars(
            select(GroupInvitation)
            .where(
                GroupInvitation.group_id == group.id,
                GroupInvitation.state == InvitationState.PENDING,
            )
            .order_by(GroupInvitation.created_at)
        )
    )


def find_by_token(token: str) -> GroupInvitation | None:
    return db.session.scalar(
        select(GroupInvitation).where(GroupInvitation.token_hash == token_digest(token))
    )


def addressed_to(user: User | None, invitation: GroupInvitation) -> bool:
    """Sent to `user`'s address, and `user` has shown they receive mail there: anyone can
    register with any address, so an unconfirmed one finds nobody's invitations."""
    return bool(
        user and user.is_authenticated and user.email_confirmed and user.email == invitation.email
    )


def get_for(user: User | None, invitation_id: int) -> GroupInvitation:
    """The invitation, if it was sent to `user`'s address; otherwise 404, so nobody can
    learn by trying numbers which invitations exist."""
    require_signed_in(user)
    invitation = db.session.get(GroupInvitation, invitation_id)
    if invitation is None or not addressed_to(user, invitation):
        raise NotFound(_("No invitation for you matches that address."))
    return invitation


# --- answers -----------------------------------------------------------------------------


def _open_for_answer(user: User | None, invitation: GroupInvitation) -> GroupInvitation:
    """Lock the invitation and check it can still be answered: two clicks (or two tabs)
    on Accept then make one membership, and the second is told it is done."""
    user = require_signed_in(user)
    if not addressed_to(user, invitation):
        raise NotFound(_("No invitation for you matches that address."))
    locked = lock_row(GroupInvitation, invitation.id)
    state = locked.state_at(utcnow())
    if state is InvitationState.PENDING:
        return locked
    if state is InvitationState.EXPIRED:
        raise Conflict(
            _(
                "This invitation expired on %(day)s: ask the group's organisers for a new one.",
                day=format_day(locked.expires_at),
            )
        )
    raise Conflict(
        {
            InvitationState.ACCEPTED: _l("You have already accepted this invitation."),
            InvitationState.DECLINED: _l("You have already declined this invitation."),
            InvitationState.CANCELLED: _l("The group's organisers withdrew this invitation."),
        }[state]
    )  # lazy: each becomes text in the reader's language when the refusal is made


def accept(user: User, invitation: GroupInvitation) -> GroupMembership:
    """Join the group with the invitation's role. Someone already a member stays one (an
    invitation to organise, which only moderators make, makes them an organiser)."""
    invitation = _open_for_answer(user, invitation)
    group = invitation.group
    membership = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == user.id
        )
    )
    if membership is None:
        membership = GroupMembership(group_id=group.id, user_id=user.id, role=invitation.role)
        db.session.add(membership)
    elif invitation.role is GroupRole.ORGANISER:
        membership.role = GroupRole.ORGANISER
    invitation.state = InvitationState.ACCEPTED
    invitation.answered_by_id = user.id
    invitation.answered_at = utcnow()
    db.session.flush()
    db.session.expire(group, ["memberships"])
    audit.record(
        user,
        "group:invite_accept",
        group,
        {
            "invitation": invitation.id,
            "member": member_pseudonym(user.id, group),
            "role": membership.role.value,
        },
    )
    return membership


def decline(user: User, invitation: GroupInvitation) -> None:
    invitation = _open_for_answer(user, invitation)
    invitation.state = InvitationState.DECLINED
    invitation.answered_by_id = user.id
    invitation.answered_at = utcnow()
    audit.record(user, "group:invite_decline", invitation.group, {"invitation": invitation.id})
    db.session.flush()


def cancel(actor: User, invitation: GroupInvitation) -> None:
    """An organiser or moderator withdraws an unanswered invitation."""
    require_group_manager(actor, invitation.group)
    invitation = lock_row(GroupInvitation, invitation.id)
    if invitation.state_at(utcnow()) is not InvitationState.PENDING:
        raise Conflict(_("This invitation was already answered, withdrawn or expired."))
    invitation.state = InvitationState.CANCELLED
    invitation.answered_by_id = actor.id
    invitation.answered_at = utcnow()
    audit.record(actor, "group:invite_cancel", invitation.group, {"invitation": invitation.id})
    db.session.flush()


def set_name_shown(user: User, membership: GroupMembership, shown: bool) -> None:
    """A member chooses whether the public group page shows their name.

    Not in the audit log, like a change of password: a person's choice about their own
    name decides nothing, and an entry would tie the member's pseudonym to their name.
    """
    require_signed_in(user)
    if membership.user_id != user.id:
        raise PermissionDenied(_("Only the member can choose whether their name is shown."))
    membership.show_name = shown
    db.session.flush()
