"""Finding an account among many: the administrators' People page.

Name or email, case-insensitive and partial ("smith" finds "Jo Smithson"), with role and
active filters, a page at a time, newest first. A substring match cannot use a plain
B-tree index, so PostgreSQL scans the accounts table; 100,000 accounts scan in tens of
milliseconds, which is fine for a page administrators open now and then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from civic.accounts.models import Role, User
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.paging import PageWindow
from civic.params import parse_int
from civic.permissions import require_admin

PER_PAGE = 50
MAX_QUERY = 254  # the longest email address
ACTIVE_CHOICES = {"": None, "active": True, "deactivated": False}


@dataclass
class PeoplePage(PageWindow):
    people: list[User] = field(default_factory=list)
    total: int = 0
    page: int = 1

    per_page: int = PER_PAGE

    @property
    def shown(self) -> int:
        return len(self.people)


def find_people(
    actor: User | None,
    *,
    query: str = "",
    role: str = "",
    active: str = "",
    page: str | int | None = 1,
) -> PeoplePage:
    """Accounts matching every filter given; refuses anyone but an administrator."""
    require_admin(actor)
    errors: dict[str, str] = {}
    text = (query or "").strip()
    if len(text) > MAX_QUERY:
        errors["q"] = _("Enter at most %(limit)s characters", limit=MAX_QUERY)
    if role and role not in {r.value for r in Role}:
        errors["role"] = _("Choose a role from the list")
    if active not in ACTIVE_CHOICES:
        errors["active"] = _("Choose active or deactivated accounts from the list")
    number = page if isinstance(page, int) else parse_int(page or "1", minimum=1)
    if number is None or number < 1:
        errors["page"] = _("Page must be a whole number from 1")
    if errors:
        raise ValidationFailed(errors)
    conditions = []
    if text:
        needle = text.lower()
        conditions.append(
            or_(
                func.lower(User.display_name).contains(needle, autoescape=True),
                func.lower(User.email).contains(needle, autoescape=True),
            )
        )
    if role:
        conditions.append(User.role == Role(role))
    if ACTIVE_CHOICES[active] is not None:
        conditions.append(User.active.is_(ACTIVE_CHOICES[active]))
    total = db.session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    people = db.session.scalars(
        select(User)
        .where(*conditions)
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(PER_PAGE)
        .offset((number - 1) * PER_PAGE)
    ).all()
    return PeoplePage(list(people), total, number)
