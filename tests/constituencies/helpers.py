"""Constituencies and their members for tests, made through the services."""

from __future__ import annotations

from civic.accounts.constituencies import (
    Constituency,
    ConstituencyKind,
    ConstituencyMembership,
    create_constituency,
)
from civic.accounts.models import EligibilityMethod
from civic.extensions import db
from tests.factories import ModeratorFactory, UserFactory


def make_constituency(area, name: str, kind: ConstituencyKind = ConstituencyKind.STAFF, **kw):
    slug = name.lower().replace(" ", "-")
    return create_constituency(ModeratorFactory(), name=name, slug=slug, kind=kind, area=area, **kw)


def member_of(constituency: Constituency, user=None):
    """A person proved to belong (as a moderator's check would, without the audit noise)."""
    user = user or UserFactory()
    db.session.add(
        ConstituencyMembership(
            user_id=user.id,
            constituency_id=constituency.id,
            method=EligibilityMethod.MODERATOR,
        )
    )
    db.session.flush()
    return user
