"""People, the places they live, the groups they organise in, and their proof of residence."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from civic.accounts.constituencies import Constituency

from civic.audit import Subject, pseudonym
from civic.clock import aware, utcnow
from civic.database import string_enum
from civic.extensions import db


class Role(enum.StrEnum):
    RESIDENT = "resident"
    MODERATOR = "moderator"
    ADMIN = "admin"


class GroupRole(enum.StrEnum):
    MEMBER = "member"
    ORGANISER = "organiser"


class JoinPolicy(enum.StrEnum):
    """How people become members of a group (civic.groups.membership)."""

    OPEN = "open"  # residents of the group's area join at once
    REQUEST = "request"  # anyone signed in asks; an organiser approves or refuses
    CLOSED = "closed"  # by invitation only


class InvitationState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class EligibilityMethod(enum.StrEnum):
    CODE = "code"
    MODERATOR = "moderator"


class TokenPurpose(enum.StrEnum):
    """What an emailed account link does (civic.accounts.tokens)."""

    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a password)
    CHANGE_EMAIL = "change_email"


def new_session_token() -> str:
    """A fresh random token: every session cookie names it, so replacing it ends them all."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(80), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(
        string_enum(Role, "role"), nullable=False, default=Role.RESIDENT
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Part of the id every session cookie carries (get_id); signing out, changing the
    # password or deactivation replaces it, so every cookie issued before is refused.
    session_token: Mapped[str] = mapped_column(
        String(64), nullable=False, default=new_session_token
    )
    # Set when the person had their account erased (civic.accounts.data_rights): the row
    # stays, since ballots and the audit log's pseudonyms point at its id, but holds no
    # personal data any more.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the person showed they receive mail at `email` (by following the link sent
    # there); None until then, and a person cannot become eligible to vote before it.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The language the person chose for pages and mail ("en", "cy"; civic.i18n); None
    # until they choose, when the browser's language decides.
    locale: Mapped[str | None] = mapped_column(String(8))
    # A resident with no account of their own, made when an officer first entered a paper
    # form with their unused letter code (civic.accounts.paper_residents): its address is a
    # reserved non-address nothing mails, its password unusable. Cleared when the resident
    # registers with the same code and takes the account over (`paper_claimed_at`).
    paper_only: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    paper_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    eligibilities: Mapped[list[Eligibility]] = relationship(
        back_populates="user", foreign_keys="Eligibility.user_id"
    )
    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to sign in deactivated accounts
        return self.active

    def get_id(self) -> str:
        """What the session cookie stores: the id and the current session token, so a
        cookie stops working as soon as the token is replaced (see accounts.session)."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Make every session cookie issued so far useless (the caller signs in again
        afterwards if the current browser should stay signed in)."""
        self.session_token = new_session_token()

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def audit_subject(self) -> Subject:
        return Subject("user", pseudonym(self.id))

    def is_eligible_in(self, area: Area) -> bool:
        return any(e.area_id == area.id for e in self.eligibilities)


class Area(db.Model):
    """A ward or neighbourhood: the unit in which residents are eligible to take part."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="ward")
    postcode_districts: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    groups: Mapped[list[Group]] = relationship(back_populates="area", order_by="Group.name")

    @property
    def districts(self) -> list[str]:
        return self.postcode_districts.split()

    @property
    def audit_subject(self) -> Subject:
        return Subject("area", self.slug)


class Group(db.Model):
    """A neighbourhood group that can run its own community budget."""

    __tablename__ = "neighbourhood_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # groups slice (issue 15): how people join; closed (invitation only) for every group
    # made before members could join by themselves
    join_policy: Mapped[JoinPolicy] = mapped_column(
        string_enum(JoinPolicy, "join_policy"),
        nullable=False,
        default=JoinPolicy.CLOSED,
        server_default=JoinPolicy.CLOSED.value,
    )

    area: Mapped[Area] = relationship(back_populates="groups")
    memberships: Mapped[list[GroupMembership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("group", self.slug)

    def role_of(self, user: User) -> GroupRole | None:
        for membership in self.memberships:
            if membership.user_id == user.id:
                return membership.role
        return None


class GroupMembership(db.Model):
    __tablename__ = "group_membership"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood_group.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    role: Mapped[GroupRole] = mapped_column(string_enum(GroupRole, "group_role"), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The member's own choice to have their name on the group's public page; off until
    # they say so. Organisers are named whatever it says: theirs is a public role.
    show_name: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    @property
    def named_publicly(self) -> bool:
        """Whether the public group page shows this member's name."""
        return self.show_name or self.role is GroupRole.ORGANISER


