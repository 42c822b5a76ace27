"""Versions of the site pages an administrator has edited.

A page is never updated in place: every save is a new row, so the council can show what its
privacy notice said on any date (UK GDPR's accountability principle) and a bad edit can be
undone by saving the old text again. Until a page has a row, its built-in default is shown.

Each language has its own line of versions (issue 17): the Welsh privacy notice is numbered
1, 2, 3 apart from the English one, so a reader can cite "version 2 of the Welsh notice".
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
    # the unique triple decides a race between two administrators saving the same page in
    # the same language
    __table_args__ = (
        UniqueConstraint("slug", "language", "version", name="uq_site_page_language_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40))  # the unique triple indexes it
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User | None] = relationship()
