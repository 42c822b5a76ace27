"""Role checks shared by every domain's service layer (the only place access is decided)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civic.errors import PermissionDenied
from civic.i18n import _

if TYPE_CHECKING:
    from civic.accounts.models import User


def require_signed_in(actor: User | None) -> User:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to do this."))
    return actor


def require_moderator(actor: User | None) -> User:
    user = require_signed_in(actor)
    if not user.is_moderator:
        raise PermissionDenied(_("Only moderators and administrators can do this."))
    return user


def require_admin(actor: User | None) -> User:
    user = require_signed_in(actor)
    if not user.is_admin:
        raise PermissionDenied(_("Only administrators can do this."))
    return user
