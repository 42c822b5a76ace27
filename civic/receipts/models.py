"""Receipt codes that no longer stand for a counted ballot."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civic.extensions import db


class RetiredReceipt(db.Model):
    """A code whose ballot was replaced by a later one from the same voter ("replaced"), or
    struck out by a moderator after its voter contested it ("voided", paper ballots), or
    taken back by its voter before the close ("withdrawn").

    Deliberately nothing else: no voter key, no time, no link to the new code, so the list
    says that some ballot changed, never whose or into what."""

    __tablename__ = "retired_receipt"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False)
    code: Mapped[str] = mapped_column(String(19), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(10), nullable=False)  # replaced | voided | withdrawn
