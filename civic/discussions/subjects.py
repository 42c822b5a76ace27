"""What a thread can hang off. Each domain registers its subject type with one call:

    subjects.register("budget_round", lambda id: SubjectInfo(...) or None)

so discussions need to know nothing about budgets, votes or consultations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import select

from civic.accounts.models import Area, Group
from civic.errors import NotFound
from civic.extensions import db
from civic.i18n import _


@dataclass(frozen=True)
class SubjectInfo:
    title: str
    area: Area | None  # residents of this area may post; None: anyone signed in
    endpoint: str  # the subject's own page, built only when a page needs it
    values: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **self.values)


Resolver = Callable[[str], SubjectInfo | None]
_RESOLVERS: dict[str, Resolver] = {}


def register(subject_type: str, resolver: Resolver) -> None:
    _RESOLVERS[subject_type] = resolver


def resolve(subject_type: str, subject_id: str) -> SubjectInfo:
    resolver = _RESOLVERS.get(subject_type)
    info = resolver(subject_id) if resolver else None
    if info is None:
        raise NotFound(_("There is no discussion at this address."))
    return info


def _area(slug: str) -> SubjectInfo | None:
    area = db.session.scalar(select(Area).where(Area.slug == slug))
    if area is None:
        return None
    return SubjectInfo(area.name, area, "accounts.area", {"slug": slug})


def _group(slug: str) -> SubjectInfo | None:
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        return None
    return SubjectInfo(group.name, group.area, "accounts.group", {"slug": slug})


register("area", _area)
register("group", _group)