class GroupInvitation(db.Model):
    """An offer of membership sent to an email address, which becomes a membership only
    when the person with that address accepts it.

    Only the SHA-256 of the token is stored, as with letter codes: a leaked database
    accepts nothing. The address is kept so the invitation finds its person when they
    sign in, or when they register later; it is never published (not in the audit log,
    not on public pages).
    """

    __tablename__ = "group_invitation"
    __table_args__ = (
        # one open invitation per address and group; the service decides, this settles races
        Index(
            "uq_group_invitation_pending",
            "group_id",
            "email",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhood_group.id"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    role: Mapped[GroupRole] = mapped_column(string_enum(GroupRole, "group_role"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    state: Mapped[InvitationState] = mapped_column(
        string_enum(InvitationState, "invitation_state"),
        nullable=False,
        default=InvitationState.PENDING,
    )
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # who answered (accepted or declined) and when; a cancellation records the organiser
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    group: Mapped[Group] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])

    @property
    def audit_subject(self) -> Subject:
        return Subject("group", self.group.slug)

    def state_at(self, now: datetime) -> InvitationState:
        """The state as it stands at `now`: a pending invitation past its expiry is expired,
        whether or not `civic tick` has written that down yet."""
        if self.state is InvitationState.PENDING and aware(self.expires_at) <= now:
            return InvitationState.EXPIRED
        return self.state


class CodeBatch(db.Model):
    """A batch of one-time letters posted to addresses in an area."""

    __tablename__ = "code_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    # set when the letters prove membership of a constituency (the staff of a service...)
    # rather than residence of the area (civic.accounts.constituencies)
    constituency_id: Mapped[int | None] = mapped_column(ForeignKey("constituency.id"), index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    area: Mapped[Area] = relationship()
    constituency: Mapped[Constituency | None] = relationship("Constituency")
    created_by: Mapped[User] = relationship()

    @property
    def audit_subject(self) -> Subject:
        return Subject("code_batch", str(self.id))


class EligibilityCode(db.Model):
    """One code. Only its SHA-256 is stored: a leaked database redeems nothing."""

    __tablename__ = "eligibility_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("code_batch.id"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    batch: Mapped[CodeBatch] = relationship()


class Eligibility(db.Model):
    """Proof that a person lives in an area; one per person and area (database-enforced)."""

    __tablename__ = "eligibility"
    __table_args__ = (
        UniqueConstraint("user_id", "area_id"),
        # a code-method proof names its code until the evidence is removed for retention
        CheckConstraint(
            "(code_id IS NULL OR method = 'code') "
            "AND (method <> 'code' OR code_id IS NOT NULL OR evidence_removed_at IS NOT NULL)",
            name="code_method_has_code",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    method: Mapped[EligibilityMethod] = mapped_column(
        string_enum(EligibilityMethod, "eligibility_method"), nullable=False
    )
    code_id: Mapped[int | None] = mapped_column(ForeignKey("eligibility_code.id"), unique=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # when the evidence (code link, check note, who checked) was removed after the
    # retention period (CIVIC_ELIGIBILITY_EVIDENCE_DAYS); the fact of eligibility stays
    evidence_removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="eligibilities", foreign_keys=[user_id])
    area: Mapped[Area] = relationship()
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])


class AccountToken(db.Model):
    """A secret sent by email in a link: confirm an address, reset a password, or move the
    account to a new address (`new_email`).

    Only the SHA-256 of the secret is stored, so a leaked database opens nothing. A token
    works once: using it is an `UPDATE ... WHERE used_at IS NULL` whose row count decides,
    so two clicks at once use it once (civic.accounts.tokens).
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        string_enum(TokenPurpose, "token_purpose"), nullable=False
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
