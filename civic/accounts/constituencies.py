"""Constituencies: named classes of people other than "residents of an area" (the staff of
a service, its users, the tenants of an estate, the members of a group), and the proof that
a person belongs to one.

Membership is proved by the same means as residence (`civic.accounts.services`): a letter
code from a batch aimed at the constituency, or a moderator's check with a note. A grant is
a private act: it is logged under a pseudonym scoped to the constituency, in the shuffled
batches every private act goes through. "Members of a group" needs no proof: it is read
live from GroupMembership. "Residents of an area" is the existing rule (`Eligibility`), so
a subject can be open to residents and staff at once.

This module sits in accounts (beside areas and eligibility) so that redeeming a letter code
can grant either kind of proof without accounts importing a domain.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic import audit
from civic.accounts.models import (
    Area,
    Eligibility,
    EligibilityMethod,
    Group,
    GroupMembership,
    User,
)
from civic.audit import Subject
from civic.clock import utcnow
from civic.database import string_enum
from civic.errors import Conflict, ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.permissions import require_moderator
from civic.slugs import is_slug


class ConstituencyKind(enum.StrEnum):
    STAFF = "staff"
    USERS = "users"
    TENANTS = "tenants"
    GROUP_MEMBERS = "group_members"
    RESIDENTS = "residents"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])

    @property
    def proved(self) -> bool:
        """Whether membership is proved person by person (codes, checks); group members and
        residents are read from what already exists."""
        return self in (ConstituencyKind.STAFF, ConstituencyKind.USERS, ConstituencyKind.TENANTS)


KIND_LABELS = {
    ConstituencyKind.STAFF: _l("Staff of a service"),
    ConstituencyKind.USERS: _l("Users of a service"),
    ConstituencyKind.TENANTS: _l("Tenants of an estate"),
    ConstituencyKind.GROUP_MEMBERS: _l("Members of a group"),
    ConstituencyKind.RESIDENTS: _l("Residents of the area"),
}


class Constituency(db.Model):
    """A class of people a vote, consultation or budget round can be open to. It belongs to
    an area (where the service or estate is; for residents, the area itself)."""

    __tablename__ = "constituency"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'group_members') = (group_id IS NOT NULL)", name="group_kind_has_group"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[ConstituencyKind] = mapped_column(
        string_enum(ConstituencyKind, "constituency_kind"), nullable=False
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("neighbourhood_group.id"))
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    area: Mapped[Area] = relationship()
    group: Mapped[Group | None] = relationship()

    @property
    def audit_subject(self) -> Subject:
        return Subject("constituency", self.slug)


class ConstituencyMembership(db.Model):
    """Proof that a person belongs to a constituency; one per person and constituency
    (database-enforced), by letter code or a moderator's check, like `Eligibility`."""

    __tablename__ = "constituency_membership"
    __table_args__ = (
        UniqueConstraint("user_id", "constituency_id"),
        CheckConstraint("code_id IS NULL OR method = 'code'", name="code_method_has_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    constituency_id: Mapped[int] = mapped_column(
        ForeignKey("constituency.id"), nullable=False, index=True
    )
    method: Mapped[EligibilityMethod] = mapped_column(
        string_enum(EligibilityMethod, "eligibility_method"), nullable=False
    )
    code_id: Mapped[int | None] = mapped_column(ForeignKey("eligibility_code.id"), unique=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    constituency: Mapped[Constituency] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


# --- who belongs ------------------------------------------------------------------------


def is_member(user: User | None, constituency: Constituency) -> bool:
    """Whether `user` belongs to `constituency` now (live: a group member who left, or a
    revoked proof, no longer belongs)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    kind = constituency.kind
    if kind is ConstituencyKind.RESIDENTS:
        return any(e.area_id == constituency.area_id for e in user.eligibilities)
    if kind is ConstituencyKind.GROUP_MEMBERS:
        return any(m.group_id == constituency.group_id for m in user.memberships)
    return (
        db.session.scalar(
            select(ConstituencyMembership.id).where(
                ConstituencyMembership.user_id == user.id,
                ConstituencyMembership.constituency_id == constituency.id,
            )
        )
        is not None
    )


def member_ids(constituency: Constituency):
    """A SELECT of the user ids who belong to `constituency` (active accounts only)."""
    kind = constituency.kind
    if kind is ConstituencyKind.RESIDENTS:
        ids = select(Eligibility.user_id).where(Eligibility.area_id == constituency.area_id)
    elif kind is ConstituencyKind.GROUP_MEMBERS:
        ids = select(GroupMembership.user_id).where(
            GroupMembership.group_id == constituency.group_id
        )
    else:
        ids = select(ConstituencyMembership.user_id).where(
            ConstituencyMembership.constituency_id == constituency.id
        )
    return ids.join(User, User.id == ids.selected_columns[0]).where(User.active.is_(True))


def member_count(constituency: Constituency) -> int:
    return db.session.scalar(select(func.count()).select_from(member_ids(constituency).subquery()))


def proofs_of(user: User) -> list[ConstituencyMembership]:
    """The constituencies a person has proved they belong to, for "Your areas"."""
    return list(
        db.session.scalars(
            select(ConstituencyMembership)
            .where(ConstituencyMembership.user_id == user.id)
            .order_by(ConstituencyMembership.id)
        )
    )


# --- creating and proving ---------------------------------------------------------------


def create_constituency(
    actor: User | None,
    *,
    name: str,
    slug: str,
    kind: ConstituencyKind,
    area: Area,
    group: Group | None = None,
    description: str = "",
) -> Constituency:
    """A moderator names a class of people (audited, in public: it is an official act)."""
    moderator = require_moderator(actor)
    errors: dict[str, str] = {}
    name, slug = (name or "").strip(), (slug or "").strip()
    if not name:
        errors["name"] = _("Give the constituency a name, like “Leisure centre staff”")
    elif len(name) > 120:
        errors["name"] = _("The name must be 120 characters or fewer")
    if not is_slug(slug):
        errors["slug"] = _("Use lower-case letters, numbers and hyphens for the short name")
    elif db.session.scalar(select(Constituency.id).where(Constituency.slug == slug)):
        errors["slug"] = _("Another constituency already uses this short name")
    if kind is ConstituencyKind.GROUP_MEMBERS and group is None:
        errors["group"] = _("Choose the group whose members make up this constituency")
    if kind is not ConstituencyKind.GROUP_MEMBERS:
        group = None
    if group is not None and group.area_id != area.id:
        errors["group"] = _("%(group)s is not in %(area)s", group=group.name, area=area.name)
    if errors:
        raise ValidationFailed(errors)
    constituency = Constituency(
        name=name,
        slug=slug,
        kind=kind,
        area_id=area.id,
        group_id=group.id if group else None,
        description=(description or "").strip(),
        created_by_id=moderator.id,
    )
    db.session.add(constituency)
    db.session.flush()
    audit.record(
        moderator,
        "constituency:create",
        constituency,
        {
            "name": constituency.name,
            "kind": kind.value,
            "area": area.slug,
            **({"group": group.slug} if group else {}),
        },
    )
    return constituency


def membership_subject(user: User, constituency: Constituency) -> Subject:
    """A grant's subject: a pseudonym for this person and this constituency alone, so the
    log shows that someone joined the staff class, not which named resident (DESIGN §4)."""
    return Subject(
        "constituency_member", audit.pseudonym(user.id, f"constituency:{constituency.slug}")
    )


def already_member_problem(user: User, constituency: Constituency) -> str | None:
    if not constituency.kind.proved:
        return _(
            "%(group)s is made up of %(kind)s: membership is not proved by code or check",
            group=constituency.name,
            kind=constituency.kind.label.lower(),
        )
    if is_member(user, constituency):
        return _(
            "%(name)s already belongs to %(group)s", name=user.display_name, group=constituency.name
        )
    return None


def confirm_member(
    actor: User | None, user: User, constituency: Constituency, note: str
) -> ConstituencyMembership:
    """A moderator vouches that a person belongs (e.g. saw a staff pass or a membership
    card); the note is kept in the record, the log says only that a check was made."""
    moderator = require_moderator(actor)
    errors: dict[str, str] = {}
    if problem := already_member_problem(user, constituency):
        errors["email"] = problem
    elif not user.email_confirmed:
        errors["email"] = _(
            "%(name)s has not confirmed their email address yet: ask them to "
            "follow the link we sent them, then confirm them",
            name=user.display_name,
        )
    if not (note or "").strip():
        errors["note"] = _("Say how membership was checked (kept in the record)")
    if errors:
        raise ValidationFailed(errors)
    membership = ConstituencyMembership(
        user_id=user.id,
        constituency_id=constituency.id,
        method=EligibilityMethod.MODERATOR,
        confirmed_by_id=moderator.id,
        note=note.strip()[:200],
    )
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:
        raise Conflict(
            _(
                "%(name)s already belongs to %(group)s.",
                name=user.display_name,
                group=constituency.name,
            )
        ) from None
    audit.record(
        moderator,
        "constituency:grant",
        membership_subject(user, constituency),
        {"constituency": constituency.slug, "method": "moderator"},
    )
    return membership


def grant_by_code(user: User, constituency: Constituency, code_id: int) -> ConstituencyMembership:
    """The last step of redeeming a letter code aimed at a constituency
    (`accounts.services.redeem_code`, which has already claimed the code)."""
    membership = ConstituencyMembership(
        user_id=user.id,
        constituency_id=constituency.id,
        method=EligibilityMethod.CODE,
        code_id=code_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:
        raise Conflict(_("You already belong to %(group)s.", group=constituency.name)) from None
    audit.record(
        user,
        "constituency:grant",
        membership_subject(user, constituency),
        {"constituency": constituency.slug, "method": "code"},
    )
    return membership


def constituencies_of(user: User) -> list[tuple[Constituency, str]]:
    """Every constituency (besides plain residence) the person belongs to now, with how
    they showed it, for "Your areas": proofs by code or check, and groups they are in."""
    found: list[tuple[Constituency, str]] = [
        (
            proof.constituency,
            _("letter code")
            if proof.method is EligibilityMethod.CODE
            else _("confirmed by a moderator"),
        )
        for proof in proofs_of(user)
    ]
    group_ids = [m.group_id for m in user.memberships]
    if group_ids:
        found += [
            (c, _("group membership"))
            for c in db.session.scalars(
                select(Constituency)
                .where(Constituency.group_id.in_(group_ids))
                .order_by(Constituency.name)
            )
        ]
    return found
