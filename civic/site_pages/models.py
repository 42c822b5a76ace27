"""Versions of the site pages an administrator has edited.

A page is never updated in place: every save is a new row, so the council can show what its
privacy notice said on any date (UK GDPR's accountability principle) and a bad edit can be
undone by saving the old text again. Until a page has a row, its built-in default is shown.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.clock import utcnow
from civic.extensions import db


class SitePageVersion(db.Model):
    __tablename__ = "site_page_version"
    # the unique pair decides a race between two administrators saving the same page
    __table_args__ = (UniqueConstraint("slug", "version", name="uq_site_page_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40))  # the unique pair indexes it
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User | None] = relationship()
